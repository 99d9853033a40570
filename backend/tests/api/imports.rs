//! CSV imports over HTTP: charge lines land with exact values and only once; a file with bad rows is refused
//! whole with its report; monthly inputs upsert; multipart and header problems answer problem JSON; and the
//! charge generator's output imports cleanly.
use crate::{
    clinic::{self, Clinic},
    db_tests,
    fixtures::create_department,
    helpers::{Backend, Resp, TestApp},
};
use hospital::{
    domain::foundation::role::Role,
    entities::{
        accounting::charge_detail, accounting::workload_record, foundation::audit_log,
        outpatient::billing_line,
    },
    seed::charge_generator::{self, Catalogue, CatalogueItem, Generator},
    services::accounting::imports::Silent,
};
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

pub const HEADER: &str = "source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,item_name,item_category,quantity,amount,charged_at";

/// Sends `bytes` as the `file` part of a multipart body.
pub async fn upload(app: &TestApp, path: &str, token: &str, bytes: impl Into<Vec<u8>>) -> Resp {
    let part = Part::bytes(bytes.into())
        .file_name("upload.csv")
        .mime_str("text/csv")
        .unwrap();
    let req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part));
    TestApp::read(req.send().await.unwrap()).await
}

async fn analyst(app: &TestApp) -> String {
    app.token('a', Role::Analyst).await
}

async fn charges_of(app: &TestApp, hospital_id: i64) -> Vec<charge_detail::Model> {
    charge_detail::Entity::find()
        .filter(charge_detail::Column::HospitalId.eq(hospital_id))
        .order_by_asc(charge_detail::Column::SourceLineId)
        .all(&app.db)
        .await
        .unwrap()
}

