//! How a front desk reaches a patient: a phone may be a family's, shared by several patients, and finding by it
//! lists them all; a child or an elderly patient may have a guardian.
use crate::{
    clinic::{self, Clinic, all},
    db_tests,
    fixtures::{assert_invalid, create_patient, female_id, ids, male_id, patient, phone},
    helpers::TestApp,
};
use serde_json::{Value, json};

db_tests!(
    patients_may_share_a_phone_and_are_all_found_by_it,
    a_guardian_is_validated_kept_and_removed,
    a_family_registered_at_once_is_all_kept,
);

/// A patient body of person `n` on the family phone.
fn family_member(name: &str, n: u32, family_phone: &str) -> Value {
    let mut body = patient(name, n);
    body["phone"] = json!(family_phone);
    body
}

async fn patients_may_share_a_phone_and_are_all_found_by_it(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let family = phone(90);
    let father = create_patient(&app, &desk, family_member("王建国", 90, &family)).await;
    let mut child = family_member("王小明", 91, &family);
    child["guardian"] = json!({"name": "王建国", "relation": "PARENT", "phone": family});
    let son = create_patient(&app, &desk, child).await;
    create_patient(&app, &desk, patient("李秀兰", 92)).await;

    let found = app
        .get(&format!("/api/v1/patients?q={family}"), &desk)
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    let mut found = ids(&found);
    found.sort_unstable();
    assert_eq!(found, [father, son]);

    // At check-in, the phone finds both their appointments of today.
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let mut booked = Vec::new();
    for p in [father, son] {
        booked.push(clinic::booked(&app, p, schedule).await);
    }
    let today = app
        .get(&format!("/api/v1/appointments/today?q={family}"), &desk)
        .await;
    assert_eq!(today.status, 200, "{:?}", today.body);
    let mut today = ids(&today);
    today.sort_unstable();
    booked.sort_unstable();
    assert_eq!(today, booked);
}

async fn a_guardian_is_validated_kept_and_removed(app: TestApp) {
    let desk = app.front_desk().await;
    let mut body = patient("王小明", 1);
    body["guardian"] = json!({"name": " ", "relation": "UNCLE", "phone": "123"});
    let wrong = app.post("/api/v1/patients", &desk, body.clone()).await;
    for field in ["guardian.name", "guardian.relation", "guardian.phone"] {
        assert_invalid(&wrong, field);
    }
    // A guardian is a whole: name, relation and phone.
    body["guardian"] = json!({"name": "王建国", "relation": "PARENT"});
    let partial = app.post("/api/v1/patients", &desk, body.clone()).await;
    partial.assert_problem(422, "VALIDATION_FAILED");

    body["guardian"] = json!({"name": "王建国", "relation": "PARENT", "phone": phone(7)});
    let id = create_patient(&app, &desk, body.clone()).await;
    let read = app.get(&format!("/api/v1/patients/{id}"), &desk).await;
    assert_eq!(
        read.body["guardian"],
        json!({"name": "王建国", "relation": "PARENT", "phone": phone(7)})
    );
    let list = app.get("/api/v1/patients?q=王小明", &desk).await;
    assert_eq!(list.body["items"][0]["guardian_name"], "王建国");

    body["guardian"] = Value::Null;
    let replaced = app
        .put(&format!("/api/v1/patients/{id}"), &desk, body)
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    let read = app.get(&format!("/api/v1/patients/{id}"), &desk).await;
    assert_eq!(read.body["guardian"], Value::Null);
}

async fn a_family_registered_at_once_is_all_kept(app: TestApp) {
    let desk = app.front_desk().await;
    let family = phone(50);
    let bodies: Vec<Value> = (0..6)
        .map(|n| {
            let mut body = family_member(&format!("张{n}"), 50 + n, &family);
            if n % 2 == 1 {
                body["document_no"] = json!(female_id(50 + n));
                body["gender"] = json!("FEMALE");
            } else {
                body["document_no"] = json!(male_id(50 + n));
            }
            body
        })
        .collect();
    let results = all(bodies
        .iter()
        .map(|b| app.post("/api/v1/patients", &desk, b.clone())))
    .await;
    assert!(results.iter().all(|r| r.status == 201), "{results:?}");
    let found = app
        .get(&format!("/api/v1/patients?q={family}"), &desk)
        .await;
    assert_eq!(found.body["total"], 6, "{:?}", found.body);
}
