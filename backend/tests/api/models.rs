//! The accounting model: versions (create, rename, delete, copy, activate under a race, frozen once a task
//! ran on them), the dimension tree and its closure table through inserts, moves and deletes, item
//! mappings one by one and as CSV files, and orientation rules with their ladders.
use crate::{
    db_tests,
    fixtures::{
        assert_duplicate, assert_invalid, charge_item, column, create_charge_item,
        create_department, enc, ids,
    },
    helpers::{Resp, TestApp},
};
use hospital::domain::accounting::calculation::TaskStatus;
use hospital::domain::foundation::period::Period;
use hospital::{
    domain::foundation::role::Role,
    entities::{
        accounting::calculation_task, accounting::calculation_workflow,
        accounting::dimension_closure,
    },
};
use proptest::{prelude::*, test_runner::TestRunner};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

db_tests!(
    model_versions_are_created_listed_changed_and_deleted,
    nodes_take_their_series_and_defaults_from_their_codes,
    node_requests_are_validated_field_by_field,
    the_closure_follows_inserts_moves_and_deletes,
    a_node_cannot_move_under_its_own_subtree,
    copying_a_version_gives_an_equal_tree_under_new_ids,
    two_activations_racing_leave_exactly_one_active_version,
    an_item_feeds_one_leaf_per_series_and_business_type,
    conflicting_mappings_sent_at_once_admit_one,
    mapping_files_are_imported_whole_or_not_at_all,
    a_version_a_task_ran_on_is_frozen,
    orientation_rules_and_their_ladders_are_checked,
    another_hospitals_model_is_not_found,
    random_inserts_and_moves_keep_the_closure_exact,
);

