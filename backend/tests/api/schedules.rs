//! Schedules: created once per doctor and slot with their places, validated field by field, a week from
//! a template (applied twice, created once), the list's filters, cancelling with and without bookings,
//! and who sees what: another hospital sees none of it, a doctor only their own records.
use crate::{
    clinic::{self, Clinic, s},
    db_tests,
    helpers::{Resp, TestApp},
};
use chrono::{Datelike, Duration, NaiveDate};
use hospital::domain::foundation::role::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeSet;

db_tests!(
    a_schedule_is_created_once_with_its_places,
    bad_schedules_are_refused_naming_the_field,
    a_week_template_is_applied_once,
    the_list_filters_by_department_doctor_dates_and_places,
    cancelling_a_schedule_with_bookings,
    cancelling_a_schedule_while_patients_book_it,
    other_hospitals_and_other_doctors_see_nothing,
);

fn body(doctor_id: i64, date: NaiveDate, slot: &str, capacity: i64) -> Value {
    json!({"doctor_id": doctor_id, "date": date, "time_slot": slot, "room_no": "门诊3楼301", "capacity": capacity})
}

#[track_caller]
fn ids(list: &Resp) -> BTreeSet<i64> {
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[track_caller]
fn assert_invalid(resp: &Resp, field: &str) {
    resp.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        resp.field_errors().contains_key(field),
        "no error for {field}: {:?}",
        resp.body
    );
}

async fn a_schedule_is_created_once_with_its_places(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let date = clinic::today(&app).await + Duration::days(1);

    let created = app
        .post(
            "/api/v1/schedules",
            &admin,
            body(clinic.doctor_id, date, "AFTERNOON", 30),
        )
        .await;
    let id = clinic::created(&created, "schedule");
    let b = &created.body;
    assert_eq!(b["doctor_id"], clinic.doctor_id);
    assert_eq!(b["doctor_name"], "刘佳怡");
    assert_eq!(b["doctor_title"], "ATTENDING");
    assert_eq!(b["department_id"], clinic.dept.id);
    assert_eq!(b["department_name"], "内科");
    assert_eq!(b["date"], date.to_string());
    assert_eq!(b["time_slot"], "AFTERNOON");
    assert_eq!(b["room_no"], "门诊3楼301");
    assert_eq!(
        (
            b["capacity"].as_i64(),
            b["booked_count"].as_i64(),
            b["remaining"].as_i64()
        ),
        (Some(30), Some(0), Some(30))
    );
    assert_eq!(b["status"], "OPEN");
    let read = app
        .get(&format!("/api/v1/schedules/{id}"), &app.front_desk().await)
        .await;
    assert_eq!(&read.body, b);

    // The same doctor, date and slot again, whatever the room and places.
    let again = app
        .post(
            "/api/v1/schedules",
            &admin,
            json!({"doctor_id": clinic.doctor_id, "date": date, "time_slot": "AFTERNOON", "room_no": "102", "capacity": 5}),
        )
        .await;
    again.assert_problem(409, "DUPLICATE");
    assert!(
        again.field_errors().contains_key("doctor_id"),
        "{:?}",
        again.body
    );
    // Another slot of the same day is another schedule; today is allowed.
    let evening = app
        .post(
            "/api/v1/schedules",
            &admin,
            body(clinic.doctor_id, date, "EVENING", 500),
        )
        .await;
    clinic::created(&evening, "schedule");
    let today = clinic::today(&app).await;
    let doctor = clinic.doctor(&app, "CHIEF").await;
    clinic::created(
        &app.post(
            "/api/v1/schedules",
            &admin,
            body(doctor, today, "EVENING", 1),
        )
        .await,
        "schedule",
    );
    // Only administrators plan schedules.
    app.post(
        "/api/v1/schedules",
        &app.front_desk().await,
        body(clinic.doctor_id, date, "MORNING", 5),
    )
    .await
    .assert_problem(403, "FORBIDDEN");
}

