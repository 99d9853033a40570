//! `/accounting-periods` (ANALYST, ADMIN): where each period stands — DRAFT, REVIEWED, PUBLISHED, LOCKED — which
//! run was reviewed and published, and the transitions with who made them and why.
use crate::api::{
    AppState,
    extract::{AdminOnly, Analytics, Auth, Json},
    problem::Problem,
};
use crate::{
    domain::{
        accounting::period_close::{PeriodAction, PeriodStatus},
        foundation::period::Period,
    },
    entities::accounting::{accounting_period, accounting_period_event},
    error::AppError,
    services::{
        Actor,
        accounting::periods::{self as service, Move, PeriodView},
    },
};
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(list, read, review, publish, lock, reopen);

#[derive(Serialize, ToSchema)]
pub struct PeriodEvent {
    #[schema(value_type = PeriodAction)]
    pub action: PeriodAction,
    #[schema(value_type = PeriodStatus)]
    pub from_status: PeriodStatus,
    #[schema(value_type = PeriodStatus)]
    pub to_status: PeriodStatus,
    /// The run the period stood on after the transition (none once reopened).
    pub task_id: Option<i64>,
    pub run_no: Option<i32>,
    #[schema(example = "成本数据更正后重算")]
    pub reason: Option<String>,
    /// Who made the transition: the account's id and display name.
    pub user_id: i64,
    #[schema(example = "王会计")]
    pub user_name: String,
    pub at: DateTime<Utc>,
}

impl From<(accounting_period_event::Model, String)> for PeriodEvent {
    fn from((e, user_name): (accounting_period_event::Model, String)) -> Self {
        Self {
            action: e.action,
            from_status: e.from_status,
            to_status: e.to_status,
            task_id: e.task_id,
            run_no: e.run_no,
            reason: e.reason,
            user_id: e.user_id,
            user_name,
            at: e.at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountingPeriod {
    #[schema(example = "2026-10")]
    pub period: String,
    #[schema(value_type = PeriodStatus)]
    pub status: PeriodStatus,
    /// The task whose run was reviewed and, past REVIEWED, published; none in DRAFT.
    pub task_id: Option<i64>,
    /// That task's run as reviewed.
    pub run_no: Option<i32>,
    /// Every transition, oldest first (only in `GET /accounting-periods/{period}` and the transitions' answers).
    pub events: Vec<PeriodEvent>,
}

impl From<PeriodView> for AccountingPeriod {
    fn from(v: PeriodView) -> Self {
        Self {
            period: v.period.to_string(),
            status: v.status,
            task_id: v.task_id,
            run_no: v.run_no,
            events: v.events.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<accounting_period::Model> for AccountingPeriod {
    fn from(r: accounting_period::Model) -> Self {
        Self {
            period: r.period.to_string(),
            status: r.status,
            task_id: r.task_id,
            run_no: r.run_no,
            events: Vec::new(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// The task whose visible run is reviewed: a calculation of this period with a finished run.
    pub task_id: i64,
    /// A note kept with the review (at most 500 characters).
    #[schema(example = "与财务科核对一致")]
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// Why: required to reopen, optional otherwise (at most 500 characters).
    #[schema(example = "成本数据更正后重算")]
    pub reason: Option<String>,
}

fn period_of(path: &str) -> Result<Period, AppError> {
    path.parse::<Period>()
        .map_err(|e| AppError::invalid("period", e.to_string()))
}

async fn step(
    state: &AppState,
    user: &Actor,
    period: &str,
    action: PeriodAction,
    task_id: Option<i64>,
    reason: Option<String>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let period = period_of(period)?;
    let moved = service::transition(
        &state.db,
        user,
        period,
        Move {
            action,
            task_id,
            reason,
        },
    )
    .await?;
    Ok(web::Json(moved.into()))
}

#[utoipa::path(tag = "accounting-periods", summary = "List the periods that were ever reviewed, newest first",
    description = "A period missing here is DRAFT: it takes calculations and inputs.",
    responses((status = 200, body = Vec<AccountingPeriod>)), security(("bearer" = [])))]
#[get("/accounting-periods")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
) -> Result<web::Json<Vec<AccountingPeriod>>, AppError> {
    let rows = service::list(&state.db, &user).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[utoipa::path(tag = "accounting-periods", summary = "Get a period: its status, its reviewed run and its transitions",
    params(("period" = String, Path, example = "2026-10")),
    responses((status = 200, body = AccountingPeriod)), security(("bearer" = [])))]
#[get("/accounting-periods/{period}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    period: web::Path<String>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let view = service::get(&state.db, &user, period_of(&period)?).await?;
    Ok(web::Json(view.into()))
}

/// DRAFT → REVIEWED (ANALYST, ADMIN). From then on the period takes no calculation and no input (`PERIOD_CLOSED`)
/// until it is reopened. The period must be over, and no calculation of it queued or running.
#[utoipa::path(tag = "accounting-periods", summary = "Review a period on one task's run",
    params(("period" = String, Path, example = "2026-10")), request_body = ReviewRequest,
    responses((status = 200, body = AccountingPeriod),
    (status = 409, description = "Not DRAFT (`INVALID_TRANSITION`), the task has no finished run (`TASK_NOT_READY`), \
        or a calculation of the period is queued or running (`PERIOD_BUSY`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/accounting-periods/{period}/review")]
async fn review(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    period: web::Path<String>,
    body: Json<ReviewRequest>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let body = body.0;
    step(
        &state,
        &user,
        &period,
        PeriodAction::Review,
        Some(body.task_id),
        body.reason,
    )
    .await
}

/// REVIEWED → PUBLISHED (ADMIN): the reviewed run is what the departments are told.
#[utoipa::path(tag = "accounting-periods", summary = "Publish a reviewed period",
    params(("period" = String, Path, example = "2026-10")), request_body = TransitionRequest,
    responses((status = 200, body = AccountingPeriod),
    (status = 409, description = "Not REVIEWED (`INVALID_TRANSITION`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/accounting-periods/{period}/publish")]
async fn publish(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    period: web::Path<String>,
    body: Json<TransitionRequest>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let reason = body.0.reason;
    step(&state, &user, &period, PeriodAction::Publish, None, reason).await
}

/// PUBLISHED → LOCKED (ADMIN): closed for good, short of an administrator reopening it.
#[utoipa::path(tag = "accounting-periods", summary = "Lock a published period",
    params(("period" = String, Path, example = "2026-10")), request_body = TransitionRequest,
    responses((status = 200, body = AccountingPeriod),
    (status = 409, description = "Not PUBLISHED (`INVALID_TRANSITION`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/accounting-periods/{period}/lock")]
async fn lock(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    period: web::Path<String>,
    body: Json<TransitionRequest>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let reason = body.0.reason;
    step(&state, &user, &period, PeriodAction::Lock, None, reason).await
}

/// Back to DRAFT, with a reason: an analyst takes back a review; a published or locked period is reopened by an
/// administrator. The period takes calculations and inputs again; nothing is published until it is reviewed and
/// published anew.
#[utoipa::path(tag = "accounting-periods", summary = "Reopen a period (with a reason)",
    params(("period" = String, Path, example = "2026-10")), request_body = TransitionRequest,
    responses((status = 200, body = AccountingPeriod),
    (status = 409, description = "Already DRAFT (`INVALID_TRANSITION`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/accounting-periods/{period}/reopen")]
async fn reopen(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    period: web::Path<String>,
    body: Json<TransitionRequest>,
) -> Result<web::Json<AccountingPeriod>, AppError> {
    let reason = body.0.reason;
    step(&state, &user, &period, PeriodAction::Reopen, None, reason).await
}
