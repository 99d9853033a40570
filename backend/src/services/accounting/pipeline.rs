//! The five steps of a calculation run, as set-based SQL inside the database.
//!
//! A run writes every row under its own `run_no` (each claim of a task takes a new one); readers keep seeing the
//! previous run until the task switches to the new number. Every write transaction first proves the run still
//! holds its claim (see [`begin`]), so a runner that lost its lease writes and deletes nothing more. Only the dimension tree, the orientation rules and a few counts are read into Rust; charge
//! lines, details and results never leave the database. On SQLite (one writer) the steps that scan the period's
//! charges run per department in short transactions, so payments at the front desk interleave with a run.
use super::sql::{
    CREDITED_DEPARTMENT_CODE, Dialect, KEPT_BUSINESS_TYPE, TAKES_BUSINESS_TYPE, credited_leaf,
    dept_column,
};
use crate::{
    db,
    domain::{
        accounting::benchmark::{self, BenchmarkMethod},
        accounting::dimension::{DeptField, NodeKind},
        accounting::valuation::{self, Band},
        foundation::money::Amount,
        foundation::period::Period,
    },
    entities::{
        accounting::dimension_node, accounting::orientation_adjustment_detail,
        accounting::orientation_ladder, accounting::orientation_rule, foundation::department,
    },
    services::accounting::charge_import,
};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Set, Statement, TransactionTrait, Value,
};
use std::collections::{HashMap, HashSet};

/// How long a task's claim holds without renewal; renewed every third of it while the task runs, and by every
/// write transaction of the run.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// One run of one task: the rows it writes carry `(task_id, run_no)`.
#[derive(Debug, Clone)]
pub struct Run {
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub period: Period,
    pub model_version_id: i64,
    pub now: DateTime<Utc>,
    /// The tasks of the previous period and of the same period last year to compare against: (task, run).
    pub previous: Option<(i64, i32)>,
    pub year_before: Option<(i64, i32)>,
    /// The charge lines the run counts: of the imports complete when it started.
    pub charges: charge_import::Counted,
}

/// A run found that its claim was taken over (its lease ran out and another server claimed the task again): it
/// stops without writing or deleting anything more.
#[derive(Debug, thiserror::Error)]
#[error("the task's lease was lost to another server")]
pub struct LeaseLost;

/// Opens a bulk write transaction of `run` whose first statement renews the run's lease on the condition that the
/// run still holds the task (RUNNING, and this run's number is the latest claimed). The statement locks the
/// task's row until the commit, so nobody can take the task over while the transaction writes: either it
/// commits as the owner or it writes nothing.
#[tracing::instrument(skip_all)]
pub async fn begin(db: &DatabaseConnection, run: &Run) -> anyhow::Result<DatabaseTransaction> {
    begin_held(db, run.task_id, run.run_no).await
}

async fn begin_held(
    db: &DatabaseConnection,
    task_id: i64,
    run_no: i32,
) -> anyhow::Result<DatabaseTransaction> {
    let txn = db::begin_bulk(db).await?;
    let held = Dialect::of(db)
        .exec(
            &txn,
            "UPDATE calculation_task SET lease_until = ? WHERE id = ? AND status = 'RUNNING' AND last_run_no = ?",
            vec![
                v(Utc::now() + LEASE),
                v(task_id),
                v(run_no),
            ],
        )
        .await?
        .rows_affected();
    if held == 0 {
        txn.rollback().await?;
        return Err(LeaseLost.into());
    }
    Ok(txn)
}

/// Reports a step's progress (0.0–1.0 of the step) and whether the run may go on (its lease is held).
pub trait Progress {
    fn step_progress(&mut self, done: f64)
    -> impl std::future::Future<Output = anyhow::Result<()>>;
}

/// The model version's tree, read once per step that needs it.
pub struct Tree {
    pub nodes: Vec<dimension_node::Model>,
    children: HashMap<i64, Vec<i64>>,
    parents: HashMap<i64, Option<i64>>,
}

impl Tree {
    pub async fn load(conn: &impl ConnectionTrait, model_version_id: i64) -> anyhow::Result<Self> {
        let nodes = dimension_node::Entity::find()
            .filter(dimension_node::Column::ModelVersionId.eq(model_version_id))
            .order_by_asc(dimension_node::Column::Id)
            .all(conn)
            .await?;
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for n in &nodes {
            if let Some(p) = n.parent_id {
                children.entry(p).or_default().push(n.id);
            }
        }
        let parents = nodes.iter().map(|n| (n.id, n.parent_id)).collect();
        Ok(Self {
            nodes,
            children,
            parents,
        })
    }

    pub fn is_leaf(&self, id: i64) -> bool {
        !self.children.contains_key(&id)
    }

    /// The leaves under `id` (itself when it is one).
    pub fn leaves_under(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            match self.children.get(&n) {
                Some(c) => stack.extend(c),
                None => out.push(n),
            }
        }
        out
    }

    pub fn depth(&self, id: i64) -> usize {
        let mut depth = 0;
        let mut at = self.parents.get(&id).copied().flatten();
        while let Some(p) = at {
            depth += 1;
            at = self.parents.get(&p).copied().flatten();
        }
        depth
    }

    /// Parents whose leaves are of more than one kind: their quantity means nothing and stays NULL.
    fn mixed_parents(&self) -> Vec<i64> {
        let kinds: HashMap<i64, &str> =
            self.nodes.iter().map(|n| (n.id, n.kind.as_str())).collect();
        self.nodes
            .iter()
            .filter(|n| !self.is_leaf(n.id))
            .filter(|n| {
                let leaf_kinds: HashSet<&str> = self
                    .leaves_under(n.id)
                    .iter()
                    .filter_map(|l| kinds.get(l).copied())
                    .collect();
                leaf_kinds.len() > 1
            })
            .map(|n| n.id)
            .collect()
    }
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

