//! Bills and payments: the Idempotency-Key makes a payment happen once however often and however
//! simultaneously it is sent; the insurance share, by policy or set at the desk, always adds up; the
//! registration fee follows the doctor's title; refunds are an administrator's, with a reason.
use crate::{
    clinic::{self, Clinic, assert_transition, s, visit},
    db_tests,
    fixtures::create_department,
    helpers::{Resp, TestApp},
};
use hospital::{
    domain::foundation::role::Role,
    entities::{accounting::charge_detail, foundation::audit_log, outpatient::payment_request},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

db_tests!(
    paying_twice_with_one_key_pays_once,
    ten_payments_at_once_with_one_key_pay_once,
    two_desks_paying_one_bill_at_once_pay_once,
    two_desks_billing_one_visit_at_once_bill_once,
    the_idempotency_key_is_required_and_bound_to_its_request,
    the_insurance_share_follows_the_policy_or_the_desk,
    refunds_are_for_admins_with_a_reason,
    the_registration_fee_follows_the_doctors_title,
    a_bill_drawn_while_the_doctor_edits_is_of_the_record_as_it_stays,
    a_refund_negates_the_payments_own_rows,
);

#[track_caller]
fn bill_id(resp: &Resp) -> i64 {
    assert_eq!(resp.status, 201, "bill: {:?}", resp.body);
    resp.body["id"].as_i64().unwrap()
}

#[track_caller]
fn amounts(body: &Value) -> (&str, &str, &str) {
    (
        s(&body["total_amount"]),
        s(&body["insurance_amount"]),
        s(&body["self_pay_amount"]),
    )
}

async fn audited(app: &TestApp, action: &str, bill_id: i64) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::ResourceId.eq(bill_id.to_string()))
        .count(&app.db)
        .await
        .unwrap()
}

async fn bill_status(app: &TestApp, bill_id: i64) -> String {
    let resp = app
        .get(
            &format!("/api/v1/billings/{bill_id}"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    s(&resp.body["status"]).to_owned()
}

async fn paying_twice_with_one_key_pays_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[(clinic.drug_id, "2")]).await;
    let id = bill_id(&clinic::bill(&app, record, None).await);

    let first = clinic::pay(&app, id, Some("pay-once"), "ALIPAY").await;
    let second = clinic::pay(&app, id, Some("pay-once"), "ALIPAY").await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert_eq!(first.body, second.body);
    // 20 + 10 + 12.35 × 2 = 54.70; × 0.7 = 38.29.
    assert_eq!(amounts(&first.body), ("54.7000", "38.2900", "16.4100"));
    assert_eq!(first.body["status"], "PAID");
    assert_eq!(first.body["payment_method"], "ALIPAY");

    assert_eq!(bill_status(&app, id).await, "PAID");
    let rows = clinic::charge_rows(&app, id).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows.iter().map(|r| r.amount.scaled()).sum::<i64>(), 547_000);
    assert_eq!(audited(&app, "BILLING_PAY", id).await, 1);
    let paid = app
        .get("/api/v1/billings?status=PAID", &app.front_desk().await)
        .await;
    assert_eq!(paid.body["total"], 1, "{:?}", paid.body);
}

async fn ten_payments_at_once_with_one_key_pay_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 20).await;
    app.front_desk().await;
    // Several bills, each paid by ten identical requests at the same moment: a race that is lost only
    // now and then is lost at least once.
    let mut odd = Vec::new();
    for round in 0..8 {
        let record = visit(
            &app,
            &clinic,
            today,
            "EMPLOYEE",
            &[(clinic.lab_item_id, "1")],
        )
        .await;
        let id = bill_id(&clinic::bill(&app, record, None).await);
        let key = format!("same-moment-{round}");
        let answers = clinic::all((0..10).map(|_| clinic::pay(&app, id, Some(&key), "CARD"))).await;
        // Every request waits for the one that pays (on the bill's row) and answers what it answered.
        odd.extend(
            answers
                .iter()
                .filter(|r| r.status != 200)
                .map(|r| (round, r.status, r.body.clone())),
        );
        let ok: Vec<_> = answers.iter().filter(|r| r.status == 200).collect();
        assert!(!ok.is_empty(), "round {round}: {answers:?}");
        for r in &ok {
            assert_eq!(r.body, ok[0].body);
        }
        // 20 + 10 + 15.40 = 45.40; × 0.7 = 31.78.
        assert_eq!(amounts(&ok[0].body), ("45.4000", "31.7800", "13.6200"));
        assert_eq!(ok[0].body["status"], "PAID");

        assert_eq!(bill_status(&app, id).await, "PAID");
        assert_eq!(
            clinic::charge_rows(&app, id).await.len(),
            3,
            "round {round}"
        );
        assert_eq!(audited(&app, "BILLING_PAY", id).await, 1, "round {round}");
        let claims = payment_request::Entity::find()
            .filter(payment_request::Column::IdempotencyKey.eq(key.as_str()))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(claims, 1, "round {round}");
    }
    assert!(odd.is_empty(), "(round, status, body): {odd:?}");
}

