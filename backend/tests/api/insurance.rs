//! Insurance policies a hospital sets itself: a bill pays what the policy in force says, per item category,
//! after the deductible and within the cap, line by line; a new policy leaves earlier bills as they were;
//! a policy bills were drawn under stays as it is, even when it is removed while a bill is being drawn.
use crate::{
    clinic::{self, Clinic, all, s, visit},
    db_tests,
    fixtures::create_user,
    helpers::{Resp, TestApp},
};
use chrono::Duration;
use hospital::entities::{foundation::insurance_policy, outpatient::billing};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

db_tests!(
    a_new_hospital_bills_what_its_policy_says,
    a_new_policy_leaves_earlier_bills_as_they_were,
    policies_are_validated_and_set_by_administrators,
    two_admins_adding_the_same_policy_at_once_add_one,
    a_policy_removed_while_a_bill_is_drawn_is_either_kept_or_not_used,
);

const POLICIES: &str = "/api/v1/insurance-policies";

#[track_caller]
fn id_of(resp: &Resp) -> i64 {
    assert_eq!(resp.status, 201, "{:?}", resp.body);
    resp.body["id"].as_i64().unwrap()
}

async fn add(app: &TestApp, body: Value) -> Resp {
    app.post(POLICIES, &app.admin().await, body).await
}

/// The lines' (rule, ratio, fund's share).
fn shares(bill: &Value) -> Vec<(String, String, String)> {
    bill["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                s(&l["insurance_rule"]).to_owned(),
                s(&l["insurance_ratio"]).to_owned(),
                s(&l["insurance_amount"]).to_owned(),
            )
        })
        .collect()
}

fn share(rule: &str, ratio: &str, amount: &str) -> (String, String, String) {
    (rule.to_owned(), ratio.to_owned(), amount.to_owned())
}

