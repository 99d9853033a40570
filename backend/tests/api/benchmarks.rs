//! Computed orientation benchmarks through real runs: each method on a copy of the model version measures the
//! internal-medicine treatment leaf (actual 125 in 2026-10) against its own history (100, 120, 140 in July to
//! September) or the hospital's mean, records the benchmark, its method and basis in the adjustment, and falls
//! back to the fixed value where there is nothing to compute from.
use crate::accounting::{charges, inputs, insert_charges, model, run_task};
use crate::db_tests;
use crate::helpers::{Backend, TestApp};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// Names the copies apart.
static COPIES: AtomicUsize = AtomicUsize::new(0);

db_tests!(
    each_benchmark_method_measures_against_its_own_figure,
    a_method_takes_a_lookback_only_when_it_looks_back,
);

async fn actual(app: &TestApp, period: &str, department: &str, node: &str, value: i64) {
    let now = if app.backend == Backend::Postgres {
        "NOW()"
    } else {
        "CURRENT_TIMESTAMP"
    };
    app.execute(&format!(
        "INSERT INTO orientation_value (hospital_id, period, department_code, node_code, actual_value, created_at) \
         VALUES ({}, '{period}', '{department}', '{node}', {value}, {now})",
        app.hospital_a
    ))
    .await;
}

fn ladder() -> Value {
    json!([
        {"lower_bound": "0", "upper_bound": "0.8", "intensity": "0.9"},
        {"lower_bound": "0.8", "upper_bound": "1.2", "intensity": "1"},
        {"lower_bound": "1.2", "upper_bound": null, "intensity": "1.1"},
    ])
}

/// Copies `version`, gives the copy's rule on `node` the method, and runs 2026-10 on the copy; answers the
/// adjustments of the run.
async fn run_with(app: &TestApp, token: &str, version: i64, node: &str, rule: Value) -> Vec<Value> {
    let copy = app
        .post(
            &format!("/api/v1/model-versions/{version}/copy"),
            token,
            json!({"name": format!("基准 {node} {}", COPIES.fetch_add(1, SeqCst))}),
        )
        .await;
    assert_eq!(copy.status, 201, "{:?}", copy.body);
    let copy = copy.body["id"].as_i64().unwrap();
    let rules = app
        .get(
            &format!("/api/v1/model-versions/{copy}/orientation-rules?node_code={node}"),
            token,
        )
        .await;
    let id = rules.body["items"][0]["id"].as_i64().unwrap();
    let mut body = json!({"node_code": node, "name": format!("{node} 导向"), "benchmark": "100", "ladder": ladder()});
    body.as_object_mut()
        .unwrap()
        .extend(rule.as_object().unwrap().clone());
    let put = app
        .put(&format!("/api/v1/orientation-rules/{id}"), token, body)
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    let task = run_task(
        app,
        token,
        json!({"period": "2026-10", "model_version_id": copy}),
    )
    .await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    let adjustments = app
        .get(
            &format!(
                "/api/v1/calculation-tasks/{}/orientation-adjustments",
                task["id"]
            ),
            token,
        )
        .await;
    assert_eq!(adjustments.status, 200, "{:?}", adjustments.body);
    adjustments.body["rows"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], department: &str, node: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["department"]["code"] == department && r["node_code"] == node)
        .unwrap_or_else(|| panic!("no adjustment of {department} {node}: {rows:?}"))
}

fn figure(v: &Value) -> Option<rust_decimal::Decimal> {
    v.as_str().map(|s| s.parse().unwrap())
}

