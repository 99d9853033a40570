//! One outpatient visit end to end, with every number worked out by hand: registration, booking, the
//! check-in desk, the doctor's record, the bill, payment, the charges it writes for accounting, the refund
//! that reverses them, and the statistics; and the walk-in, booked and checked in at once.
use crate::{
    clinic::{self, Clinic, s},
    db_tests,
    helpers::{TestApp, username},
};
use hospital::{domain::foundation::role::Role, entities::foundation::audit_log};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

db_tests!(
    a_visit_from_registration_to_refund,
    a_walk_in_is_checked_in_at_once
);

/// (item code, unit price, quantity, amount) of each line of the visit's bill, in order.
const LINES: [(&str, &str, &str, &str); 4] = [
    // The doctor is ATTENDING: registration REG-ATTEND.
    ("REG-ATTEND", "20.0000", "1.0000", "20.0000"),
    ("CONS-GEN", "10.0000", "1.0000", "10.0000"),
    // 12.35 × 3 = 37.05
    ("DRUG-AMOX", "12.3500", "3.0000", "37.0500"),
    // 15.40 × 0.5 = 7.70
    ("LAB-CRP", "15.4000", "0.5000", "7.7000"),
];
/// 20 + 10 + 37.05 + 7.70
const TOTAL: &str = "74.7500";
/// EMPLOYEE, 70 %: 74.75 × 0.7 = 52.325 → 52.33 rounded half away from zero to the fen (banker's rounding
/// would give 52.32).
const INSURANCE: &str = "52.3300";
/// 74.75 − 52.33
const SELF_PAY: &str = "22.4200";
/// The total in ten-thousandths, as `charge_details` stores it.
const TOTAL_SCALED: i64 = 747_500;

#[track_caller]
fn assert_lines(lines: &Value, clinic: &Clinic) {
    let lines = lines.as_array().expect("lines");
    assert_eq!(lines.len(), LINES.len(), "{lines:?}");
    let exec = [
        clinic.dept.id,
        clinic.dept.id,
        clinic.pharmacy.id,
        clinic.lab.id,
    ];
    for ((line, (code, price, quantity, amount)), exec) in lines.iter().zip(LINES).zip(exec) {
        assert_eq!(
            (
                s(&line["item_code"]),
                s(&line["unit_price"]),
                s(&line["quantity"]),
                s(&line["amount"]),
                line["executing_department_id"].as_i64()
            ),
            (code, price, quantity, amount, Some(exec)),
            "{line:?}"
        );
    }
}

#[track_caller]
fn assert_amounts(body: &Value) {
    assert_eq!(
        (
            s(&body["total_amount"]),
            s(&body["insurance_amount"]),
            s(&body["self_pay_amount"])
        ),
        (TOTAL, INSURANCE, SELF_PAY),
        "{body:?}"
    );
}

