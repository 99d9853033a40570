//! A period's life: reviewed on one run, published, locked, reopened with a reason; while it is not DRAFT it takes
//! no calculation and no input, and a review and a calculation at the same moment never both go through.
use crate::accounting::{charges, count, insert_charges, model, run_task, wait};
use crate::db_tests;
use crate::helpers::TestApp;
use crate::imports::{HEADER as CHARGE_HEADER, upload};
use hospital::{
    domain::accounting::calculation::StepKind,
    domain::foundation::role::Role,
    entities::accounting::calculation_task,
    services::accounting::calculation_tasks::{self, Checkpoint},
};
use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering::SeqCst},
};

db_tests!(
    the_month_after_a_published_one_compares_against_the_published_run,
    a_period_is_reviewed_published_locked_and_reopened_with_its_history,
    a_closed_period_takes_no_calculation_and_no_input,
    a_review_names_a_finished_run_of_an_ended_period,
);

crate::db_tests_with!(
    a_review_and_a_calculation_of_the_period_never_both_go_through => no_runner,
);

const PERIOD: &str = "/api/v1/accounting-periods/2026-10";

async fn step(app: &TestApp, token: &str, action: &str, body: Value) -> crate::helpers::Resp {
    app.post(&format!("{PERIOD}/{action}"), token, body).await
}

async fn succeeded_task(app: &TestApp, token: &str) -> i64 {
    let task = run_task(app, token, json!({"period": "2026-10"})).await;
    assert_eq!(task["status"], "SUCCEEDED", "{task}");
    task["id"].as_i64().unwrap()
}

async fn a_period_is_reviewed_published_locked_and_reopened_with_its_history(app: TestApp) {
    model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    let analyst = app.token('a', Role::Analyst).await;
    let admin = app.admin().await;
    let task = succeeded_task(&app, &analyst).await;

    let draft = app.get(PERIOD, &analyst).await;
    assert_eq!(draft.status, 200, "{:?}", draft.body);
    assert_eq!(
        (&draft.body["status"], &draft.body["events"]),
        (&json!("DRAFT"), &json!([]))
    );
    assert_eq!(
        app.get("/api/v1/accounting-periods", &analyst).await.body,
        json!([])
    );

    let reviewed = step(
        &app,
        &analyst,
        "review",
        json!({"task_id": task, "reason": " 与财务科核对一致 "}),
    )
    .await;
    assert_eq!(reviewed.status, 200, "{:?}", reviewed.body);
    assert_eq!(reviewed.body["status"], "REVIEWED");
    assert_eq!(
        (
            reviewed.body["task_id"].as_i64(),
            reviewed.body["run_no"].as_i64()
        ),
        (Some(task), Some(1))
    );
    // An analyst neither publishes nor locks; nor reopens what an administrator published.
    step(&app, &analyst, "publish", json!({}))
        .await
        .assert_problem(403, "FORBIDDEN");
    step(&app, &admin, "lock", json!({}))
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    let published = step(&app, &admin, "publish", json!({})).await;
    assert_eq!(
        published.body["status"], "PUBLISHED",
        "{:?}",
        published.body
    );
    let shown = app
        .get(&format!("/api/v1/calculation-tasks/{task}"), &analyst)
        .await;
    assert_eq!(
        (&shown.body["period_status"], &shown.body["period_run"]),
        (&json!("PUBLISHED"), &json!(true))
    );
    let results = app
        .get(
            &format!("/api/v1/calculation-tasks/{task}/value-summary"),
            &analyst,
        )
        .await;
    assert_eq!(
        results.body["task"]["period_run"], true,
        "{:?}",
        results.body
    );
    step(&app, &analyst, "reopen", json!({"reason": "数据有误"}))
        .await
        .assert_problem(403, "FORBIDDEN");
    let locked = step(&app, &admin, "lock", json!({})).await;
    assert_eq!(locked.body["status"], "LOCKED", "{:?}", locked.body);
    step(&app, &admin, "publish", json!({}))
        .await
        .assert_problem(409, "INVALID_TRANSITION");

    // Reopening needs a reason.
    let bare = step(&app, &admin, "reopen", json!({"reason": "  "})).await;
    bare.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        bare.field_errors().contains_key("reason"),
        "{:?}",
        bare.body
    );
    let reopened = step(
        &app,
        &admin,
        "reopen",
        json!({"reason": "成本数据更正后重算"}),
    )
    .await;
    assert_eq!(reopened.status, 200, "{:?}", reopened.body);
    assert_eq!(
        (&reopened.body["status"], &reopened.body["task_id"]),
        (&json!("DRAFT"), &Value::Null)
    );
    let history: Vec<_> = reopened.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["from_status"].as_str().unwrap().to_owned(),
                e["to_status"].as_str().unwrap().to_owned(),
                e["reason"].as_str().map(str::to_owned),
                e["task_id"].as_i64(),
            )
        })
        .collect();
    let row = |a: &str, f: &str, t: &str, r: Option<&str>, id: Option<i64>| {
        (
            a.to_owned(),
            f.to_owned(),
            t.to_owned(),
            r.map(str::to_owned),
            id,
        )
    };
    assert_eq!(
        history,
        vec![
            row(
                "REVIEW",
                "DRAFT",
                "REVIEWED",
                Some("与财务科核对一致"),
                Some(task)
            ),
            row("PUBLISH", "REVIEWED", "PUBLISHED", None, Some(task)),
            row("LOCK", "PUBLISHED", "LOCKED", None, Some(task)),
            row(
                "REOPEN",
                "LOCKED",
                "DRAFT",
                Some("成本数据更正后重算"),
                None
            ),
        ]
    );
    let shown = app
        .get(&format!("/api/v1/calculation-tasks/{task}"), &analyst)
        .await;
    assert_eq!(
        (&shown.body["period_status"], &shown.body["period_run"]),
        (&json!("DRAFT"), &json!(false))
    );
    let names: Vec<_> = reopened.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user_name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a ANALYST", "a ADMIN", "a ADMIN", "a ADMIN"]);
    let listed = app.get("/api/v1/accounting-periods", &analyst).await;
    assert_eq!(listed.body[0]["period"], "2026-10", "{:?}", listed.body);
    assert_eq!(listed.body[0]["status"], "DRAFT");
    // Every transition is in the audit log, with who made it and why.
    for (action, n) in [
        ("ACCOUNTING_PERIOD_REVIEW", 1),
        ("ACCOUNTING_PERIOD_PUBLISH", 1),
        ("ACCOUNTING_PERIOD_LOCK", 1),
        ("ACCOUNTING_PERIOD_REOPEN", 1),
    ] {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = '{action}' AND resource_id = '2026-10'"
        );
        assert_eq!(count(&app, &sql).await, n, "{action}");
    }
    // The other hospital sees its own 2026-10, untouched.
    let other = app.get(PERIOD, &app.token('b', Role::Analyst).await).await;
    assert_eq!(other.body["status"], "DRAFT");
}