/// The department codes of the hospital: the chunks of the per-department steps on SQLite.
async fn chunks(db: &DatabaseConnection, run: &Run) -> anyhow::Result<Option<Vec<String>>> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let codes = department::Entity::find()
        .filter(department::Column::HospitalId.eq(run.hospital_id))
        .order_by_asc(department::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    Ok(Some(codes))
}

/// How much memory PostgreSQL may give each sort and hash of a pass over the period's lines. With the server's
/// default (4 MB) it expects too many groups (the product of the grouped columns' counts, ~95k at 10M lines,
/// where there are a few hundred) to hash them in memory, and sorts every joined line on disk instead: 2.1M
/// lines, 260 MB spilled, 2–3 times the time of hashing them (`EXPLAIN ANALYZE`, BENCHMARKS.md).
pub const PASS_WORK_MEM: &str = "64MB";

/// Runs `build(field, chunk)`: on SQLite for both department fields and every chunk, each chunk in a short write
/// transaction (so the front desk's writes get the lock between them); on PostgreSQL once for both fields
/// (`field` `None`: the department chosen by the node's field), one pass over the period's lines with
/// [`PASS_WORK_MEM`]; on MySQL once per field. Returns the rows written.
async fn per_department<P: Progress>(
    db: &DatabaseConnection,
    run: &Run,
    progress: &mut P,
    build: impl Fn(Option<DeptField>, Option<&str>) -> (String, Vec<Value>),
) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    let mut rows = 0;
    let fields = [DeptField::Prescribing, DeptField::Executing];
    match chunks(db, run).await? {
        None if d.0 == DbBackend::Postgres => {
            let (sql, values) = build(None, None);
            let txn = begin(db, run).await?;
            txn.execute_unprepared(&format!("SET LOCAL work_mem = '{PASS_WORK_MEM}'"))
                .await?;
            rows += d.exec(&txn, &sql, values).await?.rows_affected();
            txn.commit().await?;
            progress.step_progress(1.0).await?;
        }
        None => {
            for (i, field) in fields.into_iter().enumerate() {
                let (sql, values) = build(Some(field), None);
                let txn = begin(db, run).await?;
                rows += d.exec(&txn, &sql, values).await?.rows_affected();
                txn.commit().await?;
                progress.step_progress((i + 1) as f64 / 2.0).await?;
            }
        }
        Some(codes) => {
            let total = (codes.len() * 2).max(1);
            let mut done = 0;
            for code in &codes {
                let txn = begin(db, run).await?;
                for field in fields {
                    let (sql, values) = build(Some(field), Some(code));
                    rows += d.exec(&txn, &sql, values).await?.rows_affected();
                    done += 1;
                }
                txn.commit().await?;
                progress.step_progress(done as f64 / total as f64).await?;
            }
        }
    }
    Ok(rows)
}

/// The joins that credit a charge line to (department, CHARGE node) under the node's rules: its item is mapped
/// to the node, the node's department field names a department of the hospital, its business type is in the
/// node's scope. `c` charge_details, `n` dimension_node, `d` department. Binds: model version, hospital,
/// period, then the chunk's department code when given.
fn charge_join(run: &Run, field: Option<DeptField>, chunk: Option<&str>) -> String {
    let visible = run.charges.sql("c");
    let Some(field) = field else {
        // Both fields in one pass: the department the node's field names.
        return format!(
            "FROM charge_details c \
             JOIN dimension_item_mapping m ON m.model_version_id = ? AND m.item_code = c.item_code \
             JOIN dimension_node n ON n.id = m.node_id AND n.kind = 'CHARGE' \
             JOIN department d ON d.hospital_id = c.hospital_id AND d.code = {CREDITED_DEPARTMENT_CODE} \
             WHERE c.hospital_id = ? AND c.period = ? AND {visible} AND {TAKES_BUSINESS_TYPE}"
        );
    };
    let col = dept_column(field);
    let chunk = if chunk.is_some() {
        format!(" AND c.{col} = ?")
    } else {
        String::new()
    };
    format!(
        "FROM charge_details c \
         JOIN dimension_item_mapping m ON m.model_version_id = ? AND m.item_code = c.item_code \
         JOIN dimension_node n ON n.id = m.node_id AND {leaf} \
         JOIN department d ON d.hospital_id = c.hospital_id AND d.code = c.{col} \
         WHERE c.hospital_id = ? AND c.period = ?{chunk} AND {visible} AND {TAKES_BUSINESS_TYPE}",
        leaf = credited_leaf(field),
    )
}

fn charge_binds(run: &Run, chunk: Option<&str>) -> Vec<Value> {
    let mut values = vec![
        v(run.model_version_id),
        v(run.hospital_id),
        v(run.period.to_string()),
    ];
    if let Some(code) = chunk {
        values.push(v(code.to_owned()));
    }
    values
}

/// Refreshes the planner's statistics of `tables` (SQLite, PostgreSQL). Without them SQLite joins a period's charge lines before
/// the few mapped items (seconds instead of milliseconds per drill-down at a million lines) and PostgreSQL
/// plans freshly filled tables as if they were empty.
///
/// SQLite's `ANALYZE` reloads the statistics of the connection that ran it, and of no other: the pool's other
/// connections, and other processes', keep planning with the statistics they read when they last loaded the
/// schema, until the schema changes. Which connections had reloaded depended on when each had last seen a
/// change, so after a large import some runs planned a join of the period's lines as if the month were empty
/// (once per mapped item over every line: 5.6 s instead of 0.03 s for 100,000 lines and 300 mapped items,
/// BENCHMARKS.md). Raising the schema version in the
/// same transaction, as any change of the schema does, makes every connection re-read the schema, and the
/// statistics with it, before its next statement.
#[tracing::instrument(skip_all)]
pub async fn analyze(db: &DatabaseConnection, tables: &[&str]) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let txn = db.begin().await?;
            for t in tables {
                txn.execute_unprepared(&format!("ANALYZE {t}")).await?;
            }
            let version: i64 = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA schema_version",
                ))
                .await?
                .context("the schema version")?
                .try_get_by_index(0)?;
            txn.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
                .await?;
            txn.commit().await?;
        }
        DbBackend::Postgres => {
            db.execute_unprepared(&format!("ANALYZE {}", tables.join(", ")))
                .await?;
        }
        // InnoDB keeps persistent statistics up to date by itself, and MariaDB's ANALYZE TABLE beside a
        // concurrent INSERT … SELECT on the table can fail that insert (1467, auto-increment unreadable).
        _ => {}
    }
    Ok(())
}

