//! A 409 says what the request collided with, so the desk can act on it: the patient already registered with
//! the identity number, the appointment the patient already has on the schedule, the department, doctor,
//! catalogue item, diagnosis or insurance type that already holds a code, name or phone, the doctor's schedule
//! in a slot, the colleague with a username, the closed day and the policy bills were drawn under.
use crate::{
    clinic::{self, Clinic, all},
    db_tests,
    fixtures::{
        assert_duplicate, charge_item, create_charge_item, create_department, create_doctor,
        create_patient, create_user, doctor, male_id, patient,
    },
    helpers::TestApp,
};
use serde_json::json;

db_tests!(
    a_taken_identity_number_names_the_patient_registered_with_it,
    a_second_booking_names_the_appointment_the_patient_has,
    a_taken_code_name_or_phone_names_the_row_that_holds_it,
    a_closed_day_a_used_policy_a_taken_slot_and_a_taken_username_are_named,
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

async fn a_taken_code_name_or_phone_names_the_row_that_holds_it(app: TestApp) {
    let admin = app.admin().await;
    let conflict = |resp: &crate::helpers::Resp, field: &str| {
        assert_duplicate(resp, field);
        resp.body["conflict"].clone()
    };

    let heart = create_department(&app, &admin, "CARD", "心内科").await;
    let resp = app
        .post(
            "/api/v1/departments",
            &admin,
            json!({"code": "CARD", "name": "心脏科"}),
        )
        .await;
    assert_eq!(
        conflict(&resp, "code"),
        json!({"resource": "DEPARTMENT", "id": heart, "code": "CARD", "name": "心内科"})
    );
    // A rename onto a name another department has names that department.
    let lung = create_department(&app, &admin, "RESP", "呼吸科").await;
    let resp = app
        .put(
            &format!("/api/v1/departments/{lung}"),
            &admin,
            json!({"code": "RESP", "name": "心内科"}),
        )
        .await;
    assert_eq!(conflict(&resp, "name")["id"], heart);

    let zhang = create_doctor(&app, &admin, doctor("张伟", heart, 1)).await;
    let resp = app
        .post("/api/v1/doctors", &admin, doctor("李娜", lung, 1))
        .await;
    assert_eq!(
        conflict(&resp, "phone"),
        json!({"resource": "DOCTOR", "id": zhang, "name": "张伟"})
    );

    let ecg = create_charge_item(&app, &admin, charge_item("ECG01", "心电图", "EXAM", "25")).await;
    let resp = app
        .post(
            "/api/v1/charge-items",
            &admin,
            charge_item("ECG01", "动态心电图", "EXAM", "180"),
        )
        .await;
    assert_eq!(
        conflict(&resp, "item_code"),
        json!({"resource": "CHARGE_ITEM", "id": ecg, "code": "ECG01", "name": "心电图"})
    );

    // Many adding one diagnosis at once: one is added, every other names it.
    let flu = json!({"code": "J11.1", "name": "流行性感冒"});
    let results = all((0..6).map(|_| app.post("/api/v1/diagnoses", &admin, flu.clone()))).await;
    let added: Vec<&crate::helpers::Resp> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(added.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        assert_eq!(
            conflict(r, "code"),
            json!({"resource": "DIAGNOSIS", "id": added[0].body["id"], "code": "J11.1", "name": "流行性感冒"})
        );
    }
}

async fn a_closed_day_a_used_policy_a_taken_slot_and_a_taken_username_are_named(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;

    // The policy the bill was drawn under, with how many bills were.
    let record = clinic::visit(&app, &clinic, schedule, "EMPLOYEE", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    let policy = bill.body["insurance_policy_id"].as_i64().unwrap();
    let changed = app
        .put(
            &format!("/api/v1/insurance-policies/{policy}"),
            &admin,
            json!({"insurance_type": "EMPLOYEE", "effective_from": "2020-01-01", "ratio": "0.9"}),
        )
        .await;
    changed.assert_problem(409, "POLICY_IN_USE");
    assert_eq!(
        changed.body["conflict"],
        json!({"resource": "INSURANCE_POLICY", "id": policy, "code": "EMPLOYEE",
               "day": "2020-01-01", "bills": 1})
    );

    // The closed day: who closed it and when.
    let closed = app
        .post("/api/v1/settlements/close", &admin, json!({"day": today}))
        .await;
    assert_eq!(closed.status, 201, "{:?}", closed.body);
    let paying = clinic::pay(
        &app,
        bill.body["id"].as_i64().unwrap(),
        Some("closed-day"),
        "CASH",
    )
    .await;
    paying.assert_problem(409, "DAY_CLOSED");
    let c = &paying.body["conflict"];
    assert_eq!(c["resource"], "SETTLEMENT_DAY", "{:?}", paying.body);
    assert_eq!(c["day"], json!(today));
    assert_eq!(c["closed_by"], closed.body["closed"]["closed_by_name"]);
    assert!(c["closed_at"].is_string(), "{c}");
    let again = app
        .post("/api/v1/settlements/close", &admin, json!({"day": today}))
        .await;
    again.assert_problem(409, "DAY_CLOSED");
    assert_eq!(again.body["conflict"]["id"], c["id"]);

    // The doctor's schedule in the slot.
    let date = today + chrono::Duration::days(3);
    let first = clinic::create_schedule(&app, clinic.doctor_id, date, "AFTERNOON", 5).await;
    let twice = app
        .post(
            "/api/v1/schedules",
            &admin,
            json!({"doctor_id": clinic.doctor_id, "date": date, "time_slot": "AFTERNOON",
                   "room_no": "R2", "capacity": 5}),
        )
        .await;
    assert_duplicate(&twice, "doctor_id");
    let c = &twice.body["conflict"];
    assert_eq!(
        (
            &c["resource"],
            &c["id"],
            &c["schedule_date"],
            &c["time_slot"]
        ),
        (
            &json!("SCHEDULE"),
            &json!(first),
            &json!(date),
            &json!("AFTERNOON")
        )
    );
    assert!(c["doctor_name"].is_string(), "{c}");

    // A colleague's username names the colleague; another hospital's is only taken.
    let nurse = create_user(&app, &admin, "nurse_wang", "FRONT_DESK").await;
    let body = json!({"username": "nurse_wang", "display_name": "王护士", "role": "FRONT_DESK",
                      "password": crate::fixtures::NEW_PASSWORD});
    let taken = app.post("/api/v1/users", &admin, body.clone()).await;
    assert_duplicate(&taken, "username");
    assert_eq!(
        taken.body["conflict"],
        json!({"resource": "USER", "id": nurse, "code": "nurse_wang", "name": "nurse_wang"})
    );
    let elsewhere = app
        .post(
            "/api/v1/users",
            &app.token('b', hospital::domain::foundation::role::Role::Admin)
                .await,
            body,
        )
        .await;
    assert_duplicate(&elsewhere, "username");
    assert!(
        elsewhere.body.get("conflict").is_none(),
        "{:?}",
        elsewhere.body
    );
}