async fn audit_entries(app: &TestApp, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// The report's problems as (row, field, reason).
fn problems(resp: &Resp) -> Vec<(u64, String, String)> {
    resp.assert_problem(422, "IMPORT_REJECTED");
    resp.body["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn rows_and_fields(resp: &Resp) -> Vec<(u64, String)> {
    problems(resp)
        .into_iter()
        .map(|(row, field, _)| (row, field))
        .collect()
}

db_tests!(
    a_charge_file_lands_with_exact_values_and_only_once,
    a_file_with_bad_rows_is_refused_whole_with_its_report,
    a_repeated_line_id_must_repeat_the_same_line,
    header_problems_are_named,
    multipart_problems_answer_problem_json,
    monthly_inputs_replace_the_value_of_a_key,
    monthly_inputs_are_validated,
    generated_lines_import_cleanly_and_only_once,
    imported_lines_named_like_payments_keep_to_their_own_ids,
    a_huge_row_is_refused_where_it_starts,
    every_upload_without_a_file_answers_the_documented_problem,
    the_import_history_names_who_imported_what_into_which_periods,
);

/// A byte-order mark, Chinese business types, a quoted name with a comma, a refund, an RFC 3339 time, no
/// category, and a local time past midnight that belongs to the next month.
fn good_file() -> String {
    format!(
        "\u{feff}{HEADER}\n\
         HIS-0001,门诊,INT,LAB,LAB-001,血常规,LAB,1,20.5,2026-03-05 09:15:00\n\
         HIS-0002,住院,SUR,PHA,DRG-010,\"头孢, 注射用\",DRUG,3,123.4567,2026-03-06T10:00:00+08:00\n\
         HIS-0003,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,-1,-20.5,2026-03-07 11:00:00\n\
         HIS-0004,inpatient,SUR,SUR,OPS-1,清创缝合术,,0.5,300,2026-04-01 00:30:00\n"
    )
}

async fn a_charge_file_lands_with_exact_values_and_only_once(app: TestApp) {
    let token = analyst(&app).await;
    let resp = upload(&app, "/api/v1/imports/charges", &token, good_file()).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["rows"], 4);
    assert_eq!(resp.body["inserted"], 4);
    assert_eq!(resp.body["already_present"], 0);
    assert_eq!(
        resp.body["periods"],
        json!([{"period": "2026-03", "rows": 3}, {"period": "2026-04", "rows": 1}])
    );

    let rows = charges_of(&app, app.hospital_a).await;
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.source_line_id.as_str(),
                r.business_type.as_str(),
                r.prescribing_dept_code.as_str(),
                r.executing_dept_code.as_str(),
                r.item_name.as_str(),
                r.item_category.as_deref(),
                r.quantity.scaled(),
                r.amount.scaled(),
                r.charged_at.to_rfc3339(),
                r.period.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "HIS-0001",
                "OUTPATIENT",
                "INT",
                "LAB",
                "血常规",
                Some("LAB"),
                10_000,
                205_000,
                "2026-03-05T01:15:00+00:00".to_owned(),
                "2026-03".to_owned()
            ),
            (
                "HIS-0002",
                "INPATIENT",
                "SUR",
                "PHA",
                "头孢, 注射用",
                Some("DRUG"),
                30_000,
                1_234_567,
                "2026-03-06T02:00:00+00:00".to_owned(),
                "2026-03".to_owned()
            ),
            (
                "HIS-0003",
                "OUTPATIENT",
                "INT",
                "LAB",
                "血常规",
                Some("LAB"),
                -10_000,
                -205_000,
                "2026-03-07T03:00:00+00:00".to_owned(),
                "2026-03".to_owned()
            ),
            (
                "HIS-0004",
                "INPATIENT",
                "SUR",
                "SUR",
                "清创缝合术",
                None,
                5_000,
                3_000_000,
                "2026-03-31T16:30:00+00:00".to_owned(),
                "2026-04".to_owned()
            ),
        ]
    );
    assert!(rows.iter().all(|r| r.billing_id.is_none()));

    // The same file again changes nothing, not even the stored rows.
    let again = upload(&app, "/api/v1/imports/charges", &token, good_file()).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        (
            again.body["inserted"].as_u64(),
            again.body["already_present"].as_u64()
        ),
        (Some(0), Some(4))
    );
    assert_eq!(charges_of(&app, app.hospital_a).await, rows);

    // A later file with one new line adds just that line; its repeats keep their first values.
    let more = format!(
        "{HEADER}\nHIS-0001,门诊,INT,LAB,LAB-001,血常规,LAB,1,20.5,2026-03-05 09:15:00\n\
         HIS-0005,门诊,GP,GP,REG-1,挂号费,REGISTRATION,1,8,2026-03-08 08:00:00\n"
    );
    let resp = upload(&app, "/api/v1/imports/charges", &app.admin().await, more).await;
    assert_eq!(
        (
            resp.body["inserted"].as_u64(),
            resp.body["already_present"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(charges_of(&app, app.hospital_a).await.len(), 5);
    assert!(charges_of(&app, app.hospital_b).await.is_empty());

    let audited = audit_entries(&app, "IMPORT_CHARGES").await;
    assert_eq!(audited.len(), 3);
    assert!(
        audited
            .iter()
            .all(|e| e.outcome == "SUCCESS" && e.resource_type.as_deref() == Some("import"))
    );
    assert_eq!(audited[0].resource_id.as_deref(), resp_sha(&again));
    let detail: Value = serde_json::from_str(audited[1].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["already_present"], 4);
    assert_eq!(detail["file_name"], "upload.csv");
}

fn resp_sha(resp: &Resp) -> Option<&str> {
    resp.body["sha256"].as_str()
}

async fn a_file_with_bad_rows_is_refused_whole_with_its_report(app: TestApp) {
    let token = analyst(&app).await;
    let file = format!(
        "{HEADER}\n\
         L1,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20,2026-03-05 09:15:00\n\
         L2,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20.00001,2026-03-05 09:15:00\n\
         L3,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20,2026-03-05 09:15:00\n\
         L4,ER,INT,LAB,LAB-001,血常规,LAB,2,-20,2026-03-32 09:15:00\n\
         \n\
         L5,OUTPATIENT,INT,LAB\n\
         ,OUTPATIENT,{long},LAB,LAB-001,\"multi\nline\",LAB,1,20,2026-03-05 09:15:00\n\
         L7,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20,2026-03-05 09:15:00\n",
        long = "D".repeat(33)
    );
    let resp = upload(&app, "/api/v1/imports/charges", &token, file).await;
    let got = problems(&resp);
    assert_eq!(
        got,
        [
            (
                3,
                "amount".into(),
                "must have at most 4 decimal places".into()
            ),
            (
                5,
                "business_type".into(),
                "must be OUTPATIENT or INPATIENT (门诊 or 住院)".into()
            ),
            (
                5,
                "charged_at".into(),
                "must be YYYY-MM-DD HH:MM:SS (hospital time) or RFC 3339 with an offset".into()
            ),
            (
                5,
                "quantity".into(),
                "must not have the opposite sign of amount (a refund is negative in both)".into()
            ),
            (
                7,
                "".into(),
                "the row has 4 fields; the header has 10".into()
            ),
            (8, "source_line_id".into(), "must not be empty".into()),
            (
                8,
                "prescribing_dept_code".into(),
                "must be at most 32 characters".into()
            ),
            (
                8,
                "item_name".into(),
                "must not contain control characters".into()
            ),
        ]
    );
    assert_eq!(resp.body["report"]["rows"], 7);
    assert_eq!(resp.body["report"]["error_count"], 8);
    assert_eq!(resp.body["report"]["errors_not_listed"], 0);
    assert!(charges_of(&app, app.hospital_a).await.is_empty());
    let audited = audit_entries(&app, "IMPORT_CHARGES").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].outcome, "FAILURE");

    // A file with more bad rows than the report lists counts the rest.
    let mut many = format!("{HEADER}\n");
    for i in 0..1_005 {
        many.push_str(&format!(
            "X{i},OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,oops,2026-03-05 09:15:00\n"
        ));
    }
    let resp = upload(&app, "/api/v1/imports/charges", &token, many).await;
    resp.assert_problem(422, "IMPORT_REJECTED");
    assert_eq!(
        resp.body["report"]["errors"].as_array().unwrap().len(),
        1_000
    );
    assert_eq!(resp.body["report"]["errors_not_listed"], 5);
    assert_eq!(resp.body["report"]["error_count"], 1_005);
    assert_eq!(resp.body["report"]["errors"][999]["row"], 1_001);
    assert!(charges_of(&app, app.hospital_a).await.is_empty());
}