/// Step 1: what the period holds, and what of it no result will include, in one scan of the period's lines
/// (the unmatched codes are listed by a second one, only when there are any).
#[tracing::instrument(skip_all)]
pub async fn prepare(db: &DatabaseConnection, run: &Run) -> anyhow::Result<Vec<String>> {
    analyze(
        db,
        &[
            "charge_details",
            "department",
            "dimension_node",
            "dimension_closure",
            "dimension_item_mapping",
        ],
    )
    .await?;
    let d = Dialect::of(db);
    let money = |scaled: i64| {
        crate::domain::foundation::money::Amount::from_scaled(scaled)
            .to_decimal()
            .normalize()
    };
    let joins = format!(
        "FROM charge_details c \
         LEFT JOIN department dp ON dp.hospital_id = c.hospital_id AND dp.code = c.prescribing_dept_code \
         LEFT JOIN department de ON de.hospital_id = c.hospital_id AND de.code = c.executing_dept_code \
         LEFT JOIN (SELECT DISTINCT item_code FROM dimension_item_mapping WHERE model_version_id = ?) m \
         ON m.item_code = c.item_code \
         WHERE c.hospital_id = ? AND c.period = ? AND {}",
        run.charges.sql("c")
    );
    let presc_n = d.sum("CASE WHEN dp.id IS NULL THEN 1 ELSE 0 END");
    let presc_a = d.sum("CASE WHEN dp.id IS NULL THEN c.amount ELSE 0 END");
    let exec_n = d.sum("CASE WHEN de.id IS NULL THEN 1 ELSE 0 END");
    let exec_a = d.sum("CASE WHEN de.id IS NULL THEN c.amount ELSE 0 END");
    // One scan counts everything, the unmapped items included. SQLite counts them with COUNT(DISTINCT …), a
    // small index of the few unmapped items. PostgreSQL would sort every unmapped line for that, so there the
    // lines are grouped by their item when it is unmapped (the mapped ones in one group) and the groups counted:
    // a hash of a few hundred items.
    let scan = if d.0 == DbBackend::Sqlite {
        format!(
            "SELECT COUNT(*) AS n, {amount} AS amount, {presc_n} AS presc_n, {presc_a} AS presc_a, \
             {exec_n} AS exec_n, {exec_a} AS exec_a, {item_n} AS item_n, {item_a} AS item_a, \
             COUNT(DISTINCT c.item_code) FILTER (WHERE m.item_code IS NULL) AS items {joins}",
            amount = d.sum("c.amount"),
            item_n = d.sum("CASE WHEN m.item_code IS NULL THEN 1 ELSE 0 END"),
            item_a = d.sum("CASE WHEN m.item_code IS NULL THEN c.amount ELSE 0 END"),
        )
    } else {
        let unmapped = "CASE WHEN m.item_code IS NULL THEN c.item_code END";
        format!(
            "SELECT {n} AS n, {amount} AS amount, {g_presc_n} AS presc_n, {g_presc_a} AS presc_a, \
             {g_exec_n} AS exec_n, {g_exec_a} AS exec_a, {item_n} AS item_n, {item_a} AS item_a, \
             COUNT(g.item) AS items FROM (SELECT {unmapped} AS item, COUNT(*) AS n, {line_amount} AS amount, \
             {presc_n} AS presc_n, {presc_a} AS presc_a, {exec_n} AS exec_n, {exec_a} AS exec_a \
             {joins} GROUP BY {unmapped}) g",
            line_amount = d.sum("c.amount"),
            n = d.sum("g.n"),
            amount = d.sum("g.amount"),
            g_presc_n = d.sum("g.presc_n"),
            g_presc_a = d.sum("g.presc_a"),
            g_exec_n = d.sum("g.exec_n"),
            g_exec_a = d.sum("g.exec_a"),
            item_n = d.sum("CASE WHEN g.item IS NULL THEN 0 ELSE g.n END"),
            item_a = d.sum("CASE WHEN g.item IS NULL THEN 0 ELSE g.amount END"),
        )
    };
    let row = d
        .one(
            db,
            &scan,
            vec![
                v(run.model_version_id),
                v(run.hospital_id),
                v(run.period.to_string()),
            ],
        )
        .await?
        .context("the period's counts")?;
    let get = |col: &str| -> anyhow::Result<i64> {
        Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
    };
    let mut log = vec![format!(
        "{} charge lines, amount {}",
        get("n")?,
        money(get("amount")?)
    )];
    // Which codes match no department, only when some lines have one (rare in clean data): one more scan for
    // both fields, the distinct pairs of the lines with such a code.
    let (presc_codes, exec_codes) = if get("presc_n")? == 0 && get("exec_n")? == 0 {
        (Vec::new(), Vec::new())
    } else {
        let pairs = d
            .all(
                db,
                &format!(
                    "SELECT DISTINCT CASE WHEN dp.id IS NULL THEN c.prescribing_dept_code END AS presc, \
                     CASE WHEN de.id IS NULL THEN c.executing_dept_code END AS exec {joins} \
                     AND (dp.id IS NULL OR de.id IS NULL)"
                ),
                vec![v(run.model_version_id), v(run.hospital_id), v(run.period.to_string())],
            )
            .await?;
        let codes = |col: &str| -> Vec<String> {
            let set: std::collections::BTreeSet<String> = pairs
                .iter()
                .filter_map(|r| r.try_get::<Option<String>>("", col).ok().flatten())
                .collect();
            set.into_iter().take(10).collect()
        };
        (codes("presc"), codes("exec"))
    };
    for (what, lines, amount, codes) in [
        ("prescribing", get("presc_n")?, get("presc_a")?, presc_codes),
        ("executing", get("exec_n")?, get("exec_a")?, exec_codes),
    ] {
        log.push(format!(
            "{lines} charge lines (amount {}) name a {what} department that matches no department{}: they stay out \
             of the nodes crediting the {what} department",
            money(amount),
            if codes.is_empty() { String::new() } else { format!(" ({})", codes.join(", ")) }
        ));
    }
    let items = get("items")?;
    log.push(format!(
        "{} charge lines (amount {}) of {items} items are mapped to no node",
        get("item_n")?,
        money(get("item_a")?),
    ));
    let base = vec![v(run.hospital_id), v(run.period.to_string())];
    for (table, kind) in [("workload_record", "WORKLOAD"), ("cost_record", "COST")] {
        let mut values = vec![v(run.model_version_id)];
        values.extend(base.clone());
        let row = d
            .one(
                db,
                &format!(
                    "SELECT COUNT(*) AS n, {no_dept} AS no_dept, {no_leaf} AS no_leaf FROM {table} r \
                     LEFT JOIN department dep ON dep.hospital_id = r.hospital_id AND dep.code = r.department_code \
                     LEFT JOIN (SELECT n.code FROM dimension_node n WHERE n.model_version_id = ? AND n.kind = '{kind}' \
                     AND NOT EXISTS (SELECT 1 FROM dimension_node ch WHERE ch.parent_id = n.id)) leaf \
                     ON leaf.code = r.node_code \
                     WHERE r.hospital_id = ? AND r.period = ?",
                    no_dept = d.sum("CASE WHEN dep.id IS NULL THEN 1 ELSE 0 END"),
                    no_leaf = d.sum("CASE WHEN leaf.code IS NULL THEN 1 ELSE 0 END"),
                ),
                values,
            )
            .await?
            .context("a count")?;
        log.push(format!(
            "{} {} records; {} name no department, {} name no {} leaf of the model",
            row.try_get::<i64>("", "n")?,
            table.trim_end_matches("_record"),
            row.try_get::<Option<i64>>("", "no_dept")?.unwrap_or(0),
            row.try_get::<Option<i64>>("", "no_leaf")?.unwrap_or(0),
            kind.to_lowercase()
        ));
    }
    Ok(log)
}