async fn analyst(app: &TestApp) -> String {
    app.token('a', Role::Analyst).await
}

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Resp {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

#[track_caller]
fn created(resp: &Resp, what: &str) -> i64 {
    assert_eq!(resp.status, 201, "create {what}: {:?}", resp.body);
    resp.body["id"].as_i64().expect("id")
}

async fn create_version(app: &TestApp, token: &str, name: &str) -> i64 {
    let resp = app
        .post("/api/v1/model-versions", token, json!({ "name": name }))
        .await;
    created(&resp, name)
}

async fn add_node(
    app: &TestApp,
    token: &str,
    version: i64,
    code: &str,
    parent: Option<i64>,
) -> i64 {
    let resp = app
        .post(
            &format!("/api/v1/model-versions/{version}/nodes"),
            token,
            json!({ "code": code, "name": code, "parent_id": parent }),
        )
        .await;
    created(&resp, code)
}

async fn map(app: &TestApp, token: &str, version: i64, node: i64, item: &str) -> Resp {
    app.post(
        &format!("/api/v1/model-versions/{version}/mappings"),
        token,
        json!({ "node_id": node, "item_code": item }),
    )
    .await
}

/// The tree as the API lists it.
async fn tree(app: &TestApp, token: &str, version: i64) -> Vec<Value> {
    let resp = app
        .get(&format!("/api/v1/model-versions/{version}/nodes"), token)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    resp.body["items"].as_array().expect("items").clone()
}

/// code → depth, from the nodes endpoint.
async fn depths(app: &TestApp, token: &str, version: i64) -> BTreeMap<String, i64> {
    tree(app, token, version)
        .await
        .iter()
        .map(|n| {
            (
                n["code"].as_str().unwrap().to_owned(),
                n["depth"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The version's closure rows as stored.
async fn stored_closure(app: &TestApp, version: i64) -> BTreeSet<(i64, i64, i32)> {
    dimension_closure::Entity::find()
        .filter(dimension_closure::Column::ModelVersionId.eq(version))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.ancestor_id, c.descendant_id, c.depth))
        .collect()
}

/// The closure recomputed from the parent links the API shows.
fn closure_from_parents(nodes: &[Value]) -> BTreeSet<(i64, i64, i32)> {
    let parent: HashMap<i64, Option<i64>> = nodes
        .iter()
        .map(|n| (n["id"].as_i64().unwrap(), n["parent_id"].as_i64()))
        .collect();
    let mut rows = BTreeSet::new();
    for &id in parent.keys() {
        let (mut at, mut depth) = (Some(id), 0);
        while let Some(a) = at {
            rows.insert((a, id, depth));
            depth += 1;
            at = parent[&a];
            assert!(depth <= nodes.len() as i32, "a cycle through {id}");
        }
    }
    rows
}

/// Asserts the stored closure is the one the parent links imply, and that every node's depth in the list
/// is its number of ancestors.
async fn assert_closure_exact(app: &TestApp, token: &str, version: i64) {
    let nodes = tree(app, token, version).await;
    let expected = closure_from_parents(&nodes);
    assert_eq!(stored_closure(app, version).await, expected);
    for n in &nodes {
        let id = n["id"].as_i64().unwrap();
        let ancestors = expected.iter().filter(|(_, d, _)| *d == id).count() as i64;
        assert_eq!(n["depth"].as_i64(), Some(ancestors - 1), "{n}");
    }
}

const BOUNDARY: &str = "----models-test-boundary";

/// Posts a multipart body with the given parts (name, file content).
async fn upload_parts(app: &TestApp, token: &str, version: i64, parts: &[(&str, &[u8])]) -> Resp {
    let mut body = Vec::new();
    for (name, content) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"m.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let req = app
        .client
        .post(app.url(&format!("/api/v1/model-versions/{version}/mappings/import")))
        .bearer_auth(token)
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    TestApp::read(req.send().await.unwrap()).await
}

async fn upload(app: &TestApp, token: &str, version: i64, csv: &str) -> Resp {
    upload_parts(app, token, version, &[("file", csv.as_bytes())]).await
}

async fn export(app: &TestApp, token: &str, version: i64) -> String {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/model-versions/{version}/mappings.csv")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("model-version-{version}-mappings.csv"))
    );
    resp.text().await.unwrap()
}

/// A calculation task on `version`, as the pipeline will create them (with its workflow).
async fn run_a_task_on(app: &TestApp, version: i64) {
    let now = chrono::Utc::now();
    let workflow = calculation_workflow::ActiveModel {
        hospital_id: Set(app.hospital_a),
        name: Set(format!("workflow for {version}")),
        description: Set(None),
        is_default: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    calculation_task::ActiveModel {
        hospital_id: Set(app.hospital_a),
        period: Set("2026-01".parse::<Period>().unwrap()),
        model_version_id: Set(version),
        workflow_id: Set(workflow.id),
        status: Set(TaskStatus::Succeeded),
        progress: Set(100),
        log: Set(None),
        error: Set(None),
        has_details: Set(false),
        run_no: Set(1),
        lease_until: Set(None),
        claimed_by: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        started_at: Set(Some(now)),
        finished_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn ladder() -> Value {
    json!([
        { "lower_bound": "0", "upper_bound": "0.8", "intensity": "0.9" },
        { "lower_bound": "0.8", "upper_bound": "1.2", "intensity": "1" },
        { "lower_bound": "1.2", "upper_bound": null, "intensity": "1.1" },
    ])
}

fn rule(node_code: &str, department: Option<&str>) -> Value {
    json!({
        "node_code": node_code,
        "name": format!("{node_code} 导向"),
        "department_code": department,
        "benchmark": "1200",
        "ladder": ladder(),
    })
}

async fn model_versions_are_created_listed_changed_and_deleted(app: TestApp) {
    let token = analyst(&app).await;
    let first = app
        .post(
            "/api/v1/model-versions",
            &token,
            json!({ "name": " 2026 版核算模型 ", "description": "全院" }),
        )
        .await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let id = first.body["id"].as_i64().unwrap();
    assert_eq!(first.body["name"], "2026 版核算模型");
    assert_eq!(first.body["description"], "全院");
    assert_eq!(first.body["is_active"], false);
    assert_eq!(first.body["in_use"], false);
    assert_eq!(first.body["node_count"], 0);
    assert_eq!(first.body["copied_from_id"], Value::Null);

    // Validation, field by field.
    let missing = app.post("/api/v1/model-versions", &token, json!({})).await;
    assert_eq!(
        assert_invalid(&missing, "name"),
        "missing field `name`",
        "{:?}",
        missing.body
    );
    let blank = app
        .post("/api/v1/model-versions", &token, json!({ "name": "  " }))
        .await;
    assert_eq!(assert_invalid(&blank, "name"), "must not be empty");
    let long = app
        .post(
            "/api/v1/model-versions",
            &token,
            json!({ "name": "模".repeat(65), "description": "d".repeat(256) }),
        )
        .await;
    assert_eq!(
        assert_invalid(&long, "name"),
        "must be at most 64 characters"
    );
    assert_eq!(
        assert_invalid(&long, "description"),
        "must be at most 255 characters"
    );
    let twice = app
        .post(
            "/api/v1/model-versions",
            &token,
            json!({ "name": "2026 版核算模型" }),
        )
        .await;
    assert_duplicate(&twice, "name");

    // The list: paged, searched, the admin sees it too.
    let other = create_version(&app, &token, "草稿").await;
    let all = app.get("/api/v1/model-versions", &token).await;
    assert_eq!(ids(&all), vec![id, other], "by name");
    assert_eq!(all.body["total"], 2);
    let found = app
        .get(&format!("/api/v1/model-versions?q={}", enc("草")), &token)
        .await;
    assert_eq!(ids(&found), vec![other]);
    let newest = app
        .get(
            "/api/v1/model-versions?sort=-created_at&page_size=1",
            &token,
        )
        .await;
    assert_eq!(newest.body["total"], 2);
    assert_eq!(ids(&newest).len(), 1);
    let bad_sort = app.get("/api/v1/model-versions?sort=weight", &token).await;
    assert_invalid(&bad_sort, "sort");
    let admin = app.admin().await;
    assert_eq!(app.get("/api/v1/model-versions", &admin).await.status, 200);

    // PATCH changes what it names; null clears the description.
    let renamed = patch(
        &app,
        &format!("/api/v1/model-versions/{id}"),
        &token,
        json!({ "name": "2026 版", "description": null }),
    )
    .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(renamed.body["name"], "2026 版");
    assert_eq!(renamed.body["description"], Value::Null);
    let kept = patch(
        &app,
        &format!("/api/v1/model-versions/{id}"),
        &token,
        json!({ "description": "新说明" }),
    )
    .await;
    assert_eq!(kept.body["name"], "2026 版");
    assert_eq!(kept.body["description"], "新说明");
    let clash = patch(
        &app,
        &format!("/api/v1/model-versions/{id}"),
        &token,
        json!({ "name": "草稿" }),
    )
    .await;
    assert_duplicate(&clash, "name");
    let unknown = patch(
        &app,
        &format!("/api/v1/model-versions/{id}"),
        &token,
        json!({ "is_active": true }),
    )
    .await;
    assert_invalid(&unknown, "is_active");

    // The active version cannot be deleted; another can, with its tree, mappings and rules.
    let active = app
        .post(
            &format!("/api/v1/model-versions/{id}/activate"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(active.status, 200, "{:?}", active.body);
    assert_eq!(active.body["is_active"], true);
    app.delete(&format!("/api/v1/model-versions/{id}"), &token)
        .await
        .assert_problem(409, "MODEL_VERSION_ACTIVE");
    let root = add_node(&app, &token, other, "dim-doc", None).await;
    let mid = add_node(&app, &token, other, "dim-doc-eval", Some(root)).await;
    let leaf = add_node(&app, &token, other, "dim-doc-out-eval-1", Some(mid)).await;
    assert_eq!(map(&app, &token, other, leaf, "REG-1").await.status, 201);
    let r = app
        .post(
            &format!("/api/v1/model-versions/{other}/orientation-rules"),
            &token,
            rule("dim-doc-out-eval-1", None),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let copy = app
        .post(
            &format!("/api/v1/model-versions/{other}/copy"),
            &token,
            json!({ "name": "草稿的副本" }),
        )
        .await;
    let copy = created(&copy, "copy");
    let gone = app
        .delete(&format!("/api/v1/model-versions/{other}"), &token)
        .await;
    assert_eq!(gone.status, 200, "{:?}", gone.body);
    assert_eq!(gone.body["outcome"], "DELETED");
    app.get(&format!("/api/v1/model-versions/{other}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    app.get(&format!("/api/v1/model-versions/{other}/nodes"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    assert!(stored_closure(&app, other).await.is_empty());
    // The copy keeps its contents, not the link to a version that is gone.
    let copy = app
        .get(&format!("/api/v1/model-versions/{copy}"), &token)
        .await;
    assert_eq!(copy.body["copied_from_id"], Value::Null);
    assert_eq!(copy.body["node_count"], 3);
}

/// The seed's table, row by row, as the API derives it from the code.
async fn nodes_take_their_series_and_defaults_from_their_codes(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "rules").await;
    let mut roots: HashMap<&str, i64> = HashMap::new();
    for (series, code) in [
        ("DOCTOR", "dim-doc"),
        ("TECH", "dim-tech"),
        ("NURSING", "dim-nur"),
        ("COST", "dim-cost"),
    ] {
        roots.insert(series, add_node(&app, &token, v, code, None).await);
    }
    // code, series, kind, dept_field, splits, scope, drillable
    let table = [
        (
            "dim-doc-out-eval-1",
            "DOCTOR",
            "CHARGE",
            "PRESCRIBING",
            true,
            "OUTPATIENT",
            true,
        ),
        (
            "dim-doc-in-eval-1",
            "DOCTOR",
            "CHARGE",
            "PRESCRIBING",
            true,
            "INPATIENT",
            true,
        ),
        (
            "dim-doc-sur-out-1",
            "DOCTOR",
            "CHARGE",
            "EXECUTING",
            true,
            "OUTPATIENT",
            true,
        ),
        (
            "dim-doc-sur-in-1",
            "DOCTOR",
            "CHARGE",
            "EXECUTING",
            true,
            "INPATIENT",
            true,
        ),
        (
            "dim-doc-treat",
            "DOCTOR",
            "CHARGE",
            "EXECUTING",
            true,
            "ALL",
            true,
        ),
        (
            "dim-tech-lab",
            "TECH",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-tech-img",
            "TECH",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-tech-uls",
            "TECH",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-nur-base",
            "NURSING",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-nur-collab",
            "NURSING",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-nur-tr-1",
            "NURSING",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-nur-other",
            "NURSING",
            "CHARGE",
            "EXECUTING",
            false,
            "ALL",
            true,
        ),
        (
            "dim-nur-bed",
            "NURSING",
            "WORKLOAD",
            "NONE",
            false,
            "ALL",
            false,
        ),
        (
            "dim-nur-trans",
            "NURSING",
            "WORKLOAD",
            "NONE",
            false,
            "ALL",
            false,
        ),
        (
            "dim-nur-op",
            "NURSING",
            "WORKLOAD",
            "NONE",
            false,
            "ALL",
            false,
        ),
        (
            "dim-nur-or",
            "NURSING",
            "WORKLOAD",
            "NONE",
            false,
            "ALL",
            false,
        ),
        (
            "dim-nur-mon",
            "NURSING",
            "WORKLOAD",
            "NONE",
            false,
            "ALL",
            false,
        ),
        (
            "dim-cost-labor",
            "COST",
            "COST",
            "NONE",
            false,
            "ALL",
            false,
        ),
        ("dim-cost-drug", "COST", "COST", "NONE", false, "ALL", false),
        (
            "dim-cost-material",
            "COST",
            "COST",
            "NONE",
            false,
            "ALL",
            false,
        ),
    ];
    for (code, series, kind, dept, splits, scope, drillable) in table {
        let resp = app
            .post(
                &format!("/api/v1/model-versions/{v}/nodes"),
                &token,
                json!({ "code": code, "name": code, "parent_id": roots[series], "weight": "0.3" }),
            )
            .await;
        assert_eq!(resp.status, 201, "{code}: {:?}", resp.body);
        let n = &resp.body;
        assert_eq!(
            (
                n["series"].as_str(),
                n["kind"].as_str(),
                n["dept_field"].as_str(),
                n["splits_business_type"].as_bool(),
                n["business_type_scope"].as_str(),
                n["drillable"].as_bool(),
            ),
            (
                Some(series),
                Some(kind),
                Some(dept),
                Some(splits),
                Some(scope),
                Some(drillable)
            ),
            "{code}"
        );
        assert_eq!(n["weight"], "0.3000", "{code}");
        assert_eq!(n["depth"], 1, "{code}");
        assert_eq!(n["is_leaf"], true, "{code}");
        assert_eq!(n["mapping_count"], 0, "{code}");
        assert_eq!(n["model_version_id"], v);
    }
    // The roots follow their series' charge rule, and are no longer leaves.
    let listed = tree(&app, &token, v).await;
    let root = listed.iter().find(|n| n["code"] == "dim-cost").unwrap();
    assert_eq!(
        (
            &root["kind"],
            &root["drillable"],
            &root["is_leaf"],
            &root["depth"]
        ),
        (&json!("COST"), &json!(false), &json!(false), &json!(0))
    );
    let root = listed.iter().find(|n| n["code"] == "dim-doc").unwrap();
    assert_eq!(
        (&root["kind"], &root["dept_field"], &root["weight"]),
        (&json!("CHARGE"), &json!("EXECUTING"), &json!("1.0000")),
        "the default weight is 1"
    );
    assert_eq!(listed.len(), 4 + table.len());

    // A CHARGE node may override the defaults; others may only restate them.
    let overridden = app
        .post(
            &format!("/api/v1/model-versions/{v}/nodes"),
            &token,
            json!({ "code": "dim-doc-gen-eval-2", "name": "全科诊察", "parent_id": roots["DOCTOR"],
                    "dept_field": "EXECUTING", "business_type_scope": "INPATIENT", "splits_business_type": false }),
        )
        .await;
    assert_eq!(overridden.status, 201, "{:?}", overridden.body);
    assert_eq!(overridden.body["dept_field"], "EXECUTING");
    assert_eq!(overridden.body["business_type_scope"], "INPATIENT");
    assert_eq!(overridden.body["splits_business_type"], false);
    let restated = app
        .post(
            &format!("/api/v1/model-versions/{v}/nodes"),
            &token,
            json!({ "code": "dim-nur-bed-icu", "name": "ICU 床日", "parent_id": roots["NURSING"],
                    "dept_field": "NONE", "splits_business_type": false }),
        )
        .await;
    assert_eq!(restated.status, 201, "{:?}", restated.body);
    let refused = app
        .post(
            &format!("/api/v1/model-versions/{v}/nodes"),
            &token,
            json!({ "code": "dim-cost-energy", "name": "能耗", "dept_field": "EXECUTING",
                    "business_type_scope": "OUTPATIENT", "splits_business_type": true }),
        )
        .await;
    let only = "can differ from the code's default only on CHARGE nodes";
    assert_eq!(assert_invalid(&refused, "dept_field"), only);
    assert_eq!(assert_invalid(&refused, "business_type_scope"), only);
    assert_eq!(assert_invalid(&refused, "splits_business_type"), only);
    // PATCH holds the same rule.
    let bed = listed.iter().find(|n| n["code"] == "dim-nur-bed").unwrap()["id"]
        .as_i64()
        .unwrap();
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{bed}"),
        &token,
        json!({ "dept_field": "PRESCRIBING" }),
    )
    .await;
    assert_eq!(assert_invalid(&resp, "dept_field"), only);
    let eval = listed
        .iter()
        .find(|n| n["code"] == "dim-doc-out-eval-1")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{eval}"),
        &token,
        json!({ "dept_field": "EXECUTING", "business_type_scope": "ALL", "name": "诊察（执行）",
                "weight": 1.25, "sort": 7, "code": "dim-doc-out-eval-1" }),
    )
    .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["dept_field"], "EXECUTING");
    assert_eq!(resp.body["business_type_scope"], "ALL");
    assert_eq!(resp.body["splits_business_type"], true);
    assert_eq!(resp.body["weight"], "1.2500");
    assert_eq!(resp.body["sort"], 7);
    assert_eq!(resp.body["name"], "诊察（执行）");
}

async fn node_requests_are_validated_field_by_field(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "validation").await;
    let other = create_version(&app, &token, "other").await;
    let path = format!("/api/v1/model-versions/{v}/nodes");
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let tech = add_node(&app, &token, v, "dim-tech", None).await;
    let elsewhere = add_node(&app, &token, other, "dim-doc", None).await;

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({ "code": "dim-drug-1", "name": "x" }),
            "code",
            "must start with dim-doc, dim-tech, dim-nur or dim-cost",
        ),
        (
            json!({ "code": "dim-Doc-1", "name": "x" }),
            "code",
            "may contain only lower-case letters, digits and single hyphens between them",
        ),
        (
            json!({ "code": "", "name": "x" }),
            "code",
            "must be 1 to 100 characters",
        ),
        (
            json!({ "code": "dim-doc-x", "name": " " }),
            "name",
            "must not be empty",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "weight": "-0.1" }),
            "weight",
            "must not be negative",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "weight": "0.12345" }),
            "weight",
            "must have at most 4 decimal places",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "weight": "1000.0001" }),
            "weight",
            "must be at most 1000.0000",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "dept_field": "BOTH" }),
            "dept_field",
            "must be one of: PRESCRIBING, EXECUTING, NONE",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "dept_field": "NONE" }),
            "dept_field",
            "a CHARGE node credits the PRESCRIBING or the EXECUTING department",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "business_type_scope": "EMERGENCY" }),
            "business_type_scope",
            "must be one of: ALL, OUTPATIENT, INPATIENT",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "parent_id": tech }),
            "parent_id",
            "the parent dim-tech is of the TECH series; a DOCTOR node needs a DOCTOR parent",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "parent_id": elsewhere }),
            "parent_id",
            "no such node in this model version",
        ),
        (
            json!({ "code": "dim-doc-x", "name": "x", "parent_id": 987654 }),
            "parent_id",
            "no such node in this model version",
        ),
    ];
    for (body, field, message) in cases {
        let resp = app.post(&path, &token, body.clone()).await;
        assert_eq!(assert_invalid(&resp, field), message, "{body}");
    }
    // Several problems are named at once.
    let resp = app
        .post(
            &path,
            &token,
            json!({ "code": "nope", "name": "", "weight": "-1" }),
        )
        .await;
    assert_eq!(resp.field_errors().len(), 3, "{:?}", resp.body);
    assert_duplicate(
        &app.post(&path, &token, json!({ "code": "dim-doc", "name": "again" }))
            .await,
        "code",
    );
    app.post(
        "/api/v1/model-versions/987654/nodes",
        &token,
        json!({ "code": "dim-doc-x", "name": "x" }),
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    // A node with mappings stays a leaf.
    let eval = add_node(&app, &token, v, "dim-doc-out-eval-1", Some(doc)).await;
    assert_eq!(map(&app, &token, v, eval, "REG-1").await.status, 201);
    let resp = app
        .post(
            &path,
            &token,
            json!({ "code": "dim-doc-out-eval-2", "name": "x", "parent_id": eval }),
        )
        .await;
    assert_eq!(
        assert_invalid(&resp, "parent_id"),
        "dim-doc-out-eval-1 has 1 item mappings and so must stay a leaf; move its mappings to a leaf first"
    );
    let treat = add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{treat}"),
        &token,
        json!({ "parent_id": eval }),
    )
    .await;
    assert_invalid(&resp, "parent_id");

    // PATCH: the code is fixed; the weight has the create's rules; unknown ids are 404.
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{treat}"),
        &token,
        json!({ "code": "dim-doc-treat-2" }),
    )
    .await;
    assert_eq!(
        assert_invalid(&resp, "code"),
        "cannot be changed: the code decides the node's rules; create a new node instead"
    );
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{treat}"),
        &token,
        json!({ "weight": "-2", "name": "" }),
    )
    .await;
    assert_eq!(assert_invalid(&resp, "weight"), "must not be negative");
    assert_eq!(assert_invalid(&resp, "name"), "must not be empty");
    patch(
        &app,
        "/api/v1/dimension-nodes/987654",
        &token,
        json!({ "name": "x" }),
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    // Only a leaf can be deleted; a leaf goes with its mappings.
    let resp = app
        .delete(&format!("/api/v1/dimension-nodes/{doc}"), &token)
        .await;
    assert_eq!(
        assert_invalid(&resp, "id"),
        "dim-doc has 2 child nodes; only a leaf can be deleted (delete or move its children first)"
    );
    let resp = app
        .delete(&format!("/api/v1/dimension-nodes/{eval}"), &token)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body, json!({ "id": eval, "outcome": "DELETED" }));
    let mappings = app
        .get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
        .await;
    assert_eq!(mappings.body["total"], 0);
    app.delete(&format!("/api/v1/dimension-nodes/{eval}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
}

/// A three-level tree: each node's depth in the list and the stored closure rows are exact after every
/// insert, move and delete.
async fn the_closure_follows_inserts_moves_and_deletes(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "closure").await;
    let root = add_node(&app, &token, v, "dim-doc", None).await;
    let sur = add_node(&app, &token, v, "dim-doc-sur", Some(root)).await;
    let sur_out = add_node(&app, &token, v, "dim-doc-sur-out-1", Some(sur)).await;
    let sur_in = add_node(&app, &token, v, "dim-doc-sur-in-1", Some(sur)).await;
    let eval = add_node(&app, &token, v, "dim-doc-eval", Some(root)).await;
    let eval_out = add_node(&app, &token, v, "dim-doc-out-eval-1", Some(eval)).await;
    let tech = add_node(&app, &token, v, "dim-tech", None).await;

    let expected: BTreeSet<(i64, i64, i32)> = [
        (root, root, 0),
        (root, sur, 1),
        (root, sur_out, 2),
        (root, sur_in, 2),
        (root, eval, 1),
        (root, eval_out, 2),
        (sur, sur, 0),
        (sur, sur_out, 1),
        (sur, sur_in, 1),
        (sur_out, sur_out, 0),
        (sur_in, sur_in, 0),
        (eval, eval, 0),
        (eval, eval_out, 1),
        (eval_out, eval_out, 0),
        (tech, tech, 0),
    ]
    .into_iter()
    .collect();
    assert_eq!(stored_closure(&app, v).await, expected);
    assert_closure_exact(&app, &token, v).await;
    // Display order: parents before children, siblings by sort then code.
    let order = tree(&app, &token, v).await;
    let codes: Vec<&str> = order.iter().map(|n| n["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "dim-doc",
            "dim-doc-eval",
            "dim-doc-out-eval-1",
            "dim-doc-sur",
            "dim-doc-sur-in-1",
            "dim-doc-sur-out-1",
            "dim-tech"
        ]
    );

    // Move the surgery subtree under the evaluation node: one level deeper, links rewritten.
    let moved = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{sur}"),
        &token,
        json!({ "parent_id": eval, "sort": -1 }),
    )
    .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(moved.body["parent_id"], eval);
    assert_eq!(moved.body["depth"], 2);
    assert_eq!(moved.body["is_leaf"], false);
    let d = depths(&app, &token, v).await;
    assert_eq!(
        (
            d["dim-doc-sur"],
            d["dim-doc-sur-out-1"],
            d["dim-doc-sur-in-1"]
        ),
        (2, 3, 3)
    );
    let closure = stored_closure(&app, v).await;
    for row in [
        (root, sur_out, 3),
        (eval, sur, 1),
        (eval, sur_in, 2),
        (sur, sur_in, 1),
    ] {
        assert!(closure.contains(&row), "{row:?} missing: {closure:?}");
    }
    assert!(!closure.contains(&(root, sur, 1)));
    assert_closure_exact(&app, &token, v).await;
    let codes: Vec<String> = tree(&app, &token, v)
        .await
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        [
            "dim-doc",
            "dim-doc-eval",
            "dim-doc-sur",
            "dim-doc-sur-in-1",
            "dim-doc-sur-out-1",
            "dim-doc-out-eval-1",
            "dim-tech"
        ],
        "sort -1 puts the moved node first among its new siblings"
    );

    // To the top level, then back: nothing left over.
    let top = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{sur}"),
        &token,
        json!({ "parent_id": null }),
    )
    .await;
    assert_eq!(top.status, 200, "{:?}", top.body);
    assert_eq!(top.body["parent_id"], Value::Null);
    assert_eq!(top.body["depth"], 0);
    assert_eq!(depths(&app, &token, v).await["dim-doc-sur-in-1"], 1);
    assert_closure_exact(&app, &token, v).await;
    let back = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{sur}"),
        &token,
        json!({ "parent_id": root }),
    )
    .await;
    assert_eq!(back.status, 200, "{:?}", back.body);
    assert_eq!(stored_closure(&app, v).await, expected);
    // Moving to the same parent changes nothing; another series is refused.
    let same = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{sur}"),
        &token,
        json!({ "parent_id": root }),
    )
    .await;
    assert_eq!(same.status, 200);
    assert_eq!(stored_closure(&app, v).await, expected);
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{sur}"),
        &token,
        json!({ "parent_id": tech }),
    )
    .await;
    assert_invalid(&resp, "parent_id");

    // Deleting a leaf removes exactly its rows.
    let resp = app
        .delete(&format!("/api/v1/dimension-nodes/{sur_in}"), &token)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    let after: BTreeSet<_> = expected
        .iter()
        .copied()
        .filter(|(a, d, _)| *a != sur_in && *d != sur_in)
        .collect();
    assert_eq!(stored_closure(&app, v).await, after);
    assert_closure_exact(&app, &token, v).await;
}