async fn a_repeated_line_id_must_repeat_the_same_line(app: TestApp) {
    let token = analyst(&app).await;
    let line = "D1,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20,2026-03-05 09:15:00";
    let differing = format!(
        "{HEADER}\n{line}\nD2,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,20,2026-03-05 09:15:00\n\
         D1,OUTPATIENT,INT,LAB,LAB-001,血常规,LAB,1,25,2026-03-05 09:15:00\n{line}\n"
    );
    let resp = upload(&app, "/api/v1/imports/charges", &token, differing).await;
    assert_eq!(
        problems(&resp),
        [(
            4,
            "source_line_id".into(),
            "D1 is also on line 2, with different content".into()
        )]
    );
    assert!(charges_of(&app, app.hospital_a).await.is_empty());

    // The same line twice (HIS exports repeat lines) is imported once; `1.0` and `1` are one value.
    let repeated = format!(
        "{HEADER}\n{line}\n{}\n",
        line.replace(",1,20,", ",1.0,20.0000,")
    );
    let resp = upload(&app, "/api/v1/imports/charges", &token, repeated).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        (
            resp.body["inserted"].as_u64(),
            resp.body["already_present"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(charges_of(&app, app.hospital_a).await.len(), 1);
}

async fn header_problems_are_named(app: TestApp) {
    let token = analyst(&app).await;
    let renamed = HEADER.replace("item_category", "category");
    let file = format!("{renamed}\nA,OUTPATIENT,INT,LAB,LAB-001,n,LAB,1,1,2026-03-05 09:15:00\n");
    let resp = upload(&app, "/api/v1/imports/charges", &token, file).await;
    assert_eq!(
        rows_and_fields(&resp),
        [(1, "category".into()), (1, "item_category".into())]
    );
    assert_eq!(resp.body["report"]["rows"], 1);

    let resp = upload(&app, "/api/v1/imports/charges", &token, "").await;
    assert_eq!(rows_and_fields(&resp), [(1, "".into())]);

    // Columns may come in any order and any case.
    let reordered = "CHARGED_AT,amount,quantity,item_category,item_name,item_code,executing_dept_code,prescribing_dept_code,business_type,source_line_id\n\
                     2026-03-05 09:15:00,1,1,LAB,n,LAB-001,LAB,INT,OUTPATIENT,R1\n";
    let resp = upload(&app, "/api/v1/imports/charges", &token, reordered).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        charges_of(&app, app.hospital_a).await[0].executing_dept_code,
        "LAB"
    );

    let workload = upload(
        &app,
        "/api/v1/imports/workload",
        &token,
        "period,department_code,node_code,amount\n",
    )
    .await;
    assert_eq!(
        rows_and_fields(&workload),
        [(1, "amount".into()), (1, "quantity".into())]
    );
}

async fn multipart_problems_answer_problem_json(app: TestApp) {
    let token = analyst(&app).await;
    let json = app.post("/api/v1/imports/charges", &token, json!({})).await;
    json.assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");

    let no_file = app
        .client
        .post(app.url("/api/v1/imports/costs"))
        .bearer_auth(&token)
        .multipart(Form::new().text("note", "no file here"))
        .send()
        .await
        .unwrap();
    let no_file = TestApp::read(no_file).await;
    no_file.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        no_file.field_errors().contains_key("file"),
        "{:?}",
        no_file.body
    );

    let garbage = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .bearer_auth(&token)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .body("this is not a multipart body")
        .send()
        .await
        .unwrap();
    TestApp::read(garbage)
        .await
        .assert_problem(400, "MALFORMED_MULTIPART");

    let no_boundary = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .bearer_auth(&token)
        .header("content-type", "multipart/form-data")
        .body("--x\r\n")
        .send()
        .await
        .unwrap();
    TestApp::read(no_boundary)
        .await
        .assert_problem(400, "MALFORMED_MULTIPART");

    let anonymous = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .send()
        .await
        .unwrap();
    TestApp::read(anonymous)
        .await
        .assert_problem(401, "UNAUTHORIZED");
    let front_desk = upload(
        &app,
        "/api/v1/imports/charges",
        &app.front_desk().await,
        good_file(),
    )
    .await;
    front_desk.assert_problem(403, "FORBIDDEN");
    assert!(charges_of(&app, app.hospital_a).await.is_empty());
}