async fn a_new_hospital_bills_what_its_policy_says(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    // From today: 60 %, drugs 90 %, registration not covered, the first 5 yuan the patient's, at most 20.
    let policy = id_of(
        &add(
            &app,
            json!({"insurance_type": "EMPLOYEE", "effective_from": today, "ratio": "0.6",
                   "category_ratios": [{"item_category": "DRUG", "ratio": 0.9},
                                       {"item_category": "REGISTRATION", "ratio": "0"}],
                   "deductible": "5", "visit_cap": "20"}),
        )
        .await,
    );
    // Registration 20 (not covered, so not deducted), consultation 10 − 5 deducted → 5 × 0.6 = 3, drug
    // 12.35 × 3 = 37.05 × 0.9 = 33.345: 36.345 → 36.35, capped at 20; spread 3 : 33.345 over the lines.
    let record = visit(
        &app,
        &clinic,
        schedule,
        "EMPLOYEE",
        &[(clinic.drug_id, "3")],
    )
    .await;
    let preview = app
        .get(
            &format!("/api/v1/medical-records/{record}/bill-preview"),
            &desk,
        )
        .await;
    assert_eq!(preview.status, 200, "{:?}", preview.body);
    let p = &preview.body;
    assert_eq!(
        (
            s(&p["total_amount"]),
            s(&p["insurance_amount"]),
            s(&p["self_pay_amount"])
        ),
        ("67.0500", "20.0000", "47.0500")
    );
    assert_eq!(
        (s(&p["insurance_deducted"]), s(&p["insurance_capped"])),
        ("5.0000", "16.3500")
    );
    assert_eq!(p["insurance_policy_id"], policy);
    let expected = vec![
        share("CATEGORY", "0.0000", "0.0000"),
        share("DEFAULT", "0.6000", "1.6500"),
        share("CATEGORY", "0.9000", "18.3500"),
    ];
    assert_eq!(shares(p), expected);

    // The saved bill is the preview, and says which policy it was drawn under.
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    assert_eq!(s(&bill.body["insurance_amount"]), "20.0000");
    assert_eq!(bill.body["insurance_policy_id"], policy);
    assert_eq!(shares(&bill.body), expected);

    // The desk's amount is spread as the policy's was, and the lines say so.
    let record = visit(
        &app,
        &clinic,
        schedule,
        "EMPLOYEE",
        &[(clinic.drug_id, "3")],
    )
    .await;
    let bill = clinic::bill(&app, record, Some("10")).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    assert_eq!(
        shares(&bill.body),
        [
            share("DESK", "0.0000", "0.0000"),
            share("DESK", "0.6000", "0.8300"),
            share("DESK", "0.9000", "9.1700"),
        ]
    );

    // Without a policy for the type, the fund pays nothing and the bill names none.
    let admin = app.admin().await;
    let list = app
        .get(&format!("{POLICIES}?insurance_type=SELF_PAY"), &admin)
        .await;
    for p in list.body["items"].as_array().unwrap() {
        let gone = app
            .delete(&format!("{POLICIES}/{}", p["id"].as_i64().unwrap()), &admin)
            .await;
        assert_eq!(gone.status, 204, "{:?}", gone.body);
    }
    let record = visit(&app, &clinic, schedule, "SELF_PAY", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    assert_eq!(s(&bill.body["insurance_amount"]), "0.0000");
    assert_eq!(bill.body["insurance_policy_id"], Value::Null);
}

async fn a_new_policy_leaves_earlier_bills_as_they_were(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let employee = |day: chrono::NaiveDate, ratio: &str| json!({"insurance_type": "EMPLOYEE", "effective_from": day, "ratio": ratio});

    // Under the clinic's policy from 2020: 70 % of 30.
    let record = visit(&app, &clinic, schedule, "EMPLOYEE", &[]).await;
    let earlier = clinic::bill(&app, record, None).await;
    assert_eq!(earlier.status, 201, "{:?}", earlier.body);
    assert_eq!(s(&earlier.body["insurance_amount"]), "21.0000");
    let old_policy = earlier.body["insurance_policy_id"].as_i64().unwrap();
    let earlier_id = earlier.body["id"].as_i64().unwrap();

    // One from tomorrow changes nothing today; one from today does.
    id_of(&add(&app, employee(today + Duration::days(1), "0.1")).await);
    let record = visit(&app, &clinic, schedule, "EMPLOYEE", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(s(&bill.body["insurance_amount"]), "21.0000");
    let new_policy = id_of(&add(&app, employee(today, "0.5")).await);
    let record = visit(&app, &clinic, schedule, "EMPLOYEE", &[]).await;
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(s(&bill.body["insurance_amount"]), "15.0000");
    assert_eq!(bill.body["insurance_policy_id"], new_policy);

    // The earlier bill is as it was, and so is its policy, which now refuses change.
    let again = app
        .get(&format!("/api/v1/billings/{earlier_id}"), &admin)
        .await;
    assert_eq!(again.body, earlier.body);
    let changed = app
        .put(
            &format!("{POLICIES}/{old_policy}"),
            &admin,
            employee("2020-01-01".parse().unwrap(), "0.9"),
        )
        .await;
    changed.assert_problem(409, "POLICY_IN_USE");
    app.delete(&format!("{POLICIES}/{old_policy}"), &admin)
        .await
        .assert_problem(409, "POLICY_IN_USE");

    // Which is in force: today's; on yesterday, the old one.
    let list = app
        .get(&format!("{POLICIES}?insurance_type=EMPLOYEE"), &admin)
        .await;
    let flags: Vec<(i64, bool, bool)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_i64().unwrap(),
                p["in_force"].as_bool().unwrap(),
                p["used"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(flags.len(), 3, "{:?}", list.body);
    assert!(flags.contains(&(new_policy, true, true)), "{flags:?}");
    assert!(flags.contains(&(old_policy, false, true)), "{flags:?}");
    let yesterday = today - Duration::days(1);
    let then = app
        .get(
            &format!("{POLICIES}?insurance_type=EMPLOYEE&in_force_on={yesterday}"),
            &admin,
        )
        .await;
    assert_eq!(then.body["total"], 1, "{:?}", then.body);
    assert_eq!(then.body["items"][0]["id"], old_policy);
}

async fn policies_are_validated_and_set_by_administrators(app: TestApp) {
    let admin = app.admin().await;
    let wrong = add(
        &app,
        json!({"insurance_type": "gold", "effective_from": "2026-01-01", "ratio": "1.5",
               "category_ratios": [{"item_category": "DRUG", "ratio": "-0.1"},
                                   {"item_category": "LAB", "ratio": "0.5"},
                                   {"item_category": "LAB", "ratio": "0.6"},
                                   {"item_category": "SPA", "ratio": "0.6"}],
               "deductible": "1.234", "visit_cap": "-1"}),
    )
    .await;
    wrong.assert_problem(422, "VALIDATION_FAILED");
    let fields = wrong.field_errors();
    for field in [
        "insurance_type",
        "ratio",
        "category_ratios[0].ratio",
        "category_ratios[2].item_category",
        "category_ratios[3].item_category",
        "deductible",
        "visit_cap",
    ] {
        assert!(fields.contains_key(field), "{field}: {fields:?}");
    }
    assert!(
        !fields.contains_key("category_ratios[1].ratio"),
        "{fields:?}"
    );
    let missing = add(&app, json!({"insurance_type": "EMPLOYEE", "ratio": "0.5"})).await;
    missing.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        missing.field_errors().contains_key("effective_from"),
        "{missing:?}"
    );

    let body =
        json!({"insurance_type": "RESIDENT", "effective_from": "2026-01-01", "ratio": "0.5"});
    let desk = app.front_desk().await;
    app.post(POLICIES, &desk, body.clone())
        .await
        .assert_problem(403, "FORBIDDEN");
    let id = id_of(&add(&app, body.clone()).await);
    assert_eq!(
        app.get(&format!("{POLICIES}/{id}"), &desk).await.status,
        200
    );
    create_user(&app, &admin, "doc_insurance", "DOCTOR").await;
    let doctor = app
        .token('a', hospital::domain::foundation::role::Role::Doctor)
        .await;
    app.get(POLICIES, &doctor)
        .await
        .assert_problem(403, "FORBIDDEN");
    // Another hospital's policy does not exist for this one.
    let other = app
        .token('b', hospital::domain::foundation::role::Role::Admin)
        .await;
    app.get(&format!("{POLICIES}/{id}"), &other)
        .await
        .assert_problem(404, "NOT_FOUND");
    app.delete(&format!("{POLICIES}/{id}"), &other)
        .await
        .assert_problem(404, "NOT_FOUND");
    // An unused policy may be corrected, and the correction is what is kept.
    let fixed = app
        .put(
            &format!("{POLICIES}/{id}"),
            &admin,
            json!({"insurance_type": "RESIDENT", "effective_from": "2026-01-01", "ratio": "0.55",
                   "category_ratios": [{"item_category": "EXAM", "ratio": "0.4"}]}),
        )
        .await;
    assert_eq!(fixed.status, 200, "{:?}", fixed.body);
    let read = app.get(&format!("{POLICIES}/{id}"), &admin).await;
    assert_eq!(s(&read.body["ratio"]), "0.5500");
    assert_eq!(
        read.body["category_ratios"],
        json!([{"item_category": "EXAM", "ratio": "0.4000"}])
    );
    assert_eq!(read.body["deductible"], Value::Null);
}

async fn two_admins_adding_the_same_policy_at_once_add_one(app: TestApp) {
    let admin = app.admin().await;
    let body = json!({"insurance_type": "EMPLOYEE", "effective_from": "2026-03-01", "ratio": "0.7",
                      "category_ratios": [{"item_category": "DRUG", "ratio": "0.8"}]});
    let results = all((0..8).map(|_| app.post(POLICIES, &admin, body.clone()))).await;
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "{results:?}");
    for r in results.iter().filter(|r| r.status != 201) {
        r.assert_problem(409, "DUPLICATE");
        assert!(r.field_errors().contains_key("effective_from"), "{r:?}");
    }
    let list = app
        .get(&format!("{POLICIES}?insurance_type=EMPLOYEE"), &admin)
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(
        list.body["items"][0]["category_ratios"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_policy_removed_while_a_bill_is_drawn_is_either_kept_or_not_used(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let today = clinic::today(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 20).await;
    let record = visit(&app, &clinic, schedule, "EMPLOYEE", &[]).await;
    let policy = id_of(
        &add(
            &app,
            json!({"insurance_type": "EMPLOYEE", "effective_from": today, "ratio": "0.2"}),
        )
        .await,
    );
    let path = format!("{POLICIES}/{policy}");
    let (bill, removed) = tokio::join!(clinic::bill(&app, record, None), app.delete(&path, &admin));
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    let under = bill.body["insurance_policy_id"].as_i64().unwrap();
    if removed.status == 204 {
        // Removed first: the bill fell under the clinic's own policy (70 % of 30).
        assert_ne!(under, policy);
        assert_eq!(s(&bill.body["insurance_amount"]), "21.0000");
    } else {
        removed.assert_problem(409, "POLICY_IN_USE");
        assert_eq!(under, policy);
        assert_eq!(s(&bill.body["insurance_amount"]), "6.0000");
    }
    // Either way, the policy the bill names exists, as the bill says.
    let saved = billing::Entity::find_by_id(bill.body["id"].as_i64().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.insurance_policy_id, Some(under));
    assert!(
        insurance_policy::Entity::find_by_id(under)
            .one(&app.db)
            .await
            .unwrap()
            .is_some()
    );
}
