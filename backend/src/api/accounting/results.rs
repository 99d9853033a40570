//! A calculation task's results (ANALYST, ADMIN): the department × dimension matrix, the value summary and the
//! orientation adjustments (JSON or Excel), and the drill-down from a cell to its charge lines.
use super::calculation_tasks::{CalculationTask, view};
use crate::api::{
    AppState, PageParams, XlsxFile,
    extract::{Analytics, Auth, Query},
    problem::Problem,
};
use crate::{
    domain::{accounting::dimension::BusinessType, foundation::money::Amount},
    entities::{accounting::calculation_result, foundation::department},
    error::{AppError, FieldErrors},
    services::accounting::{
        drill_down::{self, DrillRequest, Sort},
        results::{self, AdjustmentRow, MatrixNode},
    },
};
use actix_web::{HttpResponse, get, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(
    results_matrix,
    results_xlsx,
    value_summary,
    value_summary_xlsx,
    orientation_adjustments,
    orientation_adjustments_xlsx,
    drill
);

fn business_type(stored: &str) -> Option<String> {
    (!stored.is_empty()).then(|| stored.to_owned())
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
    #[schema(value_type = crate::domain::accounting::dimension::Series)]
    pub series: crate::domain::accounting::dimension::Series,
    #[schema(value_type = crate::domain::accounting::dimension::NodeKind)]
    pub kind: crate::domain::accounting::dimension::NodeKind,
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
            amount: c.amount.to_decimal(),
            quantity: c.quantity.map(Amount::to_decimal),
            weight: c.weight.map(Amount::to_decimal),
            value: c.value.map(Amount::to_decimal),
            ratio: c.ratio.map(Amount::to_decimal),
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
        task: view(&state.db, &user, m.task).await?,
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
        task: view(&state.db, &user, task).await?,
        rows: rows
            .into_iter()
            .map(|r| ValueSummaryRow {
                department: r.department.into(),
                doctor_value: r.row.doctor_value.to_decimal(),
                nursing_value: r.row.nursing_value.to_decimal(),
                tech_value: r.row.tech_value.to_decimal(),
                cost_value: r.row.cost_value.to_decimal(),
                net_value: r.row.net_value.to_decimal(),
                share: r.row.share.map(Amount::to_decimal),
                rank: r.row.value_rank,
                mom_change: r.row.mom_change.map(Amount::to_decimal),
                yoy_change: r.row.yoy_change.map(Amount::to_decimal),
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
    /// The benchmark the department was measured against: the rule's fixed one, or the one its method computed.
    #[schema(value_type = Option<String>)]
    pub benchmark: Option<Decimal>,
    /// The rule's method (FIXED for runs from before methods were recorded).
    #[schema(value_type = Option<crate::domain::accounting::benchmark::BenchmarkMethod>)]
    pub benchmark_method: Option<crate::domain::accounting::benchmark::BenchmarkMethod>,
    /// How many actuals a computed benchmark came from; 0 when the method had none and the fixed value held.
    pub benchmark_basis: Option<i32>,
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

impl From<AdjustmentRow> for OrientationAdjustment {
    fn from(r: AdjustmentRow) -> Self {
        Self {
            department: r.department.into(),
            node_id: r.node.id,
            node_code: r.node.code,
            node_name: r.node.name,
            rule_id: r.row.rule_id,
            rule_name: r.rule_name,
            actual_value: r.row.actual_value.map(Amount::to_decimal),
            benchmark: r.row.benchmark.map(Amount::to_decimal),
            benchmark_method: r.row.benchmark_method,
            benchmark_basis: r.row.benchmark_basis,
            ratio: r.row.ratio.map(Amount::to_decimal),
            intensity: r.row.intensity.map(Amount::to_decimal),
            original_weight: r.row.original_weight.to_decimal(),
            adjusted_weight: r.row.adjusted_weight.to_decimal(),
            skip_reason: r.row.skip_reason,
        }
    }
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
        task: view(&state.db, &user, task).await?,
        rows: rows.into_iter().map(OrientationAdjustment::from).collect(),
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
                amount: i.amount.to_decimal(),
                quantity: i.quantity.to_decimal(),
            })
            .collect(),
        totals: DrillTotals {
            items: found.total,
            amount: found.total_amount.to_decimal(),
            quantity: found.total_quantity.to_decimal(),
        },
        total: found.total,
        page: found.page.page,
        page_size: found.page.page_size,
    }))
}
