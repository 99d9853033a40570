//! The cashier's day (收费日结): payments and refunds by cashier and payment method add up to the day's bills;
//! a closed day takes no new payment or refund, and a payment racing the close is either in its totals or
//! refused.
use crate::{
    clinic::{self, Clinic, s, visit},
    db_tests,
    helpers::{Resp, TestApp},
};
use chrono::Duration;
use hospital::{domain::foundation::role::Role, entities::outpatient::billing};
use reqwest::Method;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::str::FromStr;

db_tests!(
    the_day_adds_up_by_cashier_and_method,
    a_closed_day_takes_no_payment_or_refund,
    a_payment_racing_the_close_is_in_its_totals_or_refused,
);

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(s(v)).unwrap()
}

/// A billed visit of a patient with `insurance`: the bill's id and total.
async fn billed(app: &TestApp, clinic: &Clinic, schedule: i64, insurance: &str) -> (i64, Decimal) {
    let record = visit(app, clinic, schedule, insurance, &[(clinic.drug_id, "2")]).await;
    let bill = clinic::bill(app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    (
        bill.body["id"].as_i64().unwrap(),
        dec(&bill.body["total_amount"]),
    )
}

async fn pay_as(app: &TestApp, token: &str, bill: i64, method: &str) -> Resp {
    let req = app
        .client
        .request(
            Method::POST,
            app.url(&format!("/api/v1/billings/{bill}/pay")),
        )
        .bearer_auth(token)
        .header("Idempotency-Key", format!("settle-{bill}"))
        .json(&json!({"payment_method": method}));
    TestApp::read(req.send().await.expect("request")).await
}

async fn day(app: &TestApp, date: chrono::NaiveDate) -> Value {
    let resp = app
        .get(
            &format!("/api/v1/settlements?day={date}"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    resp.body
}

async fn the_day_adds_up_by_cashier_and_method(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let (one, t1) = billed(&app, &clinic, schedule, "EMPLOYEE").await;
    let (two, t2) = billed(&app, &clinic, schedule, "RESIDENT").await;
    let (three, t3) = billed(&app, &clinic, schedule, "SELF_PAY").await;
    assert_eq!(pay_as(&app, &desk, one, "CASH").await.status, 200);
    assert_eq!(pay_as(&app, &desk, two, "WECHAT").await.status, 200);
    assert_eq!(pay_as(&app, &admin, three, "CASH").await.status, 200);
    let refund = app
        .post(
            &format!("/api/v1/billings/{one}/refund"),
            &admin,
            json!({"reason": "重复收费"}),
        )
        .await;
    assert_eq!(refund.status, 200, "{:?}", refund.body);

    let settled = day(&app, today).await;
    let desk_id = crate::fixtures::my_id(&app, &desk).await;
    let admin_id = crate::fixtures::my_id(&app, &admin).await;
    let row = |cashier: i64, method: &str| {
        settled["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["cashier_id"] == cashier && r["payment_method"] == method)
            .unwrap_or_else(|| panic!("no row {cashier} {method}: {settled:?}"))["figures"]
            .clone()
    };
    let figures = |f: &Value| {
        (
            f["payments"].as_u64().unwrap(),
            dec(&f["paid"]),
            f["refunds"].as_u64().unwrap(),
            dec(&f["refunded"]),
            dec(&f["net"]),
        )
    };
    let zero = Decimal::ZERO;
    assert_eq!(figures(&row(desk_id, "CASH")), (1, t1, 0, zero, t1));
    assert_eq!(figures(&row(desk_id, "WECHAT")), (1, t2, 0, zero, t2));
    // The refund is the administrator's, by the bill's payment method.
    assert_eq!(figures(&row(admin_id, "CASH")), (1, t3, 1, t1, t3 - t1));
    assert_eq!(settled["rows"].as_array().unwrap().len(), 3);
    assert_eq!(
        figures(&settled["totals"]),
        (3, t1 + t2 + t3, 1, t1, t2 + t3)
    );
    let cash = settled["by_method"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["payment_method"] == "CASH")
        .unwrap();
    assert_eq!(figures(&cash["figures"]), (2, t1 + t3, 1, t1, t3));
    assert_eq!(settled["closed"], Value::Null);
    // Another day has none of it.
    let yesterday = day(&app, today - Duration::days(1)).await;
    assert_eq!(yesterday["totals"]["payments"], 0);
}

async fn a_closed_day_takes_no_payment_or_refund(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let (paid, total) = billed(&app, &clinic, schedule, "EMPLOYEE").await;
    assert_eq!(pay_as(&app, &desk, paid, "CARD").await.status, 200);
    let (pending, _) = billed(&app, &clinic, schedule, "EMPLOYEE").await;

    let close = |token: String, day: chrono::NaiveDate| {
        let app = &app;
        async move {
            app.post("/api/v1/settlements/close", &token, json!({"day": day}))
                .await
        }
    };
    close(desk.clone(), today)
        .await
        .assert_problem(403, "FORBIDDEN");
    let tomorrow = close(admin.clone(), today + Duration::days(1)).await;
    tomorrow.assert_problem(422, "VALIDATION_FAILED");
    assert!(tomorrow.field_errors().contains_key("day"));

    let closed = close(admin.clone(), today).await;
    assert_eq!(closed.status, 201, "{:?}", closed.body);
    assert_eq!(dec(&closed.body["closed"]["paid_total"]), total);
    assert!(closed.body["closed"]["closed_by_name"].is_string());
    close(admin.clone(), today)
        .await
        .assert_problem(409, "DAY_CLOSED");

    pay_as(&app, &desk, pending, "CASH")
        .await
        .assert_problem(409, "DAY_CLOSED");
    app.post(
        &format!("/api/v1/billings/{paid}/refund"),
        &admin,
        json!({"reason": "退费"}),
    )
    .await
    .assert_problem(409, "DAY_CLOSED");
    let bill = app.get(&format!("/api/v1/billings/{paid}"), &admin).await;
    assert_eq!(bill.body["status"], "PAID");
    // The day reads as closed, with the same totals, as a workbook too.
    let settled = day(&app, today).await;
    assert_eq!(dec(&settled["totals"]["paid"]), total);
    assert!(settled["closed"].is_object());
    let xlsx = app
        .client
        .get(app.url(&format!("/api/v1/settlements.xlsx?day={today}")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip");
    // Another hospital's day is its own.
    let other = app.token('b', Role::Admin).await;
    let resp = app
        .post("/api/v1/settlements/close", &other, json!({"day": today}))
        .await;
    assert_eq!(resp.status, 201, "{:?}", resp.body);
    assert_eq!(resp.body["totals"]["payments"], 0);
}

async fn a_payment_racing_the_close_is_in_its_totals_or_refused(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let mut bills = Vec::new();
    for _ in 0..3 {
        bills.push(billed(&app, &clinic, schedule, "RESIDENT").await.0);
    }
    let closing = app.post("/api/v1/settlements/close", &admin, json!({"day": today}));
    let paying = clinic::all(bills.iter().map(|b| pay_as(&app, &desk, *b, "ALIPAY")));
    let (closed, payments) = tokio::join!(closing, paying);
    assert_eq!(closed.status, 201, "{:?}", closed.body);
    for p in &payments {
        if p.status != 200 {
            p.assert_problem(409, "DAY_CLOSED");
        }
    }
    // The closed totals are exactly the payments that went through.
    let saved = billing::Entity::find().all(&app.db).await.unwrap();
    let paid: Decimal = saved
        .iter()
        .filter(|b| b.paid_on == Some(today))
        .map(|b| b.total_amount.to_decimal())
        .sum();
    let accepted = payments.iter().filter(|p| p.status == 200).count();
    assert_eq!(
        saved.iter().filter(|b| b.paid_on == Some(today)).count(),
        accepted
    );
    assert_eq!(dec(&closed.body["closed"]["paid_total"]), paid);
}