async fn two_desks_paying_one_bill_at_once_pay_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[]).await;
    let id = bill_id(&clinic::bill(&app, record, None).await);
    app.front_desk().await;

    let keys: Vec<String> = (0..10).map(|i| format!("desk-{i}")).collect();
    let answers = clinic::all(keys.iter().map(|k| clinic::pay(&app, id, Some(k), "CASH"))).await;
    let odd: Vec<_> = answers
        .iter()
        .filter(|r| r.status != 200 && !(r.status == 409 && r.code() == "INVALID_TRANSITION"))
        .map(|r| (r.status, &r.body))
        .collect();
    assert!(odd.is_empty(), "{odd:?}");
    assert_eq!(answers.iter().filter(|r| r.status == 200).count(), 1);
    for r in answers.iter().filter(|r| r.status == 409) {
        assert_transition(r, "a bill that is PAID cannot become PAID");
    }
    assert_eq!(clinic::charge_rows(&app, id).await.len(), 2);
    assert_eq!(audited(&app, "BILLING_PAY", id).await, 1);
    // The payment that won added its rows to the charge totals once.
    crate::accounting::assert_totals_are_the_visible_lines(&app.db).await;
}

async fn two_desks_billing_one_visit_at_once_bill_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[]).await;
    app.front_desk().await;

    let answers = clinic::all((0..5).map(|_| clinic::bill(&app, record, None))).await;
    let odd: Vec<_> = answers
        .iter()
        .filter(|r| r.status != 201 && r.status != 409)
        .map(|r| (r.status, &r.body))
        .collect();
    assert!(odd.is_empty(), "{odd:?}");
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 1);
    for r in answers.iter().filter(|r| r.status == 409) {
        assert_transition(r, "an appointment that is BILLED cannot become BILLED");
    }
    let bills = app.get("/api/v1/billings", &app.front_desk().await).await;
    assert_eq!(bills.body["total"], 1, "{:?}", bills.body);
}

async fn the_idempotency_key_is_required_and_bound_to_its_request(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let first = bill_id(
        &clinic::bill(
            &app,
            visit(&app, &clinic, today, "EMPLOYEE", &[]).await,
            None,
        )
        .await,
    );
    let second = bill_id(
        &clinic::bill(
            &app,
            visit(&app, &clinic, today, "EMPLOYEE", &[]).await,
            None,
        )
        .await,
    );

    let missing = clinic::pay(&app, first, None, "WECHAT").await;
    missing.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        missing.field_errors().contains_key("Idempotency-Key"),
        "{:?}",
        missing.body
    );
    let too_long = "k".repeat(129);
    clinic::pay(&app, first, Some(&too_long), "WECHAT")
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let method = clinic::pay(&app, first, Some("bound"), "BITCOIN").await;
    method.assert_problem(422, "VALIDATION_FAILED");
    assert!(method.field_errors().contains_key("payment_method"));
    assert_eq!(bill_status(&app, first).await, "PENDING");

    let paid = clinic::pay(&app, first, Some("bound"), "WECHAT").await;
    assert_eq!(paid.body["status"], "PAID", "{:?}", paid.body);
    clinic::pay(&app, first, Some("bound"), "CASH")
        .await
        .assert_problem(409, "IDEMPOTENCY_KEY_REUSED");
    clinic::pay(&app, second, Some("bound"), "WECHAT")
        .await
        .assert_problem(409, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(bill_status(&app, second).await, "PENDING");
    let again = app
        .get(
            &format!("/api/v1/billings/{first}"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(again.body["payment_method"], "WECHAT");
    assert_eq!(clinic::charge_rows(&app, first).await.len(), 2);
    assert!(clinic::charge_rows(&app, second).await.is_empty());
}

async fn the_insurance_share_follows_the_policy_or_the_desk(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;

    // RESIDENT, 50 %: 20 + 10 + 12.35 × 3 = 67.05; × 0.5 = 33.525 → 33.53 (half away from zero).
    let record = visit(&app, &clinic, today, "RESIDENT", &[(clinic.drug_id, "3")]).await;
    let preview = app
        .get(
            &format!("/api/v1/medical-records/{record}/bill-preview"),
            &desk,
        )
        .await;
    assert_eq!(
        preview.body["insurance_ratio"], "0.5000",
        "{:?}",
        preview.body
    );
    assert_eq!(amounts(&preview.body), ("67.0500", "33.5300", "33.5200"));
    let bill = clinic::bill(&app, record, None).await;
    bill_id(&bill);
    assert_eq!(amounts(&bill.body), ("67.0500", "33.5300", "33.5200"));

    // SELF_PAY: nothing from insurance.
    let record = visit(&app, &clinic, today, "SELF_PAY", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    bill_id(&bill);
    assert_eq!(amounts(&bill.body), ("30.0000", "0.0000", "30.0000"));

    // The desk's amount, within the total, is kept; the rest is self-pay. It survives payment.
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[]).await;
    let bill = clinic::bill(&app, record, Some("10.5")).await;
    let id = bill_id(&bill);
    assert_eq!(amounts(&bill.body), ("30.0000", "10.5000", "19.5000"));
    let paid = clinic::pay(&app, id, Some("override"), "INSURANCE_CARD").await;
    assert_eq!(amounts(&paid.body), ("30.0000", "10.5000", "19.5000"));

    // Out of range or too precise: 422 on insurance_amount, and the visit stays unbilled.
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[]).await;
    for wrong in ["30.0001", "1.00001", "-1"] {
        let resp = clinic::bill(&app, record, Some(wrong)).await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            resp.field_errors().contains_key("insurance_amount"),
            "{wrong}: {:?}",
            resp.body
        );
    }
    let appointment = app
        .get(&format!("/api/v1/medical-records/{record}"), &desk)
        .await
        .body["appointment_id"]
        .as_i64()
        .unwrap();
    let status = app
        .get(&format!("/api/v1/appointments/{appointment}"), &desk)
        .await;
    assert_eq!(status.body["status"], "COMPLETED");
    // The whole total is within range.
    let bill = clinic::bill(&app, record, Some("30")).await;
    bill_id(&bill);
    assert_eq!(amounts(&bill.body), ("30.0000", "30.0000", "0.0000"));
}

