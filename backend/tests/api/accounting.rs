//! The calculation pipeline, tasks and drill-down, on a small hospital whose every number is worked out by hand.
//!
//! The model (weights in brackets):
//!   dim-doc                 医生
//!     dim-doc-out-eval-1    门诊诊察 [0.5]  prescribing dept, outpatient only, split   ← REG
//!     dim-doc-treat         治疗     [2]    executing dept, both types, split          ← TRT
//!   dim-tech                医技
//!     dim-tech-lab          检验     [1.5]  executing dept, not split                   ← CBC
//!   dim-nur                 护理
//!     dim-nur-base          基础护理 [1]    executing dept                               ← NUR
//!     dim-nur-bed           床日     [15]   workload records
//!   dim-cost                成本
//!     dim-cost-labor        人力成本 [1]    cost records
//! Charges of 2026-10 (hospital A): see `charges()`; DRUG1 is mapped to nothing, XXX and ZZZ are no department.
use crate::db_tests;
use crate::helpers::TestApp;
use hospital::domain::accounting::charge_line::ChargeSource;
use hospital::domain::foundation::money::Amount;
use hospital::services::accounting::{
    calculation_tasks::{self, Checkpoint},
    charge_totals, pipeline,
};
use hospital::{
    domain::{
        accounting::calculation::StepKind, accounting::dimension::rules_for, foundation::role::Role,
    },
    entities::{
        accounting::charge_detail, accounting::dimension_closure,
        accounting::dimension_item_mapping, accounting::dimension_node, accounting::model_version,
        accounting::orientation_ladder, accounting::orientation_rule, foundation::department,
    },
};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering::SeqCst},
};

pub struct Ledger {
    pub version: i64,
    pub nodes: HashMap<&'static str, i64>,
    pub departments: HashMap<&'static str, i64>,
}

