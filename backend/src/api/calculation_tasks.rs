//! `/calculation-workflows` and `/calculation-tasks` (ANALYST, ADMIN): queue and follow calculations, read their
//! results, value summary and orientation adjustments (JSON or Excel), and drill into a cell.
use super::{
    AppState, PageOf, PageParams,
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
    statistics::XlsxFile,
};
use crate::{
    domain::{calculation::TaskStatus, dimension::BusinessType, money::Amount, period::Period},
    entities::{calculation_result, calculation_task, department},
    error::{AppError, FieldErrors},
    services::accounting::{
        drill_down::{self, DrillRequest, Sort},
        results::{self, MatrixNode},
        tasks::{self as service, NewTask, TaskFilter},
        workflows,
    },
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_workflows)
        .service(list)
        .service(create)
        .service(read)
        .service(run)
        .service(results_matrix)
        .service(results_xlsx)
        .service(value_summary)
        .service(value_summary_xlsx)
        .service(orientation_adjustments)
        .service(orientation_adjustments_xlsx)
        .service(drill);
}

/// Ten-thousandths as a decimal with four places (money, quantities, weights, ratios).
fn dec(scaled: i64) -> Decimal {
    Amount::from_scaled(scaled).to_decimal()
}

fn opt(scaled: Option<i64>) -> Option<Decimal> {
    scaled.map(dec)
}

fn business_type(stored: &str) -> Option<String> {
    (!stored.is_empty()).then(|| stored.to_owned())
}

#[derive(Serialize, ToSchema)]
pub struct WorkflowStep {
    pub step_order: i32,
    #[schema(value_type = crate::domain::calculation::StepKind)]
    pub kind: String,
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
    pub status: String,
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
}

impl From<calculation_task::Model> for CalculationTask {
    fn from(t: calculation_task::Model) -> Self {
        Self {
            id: t.id,
            period: t.period,
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
        }
    }
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
    Ok(web::Json(PageOf::from_page(found, CalculationTask::from)))
}

/// The task is queued and runs in the background; poll `GET /calculation-tasks/{id}` for its status,
/// progress and log.
#[utoipa::path(tag = "calculation-tasks", summary = "Create and queue a calculation", request_body = TaskRequest,
    responses((status = 202, body = CalculationTask)), security(("bearer" = [])))]