async fn a_visit_from_registration_to_refund(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let admin = app.admin().await;
    let doctor = app.token('a', Role::Doctor).await;
    let analyst = app.token('a', Role::Analyst).await;

    // Registration.
    let body = clinic.patient_body("EMPLOYEE");
    let (id_card, phone) = (
        s(&body["document_no"]).to_owned(),
        s(&body["phone"]).to_owned(),
    );
    let registered = app.post("/api/v1/patients", &desk, body).await;
    let patient_id = clinic::created(&registered, "patient");

    // Booking: the first place of today's schedule.
    let (schedule_id, today) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let booked = clinic::book(&app, patient_id, schedule_id).await;
    assert_eq!(booked.status, 201, "{:?}", booked.body);
    let appointment_id = booked.body["id"].as_i64().unwrap();
    assert_eq!(booked.body["status"], "BOOKED");
    assert_eq!(booked.body["queue_no"], 1);
    assert_eq!(booked.body["patient_id"], patient_id);
    assert_eq!(booked.body["doctor_id"], clinic.doctor_id);
    assert_eq!(booked.body["department_id"], clinic.dept.id);
    assert_eq!(booked.body["date"], today.to_string());
    assert!(booked.body["check_in_time"].is_null() && booked.body["medical_record_id"].is_null());
    let slot = app
        .get(&format!("/api/v1/schedules/{schedule_id}"), &desk)
        .await;
    assert_eq!(
        (
            slot.body["booked_count"].as_i64(),
            slot.body["remaining"].as_i64()
        ),
        (Some(1), Some(9))
    );

    // The check-in desk finds it by identity number and by phone, and nothing for another number.
    for q in [id_card.as_str(), phone.as_str()] {
        let found = app
            .get(&format!("/api/v1/appointments/today?q={q}"), &desk)
            .await;
        assert_eq!(found.status, 200, "{:?}", found.body);
        assert_eq!(found.body["total"], 1, "q={q}: {:?}", found.body);
        assert_eq!(found.body["items"][0]["id"], appointment_id);
    }
    let nobody = app
        .get("/api/v1/appointments/today?q=13999999999", &desk)
        .await;
    assert_eq!(nobody.body["total"], 0, "{:?}", nobody.body);

    // Check-in: COMPLETED, the time, the schedule's room, the empty record.
    let checked_in = clinic::act(&app, appointment_id, "check-in").await;
    assert_eq!(checked_in.status, 200, "{:?}", checked_in.body);
    assert_eq!(checked_in.body["status"], "COMPLETED");
    assert!(checked_in.body["check_in_time"].is_string());
    assert_eq!(
        checked_in.body["assigned_room"],
        clinic::room(clinic.doctor_id)
    );
    assert_eq!(checked_in.body["room_no"], clinic::room(clinic.doctor_id));
    let record_id = checked_in.body["medical_record_id"]
        .as_i64()
        .expect("the record created at check-in");

    // The doctor's queue.
    let queue = app.get("/api/v1/doctor/queue", &doctor).await;
    assert_eq!(queue.status, 200, "{:?}", queue.body);
    let entries = queue.body.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["appointment_id"], appointment_id);
    assert_eq!(entries[0]["status"], "COMPLETED");
    assert_eq!(entries[0]["queue_no"], 1);
    assert_eq!(entries[0]["patient_id"], patient_id);
    assert_eq!(entries[0]["medical_record_id"], record_id);
    assert_eq!(entries[0]["room_no"], clinic::room(clinic.doctor_id));

    // The record: two catalogue items, one of them half a unit.
    let written = clinic::write_record(
        &app,
        record_id,
        &[(clinic.drug_id, "3"), (clinic.lab_item_id, "0.5")],
    )
    .await;
    assert_eq!(written.status, 200, "{:?}", written.body);
    assert_eq!(written.body["diagnosis"], "急性上呼吸道感染");
    assert_eq!(written.body["treatment"], "多饮水，注意休息");
    assert!(written.body["visit_time"].is_string());
    let prescription = written.body["prescription"].as_array().unwrap();
    assert_eq!(
        prescription
            .iter()
            .map(|p| (s(&p["item_code"]), s(&p["quantity"])))
            .collect::<Vec<_>>(),
        [("DRUG-AMOX", "3.0000"), ("LAB-CRP", "0.5000")]
    );

    // The preview, then the bill.
    let preview = app
        .get(
            &format!("/api/v1/medical-records/{record_id}/bill-preview"),
            &desk,
        )
        .await;
    assert_eq!(preview.status, 200, "{:?}", preview.body);
    assert_eq!(preview.body["insurance_type"], "EMPLOYEE");
    assert_eq!(preview.body["insurance_ratio"], "0.7000");
    assert_amounts(&preview.body);
    assert_lines(&preview.body["lines"], &clinic);

    let billed = clinic::bill(&app, record_id, None).await;
    assert_eq!(billed.status, 201, "{:?}", billed.body);
    let bill_id = billed.body["id"].as_i64().unwrap();
    assert_eq!(billed.body["status"], "PENDING");
    assert_eq!(billed.body["medical_record_id"], record_id);
    assert_eq!(billed.body["appointment_id"], appointment_id);
    assert!(billed.body["paid_at"].is_null());
    assert_amounts(&billed.body);
    assert_lines(&billed.body["lines"], &clinic);
    let appointment = format!("/api/v1/appointments/{appointment_id}");
    assert_eq!(app.get(&appointment, &desk).await.body["status"], "BILLED");

    // Billed: the record is locked, and the visit cannot be billed again.
    let locked = clinic::write_record(&app, record_id, &[(clinic.drug_id, "30")]).await;
    locked.assert_problem(409, "RECORD_LOCKED");
    let again = clinic::bill(&app, record_id, None).await;
    clinic::assert_transition(&again, "an appointment that is BILLED cannot become BILLED");

    // Payment.
    let paid = clinic::pay(&app, bill_id, Some("flow-pay-1"), "WECHAT").await;
    assert_eq!(paid.status, 200, "{:?}", paid.body);
    assert_eq!(paid.body["status"], "PAID");
    assert_eq!(paid.body["payment_method"], "WECHAT");
    assert_eq!(paid.body["paid_on"], today.to_string());
    assert!(paid.body["paid_at"].is_string());
    assert_amounts(&paid.body);
    assert_eq!(app.get(&appointment, &desk).await.body["status"], "PAID");
    clinic::write_record(&app, record_id, &[])
        .await
        .assert_problem(409, "RECORD_LOCKED");

    // One charge row per line for the accounting module.
    let period = today.format("%Y-%m").to_string();
    let charges = clinic::charge_rows(&app, bill_id).await;
    assert_eq!(charges.len(), 4, "{charges:?}");
    let expected = [
        ("REG-ATTEND", &clinic.dept.code, 10_000, 200_000),
        ("CONS-GEN", &clinic.dept.code, 10_000, 100_000),
        ("DRUG-AMOX", &clinic.pharmacy.code, 30_000, 370_500),
        ("LAB-CRP", &clinic.lab.code, 5_000, 77_000),
    ];
    for (row, (code, exec, quantity, amount)) in charges.iter().zip(expected) {
        assert_eq!(
            (
                row.hospital_id,
                row.business_type.as_str(),
                row.prescribing_dept_code.as_str(),
                row.executing_dept_code.as_str(),
                row.item_code.as_str(),
                row.quantity.scaled(),
                row.amount.scaled(),
                row.period.to_string().as_str(),
            ),
            (
                app.hospital_a,
                "OUTPATIENT",
                "INT",
                exec.as_str(),
                code,
                quantity,
                amount,
                period.as_str()
            ),
            "{row:?}"
        );
    }
    assert_eq!(
        charges.iter().map(|c| c.amount.scaled()).sum::<i64>(),
        TOTAL_SCALED
    );

    // The refund: REFUNDED, and negative rows bring the charges back to zero.
    let refunded = app
        .post(
            &format!("/api/v1/billings/{bill_id}/refund"),
            &admin,
            json!({"reason": "患者投诉，费用退回"}),
        )
        .await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.body);
    assert_eq!(refunded.body["status"], "REFUNDED");
    assert_eq!(refunded.body["refund_reason"], "患者投诉，费用退回");
    assert!(refunded.body["refunded_at"].is_string());
    assert_amounts(&refunded.body);
    let charges = clinic::charge_rows(&app, bill_id).await;
    assert_eq!(charges.len(), 8, "{charges:?}");
    for (paid, reversed) in charges[..4].iter().zip(&charges[4..]) {
        assert_eq!(
            (
                reversed.item_code.as_str(),
                reversed.amount,
                reversed.quantity,
                reversed.executing_dept_code.as_str(),
                reversed.period.to_string().as_str(),
            ),
            (
                paid.item_code.as_str(),
                -paid.amount,
                -paid.quantity,
                paid.executing_dept_code.as_str(),
                period.as_str()
            )
        );
    }
    assert_eq!(charges.iter().map(|c| c.amount.scaled()).sum::<i64>(), 0);

    // The day's statistics: one visit, the bill's total in and out again.
    let stats = app
        .get(
            &format!("/api/v1/statistics/outpatient?date_from={today}&date_to={today}"),
            &analyst,
        )
        .await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    let figures = |v: &Value| {
        (
            v["visits"].as_i64(),
            v["appointments"].as_i64(),
            v["no_shows"].as_i64(),
            v["revenue"].as_str().map(str::to_owned),
            v["insurance"].as_str().map(str::to_owned),
            v["self_pay"].as_str().map(str::to_owned),
            v["refunds"].as_str().map(str::to_owned),
            v["net_revenue"].as_str().map(str::to_owned),
        )
    };
    let expected = (
        Some(1),
        Some(1),
        Some(0),
        Some(TOTAL.to_owned()),
        Some(INSURANCE.to_owned()),
        Some(SELF_PAY.to_owned()),
        Some(TOTAL.to_owned()),
        Some("0.0000".to_owned()),
    );
    assert_eq!(figures(&stats.body["totals"]), expected, "{:?}", stats.body);
    let rows = stats.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["department_code"], "INT");
    assert_eq!(rows[0]["period_start"], today.to_string());
    assert_eq!(figures(&rows[0]), expected);

    // Every step is in the audit log, once, by the one who did it.
    let log = audit_log::Entity::find()
        .filter(audit_log::Column::HospitalId.eq(app.hospital_a))
        .all(&app.db)
        .await
        .unwrap();
    for (action, resource, who) in [
        ("APPOINTMENT_BOOK", appointment_id, Role::FrontDesk),
        ("APPOINTMENT_CHECK_IN", appointment_id, Role::FrontDesk),
        ("MEDICAL_RECORD_UPDATE", record_id, Role::Doctor),
        ("BILLING_CREATE", bill_id, Role::FrontDesk),
        ("BILLING_PAY", bill_id, Role::FrontDesk),
        ("BILLING_REFUND", bill_id, Role::Admin),
    ] {
        let found: Vec<_> = log.iter().filter(|e| e.action == action).collect();
        assert_eq!(found.len(), 1, "{action}: {found:?}");
        assert_eq!(
            (
                found[0].resource_id.clone(),
                found[0].outcome.as_str(),
                found[0].actor_username.clone()
            ),
            (
                Some(resource.to_string()),
                "SUCCESS",
                Some(username('a', who))
            ),
            "{action}"
        );
    }
    // The payment's rows and the refund's, added to the charge totals as they were written.
    crate::accounting::assert_totals_are_the_visible_lines(&app.db).await;
}

