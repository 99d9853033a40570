//! Calculation tasks: created and queued by analysts, run in the background by whichever server claims them.
//!
//! The database is the queue. A server claims a PENDING task with a compare-and-set and holds it under a lease
//! it renews while it works; a task whose lease ran out (its server died) is marked FAILED by the next server
//! that looks, and can be queued again. Each claim takes a run number of its own (`last_run_no + 1`); the run
//! writes its rows under it and switches the task to it in one small transaction at the end, so readers see the
//! previous results or the new ones, never a mix. Every write of a run checks that its claim still holds, so a
//! runner that lost its lease writes and deletes nothing more, and never touches the rows of the run that took
//! the task over. A step that panics fails its task with the reason; the runner goes on with the next task.
use super::{
    periods,
    pipeline::{self, LEASE, LeaseLost, Progress, Run},
    workflows,
};
use crate::services::find_owned;
use crate::{
    domain::{
        accounting::calculation::{StepKind, TaskOrigin, TaskStatus},
        accounting::period_close::PeriodStatus,
        foundation::period::Period,
    },
    entities::{
        accounting::accounting_period, accounting::calculation_task, accounting::model_version,
    },
    error::{AppError, ErrorCode},
    services::{Actor, Page, PageRequest, fetch_page, foundation::audit},
};
use chrono::{DateTime, Utc};
use futures_util::{FutureExt, future::BoxFuture};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use std::{
    panic::AssertUnwindSafe,
    sync::{
        Arc, LazyLock,
        atomic::{AtomicBool, Ordering},
    },
};
use tokio::sync::Notify;

/// How often an idle runner looks for work it was not woken for (tasks queued by another server).
const POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs of one claim: deadlocks between concurrent calculations are retried this many times in all, after a
/// random pause that grows with each attempt (runners that deadlocked once would otherwise meet again in step).
const ATTEMPTS: u32 = 5;

fn retryable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<sea_orm::DbErr>()
            .is_some_and(crate::db::is_retryable)
    }) && !lease_lost(e)
}

fn lease_lost(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| cause.is::<LeaseLost>())
}

/// The update that ends a run this server still holds: its status, its log, the claim released.
fn finishing(
    status: TaskStatus,
    reporter: &Reporter<'_>,
    now: DateTime<Utc>,
    task_id: i64,
    run_no: i32,
) -> sea_orm::UpdateMany<calculation_task::Entity> {
    calculation_task::Entity::update_many()
        .col_expr(calculation_task::Column::Status, Expr::value(status))
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
        .filter(held(task_id, run_no))
}

/// The task row as long as `run_no` is the claim that holds it.
fn held(task_id: i64, run_no: i32) -> Condition {
    Condition::all()
        .add(calculation_task::Column::Id.eq(task_id))
        .add(calculation_task::Column::Status.eq(TaskStatus::Running))
        .add(calculation_task::Column::LastRunNo.eq(run_no))
}

/// Where a runner stands, for [`spawn_runner_with`]'s observer: before a step of a task's run, or done with
/// the task (whatever the outcome).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    Step(StepKind),
    Done,
}

/// Awaited by a runner at each [`Checkpoint`] of a task (by id). Servers run without one; tests use it to
/// hold a run at a given step or to make a step fail in a way no input can.
pub type Observer = Arc<dyn Fn(i64, Checkpoint) -> BoxFuture<'static, ()> + Send + Sync>;

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

/// The model version (the given one, or the active one) and the workflow (the given one, or the default) a
/// calculation runs on, as (version id, workflow id).
pub(super) async fn resolve(
    db: &DatabaseConnection,
    actor: &Actor,
    model_version_id: Option<i64>,
    workflow_id: Option<i64>,
) -> Result<(i64, i64), AppError> {
    let version = match model_version_id {
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
    let workflow = workflows::get(db, actor, workflow_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid("workflow_id", "no such workflow"),
            other => other,
        })?;
    Ok((version.id, workflow.workflow.id))
}