async fn insert_department(app: &TestApp, hospital_id: i64, code: &str, name: &str) -> i64 {
    let now = chrono::Utc::now();
    department::ActiveModel {
        hospital_id: Set(hospital_id),
        code: Set(code.into()),
        name: Set(name.into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

/// The tree above, written straight into the tables (with its closure), for hospital A.
pub async fn model(app: &TestApp) -> Ledger {
    let h = app.hospital_a;
    let now = chrono::Utc::now();
    let version = model_version::ActiveModel {
        hospital_id: Set(h),
        name: Set("2026 测试模型".into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id;
    let tree: [(&str, &str, Option<&str>, i64); 11] = [
        ("dim-doc", "医生", None, 10_000),
        ("dim-doc-out-eval-1", "门诊诊察", Some("dim-doc"), 5_000),
        ("dim-doc-treat", "治疗", Some("dim-doc"), 20_000),
        ("dim-tech", "医技", None, 10_000),
        ("dim-tech-lab", "检验", Some("dim-tech"), 15_000),
        ("dim-nur", "护理", None, 10_000),
        ("dim-nur-base", "基础护理", Some("dim-nur"), 10_000),
        ("dim-nur-bed", "床日", Some("dim-nur"), 150_000),
        ("dim-cost", "成本", None, 10_000),
        ("dim-cost-labor", "人力成本", Some("dim-cost"), 10_000),
        ("dim-tech-img", "影像", Some("dim-tech"), 10_000),
    ];
    let mut nodes: HashMap<&'static str, i64> = HashMap::new();
    let mut ancestors: HashMap<i64, Vec<(i64, i32)>> = HashMap::new();
    for (code, name, parent, weight) in tree {
        let rules = rules_for(code).unwrap();
        let parent_id = parent.map(|p| nodes[p]);
        let id = dimension_node::ActiveModel {
            hospital_id: Set(h),
            model_version_id: Set(version),
            parent_id: Set(parent_id),
            code: Set(code.into()),
            name: Set(name.into()),
            series: Set(rules.series),
            kind: Set(rules.kind),
            dept_field: Set(rules.dept_field),
            splits_business_type: Set(rules.splits_business_type),
            business_type_scope: Set(rules.business_type_scope),
            weight: Set(Amount::from_scaled(weight)),
            sort: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap()
        .id;
        let mut mine = vec![(id, 0)];
        if let Some(p) = parent_id {
            mine.extend(ancestors[&p].iter().map(|(a, d)| (*a, d + 1)));
        }
        for (ancestor, depth) in &mine {
            dimension_closure::ActiveModel {
                ancestor_id: Set(*ancestor),
                descendant_id: Set(id),
                model_version_id: Set(version),
                depth: Set(*depth),
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        ancestors.insert(id, mine);
        nodes.insert(code, id);
    }
    for (node, item) in [
        ("dim-doc-out-eval-1", "REG"),
        ("dim-doc-treat", "TRT"),
        ("dim-tech-lab", "CBC"),
        ("dim-nur-base", "NUR"),
    ] {
        dimension_item_mapping::ActiveModel {
            hospital_id: Set(h),
            model_version_id: Set(version),
            node_id: Set(nodes[node]),
            item_code: Set(item.into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let mut departments = HashMap::new();
    departments.insert("INT", insert_department(app, h, "INT", "内科").await);
    departments.insert("LAB", insert_department(app, h, "LAB", "检验科").await);
    // Same codes in hospital B: its lines must never reach A's results.
    insert_department(app, app.hospital_b, "INT", "内科").await;
    Ledger {
        version,
        nodes,
        departments,
    }
}

/// A charge line: (id, business type, prescribing, executing, item, quantity, amount in ten-thousandths, period).
type Line = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    &'static str,
);

pub fn charges() -> Vec<Line> {
    vec![
        (
            "L1",
            "OUTPATIENT",
            "INT",
            "INT",
            "REG",
            1,
            200_000,
            "2026-10",
        ),
        (
            "L2",
            "OUTPATIENT",
            "INT",
            "INT",
            "REG",
            1,
            300_000,
            "2026-10",
        ),
        (
            "L3",
            "INPATIENT",
            "INT",
            "INT",
            "REG",
            1,
            500_000,
            "2026-10",
        ),
        (
            "L4",
            "OUTPATIENT",
            "INT",
            "LAB",
            "CBC",
            2,
            400_000,
            "2026-10",
        ),
        (
            "L5",
            "INPATIENT",
            "INT",
            "LAB",
            "CBC",
            1,
            250_000,
            "2026-10",
        ),
        (
            "L6",
            "OUTPATIENT",
            "INT",
            "INT",
            "TRT",
            1,
            1_000_000,
            "2026-10",
        ),
        (
            "L7",
            "INPATIENT",
            "INT",
            "INT",
            "TRT",
            3,
            3_000_000,
            "2026-10",
        ),
        (
            "L8",
            "INPATIENT",
            "INT",
            "INT",
            "NUR",
            10,
            600_000,
            "2026-10",
        ),
        (
            "L9",
            "OUTPATIENT",
            "XXX",
            "LAB",
            "CBC",
            1,
            100_000,
            "2026-10",
        ),
        (
            "L10",
            "OUTPATIENT",
            "INT",
            "INT",
            "DRUG1",
            5,
            555_500,
            "2026-10",
        ),
        (
            "L11",
            "OUTPATIENT",
            "INT",
            "INT",
            "REG",
            -1,
            -200_000,
            "2026-10",
        ),
        (
            "L12",
            "OUTPATIENT",
            "INT",
            "ZZZ",
            "TRT",
            1,
            70_000,
            "2026-10",
        ),
        (
            "S1",
            "OUTPATIENT",
            "INT",
            "INT",
            "REG",
            1,
            9_990_000,
            "2026-09",
        ),
    ]
}

/// Writes charge lines as visible lines without an import (as lines written before imports were recorded),
/// with their totals, as the product keeps them for every visible line.
pub async fn insert_charges(app: &TestApp, hospital_id: i64, lines: &[Line]) {
    let now = chrono::Utc::now();
    let rows: Vec<charge_detail::Model> = lines
        .iter()
        .map(
            |(id, bt, presc, exec, item, qty, amount, period)| charge_detail::Model {
                id: 0,
                hospital_id,
                source: ChargeSource::Import,
                source_line_id: (*id).into(),
                business_type: bt.parse().expect("a business type"),
                prescribing_dept_code: (*presc).into(),
                executing_dept_code: (*exec).into(),
                item_code: (*item).into(),
                item_name: format!("项目{item}"),
                item_category: Some("TREATMENT".into()),
                quantity: Amount::from_scaled(qty * 10_000),
                amount: Amount::from_scaled(*amount),
                charged_at: now,
                period: (*period).parse().unwrap(),
                billing_id: None,
                import_id: None,
                created_at: now,
            },
        )
        .collect();
    charge_totals::add_rows(&app.db, &rows).await.unwrap();
    charge_detail::Entity::insert_many(rows.into_iter().map(|r| {
        let mut r = r.into_active_model();
        r.id = sea_orm::ActiveValue::NotSet;
        r
    }))
    .exec(&app.db)
    .await
    .unwrap();
}

/// Workload, cost and orientation inputs of 2026-10, and the two orientation rules.
pub async fn inputs(app: &TestApp, ledger: &Ledger) {
    let h = app.hospital_a;
    for (table, dept, node, column, value) in [
        (
            "workload_record",
            "INT",
            "dim-nur-bed",
            "quantity",
            1_000_000,
        ),
        ("cost_record", "INT", "dim-cost-labor", "amount", 5_000_000),
        ("cost_record", "LAB", "dim-cost-labor", "amount", 2_000_000),
        (
            "orientation_value",
            "INT",
            "dim-doc-treat",
            "actual_value",
            1_250_000,
        ),
    ] {
        let now = match app.backend {
            crate::helpers::Backend::Postgres => "NOW()",
            _ => "CURRENT_TIMESTAMP",
        };
        app.execute(&format!(
            "INSERT INTO {table} (hospital_id, period, department_code, node_code, {column}, created_at) \
             VALUES ({h}, '2026-10', '{dept}', '{node}', {value}, {now})"
        ))
        .await;
    }
    let now = chrono::Utc::now();
    let ladder = [
        (0, Some(8_000), 9_000),
        (8_000, Some(12_000), 10_000),
        (12_000, None, 11_000),
    ];
    for (node, benchmark) in [("dim-doc-treat", 1_000_000), ("dim-tech-lab", 500_000)] {
        let rule = orientation_rule::ActiveModel {
            hospital_id: Set(h),
            model_version_id: Set(ledger.version),
            node_code: Set(node.into()),
            name: Set(format!("{node} 导向")),
            department_code: Set(None),
            benchmark: Set(Amount::from_scaled(benchmark)),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        for (i, (lower, upper, intensity)) in ladder.iter().enumerate() {
            orientation_ladder::ActiveModel {
                rule_id: Set(rule.id),
                lower_bound: Set(Amount::from_scaled(*lower)),
                upper_bound: Set(upper.map(Amount::from_scaled)),
                intensity: Set(Amount::from_scaled(*intensity)),
                sort: Set(i as i32),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
    }
}

/// Creates a task and waits for it to finish; returns its final state.
pub async fn run_task(app: &TestApp, token: &str, body: Value) -> Value {
    let created = app.post("/api/v1/calculation-tasks", token, body).await;
    assert_eq!(created.status, 202, "{:?}", created.body);
    wait(app, token, created.body["id"].as_i64().unwrap()).await
}

/// Queues a task again and waits for it to finish; returns its final state.
pub async fn rerun(app: &TestApp, token: &str, id: i64) -> Value {
    let queued = app
        .post(
            &format!("/api/v1/calculation-tasks/{id}/run"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(queued.status, 202, "{:?}", queued.body);
    wait(app, token, id).await
}

pub async fn wait(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let task = app
            .get(&format!("/api/v1/calculation-tasks/{id}"), token)
            .await;
        match task.body["status"].as_str() {
            Some("SUCCEEDED") | Some("FAILED") => return task.body,
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("task {id} did not finish");
}

pub async fn workflow_id(app: &TestApp, token: &str, default: bool) -> i64 {
    let list = app.get("/api/v1/calculation-workflows", token).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    list.body
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["is_default"] == default)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The matrix as {(department code, node code, business type or ""): cell}.
pub async fn cells(
    app: &TestApp,
    token: &str,
    task: i64,
) -> HashMap<(String, String, String), Value> {
    let m = app
        .get(&format!("/api/v1/calculation-tasks/{task}/results"), token)
        .await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    let depts: HashMap<i64, String> = m.body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let nodes: HashMap<i64, String> = m.body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_i64().unwrap(),
                n["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    m.body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                (
                    depts[&c["department_id"].as_i64().unwrap()].clone(),
                    nodes[&c["node_id"].as_i64().unwrap()].clone(),
                    c["business_type"].as_str().unwrap_or_default().to_owned(),
                ),
                c.clone(),
            )
        })
        .collect()
}

/// A decimal string without trailing zeros ("30.5000" → "30.5"), "null" when absent.
fn s(v: &Value) -> String {
    match v.as_str() {
        Some(text) if text.contains('.') => {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Some(text) => text.to_owned(),
        None => "null".to_owned(),
    }
}

/// (amount, quantity, weight, value, ratio) of a cell, as the API's decimal strings ("null" when absent).
fn figures(cell: &Value) -> [String; 5] {
    [
        s(&cell["amount"]),
        s(&cell["quantity"]),
        s(&cell["weight"]),
        s(&cell["value"]),
        s(&cell["ratio"]),
    ]
}

db_tests!(
    every_step_gives_the_numbers_worked_out_by_hand,
    drill_down_lists_the_items_behind_a_cell,
    the_legacy_workflow_gives_the_same_results_from_charge_details,
    an_interrupted_rerun_leaves_the_previous_results_readable,
    tasks_validate_what_they_are_given,
);

async fn every_step_gives_the_numbers_worked_out_by_hand(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    insert_charges(
        &app,
        app.hospital_b,
        &[(
            "B1",
            "OUTPATIENT",
            "INT",
            "INT",
            "REG",
            1,
            77_770_000,
            "2026-10",
        )],
    )
    .await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;

    // September first, so October has a month to compare with: INT's REG 999.00 × 0.5 = 499.50.
    let september = run_task(&app, &analyst, json!({"period": "2026-09"})).await;
    assert_eq!(september["status"], "SUCCEEDED", "{september}");
    let task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    assert_eq!(task["progress"], 100);
    assert_eq!(task["has_details"], true);
    assert_eq!(task["run_no"], 1);
    let id = task["id"].as_i64().unwrap();

    // PREPARE: 12 lines of October; L9's prescribing XXX and L12's executing ZZZ match no department;
    // DRUG1 is mapped to nothing.
    let log = task["log"].as_str().unwrap();
    assert!(log.contains("12 charge lines, amount 677.55"), "{log}");
    assert!(log.contains("1 charge lines (amount 10) name a prescribing department that matches no department (XXX)"), "{log}");
    assert!(
        log.contains(
            "1 charge lines (amount 7) name a executing department that matches no department (ZZZ)"
        ),
        "{log}"
    );
    assert!(
        log.contains("1 charge lines (amount 55.55) of 1 items are mapped to no node"),
        "{log}"
    );
    for step in [
        "PREPARE",
        "GENERATE_DETAILS",
        "AGGREGATE_RESULTS",
        "APPLY_WEIGHTS",
        "SUMMARIZE_VALUE",
    ] {
        assert!(log.contains(&format!("{step} done in")), "{step}: {log}");
    }

    let c = cells(&app, &analyst, id).await;
    let cell = |d: &str, n: &str, bt: &str| {
        figures(
            c.get(&(d.into(), n.into(), bt.into()))
                .unwrap_or_else(|| panic!("no cell {d} {n} {bt}")),
        )
    };
    // Outpatient diagnosis credits the prescribing department: L1 + L2 + L11 = 30.00 (L3 is inpatient).
    assert_eq!(
        cell("INT", "dim-doc-out-eval-1", "OUTPATIENT"),
        ["30", "1", "0.5", "15", "null"]
    );
    assert_eq!(
        cell("INT", "dim-doc-out-eval-1", ""),
        ["30", "1", "0.5", "15", "0.0168"]
    );
    // Treatment: 100 + 300 = 400 (L12's executing ZZZ is no department), weight 2 × 1.1 (actual 125 ÷
    // benchmark 100 = 1.25 → the band [1.2, ∞)) = 2.2 → value 880; 880 ÷ (15 + 880) = 0.9832.
    assert_eq!(
        cell("INT", "dim-doc-treat", ""),
        ["400", "4", "2.2", "880", "0.9832"]
    );
    assert_eq!(
        cell("INT", "dim-doc-treat", "OUTPATIENT"),
        ["100", "1", "2.2", "220", "null"]
    );
    assert_eq!(
        cell("INT", "dim-doc-treat", "INPATIENT"),
        ["300", "3", "2.2", "660", "null"]
    );
    assert_eq!(cell("INT", "dim-doc", ""), ["430", "5", "null", "895", "1"]);
    // Tech credits the executing department, business type not kept: 40 + 25 + 10 = 75 (L9's prescribing
    // department does not matter here); no actual value for its rule, so the weight stays 1.5.
    assert_eq!(
        cell("LAB", "dim-tech-lab", ""),
        ["75", "4", "1.5", "112.5", "1"]
    );
    assert!(!c.contains_key(&("LAB".into(), "dim-tech-lab".into(), "OUTPATIENT".into())));
    // Nursing: charges 60 × 1 and 100 bed-days × 15; the parent's leaves mix kinds, so no quantity.
    assert_eq!(
        cell("INT", "dim-nur-base", ""),
        ["60", "10", "1", "60", "0.0385"]
    );
    assert_eq!(
        cell("INT", "dim-nur-bed", ""),
        ["0", "100", "15", "1500", "0.9615"]
    );
    assert_eq!(
        cell("INT", "dim-nur", ""),
        ["60", "null", "null", "1560", "1"]
    );
    // Cost deducts.
    assert_eq!(
        cell("INT", "dim-cost-labor", ""),
        ["500", "null", "1", "-500", "1"]
    );
    assert_eq!(
        cell("LAB", "dim-cost", ""),
        ["200", "null", "null", "-200", "1"]
    );
    // A node without data has no cell.
    assert!(!c.keys().any(|(_, n, _)| n == "dim-tech-img"));

    // Orientation: the applied rule and the skipped one, with their reasons.
    let adj = app
        .get(
            &format!("/api/v1/calculation-tasks/{id}/orientation-adjustments"),
            &analyst,
        )
        .await;
    assert_eq!(adj.status, 200, "{:?}", adj.body);
    let rows = adj.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let treat = rows
        .iter()
        .find(|r| r["node_code"] == "dim-doc-treat")
        .unwrap();
    assert_eq!(
        [
            s(&treat["actual_value"]),
            s(&treat["benchmark"]),
            s(&treat["ratio"]),
            s(&treat["intensity"]),
            s(&treat["original_weight"]),
            s(&treat["adjusted_weight"])
        ],
        ["125", "100", "1.25", "1.1", "2", "2.2"]
    );
    assert_eq!(treat["department"]["code"], "INT");
    assert!(treat["skip_reason"].is_null());
    let lab = rows
        .iter()
        .find(|r| r["node_code"] == "dim-tech-lab")
        .unwrap();
    assert_eq!(lab["skip_reason"], "NO_ACTUAL_VALUE");
    assert_eq!(s(&lab["adjusted_weight"]), "1.5");

    // Value summary: INT 895 + 1560 − 500 = 1955; LAB 112.5 − 200 = −87.5; hospital 1867.5.
    let summary = app
        .get(
            &format!("/api/v1/calculation-tasks/{id}/value-summary"),
            &analyst,
        )
        .await;
    assert_eq!(summary.status, 200, "{:?}", summary.body);
    let rows = summary.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let int = &rows[0];
    assert_eq!(int["department"]["code"], "INT");
    assert_eq!(
        [
            s(&int["doctor_value"]),
            s(&int["nursing_value"]),
            s(&int["tech_value"]),
            s(&int["cost_value"]),
            s(&int["net_value"]),
            s(&int["share"]),
            s(&int["mom_change"]),
            s(&int["yoy_change"])
        ],
        [
            "895", "1560", "0", "-500", "1955", "1.0469", "2.9139", "null"
        ]
    );
    assert_eq!(int["rank"], 1);
    let lab = &rows[1];
    assert_eq!(
        [
            s(&lab["net_value"]),
            s(&lab["share"]),
            s(&lab["mom_change"])
        ],
        ["-87.5", "-0.0469", "null"]
    );
    assert_eq!(lab["rank"], 2);

    for path in [
        "results.xlsx",
        "value-summary.xlsx",
        "orientation-adjustments.xlsx",
    ] {
        let r = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/calculation-tasks/{id}/{path}"),
                Some(&analyst),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.content_type()
                .starts_with("application/vnd.openxmlformats"),
            "{path}"
        );
    }
}

async fn drill(app: &TestApp, token: &str, task: i64, query: &str) -> crate::helpers::Resp {
    app.get(
        &format!("/api/v1/calculation-tasks/{task}/drill-down?{query}"),
        token,
    )
    .await
}

/// (item_code, business type, amount, quantity) of each drilled item.
fn items(body: &Value) -> Vec<(String, String, String, String)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                s(&i["item_code"]),
                s(&i["business_type"]),
                s(&i["amount"]),
                s(&i["quantity"]),
            )
        })
        .collect()
}

fn t(a: &str, b: &str, c: &str, d: &str) -> (String, String, String, String) {
    (a.into(), b.into(), c.into(), d.into())
}

async fn drill_down_lists_the_items_behind_a_cell(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let id = run_task(&app, &analyst, json!({"period": "2026-10"})).await["id"]
        .as_i64()
        .unwrap();
    let int = ledger.departments["INT"];
    let node = |code: &str| ledger.nodes[code];

    // A parent drills into its charge leaves; the items sum to its cell (430).
    let r = drill(
        &app,
        &analyst,
        id,
        &format!("department_id={int}&node_id={}", node("dim-doc")),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["source"], "calculation_details");
    assert_eq!(
        items(&r.body),
        vec![
            t("TRT", "INPATIENT", "300", "3"),
            t("TRT", "OUTPATIENT", "100", "1"),
            t("REG", "OUTPATIENT", "30", "1"),
        ]
    );
    assert_eq!(
        [
            s(&r.body["totals"]["amount"]),
            s(&r.body["totals"]["quantity"])
        ],
        ["430", "5"]
    );
    assert_eq!(r.body["totals"]["items"], 3);

    // One business type of a leaf that keeps it.
    let r = drill(
        &app,
        &analyst,
        id,
        &format!(
            "department_id={int}&node_id={}&business_type=INPATIENT",
            node("dim-doc-treat")
        ),
    )
    .await;
    assert_eq!(items(&r.body), vec![t("TRT", "INPATIENT", "300", "3")]);

    // The whole hospital, a node that does not keep business type; paging and sorting.
    let r = drill(
        &app,
        &analyst,
        id,
        &format!("department_id=all&node_id={}", node("dim-tech-lab")),
    )
    .await;
    assert_eq!(items(&r.body), vec![t("CBC", "null", "75", "4")]);
    let r = drill(
        &app,
        &analyst,
        id,
        &format!(
            "department_id=all&node_id={}&sort=item_code&page=1&page_size=2",
            node("dim-doc")
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["total"], 3);
    assert_eq!(
        items(&r.body),
        vec![
            t("REG", "OUTPATIENT", "30", "1"),
            t("TRT", "INPATIENT", "300", "3")
        ]
    );
    assert_eq!(
        s(&r.body["totals"]["amount"]),
        "430",
        "totals cover every page"
    );
    let r = drill(
        &app,
        &analyst,
        id,
        &format!(
            "department_id=all&node_id={}&sort=item_code&page=2&page_size=2",
            node("dim-doc")
        ),
    )
    .await;
    assert_eq!(items(&r.body), vec![t("TRT", "OUTPATIENT", "100", "1")]);
    let whole = (r.body["total"].clone(), r.body["totals"].clone());
    assert_eq!(whole.0, 3, "{:?}", r.body);
    // A page past the last is empty and still says how many there are in all.
    let past = drill(
        &app,
        &analyst,
        id,
        &format!(
            "department_id=all&node_id={}&sort=item_code&page=3&page_size=2",
            node("dim-doc")
        ),
    )
    .await;
    assert!(items(&past.body).is_empty(), "{:?}", past.body);
    assert_eq!(
        (past.body["total"].clone(), past.body["totals"].clone()),
        whole
    );

    // Workload and cost nodes have no items.
    for code in ["dim-nur-bed", "dim-cost", "dim-cost-labor"] {
        drill(
            &app,
            &analyst,
            id,
            &format!("department_id={int}&node_id={}", node(code)),
        )
        .await
        .assert_problem(422, "NODE_NOT_DRILLABLE");
    }
    // Bad parameters are named.
    let r = drill(&app, &analyst, id, "node_id=x&business_type=OUT&sort=price").await;
    r.assert_problem(422, "VALIDATION_FAILED");
    let errors = r.field_errors();
    for field in ["department_id", "node_id", "business_type", "sort"] {
        assert!(errors.contains_key(field), "{field}: {errors:?}");
    }
    drill(&app, &analyst, id, "department_id=all&node_id=999999")
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    drill(
        &app,
        &analyst,
        999_999,
        &format!("department_id=all&node_id={}", node("dim-doc")),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    // Another hospital sees nothing of it.
    let other = app.token('b', Role::Analyst).await;
    drill(
        &app,
        &other,
        id,
        &format!("department_id=all&node_id={}", node("dim-doc")),
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    // Front desk and doctors may not.
    let desk = app.front_desk().await;
    assert_eq!(
        drill(&app, &desk, id, "department_id=all&node_id=1")
            .await
            .status,
        403
    );
}

async fn the_legacy_workflow_gives_the_same_results_from_charge_details(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let standard = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    let legacy_id = workflow_id(&app, &analyst, false).await;
    let legacy = run_task(
        &app,
        &analyst,
        json!({"period": "2026-10", "workflow_id": legacy_id}),
    )
    .await;
    assert_eq!(legacy["status"], "SUCCEEDED", "{legacy}");
    assert_eq!(legacy["has_details"], false);
    assert!(!legacy["log"].as_str().unwrap().contains("GENERATE_DETAILS"));
    let (a, b) = (
        standard["id"].as_i64().unwrap(),
        legacy["id"].as_i64().unwrap(),
    );
    assert_eq!(
        cells(&app, &analyst, a).await,
        cells(&app, &analyst, b).await
    );
    for (dept, node) in [
        ("INT", "dim-doc"),
        ("INT", "dim-doc-treat"),
        ("LAB", "dim-tech"),
        ("all", "dim-nur"),
    ] {
        let dept = if dept == "all" {
            "all".to_owned()
        } else {
            ledger.departments[dept].to_string()
        };
        let q = format!("department_id={dept}&node_id={}", ledger.nodes[node]);
        let (x, y) = (
            drill(&app, &analyst, a, &q).await,
            drill(&app, &analyst, b, &q).await,
        );
        assert_eq!(y.body["source"], "charge_details");
        assert_eq!(items(&x.body), items(&y.body), "{node}");
        assert_eq!(x.body["totals"], y.body["totals"], "{node}");
    }
}

async fn an_interrupted_rerun_leaves_the_previous_results_readable(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    let id = task["id"].as_i64().unwrap();
    let before = cells(&app, &analyst, id).await;

    // A server claimed a re-run and is writing run 2.
    app.execute(&format!(
        "UPDATE calculation_task SET status = 'RUNNING', claimed_by = 'dead', lease_until = '2999-01-01 00:00:00' \
         WHERE id = {id}"
    ))
    .await;
    let int = ledger.departments["INT"];
    let now = if app.backend == crate::helpers::Backend::Postgres {
        "NOW()"
    } else {
        "CURRENT_TIMESTAMP"
    };
    app.execute(&format!(
        "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, business_type, amount, created_at) \
         VALUES ({}, {id}, 2, {int}, {}, '', 123456789, {now})",
        app.hospital_a, ledger.nodes["dim-doc"]
    ))
    .await;
    // Readers still see run 1 alone, and the drill-down agrees with it.
    assert_eq!(cells(&app, &analyst, id).await, before);
    let r = drill(
        &app,
        &analyst,
        id,
        &format!("department_id={int}&node_id={}", ledger.nodes["dim-doc"]),
    )
    .await;
    assert_eq!(s(&r.body["totals"]["amount"]), "430");
    // A running task cannot be queued twice.
    app.post(
        &format!("/api/v1/calculation-tasks/{id}/run"),
        &analyst,
        json!({}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");
    // It dies: its lease runs out.
    app.execute(&format!(
        "UPDATE calculation_task SET lease_until = '2000-01-01 00:00:00' WHERE id = {id}"
    ))
    .await;
    // The runner finds the expired lease and marks the task FAILED (it polls every few seconds).
    let failed = wait(&app, &analyst, id).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["error"].as_str().unwrap().contains("interrupted"),
        "{failed}"
    );
    assert_eq!(cells(&app, &analyst, id).await, before);
    // Run again: the cut-off rows go, the new run replaces the old one with the same numbers.
    let done = rerun(&app, &analyst, id).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["run_no"], 2);
    assert_eq!(cells(&app, &analyst, id).await, before);
    // The replaced run's rows go right after the switch (readers never look at them).
    let sql = format!(
        "SELECT COUNT(*) AS n FROM calculation_results WHERE task_id = {id} AND run_no <> 2"
    );
    let mut leftovers = count(&app, &sql).await;
    for _ in 0..50 {
        if leftovers == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        leftovers = count(&app, &sql).await;
    }
    assert_eq!(leftovers, 0);
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn tasks_validate_what_they_are_given(app: TestApp) {
    let analyst = app.token('a', Role::Analyst).await;
    // No active model version yet.
    let r = app
        .post(
            "/api/v1/calculation-tasks",
            &analyst,
            json!({"period": "2026-10"}),
        )
        .await;
    r.assert_problem(422, "VALIDATION_FAILED");
    assert!(r.field_errors().contains_key("model_version_id"));
    let ledger = model(&app).await;
    for (body, field) in [
        (json!({"period": "2026-13"}), "period"),
        (json!({"period": "October"}), "period"),
        (
            json!({"period": "2026-10", "workflow_id": 999_999}),
            "workflow_id",
        ),
        (
            json!({"period": "2026-10", "model_version_id": 999_999}),
            "model_version_id",
        ),
    ] {
        let r = app
            .post("/api/v1/calculation-tasks", &analyst, body.clone())
            .await;
        r.assert_problem(422, "VALIDATION_FAILED");
        assert!(r.field_errors().contains_key(field), "{body}: {:?}", r.body);
    }
    app.post(
        "/api/v1/calculation-tasks",
        &analyst,
        json!({"period": "2026-10", "extra": 1}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    // Another hospital's version is not yours.
    let other = app.token('b', Role::Analyst).await;
    let r = app
        .post(
            "/api/v1/calculation-tasks",
            &other,
            json!({"period": "2026-10", "model_version_id": ledger.version}),
        )
        .await;
    r.assert_problem(422, "VALIDATION_FAILED");
    // A task without a run has no drill-down yet; its results are empty.
    let created = app
        .post(
            "/api/v1/calculation-tasks",
            &analyst,
            json!({"period": "2026-10"}),
        )
        .await;
    assert_eq!(created.status, 202);
    assert_eq!(created.body["status"], "PENDING");
    let list = app
        .get("/api/v1/calculation-tasks?period=2026-10&status=", &analyst)
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["total"], 1);
    app.get("/api/v1/calculation-tasks?status=DONE", &analyst)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    // Both workflows exist once, even when asked for concurrently.
    let (x, y) = tokio::join!(
        app.get("/api/v1/calculation-workflows", &other),
        app.get("/api/v1/calculation-workflows", &other)
    );
    assert_eq!((x.status, y.status), (200, 200));
    let steps: Vec<usize> = x
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["steps"].as_array().unwrap().len())
        .collect();
    assert_eq!(steps, vec![5, 4]);
    let again = app.get("/api/v1/calculation-workflows", &other).await;
    assert_eq!(again.body.as_array().unwrap().len(), 2);
}

/// Random charge lines of one period: items of every leaf, an unmapped one and an unknown one; departments that
/// exist and one that does not; both business types; refunds.
fn random_lines(period: &'static str, seed: u64) -> Vec<Line> {
    use proptest::{
        prelude::*,
        strategy::ValueTree,
        test_runner::{Config, RngAlgorithm, TestRng, TestRunner},
    };
    let line = (
        prop::sample::select(vec!["OUTPATIENT", "INPATIENT"]),
        prop::sample::select(vec!["INT", "LAB", "XXX"]),
        prop::sample::select(vec!["INT", "LAB", "ZZZ"]),
        prop::sample::select(vec!["REG", "TRT", "CBC", "NUR", "DRUG1", "NEW9"]),
        -3i64..20,
        -5_000_000i64..50_000_000,
    );
    let strategy = prop::collection::vec(line, 1..60);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let lines = strategy.new_tree(&mut runner).unwrap().current();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (bt, presc, exec, item, qty, amount))| {
            let id: &'static str = Box::leak(format!("{period}-{seed}-{i}").into_boxed_str());
            (id, bt, presc, exec, item, qty, amount, period)
        })
        .collect()
}

/// The leaves under a node of the matrix's node list (itself when it is one).
fn leaves_under(nodes: &[&Value], id: i64) -> Vec<i64> {
    let children: Vec<i64> = nodes
        .iter()
        .filter(|n| n["parent_id"].as_i64() == Some(id))
        .map(|n| n["id"].as_i64().unwrap())
        .collect();
    if children.is_empty() {
        return vec![id];
    }
    children
        .into_iter()
        .flat_map(|c| leaves_under(nodes, c))
        .collect()
}

fn dec(v: &Value) -> i128 {
    let text = v.as_str().unwrap_or("0");
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let negative = int.starts_with('-');
    let whole: i128 = int.trim_start_matches('-').parse().unwrap();
    let frac: i128 = format!("{frac:0<4}")[..4].parse().unwrap();
    let magnitude = whole * 10_000 + frac;
    if negative { -magnitude } else { magnitude }
}

db_tests!(generated_data_keeps_the_accounting_invariants);

/// On generated data: the details source and the fallback source drill down to the same items; the items sum
/// to the results cell; parents sum their children; the legacy workflow gives the default one's results.
async fn generated_data_keeps_the_accounting_invariants(app: TestApp) {
    model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    let legacy = workflow_id(&app, &analyst, false).await;
    for (case, period) in [
        "2001-01", "2001-02", "2001-03", "2001-04", "2001-05", "2001-06",
    ]
    .into_iter()
    .enumerate()
    {
        let lines = random_lines(period, case as u64 + 1);
        insert_charges(&app, app.hospital_a, &lines).await;
        let standard = run_task(&app, &analyst, json!({"period": period})).await;
        let old = run_task(
            &app,
            &analyst,
            json!({"period": period, "workflow_id": legacy}),
        )
        .await;
        assert_eq!(
            (standard["status"].as_str(), old["status"].as_str()),
            (Some("SUCCEEDED"), Some("SUCCEEDED"))
        );
        let (a, b) = (
            standard["id"].as_i64().unwrap(),
            old["id"].as_i64().unwrap(),
        );
        let cells_a = cells(&app, &analyst, a).await;
        assert_eq!(
            cells_a,
            cells(&app, &analyst, b).await,
            "case {case}: legacy differs"
        );

        let matrix = app
            .get(&format!("/api/v1/calculation-tasks/{a}/results"), &analyst)
            .await
            .body;
        let nodes: Vec<&Value> = matrix["nodes"].as_array().unwrap().iter().collect();
        let code_of: HashMap<i64, &str> = nodes
            .iter()
            .map(|n| (n["id"].as_i64().unwrap(), n["code"].as_str().unwrap()))
            .collect();
        // Parents sum their children (amount and value) in every department.
        for ((dept, code, bt), cell) in &cells_a {
            if !bt.is_empty() {
                continue;
            }
            let node = nodes.iter().find(|n| n["code"] == code.as_str()).unwrap();
            if node["is_leaf"] == true {
                continue;
            }
            let children: Vec<&Value> = nodes
                .iter()
                .filter(|n| n["parent_id"] == node["id"])
                .filter_map(|n| {
                    cells_a.get(&(
                        dept.clone(),
                        n["code"].as_str().unwrap().to_owned(),
                        String::new(),
                    ))
                })
                .collect();
            let sum = |key: &str| children.iter().map(|c| dec(&c[key])).sum::<i128>();
            assert_eq!(
                dec(&cell["amount"]),
                sum("amount"),
                "case {case}: {dept} {code} amount"
            );
            assert_eq!(
                dec(&cell["value"]),
                sum("value"),
                "case {case}: {dept} {code} value"
            );
        }
        // Every drillable cell: both sources agree, and the items sum to the cell.
        let mut depts: Vec<(String, String)> = matrix["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["id"].to_string(), d["code"].as_str().unwrap().to_owned()))
            .collect();
        depts.push(("all".into(), "all".into()));
        for node in nodes.iter().filter(|n| n["drillable"] == true) {
            let id = node["id"].as_i64().unwrap();
            for (dept_id, dept_code) in &depts {
                for bt in ["", "OUTPATIENT", "INPATIENT"] {
                    let q = format!(
                        "department_id={dept_id}&node_id={id}&business_type={bt}&page_size=200"
                    );
                    let (x, y) = (
                        drill(&app, &analyst, a, &q).await,
                        drill(&app, &analyst, b, &q).await,
                    );
                    assert_eq!((x.status, y.status), (200, 200), "{:?}", x.body);
                    assert_eq!(
                        (x.body["source"].as_str(), y.body["source"].as_str()),
                        (Some("calculation_details"), Some("charge_details"))
                    );
                    assert_eq!(
                        items(&x.body),
                        items(&y.body),
                        "case {case}: {dept_code} {} {bt}",
                        code_of[&id]
                    );
                    assert_eq!(
                        x.body["totals"], y.body["totals"],
                        "case {case}: {dept_code} {} {bt}",
                        code_of[&id]
                    );
                    let total = dec(&x.body["totals"]["amount"]);
                    let listed: i128 = x.body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| dec(&i["amount"]))
                        .sum();
                    assert_eq!(total, listed, "case {case}: the page holds every item");
                    // The cells of the leaves under the node (itself when a leaf) for this business type;
                    // for a parent's total this is its own cell (parents sum their children, checked above).
                    let leaves = leaves_under(&nodes, id);
                    let expected: i128 = cells_a
                        .iter()
                        .filter(|((d, c, b), _)| {
                            (dept_code == "all" || d == dept_code)
                                && b == bt
                                && leaves.iter().any(|l| code_of[l] == c.as_str())
                        })
                        .map(|(_, cell)| dec(&cell["amount"]))
                        .sum();
                    assert_eq!(
                        total, expected,
                        "case {case}: {dept_code} {} {bt}: items sum to the cells",
                        code_of[&id]
                    );
                    if bt.is_empty() && dept_code != "all" {
                        let own = cells_a
                            .get(&(dept_code.clone(), code_of[&id].to_owned(), String::new()))
                            .map(|cell| dec(&cell["amount"]))
                            .unwrap_or(0);
                        assert_eq!(
                            total, own,
                            "case {case}: {dept_code} {}: items sum to the cell",
                            code_of[&id]
                        );
                    }
                }
            }
        }
    }
}

db_tests!(several_runners_run_each_task_once);

/// Three runners on one database (as three servers would be): every task runs exactly once.
async fn several_runners_run_each_task_once(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    hospital::services::accounting::calculation_tasks::spawn_runner(app.db.clone());
    hospital::services::accounting::calculation_tasks::spawn_runner(app.db.clone());
    let analyst = app.token('a', Role::Analyst).await;
    let created = futures_util::future::join_all((0..6).map(|_| {
        app.post(
            "/api/v1/calculation-tasks",
            &analyst,
            json!({"period": "2026-10"}),
        )
    }))
    .await;
    let mut finished = Vec::new();
    for c in created {
        assert_eq!(c.status, 202, "{:?}", c.body);
        finished.push(wait(&app, &analyst, c.body["id"].as_i64().unwrap()).await);
    }
    let reference = cells(&app, &analyst, finished[0]["id"].as_i64().unwrap()).await;
    for task in &finished {
        assert_eq!(task["status"], "SUCCEEDED", "{task}");
        assert_eq!(task["run_no"], 1, "claimed once: {task}");
        assert!(!task["log"].as_str().unwrap().contains("run 2 "), "{task}");
        assert_eq!(
            cells(&app, &analyst, task["id"].as_i64().unwrap()).await,
            reference
        );
    }
}

/// Two analysts press "run again" at once: one queues it, the other is told it is already queued (or, once
/// the runner took it, running). The runner holds the second run until both are answered, so a fast run
/// cannot finish between the two and let the second queue it a third time.
async fn a_task_is_queued_again_once(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let hold = Arc::new(AtomicBool::new(false));
    let gate = Arc::new(tokio::sync::Notify::new());
    let (held, opened) = (hold.clone(), gate.clone());
    observed_runner(&app, move |_, at| {
        let wait = at == Checkpoint::Step(StepKind::Prepare) && held.swap(false, SeqCst);
        let opened = opened.clone();
        Box::pin(async move {
            if wait {
                opened.notified().await;
            }
        })
    });
    let analyst = app.token('a', Role::Analyst).await;
    let admin = app.admin().await;
    let id = run_task(&app, &analyst, json!({"period": "2026-10"})).await["id"]
        .as_i64()
        .unwrap();
    hold.store(true, SeqCst);
    let path = format!("/api/v1/calculation-tasks/{id}/run");
    let (x, y) = tokio::join!(
        app.post(&path, &analyst, json!({})),
        app.post(&path, &admin, json!({}))
    );
    gate.notify_one();
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [202, 409], "{:?} {:?}", x.body, y.body);
    let done = wait(&app, &analyst, id).await;
    assert_eq!(
        (done["status"].as_str(), done["run_no"].as_i64()),
        (Some("SUCCEEDED"), Some(2))
    );
}

fn no_runner(s: &mut hospital::config::Settings) {
    // The test's own runners are the only ones.
    s.run_calculations = false;
}

crate::db_tests_with!(
    a_task_is_queued_again_once => no_runner,
    a_panicking_step_fails_its_task_and_the_runner_goes_on => no_runner,
    a_runner_that_lost_its_lease_leaves_the_new_run_alone => no_runner,
);

/// A runner whose observer runs `at` for every checkpoint.
fn observed_runner(
    app: &TestApp,
    at: impl Fn(i64, Checkpoint) -> futures_util::future::BoxFuture<'static, ()> + Send + Sync + 'static,
) {
    calculation_tasks::spawn_runner_with(app.db.clone(), Some(Arc::new(at)));
}

/// A step that panics fails its task with the step and the message; the lease is no longer renewed, and the
/// same runner goes on to run the next task and the failed one again.
async fn a_panicking_step_fails_its_task_and_the_runner_goes_on(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let armed = Arc::new(AtomicBool::new(true));
    let trigger = armed.clone();
    observed_runner(&app, move |_, at| {
        let fire = at == Checkpoint::Step(StepKind::ApplyWeights) && trigger.swap(false, SeqCst);
        Box::pin(async move {
            if fire {
                panic!("weights out of order");
            }
        })
    });

    let failed = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("APPLY_WEIGHTS")
            && error.contains("panicked")
            && error.contains("weights out of order"),
        "{error}"
    );
    assert!(!armed.load(SeqCst));
    let id = failed["id"].as_i64().unwrap();
    // Nothing of the failed run is left, and nobody holds the task.
    for table in pipeline::RUN_TABLES {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE task_id = {id}");
        assert_eq!(count(&app, &sql).await, 0, "{table}");
    }
    let held = format!(
        "SELECT COUNT(*) AS n FROM calculation_task WHERE id = {id} AND lease_until IS NOT NULL"
    );
    assert_eq!(count(&app, &held).await, 0);

    // The runner lives on: the next task runs, and so does the failed one queued again.
    let next = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(next["status"], "SUCCEEDED", "{next}");
    let done = rerun(&app, &analyst, id).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert!(done["error"].is_null(), "{done}");
    assert_eq!(
        cells(&app, &analyst, id).await,
        cells(&app, &analyst, next["id"].as_i64().unwrap()).await
    );
}

/// Runner A's server stalls in the middle of a re-run, long enough for its lease to run out; another server
/// marks the task failed, it is queued again and runner B takes it over and finishes. When A wakes up it must
/// neither write nor delete anything: B's results stay what they are.
async fn a_runner_that_lost_its_lease_leaves_the_new_run_alone(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let stall = Arc::new(AtomicBool::new(false));
    let resume = Arc::new(tokio::sync::Notify::new());
    let (stalled_tx, mut stalled) = tokio::sync::mpsc::unbounded_channel::<i64>();
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel::<i64>();
    {
        let (stall, resume) = (stall.clone(), resume.clone());
        observed_runner(&app, move |task, at| {
            let (stall, resume) = (stall.clone(), resume.clone());
            let (stalled_tx, done_tx) = (stalled_tx.clone(), done_tx.clone());
            Box::pin(async move {
                match at {
                    Checkpoint::Step(StepKind::AggregateResults) if stall.swap(false, SeqCst) => {
                        let resumed = resume.notified();
                        let _ = stalled_tx.send(task);
                        resumed.await;
                    }
                    Checkpoint::Done => {
                        let _ = done_tx.send(task);
                    }
                    _ => {}
                }
            })
        });
    }
    let first = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(first["status"], "SUCCEEDED", "{first}");
    let id = first["id"].as_i64().unwrap();
    assert_eq!(done.recv().await, Some(id));
    let reference = cells(&app, &analyst, id).await;

    // A re-runs the task and stalls after writing its details.
    stall.store(true, SeqCst);
    let path = format!("/api/v1/calculation-tasks/{id}/run");
    assert_eq!(app.post(&path, &analyst, json!({})).await.status, 202);
    assert_eq!(stalled.recv().await, Some(id));
    // Its lease runs out; another server finds it, the task is queued again and B takes it over.
    app.execute(&format!(
        "UPDATE calculation_task SET lease_until = '2000-01-01 00:00:00' WHERE id = {id}"
    ))
    .await;
    assert_eq!(calculation_tasks::fail_expired(&app.db).await.unwrap(), 1);
    assert_eq!(app.post(&path, &analyst, json!({})).await.status, 202);
    // B tells when it is through with the task: it removes the runs it replaced after the task shows its own.
    let (b_done_tx, mut b_done) = tokio::sync::mpsc::unbounded_channel::<i64>();
    observed_runner(&app, move |task, at| {
        let b_done_tx = b_done_tx.clone();
        Box::pin(async move {
            if at == Checkpoint::Done {
                let _ = b_done_tx.send(task);
            }
        })
    });
    let taken_over = wait(&app, &analyst, id).await;
    assert_eq!(taken_over["status"], "SUCCEEDED", "{taken_over}");
    // Every claim has a run number of its own: 1, A's 2, B's 3.
    assert_eq!(taken_over["run_no"], 3, "{taken_over}");
    assert_eq!(cells(&app, &analyst, id).await, reference);

    assert_eq!(b_done.recv().await, Some(id));
    // A wakes up and finds it no longer holds the task.
    resume.notify_one();
    assert_eq!(done.recv().await, Some(id));
    let after = app
        .get(&format!("/api/v1/calculation-tasks/{id}"), &analyst)
        .await
        .body;
    assert_eq!(
        (&after["status"], &after["run_no"], &after["error"]),
        (&json!("SUCCEEDED"), &json!(3), &Value::Null),
        "{after}"
    );
    assert_eq!(cells(&app, &analyst, id).await, reference);
    let int = ledger.departments["INT"];
    let r = drill(
        &app,
        &analyst,
        id,
        &format!("department_id={int}&node_id={}", ledger.nodes["dim-doc"]),
    )
    .await;
    assert_eq!(s(&r.body["totals"]["amount"]), "430");
    // Only B's run is stored: A wrote nothing after losing the task, and B removed what A wrote before.
    for table in pipeline::RUN_TABLES {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE task_id = {id} AND run_no <> 3");
        assert_eq!(count(&app, &sql).await, 0, "{table}");
    }
}

db_tests!(the_share_follows_each_departments_net_value_when_the_total_is_negative);

/// LAB's costs outweigh the hospital's value: the total net value is negative, and each department's share
/// (net ÷ |total|) still has the sign and the order of its own net value, in the API and in the workbook.
async fn the_share_follows_each_departments_net_value_when_the_total_is_negative(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    // LAB's labour cost 200 → 3000: LAB 112.5 − 3000 = −2887.5; INT 1955 as before; hospital −932.5.
    app.execute(
        "UPDATE cost_record SET amount = 30000000 WHERE department_code = 'LAB' AND node_code = 'dim-cost-labor'",
    )
    .await;
    let analyst = app.token('a', Role::Analyst).await;
    let task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    let id = task["id"].as_i64().unwrap();
    let summary = app
        .get(
            &format!("/api/v1/calculation-tasks/{id}/value-summary"),
            &analyst,
        )
        .await;
    assert_eq!(summary.status, 200, "{:?}", summary.body);
    let rows: Vec<[String; 4]> = summary.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            [
                s(&r["department"]["code"]),
                s(&r["net_value"]),
                s(&r["share"]),
                r["rank"].to_string(),
            ]
        })
        .collect();
    // 1955 ÷ 932.5 = 2.09651…, −2887.5 ÷ 932.5 = −3.09651…: together −100 % of the (negative) total.
    assert_eq!(
        rows,
        [
            ["INT", "1955", "2.0965", "1"].map(String::from),
            ["LAB", "-2887.5", "-3.0965", "2"].map(String::from),
        ]
    );
    let xlsx = app
        .client
        .get(app.url(&format!(
            "/api/v1/calculation-tasks/{id}/value-summary.xlsx"
        )))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_ref())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    assert!(sheet.contains("<v>2.0965</v>"), "{sheet}");
    assert!(sheet.contains("<v>-3.0965</v>"), "{sheet}");
}

db_tests!(the_largest_accepted_values_give_exact_results);

/// The largest accepted figures in one run: a charge line and a workload record at the import's largest
/// magnitude, a node weight just under its bound and an orientation intensity just under its own. Every cell
/// equals the definitions computed exactly (value = base × weight rounded, parents the sums of their children,
/// ratio = value ÷ parent's rounded) and so does the value summary, on every database.
async fn the_largest_accepted_values_give_exact_results(app: TestApp) {
    use hospital::domain::accounting::valuation::{
        MAX_AMOUNT, MAX_INTENSITY, MAX_WEIGHT, div_round,
    };
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let largest = MAX_AMOUNT - 1;
    insert_charges(
        &app,
        app.hospital_a,
        &[(
            "HUGE",
            "INPATIENT",
            "INT",
            "INT",
            "TRT",
            1,
            largest,
            "2026-10",
        )],
    )
    .await;
    app.execute(&format!(
        "UPDATE workload_record SET quantity = {largest} WHERE department_code = 'INT'"
    ))
    .await;
    app.execute(&format!(
        "UPDATE dimension_node SET weight = {} WHERE id = {}",
        MAX_WEIGHT - 1,
        ledger.nodes["dim-doc-treat"]
    ))
    .await;
    // INT's treatment ratio 1.25 falls in the top band.
    app.execute(&format!(
        "UPDATE orientation_ladder SET intensity = {} WHERE lower_bound = 12000",
        MAX_INTENSITY - 1
    ))
    .await;
    let analyst = app.token('a', Role::Analyst).await;
    let task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    let id = task["id"].as_i64().unwrap();

    let m = app
        .get(&format!("/api/v1/calculation-tasks/{id}/results"), &analyst)
        .await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    let nodes: HashMap<i64, (Option<i64>, String, String)> = m.body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_i64().unwrap(),
                (
                    n["parent_id"].as_i64(),
                    n["code"].as_str().unwrap().to_owned(),
                    n["kind"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let totals: HashMap<(i64, i64), &Value> = m.body["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["business_type"].is_null())
        .map(|c| {
            (
                (
                    c["department_id"].as_i64().unwrap(),
                    c["node_id"].as_i64().unwrap(),
                ),
                c,
            )
        })
        .collect();
    let scaled = |v: &Value| dec(v);
    let round = |n: i128, d: i128| div_round(n, d).unwrap();
    let int = ledger.departments["INT"];
    let treat = totals[&(int, ledger.nodes["dim-doc-treat"])];
    // 2 × 1.1 became 999.9999 × 9.9999, rounded to four places before it is used.
    let weight = round(
        i128::from(MAX_WEIGHT - 1) * i128::from(MAX_INTENSITY - 1),
        10_000,
    );
    assert_eq!(scaled(&treat["weight"]), weight);
    assert!(scaled(&treat["value"]) > 99_000_000_000_000_000, "{treat}");
    let mut checked = 0;
    for (&(dept, node), cell) in &totals {
        let (parent, code, kind) = &nodes[&node];
        let children: Vec<i128> = nodes
            .iter()
            .filter(|(_, (p, _, _))| *p == Some(node))
            .filter_map(|(child, _)| totals.get(&(dept, *child)))
            .map(|c| scaled(&c["value"]))
            .collect();
        let value = scaled(&cell["value"]);
        if children.is_empty() {
            let base = if kind == "WORKLOAD" {
                scaled(&cell["quantity"])
            } else {
                scaled(&cell["amount"])
            };
            let product = round(base * scaled(&cell["weight"]), 10_000);
            let expected = if kind == "COST" { -product } else { product };
            assert_eq!(value, expected, "{code} of {dept}: {cell}");
        } else {
            assert_eq!(value, children.iter().sum::<i128>(), "{code} of {dept}");
        }
        let ratio = match parent {
            None => 10_000,
            Some(p) => round(value * 10_000, scaled(&totals[&(dept, *p)]["value"])),
        };
        assert_eq!(scaled(&cell["ratio"]), ratio, "{code} of {dept}: {cell}");
        checked += 1;
    }
    assert!(checked > 10);

    let summary = app
        .get(
            &format!("/api/v1/calculation-tasks/{id}/value-summary"),
            &analyst,
        )
        .await;
    assert_eq!(summary.status, 200, "{:?}", summary.body);
    let rows = summary.body["rows"].as_array().unwrap();
    let total: i128 = rows.iter().map(|r| scaled(&r["net_value"])).sum();
    for r in rows {
        let dept = r["department"]["id"].as_i64().unwrap();
        let net: i128 = nodes
            .iter()
            .filter(|(_, (p, _, _))| p.is_none())
            .filter_map(|(n, _)| totals.get(&(dept, *n)))
            .map(|c| scaled(&c["value"]))
            .sum();
        assert_eq!(scaled(&r["net_value"]), net, "{r}");
        assert_eq!(scaled(&r["share"]), round(net * 10_000, total.abs()), "{r}");
    }
}

/// The charge totals equal the sums of the visible charge lines, key by key: what the drill-down of a task
/// without details reads is what the lines say.
pub async fn assert_totals_are_the_visible_lines(conn: &impl sea_orm::ConnectionTrait) {
    let d = hospital::services::accounting::sql::Dialect::of(conn);
    let key =
        "hospital_id, period, prescribing_dept_code, executing_dept_code, item_code, business_type";
    let read = |sql: String| async move {
        d.all(conn, &sql, vec![])
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let text = |c: &str| r.try_get::<String>("", c).unwrap();
                (
                    r.try_get::<i64>("", "hospital_id").unwrap(),
                    text("period"),
                    text("prescribing_dept_code"),
                    text("executing_dept_code"),
                    text("item_code"),
                    text("business_type"),
                    r.try_get::<i64>("", "amount").unwrap(),
                    r.try_get::<i64>("", "quantity").unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let lines = read(format!(
        "SELECT {key}, {} AS amount, {} AS quantity FROM charge_details c WHERE c.import_id IS NULL \
         OR c.import_id IN (SELECT ci.id FROM charge_import ci WHERE ci.completed_seq IS NOT NULL) \
         GROUP BY {key} ORDER BY {key}",
        d.sum("amount"),
        d.sum("quantity"),
    ))
    .await;
    let totals = read(format!(
        "SELECT {key}, amount, quantity FROM charge_item_total ORDER BY {key}"
    ))
    .await;
    assert!(!lines.is_empty(), "no visible charge lines to compare");
    assert_eq!(totals, lines);
}

/// SQLite's `ANALYZE` reloads the statistics of the connection that ran it only. A pooled connection that had
/// loaded the schema before a month of lines arrived kept planning with the statistics of an empty month (a
/// PREPARE that took minutes instead of seconds); after `pipeline::analyze` it plans as a new connection does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_statistics_reach_every_pooled_sqlite_connection() {
    use sea_orm::{
        ConnectionTrait,
        sqlx::{self, Connection, Row},
    };
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let db = &app.db;
    for sql in [
        "CREATE TABLE lines (id INTEGER PRIMARY KEY, hospital_id INTEGER NOT NULL, period TEXT NOT NULL, \
         item TEXT NOT NULL)",
        "CREATE INDEX lines_month ON lines (hospital_id, period)",
        "CREATE INDEX lines_item ON lines (item)",
        "CREATE TABLE mapped (item TEXT NOT NULL)",
        "INSERT INTO mapped VALUES ('i1')",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    pipeline::analyze(db, &["lines", "mapped"]).await.unwrap();
    let count = "SELECT COUNT(*) FROM mapped m JOIN lines l ON l.item = m.item \
                 WHERE l.hospital_id = 1 AND l.period = '2026-03'";
    let explain = "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM mapped m JOIN lines l ON l.item = m.item \
                   WHERE l.hospital_id = 1 AND l.period = '2026-03'";
    async fn plan(conn: &mut sqlx::SqliteConnection, sql: &'static str) -> String {
        let rows = sqlx::query(sql)
            .persistent(false)
            .fetch_all(conn)
            .await
            .unwrap();
        let steps: Vec<String> = rows.iter().map(|r| r.get("detail")).collect();
        steps.join("; ")
    }
    let pool = db.get_sqlite_connection_pool();
    let mut held = pool.acquire().await.unwrap();
    // A statement (EXPLAIN is none) makes the connection check the schema version and re-read what changed: it
    // now plans with the statistics of an empty month.
    sqlx::query(count).fetch_one(&mut *held).await.unwrap();
    let before = plan(&mut held, explain).await;

    // A month of lines over 500 items, and 300 items mapped, through the pool's other connections.
    db.execute_unprepared(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
         INSERT INTO lines (hospital_id, period, item) SELECT 1, '2026-03', 'i' || (i % 500) FROM n",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
         INSERT INTO mapped SELECT 'i' || i FROM n",
    )
    .await
    .unwrap();
    pipeline::analyze(db, &["lines", "mapped"]).await.unwrap();

    let file: String = sqlx::query("PRAGMA database_list")
        .fetch_one(&mut *held)
        .await
        .unwrap()
        .get("file");
    let mut new = sqlx::SqliteConnection::connect(&format!("sqlite://{file}"))
        .await
        .unwrap();
    let fresh = plan(&mut new, explain).await;
    assert_ne!(before, fresh, "the statistics change this plan");
    sqlx::query(count).fetch_one(&mut *held).await.unwrap();
    assert_eq!(plan(&mut held, explain).await, fresh);
}

db_tests!(prepare_counts_the_lines_and_codes_no_result_will_include);

/// PREPARE's counts in its one scan: lines of items mapped to no node (two items, five lines) counted as lines
/// and as items, and the codes that match no department listed, sorted, the first ten of twelve.
async fn prepare_counts_the_lines_and_codes_no_result_will_include(app: TestApp) {
    model(&app).await;
    let text = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut lines: Vec<Line> = Vec::new();
    // Twelve unmatched prescribing codes, in reverse order, each on a line of the mapped registration.
    for i in (1..=12).rev() {
        let code = text(format!("HIS-{i:02}"));
        lines.push((code, "OUTPATIENT", code, "INT", "REG", 1, 10_000, "2026-10"));
    }
    for (i, item) in ["NOMAP-A", "NOMAP-A", "NOMAP-A", "NOMAP-B", "NOMAP-B"]
        .into_iter()
        .enumerate()
    {
        let id = text(format!("U{i}"));
        lines.push((id, "OUTPATIENT", "INT", "INT", item, 1, 20_000, "2026-10"));
    }
    insert_charges(&app, app.hospital_a, &lines).await;
    let analyst = app.token('a', Role::Analyst).await;
    let task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    let log = task["log"].as_str().unwrap();
    assert!(log.contains("17 charge lines, amount 22"), "{log}");
    assert!(
        log.contains(
            "12 charge lines (amount 12) name a prescribing department that matches no department \
             (HIS-01, HIS-02, HIS-03, HIS-04, HIS-05, HIS-06, HIS-07, HIS-08, HIS-09, HIS-10): they stay out"
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "0 charge lines (amount 0) name a executing department that matches no department:"
        ),
        "{log}"
    );
    assert!(
        log.contains("5 charge lines (amount 10) of 2 items are mapped to no node"),
        "{log}"
    );
}

/// A copy of model version `version` named `name` whose treatment leaf (dim-doc-treat) weighs `weight`.
pub async fn treatment_weighted_copy(
    app: &TestApp,
    token: &str,
    version: i64,
    name: &str,
    weight: &str,
) -> i64 {
    let copy = app
        .post(
            &format!("/api/v1/model-versions/{version}/copy"),
            token,
            json!({"name": name}),
        )
        .await;
    assert_eq!(copy.status, 201, "{:?}", copy.body);
    let copy = copy.body["id"].as_i64().unwrap();
    let nodes = app
        .get(&format!("/api/v1/model-versions/{copy}/nodes"), token)
        .await;
    let treat = nodes.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "dim-doc-treat")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let patched = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/dimension-nodes/{treat}"),
            Some(token),
            Some(json!({"weight": weight})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    copy
}
