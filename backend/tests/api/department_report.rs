//! A department's page of a run: its series against the month before, its largest nodes and items, and the
//! orientation rules' verdicts, all agreeing with the run's own results.
use crate::accounting::{inputs, model, run_task};
use crate::batches::charges_in;
use crate::db_tests;
use crate::helpers::TestApp;
use hospital::domain::foundation::role::Role;
use rust_decimal::Decimal;
use serde_json::{Value, json};

db_tests!(a_department_page_agrees_with_the_run);

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal: {v}"))
        .parse()
        .unwrap()
}

async fn net_of(app: &TestApp, token: &str, task: i64, code: &str) -> Decimal {
    let s = app
        .get(
            &format!("/api/v1/calculation-tasks/{task}/value-summary"),
            token,
        )
        .await;
    dec(&s.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == code)
        .unwrap()["net_value"])
}

async fn a_department_page_agrees_with_the_run(app: TestApp) {
    let ledger = model(&app).await;
    charges_in(&app, &["2026-09", "2026-10"]).await;
    inputs(&app, &ledger).await;
    let analyst = app.token('a', Role::Analyst).await;
    let september = run_task(&app, &analyst, json!({"period": "2026-09"})).await["id"]
        .as_i64()
        .unwrap();
    let october_task = run_task(&app, &analyst, json!({"period": "2026-10"})).await;
    let october = october_task["id"].as_i64().unwrap();
    // The run's log is in the hospital's local time (the test hospitals are in Shanghai).
    let first = october_task["log"]
        .as_str()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let logged = chrono::NaiveTime::parse_from_str(&first[..8], "%H:%M:%S").unwrap();
    let started: chrono::DateTime<chrono::Utc> = october_task["started_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let local = started.with_timezone(&chrono_tz::Asia::Shanghai).time();
    let apart = (logged - local).num_seconds().rem_euclid(86_400);
    assert!(
        apart <= 5 || apart >= 86_395,
        "{first} against a start at {local} local"
    );
    let int = ledger.departments["INT"];

    let path = format!("/api/v1/calculation-tasks/{october}/departments/{int}/report");
    let r = app.get(&path, &analyst).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["department"]["code"], "INT");
    assert_eq!(r.body["previous_task"]["id"].as_i64(), Some(september));
    let net = r.body["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["series"] == "NET")
        .unwrap()
        .clone();
    let (now, before) = (
        net_of(&app, &analyst, october, "INT").await,
        net_of(&app, &analyst, september, "INT").await,
    );
    assert_eq!(
        (
            dec(&net["value"]),
            dec(&net["previous"]),
            dec(&net["change"])
        ),
        (now, before, now - before)
    );
    // October has September's charges plus its orientation inputs: the change is what those did.
    assert_ne!(now, before);

    // The nodes are the department's leaves, largest first, with the matrix's values.
    let nodes = r.body["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty() && nodes.len() <= 10);
    let sizes: Vec<Decimal> = nodes.iter().map(|n| dec(&n["value"]).abs()).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let matrix = app
        .get(
            &format!("/api/v1/calculation-tasks/{october}/results"),
            &analyst,
        )
        .await;
    for n in nodes {
        let cell = matrix.body["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["department_id"].as_i64() == Some(int)
                    && c["node_id"] == n["node_id"]
                    && c["business_type"].is_null()
            })
            .unwrap_or_else(|| panic!("no cell for {n}"));
        assert_eq!(dec(&cell["value"]), dec(&n["value"]), "{n}");
    }
    // The items: treatment (TRT, 100 + 300 yuan performed by internal medicine) once, whichever roots drill to it.
    let items = r.body["items"].as_array().unwrap();
    let trt = items.iter().find(|i| i["item_code"] == "TRT").unwrap();
    assert_eq!(dec(&trt["amount"]), Decimal::from(400));
    let amounts: Vec<Decimal> = items.iter().map(|i| dec(&i["amount"])).collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    // The orientation verdict on its treatment leaf.
    let verdicts = r.body["orientation"].as_array().unwrap();
    assert!(
        verdicts
            .iter()
            .any(|v| v["node_code"] == "dim-doc-treat" && v["skip_reason"].is_null()),
        "{verdicts:?}"
    );

    let xlsx = app
        .call(
            reqwest::Method::GET,
            &format!("{path}.xlsx"),
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(xlsx.status, 200);
    let disposition = xlsx.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains(&format!("calculation-{october}-INT.xlsx")),
        "{disposition}"
    );

    // Another hospital finds neither the task nor the department.
    let theirs = app.get(&path, &app.token('b', Role::Analyst).await).await;
    theirs.assert_problem(404, "NOT_FOUND");
    let unknown = app
        .get(
            &format!("/api/v1/calculation-tasks/{october}/departments/987654/report"),
            &analyst,
        )
        .await;
    assert_eq!(unknown.status / 100, 4, "{:?}", unknown.body);
}