/// The number of charge lines and workload records of hospital A in a period.
async fn inputs_of(app: &TestApp, period: &str) -> (i64, i64) {
    let h = app.hospital_a;
    (
        count(
            app,
            &format!("SELECT COUNT(*) AS n FROM charge_details WHERE hospital_id = {h} AND period = '{period}'"),
        )
        .await,
        count(
            app,
            &format!("SELECT COUNT(*) AS n FROM workload_record WHERE hospital_id = {h} AND period = '{period}'"),
        )
        .await,
    )
}

async fn a_closed_period_takes_no_calculation_and_no_input(app: TestApp) {
    model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    let analyst = app.token('a', Role::Analyst).await;
    let admin = app.admin().await;
    let task = succeeded_task(&app, &analyst).await;
    let reviewed = step(&app, &analyst, "review", json!({"task_id": task})).await;
    assert_eq!(reviewed.status, 200, "{:?}", reviewed.body);
    let before = inputs_of(&app, "2026-10").await;

    for (status, who) in [
        ("REVIEWED", &analyst),
        ("PUBLISHED", &admin),
        ("LOCKED", &admin),
    ] {
        if status == "PUBLISHED" {
            assert_eq!(step(&app, &admin, "publish", json!({})).await.status, 200);
        }
        if status == "LOCKED" {
            assert_eq!(step(&app, &admin, "lock", json!({})).await.status, 200);
        }
        let created = app
            .post(
                "/api/v1/calculation-tasks",
                who,
                json!({"period": "2026-10"}),
            )
            .await;
        created.assert_problem(409, "PERIOD_CLOSED");
        assert!(
            created.body["detail"].as_str().unwrap().contains(status),
            "{:?}",
            created.body
        );
        app.post(
            &format!("/api/v1/calculation-tasks/{task}/run"),
            who,
            json!({}),
        )
        .await
        .assert_problem(409, "PERIOD_CLOSED");
        // A charge file with a line of the period is refused whole, even with lines of an open one.
        let file = format!(
            "{CHARGE_HEADER}\nP-1,门诊,INT,LAB,LAB-001,血常规,LAB,1,20,2026-09-30 10:00:00\n\
             P-2,门诊,INT,LAB,LAB-001,血常规,LAB,1,20,2026-10-02 10:00:00\n"
        );
        upload(&app, "/api/v1/imports/charges", who, file)
            .await
            .assert_problem(409, "PERIOD_CLOSED");
        let workload = "period,department_code,node_code,quantity\n2026-09,INT,dim-nur-bed,3\n2026-10,INT,dim-nur-bed,5\n";
        upload(&app, "/api/v1/imports/workload", who, workload)
            .await
            .assert_problem(409, "PERIOD_CLOSED");
        assert_eq!(inputs_of(&app, "2026-10").await, before, "{status}");
        assert_eq!(inputs_of(&app, "2026-09").await.1, 0, "{status}");
        let pending = count(
            &app,
            "SELECT COUNT(*) AS n FROM charge_import WHERE status = 'PENDING'",
        )
        .await;
        assert_eq!(pending, 0, "{status}");
    }
    // Other periods take inputs as before.
    let september =
        format!("{CHARGE_HEADER}\nP-1,门诊,INT,LAB,LAB-001,血常规,LAB,1,20,2026-09-30 10:00:00\n");
    let imported = upload(&app, "/api/v1/imports/charges", &analyst, september).await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);

    // Reopened, the period takes them again.
    let reopened = step(&app, &admin, "reopen", json!({"reason": "补录十月费用"})).await;
    assert_eq!(reopened.status, 200, "{:?}", reopened.body);
    let file =
        format!("{CHARGE_HEADER}\nP-2,门诊,INT,LAB,LAB-001,血常规,LAB,1,20,2026-10-02 10:00:00\n");
    let imported = upload(&app, "/api/v1/imports/charges", &analyst, file).await;
    assert_eq!(imported.status, 200, "{:?}", imported.body);
    assert_eq!(inputs_of(&app, "2026-10").await.0, before.0 + 1);
    let rerun = app
        .post(
            &format!("/api/v1/calculation-tasks/{task}/run"),
            &analyst,
            json!({}),
        )
        .await;
    assert_eq!(rerun.status, 202, "{:?}", rerun.body);
    let done = wait(&app, &analyst, task).await;
    assert_eq!(
        (done["status"].as_str(), done["run_no"].as_i64()),
        (Some("SUCCEEDED"), Some(2))
    );
}