async fn a_walk_in_is_checked_in_at_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let patient_id = clinic.patient(&app, "RESIDENT").await;
    let (schedule_id, today) = clinic::today_schedule(&app, clinic.doctor_id, 5).await;

    let walked_in = app
        .post(
            "/api/v1/appointments/walk-in",
            &desk,
            json!({"patient_id": patient_id, "schedule_id": schedule_id}),
        )
        .await;
    assert_eq!(walked_in.status, 201, "{:?}", walked_in.body);
    let b = &walked_in.body;
    assert_eq!(b["status"], "COMPLETED");
    assert_eq!(b["is_walk_in"], true);
    assert_eq!(b["queue_no"], 1);
    assert_eq!(b["date"], today.to_string());
    assert!(b["check_in_time"].is_string());
    assert_eq!(b["assigned_room"], clinic::room(clinic.doctor_id));
    let record_id = b["medical_record_id"].as_i64().expect("a record");
    let record = app
        .get(&format!("/api/v1/medical-records/{record_id}"), &desk)
        .await;
    assert_eq!(record.status, 200, "{:?}", record.body);
    assert_eq!(record.body["appointment_id"], b["id"]);
    assert_eq!(record.body["doctor_id"], clinic.doctor_id);
    assert_eq!(record.body["patient_id"], patient_id);
    assert!(record.body["diagnosis"].is_null());
    let slot = app
        .get(&format!("/api/v1/schedules/{schedule_id}"), &desk)
        .await;
    assert_eq!(slot.body["booked_count"], 1);

    let queue = app
        .get("/api/v1/doctor/queue", &app.token('a', Role::Doctor).await)
        .await;
    assert_eq!(queue.body[0]["appointment_id"], b["id"], "{:?}", queue.body);
    assert_eq!(queue.body[0]["medical_record_id"], record_id);

    // Once is enough on one schedule.
    clinic::book(&app, patient_id, schedule_id)
        .await
        .assert_problem(409, "DUPLICATE");

    // A walk-in is for today only; the refused one takes no place.
    let later = clinic::future_schedule(&app, clinic.doctor_id, 3, 5).await;
    let refused = app
        .post(
            "/api/v1/appointments/walk-in",
            &desk,
            json!({"patient_id": patient_id, "schedule_id": later}),
        )
        .await;
    refused.assert_problem(409, "NOT_TODAY");
    let later = app.get(&format!("/api/v1/schedules/{later}"), &desk).await;
    assert_eq!(later.body["booked_count"], 0);
    assert_eq!(later.body["remaining"], 5);
}
