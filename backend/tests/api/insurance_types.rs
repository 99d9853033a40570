//! Each hospital keeps its own insurance types: the national ones it starts with and its own, which patients
//! and policies name by code and which bill as their policy says; a changed code follows into them; a type in
//! use is deactivated, not deleted, and stays on the patients who have it.
use crate::{
    clinic::{self, Clinic, all, s, visit},
    db_tests,
    fixtures::{assert_duplicate, assert_invalid},
    helpers::{Resp, TestApp},
};
use serde_json::{Value, json};

db_tests!(
    a_hospital_adds_its_own_type_and_bills_it_by_its_policy,
    a_changed_code_follows_into_patients_and_policies,
    a_type_in_use_is_deactivated_and_stays_on_its_patients,
    a_type_removed_while_patients_register_with_it_is_never_lost,
    one_type_added_many_times_at_once_is_added_once,
    a_code_changed_while_patients_register_with_it_takes_them_all_along,
);

const TYPES: &str = "/api/v1/insurance-types";

fn codes(list: &Resp) -> Vec<String> {
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| s(&t["code"]).to_owned())
        .collect()
}

#[track_caller]
fn id_of(resp: &Resp) -> i64 {
    assert_eq!(resp.status, 201, "{:?}", resp.body);
    resp.body["id"].as_i64().unwrap()
}

async fn add_type(app: &TestApp, code: &str, name: &str) -> i64 {
    let admin = app.admin().await;
    id_of(
        &app.post(TYPES, &admin, json!({"code": code, "name": name}))
            .await,
    )
}

async fn a_hospital_adds_its_own_type_and_bills_it_by_its_policy(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    assert_eq!(
        codes(&app.get(TYPES, &desk).await),
        ["EMPLOYEE", "RESIDENT", "SELF_PAY"]
    );

    // Before it is added, a patient cannot have it, nor a policy name it.
    let unknown = app
        .post("/api/v1/patients", &desk, clinic.patient_body("COMMERCIAL"))
        .await;
    assert_invalid(&unknown, "insurance_type");
    let policy =
        json!({"insurance_type": "COMMERCIAL", "effective_from": "2020-01-01", "ratio": "0.5"});
    assert_invalid(
        &app.post("/api/v1/insurance-policies", &admin, policy.clone())
            .await,
        "insurance_type",
    );

    let commercial = add_type(&app, "COMMERCIAL", "商业保险").await;
    assert_eq!(
        codes(&app.get(TYPES, &desk).await),
        ["EMPLOYEE", "RESIDENT", "SELF_PAY", "COMMERCIAL"]
    );
    id_of(&app.post("/api/v1/insurance-policies", &admin, policy).await);
    // 50 %: registration 20 and consultation 10 → the fund pays 15.
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, schedule, "COMMERCIAL", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    assert_eq!(
        (
            s(&bill.body["total_amount"]),
            s(&bill.body["insurance_amount"])
        ),
        ("30.0000", "15.0000")
    );

    // Codes and names are the hospital's own: a taken one names its holder, a malformed one is refused, and
    // the other hospital neither sees nor can use it.
    let taken = app
        .post(
            TYPES,
            &admin,
            json!({"code": "COMMERCIAL", "name": "商业险"}),
        )
        .await;
    assert_duplicate(&taken, "code");
    assert_eq!(
        taken.body["conflict"],
        json!({"resource": "INSURANCE_TYPE", "id": commercial, "code": "COMMERCIAL", "name": "商业保险"})
    );
    let named = app
        .post(TYPES, &admin, json!({"code": "PICC", "name": "自费"}))
        .await;
    assert_duplicate(&named, "name");
    for bad in ["commercial", "9PLAN", "A-B", ""] {
        let resp = app
            .post(TYPES, &admin, json!({"code": bad, "name": "某保险"}))
            .await;
        assert_invalid(&resp, "code");
    }
    let other = app
        .token('b', hospital::domain::foundation::role::Role::FrontDesk)
        .await;
    assert_eq!(
        codes(&app.get(TYPES, &other).await),
        ["EMPLOYEE", "RESIDENT", "SELF_PAY"]
    );
    let resp = app.get(&format!("{TYPES}/{commercial}"), &other).await;
    resp.assert_problem(404, "NOT_FOUND");
    let resp = app
        .post(
            "/api/v1/patients",
            &other,
            clinic.patient_body("COMMERCIAL"),
        )
        .await;
    assert_invalid(&resp, "insurance_type");
}