async fn bad_schedules_are_refused_naming_the_field(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let tomorrow = today + Duration::days(1);

    let past = app
        .post(
            "/api/v1/schedules",
            &admin,
            body(clinic.doctor_id, today - Duration::days(1), "MORNING", 10),
        )
        .await;
    assert_invalid(&past, "date");
    for capacity in [0, 501, -1] {
        let resp = app
            .post(
                "/api/v1/schedules",
                &admin,
                body(clinic.doctor_id, tomorrow, "MORNING", capacity),
            )
            .await;
        assert_invalid(&resp, "capacity");
    }
    let mut slot = body(clinic.doctor_id, tomorrow, "NIGHT", 10);
    assert_invalid(
        &app.post("/api/v1/schedules", &admin, slot.clone()).await,
        "time_slot",
    );
    slot["time_slot"] = json!("MORNING");
    slot["room_no"] = json!("  ");
    assert_invalid(
        &app.post("/api/v1/schedules", &admin, slot).await,
        "room_no",
    );

    // Hospital B's doctor is no doctor of hospital A.
    let b_admin = app.token('b', Role::Admin).await;
    let b_dept = app
        .post(
            "/api/v1/departments",
            &b_admin,
            json!({"code": "INT", "name": "内科"}),
        )
        .await;
    let b_doctor = app
        .post(
            "/api/v1/doctors",
            &b_admin,
            json!({"name": "乙医生", "department_id": clinic::created(&b_dept, "department"), "title": "CHIEF",
                   "phone": "13700000001", "available_slots_per_day": 20}),
        )
        .await;
    let b_doctor = clinic::created(&b_doctor, "doctor");
    let resp = app
        .post(
            "/api/v1/schedules",
            &admin,
            body(b_doctor, tomorrow, "MORNING", 10),
        )
        .await;
    assert_invalid(&resp, "doctor_id");
    let resp = app
        .post(
            "/api/v1/schedules",
            &admin,
            body(99_999_999, tomorrow, "MORNING", 10),
        )
        .await;
    assert_invalid(&resp, "doctor_id");

    let list = app.get("/api/v1/schedules", &admin).await;
    assert_eq!(list.body["total"], 0, "{:?}", list.body);
}

fn next_monday(today: NaiveDate) -> NaiveDate {
    today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
}

async fn a_week_template_is_applied_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let other = clinic.doctor(&app, "CHIEF").await;
    let monday = next_monday(clinic::today(&app).await);
    let line = |doctor: i64| {
        json!({"doctor_id": doctor, "weekdays": [1, 3, 5], "time_slots": ["MORNING", "AFTERNOON"],
               "room_no": format!("R{doctor}"), "capacity": 20})
    };
    let template = json!({"week_start": monday, "lines": [line(clinic.doctor_id), line(other)]});

    let first = app
        .post("/api/v1/schedules/week", &admin, template.clone())
        .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["created"].as_array().unwrap().len(), 12);
    assert_eq!(first.body["skipped"], 0);

    let week = app
        .get(
            &format!(
                "/api/v1/schedules?date_from={monday}&date_to={}&page_size=50",
                monday + Duration::days(6)
            ),
            &admin,
        )
        .await;
    assert_eq!(week.body["total"], 12, "{:?}", week.body);
    let mut seen = BTreeSet::new();
    for s in week.body["items"].as_array().unwrap() {
        assert_eq!(
            (s["capacity"].as_i64(), s["remaining"].as_i64()),
            (Some(20), Some(20))
        );
        seen.insert((
            s["doctor_id"].as_i64().unwrap(),
            s["date"].as_str().unwrap().to_owned(),
            s["time_slot"].as_str().unwrap().to_owned(),
        ));
    }
    let mut expected = BTreeSet::new();
    for doctor in [clinic.doctor_id, other] {
        for day in [0, 2, 4] {
            for slot in ["MORNING", "AFTERNOON"] {
                expected.insert((
                    doctor,
                    (monday + Duration::days(day)).to_string(),
                    slot.to_owned(),
                ));
            }
        }
    }
    assert_eq!(seen, expected);

    let second = app.post("/api/v1/schedules/week", &admin, template).await;
    assert_eq!(second.status, 201, "{:?}", second.body);
    assert_eq!(second.body["created"], json!([]));
    assert_eq!(second.body["skipped"], 12);
    let week = app
        .get(&format!("/api/v1/schedules?date_from={monday}"), &admin)
        .await;
    assert_eq!(week.body["total"], 12);

    let tuesday = json!({"week_start": monday + Duration::days(1), "lines": [line(other)]});
    assert_invalid(
        &app.post("/api/v1/schedules/week", &admin, tuesday).await,
        "week_start",
    );
    let mut wrong = line(other);
    wrong["capacity"] = json!(0);
    assert_invalid(
        &app.post(
            "/api/v1/schedules/week",
            &admin,
            json!({"week_start": monday, "lines": [wrong]}),
        )
        .await,
        "lines[0].capacity",
    );
    let mut wrong = line(other);
    wrong["weekdays"] = json!([8]);
    assert_invalid(
        &app.post(
            "/api/v1/schedules/week",
            &admin,
            json!({"week_start": monday, "lines": [wrong]}),
        )
        .await,
        "lines[0].weekdays",
    );
}

