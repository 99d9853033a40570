//! Periods as the finance office closes them (`domain::accounting::period_close`): review a run, publish it,
//! lock the period, reopen it with a reason; and the guard every write of a period's calculations and inputs
//! passes ([`ensure_open`]).
//!
//! A transition takes the hospital's row exclusively before it reads anything; the guard takes it shared (as the
//! cashier's day does, `outpatient::settlements`). So a calculation queued, or an import completed, at the moment
//! a period is reviewed either commits first (and the review sees it: a queued calculation stops the review) or
//! waits and is refused.
use crate::services::{Actor, find_owned, foundation::audit};
use crate::{
    db::begin_write,
    domain::{
        accounting::calculation::TaskStatus,
        accounting::period_close::{self as rules, PeriodAction, PeriodStatus},
        foundation::period::Period,
    },
    entities::{
        accounting::accounting_period, accounting::accounting_period_event,
        accounting::calculation_task, foundation::app_user, foundation::hospital,
    },
    error::{AppError, ErrorCode},
};
use chrono::{SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde_json::json;
use std::collections::HashMap;

/// A period and its transitions, oldest first.
#[derive(Debug, Clone)]
pub struct PeriodView {
    pub period: Period,
    pub status: PeriodStatus,
    /// The task and run the period was reviewed (and published) with; none in DRAFT.
    pub task_id: Option<i64>,
    pub run_no: Option<i32>,
    /// With the display name of who made each.
    pub events: Vec<(accounting_period_event::Model, String)>,
}

/// Where a task stands with its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: PeriodStatus,
    /// Whether the period's review (and publication) is of the task's visible run.
    pub this_run: bool,
}

fn closed(row: &accounting_period::Model) -> AppError {
    AppError::Conflict {
        code: ErrorCode::PeriodClosed,
        message: format!(
            "the period {} is {}: its calculations and inputs change only once it is reopened",
            row.period, row.status
        ),
    }
}

/// Refuses a write of a calculation or an input of any of `periods` unless they are all DRAFT. Called in the
/// write's transaction, before its first plain read (see the module).
pub async fn ensure_open(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    periods: &[Period],
) -> Result<(), AppError> {
    if periods.is_empty() {
        return Ok(());
    }
    hospital::Entity::find_by_id(hospital_id)
        .lock_shared()
        .one(conn)
        .await?;
    let closed_one = accounting_period::Entity::find()
        .filter(accounting_period::Column::HospitalId.eq(hospital_id))
        .filter(accounting_period::Column::Period.is_in(periods.iter().map(Period::to_string)))
        .filter(accounting_period::Column::Status.ne(PeriodStatus::Draft))
        .order_by_asc(accounting_period::Column::Period)
        .lock_shared()
        .one(conn)
        .await?;
    match closed_one {
        Some(row) => Err(closed(&row)),
        None => Ok(()),
    }
}

/// The periods of the hospital that were ever reviewed, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<accounting_period::Model>, AppError> {
    Ok(accounting_period::Entity::find()
        .filter(accounting_period::Column::HospitalId.eq(actor.hospital_id))
        .order_by_desc(accounting_period::Column::Period)
        .all(conn)
        .await?)
}