async fn a_changed_code_follows_into_patients_and_policies(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    let staff = add_type(&app, "STAFF", "本院职工").await;
    let patient = clinic.patient(&app, "STAFF").await;
    id_of(
        &app.post(
            "/api/v1/insurance-policies",
            &admin,
            json!({"insurance_type": "STAFF", "effective_from": "2020-01-01", "ratio": "1"}),
        )
        .await,
    );
    let renamed = app
        .put(
            &format!("{TYPES}/{staff}"),
            &admin,
            json!({"code": "EMPLOYEE_OWN", "name": "本院职工医保"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let found = app.get(&format!("/api/v1/patients/{patient}"), &desk).await;
    assert_eq!(
        found.body["insurance_type"], "EMPLOYEE_OWN",
        "{:?}",
        found.body
    );
    let policies = app
        .get(
            "/api/v1/insurance-policies?insurance_type=EMPLOYEE_OWN",
            &admin,
        )
        .await;
    assert_eq!(policies.body["total"], 1, "{:?}", policies.body);
    let before = app
        .get("/api/v1/insurance-policies?insurance_type=STAFF", &admin)
        .await;
    assert_eq!(before.body["total"], 0, "{:?}", before.body);
}

async fn a_type_in_use_is_deactivated_and_stays_on_its_patients(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    let used = add_type(&app, "CHARITY", "慈善救助").await;
    let unused = add_type(&app, "TRIAL", "试点险种").await;
    let patient = clinic.patient(&app, "CHARITY").await;

    let gone = app.delete(&format!("{TYPES}/{unused}"), &admin).await;
    assert_eq!(gone.body["outcome"], "DELETED", "{:?}", gone.body);
    let kept = app.delete(&format!("{TYPES}/{used}"), &admin).await;
    assert_eq!(kept.body["outcome"], "DEACTIVATED", "{:?}", kept.body);
    let active = app.get(&format!("{TYPES}?is_active=true"), &desk).await;
    assert_eq!(codes(&active), ["EMPLOYEE", "RESIDENT", "SELF_PAY"]);

    // The patient keeps it, and can be corrected without giving it up; nobody else is given it.
    let mut body = clinic.patient_body("CHARITY");
    let found = app.get(&format!("/api/v1/patients/{patient}"), &desk).await;
    body["name"] = json!("改名患者");
    body["document_no"] = found.body["document_no"].clone();
    body["phone"] = found.body["phone"].clone();
    body["gender"] = found.body["gender"].clone();
    let corrected = app
        .put(&format!("/api/v1/patients/{patient}"), &desk, body)
        .await;
    assert_eq!(corrected.status, 200, "{:?}", corrected.body);
    assert_eq!(corrected.body["insurance_type"], "CHARITY");
    let refused = app
        .post("/api/v1/patients", &desk, clinic.patient_body("CHARITY"))
        .await;
    let reason = assert_invalid(&refused, "insurance_type");
    assert!(reason.contains("no longer in use"), "{reason}");
}

/// An administrator removes a type while the desk registers patients with it: each patient is registered with
/// the type kept (deactivated) or refused with the type gone, never registered with a type that is gone.
async fn a_type_removed_while_patients_register_with_it_is_never_lost(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    let kind = add_type(&app, "RURAL", "新农合").await;
    let bodies: Vec<Value> = (0..6).map(|_| clinic.patient_body("RURAL")).collect();
    let path = format!("{TYPES}/{kind}");
    let (removed, registered) = tokio::join!(
        app.delete(&path, &admin),
        all(bodies
            .iter()
            .map(|b| app.post("/api/v1/patients", &desk, b.clone())))
    );
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    let created = registered.iter().filter(|r| r.status == 201).count();
    for r in registered.iter().filter(|r| r.status != 201) {
        assert_invalid(r, "insurance_type");
    }
    let listed = app.get(&format!("{TYPES}?q=RURAL"), &admin).await;
    match removed.body["outcome"].as_str() {
        Some("DELETED") => {
            assert_eq!(created, 0, "{registered:?}");
            assert!(codes(&listed).is_empty());
        }
        Some("DEACTIVATED") => {
            assert!(created > 0, "{registered:?}");
            assert_eq!(listed.body["items"][0]["is_active"], false);
        }
        other => panic!("{other:?}"),
    }
    let patients = app
        .get("/api/v1/patients?insurance_type=RURAL&page_size=100", &desk)
        .await;
    assert_eq!(patients.body["total"], created, "{:?}", patients.body);
}

/// Six administrators add one type at once: one adds it, every other is told who has the code.
async fn one_type_added_many_times_at_once_is_added_once(app: TestApp) {
    let admin = app.admin().await;
    // Names of their own, so that only the code collides.
    let results = all((0..6).map(|i| {
        let body = json!({"code": "STAFF", "name": format!("本院职工{i}")});
        let admin = &admin;
        let app = &app;
        async move { app.post(TYPES, admin, body).await }
    }))
    .await;
    let added: Vec<&Resp> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(added.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        assert_duplicate(r, "code");
        assert_eq!(r.body["conflict"]["id"], added[0].body["id"], "{r:?}");
    }
    let listed = app.get(&format!("{TYPES}?q=STAFF"), &admin).await;
    assert_eq!(codes(&listed), ["STAFF"]);
}

/// An administrator changes a type's code while the desk registers patients with the old one: each is
/// registered (and carries the new code) or refused; none is left with a code the hospital no longer has.
async fn a_code_changed_while_patients_register_with_it_takes_them_all_along(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    let kind = add_type(&app, "RURAL", "新农合").await;
    let bodies: Vec<Value> = (0..6).map(|_| clinic.patient_body("RURAL")).collect();
    let path = format!("{TYPES}/{kind}");
    let (renamed, registered) = tokio::join!(
        app.put(
            &path,
            &admin,
            json!({"code": "RURAL_2027", "name": "新农合"})
        ),
        all(bodies
            .iter()
            .map(|b| app.post("/api/v1/patients", &desk, b.clone())))
    );
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    let created = registered.iter().filter(|r| r.status == 201).count();
    for r in registered.iter().filter(|r| r.status != 201) {
        assert_invalid(r, "insurance_type");
    }
    let moved = app
        .get(
            "/api/v1/patients?insurance_type=RURAL_2027&page_size=100",
            &desk,
        )
        .await;
    assert_eq!(moved.body["total"], created, "{:?}", moved.body);
    let left = app
        .get("/api/v1/patients?insurance_type=RURAL&page_size=100", &desk)
        .await;
    assert_eq!(left.body["total"], 0, "{:?}", left.body);
}