async fn the_list_filters_by_department_doctor_dates_and_places(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let day = |n: i64| today + Duration::days(n);

    let surgery = app
        .post(
            "/api/v1/departments",
            &admin,
            json!({"code": "SUR", "name": "外科"}),
        )
        .await;
    let surgery = clinic::created(&surgery, "department");
    let surgeon = app
        .post(
            "/api/v1/doctors",
            &admin,
            json!({"name": "外科医生", "department_id": surgery, "title": "CHIEF", "phone": "13900009999",
                   "available_slots_per_day": 20}),
        )
        .await;
    let surgeon = clinic::created(&surgeon, "doctor");
    let colleague = clinic.doctor(&app, "RESIDENT").await;

    let s1 = clinic::create_schedule(&app, clinic.doctor_id, day(1), "MORNING", 10).await;
    let s2 = clinic::create_schedule(&app, clinic.doctor_id, day(2), "MORNING", 10).await;
    let s3 = clinic::create_schedule(&app, surgeon, day(1), "AFTERNOON", 10).await;
    let full = clinic::create_schedule(&app, colleague, day(3), "EVENING", 1).await;
    let closed = clinic::create_schedule(&app, clinic.doctor_id, day(4), "MORNING", 10).await;
    let patient = clinic.patients(&app, 1).await[0];
    clinic::booked(&app, patient, full).await;
    let resp = app
        .post(
            &format!("/api/v1/schedules/{closed}/close"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);

    let list = |query: String| {
        let (app, admin) = (&app, &admin);
        async move { app.get(&format!("/api/v1/schedules?{query}"), admin).await }
    };
    let set = |v: &[i64]| v.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(
        ids(&list(String::new()).await),
        set(&[s1, s2, s3, full, closed])
    );
    assert_eq!(
        ids(&list(format!("department_id={surgery}")).await),
        set(&[s3])
    );
    assert_eq!(
        ids(&list(format!("department_id={}", clinic.dept.id)).await),
        set(&[s1, s2, full, closed])
    );
    assert_eq!(
        ids(&list(format!("doctor_id={}", clinic.doctor_id)).await),
        set(&[s1, s2, closed])
    );
    assert_eq!(
        ids(&list(format!("date_from={}&date_to={}", day(1), day(2))).await),
        set(&[s1, s2, s3])
    );
    assert_eq!(
        ids(&list(format!("date_from={}", day(3))).await),
        set(&[full, closed])
    );
    assert_eq!(
        ids(&list("available=true".into()).await),
        set(&[s1, s2, s3])
    );
    assert_eq!(
        ids(&list(format!("available=true&department_id={}", clinic.dept.id)).await),
        set(&[s1, s2])
    );
    assert_eq!(ids(&list("status=CLOSED".into()).await), set(&[closed]));
    let full_row = app.get(&format!("/api/v1/schedules/{full}"), &admin).await;
    assert_eq!(full_row.body["remaining"], 0);
    assert_invalid(
        &list(format!("date_from={}&date_to={}", day(2), day(1))).await,
        "date_from",
    );
    // Every role reads schedules.
    for role in [Role::FrontDesk, Role::Doctor, Role::Analyst] {
        let resp = app
            .get("/api/v1/schedules", &app.token('a', role).await)
            .await;
        assert_eq!(resp.body["total"], 5, "{role:?}: {:?}", resp.body);
    }
}

async fn cancelling_a_schedule_with_bookings(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let desk = app.front_desk().await;
    let patients = clinic.patients(&app, 4).await;

    let id = clinic::future_schedule(&app, clinic.doctor_id, 1, 10).await;
    let a1 = clinic::booked(&app, patients[0], id).await;
    let a2 = clinic::booked(&app, patients[1], id).await;
    let refused = app
        .post(&format!("/api/v1/schedules/{id}/cancel"), &admin, json!({}))
        .await;
    refused.assert_problem(409, "SCHEDULE_HAS_BOOKINGS");
    assert!(
        s(&refused.body["detail"]).starts_with("2 booked appointment(s)"),
        "{:?}",
        refused.body
    );
    let row = app.get(&format!("/api/v1/schedules/{id}"), &admin).await;
    assert_eq!(
        (s(&row.body["status"]), row.body["booked_count"].as_i64()),
        ("OPEN", Some(2))
    );

    let forced = app
        .post(
            &format!("/api/v1/schedules/{id}/cancel?force=true"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(forced.status, 200, "{:?}", forced.body);
    assert_eq!(
        forced.body,
        json!({"schedule_id": id, "cancelled_appointments": 2})
    );
    for a in [a1, a2] {
        let resp = app.get(&format!("/api/v1/appointments/{a}"), &desk).await;
        assert_eq!(resp.body["status"], "CANCELLED", "{:?}", resp.body);
    }
    let row = app.get(&format!("/api/v1/schedules/{id}"), &admin).await;
    assert_eq!(
        (s(&row.body["status"]), row.body["booked_count"].as_i64()),
        ("CANCELLED", Some(0))
    );
    app.post(
        &format!("/api/v1/schedules/{id}/cancel?force=true"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(409, "SCHEDULE_NOT_OPEN");

    // Nobody booked: cancelled at once.
    let empty = clinic::future_schedule(&app, clinic.doctor_id, 2, 10).await;
    let resp = app
        .post(
            &format!("/api/v1/schedules/{empty}/cancel"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        resp.body,
        json!({"schedule_id": empty, "cancelled_appointments": 0})
    );

    // A patient already checked in: not even with force.
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let waiting = clinic::booked(&app, patients[2], today).await;
    clinic::walk_in(&app, patients[3], today).await;
    for query in ["", "?force=true"] {
        app.post(
            &format!("/api/v1/schedules/{today}/cancel{query}"),
            &admin,
            json!({}),
        )
        .await
        .assert_problem(409, "SCHEDULE_IN_USE");
    }
    let resp = app
        .get(&format!("/api/v1/appointments/{waiting}"), &desk)
        .await;
    assert_eq!(resp.body["status"], "BOOKED");
    let row = app.get(&format!("/api/v1/schedules/{today}"), &admin).await;
    assert_eq!(
        (s(&row.body["status"]), row.body["booked_count"].as_i64()),
        ("OPEN", Some(2))
    );
}

/// A cancellation without `force` and bookings arriving at the same moment: either the bookings came
/// first and the cancellation is refused, or the cancellation came first and the bookings are refused —
/// never a booked patient on a cancelled schedule, nor one cancelled without `force`.
async fn cancelling_a_schedule_while_patients_book_it(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    app.front_desk().await;
    let mut broken = Vec::new();
    for round in 1..=6 {
        let id = clinic::future_schedule(&app, clinic.doctor_id, round, 50).await;
        let patients = clinic.patients(&app, 10).await;
        let cancel_path = format!("/api/v1/schedules/{id}/cancel");
        let (cancel, books) = futures_util::future::join(
            app.post(&cancel_path, &admin, json!({})),
            clinic::all(patients.iter().map(|p| clinic::book(&app, *p, id))),
        )
        .await;
        let rows = hospital::entities::outpatient::appointment::Entity::find()
            .filter(hospital::entities::outpatient::appointment::Column::ScheduleId.eq(id))
            .all(&app.db)
            .await
            .unwrap();
        let slot = app.get(&format!("/api/v1/schedules/{id}"), &admin).await;
        let booked_201 = books.iter().filter(|r| r.status == 201).count();
        let still_booked = rows
            .iter()
            .filter(|a| a.status.as_str() == "BOOKED")
            .count();
        let outcome = (
            round,
            cancel.status,
            cancel.body.clone(),
            books
                .iter()
                .map(|r| (r.status, r.code().to_owned()))
                .collect::<Vec<_>>(),
            slot.body["status"].clone(),
            slot.body["booked_count"].clone(),
            rows.iter().map(|a| a.status).collect::<Vec<_>>(),
        );
        let fine = match cancel.status {
            200 => {
                cancel.body["cancelled_appointments"] == 0
                    && booked_201 == 0
                    && rows.is_empty()
                    && slot.body["booked_count"] == 0
                    && books
                        .iter()
                        .all(|r| r.status == 409 && r.code() == "SCHEDULE_NOT_OPEN")
            }
            409 => {
                cancel.code() == "SCHEDULE_HAS_BOOKINGS"
                    && slot.body["status"] == "OPEN"
                    && still_booked == booked_201
                    && slot.body["booked_count"] == booked_201
                    && books.iter().all(|r| r.status == 201)
            }
            _ => false,
        };
        if !fine {
            broken.push(outcome);
        }
    }
    assert!(
        broken.is_empty(),
        "(round, cancel status, cancel body, bookings, schedule status, booked_count, appointments): {broken:#?}"
    );
}

async fn other_hospitals_and_other_doctors_see_nothing(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (schedule_id, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let patient = clinic.patient(&app, "EMPLOYEE").await;
    let (appointment_id, record_id) = clinic::walk_in(&app, patient, schedule_id).await;
    let bill = clinic::bill(&app, record_id, None).await;
    let bill_id = clinic::created(&bill, "bill");

    let b_admin = app.token('b', Role::Admin).await;
    for path in [
        format!("/api/v1/schedules/{schedule_id}"),
        format!("/api/v1/appointments/{appointment_id}"),
        format!("/api/v1/billings/{bill_id}"),
        format!("/api/v1/medical-records/{record_id}"),
        format!("/api/v1/medical-records/{record_id}/bill-preview"),
    ] {
        app.get(&path, &b_admin)
            .await
            .assert_problem(404, "NOT_FOUND");
    }
    for (path, body) in [
        (format!("/api/v1/schedules/{schedule_id}/close"), json!({})),
        (
            format!("/api/v1/schedules/{schedule_id}/cancel?force=true"),
            json!({}),
        ),
        (
            format!("/api/v1/appointments/{appointment_id}/cancel"),
            json!({}),
        ),
        (
            format!("/api/v1/appointments/{appointment_id}/check-in"),
            json!({}),
        ),
        (
            format!("/api/v1/billings/{bill_id}/refund"),
            json!({"reason": "越权"}),
        ),
    ] {
        app.post(&path, &b_admin, body)
            .await
            .assert_problem(404, "NOT_FOUND");
    }
    let pay = app
        .client
        .post(app.url(&format!("/api/v1/billings/{bill_id}/pay")))
        .bearer_auth(&b_admin)
        .header("Idempotency-Key", "b-pays-a")
        .json(&json!({"payment_method": "CASH"}))
        .send()
        .await
        .unwrap();
    TestApp::read(pay).await.assert_problem(404, "NOT_FOUND");
    // Nor can B bill A's record or book A's schedule.
    let resp = app
        .post(
            "/api/v1/billings",
            &b_admin,
            json!({"medical_record_id": record_id}),
        )
        .await;
    assert_invalid(&resp, "medical_record_id");
    let resp = app
        .post(
            "/api/v1/appointments",
            &b_admin,
            json!({"patient_id": patient, "schedule_id": schedule_id}),
        )
        .await;
    resp.assert_problem(422, "VALIDATION_FAILED");

    for path in [
        "/api/v1/schedules",
        "/api/v1/appointments",
        "/api/v1/appointments/today",
        "/api/v1/billings",
    ] {
        let list = app.get(path, &b_admin).await;
        assert_eq!(list.status, 200, "{path}: {:?}", list.body);
        assert_eq!(list.body["total"], 0, "{path}: {:?}", list.body);
        assert_eq!(list.body["items"], json!([]), "{path}");
    }
    let stats = app.get("/api/v1/statistics/outpatient", &b_admin).await;
    assert_eq!(stats.body["rows"], json!([]), "{:?}", stats.body);
    assert_eq!(stats.body["totals"]["visits"], 0);
    // A still sees its own, untouched.
    let a_admin = app.admin().await;
    assert_eq!(app.get("/api/v1/billings", &a_admin).await.body["total"], 1);
    let resp = app
        .get(&format!("/api/v1/billings/{bill_id}"), &a_admin)
        .await;
    assert_eq!(resp.body["status"], "PENDING");
    let resp = app
        .get(&format!("/api/v1/schedules/{schedule_id}"), &a_admin)
        .await;
    assert_eq!(resp.body["status"], "OPEN");

    // A doctor reaches their own records, not a colleague's.
    let doctor = app.token('a', Role::Doctor).await;
    let own = app
        .get(&format!("/api/v1/medical-records/{record_id}"), &doctor)
        .await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    let colleague = clinic.doctor(&app, "RESIDENT").await;
    let (theirs, _) = clinic::today_schedule(&app, colleague, 5).await;
    let other_patient = clinic.patient(&app, "EMPLOYEE").await;
    let (other_appointment, other_record) = clinic::walk_in(&app, other_patient, theirs).await;
    app.get(&format!("/api/v1/medical-records/{other_record}"), &doctor)
        .await
        .assert_problem(404, "NOT_FOUND");
    let write = clinic::write_record(&app, other_record, &[]).await;
    write.assert_problem(404, "NOT_FOUND");
    let queue = app.get("/api/v1/doctor/queue", &doctor).await;
    let mine: Vec<i64> = queue
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["appointment_id"].as_i64().unwrap())
        .collect();
    assert_eq!(mine, [appointment_id], "{other_appointment} is not theirs");
    // The front desk and the administrator read every record of their hospital.
    for token in [app.front_desk().await, a_admin] {
        let resp = app
            .get(&format!("/api/v1/medical-records/{other_record}"), &token)
            .await;
        assert_eq!(resp.status, 200, "{:?}", resp.body);
    }
}