#[post("/calculation-tasks")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    body: Json<TaskRequest>,
) -> Result<HttpResponse, AppError> {
    let task = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Accepted().json(CalculationTask::from(task)))
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
    Ok(web::Json(
        service::get(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

/// Queues a finished (SUCCEEDED or FAILED) task again. The new run replaces the visible results only when it
/// succeeds; until then, and if it fails, the previous results stay readable.
#[utoipa::path(tag = "calculation-tasks", summary = "Run a task again",
    responses((status = 202, body = CalculationTask),
    (status = 409, description = "Already queued or running (`INVALID_TRANSITION`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/calculation-tasks/{id}/run")]
async fn run(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let task = service::queue_again(&state.db, &user, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(CalculationTask::from(task)))
}

#[derive(Serialize, ToSchema)]
pub struct MatrixDepartment {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl From<department::Model> for MatrixDepartment {
    fn from(d: department::Model) -> Self {
        Self {
            id: d.id,
            code: d.code,
            name: d.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MatrixNodeView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    #[schema(value_type = crate::domain::dimension::Series)]
    pub series: String,
    #[schema(value_type = crate::domain::dimension::NodeKind)]
    pub kind: String,
    /// 0 for a root.
    pub depth: usize,
    pub is_leaf: bool,
    /// CHARGE nodes can be drilled into; WORKLOAD and COST nodes cannot.
    pub drillable: bool,
    /// Whether the node's cells are also broken down by business type.
    pub splits_business_type: bool,
}

impl From<MatrixNode> for MatrixNodeView {
    fn from(n: MatrixNode) -> Self {
        Self {
            drillable: n.drillable,
            id: n.node.id,
            parent_id: n.node.parent_id,
            code: n.node.code,
            name: n.node.name,
            series: n.node.series,
            kind: n.node.kind,
            depth: n.depth,
            is_leaf: n.is_leaf,
            splits_business_type: n.node.splits_business_type,
        }
    }
}

/// One cell: a department's figures for a node (its total when `business_type` is null, else that
/// business type's share of a leaf that keeps it).
#[derive(Serialize, ToSchema)]
pub struct ResultCell {
    pub department_id: i64,
    pub node_id: i64,
    #[schema(value_type = Option<BusinessType>)]
    pub business_type: Option<String>,
    #[schema(value_type = String, example = "1234.5000")]
    pub amount: Decimal,
    /// Null for cost leaves and for parents whose leaves mix kinds.
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    /// The leaf's weight after orientation (null for parents).
    #[schema(value_type = Option<String>)]
    pub weight: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    /// The node's value ÷ the sum of its siblings' values (1 for a root).
    #[schema(value_type = Option<String>)]
    pub ratio: Option<Decimal>,
}

impl From<calculation_result::Model> for ResultCell {
    fn from(c: calculation_result::Model) -> Self {
        Self {
            department_id: c.department_id,
            node_id: c.node_id,
            business_type: business_type(&c.business_type),
            amount: dec(c.amount),
            quantity: opt(c.quantity),
            weight: opt(c.weight),
            value: opt(c.value),
            ratio: opt(c.ratio),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResultsMatrix {
    pub task: CalculationTask,
    /// Departments with at least one cell, by code.
    pub departments: Vec<MatrixDepartment>,
    /// The model version's tree in display order (each parent before its children).
    pub nodes: Vec<MatrixNodeView>,
    pub cells: Vec<ResultCell>,
}

#[utoipa::path(tag = "calculation-tasks", summary = "The results matrix: departments × the dimension tree",
    responses((status = 200, body = ResultsMatrix)), security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/results")]
async fn results_matrix(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<ResultsMatrix>, AppError> {
    let m = results::matrix(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(ResultsMatrix {
        task: m.task.into(),
        departments: m.departments.into_iter().map(Into::into).collect(),
        nodes: m.nodes.into_iter().map(Into::into).collect(),
        cells: m.cells.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(tag = "calculation-tasks", summary = "The results as Excel",
    responses((status = 200, description = "The workbook, named `calculation-<id>-results.xlsx`", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/results.xlsx")]
async fn results_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let m = results::matrix(&state.db, &user, id.into_inner()).await?;
    let name = format!("calculation-{}-results.xlsx", m.task.id);
    Ok(XlsxFile(results::matrix_xlsx(&m)?).attachment(&name))
}

#[derive(Serialize, ToSchema)]
pub struct ValueSummaryRow {
    pub department: MatrixDepartment,
    #[schema(value_type = String)]
    pub doctor_value: Decimal,
    #[schema(value_type = String)]
    pub nursing_value: Decimal,
    #[schema(value_type = String)]
    pub tech_value: Decimal,
    /// Negative: cost deducts.
    #[schema(value_type = String)]
    pub cost_value: Decimal,
    #[schema(value_type = String)]
    pub net_value: Decimal,
    /// Net value ÷ |the hospital's net value|: its sign and order follow the department's own net value, even
    /// when the hospital's total is negative; null when the total is 0.
    #[schema(value_type = Option<String>)]
    pub share: Option<Decimal>,
    /// 1 = highest net value; ties share a place.
    pub rank: Option<i32>,
    /// (net − previous period's net) ÷ |previous|; null without a succeeded task of the previous period.
    #[schema(value_type = Option<String>)]
    pub mom_change: Option<Decimal>,
    /// Against the same period last year.
    #[schema(value_type = Option<String>)]
    pub yoy_change: Option<Decimal>,
}

#[derive(Serialize, ToSchema)]
pub struct ValueSummary {
    pub task: CalculationTask,
    pub rows: Vec<ValueSummaryRow>,
}

#[utoipa::path(tag = "calculation-tasks", summary = "The value summary by department, ranked",
    responses((status = 200, body = ValueSummary)), security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/value-summary")]
async fn value_summary(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<ValueSummary>, AppError> {
    let (task, rows) = results::summary(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(ValueSummary {
        task: task.into(),
        rows: rows
            .into_iter()
            .map(|r| ValueSummaryRow {
                department: r.department.into(),
                doctor_value: dec(r.row.doctor_value),
                nursing_value: dec(r.row.nursing_value),
                tech_value: dec(r.row.tech_value),
                cost_value: dec(r.row.cost_value),
                net_value: dec(r.row.net_value),
                share: opt(r.row.share),
                rank: r.row.value_rank,
                mom_change: opt(r.row.mom_change),
                yoy_change: opt(r.row.yoy_change),
            })
            .collect(),
    }))
}

#[utoipa::path(tag = "calculation-tasks", summary = "The value summary as Excel",
    responses((status = 200, description = "The workbook, named `calculation-<id>-value-summary.xlsx`", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/value-summary.xlsx")]
async fn value_summary_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (task, rows) = results::summary(&state.db, &user, id.into_inner()).await?;
    let name = format!("calculation-{}-value-summary.xlsx", task.id);
    Ok(XlsxFile(results::summary_xlsx(&rows)?).attachment(&name))
}

#[derive(Serialize, ToSchema)]
pub struct OrientationAdjustment {
    pub department: MatrixDepartment,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub rule_id: Option<i64>,
    pub rule_name: Option<String>,
    #[schema(value_type = Option<String>)]
    pub actual_value: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub benchmark: Option<Decimal>,
    /// actual ÷ benchmark, rounded to four places before the band was chosen.
    #[schema(value_type = Option<String>)]
    pub ratio: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub intensity: Option<Decimal>,
    #[schema(value_type = String)]
    pub original_weight: Decimal,
    #[schema(value_type = String)]
    pub adjusted_weight: Decimal,
    /// `NO_ACTUAL_VALUE` or `NO_MATCHING_BAND` when the rule changed nothing.
    pub skip_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrientationAdjustments {
    pub task: CalculationTask,
    pub rows: Vec<OrientationAdjustment>,
}

#[utoipa::path(tag = "calculation-tasks", summary = "Every orientation adjustment of the run, or why it was skipped",
    responses((status = 200, body = OrientationAdjustments)), security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/orientation-adjustments")]
async fn orientation_adjustments(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<OrientationAdjustments>, AppError> {
    let (task, rows) = results::adjustments(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(OrientationAdjustments {
        task: task.into(),
        rows: rows
            .into_iter()
            .map(|r| OrientationAdjustment {
                department: r.department.into(),
                node_id: r.node.id,
                node_code: r.node.code,
                node_name: r.node.name,
                rule_id: r.row.rule_id,
                rule_name: r.rule_name,
                actual_value: opt(r.row.actual_value),
                benchmark: opt(r.row.benchmark),
                ratio: opt(r.row.ratio),
                intensity: opt(r.row.intensity),
                original_weight: dec(r.row.original_weight),
                adjusted_weight: dec(r.row.adjusted_weight),
                skip_reason: r.row.skip_reason,
            })
            .collect(),
    }))
}

#[utoipa::path(tag = "calculation-tasks", summary = "The orientation adjustments as Excel",
    responses((status = 200, description = "The workbook, named `calculation-<id>-orientation.xlsx`", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/orientation-adjustments.xlsx")]
async fn orientation_adjustments_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (task, rows) = results::adjustments(&state.db, &user, id.into_inner()).await?;
    let name = format!("calculation-{}-orientation.xlsx", task.id);
    Ok(XlsxFile(results::adjustments_xlsx(&rows)?).attachment(&name))
}

/// Read as text and parsed after authorization, like every query here.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DrillQuery {
    /// A department id, or `all` for the whole hospital.
    #[param(value_type = String, example = "all")]
    pub department_id: Option<String>,
    /// The node of the cell; a parent drills into the charge leaves under it.
    #[param(value_type = i64)]
    pub node_id: Option<String>,
    /// Only this business type (for nodes that keep it).
    #[param(inline, value_type = Option<BusinessType>)]
    pub business_type: Option<String>,
    /// `amount` (default `-amount`), `quantity`, `item_code` or `item_name`; prefix `-` for descending.
    pub sort: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DrillItem {
    pub item_code: String,
    pub item_name: Option<String>,
    pub item_category: Option<String>,
    #[schema(value_type = Option<BusinessType>)]
    pub business_type: Option<String>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct DrillTotals {
    /// Items over all pages.
    pub items: u64,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct DrillDown {
    /// `calculation_details` when the run made them, else `charge_details`.
    #[schema(example = "calculation_details")]
    pub source: String,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub items: Vec<DrillItem>,
    pub totals: DrillTotals,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[utoipa::path(tag = "calculation-tasks", summary = "Drill into a results cell: the charge items behind it",
    params(PageParams, DrillQuery),
    responses((status = 200, body = DrillDown),
    (status = 409, description = "The task has no finished run yet (`TASK_NOT_READY`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A WORKLOAD or COST node (`NODE_NOT_DRILLABLE`), or invalid parameters (`VALIDATION_FAILED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/drill-down")]
async fn drill(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    page: Query<PageParams>,
    query: Query<DrillQuery>,
) -> Result<web::Json<DrillDown>, AppError> {
    let Query(q) = query;
    let page = page.0.try_into()?;
    let mut errors = FieldErrors::new();
    let department_id = match q.department_id.as_deref().map(str::trim) {
        None | Some("") => errors
            .check::<Option<i64>, _>("department_id", Err("is required: a department id or all")),
        Some("all") => Some(None),
        Some(id) => errors
            .check(
                "department_id",
                id.parse::<i64>()
                    .map_err(|_| "must be a department id or all"),
            )
            .map(Some),
    };
    let node_id = match q.node_id.as_deref().map(str::trim) {
        None | Some("") => errors.check::<i64, _>("node_id", Err("is required")),
        Some(n) => errors.check(
            "node_id",
            n.parse::<i64>().map_err(|_| "must be an integer"),
        ),
    };
    let business_type = q
        .business_type
        .as_deref()
        .filter(|b| !b.is_empty())
        .and_then(|b| errors.check("business_type", b.parse::<BusinessType>()));
    let sort = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => errors.check("sort", s.parse::<Sort>()),
        None => Some(Sort::default()),
    };
    let request = errors.finish(|| {
        Some(DrillRequest {
            task_id: id.into_inner(),
            department_id: department_id?,
            node_id: node_id?,
            business_type,
            sort: sort?,
            page,
        })
    })?;
    let found = drill_down::drill(&state.db, &user, request).await?;
    Ok(web::Json(DrillDown {
        source: found.source.as_str().to_owned(),
        node_id: found.node.id,
        node_code: found.node.code,
        node_name: found.node.name,
        items: found
            .items
            .into_iter()
            .map(|i| DrillItem {
                item_code: i.item_code,
                item_name: i.item_name,
                item_category: i.item_category,
                business_type: i.business_type,
                amount: dec(i.amount),
                quantity: dec(i.quantity),
            })
            .collect(),
        totals: DrillTotals {
            items: found.total,
            amount: dec(found.total_amount),
            quantity: dec(found.total_quantity),
        },
        total: found.total,
        page: found.page.page,
        page_size: found.page.page_size,
    }))
}