/// The upload limit is enforced while streaming as well as from the declared length.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upload_over_the_limit_is_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.max_upload_bytes = 1_500)
        .await
        .unwrap();
    let token = analyst(&app).await;
    let big = format!("{HEADER}\n{}", "x".repeat(2_000));
    upload(&app, "/api/v1/imports/charges", &token, big.clone())
        .await
        .assert_problem(413, "PAYLOAD_TOO_LARGE");
    // A chunked body declares no length.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(100)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let part = Part::stream(body).file_name("big.csv");
    let resp = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    TestApp::read(resp)
        .await
        .assert_problem(413, "PAYLOAD_TOO_LARGE");
    let fits = upload(&app, "/api/v1/imports/charges", &token, good_file()).await;
    assert_eq!(fits.status, 200, "{:?}", fits.body);
}

async fn departments(app: &TestApp) {
    let admin = app.admin().await;
    create_department(app, &admin, "INT", "内科").await;
    create_department(app, &admin, "SUR", "外科").await;
}

async fn monthly_inputs_replace_the_value_of_a_key(app: TestApp) {
    departments(&app).await;
    let token = analyst(&app).await;
    let first = "period,department_code,node_code,quantity\n\
                 2026-03,INT,dim-nur-bed,312\n\
                 2026-03,SUR,dim-nur-bed,120.5\n\
                 2026-02,INT,dim-nur-bed,300\n";
    let resp = upload(&app, "/api/v1/imports/workload", &token, first).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        (
            resp.body["inserted"].as_u64(),
            resp.body["updated"].as_u64()
        ),
        (Some(3), Some(0))
    );
    assert_eq!(
        resp.body["periods"],
        json!([{"period": "2026-02", "rows": 1}, {"period": "2026-03", "rows": 2}])
    );

    let second = "period,department_code,node_code,quantity\n\
                  2026-03,INT,dim-nur-bed,315.25\n\
                  2026-03,INT,dim-nur-op,8\n";
    let resp = upload(&app, "/api/v1/imports/workload", &token, second).await;
    assert_eq!(
        (
            resp.body["inserted"].as_u64(),
            resp.body["updated"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let stored = workload_record::Entity::find()
        .filter(workload_record::Column::HospitalId.eq(app.hospital_a))
        .filter(workload_record::Column::Period.eq("2026-03"))
        .order_by_asc(workload_record::Column::DepartmentCode)
        .order_by_asc(workload_record::Column::NodeCode)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.department_code, r.node_code, r.quantity.scaled()))
        .collect::<Vec<_>>();
    assert_eq!(
        stored,
        [
            ("INT".into(), "dim-nur-bed".into(), 3_152_500),
            ("INT".into(), "dim-nur-op".into(), 80_000),
            ("SUR".into(), "dim-nur-bed".into(), 1_205_000),
        ]
    );

    let list = app
        .get(
            "/api/v1/workload-records?period=2026-03&department_code=INT&sort=-value",
            &token,
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["items"][0]["node_code"], "dim-nur-bed");
    assert_eq!(list.body["items"][0]["quantity"], "315.2500");
    assert_eq!(list.body["items"][1]["quantity"], "8.0000");
    let all = app.get("/api/v1/workload-records", &token).await;
    assert_eq!(all.body["total"], 4);
    assert_eq!(all.body["items"][0]["period"], "2026-03");
    let other = app
        .get(
            "/api/v1/workload-records",
            &app.token('b', Role::Analyst).await,
        )
        .await;
    assert_eq!(other.body["total"], 0);

    // Costs and orientation values go the same way; an orientation actual may be negative.
    let costs = "period,department_code,node_code,amount\n2026-03,INT,dim-cost-staff,182000.5\n";
    let resp = upload(&app, "/api/v1/imports/costs", &token, costs).await;
    assert_eq!(resp.body["inserted"], 1, "{:?}", resp.body);
    let list = app.get("/api/v1/cost-records?period=2026-03", &token).await;
    assert_eq!(list.body["items"][0]["amount"], "182000.5000");
    let actuals =
        "period,department_code,node_code,actual_value\n2026-03,SUR,dim-doc-out-eval-1,-0.125\n";
    let resp = upload(&app, "/api/v1/imports/orientation-values", &token, actuals).await;
    assert_eq!(resp.body["inserted"], 1, "{:?}", resp.body);
    let again = upload(&app, "/api/v1/imports/orientation-values", &token, actuals).await;
    assert_eq!(
        (
            again.body["inserted"].as_u64(),
            again.body["updated"].as_u64()
        ),
        (Some(0), Some(1))
    );
    let list = app
        .get(
            "/api/v1/orientation-values?node_code=dim-doc-out-eval-1",
            &token,
        )
        .await;
    assert_eq!(list.body["items"][0]["actual_value"], "-0.1250");
    assert_eq!(list.body["total"], 1);

    for action in [
        "IMPORT_WORKLOAD",
        "IMPORT_COSTS",
        "IMPORT_ORIENTATION_VALUES",
    ] {
        assert!(!audit_entries(&app, action).await.is_empty(), "{action}");
    }
}