/// A task of `period` as queued, not saved yet.
pub(super) fn queued_for(
    hospital_id: i64,
    created_by: Option<i64>,
    period: Period,
    (model_version_id, workflow_id): (i64, i64),
    origin: TaskOrigin,
    now: DateTime<Utc>,
) -> calculation_task::ActiveModel {
    calculation_task::ActiveModel {
        hospital_id: Set(hospital_id),
        period: Set(period),
        model_version_id: Set(model_version_id),
        workflow_id: Set(workflow_id),
        status: Set(TaskStatus::Pending),
        progress: Set(0),
        has_details: Set(false),
        run_no: Set(0),
        created_by: Set(created_by),
        batch_id: Set(None),
        origin: Set(origin),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A task of `period` queued by the actor, by hand or in batch `batch_id`.
pub(super) fn queued(
    actor: &Actor,
    period: Period,
    on: (i64, i64),
    batch_id: Option<i64>,
    now: DateTime<Utc>,
) -> calculation_task::ActiveModel {
    let origin = match batch_id {
        Some(_) => TaskOrigin::Batch,
        None => TaskOrigin::Manual,
    };
    let mut task = queued_for(
        actor.hospital_id,
        Some(actor.user_id),
        period,
        on,
        origin,
        now,
    );
    task.batch_id = Set(batch_id);
    task
}

/// Wakes this process's runners: a task was queued.
pub fn wake() {
    WAKE.notify_waiters();
}

/// Queues a calculation of `period` on the given (or the active) model version with the given (or the
/// default) workflow.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewTask,
) -> Result<calculation_task::Model, AppError> {
    let on = resolve(db, actor, input.model_version_id, input.workflow_id).await?;
    let now = Utc::now();
    // The version's row is read (foreign key) under the write lock: a model edit in flight finishes first, and
    // one that comes later finds the version in use.
    let txn = crate::db::begin_write(db).await?;
    periods::ensure_open(&txn, actor.hospital_id, &[input.period]).await?;
    let task = queued(actor, input.period, on, None, now)
        .insert(&txn)
        .await?;
    audit::commit(
        txn,
        actor.audit("calculation_task.create", "calculation_task", task.id),
    )
    .await?;
    WAKE.notify_waiters();
    Ok(task)
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<calculation_task::Model, AppError> {
    find_owned::<calculation_task::Entity>(conn, actor, id).await
}

#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
pub async fn queue_again(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<calculation_task::Model, AppError> {
    let task = get(db, actor, id).await?;
    let txn = crate::db::begin_write(db).await?;
    // A run replaces the visible results: not of a period that was reviewed.
    periods::ensure_open(&txn, actor.hospital_id, &[task.period]).await?;
    let updated = calculation_task::Entity::update_many()
        .col_expr(
            calculation_task::Column::Status,
            Expr::value(TaskStatus::Pending),
        )
        .col_expr(calculation_task::Column::Progress, Expr::value(0))
        .col_expr(
            calculation_task::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(calculation_task::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(calculation_task::Column::Id.eq(task.id))
        .filter(calculation_task::Column::Status.is_in([TaskStatus::Succeeded, TaskStatus::Failed]))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: "the task is already queued or running".into(),
        });
    }
    audit::commit(
        txn,
        actor.audit("calculation_task.run", "calculation_task", task.id),
    )
    .await?;
    WAKE.notify_waiters();
    get(db, actor, id).await
}

/// Marks the tasks whose lease ran out as FAILED: the server running them stopped.
#[tracing::instrument(skip_all)]
pub async fn fail_expired(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    let now = Utc::now();
    let r = calculation_task::Entity::update_many()
        .col_expr(
            calculation_task::Column::Status,
            Expr::value(TaskStatus::Failed),
        )
        .col_expr(
            calculation_task::Column::Error,
            Expr::value("interrupted: the server running it stopped before it finished"),
        )
        .col_expr(calculation_task::Column::FinishedAt, Expr::value(now))
        .col_expr(calculation_task::Column::UpdatedAt, Expr::value(now))
        .filter(calculation_task::Column::Status.eq(TaskStatus::Running))
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
        // A batch's month waits while an earlier month of the batch is queued or running, whichever server runs it.
        let Some(next) = calculation_task::Entity::find()
            .filter(calculation_task::Column::Status.eq(TaskStatus::Pending))
            .filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM calculation_task e WHERE e.batch_id = calculation_task.batch_id \
                 AND e.period < calculation_task.period AND e.status IN ('PENDING', 'RUNNING'))",
            ))
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
                Expr::value(TaskStatus::Running),
            )
            .col_expr(calculation_task::Column::ClaimedBy, Expr::value(instance))
            .col_expr(
                calculation_task::Column::LastRunNo,
                Expr::value(next.last_run_no + 1),
            )
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
            .filter(calculation_task::Column::Status.eq(TaskStatus::Pending))
            // The run number is taken with the claim: no other claim can take the same one.
            .filter(calculation_task::Column::LastRunNo.eq(next.last_run_no))
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            return Ok(Some(calculation_task::Model {
                status: TaskStatus::Running,
                claimed_by: Some(instance.to_owned()),
                last_run_no: next.last_run_no + 1,
                ..next
            }));
        }
    }
}

