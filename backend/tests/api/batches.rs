//! Calculation batches: months queued together run in period order on several runners, each month's change
//! compares against the fresh month before, a failed month stops the months after it, the value summaries come as
//! one workbook, and a batch that cannot run whole is refused whole.
use crate::accounting::{charges, count, insert_charges, model, rerun, wait};
use crate::db_tests_with;
use crate::helpers::TestApp;
use hospital::{
    domain::{accounting::calculation::StepKind, foundation::role::Role},
    services::accounting::calculation_tasks::{self, Checkpoint},
};
use serde_json::{Value, json};
use std::io::Read;
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering::SeqCst},
};

db_tests_with!(
    a_batch_runs_its_months_in_order_and_exports_one_workbook => no_runner,
    a_failed_month_stops_the_months_after_it => no_runner,
    a_batch_that_cannot_run_whole_is_refused_whole => no_runner,
);

fn no_runner(s: &mut hospital::config::Settings) {
    s.run_calculations = false;
}

/// The test charges of 2026-10 again in each of `periods` (their own line ids).
pub async fn charges_in(app: &TestApp, periods: &[&'static str]) {
    let lines: Vec<_> = periods
        .iter()
        .flat_map(|p| {
            charges()
                .into_iter()
                .map(move |(id, bt, presc, exec, item, qty, amount, _)| {
                    let id: &'static str = Box::leak(format!("{p}-{id}").into_boxed_str());
                    (id, bt, presc, exec, item, qty, amount, *p)
                })
        })
        .collect();
    insert_charges(app, app.hospital_a, &lines).await;
}

/// Polls the batch until no month is left to run.
async fn settled(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let b = app
            .get(&format!("/api/v1/calculation-batches/{id}"), token)
            .await;
        assert_eq!(b.status, 200, "{:?}", b.body);
        if matches!(b.body["status"].as_str(), Some("SUCCEEDED" | "FAILED")) {
            return b.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("batch {id} did not finish");
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str().unwrap().parse().unwrap()
}

async fn a_batch_runs_its_months_in_order_and_exports_one_workbook(app: TestApp) {
    model(&app).await;
    charges_in(&app, &["2026-08", "2026-09", "2026-10", "2026-11"]).await;
    // Three servers' runners take whatever they may.
    for _ in 0..3 {
        calculation_tasks::spawn_runner(app.db.clone());
    }
    let analyst = app.token('a', Role::Analyst).await;
    let created = app
        .post(
            "/api/v1/calculation-batches",
            &analyst,
            json!({"from": "2026-08", "to": "2026-11"}),
        )
        .await;
    assert_eq!(created.status, 202, "{:?}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    let periods: Vec<_> = created.body["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["period"].clone())
        .collect();
    assert_eq!(
        periods,
        [
            json!("2026-08"),
            json!("2026-09"),
            json!("2026-10"),
            json!("2026-11")
        ]
    );

    let done = settled(&app, &analyst, id).await;
    assert_eq!(
        (done["status"].as_str(), done["progress"].as_i64()),
        (Some("SUCCEEDED"), Some(100)),
        "{done}"
    );
    let tasks = done["tasks"].as_array().unwrap();
    for pair in tasks.windows(2) {
        assert!(
            time(&pair[1]["started_at"]) >= time(&pair[0]["finished_at"]),
            "{} started before {} finished",
            pair[1]["period"],
            pair[0]["period"]
        );
    }
    // Each month compares against the batch's month before (the same charges: no change), the first against none.
    for (i, t) in tasks.iter().enumerate() {
        let summary = app
            .get(
                &format!("/api/v1/calculation-tasks/{}/value-summary", t["id"]),
                &analyst,
            )
            .await;
        let int = summary.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["department"]["code"] == "INT")
            .unwrap()
            .clone();
        if i == 0 {
            assert!(int["mom_change"].is_null(), "{int}");
        } else {
            assert_eq!(
                int["mom_change"]
                    .as_str()
                    .map(|s| s.parse::<rust_decimal::Decimal>().unwrap()),
                Some(rust_decimal::Decimal::ZERO),
                "{int}"
            );
        }
    }

    let xlsx = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/calculation-batches/{id}/value-summaries.xlsx"),
            Some(&analyst),
            None,
        )
        .await;
    assert_eq!(xlsx.status, 200);
    let bytes = app
        .client
        .get(app.url(&format!(
            "/api/v1/calculation-batches/{id}/value-summaries.xlsx"
        )))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut book = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut workbook = String::new();
    book.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    let sheets: Vec<&str> = workbook
        .split("<sheet name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(sheets, ["汇总", "2026-08", "2026-09", "2026-10", "2026-11"]);

    let listed = app.get("/api/v1/calculation-batches", &analyst).await;
    assert_eq!(
        listed.body["items"][0]["id"].as_i64(),
        Some(id),
        "{:?}",
        listed.body
    );
    // Another hospital does not see it.
    app.get(
        &format!("/api/v1/calculation-batches/{id}"),
        &app.token('b', Role::Analyst).await,
    )
    .await
    .assert_problem(404, "NOT_FOUND");
}

async fn a_failed_month_stops_the_months_after_it(app: TestApp) {
    model(&app).await;
    charges_in(&app, &["2026-08", "2026-09", "2026-10"]).await;
    let armed = Arc::new(AtomicBool::new(true));
    let trigger = armed.clone();
    calculation_tasks::spawn_runner_with(
        app.db.clone(),
        Some(Arc::new(move |_, at| {
            let fire = at == Checkpoint::Step(StepKind::Prepare) && trigger.swap(false, SeqCst);
            Box::pin(async move {
                if fire {
                    panic!("the first month breaks");
                }
            })
        })),
    );
    let analyst = app.token('a', Role::Analyst).await;
    let created = app
        .post(
            "/api/v1/calculation-batches",
            &analyst,
            json!({"from": "2026-08", "to": "2026-10"}),
        )
        .await;
    assert_eq!(created.status, 202, "{:?}", created.body);
    let done = settled(&app, &analyst, created.body["id"].as_i64().unwrap()).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    let tasks = done["tasks"].as_array().unwrap();
    assert!(
        tasks[0]["error"]
            .as_str()
            .unwrap()
            .contains("the first month breaks"),
        "{}",
        tasks[0]
    );
    for t in &tasks[1..] {
        assert_eq!(t["status"], "FAILED");
        let error = t["error"].as_str().unwrap();
        assert!(
            error.contains("the batch stopped") && error.contains("2026-08"),
            "{error}"
        );
        assert_eq!(t["run_no"], 0);
    }
    // Run again in order, every month succeeds.
    for t in tasks {
        let again = rerun(&app, &analyst, t["id"].as_i64().unwrap()).await;
        assert_eq!(again["status"], "SUCCEEDED", "{again}");
    }
    // The stopped claim took a run number of its own; the results are the new run's.
    let last = wait(&app, &analyst, tasks[2]["id"].as_i64().unwrap()).await;
    assert_eq!(
        (last["status"].as_str(), last["run_no"].as_i64()),
        (Some("SUCCEEDED"), Some(2))
    );
}

async fn a_batch_that_cannot_run_whole_is_refused_whole(app: TestApp) {
    model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    let post = |body: Value| {
        let (app, analyst) = (&app, analyst.clone());
        async move {
            app.post("/api/v1/calculation-batches", &analyst, body)
                .await
        }
    };
    for (body, field) in [
        (json!({"from": "2026-05", "to": "2026-04"}), "to"),
        (json!({"from": "2024-01", "to": "2026-01"}), "to"),
        (json!({"from": "2026-13", "to": "2026-04"}), "from"),
        (
            json!({"from": "2026-01", "to": "2026-02", "model_version_id": 987654}),
            "model_version_id",
        ),
    ] {
        let r = post(body.clone()).await;
        r.assert_problem(422, "VALIDATION_FAILED");
        assert!(r.field_errors().contains_key(field), "{body}: {:?}", r.body);
    }
    // Twenty-four months are the most one batch runs.
    let most = post(json!({"from": "2024-01", "to": "2025-12"})).await;
    assert_eq!(
        (most.status, most.body["tasks"].as_array().map(Vec::len)),
        (202, Some(24)),
        "{:?}",
        most.body
    );
    // A reviewed month inside the range refuses the batch, and nothing of it is queued.
    calculation_tasks::spawn_runner(app.db.clone());
    let september = crate::accounting::run_task(&app, &analyst, json!({"period": "2026-09"})).await;
    let reviewed = app
        .post(
            "/api/v1/accounting-periods/2026-09/review",
            &analyst,
            json!({"task_id": september["id"]}),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{:?}", reviewed.body);
    let before = count(&app, "SELECT COUNT(*) AS n FROM calculation_task").await;
    post(json!({"from": "2026-08", "to": "2026-10"}))
        .await
        .assert_problem(409, "PERIOD_CLOSED");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM calculation_task").await,
        before
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM calculation_batch").await,
        1
    );
}