async fn a_node_cannot_move_under_its_own_subtree(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "cycles").await;
    let root = add_node(&app, &token, v, "dim-nur", None).await;
    let a = add_node(&app, &token, v, "dim-nur-tr", Some(root)).await;
    let b = add_node(&app, &token, v, "dim-nur-tr-1", Some(a)).await;
    let c = add_node(&app, &token, v, "dim-nur-tr-1-a", Some(b)).await;
    let before = stored_closure(&app, v).await;
    for target in [a, b, c] {
        let resp = patch(
            &app,
            &format!("/api/v1/dimension-nodes/{a}"),
            &token,
            json!({ "parent_id": target }),
        )
        .await;
        assert_eq!(
            assert_invalid(&resp, "parent_id"),
            "a node cannot be moved under itself or one of its descendants"
        );
    }
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{root}"),
        &token,
        json!({ "parent_id": c }),
    )
    .await;
    assert_invalid(&resp, "parent_id");
    assert_eq!(stored_closure(&app, v).await, before);
    // Moving a subtree under a sibling branch is fine.
    let other = add_node(&app, &token, v, "dim-nur-base", Some(root)).await;
    let _ = other;
    let resp = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{b}"),
        &token,
        json!({ "parent_id": root }),
    )
    .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_closure_exact(&app, &token, v).await;
}