async fn refunds_are_for_admins_with_a_reason(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[]).await;
    let id = bill_id(&clinic::bill(&app, record, None).await);
    let paid = clinic::pay(&app, id, Some("to-refund"), "CASH").await;
    assert_eq!(paid.body["status"], "PAID", "{:?}", paid.body);
    let refund = format!("/api/v1/billings/{id}/refund");

    for role in [Role::FrontDesk, Role::Doctor, Role::Analyst] {
        app.post(
            &refund,
            &app.token('a', role).await,
            json!({"reason": "退费"}),
        )
        .await
        .assert_problem(403, "FORBIDDEN");
    }
    for body in [
        json!({}),
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "退".repeat(256)}),
    ] {
        let resp = app.post(&refund, &admin, body.clone()).await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            resp.field_errors().contains_key("reason"),
            "{body}: {:?}",
            resp.body
        );
    }
    assert_eq!(bill_status(&app, id).await, "PAID");
    assert_eq!(clinic::charge_rows(&app, id).await.len(), 2);

    let resp = app
        .post(&refund, &admin, json!({"reason": "重复收费"}))
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["status"], "REFUNDED");
    let rows = clinic::charge_rows(&app, id).await;
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().map(|r| r.amount.scaled()).sum::<i64>(), 0);
}

async fn the_registration_fee_follows_the_doctors_title(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    for (title, code, fee, total) in [
        ("CHIEF", "REG-CHIEF", "50.0000", "60.0000"),
        ("ASSOCIATE_CHIEF", "REG-ASSOC", "35.0000", "45.0000"),
        ("RESIDENT", "REG-RES", "10.0000", "20.0000"),
    ] {
        let doctor = clinic.doctor(&app, title).await;
        let (today, _) = clinic::today_schedule(&app, doctor, 5).await;
        let patient = clinic.patient(&app, "SELF_PAY").await;
        let (_, record) = clinic::walk_in(&app, patient, today).await;
        let bill = clinic::bill(&app, record, None).await;
        bill_id(&bill);
        let lines = bill.body["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(
            (
                s(&lines[0]["item_code"]),
                s(&lines[0]["amount"]),
                s(&lines[1]["item_code"])
            ),
            (code, fee, "CONS-GEN"),
            "{title}"
        );
        assert_eq!(amounts(&bill.body), (total, "0.0000", total), "{title}");
    }
}

