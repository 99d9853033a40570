//! Two runs compared: before and after a weight change on a copied model version, cell by cell, with totals that
//! are the runs' own; a run against itself; what a comparison refuses.
use crate::accounting::{
    charges, inputs, insert_charges, model, run_task, treatment_weighted_copy,
};
use crate::db_tests;
use crate::helpers::TestApp;
use hospital::domain::foundation::role::Role;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

db_tests!(
    a_weight_change_shows_in_its_cells_and_the_totals_are_the_runs_own,
    a_comparison_needs_two_finished_runs_of_the_hospital,
);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string: {v}"))
        .parse()
        .unwrap()
}

/// The hospital's net value in a task's value summary.
async fn net_total(app: &TestApp, token: &str, task: i64) -> Decimal {
    let summary = app
        .get(
            &format!("/api/v1/calculation-tasks/{task}/value-summary"),
            token,
        )
        .await;
    assert_eq!(summary.status, 200, "{:?}", summary.body);
    summary.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| dec(&r["net_value"]))
        .sum()
}

async fn a_weight_change_shows_in_its_cells_and_the_totals_are_the_runs_own(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let before = run_task(&app, &analyst, json!({"period": "2026-10"})).await["id"]
        .as_i64()
        .unwrap();
    // The treatment leaf weighs 2.5 instead of 2 in a copy of the version.
    let copy = treatment_weighted_copy(&app, &analyst, ledger.version, "治疗加权", "2.5").await;
    let after = run_task(
        &app,
        &analyst,
        json!({"period": "2026-10", "model_version_id": copy}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let path = format!("/api/v1/calculation-tasks/compare?base={before}&other={after}");
    let c = app.get(&path, &analyst).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    assert_eq!(
        (
            c.body["base"]["id"].as_i64(),
            c.body["other"]["id"].as_i64()
        ),
        (Some(before), Some(after))
    );
    // The totals are the two runs' own net values.
    let (b, o) = (
        net_total(&app, &analyst, before).await,
        net_total(&app, &analyst, after).await,
    );
    assert_eq!(
        (
            dec(&c.body["totals"]["base"]),
            dec(&c.body["totals"]["other"])
        ),
        (b, o)
    );
    assert_eq!(dec(&c.body["totals"]["change"]), o - b);
    assert!(o > b, "a heavier treatment leaf adds value: {b} → {o}");
    let departments: Decimal = c.body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| dec(&d["change"]))
        .sum();
    assert_eq!(departments, o - b);
    // Only the treatment leaf and the nodes above it change; each by a quarter of its value before.
    let cells = c.body["cells"].as_array().unwrap();
    let changed: BTreeMap<(String, String), (Decimal, Decimal)> = cells
        .iter()
        .filter(|r| !dec(&r["change"]).is_zero())
        .map(|r| {
            (
                (
                    r["department_code"].as_str().unwrap().to_owned(),
                    r["node_code"].as_str().unwrap().to_owned(),
                ),
                (dec(&r["base"]), dec(&r["change"])),
            )
        })
        .collect();
    assert!(!changed.is_empty());
    for ((department, node), (base, change)) in &changed {
        assert!(
            ["dim-doc-treat", "dim-doc"].contains(&node.as_str()),
            "{department} {node}"
        );
        if node == "dim-doc-treat" {
            assert_eq!(*change, *base / Decimal::from(4), "{department}");
        }
    }
    for r in cells {
        let missing = Decimal::ZERO;
        let (b, o) = (
            if r["base"].is_null() {
                missing
            } else {
                dec(&r["base"])
            },
            if r["other"].is_null() {
                missing
            } else {
                dec(&r["other"])
            },
        );
        assert_eq!(dec(&r["change"]), o - b, "{r}");
    }
    let sizes: Vec<Decimal> = cells.iter().map(|r| dec(&r["change"]).abs()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    // The model's difference is the weight, nothing else.
    assert_eq!(
        c.body["model_differences"],
        json!([{"kind": "NODE", "subject": "dim-doc-treat", "field": "weight", "base": "2.0000", "other": "2.5000"}])
    );

    // A run against itself changes nothing.
    let same = app
        .get(
            &format!("/api/v1/calculation-tasks/compare?base={after}&other={after}"),
            &analyst,
        )
        .await;
    assert!(
        same.body["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| dec(&r["change"]).is_zero())
    );
    assert_eq!(same.body["model_differences"], json!([]));

    let xlsx = app
        .call(
            Method::GET,
            &format!("/api/v1/calculation-tasks/compare.xlsx?base={before}&other={after}"),
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(
        xlsx.content_type()
            .starts_with("application/vnd.openxmlformats")
    );
    let disposition = xlsx.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("compare-{before}-{after}.xlsx")),
        "{disposition}"
    );
}

async fn a_comparison_needs_two_finished_runs_of_the_hospital(app: TestApp) {
    model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    let analyst = app.token('a', Role::Analyst).await;
    let done = run_task(&app, &analyst, json!({"period": "2026-10"})).await["id"]
        .as_i64()
        .unwrap();
    let compare = |query: String| {
        let app = &app;
        let analyst = analyst.clone();
        async move {
            app.get(
                &format!("/api/v1/calculation-tasks/compare?{query}"),
                &analyst,
            )
            .await
        }
    };
    let unknown = compare(format!("base={done}&other=987654")).await;
    unknown.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        unknown.field_errors().contains_key("other"),
        "{:?}",
        unknown.body
    );
    // Another hospital's analyst finds no such task.
    let theirs = app
        .get(
            &format!("/api/v1/calculation-tasks/compare?base={done}&other={done}"),
            &app.token('b', Role::Analyst).await,
        )
        .await;
    theirs.assert_problem(422, "VALIDATION_FAILED");
    // A task without a finished run has nothing to compare.
    app.execute(&format!(
        "UPDATE calculation_task SET run_no = 0, status = 'PENDING' WHERE id = {done}"
    ))
    .await;
    compare(format!("base={done}&other={done}"))
        .await
        .assert_problem(409, "TASK_NOT_READY");
    let missing = compare("base=1".into()).await;
    assert_eq!(missing.status / 100, 4, "{:?}", missing.body);
    assert_ne!(missing.status, 404, "{:?}", missing.body);
    assert_eq!(compare("base=x&other=1".into()).await.status / 100, 4);
}
