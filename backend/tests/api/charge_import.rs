//! Large charge imports commit in chunks under a pending import: the front desk keeps working during one on
//! SQLite, readers see none or all of an import's lines, and a failed or abandoned import leaves no line.
use crate::{
    accounting::{self, Ledger},
    clinic::{self, Clinic},
    db_tests, db_tests_with,
    helpers::{Backend, JWT_SECRET, PASSWORD, TestApp, username},
};
use hospital::domain::accounting::charge_line::BusinessType;
use hospital::domain::accounting::charge_line::ChargeSource;
use hospital::domain::accounting::charge_line::ImportStatus;
use hospital::domain::foundation::money::Amount;
use hospital::domain::foundation::period::Period;
use hospital::{
    config::Settings,
    domain::foundation::role::Role,
    entities::{accounting::charge_detail, accounting::charge_import},
    services::accounting::imports::{self, Importer, Progress, Upload},
    startup::Application,
};
use reqwest::multipart::{Form, Part};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

const HEADER: &str = "source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,item_name,item_category,quantity,amount,charged_at";

/// `count` lines of October 2026 like the accounting fixture's first one (INT's registration, 20.0000 each).
fn october_lines(prefix: &str, count: usize) -> String {
    let mut csv = String::with_capacity(count * 90);
    csv.push_str(HEADER);
    csv.push('\n');
    for n in 0..count {
        csv.push_str(&format!(
            "{prefix}-{n},OUTPATIENT,INT,INT,REG,挂号,TREATMENT,1,20.00,2026-10-15 10:00:00\n"
        ));
    }
    csv
}

async fn post_charges(app: &TestApp, token: &str, csv: String) -> crate::helpers::Resp {
    let part = Part::bytes(csv.into_bytes())
        .file_name("big.csv")
        .mime_str("text/csv")
        .unwrap();
    let req = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part));
    TestApp::read(req.send().await.unwrap()).await
}

async fn lines_of(app: &TestApp) -> u64 {
    charge_detail::Entity::find()
        .filter(charge_detail::Column::HospitalId.eq(app.hospital_a))
        .count(&app.db)
        .await
        .unwrap()
}

fn short_busy_timeout(s: &mut Settings) {
    // Before imports committed in chunks, every writer waited for the whole import and failed after this.
    s.sqlite_busy_timeout = Duration::from_secs(2);
}

db_tests_with!(the_front_desk_works_during_a_large_import => short_busy_timeout);