async fn monthly_inputs_are_validated(app: TestApp) {
    departments(&app).await;
    let token = analyst(&app).await;
    let bad = "period,department_code,node_code,amount\n\
               2026-3,INT,dim-cost-staff,1\n\
               2026-03,ICU,dim-cost-staff,1\n\
               2026-03,INT,dim-cost-staff,-5\n\
               2026-03,SUR,dim-cost-staff,5\n\
               2026-03,SUR,dim-cost-staff,6\n";
    let resp = upload(&app, "/api/v1/imports/costs", &token, bad).await;
    assert_eq!(
        problems(&resp),
        [
            (
                2,
                "period".into(),
                "must be a month written YYYY-MM (e.g. 2026-03)".into()
            ),
            (
                3,
                "department_code".into(),
                "no department of your hospital has this code".into()
            ),
            (4, "amount".into(), "must not be negative".into()),
            (
                6,
                "node_code".into(),
                "the period, department and node are also on line 5, with a different amount"
                    .into()
            ),
        ]
    );
    let stored = hospital::entities::accounting::cost_record::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    let list = app.get("/api/v1/cost-records?period=March", &token).await;
    list.assert_problem(422, "VALIDATION_FAILED");
    let list = app.get("/api/v1/cost-records?sort=amount", &token).await;
    list.assert_problem(422, "VALIDATION_FAILED");
}

fn demo_like_catalogue() -> Catalogue {
    let item = |code: &str, category: &str, price: i64, executing: Option<&str>| CatalogueItem {
        code: code.into(),
        name: format!("项目 {code}"),
        category: category.into(),
        unit_price: price,
        executing: executing.map(Into::into),
    };
    Catalogue::new(
        ["INT", "SUR", "LAB", "RAD", "PHA"]
            .map(String::from)
            .to_vec(),
        vec![
            item("REG-1", "REGISTRATION", 120_000, None),
            item("LAB-1", "LAB", 250_000, Some("LAB")),
            item("IMG-1", "IMAGING", 1_205_000, Some("RAD")),
            item("DRG-1", "DRUG", 33_333, Some("PHA")),
            item("SUR-1", "SURGERY", 8_000_000, Some("SUR")),
        ],
    )
    .unwrap()
}

