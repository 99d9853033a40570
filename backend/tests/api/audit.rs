//! The audit log: sign-ins, refusals, writes and identity reads leave entries naming who, where and what;
//! sealing links them into a hash chain that `verify` (and `hospital audit verify`) recomputes, so an
//! altered, deleted or truncated entry is reported.
use crate::{
    db_tests,
    helpers::{Backend, PASSWORD, TestApp},
};
use hospital::{entities::foundation::audit_log, services::foundation::audit};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

db_tests!(
    sign_ins_refusals_writes_and_identity_reads_are_audited,
    a_sealed_log_verifies_intact,
    altering_an_entrys_action_is_detected,
    altering_an_entrys_detail_is_detected,
    deleting_a_middle_entry_is_detected,
    deleting_the_last_entry_is_detected,
    the_cli_verifies_the_chain_and_fails_once_it_is_broken,
    verifying_while_entries_are_sealed_raises_no_false_alarm,
    the_first_seals_of_a_log_at_once_all_succeed,
    an_administrator_verifies_with_their_own_hospitals_entries,
    a_change_whose_audit_entry_fails_does_not_happen,
);

/// Every entry, in the order written.
async fn entries(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// The single entry with this action, outcome and actor.
#[track_caller]
fn the_entry<'a>(
    log: &'a [audit_log::Model],
    action: &str,
    outcome: &str,
    actor: &str,
) -> &'a audit_log::Model {
    let found: Vec<_> = log
        .iter()
        .filter(|e| {
            e.action == action && e.outcome == outcome && e.actor_username.as_deref() == Some(actor)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {action} {outcome} entry by {actor} in {log:#?}"
    );
    found[0]
}

fn detail(entry: &audit_log::Model) -> Value {
    entry
        .detail
        .as_deref()
        .map(|d| serde_json::from_str(d).unwrap())
        .unwrap_or(Value::Null)
}

async fn register_patient(app: &TestApp) -> i64 {
    let created = app
        .post(
            "/api/v1/patients",
            &app.front_desk().await,
            json!({
                "name": "王秀英",
                "document_no": "11010519491231002X",
                "phone": "13800138000",
                "dob": "1949-12-31",
                "gender": "FEMALE",
                "insurance_type": "EMPLOYEE"
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body["id"].as_i64().unwrap()
}

async fn sign_ins_refusals_writes_and_identity_reads_are_audited(app: TestApp) {
    let login = app.login_from("a_admin", PASSWORD, "10.7.7.7").await;
    assert_eq!(login.status, 200);
    assert_eq!(
        app.login_from("a_doctor", "wrong-password", "10.8.8.8")
            .await
            .status,
        401
    );
    assert_eq!(
        app.login_from("no_such_user", "wrong-password", "10.8.8.8")
            .await
            .status,
        401
    );
    let analyst = app
        .token('a', hospital::domain::foundation::role::Role::Analyst)
        .await;
    assert_eq!(app.get("/api/v1/patients", &analyst).await.status, 403);
    let admin = login.body["access_token"].as_str().unwrap();
    let department = app
        .post(
            "/api/v1/departments",
            admin,
            json!({"code": "INT", "name": "内科"}),
        )
        .await;
    assert_eq!(department.status, 201, "{:?}", department.body);
    let patient = register_patient(&app).await;
    let read = app
        .get(
            &format!("/api/v1/patients/{patient}"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    assert_eq!(read.body["document_no"], "11010519491231002X");

    let log = entries(&app).await;
    let a = Some(app.hospital_a);

    let signed_in = the_entry(&log, "LOGIN", "SUCCESS", "a_admin");
    assert_eq!(signed_in.hospital_id, a);
    assert!(signed_in.actor_user_id.is_some());
    assert_eq!(signed_in.client_ip.as_deref(), Some("10.7.7.7"));
    assert!(detail(signed_in)["session_id"].is_i64(), "{signed_in:?}");

    let wrong_password = the_entry(&log, "LOGIN", "FAILURE", "a_doctor");
    assert_eq!(wrong_password.hospital_id, a);
    assert_eq!(wrong_password.client_ip.as_deref(), Some("10.8.8.8"));
    assert_eq!(detail(wrong_password)["reason"], "wrong password");
    let unknown = the_entry(&log, "LOGIN", "FAILURE", "no_such_user");
    assert_eq!((unknown.hospital_id, unknown.actor_user_id), (None, None));
    assert_eq!(detail(unknown)["reason"], "unknown user");

    let refused = the_entry(&log, "AUTHORIZATION", "DENIED", "a_analyst");
    assert_eq!(refused.hospital_id, a);
    assert_eq!(refused.resource_id.as_deref(), Some("GET /api/v1/patients"));
    assert_eq!(detail(refused)["role"], "ANALYST");

    let created = the_entry(&log, "DEPARTMENT_CREATE", "SUCCESS", "a_admin");
    assert_eq!(created.hospital_id, a);
    assert_eq!(created.resource_type.as_deref(), Some("department"));
    assert_eq!(
        created.resource_id.as_deref(),
        Some(department.body["id"].to_string().as_str())
    );

    the_entry(&log, "PATIENT_CREATE", "SUCCESS", "a_front_desk");
    let identity = the_entry(&log, "PATIENT_IDENTITY_READ", "SUCCESS", "a_front_desk");
    assert_eq!(identity.hospital_id, a);
    assert_eq!(identity.resource_type.as_deref(), Some("patient"));
    assert_eq!(
        identity.resource_id.as_deref(),
        Some(patient.to_string().as_str())
    );
    // The log itself never holds the identity number it protects.
    assert!(
        log.iter().all(|e| !e
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("11010519491231002X")),
        "{log:#?}"
    );
}

/// Some activity of every kind, sealed and verified intact; returns the log in chain order.
async fn sealed_log(app: &TestApp) -> Vec<audit_log::Model> {
    assert_eq!(app.login("a_doctor", "wrong-password").await.status, 401);
    let admin = app.admin().await;
    for (code, name) in [("INT", "内科"), ("SUR", "外科"), ("PED", "儿科")] {
        let created = app
            .post(
                "/api/v1/departments",
                &admin,
                json!({"code": code, "name": name}),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
    }
    assert_eq!(
        app.get("/api/v1/users", &app.front_desk().await)
            .await
            .status,
        403
    );

    audit::seal(&app.db).await.unwrap();
    let report = audit::verify(&app.db, None).await.unwrap();
    assert!(report.intact, "{report:?}");
    let mut log = entries(app).await;
    assert!(log.len() >= 7, "{log:#?}");
    log.sort_by_key(|e| e.chain_seq);
    log
}

/// Verifies the chain and returns its problems, asserting it is reported broken.
async fn problems_after_tampering(app: &TestApp) -> Vec<String> {
    let report = audit::verify(&app.db, None).await.unwrap();
    assert!(!report.intact, "tampering went unnoticed: {report:?}");
    report.problems
}

async fn a_sealed_log_verifies_intact(app: TestApp) {
    let log = sealed_log(&app).await;
    let report = audit::verify(&app.db, None).await.unwrap();
    assert!(report.intact && report.problems.is_empty(), "{report:?}");
    assert_eq!(report.sealed_entries, log.len() as i64);
    assert_eq!(report.unsealed_entries, 0);
    for (i, entry) in log.iter().enumerate() {
        assert_eq!(entry.chain_seq, Some(i as i64 + 1), "{entry:?}");
        assert!(
            entry.hash.as_deref().is_some_and(|h| h.len() == 64),
            "{entry:?}"
        );
        if i > 0 {
            assert_eq!(
                entry.prev_hash,
                log[i - 1].hash,
                "entry {} links to the one before",
                i + 1
            );
        }
    }
}

async fn altering_an_entrys_action_is_detected(app: TestApp) {
    let log = sealed_log(&app).await;
    let victim = &log[log.len() / 2];
    app.execute(&format!(
        "UPDATE audit_log SET action = 'X' WHERE id = {}",
        victim.id
    ))
    .await;
    let problems = problems_after_tampering(&app).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("altered") && problems[0].contains(&format!("(id {})", victim.id)),
        "the problem names entry {}: {problems:?}",
        victim.id
    );
}

async fn altering_an_entrys_detail_is_detected(app: TestApp) {
    let log = sealed_log(&app).await;
    let victim = log
        .iter()
        .find(|e| e.action == "LOGIN" && e.outcome == "FAILURE")
        .unwrap();
    app.execute(&format!(
        "UPDATE audit_log SET detail = '{{\"reason\":\"nothing happened\"}}' WHERE id = {}",
        victim.id
    ))
    .await;
    let problems = problems_after_tampering(&app).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("altered") && problems[0].contains(&format!("(id {})", victim.id)),
        "the problem names entry {}: {problems:?}",
        victim.id
    );
}

async fn deleting_a_middle_entry_is_detected(app: TestApp) {
    let log = sealed_log(&app).await;
    let victim = &log[log.len() / 2];
    let seq = victim.chain_seq.unwrap();
    app.execute(&format!("DELETE FROM audit_log WHERE id = {}", victim.id))
        .await;
    let problems = problems_after_tampering(&app).await;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("missing") && p.contains(&format!("{seq}..{seq}"))),
        "a gap at {seq}: {problems:?}"
    );
}

async fn deleting_the_last_entry_is_detected(app: TestApp) {
    let log = sealed_log(&app).await;
    let last = log.last().unwrap();
    app.execute(&format!("DELETE FROM audit_log WHERE id = {}", last.id))
        .await;
    let problems = problems_after_tampering(&app).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("chain head") && problems[0].contains(&log.len().to_string()),
        "the head still counts {} entries: {problems:?}",
        log.len()
    );
}

/// Runs `hospital audit verify` on the test database: exit success and the printed report.
async fn cli_verify(url: String) -> (bool, Value) {
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hospital"))
            .args(["audit", "verify"])
            .env("DATABASE_URL", url)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = stdout
        .find('{')
        .and_then(|start| serde_json::from_str(&stdout[start..]).ok())
        .unwrap_or_else(|| {
            panic!(
                "a JSON report on stdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    (output.status.success(), report)
}

async fn the_cli_verifies_the_chain_and_fails_once_it_is_broken(app: TestApp) {
    let log = sealed_log(&app).await;
    let url = app.database_url.clone();

    let (ok, report) = cli_verify(url.clone()).await;
    assert!(ok, "exit status on an intact chain: {report}");
    assert_eq!(report["intact"], true);
    assert_eq!(report["sealed_entries"], log.len());

    let victim = &log[1];
    app.execute(&format!(
        "UPDATE audit_log SET actor_username = 'someone_else' WHERE id = {}",
        victim.id
    ))
    .await;
    let (ok, report) = cli_verify(url).await;
    assert!(!ok, "exit status on a broken chain: {report}");
    assert_eq!(report["intact"], false);
    assert!(
        report["problems"]
            .to_string()
            .contains(&format!("(id {})", victim.id)),
        "{report}"
    );
}

/// The sealer links entries while a verification pages through the chain: the verification reads one
/// snapshot, so a head that moved on meanwhile is never taken for entries removed from the end.
async fn verifying_while_entries_are_sealed_raises_no_false_alarm(app: TestApp) {
    let db = app.db.clone();
    let hospital = app.hospital_a;
    let writer = tokio::spawn(async move {
        for round in 0..30 {
            for i in 0..60 {
                let entry = audit::Entry {
                    hospital_id: Some(hospital),
                    actor_user_id: None,
                    actor_username: Some(format!("load-{round}-{i}")),
                    action: "LOGIN",
                    resource_type: Some("session"),
                    resource_id: None,
                    outcome: audit::Outcome::Failure,
                    client_ip: Some("10.12.0.1".into()),
                    detail: None,
                };
                audit::record(&db, entry).await.unwrap();
            }
            audit::seal(&db).await.unwrap();
        }
    });
    let mut verified = 0;
    while !writer.is_finished() {
        let report = audit::verify(&app.db, None).await.unwrap();
        assert!(report.intact, "a false alarm while sealing: {report:?}");
        verified += 1;
    }
    writer.await.unwrap();
    assert!(verified > 1, "the verification ran beside the sealing");
    let report = audit::verify(&app.db, None).await.unwrap();
    assert!(report.intact && report.unsealed_entries == 0, "{report:?}");
}

/// A log nothing has sealed yet (a new database) is sealed by the background sealer and a verification at
/// once: every one of several concurrent first seals succeeds and the chain comes out intact.
async fn the_first_seals_of_a_log_at_once_all_succeed(app: TestApp) {
    sealed_log(&app).await;
    for round in 0..5 {
        app.execute("UPDATE audit_log SET chain_seq = NULL, prev_hash = NULL, hash = NULL")
            .await;
        app.execute("DELETE FROM audit_chain_head").await;
        let seals: Vec<_> = (0..8)
            .map(|_| {
                let db = app.db.clone();
                tokio::spawn(async move { audit::seal(&db).await })
            })
            .collect();
        for seal in seals {
            let sealed = seal.await.unwrap();
            assert!(sealed.is_ok(), "round {round}: {sealed:?}");
        }
        let report = audit::verify(&app.db, None).await.unwrap();
        assert!(
            report.intact && report.unsealed_entries == 0,
            "round {round}: {report:?}"
        );
    }
}

/// The chain is one for the group, but an administrator's report counts their hospital's entries and names
/// only their problems; a break elsewhere shows as not intact without saying where.
async fn an_administrator_verifies_with_their_own_hospitals_entries(app: TestApp) {
    sealed_log(&app).await;
    for user in ["b_admin", "b_doctor"] {
        assert_eq!(app.login(user, PASSWORD).await.status, 200);
    }
    let (a_admin, b_admin) = (
        app.admin().await,
        app.token('b', hospital::domain::foundation::role::Role::Admin)
            .await,
    );
    let report = app.get("/api/v1/audit-logs/verify", &a_admin).await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    let own: Vec<audit_log::Model> = entries(&app)
        .await
        .into_iter()
        .filter(|e| e.hospital_id == Some(app.hospital_a))
        .collect();
    assert_eq!(
        report.body["sealed_entries"],
        own.iter().filter(|e| e.chain_seq.is_some()).count()
    );
    assert_eq!(report.body["intact"], true);

    let theirs = entries(&app)
        .await
        .into_iter()
        .rfind(|e| e.hospital_id == Some(app.hospital_b) && e.chain_seq.is_some())
        .unwrap();
    app.execute(&format!(
        "UPDATE audit_log SET action = 'X' WHERE id = {}",
        theirs.id
    ))
    .await;
    let a_view = app.get("/api/v1/audit-logs/verify", &a_admin).await;
    assert_eq!(a_view.body["intact"], false, "{:?}", a_view.body);
    let listed = a_view.body["problems"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0]
            .as_str()
            .unwrap()
            .contains("outside this hospital")
            && !listed[0].as_str().unwrap().contains(&theirs.id.to_string()),
        "{listed:?}"
    );
    let b_view = app.get("/api/v1/audit-logs/verify", &b_admin).await;
    assert_eq!(b_view.body["intact"], false);
    assert!(
        b_view.body["problems"][0]
            .as_str()
            .unwrap()
            .contains(&format!("(id {})", theirs.id)),
        "{:?}",
        b_view.body
    );
}

/// Makes the database refuse audit entries with this action, as a full disk or a broken replica would.
async fn refuse_audit_entries(app: &TestApp, action: &str) {
    match app.backend {
        Backend::Sqlite => {
            app.execute(&format!(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.action = '{action}' \
                 BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
            ))
            .await
        }
        Backend::Postgres => {
            app.execute(
                "CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ \
                 LANGUAGE plpgsql",
            )
            .await;
            app.execute(&format!(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW \
                 WHEN (NEW.action = '{action}') EXECUTE FUNCTION refuse_audit()"
            ))
            .await
        }
        Backend::MySql => {
            app.execute(&format!(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW BEGIN \
                 IF NEW.action = '{action}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit refused'; END IF; END"
            ))
            .await
        }
    }
}

async fn drop_refusal(app: &TestApp) {
    match app.backend {
        Backend::Postgres => app.execute("DROP TRIGGER refuse_audit ON audit_log").await,
        _ => app.execute("DROP TRIGGER refuse_audit").await,
    }
}

/// A change and its audit entry commit together: when the entry cannot be written, the change is undone
/// (removing a record, calling a patient), so nothing happens that the audit log does not show.
async fn a_change_whose_audit_entry_fails_does_not_happen(app: TestApp) {
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/departments",
            &admin,
            json!({"code": "TMP", "name": "临时科室"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    refuse_audit_entries(&app, "DEPARTMENT_DELETE").await;
    let removed = app
        .delete(&format!("/api/v1/departments/{id}"), &admin)
        .await;
    removed.assert_problem(500, "INTERNAL_ERROR");
    let still = app.get(&format!("/api/v1/departments/{id}"), &admin).await;
    assert_eq!(
        (still.status, &still.body["is_active"]),
        (200, &json!(true)),
        "{:?}",
        still.body
    );
    drop_refusal(&app).await;
    assert_eq!(
        app.delete(&format!("/api/v1/departments/{id}"), &admin)
            .await
            .status,
        200
    );

    let clinic = crate::clinic::Clinic::open(&app).await;
    let (today, _) = crate::clinic::today_schedule(&app, clinic.doctor_id, 5).await;
    let patient = clinic.patient(&app, "SELF_PAY").await;
    let (appointment, _) = crate::clinic::walk_in(&app, patient, today).await;
    let doctor = app
        .token('a', hospital::domain::foundation::role::Role::Doctor)
        .await;
    refuse_audit_entries(&app, "QUEUE_CALL").await;
    let call = app
        .post("/api/v1/doctor/queue/call-next", &doctor, json!({}))
        .await;
    call.assert_problem(500, "INTERNAL_ERROR");
    drop_refusal(&app).await;
    let again = app
        .post("/api/v1/doctor/queue/call-next", &doctor, json!({}))
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        again.body["appointment_id"].as_i64(),
        Some(appointment),
        "the patient whose call failed is still the one to call: {:?}",
        again.body
    );
}
