//! `/statistics` (ANALYST, ADMIN): outpatient figures by day, week or month and department, as JSON or Excel.
use crate::api::{
    AppState, XlsxFile,
    extract::{Analytics, Auth, Query},
};
use crate::{
    error::{AppError, FieldErrors},
    services::outpatient::statistics::{
        self as service, Figures, Granularity, OutpatientParams, Report, Row,
    },
};
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(outpatient, outpatient_xlsx);

/// Every parameter is read as text and parsed after authorization, so a caller who may not see the
/// statistics gets 401/403 whatever the query string holds.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutpatientQuery {
    /// First day, the hospital's local date (default: 29 days before `date_to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub date_from: Option<String>,
    /// Last day, included (default: today). At most 366 days after `date_from` by day, 5 years otherwise.
    #[param(value_type = Option<String>, format = Date, example = "2026-01-31")]
    pub date_to: Option<String>,
    /// `day` (default), `week` (ISO, from Monday) or `month`.
    #[param(inline, value_type = Option<Granularity>)]
    pub granularity: Option<String>,
    /// Only this department.
    #[param(value_type = Option<i64>)]
    pub department_id: Option<String>,
}

/// A parameter as sent; sent blank, it is a value that does not parse (the spec promises dates, integers and
/// names, and a blank is none of them), not the default.
fn present(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim)
}

fn date(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<NaiveDate> {
    errors.check(
        field,
        NaiveDate::parse_from_str(present(raw)?, "%Y-%m-%d")
            .map_err(|_| "must be a date (YYYY-MM-DD)"),
    )
}

impl TryFrom<OutpatientQuery> for OutpatientParams {
    type Error = AppError;
    fn try_from(q: OutpatientQuery) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let date_from = date(&mut errors, "date_from", q.date_from.as_deref());
        let date_to = date(&mut errors, "date_to", q.date_to.as_deref());
        let granularity = present(q.granularity.as_deref())
            .and_then(|g| errors.check("granularity", g.parse::<Granularity>()));
        let department_id = present(q.department_id.as_deref()).and_then(|id| {
            errors.check(
                "department_id",
                id.parse::<i64>().map_err(|_| "must be an integer"),
            )
        });
        errors.finish(|| {
            Some(Self {
                date_from,
                date_to,
                granularity,
                department_id,
            })
        })
    }
}

/// The figures of one bucket and department.
#[derive(Serialize, ToSchema)]
pub struct OutpatientRow {
    /// The first day of the bucket: the day, the Monday of the ISO week, or the first of the month.
    pub period_start: NaiveDate,
    pub department_id: i64,
    #[schema(example = "INT")]
    pub department_code: String,
    #[schema(example = "内科")]
    pub department_name: String,
    /// Checked-in appointments (COMPLETED, BILLED, PAID) on their schedule's date.
    pub visits: i64,
    /// Appointments not cancelled, on their schedule's date.
    pub appointments: i64,
    pub no_shows: i64,
    /// no_shows ÷ appointments, four places; null without appointments.
    #[schema(value_type = Option<String>, example = "0.0500")]
    pub no_show_rate: Option<Decimal>,
    /// Total of the bills paid in the bucket (by payment date), refunded later or not.
    #[schema(example = "1234.5000")]
    pub revenue: Decimal,
    /// The insurance share of `revenue`.
    #[schema(example = "800.0000")]
    pub insurance: Decimal,
    /// The self-pay share of `revenue`.
    #[schema(example = "434.5000")]
    pub self_pay: Decimal,
    /// Total of the bills refunded in the bucket (by refund date).
    #[schema(example = "34.5000")]
    pub refunds: Decimal,
    /// revenue − refunds.
    #[schema(example = "1200.0000")]
    pub net_revenue: Decimal,
}

impl From<Row> for OutpatientRow {
    fn from(r: Row) -> Self {
        let t = OutpatientTotals::from(r.figures);
        Self {
            period_start: r.period_start,
            department_id: r.department_id,
            department_code: r.department_code,
            department_name: r.department_name,
            visits: t.visits,
            appointments: t.appointments,
            no_shows: t.no_shows,
            no_show_rate: t.no_show_rate,
            revenue: t.revenue,
            insurance: t.insurance,
            self_pay: t.self_pay,
            refunds: t.refunds,
            net_revenue: t.net_revenue,
        }
    }
}

/// The sums of the rows; the rate is recomputed from the summed counts.
#[derive(Serialize, ToSchema)]
pub struct OutpatientTotals {
    pub visits: i64,
    pub appointments: i64,
    pub no_shows: i64,
    #[schema(value_type = Option<String>, example = "0.0500")]
    pub no_show_rate: Option<Decimal>,
    #[schema(example = "1234.5000")]
    pub revenue: Decimal,
    #[schema(example = "800.0000")]
    pub insurance: Decimal,
    #[schema(example = "434.5000")]
    pub self_pay: Decimal,
    #[schema(example = "34.5000")]
    pub refunds: Decimal,
    #[schema(example = "1200.0000")]
    pub net_revenue: Decimal,
}

impl From<Figures> for OutpatientTotals {
    fn from(f: Figures) -> Self {
        Self {
            visits: f.visits,
            appointments: f.appointments,
            no_shows: f.no_shows,
            no_show_rate: f.no_show_rate(),
            revenue: f.revenue.to_decimal(),
            insurance: f.insurance.to_decimal(),
            self_pay: f.self_pay.to_decimal(),
            refunds: f.refunds.to_decimal(),
            net_revenue: f.net_revenue().to_decimal(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OutpatientStatistics {
    pub granularity: Granularity,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    /// One row per bucket and department with any figure not zero, by bucket, then department code.
    pub rows: Vec<OutpatientRow>,
    pub totals: OutpatientTotals,
}

impl From<Report> for OutpatientStatistics {
    fn from(r: Report) -> Self {
        Self {
            granularity: r.granularity,
            date_from: r.date_from,
            date_to: r.date_to,
            rows: r.rows.into_iter().map(OutpatientRow::from).collect(),
            totals: r.totals.into(),
        }
    }
}

/// Visits, appointments, no-shows, revenue, insurance, self-pay and refunds of the caller's hospital.
#[utoipa::path(tag = "statistics", summary = "Outpatient statistics", params(OutpatientQuery),
    responses((status = 200, body = OutpatientStatistics)), security(("bearer" = [])))]
#[get("/statistics/outpatient")]
async fn outpatient(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    query: Query<OutpatientQuery>,
) -> Result<web::Json<OutpatientStatistics>, AppError> {
    let report = service::outpatient(&state.db, &user, query.0.try_into()?).await?;
    Ok(web::Json(report.into()))
}

/// The table of `GET /statistics/outpatient` as a workbook: one row per bucket and department, and the totals (合计).
#[utoipa::path(tag = "statistics", summary = "Outpatient statistics as Excel", params(OutpatientQuery),
    responses((status = 200, description = "The workbook, as an attachment named `outpatient-statistics-<from>-<to>.xlsx`",
        body = XlsxFile, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"outpatient-statistics-<from>-<to>.xlsx\"`")))),
    security(("bearer" = [])))]
#[get("/statistics/outpatient.xlsx")]
async fn outpatient_xlsx(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    query: Query<OutpatientQuery>,
) -> Result<HttpResponse, AppError> {
    let export = service::outpatient_workbook(&state.db, &user, query.0.try_into()?).await?;
    Ok(XlsxFile(export.bytes).attachment(&export.filename))
}
