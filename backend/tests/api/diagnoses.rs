//! The diagnosis dictionary: an administrator keeps it (one by one or from a CSV file, all or nothing), doctors
//! search it, and a record keeps the coded diagnoses it was written with, one of them primary.
use crate::{
    clinic::{self, Clinic, all, visit},
    db_tests,
    fixtures::{assert_duplicate, assert_invalid},
    helpers::{Resp, TestApp},
    imports::upload,
};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};

db_tests!(
    the_dictionary_is_kept_and_searched,
    a_file_is_imported_whole_or_not_at_all_and_again_changes_nothing,
    the_same_file_imported_twice_at_once_adds_each_code_once,
    one_code_added_many_times_at_once_is_added_once,
    a_record_keeps_its_coded_diagnoses_as_they_were_written,
);

const DIAGNOSES: &str = "/api/v1/diagnoses";
const IMPORT: &str = "/api/v1/diagnoses/import";

async fn add(app: &TestApp, code: &str, name: &str) -> i64 {
    let resp = app
        .post(
            DIAGNOSES,
            &app.admin().await,
            json!({"code": code, "name": name}),
        )
        .await;
    assert_eq!(resp.status, 201, "{:?}", resp.body);
    resp.body["id"].as_i64().unwrap()
}

fn codes(list: &Resp) -> Vec<&str> {
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

async fn the_dictionary_is_kept_and_searched(app: TestApp) {
    let admin = app.admin().await;
    let doctor = app.token('a', Role::Doctor).await;
    add(&app, "J06.9", "急性上呼吸道感染").await;
    add(&app, "J20.9", "急性支气管炎").await;
    let htn = add(&app, "I10", "原发性高血压").await;
    assert_duplicate(
        &app.post(DIAGNOSES, &admin, json!({"code": "I10", "name": "高血压"}))
            .await,
        "code",
    );
    assert_invalid(
        &app.post(DIAGNOSES, &admin, json!({"code": "J 06", "name": " "}))
            .await,
        "code",
    );

    // By the start of a code in any case, or by a part of a name; sorted by code.
    for (q, expected) in [
        ("j", vec!["J06.9", "J20.9"]),
        ("J06", vec!["J06.9"]),
        ("急性", vec!["J06.9", "J20.9"]),
        ("高血压", vec!["I10"]),
        ("06.9", vec![]),
    ] {
        let found = app.get(&format!("{DIAGNOSES}?q={q}"), &doctor).await;
        assert_eq!(codes(&found), expected, "q={q}");
    }
    // Retired, it is no longer offered to doctors who ask for the active ones.
    let path = format!("{DIAGNOSES}/{htn}");
    let retired = app
        .put(
            &path,
            &admin,
            json!({"code": "I10", "name": "原发性高血压", "is_active": false}),
        )
        .await;
    assert_eq!(retired.status, 200, "{:?}", retired.body);
    assert_eq!(
        codes(
            &app.get(&format!("{DIAGNOSES}?is_active=true"), &doctor)
                .await
        ),
        ["J06.9", "J20.9"]
    );
    // Another hospital sees none of it.
    let other = app.token('b', Role::Doctor).await;
    assert_eq!(app.get(DIAGNOSES, &other).await.body["total"], 0);
    assert_eq!(app.get(&path, &other).await.status, 404);
    assert_eq!(app.delete(&path, &admin).await.body["outcome"], "DELETED");
    assert_eq!(app.get(&path, &admin).await.status, 404);
}

async fn a_file_is_imported_whole_or_not_at_all_and_again_changes_nothing(app: TestApp) {
    let admin = app.admin().await;
    add(&app, "I10", "高血压").await;
    let bad = "code,name\nJ06.9,急性上呼吸道感染\nJ06.9,上感\nbad code,某病\nE11.9,\nK29.5\n";
    let refused = upload(&app, IMPORT, &admin, bad).await;
    refused.assert_problem(422, "IMPORT_REJECTED");
    assert_eq!(
        refused.body["report"]["errors"],
        json!([
            {"row": 3, "field": "code", "reason": "J06.9 is already on line 2"},
            {"row": 4, "field": "code", "reason": "may contain only letters, digits, '-', '_' and '.'"},
            {"row": 5, "field": "name", "reason": "must not be empty"},
            {"row": 6, "field": "", "reason": "has 1 fields; expected 2 (code,name)"},
        ]),
        "{:#}",
        refused.body
    );
    assert_eq!(
        app.get(DIAGNOSES, &admin).await.body["total"],
        1,
        "nothing written"
    );

    // A BOM and the columns in another order are fine; a known code takes the file's name.
    let good = "\u{feff}name,code\n急性上呼吸道感染,J06.9\n原发性高血压,I10\n\n2型糖尿病,E11.9\n";
    let imported = upload(&app, IMPORT, &admin, good).await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(
        imported.body,
        json!({"rows": 3, "created": 2, "updated": 1, "unchanged": 0})
    );
    let again = upload(&app, IMPORT, &admin, good).await;
    assert_eq!(
        again.body,
        json!({"rows": 3, "created": 0, "updated": 0, "unchanged": 3})
    );
    let listed = app.get(&format!("{DIAGNOSES}?q=I10"), &admin).await;
    assert_eq!(listed.body["items"][0]["name"], "原发性高血压");
    assert_eq!(
        codes(&app.get(DIAGNOSES, &admin).await),
        ["E11.9", "I10", "J06.9"]
    );

    for (file, reason) in [
        ("", "the file is empty; expected the header code,name"),
        (
            "code,title\nI10,x\n",
            "the header must be code,name; found code,title",
        ),
    ] {
        let resp = upload(&app, IMPORT, &admin, file).await;
        resp.assert_problem(422, "IMPORT_REJECTED");
        assert_eq!(resp.body["report"]["errors"][0]["reason"], reason);
    }
    // Only an administrator imports.
    let doctor = app.token('a', Role::Doctor).await;
    assert_eq!(upload(&app, IMPORT, &doctor, good).await.status, 403);
}

async fn the_same_file_imported_twice_at_once_adds_each_code_once(app: TestApp) {
    let admin = app.admin().await;
    let file: String = std::iter::once("code,name".to_owned())
        .chain((0..300).map(|n| format!("X{n:03},诊断{n}")))
        .collect::<Vec<_>>()
        .join("\n");
    let results = all((0..4).map(|_| upload(&app, IMPORT, &admin, file.clone()))).await;
    let mut created = 0;
    for r in &results {
        assert_eq!(r.status, 200, "{:?}", r.body);
        created += r.body["created"].as_u64().unwrap();
    }
    assert_eq!(created, 300);
    assert_eq!(app.get(DIAGNOSES, &admin).await.body["total"], 300);
}

async fn one_code_added_many_times_at_once_is_added_once(app: TestApp) {
    let admin = app.admin().await;
    let results = all((0..6).map(|n| {
        app.post(
            DIAGNOSES,
            &admin,
            json!({"code": "J06.9", "name": format!("上感{n}")}),
        )
    }))
    .await;
    let created: Vec<&Resp> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 201) {
        assert_duplicate(r, "code");
    }
    let listed = app.get(DIAGNOSES, &admin).await;
    assert_eq!(codes(&listed), ["J06.9"]);
    assert_eq!(listed.body["items"][0]["name"], created[0].body["name"]);
}