/// A period with its transitions (DRAFT with none when it was never reviewed).
#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    period: Period,
) -> Result<PeriodView, AppError> {
    let row = accounting_period::Entity::find()
        .filter(accounting_period::Column::HospitalId.eq(actor.hospital_id))
        .filter(accounting_period::Column::Period.eq(period))
        .one(conn)
        .await?;
    let events = accounting_period_event::Entity::find()
        .filter(accounting_period_event::Column::HospitalId.eq(actor.hospital_id))
        .filter(accounting_period_event::Column::Period.eq(period))
        .order_by_asc(accounting_period_event::Column::Id)
        .all(conn)
        .await?;
    let names: HashMap<i64, String> = if events.is_empty() {
        HashMap::new()
    } else {
        app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(events.iter().map(|e| e.user_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    let events = events
        .into_iter()
        .map(|e| {
            let name = names.get(&e.user_id).cloned().unwrap_or_default();
            (e, name)
        })
        .collect();
    Ok(PeriodView {
        period,
        status: row.as_ref().map_or(PeriodStatus::Draft, |r| r.status),
        task_id: row.as_ref().and_then(|r| r.task_id),
        run_no: row.as_ref().and_then(|r| r.run_no),
        events,
    })
}

/// Where each task stands with its period, in the tasks' order (one read for all).
pub async fn standings(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    tasks: &[&calculation_task::Model],
) -> Result<Vec<Standing>, AppError> {
    let rows: HashMap<Period, accounting_period::Model> = if tasks.is_empty() {
        HashMap::new()
    } else {
        accounting_period::Entity::find()
            .filter(accounting_period::Column::HospitalId.eq(hospital_id))
            .filter(
                accounting_period::Column::Period.is_in(tasks.iter().map(|t| t.period.to_string())),
            )
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.period, r))
            .collect()
    };
    Ok(tasks
        .iter()
        .map(|t| match rows.get(&t.period) {
            None => Standing {
                status: PeriodStatus::Draft,
                this_run: false,
            },
            Some(r) => Standing {
                status: r.status,
                this_run: r.task_id == Some(t.id) && r.run_no == Some(t.run_no),
            },
        })
        .collect())
}

/// A transition asked for: the action, the task whose run is reviewed (REVIEW only), and the reason.
#[derive(Debug, Clone)]
pub struct Move {
    pub action: PeriodAction,
    pub task_id: Option<i64>,
    pub reason: Option<String>,
}

/// Moves a period by `step.action` (see the domain's transition function and who may take which).
#[tracing::instrument(skip_all, fields(period = %period, action = %step.action))]
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Actor,
    period: Period,
    step: Move,
) -> Result<PeriodView, AppError> {
    let reason = rules::reason(step.action, step.reason.as_deref())
        .map_err(|e| AppError::invalid("reason", e))?;
    if step.action != PeriodAction::Review && step.task_id.is_some() {
        return Err(AppError::invalid(
            "task_id",
            "names the run to review; only a review takes one",
        ));
    }
    let txn = begin_write(db).await?;
    // The lock before any other read: on MySQL the first plain read fixes what the transaction sees.
    hospital::Entity::find_by_id(actor.hospital_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let row = accounting_period::Entity::find()
        .filter(accounting_period::Column::HospitalId.eq(actor.hospital_id))
        .filter(accounting_period::Column::Period.eq(period))
        .one(&txn)
        .await?;
    let from = row.as_ref().map_or(PeriodStatus::Draft, |r| r.status);
    let to = rules::transition(from, step.action).map_err(|e| AppError::Conflict {
        code: ErrorCode::InvalidTransition,
        message: e.to_string(),
    })?;
    if !rules::may(actor.role, from, step.action) {
        return Err(AppError::Forbidden);
    }
    let (task_id, run_no) = match step.action {
        PeriodAction::Review => {
            let task = reviewable(&txn, actor, period, step.task_id).await?;
            (Some(task.id), Some(task.run_no))
        }
        PeriodAction::Publish | PeriodAction::Lock => (
            row.as_ref().and_then(|r| r.task_id),
            row.as_ref().and_then(|r| r.run_no),
        ),
        PeriodAction::Reopen => (None, None),
    };
    let now = Utc::now().trunc_subsecs(6);
    match row {
        Some(r) => {
            accounting_period::Entity::update_many()
                .col_expr(accounting_period::Column::Status, Expr::value(to))
                .col_expr(accounting_period::Column::TaskId, Expr::value(task_id))
                .col_expr(accounting_period::Column::RunNo, Expr::value(run_no))
                .col_expr(
                    accounting_period::Column::UpdatedBy,
                    Expr::value(actor.user_id),
                )
                .col_expr(accounting_period::Column::UpdatedAt, Expr::value(now))
                .filter(accounting_period::Column::Id.eq(r.id))
                .exec(&txn)
                .await?;
        }
        None => {
            accounting_period::ActiveModel {
                hospital_id: Set(actor.hospital_id),
                period: Set(period),
                status: Set(to),
                task_id: Set(task_id),
                run_no: Set(run_no),
                updated_by: Set(actor.user_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    accounting_period_event::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        period: Set(period),
        action: Set(step.action),
        from_status: Set(from),
        to_status: Set(to),
        task_id: Set(task_id),
        run_no: Set(run_no),
        reason: Set(reason.clone()),
        user_id: Set(actor.user_id),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::commit(
        txn,
        actor
            .audit(
                audit_action(step.action),
                "accounting_period",
                period.to_string(),
            )
            .with_detail(json!({
                "from": from, "to": to, "task_id": task_id, "run_no": run_no, "reason": reason,
            })),
    )
    .await?;
    get(db, actor, period).await
}

/// The audit log's name of a period's transition.
pub fn audit_action(action: PeriodAction) -> &'static str {
    match action {
        PeriodAction::Review => "ACCOUNTING_PERIOD_REVIEW",
        PeriodAction::Publish => "ACCOUNTING_PERIOD_PUBLISH",
        PeriodAction::Lock => "ACCOUNTING_PERIOD_LOCK",
        PeriodAction::Reopen => "ACCOUNTING_PERIOD_REOPEN",
    }
}

/// The task a review names: of this hospital and period, with a finished run, while no calculation of the
/// period is queued or running (its run would replace what is reviewed); and the period must be over.
async fn reviewable(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    period: Period,
    task_id: Option<i64>,
) -> Result<calculation_task::Model, AppError> {
    let task_id = task_id.ok_or_else(|| AppError::invalid("task_id", "names the run to review"))?;
    let task = match find_owned::<calculation_task::Entity>(conn, actor, task_id).await {
        Ok(t) => t,
        Err(AppError::NotFound(_)) => {
            return Err(AppError::invalid("task_id", "no such calculation task"));
        }
        Err(e) => return Err(e),
    };
    if task.period != period {
        return Err(AppError::invalid(
            "task_id",
            format!("is a calculation of {}, not of {period}", task.period),
        ));
    }
    if period >= Period::of(actor.local_now().date()) {
        return Err(AppError::invalid(
            "period",
            "has not ended yet: a period is reviewed once it is over",
        ));
    }
    if task.run_no == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::TaskNotReady,
            message: format!(
                "the task is {} and has no finished run to review",
                task.status
            ),
        });
    }
    let busy = calculation_task::Entity::find()
        .filter(calculation_task::Column::HospitalId.eq(actor.hospital_id))
        .filter(calculation_task::Column::Period.eq(period))
        .filter(calculation_task::Column::Status.is_in([TaskStatus::Pending, TaskStatus::Running]))
        .count(conn)
        .await?;
    if busy > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::PeriodBusy,
            message: format!(
                "{busy} calculation(s) of {period} are queued or running: review the period once they have finished"
            ),
        });
    }
    Ok(task)
}
