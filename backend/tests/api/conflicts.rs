//! A 409 says what the request collided with, so the desk can act on it: the patient already registered with
//! the identity number, the appointment the patient already has on the schedule.
use crate::{
    clinic::{self, Clinic, all},
    db_tests,
    fixtures::{create_patient, male_id, patient},
    helpers::TestApp,
};
use serde_json::json;

db_tests!(
    a_taken_identity_number_names_the_patient_registered_with_it,
    a_second_booking_names_the_appointment_the_patient_has,
);

async fn a_taken_identity_number_names_the_patient_registered_with_it(app: TestApp) {
    let desk = app.front_desk().await;
    let wang = create_patient(&app, &desk, patient("王秀英", 1)).await;
    let mut same = patient("李明", 2);
    same["document_no"] = json!(male_id(1));
    let resp = app.post("/api/v1/patients", &desk, same.clone()).await;
    resp.assert_problem(409, "DUPLICATE");
    let masked = format!("{}********{}", &male_id(1)[..6], &male_id(1)[14..]);
    assert_eq!(
        resp.body["conflict"],
        json!({"resource": "PATIENT", "id": wang, "patient_name": "王秀英",
            "document_type": "ID_CARD", "document_masked": masked}),
        "{:?}",
        resp.body
    );
    assert!(
        resp.field_errors().contains_key("document_no"),
        "{:?}",
        resp.body
    );

    // The same when another patient is corrected onto the number, and when many register it at once.
    let li = create_patient(&app, &desk, patient("李明", 2)).await;
    let resp = app
        .put(&format!("/api/v1/patients/{li}"), &desk, same.clone())
        .await;
    resp.assert_problem(409, "DUPLICATE");
    assert_eq!(resp.body["conflict"]["id"], wang);
    let mut newcomer = patient("赵敏", 3);
    newcomer["document_no"] = json!(male_id(3));
    let results = all((0..6).map(|_| app.post("/api/v1/patients", &desk, newcomer.clone()))).await;
    let created: Vec<i64> = results
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["id"].as_i64().unwrap())
        .collect();
    assert_eq!(created.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert_problem(409, "DUPLICATE");
        assert_eq!(r.body["conflict"]["id"], created[0], "{r:?}");
        assert_eq!(r.body["conflict"]["patient_name"], "赵敏");
    }
}

async fn a_second_booking_names_the_appointment_the_patient_has(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patient = clinic.patient(&app, "EMPLOYEE").await;
    let (schedule, date) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let first = clinic::book(&app, patient, schedule).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let check = |resp: &crate::helpers::Resp| {
        resp.assert_problem(409, "DUPLICATE");
        let c = &resp.body["conflict"];
        assert_eq!(c["resource"], "APPOINTMENT", "{:?}", resp.body);
        assert_eq!(c["id"], first.body["id"]);
        assert_eq!(c["queue_no"], first.body["queue_no"]);
        assert_eq!(c["schedule_date"], json!(date));
        assert_eq!(c["time_slot"], first.body["time_slot"]);
        assert_eq!(c["patient_name"], first.body["patient_name"]);
        assert_eq!(c["doctor_name"], first.body["doctor_name"]);
    };
    check(&clinic::book(&app, patient, schedule).await);
    // Racing itself: the one that lost names the one that won.
    let again = all((0..5).map(|_| clinic::book(&app, patient, schedule))).await;
    for r in &again {
        check(r);
    }
}
