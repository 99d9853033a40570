//! Calculation tasks: created and queued by analysts, run in the background by whichever server claims them.
//!
//! The database is the queue. A server claims a PENDING task with a compare-and-set and holds it under a lease
//! it renews while it works; a task whose lease ran out (its server died) is marked FAILED by the next server
//! that looks, and can be queued again. A run writes its rows under a new run number and switches the task to
//! it in one small transaction at the end, so readers see the previous results or the new ones, never a mix.
use super::{
    pipeline::{self, Progress, Run},
    workflows,
};
use crate::{
    domain::{
        calculation::{StepKind, TaskStatus},
        period::Period,
    },
    entities::{calculation_task, model_version},
    error::AppError,
    services::{Actor, Page, PageRequest, audit, fetch_page},
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, sea_query::Expr,
};
use std::sync::{
    Arc, LazyLock,
    atomic::{AtomicBool, Ordering},
};
use tokio::sync::Notify;

/// How long a claim holds without renewal; renewed every third of it while the task runs.
const LEASE: Duration = Duration::seconds(60);
/// How often an idle runner looks for work it was not woken for (tasks queued by another server).
const POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs of one claim: deadlocks between concurrent calculations are retried this many times in all.
const ATTEMPTS: u32 = 3;

fn retryable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<sea_orm::DbErr>()
            .is_some_and(crate::db::is_retryable)
    })
}

/// Wakes this process's runners when a task is queued here.
static WAKE: LazyLock<Notify> = LazyLock::new(Notify::new);

#[derive(Debug, Clone)]
pub struct NewTask {
    pub period: Period,
    pub model_version_id: Option<i64>,
    pub workflow_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub period: Option<Period>,
    pub status: Option<TaskStatus>,
}

/// Queues a calculation of `period` on the given (or the active) model version with the given (or the
/// default) workflow.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewTask,
) -> Result<calculation_task::Model, AppError> {
    let version = match input.model_version_id {
        Some(id) => model_version::Entity::find_by_id(id)
            .filter(model_version::Column::HospitalId.eq(actor.hospital_id))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("model_version_id", "no such model version"))?,
        None => model_version::Entity::find()
            .filter(model_version::Column::HospitalId.eq(actor.hospital_id))
            .filter(model_version::Column::IsActive.eq(true))
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "model_version_id",
                    "no model version is active: name one or activate one",
                )
            })?,
    };
    let workflow = workflows::get(db, actor, input.workflow_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid("workflow_id", "no such workflow"),
            other => other,
        })?;
    let now = Utc::now();
    // The version's row is read (foreign key) under the write lock: a model edit in flight finishes first, and
    // one that comes later finds the version in use.
    let txn = crate::db::begin_write(db).await?;
    let task = calculation_task::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        period: Set(input.period.to_string()),
        model_version_id: Set(version.id),
        workflow_id: Set(workflow.workflow.id),
        status: Set(TaskStatus::Pending.as_str().to_owned()),
        progress: Set(0),
        has_details: Set(false),
        run_no: Set(0),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor.audit("calculation_task.create", "calculation_task", task.id),
    )
    .await?;
    txn.commit().await?;
    WAKE.notify_waiters();
    Ok(task)
}

pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<calculation_task::Model, AppError> {
    calculation_task::Entity::find_by_id(id)
        .filter(calculation_task::Column::HospitalId.eq(actor.hospital_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("calculation task"))
}

pub async fn list(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    filter: TaskFilter,
    page: PageRequest,
) -> Result<Page<calculation_task::Model>, AppError> {
    let mut query = calculation_task::Entity::find()
        .filter(calculation_task::Column::HospitalId.eq(actor.hospital_id));
    if let Some(p) = filter.period {
        query = query.filter(calculation_task::Column::Period.eq(p.to_string()));
    }
    if let Some(s) = filter.status {
        query = query.filter(calculation_task::Column::Status.eq(s.as_str()));
    }
    fetch_page(
        conn,
        query,
        Some((calculation_task::Column::Id, sea_orm::Order::Desc)),
        calculation_task::Column::Id,
        page,
    )
    .await
}

/// Queues a finished task again (a re-run replaces its rows when it succeeds).
pub async fn queue_again(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<calculation_task::Model, AppError> {
    let task = get(db, actor, id).await?;
    let txn = db.begin().await?;
    let updated = calculation_task::Entity::update_many()
        .col_expr(
            calculation_task::Column::Status,
            Expr::value(TaskStatus::Pending.as_str()),
        )
        .col_expr(calculation_task::Column::Progress, Expr::value(0))
        .col_expr(
            calculation_task::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(calculation_task::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(calculation_task::Column::Id.eq(task.id))
        .filter(
            calculation_task::Column::Status
                .is_in([TaskStatus::Succeeded.as_str(), TaskStatus::Failed.as_str()]),
        )
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict {
            code: "INVALID_TRANSITION",
            message: "the task is already queued or running".into(),
        });
    }
    audit::record(
        &txn,
        actor.audit("calculation_task.run", "calculation_task", task.id),
    )
    .await?;
    txn.commit().await?;
    WAKE.notify_waiters();
    get(db, actor, id).await
}

/// Marks the tasks whose lease ran out as FAILED: the server running them stopped.
pub async fn fail_expired(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let now = Utc::now();
    let r = calculation_task::Entity::update_many()
        .col_expr(
            calculation_task::Column::Status,
            Expr::value(TaskStatus::Failed.as_str()),
        )
        .col_expr(
            calculation_task::Column::Error,
            Expr::value("interrupted: the server running it stopped before it finished"),
        )
        .col_expr(calculation_task::Column::FinishedAt, Expr::value(now))
        .col_expr(calculation_task::Column::UpdatedAt, Expr::value(now))
        .filter(calculation_task::Column::Status.eq(TaskStatus::Running.as_str()))
        .filter(calculation_task::Column::LeaseUntil.lt(now))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// Claims the oldest PENDING task for `instance`, or none.
async fn claim_next(
    db: &DatabaseConnection,
    instance: &str,
) -> Result<Option<calculation_task::Model>, sea_orm::DbErr> {
    loop {
        let Some(next) = calculation_task::Entity::find()
            .filter(calculation_task::Column::Status.eq(TaskStatus::Pending.as_str()))
            .order_by_asc(calculation_task::Column::Id)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let now = Utc::now();
        let claimed = calculation_task::Entity::update_many()
            .col_expr(
                calculation_task::Column::Status,
                Expr::value(TaskStatus::Running.as_str()),
            )
            .col_expr(calculation_task::Column::ClaimedBy, Expr::value(instance))
            .col_expr(
                calculation_task::Column::LeaseUntil,
                Expr::value(now + LEASE),
            )
            .col_expr(calculation_task::Column::StartedAt, Expr::value(now))
            .col_expr(
                calculation_task::Column::FinishedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(calculation_task::Column::Progress, Expr::value(0))
            .col_expr(
                calculation_task::Column::Log,
                Expr::value(Option::<String>::None),
            )
            .col_expr(calculation_task::Column::UpdatedAt, Expr::value(now))
            .filter(calculation_task::Column::Id.eq(next.id))
            .filter(calculation_task::Column::Status.eq(TaskStatus::Pending.as_str()))
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            return calculation_task::Entity::find_by_id(next.id).one(db).await;
        }
    }
}

/// Runs queued tasks one at a time until the process ends.
pub fn spawn_runner(db: DatabaseConnection) {
    let instance = format!("{}-{}", std::process::id(), rand::random::<u32>());
    tokio::spawn(async move {
        loop {
            let woken = WAKE.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match fail_expired(&db).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(tasks = n, "marked interrupted calculation tasks as failed")
                }
                Err(e) => tracing::warn!(error = %e, "checking calculation leases failed"),
            }
            match claim_next(&db, &instance).await {
                Ok(Some(task)) => {
                    execute(&db, task, &instance).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a calculation task failed; will retry")
                }
            }
            tokio::select! {
                _ = &mut woken => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    });
}

/// The task's log and progress, written back as the run goes; every write checks the claim still holds.
struct Reporter<'a> {
    db: &'a DatabaseConnection,
    task_id: i64,
    instance: &'a str,
    lost: Arc<AtomicBool>,
    log: Vec<String>,
    step: usize,
    steps: usize,
}

impl Reporter<'_> {
    fn line(&mut self, text: impl AsRef<str>) {
        self.log.push(format!(
            "{} {}",
            Utc::now().format("%H:%M:%S"),
            text.as_ref()
        ));
    }

    async fn save(&self, progress: i32) -> anyhow::Result<()> {
        if self.lost.load(Ordering::Relaxed) {
            anyhow::bail!("the task's lease was lost to another server");
        }
        let r = calculation_task::Entity::update_many()
            .col_expr(
                calculation_task::Column::Progress,
                Expr::value(progress.clamp(0, 99)),
            )
            .col_expr(
                calculation_task::Column::Log,
                Expr::value(self.log.join("\n")),
            )
            .col_expr(calculation_task::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(calculation_task::Column::Id.eq(self.task_id))
            .filter(calculation_task::Column::ClaimedBy.eq(self.instance))
            .filter(calculation_task::Column::Status.eq(TaskStatus::Running.as_str()))
            .exec(self.db)
            .await?;
        if r.rows_affected == 0 {
            self.lost.store(true, Ordering::Relaxed);
            anyhow::bail!("the task's lease was lost to another server");
        }
        Ok(())
    }

    fn percent(&self, within: f64) -> i32 {
        (((self.step as f64 + within.clamp(0.0, 1.0)) / self.steps.max(1) as f64) * 100.0) as i32
    }
}

impl Progress for Reporter<'_> {
    async fn step_progress(&mut self, done: f64) -> anyhow::Result<()> {
        self.save(self.percent(done)).await
    }
}

/// Renews the lease while the run works; flags the loss when another server took the task over.
fn spawn_heartbeat(
    db: DatabaseConnection,
    task_id: i64,
    instance: String,
    lost: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = (LEASE / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(20));
        loop {
            tokio::time::sleep(every).await;
            let renewed = calculation_task::Entity::update_many()
                .col_expr(
                    calculation_task::Column::LeaseUntil,
                    Expr::value(Utc::now() + LEASE),
                )
                .filter(calculation_task::Column::Id.eq(task_id))
                .filter(calculation_task::Column::ClaimedBy.eq(instance.as_str()))
                .filter(calculation_task::Column::Status.eq(TaskStatus::Running.as_str()))
                .exec(&db)
                .await;
            match renewed {
                Ok(r) if r.rows_affected == 0 => {
                    lost.store(true, Ordering::Relaxed);
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, task_id, "renewing a calculation lease failed")
                }
            }
        }
    })
}