async fn generated_lines_import_cleanly_and_only_once(app: TestApp) {
    let period = "2026-03".parse().unwrap();
    let generator = Generator::new(demo_like_catalogue(), period, chrono_tz::Asia::Shanghai, 11);
    let count = 3_000;
    let mut csv = Vec::new();
    charge_generator::write_csv(&generator, count, &mut csv, &Silent).unwrap();
    let mut again = Vec::new();
    charge_generator::write_csv(&generator, count, &mut again, &Silent).unwrap();
    assert_eq!(csv, again, "the same seed writes the same file");

    let token = analyst(&app).await;
    let resp = upload(&app, "/api/v1/imports/charges", &token, csv.clone()).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["inserted"], count);
    let rows = charges_of(&app, app.hospital_a).await;
    let expected: i64 = (0..count).map(|n| generator.line(n).amount.scaled()).sum();
    assert_eq!(
        rows.iter().map(|r| r.amount.scaled()).sum::<i64>(),
        expected
    );
    assert!(rows.iter().any(|r| r.amount.scaled() < 0), "some refunds");

    // Inserting the same lines straight from the generator finds them all present.
    let summary =
        charge_generator::insert(&app.db, app.hospital_a, &generator, count + 500, &Silent)
            .await
            .unwrap();
    assert_eq!((summary.inserted, summary.already_present), (500, count));
    let resp = upload(&app, "/api/v1/imports/charges", &token, csv).await;
    assert_eq!(resp.body["already_present"], count);
    assert_eq!(
        charges_of(&app, app.hospital_a).await.len() as u64,
        count + 500
    );
}

/// A bill paid and a bill still open, each with its lines (their `charge_details` ids are `OP-<line>`).
async fn paid_and_pending_bills(app: &TestApp, clinic: &Clinic) -> (i64, i64, Vec<i64>, Vec<i64>) {
    let (today, _) = clinic::today_schedule(app, clinic.doctor_id, 10).await;
    let mut bills = Vec::new();
    for _ in 0..2 {
        let patient = clinic.patient(app, "EMPLOYEE").await;
        let (_, record) = clinic::walk_in(app, patient, today).await;
        let written = clinic::write_record(app, record, &[(clinic.drug_id, "1")]).await;
        assert_eq!(written.status, 200, "{:?}", written.body);
        let bill = clinic::bill(app, record, None).await;
        assert_eq!(bill.status, 201, "{:?}", bill.body);
        let id = bill.body["id"].as_i64().unwrap();
        let lines = billing_line::Entity::find()
            .filter(billing_line::Column::BillingId.eq(id))
            .order_by_asc(billing_line::Column::Id)
            .all(&app.db)
            .await
            .unwrap();
        bills.push((id, lines.iter().map(|l| l.id).collect::<Vec<_>>()));
    }
    let paid = clinic::pay(app, bills[0].0, Some("paid-first"), "CASH").await;
    assert_eq!(paid.status, 200, "{:?}", paid.body);
    let (paid, paid_lines) = bills.remove(0);
    let (pending, pending_lines) = bills.remove(0);
    (paid, pending, paid_lines, pending_lines)
}

