//! Calculations queued by imports: after a charge import that adds lines, or once a period has all four inputs;
//! queued with the import (none for a period already waiting), run like any other task, never for a hospital
//! that did not ask.
use crate::accounting::{count, model, wait};
use crate::db_tests;
use crate::helpers::TestApp;
use crate::imports::{HEADER, upload};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};

db_tests!(
    a_charge_import_queues_a_calculation_of_each_of_its_periods,
    all_inputs_queue_a_calculation_once_the_last_kind_arrives,
    the_setting_is_checked_and_kept,
);

crate::db_tests_with!(a_period_already_waiting_gets_no_second_calculation => no_runner);

fn file(lines: &[(&str, &str)]) -> String {
    let mut f = format!("{HEADER}\n");
    for (id, at) in lines {
        f.push_str(&format!("{id},门诊,INT,LAB,CBC,血常规,LAB,1,20,{at}\n"));
    }
    f
}

async fn set(app: &TestApp, token: &str, body: Value) -> crate::helpers::Resp {
    app.put("/api/v1/auto-calculation", token, body).await
}

fn ids(resp: &crate::helpers::Resp) -> Vec<i64> {
    resp.body["queued_tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", resp.body))
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

async fn a_charge_import_queues_a_calculation_of_each_of_its_periods(app: TestApp) {
    model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    // Not asked for: nothing is queued.
    let first = upload(
        &app,
        "/api/v1/imports/charges",
        &analyst,
        file(&[("A-1", "2026-08-03 09:00:00")]),
    )
    .await;
    assert_eq!(
        (first.status, ids(&first)),
        (200, vec![]),
        "{:?}",
        first.body
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM calculation_task").await,
        0
    );

    let saved = set(&app, &analyst, json!({"run_after": "CHARGES"})).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let two = file(&[
        ("A-2", "2026-09-03 09:00:00"),
        ("A-3", "2026-10-03 09:00:00"),
    ]);
    let imported = upload(&app, "/api/v1/imports/charges", &analyst, two.clone()).await;
    let queued = ids(&imported);
    assert_eq!(queued.len(), 2, "{:?}", imported.body);
    let mut periods = Vec::new();
    for id in &queued {
        let task = wait(&app, &analyst, *id).await;
        assert_eq!(
            (task["status"].as_str(), task["origin"].as_str()),
            (Some("SUCCEEDED"), Some("AUTO")),
            "{task}"
        );
        periods.push(task["period"].as_str().unwrap().to_owned());
    }
    periods.sort();
    assert_eq!(periods, ["2026-09", "2026-10"]);
    // The same file again adds nothing, and queues nothing.
    let again = upload(&app, "/api/v1/imports/charges", &analyst, two).await;
    assert_eq!(
        (again.body["inserted"].as_u64(), ids(&again)),
        (Some(0), vec![])
    );
    // Monthly inputs do not trigger a CHARGES setting.
    let workload = "period,department_code,node_code,quantity\n2026-10,INT,dim-nur-bed,3\n";
    let w = upload(&app, "/api/v1/imports/workload", &analyst, workload).await;
    assert_eq!((w.status, ids(&w)), (200, vec![]), "{:?}", w.body);
}

fn no_runner(s: &mut hospital::config::Settings) {
    s.run_calculations = false;
}

