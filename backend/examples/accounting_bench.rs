//! The accounting pipeline, step by step, beside the same steps written by hand as plain SQL and run straight in
//! the database, in the same process and rounds; then drill-down latency from both sources.
//!
//! Usage: `accounting_bench <database url> <period> [rounds]` on a database that `hospital seed` and
//! `hospital seed --charges N --period <period>` filled (bench/accounting.sh does both). Reads hospital H001, its
//! active model version and its departments. Prints medians per step (ms) and the ratio pipeline ÷ hand-written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use hospital::{
    db,
    domain::{
        accounting::calculation::TaskStatus, foundation::period::Period, foundation::role::Role,
    },
    entities::{
        accounting::calculation_task, accounting::calculation_workflow, accounting::model_version,
        foundation::hospital as hospital_entity,
    },
    services::{
        Actor, PageRequest,
        accounting::{
            drill_down::{self, DrillRequest, Sort},
            pipeline::{self, Progress, Run},
            workflows,
        },
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, Set, TransactionTrait,
};
use std::time::Instant;

struct Quiet;

impl Progress for Quiet {
    async fn step_progress(&mut self, _done: f64) -> anyhow::Result<()> {
        Ok(())
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn percentile(mut xs: Vec<f64>, p: f64) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let i = ((xs.len() as f64 - 1.0) * p).round() as usize;
    xs[i]
}

async fn new_task(
    db: &DatabaseConnection,
    hospital_id: i64,
    period: &str,
    version: i64,
    workflow: i64,
) -> i64 {
    let now = Utc::now();
    calculation_task::ActiveModel {
        hospital_id: Set(hospital_id),
        period: Set(period.parse().expect("a YYYY-MM period")),
        model_version_id: Set(version),
        workflow_id: Set(workflow),
        status: Set(TaskStatus::Running),
        progress: Set(0),
        has_details: Set(false),
        run_no: Set(0),
        // Claimed for run 1, which the pipeline's steps write.
        last_run_no: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn finish(db: &DatabaseConnection, task: i64, has_details: bool) {
    let mut t: calculation_task::ActiveModel = calculation_task::Entity::find_by_id(task)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into();
    t.status = Set(TaskStatus::Succeeded);
    t.run_no = Set(1);
    t.has_details = Set(has_details);
    t.update(db).await.unwrap();
}

async fn clear(db: &DatabaseConnection, task: i64) {
    pipeline::delete_runs_before(db, task, i32::MAX)
        .await
        .unwrap();
}

/// The steps written by hand: one plain statement per piece of work, no chunks, no progress, no leases.
fn hand_written(
    b: DbBackend,
    h: i64,
    t: i64,
    p: &str,
    mv: i64,
) -> Vec<(&'static str, Vec<String>)> {
    let div = if b == DbBackend::MySql { "DIV" } else { "/" };
    let int = |e: &str| match b {
        DbBackend::MySql => format!("CAST({e} AS SIGNED)"),
        DbBackend::Postgres => format!("CAST({e} AS BIGINT)"),
        _ => format!("CAST({e} AS INTEGER)"),
    };
    let rd = |e: &str| {
        format!(
            "(CASE WHEN ({e}) >= 0 THEN (({e}) + 5000) {div} 10000 ELSE -((5000 - ({e})) {div} 10000) END)"
        )
    };
    let now = "CURRENT_TIMESTAMP";
    let bt = "CASE WHEN n.splits_business_type THEN c.business_type ELSE '' END";
    let leaf = "NOT EXISTS (SELECT 1 FROM dimension_node ch WHERE ch.parent_id = calculation_results.node_id)";
    let parents = format!(
        "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, parent_id, \
         business_type, amount, quantity, value, created_at) \
         SELECT r.hospital_id, r.task_id, r.run_no, r.department_id, a.id, a.parent_id, '', {}, {}, {}, {now} \
         FROM calculation_results r JOIN dimension_closure cl ON cl.descendant_id = r.node_id AND cl.depth > 0 \
         JOIN dimension_node a ON a.id = cl.ancestor_id WHERE r.task_id = {t} AND r.run_no = 1 AND r.business_type = '' \
         GROUP BY r.hospital_id, r.task_id, r.run_no, r.department_id, a.id, a.parent_id",
        int("SUM(r.amount)"),
        int("SUM(r.quantity)"),
        int("SUM(r.value)")
    );
    let ratio = |n: &str, d: &str| {
        let q = format!("((2 * ABS({n}) * 10000 + ABS({d})) {div} (2 * ABS({d})))");
        format!(
            "(CASE WHEN {d} IS NULL OR {d} = 0 THEN NULL WHEN ({n} >= 0 AND {d} > 0) OR ({n} < 0 AND {d} < 0) \
             THEN {q} ELSE -{q} END)"
        )
    };
    let series = |s: &str| {
        int(&format!(
            "SUM(CASE WHEN n.series = '{s}' THEN r.value ELSE 0 END)"
        ))
    };
    vec![
        (
            "PREPARE",
            vec![
                format!(
                    "SELECT COUNT(*), SUM(amount) FROM charge_details WHERE hospital_id = {h} AND period = '{p}'"
                ),
                format!(
                    "SELECT COUNT(*), SUM(c.amount) FROM charge_details c WHERE c.hospital_id = {h} AND c.period = '{p}' \
                     AND NOT EXISTS (SELECT 1 FROM department d WHERE d.hospital_id = c.hospital_id AND d.code = c.prescribing_dept_code)"
                ),
                format!(
                    "SELECT COUNT(*), SUM(c.amount) FROM charge_details c WHERE c.hospital_id = {h} AND c.period = '{p}' \
                     AND NOT EXISTS (SELECT 1 FROM department d WHERE d.hospital_id = c.hospital_id AND d.code = c.executing_dept_code)"
                ),
                format!(
                    "SELECT COUNT(*), SUM(c.amount), COUNT(DISTINCT c.item_code) FROM charge_details c WHERE c.hospital_id = {h} \
                     AND c.period = '{p}' AND NOT EXISTS (SELECT 1 FROM dimension_item_mapping m \
                     WHERE m.model_version_id = {mv} AND m.item_code = c.item_code)"
                ),
            ],
        ),
        (
            "GENERATE_DETAILS",
            vec![format!(
                "INSERT INTO calculation_details (hospital_id, task_id, run_no, department_id, department_code, node_id, \
                 node_code, node_name, parent_id, item_code, item_name, item_category, business_type, amount, quantity, \
                 period, created_at) \
                 SELECT {h}, {t}, 1, d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, MAX(c.item_name), \
                 MAX(c.item_category), {bt}, {}, {}, '{p}', {now} \
                 FROM charge_details c JOIN dimension_item_mapping m ON m.model_version_id = {mv} AND m.item_code = c.item_code \
                 JOIN dimension_node n ON n.id = m.node_id AND n.kind = 'CHARGE' \
                 JOIN department d ON d.hospital_id = c.hospital_id AND d.code = CASE n.dept_field \
                 WHEN 'PRESCRIBING' THEN c.prescribing_dept_code ELSE c.executing_dept_code END \
                 WHERE c.hospital_id = {h} AND c.period = '{p}' \
                 AND (n.business_type_scope = 'ALL' OR n.business_type_scope = c.business_type) \
                 GROUP BY d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, {bt}",
                int("SUM(c.amount)"),
                int("SUM(c.quantity)")
            )],
        ),
        (
            "AGGREGATE_RESULTS",
            vec![
                format!(
                    "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, parent_id, \
                     business_type, amount, quantity, created_at) \
                     SELECT hospital_id, task_id, run_no, department_id, node_id, parent_id, business_type, {}, {}, {now} \
                     FROM calculation_details WHERE task_id = {t} AND run_no = 1 \
                     GROUP BY hospital_id, task_id, run_no, department_id, node_id, parent_id, business_type",
                    int("SUM(amount)"),
                    int("SUM(quantity)")
                ),
                format!(
                    "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, parent_id, \
                     business_type, amount, quantity, created_at) \
                     SELECT hospital_id, task_id, run_no, department_id, node_id, parent_id, '', {}, {}, {now} \
                     FROM calculation_results WHERE task_id = {t} AND run_no = 1 AND business_type <> '' \
                     GROUP BY hospital_id, task_id, run_no, department_id, node_id, parent_id",
                    int("SUM(amount)"),
                    int("SUM(quantity)")
                ),
                format!(
                    "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, parent_id, \
                     business_type, amount, quantity, created_at) \
                     SELECT {h}, {t}, 1, d.id, n.id, n.parent_id, '', 0, w.quantity, {now} FROM workload_record w \
                     JOIN department d ON d.hospital_id = w.hospital_id AND d.code = w.department_code \
                     JOIN dimension_node n ON n.model_version_id = {mv} AND n.code = w.node_code AND n.kind = 'WORKLOAD' \
                     WHERE w.hospital_id = {h} AND w.period = '{p}'"
                ),
                format!(
                    "INSERT INTO calculation_results (hospital_id, task_id, run_no, department_id, node_id, parent_id, \
                     business_type, amount, quantity, created_at) \
                     SELECT {h}, {t}, 1, d.id, n.id, n.parent_id, '', r.amount, NULL, {now} FROM cost_record r \
                     JOIN department d ON d.hospital_id = r.hospital_id AND d.code = r.department_code \
                     JOIN dimension_node n ON n.model_version_id = {mv} AND n.code = r.node_code AND n.kind = 'COST' \
                     WHERE r.hospital_id = {h} AND r.period = '{p}'"
                ),
                parents.clone(),
            ],
        ),
        (
            "APPLY_WEIGHTS",
            vec![
                format!(
                    "UPDATE calculation_results SET weight = (SELECT n.weight FROM dimension_node n \
                     WHERE n.id = calculation_results.node_id) WHERE task_id = {t} AND run_no = 1 AND {leaf}"
                ),
                format!(
                    "UPDATE calculation_results SET value = CASE (SELECT n.kind FROM dimension_node n \
                     WHERE n.id = calculation_results.node_id) WHEN 'WORKLOAD' THEN {} WHEN 'COST' THEN -{} ELSE {} END \
                     WHERE task_id = {t} AND run_no = 1 AND weight IS NOT NULL",
                    rd("COALESCE(quantity, 0) * weight"),
                    rd("amount * weight"),
                    rd("amount * weight")
                ),
                format!(
                    "DELETE FROM calculation_results WHERE task_id = {t} AND run_no = 1 AND NOT {leaf}"
                ),
                parents,
                // Each node's share of its siblings, from the siblings' sum (a window), not the parent's row.
                format!(
                    "UPDATE calculation_results SET ratio = CASE WHEN calculation_results.parent_id IS NULL \
                     THEN 10000 ELSE {} END FROM (SELECT id, {} \
                     AS total FROM calculation_results WHERE task_id = {t} AND run_no = 1 AND business_type = '') s \
                     WHERE calculation_results.id = s.id",
                    ratio("calculation_results.value", "s.total"),
                    int("SUM(value) OVER (PARTITION BY department_id, parent_id)")
                ),
            ],
        ),
        (
            "SUMMARIZE_VALUE",
            vec![format!(
                "INSERT INTO value_summary (hospital_id, task_id, run_no, department_id, doctor_value, nursing_value, \
                 tech_value, cost_value, net_value, share, value_rank, created_at) \
                 SELECT {h}, {t}, 1, s.department_id, s.doctor, s.nursing, s.tech, s.cost, s.net, {}, \
                 RANK() OVER (ORDER BY s.net DESC), {now} \
                 FROM (SELECT r.department_id, {} AS doctor, {} AS nursing, {} AS tech, {} AS cost, {} AS net \
                 FROM calculation_results r JOIN dimension_node n ON n.id = r.node_id \
                 WHERE r.task_id = {t} AND r.run_no = 1 AND r.business_type = '' AND r.parent_id IS NULL \
                 GROUP BY r.department_id) s CROSS JOIN (SELECT {} AS net FROM calculation_results r \
                 WHERE r.task_id = {t} AND r.run_no = 1 AND r.business_type = '' AND r.parent_id IS NULL) tot",
                ratio("s.net", "tot.net"),
                series("DOCTOR"),
                series("NURSING"),
                series("TECH"),
                series("COST"),
                int("SUM(COALESCE(r.value, 0))"),
                int("SUM(COALESCE(r.value, 0))")
            )],
        ),
    ]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: accounting_bench <database url> <period> [rounds]");
    let period_text = args
        .get(2)
        .expect("usage: accounting_bench <database url> <period> [rounds]");
    let rounds: usize = args.get(3).map(|r| r.parse().unwrap()).unwrap_or(3);
    let period = period_text.parse::<Period>()?;
    let db = db::connect(url, 4).await?;
    let b = db.get_database_backend();
    let hospital = hospital_entity::Entity::find()
        .filter(hospital_entity::Column::Code.eq("H001"))
        .one(&db)
        .await?
        .expect("hospital H001: run `hospital seed` first");
    let h = hospital.id;
    let version = model_version::Entity::find()
        .filter(model_version::Column::HospitalId.eq(h))
        .filter(model_version::Column::IsActive.eq(true))
        .one(&db)
        .await?
        .expect("an active model version");
    let actor = Actor {
        user_id: 0,
        hospital_id: h,
        username: "bench".into(),
        role: Role::Analyst,
        session_id: 0,
        password_expired: false,
        client_ip: None,
        hospital: std::sync::Arc::new(hospital::services::HospitalSettings::read(&db, h).await?),
    };
    workflows::ensure_defaults(&db, h).await?;
    let workflow = calculation_workflow::Entity::find()
        .filter(calculation_workflow::Column::HospitalId.eq(h))
        .one(&db)
        .await?
        .unwrap()
        .id;
    let rows: i64 = db
        .query_one_raw(sea_orm::Statement::from_string(
            b,
            format!("SELECT COUNT(*) AS n FROM charge_details WHERE hospital_id = {h} AND period = '{period}'"),
        ))
        .await?
        .unwrap()
        .try_get("", "n")?;
    println!(
        "{b:?}: {rows} charge lines in {period}, model version {}, {rounds} rounds",
        version.id
    );
    // The hand-written steps get the statistics the pipeline's PREPARE gathers.
    pipeline::analyze(
        &db,
        &[
            "charge_details",
            "department",
            "dimension_node",
            "dimension_closure",
            "dimension_item_mapping",
        ],
    )
    .await?;

    let steps = [
        "PREPARE",
        "GENERATE_DETAILS",
        "AGGREGATE_RESULTS",
        "APPLY_WEIGHTS",
        "SUMMARIZE_VALUE",
    ];
    let mut ours: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    let mut theirs: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    let mut legacy_aggregate = Vec::new();
    for round in 0..rounds {
        // The pipeline's steps.
        let task = new_task(&db, h, &period.to_string(), version.id, workflow).await;
        let run = Run {
            hospital_id: h,
            task_id: task,
            run_no: 1,
            period,
            model_version_id: version.id,
            now: Utc::now(),
            previous: None,
            year_before: None,
            charges: hospital::services::accounting::charge_import::counted_now(&db, h).await?,
        };
        let mut q = Quiet;
        let t0 = Instant::now();
        pipeline::prepare(&db, &run).await?;
        ours[0].push(t0.elapsed().as_secs_f64() * 1e3);
        let t0 = Instant::now();
        pipeline::generate_details(&db, &run, &mut q).await?;
        ours[1].push(t0.elapsed().as_secs_f64() * 1e3);
        pipeline::analyze(&db, &["calculation_details"]).await?;
        let t0 = Instant::now();
        pipeline::aggregate_results(&db, &run, true, &mut q).await?;
        ours[2].push(t0.elapsed().as_secs_f64() * 1e3);
        let t0 = Instant::now();
        pipeline::apply_weights(&db, &run).await?;
        ours[3].push(t0.elapsed().as_secs_f64() * 1e3);
        let t0 = Instant::now();
        pipeline::summarize_value(&db, &run).await?;
        ours[4].push(t0.elapsed().as_secs_f64() * 1e3);
        finish(&db, task, true).await;

        // The same steps by hand, into another task's rows.
        let hand = new_task(&db, h, &period.to_string(), version.id, workflow).await;
        for (i, (step, statements)) in hand_written(b, h, hand, &period.to_string(), version.id)
            .into_iter()
            .enumerate()
        {
            let t0 = Instant::now();
            // Each step in a transaction, as the pipeline's; the one pass with the step's memory on PostgreSQL.
            let txn = db.begin().await?;
            if b == DbBackend::Postgres && step == "GENERATE_DETAILS" {
                txn.execute_unprepared(&format!(
                    "SET LOCAL work_mem = '{}'",
                    pipeline::PASS_WORK_MEM
                ))
                .await?;
            }
            for sql in statements {
                if sql.starts_with("SELECT") {
                    txn.query_all_raw(sea_orm::Statement::from_string(b, sql))
                        .await?;
                } else {
                    txn.execute_unprepared(&sql).await?;
                }
            }
            txn.commit().await?;
            theirs[i].push(t0.elapsed().as_secs_f64() * 1e3);
            if i == 1 {
                pipeline::analyze(&db, &["calculation_details"]).await?;
            }
        }
        clear(&db, hand).await;
        calculation_task::Entity::delete_by_id(hand)
            .exec(&db)
            .await?;

        // Step 3 of the legacy workflow: results straight from the charge lines.
        let legacy = new_task(&db, h, &period.to_string(), version.id, workflow).await;
        let run = Run {
            task_id: legacy,
            ..run
        };
        let t0 = Instant::now();
        pipeline::aggregate_results(&db, &run, false, &mut q).await?;
        legacy_aggregate.push(t0.elapsed().as_secs_f64() * 1e3);
        pipeline::apply_weights(&db, &run).await?;
        finish(&db, legacy, false).await;
        eprintln!("round {} done", round + 1);
        if round + 1 < rounds {
            for t in [task, legacy] {
                clear(&db, t).await;
                calculation_task::Entity::delete_by_id(t).exec(&db).await?;
            }
        } else {
            // Drill-downs: every drillable node for every department with data, and the whole hospital.
            let cells: Vec<(i64, i64)> = db
                .query_all_raw(sea_orm::Statement::from_string(
                    b,
                    format!(
                        "SELECT DISTINCT r.department_id, r.node_id FROM calculation_results r \
                         JOIN dimension_node n ON n.id = r.node_id AND n.kind = 'CHARGE' \
                         WHERE r.task_id = {task} AND r.run_no = 1 AND r.business_type = '' ORDER BY 1, 2"
                    ),
                ))
                .await?
                .iter()
                .map(|r| (r.try_get("", "department_id").unwrap(), r.try_get("", "node_id").unwrap()))
                .collect();
            for (source_task, name, limit) in [
                (task, "calculation_details", 400usize),
                (legacy, "charge_details", 60),
            ] {
                let mut times = Vec::new();
                let step = (cells.len() / limit).max(1);
                for (i, (dept, node)) in cells.iter().step_by(step).take(limit).enumerate() {
                    let request = DrillRequest {
                        task_id: source_task,
                        department_id: if i % 10 == 9 { None } else { Some(*dept) },
                        node_id: *node,
                        business_type: None,
                        sort: Sort::default(),
                        page: PageRequest {
                            page: 1,
                            page_size: 20,
                        },
                    };
                    let t0 = Instant::now();
                    let found = drill_down::drill(&db, &actor, request)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    times.push(t0.elapsed().as_secs_f64() * 1e3);
                    assert_eq!(found.source.as_str(), name);
                }
                println!(
                    "drill-down from {name}: {} calls, p50 {:.1} ms, p99 {:.1} ms",
                    times.len(),
                    percentile(times.clone(), 0.5),
                    percentile(times, 0.99)
                );
            }
            for t in [task, legacy] {
                clear(&db, t).await;
                calculation_task::Entity::delete_by_id(t).exec(&db).await?;
            }
        }
    }
    println!(
        "{:<20} {:>14} {:>14} {:>8}",
        "step", "pipeline ms", "by hand ms", "ratio"
    );
    let (mut total_ours, mut total_theirs) = (0.0, 0.0);
    for (i, step) in steps.iter().enumerate() {
        let (a, c) = (median(ours[i].clone()), median(theirs[i].clone()));
        total_ours += a;
        total_theirs += c;
        println!("{step:<20} {a:>14.1} {c:>14.1} {:>8.2}", a / c);
    }
    println!(
        "{:<20} {total_ours:>14.1} {total_theirs:>14.1} {:>8.2}",
        "all five",
        total_ours / total_theirs
    );
    println!(
        "AGGREGATE_RESULTS from charge_details (legacy workflow): {:.1} ms",
        median(legacy_aggregate)
    );
    Ok(())
}
