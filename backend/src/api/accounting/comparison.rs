//! `/calculation-tasks/compare` (ANALYST, ADMIN): two tasks' visible runs side by side, with what differs between
//! the model versions they ran on. Registered before `/calculation-tasks/{id}`, whose pattern would take `compare`.
use super::calculation_tasks::{CalculationTask, views};
use crate::api::{
    AppState, XlsxFile,
    extract::{Analytics, Auth, Query},
    problem::Problem,
};
use crate::{
    domain::{accounting::comparison::Totals, foundation::money::Amount},
    error::AppError,
    services::accounting::comparison::{self as service, Comparison},
};
use actix_web::{HttpResponse, get, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(compare, compare_xlsx);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The task compared against (before).
    #[param(example = 41)]
    pub base: i64,
    /// The task compared (after).
    #[param(example = 42)]
    pub other: i64,
}

fn decimal(v: i64) -> Decimal {
    Amount::from_scaled(v).to_decimal()
}

#[derive(Serialize, ToSchema)]
pub struct ComparedTotals {
    #[schema(value_type = String, example = "1250000.0000")]
    pub base: Decimal,
    #[schema(value_type = String, example = "1312500.0000")]
    pub other: Decimal,
    /// other − base.
    #[schema(value_type = String, example = "62500.0000")]
    pub change: Decimal,
    /// change ÷ |base|, four places; null when base is 0.
    #[schema(value_type = Option<String>, example = "0.0500")]
    pub change_ratio: Option<Decimal>,
}

impl From<Totals> for ComparedTotals {
    fn from(t: Totals) -> Self {
        Self {
            base: decimal(t.base),
            other: decimal(t.other),
            change: decimal(t.change),
            change_ratio: t.ratio.map(decimal),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ComparedDepartment {
    #[schema(example = "INT")]
    pub code: String,
    #[schema(example = "内科")]
    pub name: String,
    /// The department's net value (the sum of its root nodes) in each run.
    #[serde(flatten)]
    pub totals: ComparedTotals,
}

#[derive(Serialize, ToSchema)]
pub struct ComparedCell {
    pub department_code: String,
    pub node_code: String,
    /// The node's value in the base run; null where that run has no such cell.
    #[schema(value_type = Option<String>)]
    pub base: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub other: Option<Decimal>,
    /// other − base (a missing cell counts as 0).
    #[schema(value_type = String)]
    pub change: Decimal,
    /// change ÷ |base|; null when base is 0 or missing.
    #[schema(value_type = Option<String>)]
    pub change_ratio: Option<Decimal>,
}

#[derive(Serialize, ToSchema)]
pub struct ComparedNode {
    pub code: String,
    pub name: String,
    /// 0 for a root.
    pub depth: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ModelDifference {
    /// `NODE`, `MAPPING` or `RULE`.
    #[schema(example = "NODE")]
    pub kind: &'static str,
    /// A node's code; an item's code (MAPPING); a rule's node code / department code (`*`: every department).
    #[schema(example = "dim-doc-treat")]
    pub subject: String,
    /// A node's `node` (added or removed), `name`, `parent`, `weight`, `series`, `kind`, `dept_field`,
    /// `business_type_scope`, `splits_business_type`; a mapping's `leaf`; a rule's `benchmark` or `ladder`.
    #[schema(example = "weight")]
    pub field: &'static str,
    /// The value in the base run's version; null where it has none.
    #[schema(example = "2")]
    pub base: Option<String>,
    #[schema(example = "2.5")]
    pub other: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RunComparison {
    pub base: CalculationTask,
    pub other: CalculationTask,
    /// The hospital's net value in each run.
    pub totals: ComparedTotals,
    /// Largest change first.
    pub departments: Vec<ComparedDepartment>,
    /// The nodes of both runs: the other run's tree in display order, then the base's nodes it lacks.
    pub nodes: Vec<ComparedNode>,
    /// Every department and node of either run, largest change first.
    pub cells: Vec<ComparedCell>,
    /// What differs between the two runs' model versions (empty when both ran on one).
    pub model_differences: Vec<ModelDifference>,
}

async fn answer(
    state: &AppState,
    user: &Auth<Analytics>,
    c: Comparison,
) -> Result<RunComparison, AppError> {
    let mut tasks = views(&state.db, user, vec![c.base, c.other])
        .await?
        .into_iter();
    let (Some(base), Some(other)) = (tasks.next(), tasks.next()) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "two tasks in, fewer out"
        )));
    };
    let names = c.department_names;
    Ok(RunComparison {
        base,
        other,
        totals: c.totals.into(),
        departments: c
            .departments
            .into_iter()
            .map(|(code, t)| ComparedDepartment {
                name: names.get(&code).cloned().unwrap_or_default(),
                code,
                totals: t.into(),
            })
            .collect(),
        nodes: c
            .nodes
            .into_iter()
            .map(|n| ComparedNode {
                code: n.code,
                name: n.name,
                depth: n.depth,
            })
            .collect(),
        cells: c
            .rows
            .into_iter()
            .map(|r| ComparedCell {
                department_code: r.department_code,
                node_code: r.node_code,
                base: r.base.map(decimal),
                other: r.other.map(decimal),
                change: decimal(r.change),
                change_ratio: r.ratio.map(decimal),
            })
            .collect(),
        model_differences: c
            .model
            .into_iter()
            .map(|m| ModelDifference {
                kind: m.kind,
                subject: m.subject,
                field: m.field,
                base: m.base,
                other: m.other,
            })
            .collect(),
    })
}

/// Nodes and departments are matched by code, so runs on different model versions compare; a cell only one run
/// has counts as 0 in the other. The totals are the runs' own net values (each department's root nodes).
#[utoipa::path(tag = "calculation-tasks", summary = "Compare two tasks' runs: per department and node, and the model's differences",
    params(CompareQuery),
    responses((status = 200, body = RunComparison),
    (status = 409, description = "A task has no finished run (`TASK_NOT_READY`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/compare")]
async fn compare(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    query: Query<CompareQuery>,
) -> Result<web::Json<RunComparison>, AppError> {
    let c = service::compare(&state.db, &user, query.0.base, query.0.other).await?;
    Ok(web::Json(answer(&state, &user, c).await?))
}

#[utoipa::path(tag = "calculation-tasks", summary = "The comparison of two runs as Excel",
    params(CompareQuery),
    responses((status = 200, description = "The workbook, named `compare-<base>-<other>.xlsx`: the changes, the \
        departments' totals, the model's differences", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/compare.xlsx")]
async fn compare_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    query: Query<CompareQuery>,
) -> Result<HttpResponse, AppError> {
    let c = service::compare(&state.db, &user, query.0.base, query.0.other).await?;
    let name = format!("compare-{}-{}.xlsx", c.base.id, c.other.id);
    Ok(XlsxFile(service::xlsx(&c)?).attachment(&name))
}