/// The front desk bills a visit while its doctor edits the prescription: whichever comes first, the bill's
/// items are the record's final prescription (the edit lands before the bill, or is refused as the record is
/// locked) — never a bill of the old prescription beside a record that says otherwise.
async fn a_bill_drawn_while_the_doctor_edits_is_of_the_record_as_it_stays(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 40).await;
    let doctor = app.token('a', Role::Doctor).await;
    let (mut edited_first, mut billed_first) = (0, 0);
    for round in 0..16 {
        let record = visit(&app, &clinic, today, "SELF_PAY", &[(clinic.drug_id, "1")]).await;
        let edit = [(clinic.drug_id, "3"), (clinic.lab_item_id, "2")];
        let (edited, billed) = tokio::join!(
            clinic::write_record(&app, record, &edit),
            clinic::bill(&app, record, None)
        );
        bill_id(&billed);
        match edited.status {
            200 => edited_first += 1,
            _ => {
                edited.assert_problem(409, "RECORD_LOCKED");
                billed_first += 1;
            }
        }
        let stays = app
            .get(&format!("/api/v1/medical-records/{record}"), &doctor)
            .await;
        let prescribed: Vec<(String, String)> = stays.body["prescription"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (s(&p["item_code"]).to_owned(), s(&p["quantity"]).to_owned()))
            .collect();
        let charged: Vec<(String, String)> = billed.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| !s(&l["item_code"]).starts_with("REG-") && s(&l["item_code"]) != "CONS-GEN")
            .map(|l| (s(&l["item_code"]).to_owned(), s(&l["quantity"]).to_owned()))
            .collect();
        assert_eq!(
            charged, prescribed,
            "round {round}: the bill is of the record as it stays"
        );
    }
    assert_eq!(edited_first + billed_first, 16);
}

/// The parts of a charge row that a refund must negate: (line id, business type, prescribing and executing
/// departments, item code, name and category, quantity, amount).
type ChargeKey = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

fn charge_key(r: &charge_detail::Model) -> ChargeKey {
    (
        r.source_line_id.clone(),
        r.business_type.to_string(),
        r.prescribing_dept_code.clone(),
        r.executing_dept_code.clone(),
        r.item_code.clone(),
        r.item_name.clone(),
        r.item_category.clone(),
        r.quantity.scaled(),
        r.amount.scaled(),
    )
}

/// The doctor moves to another department and the drug to another executing department after the bill is
/// paid: the refund still reverses exactly what the payment wrote.
async fn a_refund_negates_the_payments_own_rows(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, today, "EMPLOYEE", &[(clinic.drug_id, "2")]).await;
    let id = bill_id(&clinic::bill(&app, record, None).await);
    let paid = clinic::pay(&app, id, Some("pay-then-move"), "CASH").await;
    assert_eq!(paid.status, 200, "{:?}", paid.body);
    let payment: Vec<ChargeKey> = clinic::charge_rows(&app, id)
        .await
        .iter()
        .map(charge_key)
        .collect();
    assert_eq!(payment.len(), 3, "{payment:?}");

    let surgery = create_department(&app, &admin, "SUR", "外科").await;
    let moved = app
        .put(
            &format!("/api/v1/doctors/{}", clinic.doctor_id),
            &admin,
            json!({"name": "刘佳怡", "department_id": surgery, "title": "ATTENDING", "phone": "13900000001",
                   "available_slots_per_day": 30, "user_id": clinic.doctor_user_id}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let drug = app
        .put(
            &format!("/api/v1/charge-items/{}", clinic.drug_id),
            &admin,
            json!({"item_code": "DRUG-AMOX", "item_name": "阿莫西林胶囊", "item_category": "DRUG", "unit": "次",
                   "unit_price": "12.35", "executing_department_id": clinic.lab.id}),
        )
        .await;
    assert_eq!(drug.status, 200, "{:?}", drug.body);

    let refunded = app
        .post(
            &format!("/api/v1/billings/{id}/refund"),
            &admin,
            json!({"reason": "重复收费"}),
        )
        .await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.body);
    let mut refund: Vec<ChargeKey> = clinic::charge_rows(&app, id)
        .await
        .iter()
        .map(charge_key)
        .filter(|k| k.0.ends_with("-R"))
        .collect();
    refund.sort();
    let mut expected: Vec<ChargeKey> = payment
        .into_iter()
        .map(|(line, bt, presc, exec, code, name, cat, q, a)| {
            (
                format!("{line}-R"),
                bt,
                presc,
                exec,
                code,
                name,
                cat,
                -q,
                -a,
            )
        })
        .collect();
    expected.sort();
    assert_eq!(refund, expected);
    assert!(refund.iter().all(|k| k.2 == "INT"), "{refund:?}");
}