async fn copying_a_version_gives_an_equal_tree_under_new_ids(app: TestApp) {
    let token = analyst(&app).await;
    let admin = app.admin().await;
    create_department(&app, &admin, "INT", "内科").await;
    let v = create_version(&app, &token, "source").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let eval = add_node(&app, &token, v, "dim-doc-eval", Some(doc)).await;
    let out = add_node(&app, &token, v, "dim-doc-out-eval-1", Some(eval)).await;
    let inp = add_node(&app, &token, v, "dim-doc-in-eval-1", Some(eval)).await;
    let tech = add_node(&app, &token, v, "dim-tech", None).await;
    let lab = add_node(&app, &token, v, "dim-tech-lab", Some(tech)).await;
    let w = patch(
        &app,
        &format!("/api/v1/dimension-nodes/{out}"),
        &token,
        json!({ "weight": "0.3", "sort": 2, "business_type_scope": "ALL" }),
    )
    .await;
    assert_eq!(w.status, 200);
    for (node, item) in [
        (out, "REG-1"),
        (inp, "REG-2"),
        (lab, "LAB-1"),
        (lab, "LAB-2"),
    ] {
        assert_eq!(map(&app, &token, v, node, item).await.status, 201);
    }
    for body in [
        rule("dim-doc-out-eval-1", None),
        rule("dim-tech-lab", Some("INT")),
    ] {
        let r = app
            .post(
                &format!("/api/v1/model-versions/{v}/orientation-rules"),
                &token,
                body,
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }

    let copy = app
        .post(
            &format!("/api/v1/model-versions/{v}/copy"),
            &token,
            json!({ "name": "copy" }),
        )
        .await;
    assert_eq!(copy.status, 201, "{:?}", copy.body);
    assert_eq!(copy.body["copied_from_id"], v);
    assert_eq!(copy.body["is_active"], false);
    assert_eq!(copy.body["node_count"], 6);
    let c = copy.body["id"].as_i64().unwrap();
    assert_duplicate(
        &app.post(
            &format!("/api/v1/model-versions/{v}/copy"),
            &token,
            json!({ "name": "source" }),
        )
        .await,
        "name",
    );
    assert_eq!(
        assert_invalid(
            &app.post(
                &format!("/api/v1/model-versions/{v}/copy"),
                &token,
                json!({ "name": "" }),
            )
            .await,
            "name"
        ),
        "must not be empty"
    );

    // The same tree: every field but the ids, parents named by code.
    let shape = |nodes: &[Value]| -> Vec<Value> {
        let code: HashMap<i64, Value> = nodes
            .iter()
            .map(|n| (n["id"].as_i64().unwrap(), n["code"].clone()))
            .collect();
        nodes
            .iter()
            .map(|n| {
                let mut n = n.clone();
                let parent = n["parent_id"].as_i64().map(|p| code[&p].clone());
                n["parent_id"] = parent.unwrap_or(Value::Null);
                n.as_object_mut().unwrap().remove("id");
                n.as_object_mut().unwrap().remove("model_version_id");
                n
            })
            .collect()
    };
    let source = tree(&app, &token, v).await;
    let copied = tree(&app, &token, c).await;
    assert_eq!(shape(&source), shape(&copied));
    let old_ids: BTreeSet<i64> = source.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    assert!(
        copied
            .iter()
            .all(|n| !old_ids.contains(&n["id"].as_i64().unwrap()) && n["model_version_id"] == c)
    );
    assert_closure_exact(&app, &token, c).await;
    assert_eq!(
        stored_closure(&app, c).await.len(),
        stored_closure(&app, v).await.len()
    );

    let pairs = |resp: &Resp| -> Vec<(String, String)> {
        column(resp, "node_code")
            .into_iter()
            .zip(column(resp, "item_code"))
            .collect()
    };
    let source_maps = app
        .get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
        .await;
    let copied_maps = app
        .get(&format!("/api/v1/model-versions/{c}/mappings"), &token)
        .await;
    assert_eq!(pairs(&source_maps), pairs(&copied_maps));
    assert_eq!(copied_maps.body["total"], 4);
    let new_ids: BTreeSet<i64> = copied.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    for m in copied_maps.body["items"].as_array().unwrap() {
        assert!(new_ids.contains(&m["node_id"].as_i64().unwrap()), "{m}");
    }
    assert_eq!(export(&app, &token, v).await, export(&app, &token, c).await);

    let rules = |version: i64| {
        let app = &app;
        let token = &token;
        async move {
            let resp = app
                .get(
                    &format!("/api/v1/model-versions/{version}/orientation-rules"),
                    token,
                )
                .await;
            assert_eq!(resp.status, 200, "{:?}", resp.body);
            resp.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    for k in ["id", "model_version_id", "created_at", "updated_at"] {
                        r.as_object_mut().unwrap().remove(k);
                    }
                    r
                })
                .collect::<Vec<_>>()
        }
    };
    let source_rules = rules(v).await;
    assert_eq!(source_rules.len(), 2);
    assert_eq!(source_rules, rules(c).await);

    // The copy is independent: editing it leaves the source as it was.
    let copied_out = copied
        .iter()
        .find(|n| n["code"] == "dim-doc-out-eval-1")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let resp = app
        .delete(&format!("/api/v1/dimension-nodes/{copied_out}"), &token)
        .await;
    assert_eq!(resp.status, 409, "a rule names it: {:?}", resp.body);
    assert_eq!(resp.code(), "REFERENCED");
    assert_eq!(tree(&app, &token, v).await.len(), 6);
}

