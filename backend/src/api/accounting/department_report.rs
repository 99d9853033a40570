//! `/calculation-tasks/{id}/departments/{department_id}/report` (ANALYST, ADMIN): one department's page of a run —
//! its value by series against the month before, its largest nodes and items, the orientation rules' effect.
use super::calculation_tasks::{CalculationTask, view};
use super::results::{MatrixDepartment, OrientationAdjustment};
use crate::api::{
    AppState, XlsxFile,
    extract::{Analytics, Auth},
    problem::Problem,
};
use crate::{
    domain::foundation::money::Amount,
    entities::accounting::value_summary,
    error::AppError,
    services::accounting::department_report::{self as service, Report},
};
use actix_web::{HttpResponse, get, web};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

crate::api::routes!(department_report, department_report_xlsx);

#[derive(Serialize, ToSchema)]
pub struct SeriesValue {
    /// DOCTOR, NURSING, TECH, COST (negative: it deducts) or NET.
    #[schema(example = "NET")]
    pub series: &'static str,
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    /// In the run of the month before it is compared with (`previous_task`).
    #[schema(value_type = Option<String>)]
    pub previous: Option<Decimal>,
    /// value − previous.
    #[schema(value_type = Option<String>)]
    pub change: Option<Decimal>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportNode {
    pub node_id: i64,
    pub code: String,
    pub name: String,
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct ReportItem {
    pub item_code: String,
    pub item_name: Option<String>,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentReport {
    pub task: CalculationTask,
    pub department: MatrixDepartment,
    /// The task of the month before the series are compared with: that month's published run, or its latest
    /// succeeded task; none when it has neither.
    pub previous_task: Option<CalculationTask>,
    pub series: Vec<SeriesValue>,
    /// Net value ÷ |the hospital's net value|; its rank among the departments.
    #[schema(value_type = Option<String>)]
    pub share: Option<Decimal>,
    pub rank: Option<i32>,
    /// The ten leaves of largest value (by magnitude).
    pub nodes: Vec<ReportNode>,
    /// The twenty charge items credited to the department for the largest amounts.
    pub items: Vec<ReportItem>,
    /// Every orientation rule's verdict on the department.
    pub orientation: Vec<OrientationAdjustment>,
}

fn series(row: Option<&value_summary::Model>) -> [Option<Amount>; 5] {
    match row {
        Some(r) => [
            Some(r.doctor_value),
            Some(r.nursing_value),
            Some(r.tech_value),
            Some(r.cost_value),
            Some(r.net_value),
        ],
        None => [None; 5],
    }
}

async fn answer(
    state: &AppState,
    user: &Auth<Analytics>,
    r: Report,
) -> Result<DepartmentReport, AppError> {
    let now = series(r.now.as_ref());
    let before = series(r.before.as_ref().map(|(_, row)| row));
    let names = ["DOCTOR", "NURSING", "TECH", "COST", "NET"];
    let previous_task = match r.before {
        Some((task, _)) => Some(view(&state.db, user, task).await?),
        None => None,
    };
    Ok(DepartmentReport {
        series: names
            .iter()
            .zip(now.iter().zip(before.iter()))
            .map(|(name, (n, b))| SeriesValue {
                series: name,
                value: n.map(Amount::to_decimal),
                previous: b.map(Amount::to_decimal),
                change: n
                    .zip(*b)
                    .map(|(n, b)| Amount::from_scaled(n.scaled() - b.scaled()).to_decimal()),
            })
            .collect(),
        share: r.now.as_ref().and_then(|n| n.share).map(Amount::to_decimal),
        rank: r.now.as_ref().and_then(|n| n.value_rank),
        task: view(&state.db, user, r.task).await?,
        department: r.department.into(),
        previous_task,
        nodes: r
            .nodes
            .into_iter()
            .map(|n| ReportNode {
                node_id: n.node.id,
                code: n.node.code,
                name: n.node.name,
                value: n.value.to_decimal(),
            })
            .collect(),
        items: r
            .items
            .into_iter()
            .map(|i| ReportItem {
                item_code: i.item_code,
                item_name: i.item_name,
                quantity: i.quantity.to_decimal(),
                amount: i.amount.to_decimal(),
            })
            .collect(),
        orientation: r.effects.into_iter().map(Into::into).collect(),
    })
}

#[utoipa::path(tag = "calculation-tasks", summary = "One department's page of a run: series against the month before, top nodes and items, orientation",
    responses((status = 200, body = DepartmentReport),
    (status = 409, description = "The task has no finished run (`TASK_NOT_READY`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/departments/{department_id}/report")]
async fn department_report(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    path: web::Path<(i64, i64)>,
) -> Result<web::Json<DepartmentReport>, AppError> {
    let (id, department_id) = path.into_inner();
    let r = service::report(&state.db, &user, id, department_id).await?;
    Ok(web::Json(answer(&state, &user, r).await?))
}

#[utoipa::path(tag = "calculation-tasks", summary = "One department's page of a run as Excel",
    responses((status = 200, description = "The workbook, named `calculation-<id>-<department code>.xlsx`", body = XlsxFile,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = [])))]
#[get("/calculation-tasks/{id}/departments/{department_id}/report.xlsx")]
async fn department_report_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (id, department_id) = path.into_inner();
    let r = service::report(&state.db, &user, id, department_id).await?;
    let name = format!("calculation-{}-{}.xlsx", r.task.id, r.department.code);
    Ok(XlsxFile(service::xlsx(&r)?).attachment(&name))
}