/// Runs queued tasks one at a time until the process ends.
pub fn spawn_runner(db: DatabaseConnection) {
    spawn_runner_with(db, None)
}

/// [`spawn_runner`] with an observer awaited at each checkpoint of each task it runs.
pub fn spawn_runner_with(db: DatabaseConnection, observer: Option<Observer>) {
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
                    let id = task.id;
                    // A panic outside the steps (they have their own net) must not end the runner either: the
                    // task's heartbeat stops with it, so its lease runs out and it is marked FAILED.
                    let ran = AssertUnwindSafe(execute(&db, task, observer.as_ref()))
                        .catch_unwind()
                        .await;
                    if let Err(payload) = ran {
                        tracing::error!(
                            task_id = id,
                            panic = %panic_message(payload.as_ref()),
                            "a calculation runner panicked"
                        );
                    }
                    if let Some(observe) = &observer {
                        observe(id, Checkpoint::Done).await;
                    }
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

/// The text of a panic's payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// The task's log and progress, written back as the run goes; every write checks the claim still holds.
struct Reporter<'a> {
    db: &'a DatabaseConnection,
    task_id: i64,
    run_no: i32,
    lost: Arc<AtomicBool>,
    /// The step running, for the error when it panics.
    current: Option<StepKind>,
    log: Vec<String>,
    step: usize,
    steps: usize,
    /// The hospital's time zone: the log's times are its local times, as every time the analyst reads.
    zone: chrono_tz::Tz,
}