/// A HIS file may name its lines `OP-…` like the rows a payment writes: the file's lines all land, the
/// paid bill's rows stay as they were, importing the file again adds nothing, and the open bill whose line
/// ids the file took is still paid (and refunded) with rows of its own.
async fn imported_lines_named_like_payments_keep_to_their_own_ids(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (paid, pending, paid_lines, pending_lines) = paid_and_pending_bills(&app, &clinic).await;
    let paid_rows = clinic::charge_rows(&app, paid).await;
    assert_eq!(paid_rows.len(), 3, "{paid_rows:?}");

    let mut file = format!("{HEADER}\n");
    let mut ids = Vec::new();
    for line in paid_lines.iter().chain(&pending_lines) {
        ids.push(format!("OP-{line}"));
        ids.push(format!("OP-{line}-R"));
    }
    for id in &ids {
        file.push_str(&format!(
            "{id},住院,SUR,SUR,OPS-1,清创缝合术,,1,300,2026-03-05 09:15:00\n"
        ));
    }
    let token = analyst(&app).await;
    let resp = upload(&app, "/api/v1/imports/charges", &token, file.clone()).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        (
            resp.body["inserted"].as_u64(),
            resp.body["already_present"].as_u64()
        ),
        (Some(ids.len() as u64), Some(0)),
        "{:?}",
        resp.body
    );
    assert_eq!(clinic::charge_rows(&app, paid).await, paid_rows);
    let imported: Vec<_> = charges_of(&app, app.hospital_a)
        .await
        .into_iter()
        .filter(|r| r.billing_id.is_none())
        .collect();
    assert_eq!(imported.len(), ids.len());
    assert!(
        imported
            .iter()
            .all(|r| r.amount.scaled() == 3_000_000 && r.business_type.as_str() == "INPATIENT")
    );

    let again = upload(&app, "/api/v1/imports/charges", &token, file).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        (
            again.body["inserted"].as_u64(),
            again.body["already_present"].as_u64()
        ),
        (Some(0), Some(ids.len() as u64))
    );
    let before = charges_of(&app, app.hospital_a).await;

    let paid_now = clinic::pay(&app, pending, Some("paid-second"), "CASH").await;
    assert_eq!(paid_now.status, 200, "{:?}", paid_now.body);
    assert_eq!(paid_now.body["status"], "PAID");
    let rows = clinic::charge_rows(&app, pending).await;
    assert_eq!(rows.len(), pending_lines.len(), "{rows:?}");
    assert_eq!(
        rows.iter().map(|r| r.amount.scaled()).sum::<i64>(),
        paid_rows.iter().map(|r| r.amount.scaled()).sum::<i64>()
    );
    let refund = app
        .post(
            &format!("/api/v1/billings/{pending}/refund"),
            &app.admin().await,
            json!({"reason": "重复收费"}),
        )
        .await;
    assert_eq!(refund.status, 200, "{:?}", refund.body);
    assert_eq!(
        clinic::charge_rows(&app, pending).await.len(),
        2 * pending_lines.len()
    );
    assert_eq!(
        clinic::charge_rows(&app, pending)
            .await
            .iter()
            .map(|r| r.amount.scaled())
            .sum::<i64>(),
        0
    );
    // The imported lines are as they were.
    let after: Vec<_> = charges_of(&app, app.hospital_a)
        .await
        .into_iter()
        .filter(|r| r.billing_id.is_none())
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|r| r.billing_id.is_none())
        .collect();
    assert_eq!(after, before);
}

/// A row of several MiB (one enormous field) is refused on its own line as soon as it passes 64 KiB; the
/// reading stops there, so nothing behind it is counted.
async fn a_huge_row_is_refused_where_it_starts(app: TestApp) {
    let huge = "H".repeat(8 << 20);
    let file = format!(
        "{HEADER}\n\
         HIS-0001,门诊,INT,LAB,LAB-001,血常规,LAB,1,20.5,2026-03-05 09:15:00\n\
         {huge},门诊,INT,LAB,LAB-001,血常规,LAB,1,20.5,2026-03-05 09:15:00\n\
         HIS-0003,门诊,INT,LAB,LAB-001,血常规,LAB,1,20.5,2026-03-05 09:15:00\n"
    );
    let resp = upload(&app, "/api/v1/imports/charges", &analyst(&app).await, file).await;
    assert_eq!(
        problems(&resp),
        [(3, String::new(), "the row is longer than 64 KiB".to_owned())]
    );
    assert_eq!(resp.body["report"]["rows"], 2, "{:?}", resp.body["report"]);
    assert!(charges_of(&app, app.hospital_a).await.is_empty());
}

/// Every multipart endpoint the spec lists answers a body without a `file` part with the problem its spec
/// documents for 422: no field the schema does not have, and every field it requires.
async fn every_upload_without_a_file_answers_the_documented_problem(app: TestApp) {
    let spec: Value =
        serde_json::from_str(&hospital::api::openapi().to_pretty_json().unwrap()).unwrap();
    // An administrator may upload to each of them.
    let token = app.admin().await;
    for (path, method) in crate::openapi::uploads(&spec) {
        assert_eq!(method, "post", "{path}");
        let schema = spec["paths"][&path][&method]["responses"]["422"]["content"]
            ["application/problem+json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let schema = &spec["components"]["schemas"][&schema];
        let resp = app
            .client
            .post(app.url(&path.replace("{id}", "1")))
            .bearer_auth(&token)
            .multipart(Form::new().text("note", "no file here"))
            .send()
            .await
            .unwrap();
        let resp = TestApp::read(resp).await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            resp.field_errors().contains_key("file"),
            "{path}: {:?}",
            resp.body
        );
        for key in resp.body.as_object().unwrap().keys() {
            assert!(
                schema["properties"][key].is_object(),
                "{path}: `{key}` is not in the documented {schema}"
            );
        }
        for key in schema["required"].as_array().unwrap() {
            assert!(
                resp.body.get(key.as_str().unwrap()).is_some(),
                "{path}: the documented `{key}` is missing from {:?}",
                resp.body
            );
        }
    }
}

