//! `/calculation-batches` (ANALYST, ADMIN): a quarter or a year calculated in one request, month by month in
//! order, followed as one, and its value summaries exported as one workbook.
use super::calculation_tasks::{CalculationTask, views};
use crate::api::{
    AppState, PageOf, PageParams, XlsxFile,
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{accounting::calculation::TaskStatus, foundation::period::Period},
    error::{AppError, FieldErrors},
    services::accounting::batches::{self as service, BatchView, NewBatch},
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(list_batches, create_batch, read_batch, batch_summaries_xlsx);

#[derive(Serialize, ToSchema)]
pub struct CalculationBatch {
    pub id: i64,
    #[schema(example = "2026-01")]
    pub from: String,
    #[schema(example = "2026-03")]
    pub to: String,
    pub model_version_id: i64,
    pub workflow_id: i64,
    /// SUCCEEDED when every month did; FAILED when one failed and none is left to run; RUNNING while months run.
    #[schema(value_type = TaskStatus)]
    pub status: TaskStatus,
    /// The mean of the months' progress, 0–100.
    pub progress: i32,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    /// One task per month, in period order.
    pub tasks: Vec<CalculationTask>,
}

async fn answer(
    state: &AppState,
    user: &Auth<Analytics>,
    v: BatchView,
) -> Result<CalculationBatch, AppError> {
    let (status, progress) = (v.status(), v.progress());
    Ok(CalculationBatch {
        id: v.batch.id,
        from: v.batch.from_period.to_string(),
        to: v.batch.to_period.to_string(),
        model_version_id: v.batch.model_version_id,
        workflow_id: v.batch.workflow_id,
        status,
        progress,
        created_by: v.batch.created_by,
        created_at: v.batch.created_at,
        tasks: views(&state.db, user, v.tasks).await?,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// The first period, `YYYY-MM`.
    #[schema(example = "2026-01")]
    pub from: String,
    /// The last period (at most 24 periods in all).
    #[schema(example = "2026-03")]
    pub to: String,
    /// Default: the active model version.
    pub model_version_id: Option<i64>,
    /// Default: the default workflow.
    pub workflow_id: Option<i64>,
}

impl TryFrom<BatchRequest> for NewBatch {
    type Error = AppError;
    fn try_from(r: BatchRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let from = errors.check("from", r.from.trim().parse::<Period>());
        let to = errors.check("to", r.to.trim().parse::<Period>());
        errors.finish(|| {
            Some(Self {
                from: from?,
                to: to?,
                model_version_id: r.model_version_id,
                workflow_id: r.workflow_id,
            })
        })
    }
}

#[utoipa::path(tag = "calculation-tasks", summary = "List calculation batches, newest first",
    params(PageParams), responses((status = 200, body = PageOf<CalculationBatch>)), security(("bearer" = [])))]
#[get("/calculation-batches")]
async fn list_batches(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
) -> Result<web::Json<PageOf<CalculationBatch>>, AppError> {
    let found = service::list(&state.db, &user, page.0.try_into()?).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for v in found.items {
        items.push(answer(&state, &user, v).await?);
    }
    Ok(web::Json(PageOf {
        items,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    }))
}

/// One task per period from `from` to `to`, queued together and run in period order: a month waits while an
/// earlier month of the batch is queued or running (on any server), and fails at once when an earlier month
/// failed — run it again once that month has succeeded. Every period must be DRAFT (`PERIOD_CLOSED`).
#[utoipa::path(tag = "calculation-tasks", summary = "Queue a batch: a calculation of every period from one to another",
    request_body = BatchRequest,
    responses((status = 202, body = CalculationBatch),
    (status = 409, description = "A period of the batch is reviewed, published or locked (`PERIOD_CLOSED`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/calculation-batches")]
async fn create_batch(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    body: Json<BatchRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Accepted().json(answer(&state, &user, created).await?))
}

#[utoipa::path(tag = "calculation-tasks", summary = "Get a batch: its months' tasks, its status and progress",
    responses((status = 200, body = CalculationBatch),
    (status = 404, description = "No such batch in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/calculation-batches/{id}")]
async fn read_batch(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<CalculationBatch>, AppError> {
    let v = service::get(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(answer(&state, &user, v).await?))
}

#[utoipa::path(tag = "calculation-tasks", summary = "The batch's value summaries as one workbook",
    responses((status = 200, description = "The workbook, named `batch-<id>-value-summaries.xlsx`: a summary sheet \
        (each department's net value per month and its total), then a sheet per month with a finished run", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-batches/{id}/value-summaries.xlsx")]
async fn batch_summaries_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (batch, bytes) = service::summaries_xlsx(&state.db, &user, id.into_inner()).await?;
    Ok(XlsxFile(bytes).attachment(&format!("batch-{}-value-summaries.xlsx", batch.id)))
}
