//! Prescriptions a pharmacy can dispense: a drug line says how it is taken (dose and unit, route, frequency,
//! days), and where the catalogue knows the drug's packing the quantity to dispense is counted from it.
use crate::{
    clinic::{self, Clinic, s, visit},
    db_tests,
    fixtures::assert_invalid,
    helpers::{Resp, TestApp},
};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};

db_tests!(
    a_course_is_counted_in_whole_packs_from_the_catalogue,
    usage_and_packing_are_validated,
);

/// Gives DRUG-AMOX (250 mg capsules, 24 to a box) its packing.
async fn pack_amoxicillin(app: &TestApp, clinic: &Clinic) {
    let admin = app.admin().await;
    let path = format!("/api/v1/charge-items/{}", clinic.drug_id);
    let item = app.get(&path, &admin).await.body;
    let body = json!({
        "item_code": item["item_code"], "item_name": item["item_name"],
        "item_category": item["item_category"], "unit": "盒", "unit_price": item["unit_price"],
        "executing_department_id": item["executing_department_id"],
        "packing": {"dose_unit": "mg", "unit_dose": "250", "pack_units": 24},
    });
    let resp = app.put(&path, &admin, body).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        resp.body["packing"],
        json!({"dose_unit": "mg", "unit_dose": "250.0000", "pack_units": 24})
    );
}

async fn write(app: &TestApp, record: i64, lines: Value) -> Resp {
    app.put(
        &format!("/api/v1/medical-records/{record}"),
        &app.token('a', Role::Doctor).await,
        json!({"diagnosis": "急性扁桃体炎", "prescription": lines}),
    )
    .await
}

fn usage(dose: &str, unit: &str, frequency: &str, days: u32) -> Value {
    json!({"dose": dose, "dose_unit": unit, "route": "ORAL", "frequency": frequency, "days": days})
}

async fn a_course_is_counted_in_whole_packs_from_the_catalogue(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    pack_amoxicillin(&app, &clinic).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, schedule, "SELF_PAY", &[]).await;

    // 500 mg = 2 capsules, three times a day for 5 days: 30 capsules, 2 boxes. The lab test keeps its quantity.
    let written = write(
        &app,
        record,
        json!([{"charge_item_id": clinic.drug_id, "usage": usage("500", "mg", "TID", 5)},
               {"charge_item_id": clinic.lab_item_id, "quantity": "1"}]),
    )
    .await;
    assert_eq!(written.status, 200, "{:?}", written.body);
    let drug = &written.body["prescription"][0];
    assert_eq!(s(&drug["quantity"]), "2.0000");
    assert_eq!(
        drug["usage"],
        json!({"dose": "500", "dose_unit": "mg", "route": "ORAL", "frequency": "TID", "days": 5})
    );
    assert_eq!(written.body["prescription"][1]["usage"], Value::Null);
    // The bill charges what is dispensed: 2 boxes at 12.35.
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    let line = bill.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item_code"] == "DRUG-AMOX")
        .unwrap();
    assert_eq!(
        (s(&line["quantity"]), s(&line["amount"])),
        ("2.0000", "24.7000")
    );

    // The doctor's own quantity stands, with the usage printed beside it.
    let record = visit(&app, &clinic, schedule, "SELF_PAY", &[]).await;
    let written = write(
        &app,
        record,
        json!([{"charge_item_id": clinic.drug_id, "quantity": "1", "usage": usage("250", "mg", "BID", 3)}]),
    )
    .await;
    assert_eq!(s(&written.body["prescription"][0]["quantity"]), "1.0000");
    // Read back, the record is the same.
    let read = app
        .get(
            &format!("/api/v1/medical-records/{record}"),
            &app.token('a', Role::Doctor).await,
        )
        .await;
    assert_eq!(read.body["prescription"], written.body["prescription"]);
}

async fn usage_and_packing_are_validated(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, schedule, "SELF_PAY", &[]).await;
    let drug = clinic.drug_id;

    // Without a packing in the catalogue, the quantity cannot be counted.
    let resp = write(
        &app,
        record,
        json!([{"charge_item_id": drug, "usage": usage("500", "mg", "TID", 5)}]),
    )
    .await;
    assert_invalid(&resp, "prescription[0].quantity");
    pack_amoxicillin(&app, &clinic).await;
    // PRN is counted by the doctor; a dose in grams is not the catalogue's milligrams.
    for u in [usage("500", "mg", "PRN", 5), usage("0.5", "g", "TID", 5)] {
        let resp = write(&app, record, json!([{"charge_item_id": drug, "usage": u}])).await;
        assert_invalid(&resp, "prescription[0].quantity");
    }
    let resp = write(
        &app,
        record,
        json!([{"charge_item_id": drug, "usage":
            {"dose": "0", "dose_unit": " ", "route": "MOUTH", "frequency": "TDS", "days": 0}}]),
    )
    .await;
    for field in ["dose", "dose_unit", "route", "frequency", "days"] {
        assert_invalid(&resp, &format!("prescription[0].usage.{field}"));
    }
    let resp = write(
        &app,
        record,
        json!([{"charge_item_id": drug, "usage": usage("500", "mg", "TID", 91)}]),
    )
    .await;
    assert_invalid(&resp, "prescription[0].usage.days");

    let admin = app.admin().await;
    let path = format!("/api/v1/charge-items/{drug}");
    let item = app.get(&path, &admin).await.body;
    let resp = app
        .put(
            &path,
            &admin,
            json!({"item_code": item["item_code"], "item_name": item["item_name"],
                   "item_category": "DRUG", "unit_price": "12.35",
                   "packing": {"dose_unit": "", "unit_dose": "0", "pack_units": 0}}),
        )
        .await;
    for field in [
        "packing.dose_unit",
        "packing.unit_dose",
        "packing.pack_units",
    ] {
        assert_invalid(&resp, field);
    }
}