/// Step 2: calculation_details at (department, node, item, business type).
#[tracing::instrument(skip_all)]
pub async fn generate_details<P: Progress>(
    db: &DatabaseConnection,
    run: &Run,
    progress: &mut P,
) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    per_department(db, run, progress, |field, chunk| {
        let sql = format!(
            "INSERT INTO calculation_details (hospital_id, task_id, run_no, department_id, department_code, \
             node_id, node_code, node_name, parent_id, item_code, item_name, item_category, business_type, \
             amount, quantity, period, created_at) \
             SELECT ?, ?, ?, d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, MAX(c.item_name), \
             MAX(c.item_category), {bt}, {amount}, {quantity}, ?, ? {join} \
             GROUP BY d.id, d.code, n.id, n.code, n.name, n.parent_id, c.item_code, {bt}",
            bt = KEPT_BUSINESS_TYPE,
            amount = d.sum("c.amount"),
            quantity = d.sum("c.quantity"),
            join = charge_join(run, field, chunk),
        );
        let mut values = vec![
            v(run.hospital_id),
            v(run.task_id),
            v(run.run_no),
            v(run.period.to_string()),
            v(run.now),
        ];
        values.extend(charge_binds(run, chunk));
        (sql, values)
    })
    .await
}

const RESULT_COLUMNS: &str = "hospital_id, task_id, run_no, department_id, node_id, parent_id, business_type, \
                              amount, quantity, weight, value, created_at";