/// The latest succeeded task of a period, as (task, run): what the value summary compares against.
async fn latest_succeeded(
    db: &DatabaseConnection,
    hospital_id: i64,
    period: Period,
) -> Result<Option<(i64, i32)>, sea_orm::DbErr> {
    Ok(calculation_task::Entity::find()
        .filter(calculation_task::Column::HospitalId.eq(hospital_id))
        .filter(calculation_task::Column::Period.eq(period.to_string()))
        .filter(calculation_task::Column::Status.eq(TaskStatus::Succeeded.as_str()))
        .order_by_desc(calculation_task::Column::FinishedAt)
        .order_by_desc(calculation_task::Column::Id)
        .one(db)
        .await?
        .map(|t| (t.id, t.run_no)))
}

async fn execute(db: &DatabaseConnection, task: calculation_task::Model, instance: &str) {
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = spawn_heartbeat(db.clone(), task.id, instance.to_owned(), lost.clone());
    let mut reporter = Reporter {
        db,
        task_id: task.id,
        instance,
        lost,
        log: Vec::new(),
        step: 0,
        steps: 1,
    };
    let run_no = task.run_no + 1;
    let mut outcome = run_steps(db, &task, run_no, &mut reporter).await;
    // A deadlock rolled back one statement's transaction; the run starts over (it clears its own rows first).
    for attempt in 2..=ATTEMPTS {
        match &outcome {
            Err(e) if retryable(e) => {
                reporter.line(format!(
                    "{e:#}; starting over (attempt {attempt} of {ATTEMPTS})"
                ));
                outcome = run_steps(db, &task, run_no, &mut reporter).await;
            }
            _ => break,
        }
    }
    heartbeat.abort();
    let now = Utc::now();
    match outcome {
        Ok(has_details) => {
            reporter.line(format!(
                "run {run_no} finished; it replaces the previous results"
            ));
            let switched = calculation_task::Entity::update_many()
                .col_expr(
                    calculation_task::Column::Status,
                    Expr::value(TaskStatus::Succeeded.as_str()),
                )
                .col_expr(calculation_task::Column::RunNo, Expr::value(run_no))
                .col_expr(
                    calculation_task::Column::HasDetails,
                    Expr::value(has_details),
                )
                .col_expr(calculation_task::Column::Progress, Expr::value(100))
                .col_expr(
                    calculation_task::Column::Log,
                    Expr::value(reporter.log.join("\n")),
                )
                .col_expr(
                    calculation_task::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(calculation_task::Column::FinishedAt, Expr::value(now))
                .col_expr(calculation_task::Column::UpdatedAt, Expr::value(now))
                .filter(calculation_task::Column::Id.eq(task.id))
                .filter(calculation_task::Column::ClaimedBy.eq(instance))
                .filter(calculation_task::Column::Status.eq(TaskStatus::Running.as_str()))
                .exec(db)
                .await;
            match switched {
                Ok(r) if r.rows_affected == 1 => {
                    if let Err(e) = pipeline::delete_other_runs(db, task.id, run_no).await {
                        tracing::warn!(error = %e, task_id = task.id, "removing replaced rows failed");
                    }
                }
                Ok(_) => tracing::warn!(
                    task_id = task.id,
                    "the task was taken over before it finished"
                ),
                Err(e) => {
                    tracing::error!(error = %e, task_id = task.id, "finishing a calculation failed")
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), task_id = task.id, "a calculation failed");
            reporter.line(format!("failed: {e:#}"));
            let failed = calculation_task::Entity::update_many()
                .col_expr(
                    calculation_task::Column::Status,
                    Expr::value(TaskStatus::Failed.as_str()),
                )
                .col_expr(
                    calculation_task::Column::Error,
                    Expr::value(format!("{e:#}")),
                )
                .col_expr(
                    calculation_task::Column::Log,
                    Expr::value(reporter.log.join("\n")),
                )
                .col_expr(
                    calculation_task::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(calculation_task::Column::FinishedAt, Expr::value(now))
                .col_expr(calculation_task::Column::UpdatedAt, Expr::value(now))
                .filter(calculation_task::Column::Id.eq(task.id))
                .filter(calculation_task::Column::ClaimedBy.eq(instance))
                .filter(calculation_task::Column::Status.eq(TaskStatus::Running.as_str()))
                .exec(db)
                .await;
            if let Err(e) = failed {
                tracing::error!(error = %e, task_id = task.id, "recording a failed calculation failed");
            }
            // The visible run stays; what this one wrote goes.
            if let Err(e) = pipeline::delete_other_runs(db, task.id, task.run_no).await {
                tracing::warn!(error = %e, task_id = task.id, "removing a failed run's rows failed");
            }
        }
    }
}

/// The workflow's steps in order; returns whether the run made calculation_details.
async fn run_steps(
    db: &DatabaseConnection,
    task: &calculation_task::Model,
    run_no: i32,
    reporter: &mut Reporter<'_>,
) -> anyhow::Result<bool> {
    let period = task.period.parse::<Period>()?;
    // Rows left by a run that was cut off.
    pipeline::delete_other_runs(db, task.id, task.run_no).await?;
    let workflow = crate::entities::calculation_step::Entity::find()
        .filter(crate::entities::calculation_step::Column::WorkflowId.eq(task.workflow_id))
        .order_by_asc(crate::entities::calculation_step::Column::StepOrder)
        .all(db)
        .await?;
    let steps: Vec<StepKind> = workflow
        .iter()
        .map(|s| s.kind.parse::<StepKind>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    let run = Run {
        hospital_id: task.hospital_id,
        task_id: task.id,
        run_no,
        period,
        model_version_id: task.model_version_id,
        now: Utc::now(),
        previous: latest_succeeded(db, task.hospital_id, period.previous()).await?,
        year_before: latest_succeeded(db, task.hospital_id, period.year_before()).await?,
    };
    reporter.steps = steps.len();
    reporter.line(format!(
        "run {run_no} of task {} for {period}: {} steps",
        task.id,
        steps.len()
    ));
    reporter.save(0).await?;
    let has_details = steps.contains(&StepKind::GenerateDetails);
    for (i, kind) in steps.iter().enumerate() {
        reporter.step = i;
        reporter.line(format!("[{}/{}] {kind} started", i + 1, steps.len()));
        reporter.save(reporter.percent(0.0)).await?;
        let started = std::time::Instant::now();
        let lines: Vec<String> = match kind {
            StepKind::Prepare => pipeline::prepare(db, &run).await?,
            StepKind::GenerateDetails => {
                let n = pipeline::generate_details(db, &run, reporter).await?;
                pipeline::analyze(db, &["calculation_details"]).await?;
                vec![format!("{n} calculation_details rows")]
            }
            StepKind::AggregateResults => {
                let n = pipeline::aggregate_results(db, &run, has_details, reporter).await?;
                let source = if has_details {
                    "calculation_details"
                } else {
                    "charge_details"
                };
                vec![format!("{n} calculation_results rows from {source}")]
            }
            StepKind::ApplyWeights => pipeline::apply_weights(db, &run).await?,
            StepKind::SummarizeValue => {
                let n = pipeline::summarize_value(db, &run).await?;
                vec![format!("{n} departments summarized")]
            }
        };
        for l in lines {
            reporter.line(format!("[{}/{}] {l}", i + 1, steps.len()));
        }
        reporter.line(format!(
            "[{}/{}] {kind} done in {} ms",
            i + 1,
            steps.len(),
            started.elapsed().as_millis()
        ));
        reporter.step = i + 1;
        reporter.save(reporter.percent(0.0)).await?;
    }
    Ok(has_details)
}