async fn two_activations_racing_leave_exactly_one_active_version(app: TestApp) {
    let token = analyst(&app).await;
    let versions = [
        create_version(&app, &token, "v1").await,
        create_version(&app, &token, "v2").await,
        create_version(&app, &token, "v3").await,
    ];
    let activate = |id: i64| {
        let path = format!("/api/v1/model-versions/{id}/activate");
        let (app, token) = (&app, &token);
        async move { app.post(&path, token, json!({})).await }
    };
    let active = || async {
        let list = app.get("/api/v1/model-versions", &token).await;
        list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["is_active"] == true)
            .map(|v| v["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert!(active().await.is_empty(), "none active at first");
    for round in 0..6 {
        let (a, b) = (versions[round % 3], versions[(round + 1) % 3]);
        let (ra, rb, rc) = tokio::join!(activate(a), activate(b), activate(a));
        for r in [&ra, &rb, &rc] {
            assert_eq!(r.status, 200, "round {round}: {:?}", r.body);
        }
        let now = active().await;
        assert_eq!(now.len(), 1, "round {round}: active {now:?}");
        assert!(now[0] == a || now[0] == b, "round {round}: {now:?}");
    }
    // The hospital's other versions are untouched by another hospital's activation.
    let other = app.token('b', Role::Analyst).await;
    let theirs = create_version(&app, &other, "theirs").await;
    let resp = app
        .post(
            &format!("/api/v1/model-versions/{theirs}/activate"),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(active().await.len(), 1);
    // Activating a version of another hospital is not found.
    app.post(
        &format!("/api/v1/model-versions/{theirs}/activate"),
        &token,
        json!({}),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}

async fn an_item_feeds_one_leaf_per_series_and_business_type(app: TestApp) {
    let token = analyst(&app).await;
    let admin = app.admin().await;
    create_charge_item(
        &app,
        &admin,
        charge_item("REG-1", "普通挂号费", "REGISTRATION", "8"),
    )
    .await;
    let v = create_version(&app, &token, "mappings").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let out = add_node(&app, &token, v, "dim-doc-out-eval-1", Some(doc)).await;
    let inp = add_node(&app, &token, v, "dim-doc-in-eval-1", Some(doc)).await;
    let treat = add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let sur_out = add_node(&app, &token, v, "dim-doc-sur-out-1", Some(doc)).await;
    let nur = add_node(&app, &token, v, "dim-nur", None).await;
    let base = add_node(&app, &token, v, "dim-nur-base", Some(nur)).await;
    let bed = add_node(&app, &token, v, "dim-nur-bed", Some(nur)).await;
    let cost = add_node(&app, &token, v, "dim-cost", None).await;
    let other = create_version(&app, &token, "other").await;
    let foreign = add_node(&app, &token, other, "dim-doc-treat", None).await;

    let first = map(&app, &token, v, out, "REG-1").await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    assert_eq!(first.body["node_code"], "dim-doc-out-eval-1");
    assert_eq!(first.body["node_name"], "dim-doc-out-eval-1");
    assert_eq!(
        first.body["item_name"], "普通挂号费",
        "the catalogue's name"
    );
    assert_eq!(first.body["model_version_id"], v);
    // Outpatient and inpatient do not overlap; another series may take the item too.
    assert_eq!(map(&app, &token, v, inp, "REG-1").await.status, 201);
    let nursing = map(&app, &token, v, base, "REG-1").await;
    assert_eq!(nursing.status, 201);
    assert_eq!(nursing.body["item_name"], "普通挂号费");
    // ALL overlaps both; the same pair twice is a duplicate too.
    let resp = map(&app, &token, v, treat, "REG-1").await;
    assert_duplicate(&resp, "item_code");
    assert_eq!(
        resp.body["detail"],
        "item_code REG-1 already feeds dim-doc-out-eval-1 of the DOCTOR series for outpatient charges; \
an item feeds one leaf per series and business type"
    );
    let resp = map(&app, &token, v, out, "REG-1").await;
    assert_duplicate(&resp, "item_code");
    assert_eq!(
        resp.body["detail"],
        "item_code REG-1 is already mapped to dim-doc-out-eval-1"
    );
    // An ALL leaf first: then an outpatient one overlaps it.
    assert_eq!(map(&app, &token, v, treat, "TRT-1").await.status, 201);
    let resp = map(&app, &token, v, sur_out, "TRT-1").await;
    assert_duplicate(&resp, "item_code");
    assert!(
        resp.body["detail"]
            .as_str()
            .unwrap()
            .contains("already feeds dim-doc-treat of the DOCTOR series for outpatient charges"),
        "{:?}",
        resp.body
    );
    assert_eq!(
        map(&app, &token, v, sur_out, "SURG-1").await.status,
        201,
        "an item not in the catalogue can be mapped"
    );

    // Only CHARGE leaves of this version take items.
    for (node, message) in [
        (
            bed,
            "dim-nur-bed is a WORKLOAD node; only CHARGE nodes have items",
        ),
        (
            cost,
            "dim-cost is a COST node; only CHARGE nodes have items",
        ),
        (doc, "dim-doc has child nodes; items are mapped to leaves"),
        (foreign, "no such node in this model version"),
        (987654, "no such node in this model version"),
    ] {
        let resp = map(&app, &token, v, node, "X-1").await;
        assert_eq!(assert_invalid(&resp, "node_id"), message);
    }
    assert_eq!(
        assert_invalid(&map(&app, &token, v, out, "bad code!").await, "item_code"),
        "may contain only letters, digits, '-', '_' and '.'"
    );
    assert_eq!(
        assert_invalid(&map(&app, &token, v, out, "").await, "item_code"),
        "must not be empty"
    );
    map(&app, &token, 987654, out, "X-1")
        .await
        .assert_problem(404, "NOT_FOUND");

    // The list: by node code then item code, filtered by node and searched.
    let all = app
        .get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
        .await;
    assert_eq!(all.body["total"], 5);
    assert_eq!(
        column(&all, "node_code"),
        [
            "dim-doc-in-eval-1",
            "dim-doc-out-eval-1",
            "dim-doc-sur-out-1",
            "dim-doc-treat",
            "dim-nur-base"
        ]
    );
    assert_eq!(
        column(&all, "item_name"),
        ["普通挂号费", "普通挂号费", "null", "null", "普通挂号费"]
    );
    let of_node = app
        .get(
            &format!("/api/v1/model-versions/{v}/mappings?node_id={treat}"),
            &token,
        )
        .await;
    assert_eq!(column(&of_node, "item_code"), ["TRT-1"]);
    let searched = app
        .get(
            &format!("/api/v1/model-versions/{v}/mappings?q={}", enc("挂号")),
            &token,
        )
        .await;
    assert_eq!(searched.body["total"], 3);
    let paged = app
        .get(
            &format!("/api/v1/model-versions/{v}/mappings?page=2&page_size=2"),
            &token,
        )
        .await;
    assert_eq!(
        column(&paged, "node_code"),
        ["dim-doc-sur-out-1", "dim-doc-treat"]
    );
    assert_eq!(paged.body["total"], 5);
    let nodes = tree(&app, &token, v).await;
    let out_node = nodes.iter().find(|n| n["id"] == out).unwrap();
    assert_eq!(out_node["mapping_count"], 1);

    // Deleted, the pair can be mapped elsewhere.
    let id = first.body["id"].as_i64().unwrap();
    let resp = app
        .delete(&format!("/api/v1/dimension-item-mappings/{id}"), &token)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    app.delete(&format!("/api/v1/dimension-item-mappings/{id}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    assert_eq!(map(&app, &token, v, treat, "REG-2").await.status, 201);
    let resp = map(&app, &token, v, treat, "REG-1").await;
    assert_duplicate(&resp, "item_code");
    assert!(
        resp.body["detail"]
            .as_str()
            .unwrap()
            .contains("dim-doc-in-eval-1")
    );
}

/// The conflict check and the insert run under the version's lock: of two conflicting mappings sent at
/// once, one is saved and the other refused.
async fn conflicting_mappings_sent_at_once_admit_one(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "race").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let treat = add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let out = add_node(&app, &token, v, "dim-doc-sur-out-1", Some(doc)).await;
    for i in 0..5 {
        let item = format!("TRT-{i}");
        let (a, b) = tokio::join!(
            map(&app, &token, v, treat, &item),
            map(&app, &token, v, out, &item)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{item}: {:?} / {:?}", a.body, b.body);
    }
    let all = app
        .get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
        .await;
    assert_eq!(all.body["total"], 5);
}

async fn mapping_files_are_imported_whole_or_not_at_all(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "import").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let out = add_node(&app, &token, v, "dim-doc-out-eval-1", Some(doc)).await;
    add_node(&app, &token, v, "dim-doc-in-eval-1", Some(doc)).await;
    add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let tech = add_node(&app, &token, v, "dim-tech", None).await;
    add_node(&app, &token, v, "dim-tech-lab", Some(tech)).await;
    let nur = add_node(&app, &token, v, "dim-nur", None).await;
    add_node(&app, &token, v, "dim-nur-bed", Some(nur)).await;
    assert_eq!(map(&app, &token, v, out, "REG-1").await.status, 201);

    let bad = "node_code,item_code\n\
               dim-doc-in-eval-1,REG-1\n\
               dim-doc-treat,REG-1\n\
               dim-tech-lab,LAB-1\n\
               dim-nope,LAB-2\n\
               dim-nur-bed,NUR-1\n\
               dim-tech,LAB-3\n\
               dim-tech-lab,bad code\n\
               dim-doc-treat,TRT-1\n\
               dim-doc-in-eval-1,TRT-1\n\
               dim-tech-lab,LAB-1\n\
               dim-tech-lab\n\
               ,LAB-4\n";
    let resp = upload(&app, &token, v, bad).await;
    resp.assert_problem(422, "IMPORT_REJECTED");
    assert_eq!(
        resp.body["detail"],
        "the file has 9 problems; nothing was imported"
    );
    assert_eq!(
        resp.body["report"]["errors"],
        json!([
            { "row": 3, "field": "item_code", "reason": "REG-1 already feeds dim-doc-out-eval-1 of the DOCTOR series for outpatient charges; an item feeds one leaf per series and business type" },
            { "row": 5, "field": "node_code", "reason": "no node dim-nope in this model version" },
            { "row": 6, "field": "node_code", "reason": "dim-nur-bed is a WORKLOAD node; only CHARGE nodes have items" },
            { "row": 7, "field": "node_code", "reason": "dim-tech has child nodes; items are mapped to leaves" },
            { "row": 8, "field": "item_code", "reason": "may contain only letters, digits, '-', '_' and '.'" },
            { "row": 10, "field": "item_code", "reason": "TRT-1 already feeds dim-doc-treat (row 9) of the DOCTOR series for inpatient charges; an item feeds one leaf per series and business type" },
            { "row": 11, "field": "item_code", "reason": "LAB-1 is already mapped to dim-tech-lab by row 4" },
            { "row": 12, "field": "", "reason": "has 1 fields; expected 2 (node_code,item_code)" },
            { "row": 13, "field": "node_code", "reason": "must not be empty" },
        ]),
        "{:#}",
        resp.body
    );
    let listed = app
        .get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
        .await;
    assert_eq!(listed.body["total"], 1, "nothing written");

    // Header problems are row 1; an empty file has no header.
    for (csv, reason) in [
        (
            "item_code,node_code,extra\nREG-1,dim-doc-treat,x\n",
            "the header must be node_code,item_code; found item_code,node_code,extra",
        ),
        (
            "code,item\n",
            "the header must be node_code,item_code; found code,item",
        ),
        (
            "",
            "the file is empty; expected the header node_code,item_code",
        ),
    ] {
        let resp = upload(&app, &token, v, csv).await;
        resp.assert_problem(422, "IMPORT_REJECTED");
        assert_eq!(
            resp.body["report"]["errors"],
            json!([{ "row": 1, "field": "", "reason": reason }]),
            "{csv:?}"
        );
    }

    // A good file: a BOM, columns in another order and case, CRLF, a blank line, a pair already there.
    let good = "\u{feff}Item_Code,node_code\r\n\
                REG-1,dim-doc-out-eval-1\r\n\
                REG-1,dim-doc-in-eval-1\r\n\
                \r\n\
                LAB-1,dim-tech-lab\r\n\
                LAB-2, dim-tech-lab \r\n\
                TRT-1,dim-doc-treat\r\n";
    let resp = upload(&app, &token, v, good).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(
        resp.body,
        json!({ "rows": 5, "inserted": 4, "already_present": 1 })
    );
    let again = upload(&app, &token, v, good).await;
    assert_eq!(
        again.body,
        json!({ "rows": 5, "inserted": 0, "already_present": 5 }),
        "idempotent"
    );
    let expected = "node_code,item_code\n\
                    dim-doc-in-eval-1,REG-1\n\
                    dim-doc-out-eval-1,REG-1\n\
                    dim-doc-treat,TRT-1\n\
                    dim-tech-lab,LAB-1\n\
                    dim-tech-lab,LAB-2\n";
    let exported = export(&app, &token, v).await;
    assert_eq!(exported, expected);
    // The export imports into a copy's empty twin as is.
    let twin = create_version(&app, &token, "twin").await;
    let d = add_node(&app, &token, twin, "dim-doc", None).await;
    for code in ["dim-doc-out-eval-1", "dim-doc-in-eval-1", "dim-doc-treat"] {
        add_node(&app, &token, twin, code, Some(d)).await;
    }
    let t = add_node(&app, &token, twin, "dim-tech", None).await;
    add_node(&app, &token, twin, "dim-tech-lab", Some(t)).await;
    let resp = upload(&app, &token, twin, &exported).await;
    assert_eq!(
        resp.body,
        json!({ "rows": 5, "inserted": 5, "already_present": 0 })
    );
    assert_eq!(export(&app, &token, twin).await, expected);

    // The upload itself: multipart with a `file` part, within the size limit.
    let resp = app
        .post(
            &format!("/api/v1/model-versions/{v}/mappings/import"),
            &token,
            json!({}),
        )
        .await;
    resp.assert_problem(415, "UNSUPPORTED_MEDIA_TYPE");
    let resp = upload_parts(&app, &token, v, &[("other", b"node_code,item_code\n")]).await;
    assert_eq!(
        assert_invalid(&resp, "file"),
        "is required: send the CSV as the multipart part named `file`"
    );
    let huge = vec![b'a'; 4 * 1024 * 1024 + 1];
    let resp = upload_parts(&app, &token, v, &[("file", &huge)]).await;
    resp.assert_problem(413, "PAYLOAD_TOO_LARGE");
    let resp = upload_parts(
        &app,
        &token,
        v,
        &[("file", b"node_code,item_code\n\xff\xfe,X\n")],
    )
    .await;
    resp.assert_problem(422, "IMPORT_REJECTED");
    assert_eq!(
        resp.body["report"]["errors"],
        json!([{ "row": 2, "field": "", "reason": "is not UTF-8 text" }])
    );
    let resp = upload(&app, &token, 987654, "node_code,item_code\n").await;
    resp.assert_problem(404, "NOT_FOUND");
}

async fn a_version_a_task_ran_on_is_frozen(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "frozen").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let leaf = add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let mapping = map(&app, &token, v, leaf, "TRT-1").await;
    let mapping = mapping.body["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/model-versions/{v}/orientation-rules"),
            &token,
            rule("dim-doc-treat", None),
        )
        .await;
    let r = created(&r, "rule");
    run_a_task_on(&app, v).await;

    let read = app
        .get(&format!("/api/v1/model-versions/{v}"), &token)
        .await;
    assert_eq!(read.body["in_use"], true);
    let attempts = vec![
        patch(
            &app,
            &format!("/api/v1/model-versions/{v}"),
            &token,
            json!({ "name": "renamed" }),
        )
        .await,
        app.delete(&format!("/api/v1/model-versions/{v}"), &token)
            .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/nodes"),
            &token,
            json!({ "code": "dim-doc-sur", "name": "手术", "parent_id": doc }),
        )
        .await,
        patch(
            &app,
            &format!("/api/v1/dimension-nodes/{leaf}"),
            &token,
            json!({ "weight": "2" }),
        )
        .await,
        app.delete(&format!("/api/v1/dimension-nodes/{leaf}"), &token)
            .await,
        map(&app, &token, v, leaf, "TRT-2").await,
        app.delete(
            &format!("/api/v1/dimension-item-mappings/{mapping}"),
            &token,
        )
        .await,
        upload(
            &app,
            &token,
            v,
            "node_code,item_code\ndim-doc-treat,TRT-3\n",
        )
        .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/orientation-rules"),
            &token,
            rule("dim-doc", None),
        )
        .await,
        app.put(
            &format!("/api/v1/orientation-rules/{r}"),
            &token,
            rule("dim-doc-treat", None),
        )
        .await,
        app.delete(&format!("/api/v1/orientation-rules/{r}"), &token)
            .await,
    ];
    for (i, resp) in attempts.iter().enumerate() {
        resp.assert_problem(409, "MODEL_VERSION_IN_USE");
        assert!(
            resp.body["detail"]
                .as_str()
                .unwrap()
                .contains("copy it and edit the copy"),
            "attempt {i}: {:?}",
            resp.body
        );
    }
    // Nothing changed; reading, activating and copying still work, and the copy is editable.
    assert_eq!(tree(&app, &token, v).await.len(), 2);
    let activated = app
        .post(
            &format!("/api/v1/model-versions/{v}/activate"),
            &token,
            json!({}),
        )
        .await;
    assert_eq!(activated.status, 200);
    let copy = app
        .post(
            &format!("/api/v1/model-versions/{v}/copy"),
            &token,
            json!({ "name": "frozen, revised" }),
        )
        .await;
    let copy = created(&copy, "copy");
    let read = app
        .get(&format!("/api/v1/model-versions/{copy}"), &token)
        .await;
    assert_eq!(read.body["in_use"], false);
    let sur = app
        .post(
            &format!("/api/v1/model-versions/{copy}/nodes"),
            &token,
            json!({ "code": "dim-doc-sur", "name": "手术" }),
        )
        .await;
    assert_eq!(sur.status, 201, "{:?}", sur.body);
}

async fn orientation_rules_and_their_ladders_are_checked(app: TestApp) {
    let token = analyst(&app).await;
    let admin = app.admin().await;
    create_department(&app, &admin, "INT", "内科").await;
    let v = create_version(&app, &token, "rules").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    add_node(&app, &token, v, "dim-doc-out-eval-1", Some(doc)).await;
    let path = format!("/api/v1/model-versions/{v}/orientation-rules");

    let all = app
        .post(&path, &token, rule("dim-doc-out-eval-1", None))
        .await;
    assert_eq!(all.status, 201, "{:?}", all.body);
    assert_eq!(all.body["benchmark"], "1200.0000");
    assert_eq!(all.body["is_active"], true);
    assert_eq!(all.body["department_code"], Value::Null);
    assert_eq!(
        all.body["ladder"],
        json!([
            { "lower_bound": "0.0000", "upper_bound": "0.8000", "intensity": "0.9000" },
            { "lower_bound": "0.8000", "upper_bound": "1.2000", "intensity": "1.0000" },
            { "lower_bound": "1.2000", "upper_bound": null, "intensity": "1.1000" },
        ])
    );
    let all = all.body["id"].as_i64().unwrap();
    // One department's rule beside the hospital-wide one; bands given out of order are stored sorted.
    let mut int = rule("dim-doc-out-eval-1", Some("INT"));
    int["ladder"] = json!([
        { "lower_bound": 1, "upper_bound": null, "intensity": 1.05 },
        { "lower_bound": 0, "upper_bound": 1, "intensity": 1 },
    ]);
    let int = app.post(&path, &token, int).await;
    assert_eq!(int.status, 201, "{:?}", int.body);
    assert_eq!(int.body["ladder"][0]["lower_bound"], "0.0000");
    let int_id = int.body["id"].as_i64().unwrap();

    // At most one active rule per node and department; an inactive one may sit beside it.
    let twice = app
        .post(&path, &token, rule("dim-doc-out-eval-1", None))
        .await;
    assert_duplicate(&twice, "node_code");
    let mut inactive = rule("dim-doc-out-eval-1", None);
    inactive["is_active"] = json!(false);
    let inactive = app.post(&path, &token, inactive).await;
    assert_eq!(inactive.status, 201, "{:?}", inactive.body);
    let inactive_id = inactive.body["id"].as_i64().unwrap();
    let mut activated = rule("dim-doc-out-eval-1", None);
    activated["name"] = json!("新规则");
    let resp = app
        .put(
            &format!("/api/v1/orientation-rules/{inactive_id}"),
            &token,
            activated.clone(),
        )
        .await;
    assert_duplicate(&resp, "node_code");

    // Field by field.
    let with = |field: &str, value: Value| {
        let mut body = rule("dim-doc-out-eval-1", Some("INT"));
        body["is_active"] = json!(false);
        body[field] = value;
        body
    };
    let cases = [
        (
            with("node_code", json!("dim-doc-nope")),
            "node_code",
            "no node with this code in the model version",
        ),
        (
            with("node_code", json!("")),
            "node_code",
            "must not be empty",
        ),
        (
            with("department_code", json!("SUR")),
            "department_code",
            "no department with this code in your hospital",
        ),
        (with("name", json!("")), "name", "must not be empty"),
        (
            with("benchmark", json!("0")),
            "benchmark",
            "must be greater than 0",
        ),
        (
            with("benchmark", json!("-5")),
            "benchmark",
            "must be greater than 0",
        ),
        (
            with("benchmark", json!("1.00001")),
            "benchmark",
            "must have at most 4 decimal places",
        ),
        (
            with("ladder", json!([])),
            "ladder",
            "needs at least one band",
        ),
        (
            with(
                "ladder",
                json!([
                    { "lower_bound": "0", "upper_bound": "1", "intensity": "1" },
                    { "lower_bound": "0.9", "upper_bound": null, "intensity": "1.1" },
                ]),
            ),
            "ladder",
            "bands overlap: a ratio would fall in more than one (a band includes its lower bound and excludes its upper bound)",
        ),
        (
            with(
                "ladder",
                json!([
                    { "lower_bound": "0", "upper_bound": null, "intensity": "1" },
                    { "lower_bound": "2", "upper_bound": null, "intensity": "1.1" },
                ]),
            ),
            "ladder",
            "bands overlap: a ratio would fall in more than one (a band includes its lower bound and excludes its upper bound)",
        ),
        (
            with(
                "ladder",
                json!([{ "lower_bound": "1", "upper_bound": "1", "intensity": "1" }]),
            ),
            "ladder[0].upper_bound",
            "must be greater than lower_bound",
        ),
        (
            with(
                "ladder",
                json!([
                    { "lower_bound": "0", "upper_bound": "1", "intensity": "1" },
                    { "lower_bound": "1", "upper_bound": null, "intensity": "-0.5" },
                ]),
            ),
            "ladder[1].intensity",
            "must not be negative",
        ),
        (
            with(
                "ladder",
                json!([
                    { "lower_bound": "0", "upper_bound": "1", "intensity": "10" },
                    { "lower_bound": "1", "upper_bound": null, "intensity": "10.0001" },
                ]),
            ),
            "ladder[1].intensity",
            "must be at most 10.0000",
        ),
        (
            with(
                "ladder",
                json!([{ "lower_bound": "0.00001", "upper_bound": null, "intensity": "1" }]),
            ),
            "ladder[0].lower_bound",
            "must have at most 4 decimal places",
        ),
    ];
    for (body, field, message) in cases {
        let resp = app.post(&path, &token, body.clone()).await;
        assert_eq!(assert_invalid(&resp, field), message, "{body}");
    }
    let missing = app
        .post(
            &path,
            &token,
            json!({ "node_code": "dim-doc", "name": "x", "benchmark": 1 }),
        )
        .await;
    assert_eq!(assert_invalid(&missing, "ladder"), "missing field `ladder`");

    // PUT replaces the rule and its ladder whole.
    let mut replaced = rule("dim-doc", Some("INT"));
    replaced["benchmark"] = json!(50.5);
    replaced["ladder"] = json!([{ "lower_bound": "-1", "upper_bound": null, "intensity": "0" }]);
    let resp = app
        .put(
            &format!("/api/v1/orientation-rules/{int_id}"),
            &token,
            replaced,
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["node_code"], "dim-doc");
    assert_eq!(resp.body["benchmark"], "50.5000");
    assert_eq!(
        resp.body["ladder"],
        json!([{ "lower_bound": "-1.0000", "upper_bound": null, "intensity": "0.0000" }])
    );
    app.put(
        "/api/v1/orientation-rules/987654",
        &token,
        rule("dim-doc", None),
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    // The list: by node code, filtered.
    let list = app.get(&path, &token).await;
    assert_eq!(list.body["total"], 3);
    assert_eq!(
        column(&list, "node_code"),
        ["dim-doc", "dim-doc-out-eval-1", "dim-doc-out-eval-1"]
    );
    let filtered = app.get(&format!("{path}?node_code=dim-doc"), &token).await;
    assert_eq!(ids(&filtered), vec![int_id]);
    assert_eq!(
        filtered.body["items"][0]["ladder"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Deleting the hospital-wide rule frees its place.
    let resp = app
        .delete(&format!("/api/v1/orientation-rules/{all}"), &token)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    let resp = app
        .put(
            &format!("/api/v1/orientation-rules/{inactive_id}"),
            &token,
            activated,
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["is_active"], true);
    app.delete(&format!("/api/v1/orientation-rules/{all}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
}

async fn another_hospitals_model_is_not_found(app: TestApp) {
    let token = analyst(&app).await;
    let v = create_version(&app, &token, "ours").await;
    let doc = add_node(&app, &token, v, "dim-doc", None).await;
    let leaf = add_node(&app, &token, v, "dim-doc-treat", Some(doc)).await;
    let m = map(&app, &token, v, leaf, "TRT-1").await.body["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/api/v1/model-versions/{v}/orientation-rules"),
            &token,
            rule("dim-doc-treat", None),
        )
        .await;
    let r = created(&r, "rule");
    let theirs = app.token('b', Role::Admin).await;
    let responses = [
        app.get(&format!("/api/v1/model-versions/{v}"), &theirs)
            .await,
        patch(
            &app,
            &format!("/api/v1/model-versions/{v}"),
            &theirs,
            json!({ "name": "x" }),
        )
        .await,
        app.delete(&format!("/api/v1/model-versions/{v}"), &theirs)
            .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/copy"),
            &theirs,
            json!({ "name": "x" }),
        )
        .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/activate"),
            &theirs,
            json!({}),
        )
        .await,
        app.get(&format!("/api/v1/model-versions/{v}/nodes"), &theirs)
            .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/nodes"),
            &theirs,
            json!({ "code": "dim-tech", "name": "x" }),
        )
        .await,
        patch(
            &app,
            &format!("/api/v1/dimension-nodes/{leaf}"),
            &theirs,
            json!({ "name": "x" }),
        )
        .await,
        app.delete(&format!("/api/v1/dimension-nodes/{leaf}"), &theirs)
            .await,
        app.get(&format!("/api/v1/model-versions/{v}/mappings"), &theirs)
            .await,
        map(&app, &theirs, v, leaf, "X-1").await,
        app.delete(&format!("/api/v1/dimension-item-mappings/{m}"), &theirs)
            .await,
        upload(&app, &theirs, v, "node_code,item_code\n").await,
        app.get(&format!("/api/v1/model-versions/{v}/mappings.csv"), &theirs)
            .await,
        app.get(
            &format!("/api/v1/model-versions/{v}/orientation-rules"),
            &theirs,
        )
        .await,
        app.post(
            &format!("/api/v1/model-versions/{v}/orientation-rules"),
            &theirs,
            rule("dim-doc-treat", None),
        )
        .await,
        app.put(
            &format!("/api/v1/orientation-rules/{r}"),
            &theirs,
            rule("dim-doc-treat", None),
        )
        .await,
        app.delete(&format!("/api/v1/orientation-rules/{r}"), &theirs)
            .await,
    ];
    for (i, resp) in responses.iter().enumerate() {
        assert_eq!(resp.status, 404, "call {i}: {:?}", resp.body);
    }
    let list = app.get("/api/v1/model-versions", &theirs).await;
    assert_eq!(list.body["total"], 0);
    // Everything is still there for its owner.
    assert_eq!(tree(&app, &token, v).await.len(), 2);
    assert_eq!(
        app.get(&format!("/api/v1/model-versions/{v}/mappings"), &token)
            .await
            .body["total"],
        1
    );
}

/// One step of a random edit sequence: add a node under the `n`th existing node (or at the top), or move
/// the `n`th node under the `m`th (or to the top). Moves into its own subtree must be refused.
#[derive(Debug, Clone)]
enum Op {
    Add(Option<usize>),
    Move(usize, Option<usize>),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        proptest::option::of(0usize..50).prop_map(Op::Add),
        (0usize..50, proptest::option::of(0usize..50)).prop_map(|(a, b)| Op::Move(a, b)),
    ];
    proptest::collection::vec(op, 4..14)
}

/// Applies `ops` to a new version; answers the stored closure, the one the parent links imply, and the
/// number of nodes listed and added.
async fn apply(
    app: &TestApp,
    token: &str,
    case: usize,
    ops: &[Op],
) -> (
    BTreeSet<(i64, i64, i32)>,
    BTreeSet<(i64, i64, i32)>,
    usize,
    usize,
) {
    let v = create_version(app, token, &format!("random {case}")).await;
    let mut nodes: Vec<i64> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match *op {
            Op::Add(parent) => {
                let parent = parent
                    .filter(|_| !nodes.is_empty())
                    .map(|p| nodes[p % nodes.len()]);
                let code = format!("dim-tech-n{i}");
                nodes.push(add_node(app, token, v, &code, parent).await);
            }
            Op::Move(node, parent) if !nodes.is_empty() => {
                let node = nodes[node % nodes.len()];
                let parent = parent.map(|p| nodes[p % nodes.len()]);
                let resp = patch(
                    app,
                    &format!("/api/v1/dimension-nodes/{node}"),
                    token,
                    json!({ "parent_id": parent }),
                )
                .await;
                assert!(resp.status == 200 || resp.status == 422, "{:?}", resp.body);
            }
            Op::Move(..) => {}
        }
    }
    let listed = tree(app, token, v).await;
    (
        stored_closure(app, v).await,
        closure_from_parents(&listed),
        listed.len(),
        nodes.len(),
    )
}

/// Random insert and move sequences (refused moves included) keep the stored closure equal to the one the
/// parent links imply.
async fn random_inserts_and_moves_keep_the_closure_exact(app: TestApp) {
    let token = analyst(&app).await;
    let handle = tokio::runtime::Handle::current();
    let cases = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 6,
        max_shrink_iters: 20,
        ..ProptestConfig::default()
    });
    let result = runner.run(&ops(), |ops| {
        let case = cases.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (stored, expected, listed, added) =
            tokio::task::block_in_place(|| handle.block_on(apply(&app, &token, case, &ops)));
        prop_assert_eq!(stored, expected);
        prop_assert_eq!(listed, added);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