/// Step 3: results per department and leaf (from the details when the run made them, else from the charge
/// lines under the same rules), workload and cost leaves from their records, and the parents as sums.
#[tracing::instrument(skip_all)]
pub async fn aggregate_results<P: Progress>(
    db: &DatabaseConnection,
    run: &Run,
    from_details: bool,
    progress: &mut P,
) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    let mut rows = if from_details {
        let sql = format!(
            "INSERT INTO calculation_results ({RESULT_COLUMNS}) \
             SELECT hospital_id, task_id, run_no, department_id, node_id, parent_id, business_type, {}, {}, \
             NULL, NULL, ? FROM calculation_details WHERE task_id = ? AND run_no = ? \
             GROUP BY hospital_id, task_id, run_no, department_id, node_id, parent_id, business_type",
            d.sum("amount"),
            d.sum("quantity")
        );
        let txn = begin(db, run).await?;
        let n = d
            .exec(&txn, &sql, vec![v(run.now), v(run.task_id), v(run.run_no)])
            .await?
            .rows_affected();
        txn.commit().await?;
        n
    } else {
        per_department(db, run, progress, |field, chunk| {
            let sql = format!(
                "INSERT INTO calculation_results ({RESULT_COLUMNS}) \
                 SELECT ?, ?, ?, d.id, n.id, n.parent_id, {bt}, {amount}, {quantity}, NULL, NULL, ? {join} \
                 GROUP BY d.id, n.id, n.parent_id, {bt}",
                bt = KEPT_BUSINESS_TYPE,
                amount = d.sum("c.amount"),
                quantity = d.sum("c.quantity"),
                join = charge_join(run, field, chunk),
            );
            let mut values = vec![v(run.hospital_id), v(run.task_id), v(run.run_no), v(run.now)];
            values.extend(charge_binds(run, chunk));
            (sql, values)
        })
        .await?
    };
    progress.step_progress(0.7).await?;
    let txn = begin(db, run).await?;
    // A leaf that keeps business type gets its total row ('') beside the per-type rows.
    rows += d
        .exec(
            &txn,
            &format!(
                "INSERT INTO calculation_results ({RESULT_COLUMNS}) \
                 SELECT hospital_id, task_id, run_no, department_id, node_id, parent_id, '', {}, {}, NULL, NULL, ? \
                 FROM calculation_results WHERE task_id = ? AND run_no = ? AND business_type <> '' \
                 GROUP BY hospital_id, task_id, run_no, department_id, node_id, parent_id",
                d.sum("amount"),
                d.sum("quantity")
            ),
            vec![v(run.now), v(run.task_id), v(run.run_no)],
        )
        .await?
        .rows_affected();
    for (table, kind, amount, quantity) in [
        ("workload_record", NodeKind::Workload, "0", "r.quantity"),
        ("cost_record", NodeKind::Cost, "r.amount", "NULL"),
    ] {
        rows += d
            .exec(
                &txn,
                &format!(
                    "INSERT INTO calculation_results ({RESULT_COLUMNS}) \
                     SELECT ?, ?, ?, d.id, n.id, n.parent_id, '', {amount}, {quantity}, NULL, NULL, ? \
                     FROM {table} r \
                     JOIN department d ON d.hospital_id = r.hospital_id AND d.code = r.department_code \
                     JOIN dimension_node n ON n.model_version_id = ? AND n.code = r.node_code AND n.kind = '{kind}' \
                     WHERE r.hospital_id = ? AND r.period = ? \
                     AND NOT EXISTS (SELECT 1 FROM dimension_node ch WHERE ch.parent_id = n.id)",
                    kind = kind.as_str()
                ),
                vec![
                    v(run.hospital_id),
                    v(run.task_id),
                    v(run.run_no),
                    v(run.now),
                    v(run.model_version_id),
                    v(run.hospital_id),
                    v(run.period.to_string()),
                ],
            )
            .await?
            .rows_affected();
    }
    let tree = Tree::load(&txn, run.model_version_id).await?;
    rows += insert_parents(&txn, run, &tree).await?;
    txn.commit().await?;
    Ok(rows)
}

/// Parent rows as the sums of the leaves under them (their amount, quantity unless the leaves mix kinds, and
/// value once the leaves have one).
async fn insert_parents(
    conn: &impl ConnectionTrait,
    run: &Run,
    tree: &Tree,
) -> anyhow::Result<u64> {
    let d = Dialect::of(conn);
    let mixed = tree.mixed_parents();
    let quantity = if mixed.is_empty() {
        d.sum("r.quantity")
    } else {
        let ids: Vec<String> = mixed.iter().map(i64::to_string).collect();
        format!(
            "CASE WHEN a.id IN ({}) THEN NULL ELSE {} END",
            ids.join(", "),
            d.sum("r.quantity")
        )
    };
    let sql = format!(
        "INSERT INTO calculation_results ({RESULT_COLUMNS}) \
         SELECT r.hospital_id, r.task_id, r.run_no, r.department_id, a.id, a.parent_id, '', {amount}, {quantity}, \
         NULL, {value}, ? \
         FROM calculation_results r \
         JOIN dimension_closure cl ON cl.descendant_id = r.node_id AND cl.depth > 0 \
         JOIN dimension_node a ON a.id = cl.ancestor_id \
         WHERE r.task_id = ? AND r.run_no = ? AND r.business_type = '' \
         GROUP BY r.hospital_id, r.task_id, r.run_no, r.department_id, a.id, a.parent_id",
        amount = d.sum("r.amount"),
        value = d.sum("r.value"),
    );
    Ok(
        d.exec(conn, &sql, vec![v(run.now), v(run.task_id), v(run.run_no)])
            .await?
            .rows_affected(),
    )
}

