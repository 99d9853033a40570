//! `/calculation-workflows` and `/calculation-tasks` (ANALYST, ADMIN): queue, follow and run calculations again.
//! Their results are read through `results`.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        accounting::{
            calculation::{TaskOrigin, TaskStatus},
            period_close::PeriodStatus,
        },
        foundation::period::Period,
    },
    entities::accounting::calculation_task,
    error::{AppError, FieldErrors},
    services::{
        Actor,
        accounting::{
            calculation_tasks::{self as service, NewTask, TaskFilter},
            periods::{self, Standing},
            workflows,
        },
    },
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list_workflows, list, create, read, run);

#[derive(Serialize, ToSchema)]
pub struct WorkflowStep {
    pub step_order: i32,
    #[schema(value_type = crate::domain::accounting::calculation::StepKind)]
    pub kind: crate::domain::accounting::calculation::StepKind,
    #[schema(example = "生成核算明细")]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Workflow {
    pub id: i64,
    #[schema(example = "标准核算流程")]
    pub name: String,
    pub description: Option<String>,
    pub is_default: bool,
    pub steps: Vec<WorkflowStep>,
}

impl From<workflows::Workflow> for Workflow {
    fn from(w: workflows::Workflow) -> Self {
        Self {
            id: w.workflow.id,
            name: w.workflow.name,
            description: w.workflow.description,
            is_default: w.workflow.is_default,
            steps: w
                .steps
                .into_iter()
                .map(|s| WorkflowStep {
                    step_order: s.step_order,
                    kind: s.kind,
                    name: s.name,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CalculationTask {
    pub id: i64,
    #[schema(example = "2026-10")]
    pub period: String,
    pub model_version_id: i64,
    pub workflow_id: i64,
    #[schema(value_type = TaskStatus)]
    pub status: TaskStatus,
    /// 0–100.
    pub progress: i32,
    /// One line per event of the last run: each step's start, its counts (PREPARE lists unmatched departments
    /// and unmapped items) and its duration.
    pub log: Option<String>,
    /// Why the last run failed.
    pub error: Option<String>,
    /// Whether the visible run made calculation_details (drill-downs then read them; otherwise charge_details).
    pub has_details: bool,
    /// The visible run (0: none has finished yet).
    pub run_no: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// MANUAL, BATCH (`batch_id` names it) or AUTO (queued by an import, `/auto-calculation`).
    #[schema(value_type = TaskOrigin)]
    pub origin: TaskOrigin,
    pub batch_id: Option<i64>,
    /// Where the task's period stands (`/accounting-periods`): only a DRAFT period takes new runs.
    #[schema(value_type = PeriodStatus)]
    pub period_status: PeriodStatus,
    /// Whether the period's review, and past REVIEWED its publication, is of this task's visible run.
    pub period_run: bool,
}

impl From<(calculation_task::Model, Standing)> for CalculationTask {
    fn from((t, standing): (calculation_task::Model, Standing)) -> Self {
        Self {
            id: t.id,
            period: t.period.to_string(),
            model_version_id: t.model_version_id,
            workflow_id: t.workflow_id,
            status: t.status,
            progress: t.progress,
            log: t.log,
            error: t.error,
            has_details: t.has_details,
            run_no: t.run_no,
            created_at: t.created_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            origin: t.origin,
            batch_id: t.batch_id,
            period_status: standing.status,
            period_run: standing.this_run,
        }
    }
}

/// The tasks as answered, each with where it stands with its period (one read for all).
pub(crate) async fn views(
    db: &DatabaseConnection,
    actor: &Actor,
    tasks: Vec<calculation_task::Model>,
) -> Result<Vec<CalculationTask>, AppError> {
    let standings =
        periods::standings(db, actor.hospital_id, &tasks.iter().collect::<Vec<_>>()).await?;
    Ok(tasks.into_iter().zip(standings).map(Into::into).collect())
}

/// One task as answered (see [`views`]).
pub(crate) async fn view(
    db: &DatabaseConnection,
    actor: &Actor,
    task: calculation_task::Model,
) -> Result<CalculationTask, AppError> {
    let mut one = views(db, actor, vec![task]).await?;
    Ok(one.remove(0))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    #[schema(example = "2026-10")]
    pub period: String,
    /// Default: the active model version.
    pub model_version_id: Option<i64>,
    /// Default: the default workflow (all five steps).
    pub workflow_id: Option<i64>,
}

impl TryFrom<TaskRequest> for NewTask {
    type Error = AppError;
    fn try_from(r: TaskRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let period = errors.check("period", r.period.trim().parse::<Period>());
        errors.finish(|| {
            Some(Self {
                period: period?,
                model_version_id: r.model_version_id,
                workflow_id: r.workflow_id,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    #[param(example = "2026-10")]
    pub period: Option<String>,
    #[param(inline, value_type = Option<TaskStatus>)]
    pub status: Option<String>,
}

impl TryFrom<TaskQuery> for TaskFilter {
    type Error = AppError;
    fn try_from(q: TaskQuery) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let period = q
            .period
            .as_deref()
            .filter(|p| !p.is_empty())
            .and_then(|p| errors.check("period", p.parse::<Period>()));
        let status = q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| errors.check("status", s.parse::<TaskStatus>()));
        errors.finish(|| Some(Self { period, status }))
    }
}

#[utoipa::path(tag = "calculation-workflows", summary = "List calculation workflows and their steps",
    responses((status = 200, body = Vec<Workflow>)), security(("bearer" = [])))]
#[get("/calculation-workflows")]
async fn list_workflows(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
) -> Result<web::Json<Vec<Workflow>>, AppError> {
    let found = workflows::list(&state.db, &user).await?;
    Ok(web::Json(found.into_iter().map(Workflow::from).collect()))
}

#[utoipa::path(tag = "calculation-tasks", summary = "List calculation tasks, newest first",
    params(PageParams, TaskQuery), responses((status = 200, body = PageOf<CalculationTask>)), security(("bearer" = [])))]
#[get("/calculation-tasks")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<TaskQuery>,
) -> Result<web::Json<PageOf<CalculationTask>>, AppError> {
    let found = service::list(&state.db, &user, query.0.try_into()?, page.0.try_into()?).await?;
    let items = views(&state.db, &user, found.items).await?;
    Ok(web::Json(PageOf {
        items,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    }))
}

/// The task is queued and runs in the background; poll `GET /calculation-tasks/{id}` for its status,
/// progress and log.
#[utoipa::path(tag = "calculation-tasks", summary = "Create and queue a calculation", request_body = TaskRequest,
    responses((status = 202, body = CalculationTask),
    (status = 409, description = "The period is reviewed, published or locked (`PERIOD_CLOSED`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/calculation-tasks")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    body: Json<TaskRequest>,
) -> Result<HttpResponse, AppError> {
    let task = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Accepted().json(view(&state.db, &user, task).await?))
}

#[utoipa::path(tag = "calculation-tasks", summary = "Get a calculation task (status, progress, log)",
    responses((status = 200, body = CalculationTask),
    (status = 404, description = "No such task in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<CalculationTask>, AppError> {
    let task = service::get(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(view(&state.db, &user, task).await?))
}

/// Queues a finished (SUCCEEDED or FAILED) task again. The new run replaces the visible results only when it
/// succeeds; until then, and if it fails, the previous results stay readable.
#[utoipa::path(tag = "calculation-tasks", summary = "Run a task again",
    responses((status = 202, body = CalculationTask),
    (status = 409, description = "Already queued or running (`INVALID_TRANSITION`), or the period is reviewed, \
        published or locked (`PERIOD_CLOSED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/calculation-tasks/{id}/run")]
async fn run(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let task = service::queue_again(&state.db, &user, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(view(&state.db, &user, task).await?))
}