async fn all_inputs_queue_a_calculation_once_the_last_kind_arrives(app: TestApp) {
    model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    assert_eq!(
        set(&app, &analyst, json!({"run_after": "ALL_INPUTS"}))
            .await
            .status,
        200
    );
    let charges = upload(
        &app,
        "/api/v1/imports/charges",
        &analyst,
        file(&[("B-1", "2026-10-03 09:00:00")]),
    )
    .await;
    assert_eq!(ids(&charges), Vec::<i64>::new());
    for (path, body) in [
        (
            "/api/v1/imports/workload",
            "period,department_code,node_code,quantity\n2026-10,INT,dim-nur-bed,3\n",
        ),
        (
            "/api/v1/imports/costs",
            "period,department_code,node_code,amount\n2026-10,INT,dim-cost-labor,500\n",
        ),
    ] {
        let r = upload(&app, path, &analyst, body).await;
        assert_eq!((r.status, ids(&r)), (200, vec![]), "{path}: {:?}", r.body);
    }
    let last = upload(
        &app,
        "/api/v1/imports/orientation-values",
        &analyst,
        "period,department_code,node_code,actual_value\n2026-10,INT,dim-doc-treat,1.25\n",
    )
    .await;
    let queued = ids(&last);
    assert_eq!(queued.len(), 1, "{:?}", last.body);
    let task = wait(&app, &analyst, queued[0]).await;
    assert_eq!(
        (task["status"].as_str(), task["period"].as_str()),
        (Some("SUCCEEDED"), Some("2026-10"))
    );
    // Created by the analyst who imported, as the audit trail of the import says.
    let created_by = count(
        &app,
        &format!(
            "SELECT created_by AS n FROM calculation_task WHERE id = {}",
            queued[0]
        ),
    )
    .await;
    let analyst_id = count(
        &app,
        "SELECT id AS n FROM app_user WHERE username = 'a_analyst'",
    )
    .await;
    assert_eq!(created_by, analyst_id);
}

async fn the_setting_is_checked_and_kept(app: TestApp) {
    let ledger = model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    let start = app.get("/api/v1/auto-calculation", &analyst).await;
    assert_eq!(start.body["run_after"], "NEVER", "{:?}", start.body);
    set(
        &app,
        &analyst,
        json!({"run_after": "CHARGES", "model_version_id": 987654}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    set(
        &app,
        &analyst,
        json!({"run_after": "CHARGES", "workflow_id": 987654}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
    assert_eq!(
        set(&app, &analyst, json!({"run_after": "SOMETIMES"}))
            .await
            .status
            / 100,
        4
    );
    let saved = set(
        &app,
        &analyst,
        json!({"run_after": "ALL_INPUTS", "model_version_id": ledger.version}),
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert!(
        saved.body["workflow_id"].as_i64().is_some(),
        "the default workflow, by id: {:?}",
        saved.body
    );
    let read = app.get("/api/v1/auto-calculation", &analyst).await;
    assert_eq!(read.body, saved.body);
    // Another hospital keeps its own.
    let other = app
        .get(
            "/api/v1/auto-calculation",
            &app.token('b', Role::Analyst).await,
        )
        .await;
    assert_eq!(other.body["run_after"], "NEVER");
    // The model version of another hospital is no version of this one.
    let b_admin = app.token('b', Role::Admin).await;
    set(
        &app,
        &b_admin,
        json!({"run_after": "CHARGES", "model_version_id": ledger.version}),
    )
    .await
    .assert_problem(422, "VALIDATION_FAILED");
}

/// With no runner, the first import's calculation stays queued; the second import of the period queues none (the
/// waiting one will read both), and one of another period does.
async fn a_period_already_waiting_gets_no_second_calculation(app: TestApp) {
    model(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    assert_eq!(
        set(&app, &analyst, json!({"run_after": "CHARGES"}))
            .await
            .status,
        200
    );
    let first = upload(
        &app,
        "/api/v1/imports/charges",
        &analyst,
        file(&[("C-1", "2026-10-03 09:00:00")]),
    )
    .await;
    assert_eq!(ids(&first).len(), 1, "{:?}", first.body);
    let second = upload(
        &app,
        "/api/v1/imports/charges",
        &analyst,
        file(&[("C-2", "2026-10-04 09:00:00")]),
    )
    .await;
    assert_eq!(
        (second.body["inserted"].as_u64(), ids(&second)),
        (Some(1), vec![])
    );
    let third = upload(
        &app,
        "/api/v1/imports/charges",
        &analyst,
        file(&[
            ("C-3", "2026-10-05 09:00:00"),
            ("C-4", "2026-11-05 09:00:00"),
        ]),
    )
    .await;
    assert_eq!(ids(&third).len(), 1, "{:?}", third.body);
    let waiting = count(
        &app,
        "SELECT COUNT(*) AS n FROM calculation_task WHERE status = 'PENDING'",
    )
    .await;
    assert_eq!(waiting, 2);
}