/// Step 4: each leaf's weight (the node's, times the orientation intensity in force), its value, the parents'
/// values as sums, and every node's share of its siblings.
#[tracing::instrument(skip_all)]
pub async fn apply_weights(db: &DatabaseConnection, run: &Run) -> anyhow::Result<Vec<String>> {
    let d = Dialect::of(db);
    let tree = Tree::load(db, run.model_version_id).await?;
    let adjustments = orientation(db, run, &tree).await?;
    let applied = adjustments
        .iter()
        .filter(|a| a.skip_reason.is_none() && a.adjusted_weight != a.original_weight)
        .count();
    let skipped = adjustments
        .iter()
        .filter(|a| a.skip_reason.is_some())
        .count();
    let mut log = vec![format!(
        "{} orientation checks: {applied} weights adjusted, {skipped} skipped",
        adjustments.len()
    )];

    let txn = begin(db, run).await?;
    let task_run = || vec![v(run.task_id), v(run.run_no)];
    let leaf = "NOT EXISTS (SELECT 1 FROM dimension_node ch WHERE ch.parent_id = calculation_results.node_id)";
    let adjusted = !adjustments.is_empty();
    // The verdicts first, so that one statement gives every leaf its weight: the adjusted one where a rule
    // applied, the node's otherwise.
    if adjusted {
        let models: Vec<orientation_adjustment_detail::ActiveModel> = adjustments
            .into_iter()
            .map(|a| orientation_adjustment_detail::ActiveModel {
                hospital_id: Set(run.hospital_id),
                task_id: Set(run.task_id),
                run_no: Set(run.run_no),
                department_id: Set(a.department_id),
                node_id: Set(a.node_id),
                rule_id: Set(Some(a.rule_id)),
                actual_value: Set(a.actual_value.map(Amount::from_scaled)),
                benchmark: Set(Some(Amount::from_scaled(a.benchmark))),
                benchmark_method: Set(Some(a.method)),
                benchmark_basis: Set(Some(i32::try_from(a.basis).unwrap_or(i32::MAX))),
                ratio: Set(a.ratio.map(Amount::from_scaled)),
                intensity: Set(a.intensity.map(Amount::from_scaled)),
                original_weight: Set(Amount::from_scaled(a.original_weight)),
                adjusted_weight: Set(Amount::from_scaled(a.adjusted_weight)),
                skip_reason: Set(a.skip_reason.map(str::to_owned)),
                created_at: Set(run.now),
                ..Default::default()
            })
            .collect();
        for chunk in models.chunks(500) {
            orientation_adjustment_detail::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
    }
    let node_weight =
        "(SELECT n.weight FROM dimension_node n WHERE n.id = calculation_results.node_id)";
    let weight = if adjusted {
        format!(
            "COALESCE((SELECT a.adjusted_weight FROM orientation_adjustment_detail a \
             WHERE a.task_id = calculation_results.task_id AND a.run_no = calculation_results.run_no \
             AND a.department_id = calculation_results.department_id \
             AND a.node_id = calculation_results.node_id AND a.skip_reason IS NULL), {node_weight})"
        )
    } else {
        node_weight.to_owned()
    };
    d.exec(
        &txn,
        &format!(
            "UPDATE calculation_results SET weight = {weight} WHERE task_id = ? AND run_no = ? AND {leaf}"
        ),
        task_run(),
    )
    .await?;
    // value = base × weight: amount for charges, quantity for workload, −amount for cost (cost deducts).
    let value = format!(
        "CASE (SELECT n.kind FROM dimension_node n WHERE n.id = calculation_results.node_id) \
         WHEN 'WORKLOAD' THEN {workload} WHEN 'COST' THEN -{charge} ELSE {charge} END",
        workload = d.mul("COALESCE(quantity, 0)", "weight"),
        charge = d.mul("amount", "weight"),
    );
    let valued = d
        .exec(
            &txn,
            &format!(
                "UPDATE calculation_results SET value = {value} WHERE task_id = ? AND run_no = ? AND weight IS NOT NULL"
            ),
            task_run(),
        )
        .await?
        .rows_affected();
    // Parents again, now with the sum of their leaves' values.
    d.exec(
        &txn,
        &format!("DELETE FROM calculation_results WHERE task_id = ? AND run_no = ? AND NOT {leaf}"),
        task_run(),
    )
    .await?;
    let parents = insert_parents(&txn, run, &tree).await?;
    // Each node's share of its siblings' values = its value ÷ its parent's (the sum of the siblings); a root's
    // is 1. Every other node's parent has a row (the parents are the ancestors of the leaves' rows), found by
    // the results' unique key.
    d.exec(
        &txn,
        "UPDATE calculation_results SET ratio = 10000 \
         WHERE task_id = ? AND run_no = ? AND business_type = '' AND parent_id IS NULL",
        task_run(),
    )
    .await?;
    // MySQL cannot update a table from a subquery on itself, but it can join it to itself.
    let x = if d.0 == DbBackend::MySql {
        "x"
    } else {
        "calculation_results"
    };
    let on = format!(
        "p.task_id = {x}.task_id AND p.run_no = {x}.run_no AND p.department_id = {x}.department_id \
         AND p.node_id = {x}.parent_id AND p.business_type = ''"
    );
    let ratio = d.ratio(&format!("{x}.value"), "p.value");
    let only = format!("{x}.task_id = ? AND {x}.run_no = ? AND {x}.business_type = ''");
    let share = if d.0 == DbBackend::MySql {
        format!(
            "UPDATE calculation_results x JOIN calculation_results p ON {on} SET x.ratio = {ratio} WHERE {only}"
        )
    } else {
        format!(
            "UPDATE calculation_results SET ratio = {ratio} FROM calculation_results p WHERE {on} AND {only}"
        )
    };
    d.exec(&txn, &share, task_run()).await?;
    integers_only(&txn, run, "calculation_results", &["value", "ratio"]).await?;
    txn.commit().await?;
    log.push(format!(
        "{valued} leaf rows valued, {parents} parent rows summed"
    ));
    Ok(log)
}

/// One rule's verdict for one department and leaf.
#[derive(Debug, Clone)]
struct Adjustment {
    department_id: i64,
    node_id: i64,
    rule_id: i64,
    actual_value: Option<i64>,
    benchmark: i64,
    method: BenchmarkMethod,
    /// How many actuals the benchmark came from (0: the rule's fixed value).
    basis: u32,
    ratio: Option<i64>,
    intensity: Option<i64>,
    original_weight: i64,
    adjusted_weight: i64,
    skip_reason: Option<&'static str>,
}

/// The orientation rules in force for each (department, leaf) with a result: a rule on a node reaches every
/// leaf under it; the nearest rule wins, and a department's own rule beats the one for every department.
/// Rules, ladders and orientation values are a few rows, so this is computed here with the domain's formula.
async fn orientation(
    db: &DatabaseConnection,
    run: &Run,
    tree: &Tree,
) -> anyhow::Result<Vec<Adjustment>> {
    let rules = orientation_rule::Entity::find()
        .filter(orientation_rule::Column::ModelVersionId.eq(run.model_version_id))
        .filter(orientation_rule::Column::IsActive.eq(true))
        .all(db)
        .await?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let ladders = orientation_ladder::Entity::find()
        .filter(orientation_ladder::Column::RuleId.is_in(rules.iter().map(|r| r.id)))
        .order_by_asc(orientation_ladder::Column::LowerBound)
        .all(db)
        .await?;
    let mut bands: HashMap<i64, Vec<Band>> = HashMap::new();
    for l in ladders {
        bands.entry(l.rule_id).or_default().push(Band {
            lower: l.lower_bound.scaled(),
            upper: l.upper_bound.map(Amount::scaled),
            intensity: l.intensity.scaled(),
        });
    }
    let d = Dialect::of(db);
    // The actuals of the period and of the longest look-back before it, by (period, department, node).
    let lookback = rules
        .iter()
        .filter_map(|r| r.lookback_periods)
        .max()
        .unwrap_or(0);
    let earliest = benchmark::window(run.period, lookback)
        .first()
        .copied()
        .unwrap_or(run.period);
    let mut actuals: HashMap<(Period, String, String), i64> = HashMap::new();
    for r in d
        .all(
            db,
            "SELECT period, department_code, node_code, actual_value FROM orientation_value \
             WHERE hospital_id = ? AND period >= ? AND period <= ?",
            vec![
                v(run.hospital_id),
                v(earliest.to_string()),
                v(run.period.to_string()),
            ],
        )
        .await?
    {
        let period: String = r.try_get("", "period")?;
        let Ok(period) = period.parse::<Period>() else {
            continue;
        };
        actuals.insert(
            (
                period,
                r.try_get("", "department_code")?,
                r.try_get("", "node_code")?,
            ),
            r.try_get::<i64>("", "actual_value")?,
        );
    }
    let departments: HashMap<i64, String> = department::Entity::find()
        .filter(department::Column::HospitalId.eq(run.hospital_id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    let cells: Vec<(i64, i64)> = d
        .all(
            db,
            "SELECT DISTINCT department_id, node_id FROM calculation_results \
             WHERE task_id = ? AND run_no = ? AND business_type = ''",
            vec![v(run.task_id), v(run.run_no)],
        )
        .await?
        .iter()
        .filter_map(|r| {
            Some((
                r.try_get("", "department_id").ok()?,
                r.try_get("", "node_id").ok()?,
            ))
        })
        .collect();
    let by_code: HashMap<&str, &dimension_node::Model> =
        tree.nodes.iter().map(|n| (n.code.as_str(), n)).collect();
    let weights: HashMap<i64, i64> = tree
        .nodes
        .iter()
        .map(|n| (n.id, n.weight.scaled()))
        .collect();
    // For each leaf: the rules reaching it, nearest node first.
    let mut reaching: HashMap<i64, Vec<(usize, &orientation_rule::Model)>> = HashMap::new();
    for rule in &rules {
        let Some(node) = by_code.get(rule.node_code.as_str()) else {
            continue;
        };
        let depth = tree.depth(node.id);
        for leaf in tree.leaves_under(node.id) {
            reaching.entry(leaf).or_default().push((depth, rule));
        }
    }
    let mut out = Vec::new();
    for (department_id, node_id) in cells {
        let Some(candidates) = reaching.get(&node_id) else {
            continue;
        };
        let Some(code) = departments.get(&department_id) else {
            continue;
        };
        let chosen = candidates
            .iter()
            .filter(|(_, r)| r.department_code.as_deref().is_none_or(|c| c == code))
            .max_by_key(|(depth, r)| (*depth, r.department_code.is_some()));
        let Some((_, rule)) = chosen else {
            continue;
        };
        let weight = weights.get(&node_id).copied().unwrap_or(valuation::ONE);
        let actual = actuals
            .get(&(run.period, code.clone(), rule.node_code.clone()))
            .copied();
        let ladder = bands.get(&rule.id).map(Vec::as_slice).unwrap_or_default();
        let basis = benchmark_basis(rule, run.period, code, &actuals);
        let found = benchmark::benchmark(rule.benchmark_method, rule.benchmark.scaled(), &basis);
        let a = valuation::orient(weight, actual, found.value, ladder);
        out.push(Adjustment {
            department_id,
            node_id,
            rule_id: rule.id,
            actual_value: actual,
            benchmark: found.value,
            method: rule.benchmark_method,
            basis: found.basis,
            ratio: a.ratio,
            intensity: a.intensity,
            original_weight: weight,
            adjusted_weight: a.adjusted_weight,
            skip_reason: a.skipped.map(|s| s.as_str()),
        });
    }
    out.sort_by_key(|a| (a.department_id, a.node_id));
    Ok(out)
}

/// The actuals a rule's benchmark is computed from for department `code`: its own of the look-back window
/// (HISTORY_*), or every department's of the period (HOSPITAL_AVERAGE); none for a FIXED rule.
fn benchmark_basis(
    rule: &orientation_rule::Model,
    period: Period,
    code: &str,
    actuals: &HashMap<(Period, String, String), i64>,
) -> Vec<i64> {
    match rule.benchmark_method {
        BenchmarkMethod::Fixed => Vec::new(),
        BenchmarkMethod::HospitalAverage => actuals
            .iter()
            .filter(|((p, _, node), _)| *p == period && *node == rule.node_code)
            .map(|(_, value)| *value)
            .collect(),
        _ => benchmark::window(period, rule.lookback_periods.unwrap_or(0))
            .into_iter()
            .filter_map(|p| {
                actuals
                    .get(&(p, code.to_owned(), rule.node_code.clone()))
                    .copied()
            })
            .collect(),
    }
}

/// Step 5: per department the series' values, the net value, its share of the hospital's (net ÷ |the hospital's
/// net|), its rank (ties share a place) and the change against the previous period and the same period last year.
#[tracing::instrument(skip_all)]
pub async fn summarize_value(db: &DatabaseConnection, run: &Run) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    let series = |s: &str| {
        d.sum(&format!(
            "CASE WHEN n.series = '{s}' THEN r.value ELSE 0 END"
        ))
    };
    let (prev_task, prev_run) = run.previous.unwrap_or((0, 0));
    let (yoy_task, yoy_run) = run.year_before.unwrap_or((0, 0));
    let sql = format!(
        "INSERT INTO value_summary (hospital_id, task_id, run_no, department_id, doctor_value, nursing_value, \
         tech_value, cost_value, net_value, share, value_rank, mom_change, yoy_change, created_at) \
         SELECT ?, ?, ?, s.department_id, s.doctor, s.nursing, s.tech, s.cost, s.net, {share}, \
         RANK() OVER (ORDER BY s.net DESC), {mom}, {yoy}, ? \
         FROM (SELECT r.department_id, {doctor} AS doctor, {nursing} AS nursing, {tech} AS tech, {cost} AS cost, \
               {net} AS net \
               FROM calculation_results r JOIN dimension_node n ON n.id = r.node_id \
               WHERE r.task_id = ? AND r.run_no = ? AND r.business_type = '' AND r.parent_id IS NULL \
               GROUP BY r.department_id) s \
         CROSS JOIN (SELECT {total} AS net FROM calculation_results r \
               WHERE r.task_id = ? AND r.run_no = ? AND r.business_type = '' AND r.parent_id IS NULL) t \
         LEFT JOIN value_summary pm ON pm.task_id = ? AND pm.run_no = ? AND pm.department_id = s.department_id \
         LEFT JOIN value_summary py ON py.task_id = ? AND py.run_no = ? AND py.department_id = s.department_id",
        // net ÷ |total|: the sign and the order follow the department's own net value, whatever the total's sign.
        share = d.ratio("s.net", "ABS(t.net)"),
        mom = d.ratio("(s.net - pm.net_value)", "ABS(pm.net_value)"),
        yoy = d.ratio("(s.net - py.net_value)", "ABS(py.net_value)"),
        doctor = series("DOCTOR"),
        nursing = series("NURSING"),
        tech = series("TECH"),
        cost = series("COST"),
        net = d.sum("COALESCE(r.value, 0)"),
        total = d.sum("COALESCE(r.value, 0)"),
    );
    let txn = begin(db, run).await?;
    let n = d
        .exec(
            &txn,
            &sql,
            vec![
                v(run.hospital_id),
                v(run.task_id),
                v(run.run_no),
                v(run.now),
                v(run.task_id),
                v(run.run_no),
                v(run.task_id),
                v(run.run_no),
                v(prev_task),
                v(prev_run),
                v(yoy_task),
                v(yoy_run),
            ],
        )
        .await?
        .rows_affected();
    integers_only(
        &txn,
        run,
        "value_summary",
        &["net_value", "share", "mom_change", "yoy_change"],
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// SQLite turns an integer that overflows into a REAL without a word (PostgreSQL and MySQL raise an error).
/// Within the bounds the API accepts nothing overflows (see `domain::accounting::valuation`); past them — sums of lines
/// beyond ±92 trillion yuan — the run fails instead of storing inexact figures.
async fn integers_only(
    conn: &impl ConnectionTrait,
    run: &Run,
    table: &str,
    columns: &[&str],
) -> anyhow::Result<()> {
    if conn.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let test: Vec<String> = columns
        .iter()
        .map(|c| format!("typeof({c}) = 'real'"))
        .collect();
    let row = Dialect::of(conn)
        .one(
            conn,
            &format!(
                "SELECT COUNT(*) AS n FROM {table} WHERE task_id = ? AND run_no = ? AND ({})",
                test.join(" OR ")
            ),
            vec![v(run.task_id), v(run.run_no)],
        )
        .await?
        .context("a count")?;
    let n: i64 = row.try_get("", "n")?;
    if n > 0 {
        anyhow::bail!(
            "{n} {table} rows exceed the range of 64-bit integers (±922 trillion yuan in ten-thousandths)"
        );
    }
    Ok(())
}

/// The tables a run writes, child tables first.
pub const RUN_TABLES: [&str; 4] = [
    "value_summary",
    "orientation_adjustment_detail",
    "calculation_results",
    "calculation_details",
];

/// Deletes the rows run `run_no` of the task wrote, while it holds its claim: before it starts (a number is never reused, but rows
/// may be left from before numbers were) or over again, and when it fails.
#[tracing::instrument(skip_all)]
pub async fn delete_run(db: &DatabaseConnection, task_id: i64, run_no: i32) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    let mut rows = 0;
    for table in RUN_TABLES {
        let txn = begin_held(db, task_id, run_no).await?;
        rows += d
            .exec(
                &txn,
                &format!("DELETE FROM {table} WHERE task_id = ? AND run_no = ?"),
                vec![v(task_id), v(run_no)],
            )
            .await?
            .rows_affected();
        txn.commit().await?;
    }
    Ok(rows)
}

/// Deletes a task's rows of the runs before `visible`, once the task has switched to it: the run it replaced
/// and any run whose claim was lost or cut off. None of them can write again (their claims are older than
/// the one that switched), and a later claim writes under a greater number, so nothing live is touched.
#[tracing::instrument(skip_all)]
pub async fn delete_runs_before(
    db: &DatabaseConnection,
    task_id: i64,
    visible: i32,
) -> anyhow::Result<u64> {
    let d = Dialect::of(db);
    let mut rows = 0;
    for table in RUN_TABLES {
        let txn = db::begin_bulk(db).await?;
        rows += d
            .exec(
                &txn,
                &format!("DELETE FROM {table} WHERE task_id = ? AND run_no < ?"),
                vec![v(task_id), v(visible)],
            )
            .await?
            .rows_affected();
        txn.commit().await?;
    }
    Ok(rows)
}