fn uploads_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Uploads are kept in the server's upload directory while they are imported, and gone when the request
/// is done; what a killed server left there is removed when the next one starts (and nothing else is).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uploads_live_in_the_servers_directory_and_leftovers_go_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::write(uploads.join("upload-killed.csv"), HEADER.repeat(10_000)).unwrap();
    std::fs::write(uploads.join("README"), "not an upload").unwrap();
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.upload_dir = uploads.clone())
        .await
        .unwrap();
    assert_eq!(uploads_in(&uploads), ["README"]);

    // An upload sent slowly: its file is in the directory while it arrives.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_of(rx));
    let part = Part::stream(body).file_name("slow.csv");
    let token = analyst(&app).await;
    let request = app
        .client
        .post(app.url("/api/v1/imports/charges"))
        .bearer_auth(&token)
        .multipart(Form::new().part("file", part))
        .send();
    let sending = tokio::spawn(request);
    tx.send(Ok(good_file().into_bytes())).await.unwrap();
    let in_progress = loop {
        let found: Vec<String> = uploads_in(&uploads)
            .into_iter()
            .filter(|n| n != "README")
            .collect();
        if !found.is_empty() {
            break found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(in_progress.len(), 1, "{in_progress:?}");
    assert!(in_progress[0].starts_with("upload-") && in_progress[0].ends_with(".csv"));
    drop(tx);
    let resp = TestApp::read(sending.await.unwrap().unwrap()).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["inserted"], 4);
    assert_eq!(uploads_in(&uploads), ["README"]);
}

/// The receiving end of a channel as a stream of body chunks.
fn tokio_stream_of(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn the_import_history_names_who_imported_what_into_which_periods(app: TestApp) {
    departments(&app).await;
    let token = analyst(&app).await;
    let good = upload(&app, "/api/v1/imports/charges", &token, good_file()).await;
    assert_eq!(good.status, 200, "{:?}", good.body);
    let bad =
        format!("{HEADER}\nHIS-9,门诊,INT,LAB,LAB-001,血常规,LAB,x,20.5,2026-03-05 09:15:00\n");
    assert_eq!(
        upload(&app, "/api/v1/imports/charges", &token, bad)
            .await
            .status,
        422
    );
    let workload = "period,department_code,node_code,quantity\n2026-03,INT,dim-nur-bed,312\n";
    assert_eq!(
        upload(&app, "/api/v1/imports/workload", &token, workload)
            .await
            .status,
        200
    );

    let all = app.get("/api/v1/imports", &token).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    let got: Vec<_> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["accepted"].as_bool().unwrap(),
                r["file_name"].as_str().map(str::to_owned),
                r["rows"].as_u64(),
                r["inserted"].as_u64(),
                r["errors"].as_u64(),
                r["periods"].clone(),
                r["username"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let name = Some("upload.csv".to_owned());
    let who = Some("a_analyst".to_owned());
    assert_eq!(
        got,
        vec![
            (
                "WORKLOAD".into(),
                true,
                name.clone(),
                Some(1),
                Some(1),
                None,
                json!(["2026-03"]),
                who.clone()
            ),
            (
                "CHARGES".into(),
                false,
                name.clone(),
                Some(1),
                None,
                Some(1),
                json!([]),
                who.clone()
            ),
            (
                "CHARGES".into(),
                true,
                name,
                Some(4),
                Some(4),
                None,
                json!(["2026-03", "2026-04"]),
                who
            ),
        ]
    );
    let charges = app.get("/api/v1/imports?kind=CHARGES", &token).await;
    assert_eq!(charges.body["total"], 2);
    let april = app.get("/api/v1/imports?period=2026-04", &token).await;
    assert_eq!(april.body["total"], 1, "{:?}", april.body);
    assert_eq!(april.body["items"][0]["sha256"], good.body["sha256"]);
    app.get("/api/v1/imports?kind=DRUGS", &token)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    app.get("/api/v1/imports?period=2026-13", &token)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let theirs = app
        .get("/api/v1/imports", &app.token('b', Role::Analyst).await)
        .await;
    assert_eq!(theirs.body["total"], 0);
}