async fn a_review_names_a_finished_run_of_an_ended_period(app: TestApp) {
    model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    let analyst = app.token('a', Role::Analyst).await;
    let task = succeeded_task(&app, &analyst).await;

    let missing = step(&app, &analyst, "review", json!({"task_id": 987_654})).await;
    missing.assert_problem(422, "VALIDATION_FAILED");
    assert!(missing.field_errors().contains_key("task_id"));
    // A task of hospital B is no task of A's.
    let mut theirs = calculation_task::Entity::find_by_id(task)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    theirs.id = ActiveValue::NotSet;
    theirs.hospital_id = Set(app.hospital_b);
    let theirs = theirs.insert(&app.db).await.unwrap().id;
    let foreign = step(&app, &analyst, "review", json!({"task_id": theirs})).await;
    foreign.assert_problem(422, "VALIDATION_FAILED");
    let other = app
        .post(
            "/api/v1/accounting-periods/2026-09/review",
            &analyst,
            json!({"task_id": task}),
        )
        .await;
    other.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        other.field_errors()["task_id"].contains("2026-10"),
        "{:?}",
        other.body
    );
    // The month that is still going on cannot be reviewed.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
    let current = now.format("%Y-%m").to_string();
    let running = run_task(&app, &analyst, json!({"period": current})).await;
    let early = app
        .post(
            &format!("/api/v1/accounting-periods/{current}/review"),
            &analyst,
            json!({"task_id": running["id"]}),
        )
        .await;
    early.assert_problem(422, "VALIDATION_FAILED");
    assert!(
        early.field_errors().contains_key("period"),
        "{:?}",
        early.body
    );
    app.post(
        "/api/v1/accounting-periods/2026-13/review",
        &analyst,
        json!({"task_id": task}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    let long = "长".repeat(501);
    step(
        &app,
        &analyst,
        "review",
        json!({"task_id": task, "reason": long}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    // Nothing above changed the period.
    assert_eq!(app.get(PERIOD, &analyst).await.body["events"], json!([]));
    step(&app, &analyst, "reopen", json!({"reason": "x"}))
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    // A review taken back by the analyst leaves the period open.
    assert_eq!(
        step(&app, &analyst, "review", json!({"task_id": task}))
            .await
            .status,
        200
    );
    step(&app, &analyst, "review", json!({"task_id": task}))
        .await
        .assert_problem(409, "INVALID_TRANSITION");
    assert_eq!(
        step(
            &app,
            &analyst,
            "reopen",
            json!({"reason": "漏了检验科数据"})
        )
        .await
        .status,
        200
    );
    assert_eq!(app.get(PERIOD, &analyst).await.body["status"], "DRAFT");
}

fn no_runner(s: &mut hospital::config::Settings) {
    // The test's own runner, which it can hold, is the only one.
    s.run_calculations = false;
}

/// A review and a new calculation of the period, sent together: a calculation queued first stops the review
/// (`PERIOD_BUSY`: the runner holds the runs started during the race at PREPARE, so it stays queued or running), a
/// review first refuses the calculation (`PERIOD_CLOSED`). Never both.
async fn a_review_and_a_calculation_of_the_period_never_both_go_through(app: TestApp) {
    model(&app).await;
    insert_charges(&app, app.hospital_a, &charges()).await;
    let hold = Arc::new(AtomicBool::new(false));
    let held = hold.clone();
    calculation_tasks::spawn_runner_with(
        app.db.clone(),
        Some(Arc::new(move |_, at| {
            let held = held.clone();
            Box::pin(async move {
                while at == Checkpoint::Step(StepKind::Prepare) && held.load(SeqCst) {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            })
        })),
    );
    let analyst = app.token('a', Role::Analyst).await;
    let admin = app.admin().await;
    let mut outcomes = Vec::new();
    for month in 1..=6 {
        let period = format!("2026-0{month}");
        hold.store(false, SeqCst);
        let task = run_task(&app, &analyst, json!({"period": period})).await;
        assert_eq!(task["status"], "SUCCEEDED", "{task}");
        hold.store(true, SeqCst);
        let path = format!("/api/v1/accounting-periods/{period}/review");
        let (review, create) = tokio::join!(
            app.post(&path, &analyst, json!({"task_id": task["id"]})),
            app.post(
                "/api/v1/calculation-tasks",
                &admin,
                json!({"period": period})
            )
        );
        match (review.status, create.status) {
            (200, 409) => create.assert_problem(409, "PERIOD_CLOSED"),
            (409, 202) => review.assert_problem(409, "PERIOD_BUSY"),
            other => panic!("{period}: {other:?}: {:?} {:?}", review.body, create.body),
        }
        outcomes.push(review.status);
        // The period stands as the winner left it: reviewed with no calculation queued, or open with one.
        let busy = count(
            &app,
            &format!(
                "SELECT COUNT(*) AS n FROM calculation_task WHERE hospital_id = {} AND period = '{period}' \
                 AND status IN ('PENDING', 'RUNNING')",
                app.hospital_a
            ),
        )
        .await;
        let status = app
            .get(&format!("/api/v1/accounting-periods/{period}"), &analyst)
            .await
            .body["status"]
            .clone();
        assert_eq!(
            (status == "REVIEWED", busy == 0),
            (review.status == 200, review.status == 200)
        );
    }
    hold.store(false, SeqCst);
    assert_eq!(outcomes.len(), 6);
}

/// The value summary's net value of department `code` in task `id`, and its month-on-month change.
async fn int_net(
    app: &TestApp,
    token: &str,
    id: i64,
) -> (rust_decimal::Decimal, Option<rust_decimal::Decimal>) {
    let summary = app
        .get(
            &format!("/api/v1/calculation-tasks/{id}/value-summary"),
            token,
        )
        .await;
    let row = summary.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"]["code"] == "INT")
        .unwrap()
        .clone();
    (
        row["net_value"].as_str().unwrap().parse().unwrap(),
        row["mom_change"].as_str().map(|s| s.parse().unwrap()),
    )
}

/// September was calculated twice — on the model and, later, on a copy that weighs treatment more — and the
/// first run was published. October's month-on-month change compares against the published September, not the
/// latest one.
async fn the_month_after_a_published_one_compares_against_the_published_run(app: TestApp) {
    let ledger = model(&app).await;
    crate::batches::charges_in(&app, &["2026-09", "2026-10"]).await;
    let analyst = app.token('a', Role::Analyst).await;
    let admin = app.admin().await;
    let published = run_task(&app, &analyst, json!({"period": "2026-09"})).await["id"]
        .as_i64()
        .unwrap();
    let copy =
        crate::accounting::treatment_weighted_copy(&app, &analyst, ledger.version, "加权", "3")
            .await;
    let later = run_task(
        &app,
        &analyst,
        json!({"period": "2026-09", "model_version_id": copy}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = "/api/v1/accounting-periods/2026-09";
    assert_eq!(
        app.post(
            &format!("{path}/review"),
            &analyst,
            json!({"task_id": published})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.post(&format!("{path}/publish"), &admin, json!({}))
            .await
            .status,
        200
    );

    let october = run_task(&app, &analyst, json!({"period": "2026-10"})).await["id"]
        .as_i64()
        .unwrap();
    let (told, _) = int_net(&app, &analyst, published).await;
    let (latest, _) = int_net(&app, &analyst, later).await;
    assert_ne!(told, latest);
    let (now, change) = int_net(&app, &analyst, october).await;
    let expected = ((now - told) / told.abs())
        .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(
        change,
        Some(expected),
        "net {now} against the published {told} (latest {latest})"
    );
}