/// While 200,000 lines are imported (several seconds), payments, bookings and sign-ins go on answering, none
/// of them waiting out the (short) busy timeout, which would fail them; the import lands whole. How long a
/// round takes depends on the machine's load, so it is not asserted.
async fn the_front_desk_works_during_a_large_import(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 40).await;
    let mut bills = Vec::new();
    for _ in 0..8 {
        let patient = clinic.patient(&app, "EMPLOYEE").await;
        let (_, record) = clinic::walk_in(&app, patient, today).await;
        let written = clinic::write_record(&app, record, &[(clinic.drug_id, "1")]).await;
        assert_eq!(written.status, 200, "{:?}", written.body);
        let bill = clinic::bill(&app, record, None).await;
        assert_eq!(bill.status, 201, "{:?}", bill.body);
        bills.push(bill.body["id"].as_i64().unwrap());
    }
    let waiting = clinic.patients(&app, 8).await;
    let count = 200_000;
    let token = app.token('a', Role::Analyst).await;
    let done = Arc::new(AtomicBool::new(false));
    let import = {
        let (app_ref, done) = (&app, done.clone());
        async move {
            let resp = post_charges(app_ref, &token, october_lines("BIG", count)).await;
            done.store(true, Ordering::SeqCst);
            resp
        }
    };
    let front_desk = async {
        let mut during = 0;
        let (mut bills, mut waiting) = (bills.into_iter(), waiting.into_iter());
        while !done.load(Ordering::SeqCst) {
            if let Some(bill) = bills.next() {
                let key = format!("during-import-{bill}");
                let paid = clinic::pay(&app, bill, Some(&key), "CASH").await;
                assert_eq!(
                    paid.status, 200,
                    "payment during the import: {:?}",
                    paid.body
                );
            }
            if let Some(patient) = waiting.next() {
                let booked = clinic::book(&app, patient, today).await;
                assert_eq!(
                    booked.status, 201,
                    "booking during the import: {:?}",
                    booked.body
                );
            }
            let login = app.login(&username('a', Role::FrontDesk), PASSWORD).await;
            assert_eq!(
                login.status, 200,
                "sign-in during the import: {:?}",
                login.body
            );
            if !done.load(Ordering::SeqCst) {
                during += 1;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        during
    };
    let (resp, during) = tokio::join!(import, front_desk);
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["inserted"], count as u64);
    assert!(
        during >= 3,
        "the import was too quick to test anything ({during} rounds)"
    );
    let imported = charge_detail::Entity::find()
        .filter(charge_detail::Column::Source.eq("IMPORT"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(imported, count as u64);
}

db_tests!(a_reader_sees_none_or_all_of_an_import);
db_tests!(one_file_sent_twice_at_once_lands_once);

/// The same file sent twice at once (two analysts, or a retry while the first is still loading): one import
/// writes it; the other is refused with `IMPORT_IN_PROGRESS` while that one is written, or, when it came after,
/// finds every line present. Sent again, it adds nothing. Every line lands once.
async fn one_file_sent_twice_at_once_lands_once(app: TestApp) {
    let analyst = app.token('a', Role::Analyst).await;
    let before = lines_of(&app).await;
    let count = 5_000;
    let csv = october_lines("TWICE", count);
    let (a, b) = tokio::join!(
        post_charges(&app, &analyst, csv.clone()),
        post_charges(&app, &analyst, csv.clone())
    );
    let field = |r: &crate::helpers::Resp, name: &str| r.body[name].as_u64().unwrap();
    let wrote_lines = |r: &crate::helpers::Resp| r.body["inserted"].as_u64().unwrap_or(0) > 0;
    let (wrote, other) = if wrote_lines(&a) { (&a, &b) } else { (&b, &a) };
    assert_eq!(wrote.status, 200, "{:?}", wrote.body);
    assert_eq!(field(wrote, "inserted"), count as u64, "{:?}", wrote.body);
    if other.status == 409 {
        other.assert_problem(409, "IMPORT_IN_PROGRESS");
    } else {
        assert_eq!(other.status, 200, "{:?}", other.body);
        assert_eq!(field(other, "already_present"), count as u64);
    }
    let again = post_charges(&app, &analyst, csv).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        (field(&again, "inserted"), field(&again, "already_present")),
        (0, count as u64)
    );
    assert_eq!(lines_of(&app).await, before + count as u64);
}

/// A drill-down read over and over while an import of the period is written finds either none of its lines
/// or all of them, and a calculation run during the import counts either none or all.
async fn a_reader_sees_none_or_all_of_an_import(app: TestApp) {
    let ledger: Ledger = accounting::model(&app).await;
    accounting::insert_charges(&app, app.hospital_a, &accounting::charges()).await;
    let analyst = app.token('a', Role::Analyst).await;
    let legacy = accounting::workflow_id(&app, &analyst, false).await;
    let task = accounting::run_task(
        &app,
        &analyst,
        json!({"period": "2026-10", "workflow_id": legacy}),
    )
    .await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    let task_id = task["id"].as_i64().unwrap();
    let query = format!(
        "/api/v1/calculation-tasks/{task_id}/drill-down?department_id={}&node_id={}",
        ledger.departments["INT"], ledger.nodes["dim-doc"]
    );
    let quantity = |body: &serde_json::Value| -> String {
        body["totals"]["quantity"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let before = app.get(&query, &analyst).await;
    assert_eq!(before.status, 200, "{:?}", before.body);
    assert_eq!(before.body["source"], "charge_details");
    let base: f64 = quantity(&before.body).parse().unwrap();

    let count = 60_000;
    let done = Arc::new(AtomicBool::new(false));
    let import = {
        let (app_ref, done, token) = (&app, done.clone(), analyst.clone());
        async move {
            let resp = post_charges(app_ref, &token, october_lines("IMP", count)).await;
            done.store(true, Ordering::SeqCst);
            resp
        }
    };
    let reader = async {
        let mut seen = Vec::new();
        let mut runs = Vec::new();
        while !done.load(Ordering::SeqCst) {
            let drilled = app.get(&query, &analyst).await;
            assert_eq!(drilled.status, 200, "{:?}", drilled.body);
            seen.push(quantity(&drilled.body).parse::<f64>().unwrap());
            if runs.len() < 2 {
                let created = app
                    .post(
                        "/api/v1/calculation-tasks",
                        &analyst,
                        json!({"period": "2026-10", "workflow_id": legacy}),
                    )
                    .await;
                if created.status == 202 {
                    runs.push(created.body["id"].as_i64().unwrap());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (seen, runs)
    };
    let (resp, (seen, runs)) = tokio::join!(import, reader);
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    let all = base + count as f64;
    for q in &seen {
        assert!(
            *q == base || *q == all,
            "a drill-down saw {q}: neither {base} nor {all}"
        );
    }
    let after = app.get(&query, &analyst).await;
    assert_eq!(quantity(&after.body).parse::<f64>().unwrap(), all);
    for id in runs {
        let run = accounting::wait(&app, &analyst, id).await;
        assert_eq!(run["status"], "SUCCEEDED", "{run}");
        let drilled = app
            .get(
                &query.replace(&format!("tasks/{task_id}/"), &format!("tasks/{id}/")),
                &analyst,
            )
            .await;
        let cells = accounting::cells(&app, &analyst, id).await;
        let q: f64 = quantity(&drilled.body).parse().unwrap();
        assert_eq!(q, all, "the drill-down reads the lines as they are now");
        let counted: Vec<String> = cells
            .iter()
            .filter(|((dept, node, _), _)| dept == "INT" && node == "dim-doc")
            .map(|(_, cell)| cell["quantity"].as_str().unwrap_or_default().to_owned())
            .collect();
        for c in counted {
            let c: f64 = c.parse().unwrap();
            assert!(
                c == base || c == all,
                "a run counted {c}: neither {base} nor {all}"
            );
        }
    }
    accounting::assert_totals_are_the_visible_lines(&app.db).await;
}

/// Makes the writing pass fail part-way: once some chunks are committed, the file is cut short, so the
/// second pass no longer finds the rows the first one counted.
struct CutShort {
    path: std::path::PathBuf,
    cut: AtomicBool,
}

impl Progress for CutShort {
    fn writing(&self, rows: u64, _total: u64) {
        if rows > 45_000 && !self.cut.swap(true, Ordering::SeqCst) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .unwrap();
            file.set_len(file.metadata().unwrap().len() / 2).unwrap();
        }
    }
}

db_tests!(a_failed_import_leaves_no_line);

/// An import that fails after writing lines removes them and its record; the file imported again afterwards
/// lands whole. On SQLite and MySQL the file is cut short after some chunks are committed, so the writing
/// pass no longer finds the rows the validating one counted; on PostgreSQL, which reads the file once and moves
/// the staged lines in one statement, a trigger makes the database refuse a line of it.
async fn a_failed_import_leaves_no_line(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("charges.csv");
    let count = 90_000;
    std::fs::write(&path, october_lines("FAIL", count)).unwrap();
    let postgres = app.backend == Backend::Postgres;
    if postgres {
        app.execute(
            "CREATE FUNCTION refuse_a_line() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.source_line_id = 'FAIL-60000' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
        )
        .await;
        app.execute(
            "CREATE TRIGGER refuse_a_line BEFORE INSERT ON charge_details FOR EACH ROW \
             EXECUTE FUNCTION refuse_a_line()",
        )
        .await;
    }
    let progress = Arc::new(CutShort {
        path: path.clone(),
        cut: AtomicBool::new(false),
    });
    let importer = Importer::Command {
        hospital_id: app.hospital_a,
    };
    let upload = Upload {
        path: &path,
        name: None,
    };
    let failed = if postgres {
        imports::import_charges(&app.db, importer, upload, Arc::new(imports::Silent)).await
    } else {
        let failed = imports::import_charges(&app.db, importer, upload, progress.clone()).await;
        assert!(progress.cut.load(Ordering::SeqCst), "the file was cut");
        failed
    };
    assert!(failed.is_err(), "the import failed");
    assert_eq!(lines_of(&app).await, 0);
    assert_eq!(
        charge_import::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    if postgres {
        let staged = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT COUNT(*) AS n FROM pg_tables WHERE tablename LIKE 'charge_staging_%'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(staged, 0, "the staging table is gone");
        app.execute("DROP TRIGGER refuse_a_line ON charge_details")
            .await;
    }

    std::fs::write(&path, october_lines("FAIL", count)).unwrap();
    let upload = Upload {
        path: &path,
        name: None,
    };
    let summary = imports::import_charges(&app.db, importer, upload, Arc::new(imports::Silent))
        .await
        .unwrap();
    assert_eq!(summary.inserted, count as u64);
    assert_eq!(lines_of(&app).await, count as u64);
}

/// An imported October registration line (INT, 挂号, 20.0000) of `import_id`.
fn registration(
    hospital_id: i64,
    source_line_id: String,
    import_id: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> charge_detail::ActiveModel {
    charge_detail::ActiveModel {
        hospital_id: Set(hospital_id),
        source: Set(ChargeSource::Import),
        source_line_id: Set(source_line_id),
        business_type: Set(BusinessType::Outpatient),
        prescribing_dept_code: Set("INT".into()),
        executing_dept_code: Set("INT".into()),
        item_code: Set("REG".into()),
        item_name: Set("挂号".into()),
        item_category: Set(None),
        quantity: Set(Amount::from_scaled(10_000)),
        amount: Set(Amount::from_scaled(200_000)),
        charged_at: Set(now),
        period: Set("2026-10".parse::<Period>().unwrap()),
        billing_id: Set(None),
        import_id: Set(import_id),
        created_at: Set(now),
        ..Default::default()
    }
}

db_tests!(an_abandoned_import_is_removed_at_start);

/// A pending import whose process died (its lease ran out) is removed with its lines when a server starts; one
/// still being written by another process is left alone, and neither counts meanwhile.
async fn an_abandoned_import_is_removed_at_start(app: TestApp) {
    let now = chrono::Utc::now();
    let pending =
        |hospital_id: i64, lease: chrono::DateTime<chrono::Utc>| charge_import::ActiveModel {
            hospital_id: Set(hospital_id),
            status: Set(ImportStatus::Pending),
            pending_hospital_id: Set(Some(hospital_id)),
            completed_seq: Set(None),
            lease_until: Set(lease),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        };
    let dead = pending(app.hospital_a, now - chrono::Duration::minutes(5))
        .insert(&app.db)
        .await
        .unwrap();
    let live = pending(app.hospital_b, now + chrono::Duration::minutes(5))
        .insert(&app.db)
        .await
        .unwrap();
    for (import, hospital_id, n) in [(&dead, app.hospital_a, 3), (&live, app.hospital_b, 2)] {
        let rows =
            (0..n).map(|i| registration(hospital_id, format!("HALF-{i}"), Some(import.id), now));
        charge_detail::Entity::insert_many(rows)
            .exec(&app.db)
            .await
            .unwrap();
    }
    // Another hospital's import is under way: a new one of that hospital waits its turn.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.csv");
    std::fs::write(&path, october_lines("B", 10)).unwrap();
    let busy = imports::import_charges(
        &app.db,
        Importer::Command {
            hospital_id: app.hospital_b,
        },
        Upload {
            path: &path,
            name: None,
        },
        Arc::new(imports::Silent),
    )
    .await;
    assert!(
        matches!(
            &busy,
            Err(hospital::error::AppError::Conflict {
                code: hospital::error::ErrorCode::ImportInProgress,
                ..
            })
        ),
        "{busy:?}"
    );

    let mut settings = Settings::embedded(dir.path().to_path_buf());
    settings.bind = "127.0.0.1:0".into();
    settings.jwt_secret = Some(JWT_SECRET.to_owned().into());
    settings.run_calculations = false;
    settings.no_show_sweep_interval = None;
    let restarted = Application::with_database(settings, app.db.clone())
        .await
        .unwrap();
    drop(restarted);
    let imports_left: Vec<i64> = charge_import::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(imports_left, [live.id]);
    assert_eq!(
        lines_of(&app).await,
        0,
        "the abandoned import's lines are gone"
    );
    let b_lines = charge_detail::Entity::find()
        .filter(charge_detail::Column::HospitalId.eq(app.hospital_b))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(b_lines, 2, "the live import's lines stay");
}

db_tests!(a_run_counts_the_lines_of_the_imports_complete_when_it_started);

/// What a calculation run counts (`charge_import::counted`, a bound on the import id) is the definition's
/// lines — no import, or an import of the hospital complete up to the run's sequence number — whatever the
/// hospital's imports are: complete before or after the run started, pending, ids interleaved with another
/// hospital's; for every sequence number a run may have started at.
async fn a_run_counts_the_lines_of_the_imports_complete_when_it_started(app: TestApp) {
    use hospital::services::accounting::charge_import::counted;
    let (a, b) = (app.hospital_a, app.hospital_b);
    let now = chrono::Utc::now();
    // In id order: (hospital, completion sequence number or pending).
    let imports = [
        (a, Some(1)),
        (b, Some(2)),
        (a, Some(7)),
        (a, None),
        (a, Some(3)),
        (b, Some(6)),
        (a, Some(4)),
        (a, Some(8)),
        (b, None),
        (b, Some(5)),
    ];
    let mut ids = Vec::new();
    for (hospital_id, seq) in imports {
        let import = charge_import::ActiveModel {
            hospital_id: Set(hospital_id),
            status: Set(if seq.is_some() {
                ImportStatus::Complete
            } else {
                ImportStatus::Pending
            }),
            pending_hospital_id: Set(None),
            completed_seq: Set(seq),
            lease_until: Set(now),
            created_at: Set(now),
            completed_at: Set(seq.map(|_| now)),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        ids.push((hospital_id, Some(import.id)));
    }
    // Two lines of each import, two without one in each hospital.
    ids.extend([(a, None), (b, None)]);
    let rows = ids.iter().flat_map(|&(hospital_id, import_id)| {
        (0..2).map(move |i| {
            let id = format!("L-{}-{i}", import_id.unwrap_or(0));
            registration(hospital_id, id, import_id, now)
        })
    });
    charge_detail::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();
    let lines = |condition: String, hospital_id: i64| {
        let db = app.db.clone();
        async move {
            let rows = db
                .query_all_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    format!(
                        "SELECT c.id FROM charge_details c WHERE c.hospital_id = {hospital_id} \
                         AND {condition} ORDER BY c.id"
                    ),
                ))
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.try_get::<i64>("", "id").unwrap())
                .collect::<Vec<_>>()
        }
    };
    for up_to in 0..=9 {
        for hospital_id in [a, b] {
            let view = counted(&app.db, hospital_id, up_to).await.unwrap();
            let definition = format!(
                "(c.import_id IS NULL OR c.import_id IN (SELECT ci.id FROM charge_import ci \
                 WHERE ci.completed_seq <= {up_to}))"
            );
            let expected = lines(definition, hospital_id).await;
            assert_eq!(
                lines(view.sql("c"), hospital_id).await,
                expected,
                "hospital {hospital_id}, runs from sequence number {up_to}: {view:?}"
            );
        }
    }
    // The case the bound must exclude from below: hospital A's imports of ids 5 and 7 complete after a run
    // from 5 started and the pending one of id 4, below its last counted import (id 6, sequence number 4).
    let view = counted(&app.db, a, 5).await.unwrap();
    let counted_imports: std::collections::BTreeSet<Option<i64>> = {
        let rows = app
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                format!(
                    "SELECT DISTINCT c.import_id FROM charge_details c WHERE c.hospital_id = {a} AND {}",
                    view.sql("c")
                ),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<Option<i64>>("", "import_id").unwrap())
            .collect()
    };
    let id = |i: usize| ids[i].1;
    assert_eq!(
        counted_imports,
        [None, id(0), id(4), id(6)].into_iter().collect(),
        "{view:?}"
    );
}