impl Reporter<'_> {
    fn line(&mut self, text: impl AsRef<str>) {
        self.log.push(format!(
            "{} {}",
            Utc::now().with_timezone(&self.zone).format("%H:%M:%S"),
            text.as_ref()
        ));
    }

    async fn save(&self, progress: i32) -> anyhow::Result<()> {
        if self.lost.load(Ordering::Relaxed) {
            return Err(LeaseLost.into());
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
            .filter(held(self.task_id, self.run_no))
            .exec(self.db)
            .await?;
        if r.rows_affected == 0 {
            self.lost.store(true, Ordering::Relaxed);
            return Err(LeaseLost.into());
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

/// The heartbeat of a run: stops when dropped, however the run ends (a panic included).
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews the lease while the run works; flags the loss when another server took the task over.
fn spawn_heartbeat(
    db: DatabaseConnection,
    task_id: i64,
    run_no: i32,
    lost: Arc<AtomicBool>,
) -> Heartbeat {
    Heartbeat(tokio::spawn(async move {
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
                .filter(held(task_id, run_no))
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
    }))
}

/// Why a task of a batch does not run: an earlier month of its batch failed (its month-on-month change would
/// compare against a stale month). It fails too, and runs once queued again.
async fn batch_stopped(
    db: &DatabaseConnection,
    task: &calculation_task::Model,
) -> Result<Option<String>, sea_orm::DbErr> {
    let Some(batch_id) = task.batch_id else {
        return Ok(None);
    };
    let failed = calculation_task::Entity::find()
        .filter(calculation_task::Column::BatchId.eq(batch_id))
        .filter(calculation_task::Column::Period.lt(task.period))
        .filter(calculation_task::Column::Status.eq(TaskStatus::Failed))
        .order_by_asc(calculation_task::Column::Period)
        .one(db)
        .await?;
    Ok(failed.map(|f| {
        format!(
            "the batch stopped: {} (task {}) failed before this month; run this month again once it has succeeded",
            f.period, f.id
        )
    }))
}

/// The run a period's value summary is compared against, as (task, run): the published one when the period was
/// published (or locked), otherwise the latest succeeded task's.
pub(super) async fn compared_run(
    db: &impl ConnectionTrait,
    hospital_id: i64,
    period: Period,
) -> Result<Option<(i64, i32)>, sea_orm::DbErr> {
    let published = accounting_period::Entity::find()
        .filter(accounting_period::Column::HospitalId.eq(hospital_id))
        .filter(accounting_period::Column::Period.eq(period))
        .filter(
            accounting_period::Column::Status
                .is_in([PeriodStatus::Published, PeriodStatus::Locked]),
        )
        .one(db)
        .await?;
    if let Some(p) = published
        && let (Some(task), Some(run)) = (p.task_id, p.run_no)
    {
        return Ok(Some((task, run)));
    }
    Ok(calculation_task::Entity::find()
        .filter(calculation_task::Column::HospitalId.eq(hospital_id))
        .filter(calculation_task::Column::Period.eq(period.to_string()))
        .filter(calculation_task::Column::Status.eq(TaskStatus::Succeeded))
        .order_by_desc(calculation_task::Column::FinishedAt)
        .order_by_desc(calculation_task::Column::Id)
        .one(db)
        .await?
        .map(|t| (t.id, t.run_no)))
}

async fn execute(
    db: &DatabaseConnection,
    task: calculation_task::Model,
    observer: Option<&Observer>,
) {
    let run_no = task.last_run_no;
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = spawn_heartbeat(db.clone(), task.id, run_no, lost.clone());
    let zone = match crate::services::local_now(db, task.hospital_id).await {
        Ok((zone, _)) => zone,
        Err(_) => chrono_tz::Asia::Shanghai,
    };
    let mut reporter = Reporter {
        zone,
        db,
        task_id: task.id,
        run_no,
        lost,
        current: None,
        log: Vec::new(),
        step: 0,
        steps: 1,
    };
    let mut outcome = match batch_stopped(db, &task).await {
        Ok(None) => attempt(db, &task, &mut reporter, observer).await,
        Ok(Some(reason)) => Err(anyhow::anyhow!(reason)),
        Err(e) => Err(e.into()),
    };
    // A deadlock rolled back one statement's transaction; the run starts over (it clears its own rows first).
    for n in 2..=ATTEMPTS {
        match &outcome {
            Err(e) if retryable(e) => {
                reporter.line(format!("{e:#}; starting over (attempt {n} of {ATTEMPTS})"));
                let pause = rand::random::<u64>() % (200 * u64::from(n));
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                outcome = attempt(db, &task, &mut reporter, observer).await;
            }
            _ => break,
        }
    }
    drop(heartbeat);
    let now = Utc::now();
    match outcome {
        Ok(has_details) => {
            reporter.line(format!(
                "run {run_no} finished; it replaces the previous results"
            ));
            let switched = finishing(TaskStatus::Succeeded, &reporter, now, task.id, run_no)
                .col_expr(calculation_task::Column::RunNo, Expr::value(run_no))
                .col_expr(
                    calculation_task::Column::HasDetails,
                    Expr::value(has_details),
                )
                .col_expr(calculation_task::Column::Progress, Expr::value(100))
                .exec(db)
                .await;
            match switched {
                Ok(r) if r.rows_affected == 1 => {
                    if let Err(e) = pipeline::delete_runs_before(db, task.id, run_no).await {
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
        Err(e) if lease_lost(&e) => {
            // Another server holds the task now: its run is the only one that may write.
            tracing::warn!(
                task_id = task.id,
                run_no,
                "a calculation lost its lease; it stops"
            );
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), task_id = task.id, "a calculation failed");
            reporter.line(format!("failed: {e:#}"));
            // The visible run stays; what this one wrote goes, while the claim still holds.
            if let Err(e) = pipeline::delete_run(db, task.id, run_no).await {
                tracing::warn!(error = %format!("{e:#}"), task_id = task.id, "removing a failed run's rows failed");
            }
            let failed = finishing(TaskStatus::Failed, &reporter, now, task.id, run_no)
                .col_expr(
                    calculation_task::Column::Error,
                    Expr::value(format!("{e:#}")),
                )
                .exec(db)
                .await;
            if let Err(e) = failed {
                tracing::error!(error = %e, task_id = task.id, "recording a failed calculation failed");
            }
        }
    }
}

/// One attempt at the workflow's steps; a step that panics fails the attempt with the step and the message.
async fn attempt(
    db: &DatabaseConnection,
    task: &calculation_task::Model,
    reporter: &mut Reporter<'_>,
    observer: Option<&Observer>,
) -> anyhow::Result<bool> {
    reporter.current = None;
    match AssertUnwindSafe(run_steps(db, task, reporter, observer))
        .catch_unwind()
        .await
    {
        Ok(outcome) => outcome,
        Err(payload) => {
            let step = reporter
                .current
                .map_or_else(|| "the run".to_owned(), |k| format!("step {k}"));
            let message = panic_message(payload.as_ref());
            tracing::error!(task_id = task.id, %step, panic = %message, "a calculation step panicked");
            Err(anyhow::anyhow!("{step} panicked: {message}"))
        }
    }
}

/// The workflow's steps in order; returns whether the run made calculation_details.
async fn run_steps(
    db: &DatabaseConnection,
    task: &calculation_task::Model,
    reporter: &mut Reporter<'_>,
    observer: Option<&Observer>,
) -> anyhow::Result<bool> {
    let run_no = reporter.run_no;
    let period = task.period;
    let workflow = crate::entities::accounting::calculation_step::Entity::find()
        .filter(
            crate::entities::accounting::calculation_step::Column::WorkflowId.eq(task.workflow_id),
        )
        .order_by_asc(crate::entities::accounting::calculation_step::Column::StepOrder)
        .all(db)
        .await?;
    let steps: Vec<StepKind> = workflow.iter().map(|s| s.kind).collect();
    let run = Run {
        hospital_id: task.hospital_id,
        task_id: task.id,
        run_no,
        period,
        model_version_id: task.model_version_id,
        now: Utc::now(),
        previous: compared_run(db, task.hospital_id, period.previous()).await?,
        year_before: compared_run(db, task.hospital_id, period.year_before()).await?,
        charges: crate::services::accounting::charge_import::counted_now(db, task.hospital_id)
            .await?,
    };
    // Rows of this run number left by an attempt that started over (or from before every claim had its own).
    pipeline::delete_run(db, task.id, run_no).await?;
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
        reporter.current = Some(*kind);
        reporter.line(format!("[{}/{}] {kind} started", i + 1, steps.len()));
        reporter.save(reporter.percent(0.0)).await?;
        if let Some(observe) = observer {
            observe(task.id, Checkpoint::Step(*kind)).await;
        }
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
        crate::metrics::get()
            .step_duration
            .with_label_values(&[&kind.to_string()])
            .observe(started.elapsed().as_secs_f64());
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
    reporter.current = None;
    Ok(has_details)
}