async fn each_benchmark_method_measures_against_its_own_figure(app: TestApp) {
    let ledger = model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    inputs(&app, &ledger).await;
    for (period, value) in [
        ("2026-07", 1_000_000),
        ("2026-08", 1_200_000),
        ("2026-09", 1_400_000),
    ] {
        actual(&app, period, "INT", "dim-doc-treat", value).await;
    }
    // Another department's actual of the node in 2026-10, for the hospital's mean: (125 + 75) ÷ 2 = 100.
    actual(&app, "2026-10", "LAB", "dim-doc-treat", 750_000).await;
    let analyst = app.token('a', Role::Analyst).await;
    let cases = [
        (json!({}), "FIXED", "100", 0, "1.25", Some("1.1")),
        (
            json!({"benchmark_method": "HISTORY_AVERAGE", "lookback_periods": 3}),
            "HISTORY_AVERAGE",
            "120",
            3,
            "1.0417",
            Some("1"),
        ),
        (
            json!({"benchmark_method": "HISTORY_MEDIAN", "lookback_periods": 3}),
            "HISTORY_MEDIAN",
            "120",
            3,
            "1.0417",
            Some("1"),
        ),
        (
            json!({"benchmark_method": "HISTORY_MAX", "lookback_periods": 3}),
            "HISTORY_MAX",
            "140",
            3,
            "0.8929",
            Some("1"),
        ),
        (
            json!({"benchmark_method": "HISTORY_MIN", "lookback_periods": 3}),
            "HISTORY_MIN",
            "100",
            3,
            "1.25",
            Some("1.1"),
        ),
        (
            json!({"benchmark_method": "HISTORY_AVERAGE", "lookback_periods": 1}),
            "HISTORY_AVERAGE",
            "140",
            1,
            "0.8929",
            Some("1"),
        ),
        (
            json!({"benchmark_method": "HOSPITAL_AVERAGE"}),
            "HOSPITAL_AVERAGE",
            "100",
            2,
            "1.25",
            Some("1.1"),
        ),
    ];
    for (rule, method, benchmark, basis, ratio, intensity) in cases {
        let rows = run_with(
            &app,
            &analyst,
            ledger.version,
            "dim-doc-treat",
            rule.clone(),
        )
        .await;
        let r = row(&rows, "INT", "dim-doc-treat");
        let got = (
            r["benchmark_method"].as_str(),
            figure(&r["benchmark"]),
            r["benchmark_basis"].as_i64(),
            figure(&r["ratio"]),
            figure(&r["intensity"]),
        );
        let expected = (
            Some(method),
            Some(benchmark.parse().unwrap()),
            Some(basis),
            Some(ratio.parse().unwrap()),
            intensity.map(|i| i.parse().unwrap()),
        );
        assert_eq!(got, expected, "{rule}");
    }
    // The laboratory has no history of its leaf: its computed benchmark falls back to the rule's fixed 50 (and
    // with no actual of 2026-10 either, the rule skips it).
    let rows = run_with(
        &app,
        &analyst,
        ledger.version,
        "dim-tech-lab",
        json!({"benchmark": "50", "benchmark_method": "HISTORY_AVERAGE", "lookback_periods": 6}),
    )
    .await;
    let lab = row(&rows, "LAB", "dim-tech-lab");
    assert_eq!(
        (
            lab["benchmark_method"].as_str(),
            figure(&lab["benchmark"]),
            lab["benchmark_basis"].as_i64(),
            lab["skip_reason"].as_str()
        ),
        (
            Some("HISTORY_AVERAGE"),
            Some("50".parse().unwrap()),
            Some(0),
            Some("NO_ACTUAL_VALUE")
        )
    );
}

async fn a_method_takes_a_lookback_only_when_it_looks_back(app: TestApp) {
    let ledger = model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    let path = format!(
        "/api/v1/model-versions/{}/orientation-rules",
        ledger.version
    );
    let post = |extra: Value| {
        let mut body = json!({"node_code": "dim-doc-treat", "name": "治疗导向", "benchmark": "1", "ladder": ladder()});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (app, analyst, path) = (&app, analyst.clone(), path.clone());
        async move { app.post(&path, &analyst, body).await }
    };
    for (extra, field) in [
        (
            json!({"benchmark_method": "HISTORY_MEDIAN"}),
            "lookback_periods",
        ),
        (
            json!({"benchmark_method": "HISTORY_MEDIAN", "lookback_periods": 0}),
            "lookback_periods",
        ),
        (
            json!({"benchmark_method": "HISTORY_MEDIAN", "lookback_periods": 37}),
            "lookback_periods",
        ),
        (json!({"lookback_periods": 3}), "lookback_periods"),
        (
            json!({"benchmark_method": "HOSPITAL_AVERAGE", "lookback_periods": 3}),
            "lookback_periods",
        ),
    ] {
        let r = post(extra.clone()).await;
        r.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            r.field_errors().contains_key(field),
            "{extra}: {:?}",
            r.body
        );
    }
    let unknown = post(json!({"benchmark_method": "LAST_YEAR"})).await;
    assert_eq!(unknown.status / 100, 4, "{:?}", unknown.body);
    let created = post(json!({"benchmark_method": "HISTORY_MEDIAN", "lookback_periods": 12, "department_code": "INT"})).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        (
            created.body["benchmark_method"].as_str(),
            created.body["lookback_periods"].as_i64()
        ),
        (Some("HISTORY_MEDIAN"), Some(12))
    );
    // A copy of the version keeps the method.
    let copy = app
        .post(
            &format!("/api/v1/model-versions/{}/copy", ledger.version),
            &analyst,
            json!({"name": "副本"}),
        )
        .await;
    let copied = app
        .get(
            &format!(
                "/api/v1/model-versions/{}/orientation-rules?node_code=dim-doc-treat",
                copy.body["id"]
            ),
            &analyst,
        )
        .await;
    let methods: Vec<_> = copied.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["department_code"].as_str().map(str::to_owned),
                r["benchmark_method"].as_str().map(str::to_owned),
                r["lookback_periods"].as_i64(),
            )
        })
        .collect();
    assert!(
        methods.contains(&(Some("INT".into()), Some("HISTORY_MEDIAN".into()), Some(12))),
        "{methods:?}"
    );
}
