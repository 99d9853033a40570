//! `/workload-records`, `/cost-records` and `/orientation-values` (ANALYST, ADMIN): the monthly inputs imported
//! through `/imports/*`, one page at a time.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{Analytics, Auth, Query},
};
use crate::{
    domain::{accounting::period_value::PeriodInput, foundation::period::Period},
    error::AppError,
    services::accounting::imports::{self as service, PeriodRecord, PeriodRecordFilter},
};
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(
    list_workload_records,
    list_cost_records,
    list_orientation_values
);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodRecordQuery {
    /// `YYYY-MM`.
    #[param(example = "2026-03")]
    pub period: Option<String>,
    pub department_code: Option<String>,
    pub node_code: Option<String>,
    /// `period`, `department_code`, `node_code` or `value`; prefix `-` for descending (default `-period`).
    pub sort: Option<String>,
}

impl TryFrom<PeriodRecordQuery> for PeriodRecordFilter {
    type Error = AppError;
    fn try_from(q: PeriodRecordQuery) -> Result<Self, AppError> {
        let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(
                p.parse::<Period>()
                    .map_err(|e| AppError::invalid("period", e.to_string()))?,
            ),
            None => None,
        };
        let code = |c: Option<String>| c.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
        Ok(Self {
            period,
            department_code: code(q.department_code),
            node_code: code(q.node_code),
            sort: q.sort,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct WorkloadRecord {
    pub id: i64,
    #[schema(example = "2026-03")]
    pub period: String,
    pub department_code: String,
    #[schema(example = "dim-nur-bed")]
    pub node_code: String,
    /// Four decimal places.
    #[schema(value_type = String, example = "312.0000")]
    pub quantity: Decimal,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CostRecord {
    pub id: i64,
    #[schema(example = "2026-03")]
    pub period: String,
    pub department_code: String,
    #[schema(example = "dim-cost-staff")]
    pub node_code: String,
    /// Yuan, four decimal places; never negative.
    #[schema(value_type = String, example = "182000.0000")]
    pub amount: Decimal,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct OrientationValue {
    pub id: i64,
    #[schema(example = "2026-03")]
    pub period: String,
    pub department_code: String,
    pub node_code: String,
    /// Four decimal places; may be negative.
    #[schema(value_type = String, example = "0.8500")]
    pub actual_value: Decimal,
    pub created_at: DateTime<Utc>,
}

/// One page of a kind of monthly input, each record shaped by `shape` (its value as a decimal).
async fn list<T>(
    state: &AppState,
    user: &Auth<Analytics>,
    kind: PeriodInput,
    page: PageParams,
    query: PeriodRecordQuery,
    shape: impl Fn(PeriodRecord, Decimal) -> T,
) -> Result<web::Json<PageOf<T>>, AppError> {
    let found =
        service::list_records(&state.db, user, kind, query.try_into()?, page.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, |r| {
        let value = r.value.to_decimal();
        shape(r, value)
    })))
}

#[utoipa::path(tag = "monthly-inputs", summary = "List workload records",
    params(PageParams, PeriodRecordQuery),
    responses((status = 200, body = PageOf<WorkloadRecord>)), security(("bearer" = [])))]
#[get("/workload-records")]
async fn list_workload_records(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<PeriodRecordQuery>,
) -> Result<web::Json<PageOf<WorkloadRecord>>, AppError> {
    list(
        &state,
        &user,
        PeriodInput::Workload,
        page.0,
        query.0,
        |r, quantity| WorkloadRecord {
            id: r.id,
            period: r.period.to_string(),
            department_code: r.department_code,
            node_code: r.node_code,
            quantity,
            created_at: r.created_at,
        },
    )
    .await
}

#[utoipa::path(tag = "monthly-inputs", summary = "List cost records",
    params(PageParams, PeriodRecordQuery),
    responses((status = 200, body = PageOf<CostRecord>)), security(("bearer" = [])))]
#[get("/cost-records")]
async fn list_cost_records(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<PeriodRecordQuery>,
) -> Result<web::Json<PageOf<CostRecord>>, AppError> {
    list(
        &state,
        &user,
        PeriodInput::Cost,
        page.0,
        query.0,
        |r, amount| CostRecord {
            id: r.id,
            period: r.period.to_string(),
            department_code: r.department_code,
            node_code: r.node_code,
            amount,
            created_at: r.created_at,
        },
    )
    .await
}

#[utoipa::path(tag = "monthly-inputs", summary = "List orientation actual values",
    params(PageParams, PeriodRecordQuery),
    responses((status = 200, body = PageOf<OrientationValue>)), security(("bearer" = [])))]
#[get("/orientation-values")]
async fn list_orientation_values(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<PeriodRecordQuery>,
) -> Result<web::Json<PageOf<OrientationValue>>, AppError> {
    list(
        &state,
        &user,
        PeriodInput::Orientation,
        page.0,
        query.0,
        |r, actual_value| OrientationValue {
            id: r.id,
            period: r.period.to_string(),
            department_code: r.department_code,
            node_code: r.node_code,
            actual_value,
            created_at: r.created_at,
        },
    )
    .await
}