async fn write(app: &TestApp, record: i64, diagnoses: Value) -> Resp {
    app.put(
        &format!("/api/v1/medical-records/{record}"),
        &app.token('a', Role::Doctor).await,
        json!({"diagnosis": "咽痛三天", "diagnoses": diagnoses}),
    )
    .await
}

async fn a_record_keeps_its_coded_diagnoses_as_they_were_written(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let urti = add(&app, "J06.9", "急性上呼吸道感染").await;
    let fever = add(&app, "R50.9", "发热").await;
    let retired = add(&app, "Z71.9", "门诊咨询").await;
    app.put(
        &format!("{DIAGNOSES}/{retired}"),
        &admin,
        json!({"code": "Z71.9", "name": "门诊咨询", "is_active": false}),
    )
    .await;
    let theirs = app
        .post(
            DIAGNOSES,
            &app.token('b', Role::Admin).await,
            json!({"code": "J06.9", "name": "上感"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let record = visit(&app, &clinic, schedule, "SELF_PAY", &[]).await;

    for (diagnoses, field) in [
        (
            json!([{"diagnosis_id": urti}, {"diagnosis_id": fever}]),
            "diagnoses",
        ),
        (
            json!([{"diagnosis_id": urti, "primary": true}, {"diagnosis_id": fever, "primary": true}]),
            "diagnoses",
        ),
        (
            json!([{"diagnosis_id": urti, "primary": true}, {"diagnosis_id": urti}]),
            "diagnoses[1].diagnosis_id",
        ),
        (
            json!([{"diagnosis_id": fever}, {"diagnosis_id": retired, "primary": true}]),
            "diagnoses[1].diagnosis_id",
        ),
        (
            json!([{"diagnosis_id": theirs, "primary": true}]),
            "diagnoses[0].diagnosis_id",
        ),
        (
            json!([{"diagnosis_id": 999_999, "primary": true}]),
            "diagnoses[0].diagnosis_id",
        ),
    ] {
        assert_invalid(&write(&app, record, diagnoses.clone()).await, field);
    }

    // The primary comes first, the free text stays beside the codes.
    let written = write(
        &app,
        record,
        json!([{"diagnosis_id": fever}, {"diagnosis_id": urti, "primary": true}]),
    )
    .await;
    assert_eq!(written.status, 200, "{:?}", written.body);
    let expected = json!([
        {"diagnosis_id": urti, "code": "J06.9", "name": "急性上呼吸道感染", "primary": true},
        {"diagnosis_id": fever, "code": "R50.9", "name": "发热", "primary": false},
    ]);
    assert_eq!(written.body["diagnoses"], expected);
    assert_eq!(written.body["diagnosis"], "咽痛三天");

    // A later correction of the dictionary, or the entry's removal, leaves the record as it was written.
    app.put(
        &format!("{DIAGNOSES}/{urti}"),
        &admin,
        json!({"code": "J06.9", "name": "上呼吸道感染"}),
    )
    .await;
    assert_eq!(
        app.delete(&format!("{DIAGNOSES}/{fever}"), &admin)
            .await
            .status,
        200
    );
    let read = app
        .get(
            &format!("/api/v1/medical-records/{record}"),
            &app.token('a', Role::Doctor).await,
        )
        .await;
    assert_eq!(read.body["diagnoses"], expected);
    // And a record may have none.
    let cleared = write(&app, record, json!([])).await;
    assert_eq!(cleared.body["diagnoses"], json!([]));
}
