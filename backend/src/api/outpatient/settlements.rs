//! `/settlements` (read: ADMIN, FRONT_DESK; close: ADMIN): the cashier's day (收费日结) by cashier and payment
//! method, as JSON or `.xlsx`, and closing a day.
use crate::api::{
    AppState, XlsxFile,
    extract::{AdminOnly, Auth, FrontOffice, Json, Query},
    problem::Problem,
};
use crate::{
    domain::outpatient::billing::PaymentMethod,
    error::AppError,
    services::outpatient::settlements::{self as service, Figures, Settlement},
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(read, read_xlsx, close);

/// Counts and sums in yuan: `paid` is the bills' totals, `paid_self_pay` what the patients paid of them (the
/// rest is the insurance fund's); likewise for refunds.
#[derive(Serialize, ToSchema)]
pub struct SettlementFigures {
    pub payments: u64,
    #[schema(value_type = String, example = "1234.5000")]
    pub paid: Decimal,
    #[schema(value_type = String, example = "434.5000")]
    pub paid_self_pay: Decimal,
    pub refunds: u64,
    #[schema(value_type = String, example = "34.5000")]
    pub refunded: Decimal,
    #[schema(value_type = String, example = "10.3500")]
    pub refunded_self_pay: Decimal,
    /// paid − refunded.
    #[schema(value_type = String, example = "1200.0000")]
    pub net: Decimal,
    /// paid_self_pay − refunded_self_pay: the money at the desk.
    #[schema(value_type = String, example = "424.1500")]
    pub net_self_pay: Decimal,
}

impl From<&Figures> for SettlementFigures {
    fn from(f: &Figures) -> Self {
        Self {
            payments: f.payments,
            paid: f.paid.to_decimal(),
            paid_self_pay: f.paid_self_pay.to_decimal(),
            refunds: f.refunds,
            refunded: f.refunded.to_decimal(),
            refunded_self_pay: f.refunded_self_pay.to_decimal(),
            net: f.net().to_decimal(),
            net_self_pay: f.net_self_pay().to_decimal(),
        }
    }
}

/// One cashier's payments and refunds by one payment method.
#[derive(Serialize, ToSchema)]
pub struct SettlementRow {
    /// None: bills taken before cashiers were recorded.
    pub cashier_id: Option<i64>,
    pub cashier_name: Option<String>,
    pub payment_method: PaymentMethod,
    pub figures: SettlementFigures,
}

#[derive(Serialize, ToSchema)]
pub struct MethodFigures {
    pub payment_method: PaymentMethod,
    pub figures: SettlementFigures,
}

/// Who closed the day, when, and its totals then.
#[derive(Serialize, ToSchema)]
pub struct SettlementClose {
    pub closed_by: i64,
    pub closed_by_name: String,
    pub closed_at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub paid_total: Decimal,
    #[schema(value_type = String)]
    pub refunded_total: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct DailySettlement {
    /// The hospital's local date.
    pub day: NaiveDate,
    /// By cashier, then payment method.
    pub rows: Vec<SettlementRow>,
    pub by_method: Vec<MethodFigures>,
    pub totals: SettlementFigures,
    /// Set once an administrator closed the day; a closed day takes no new payment or refund.
    pub closed: Option<SettlementClose>,
}

impl From<Settlement> for DailySettlement {
    fn from(s: Settlement) -> Self {
        Self {
            day: s.day,
            rows: s
                .rows
                .iter()
                .map(|r| SettlementRow {
                    cashier_id: r.cashier_id,
                    cashier_name: r.cashier_name.clone(),
                    payment_method: r.method,
                    figures: (&r.figures).into(),
                })
                .collect(),
            by_method: s
                .by_method
                .iter()
                .map(|(m, f)| MethodFigures {
                    payment_method: *m,
                    figures: f.into(),
                })
                .collect(),
            totals: (&s.totals).into(),
            closed: s.closed.map(|(c, name)| SettlementClose {
                closed_by: c.closed_by,
                closed_by_name: name,
                closed_at: c.closed_at,
                paid_total: c.paid_total.to_decimal(),
                refunded_total: c.refunded_total.to_decimal(),
            }),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettlementQuery {
    /// The hospital's local date.
    pub day: NaiveDate,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Today or earlier (the hospital's local date).
    pub day: NaiveDate,
}

/// Payments are counted on the day they were paid, refunds on the day they were refunded, each by the staff
/// account that took it.
#[utoipa::path(tag = "settlements", summary = "The cashier's day", params(SettlementQuery),
    responses((status = 200, body = DailySettlement)), security(("bearer" = [])))]
#[get("/settlements")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    query: Query<SettlementQuery>,
) -> Result<web::Json<DailySettlement>, AppError> {
    let found = service::of_day(&state.db, &user, query.0.day).await?;
    Ok(web::Json(found.into()))
}

#[utoipa::path(tag = "settlements", summary = "The cashier's day as Excel", params(SettlementQuery),
    responses((status = 200, description = "The workbook, as an attachment named `settlement-<day>.xlsx`",
        body = XlsxFile, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"settlement-<day>.xlsx\"`")))),
    security(("bearer" = [])))]
#[get("/settlements.xlsx")]
async fn read_xlsx(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    query: Query<SettlementQuery>,
) -> Result<HttpResponse, AppError> {
    let day = query.0.day;
    let found = service::of_day(&state.db, &user, day).await?;
    let bytes = service::xlsx(&found).map_err(|e| AppError::Internal(e.into()))?;
    Ok(XlsxFile(bytes).attachment(&format!("settlement-{day}.xlsx")))
}

/// The day's totals are kept as they stand; it takes no new payment or refund after.
#[utoipa::path(tag = "settlements", summary = "Close the cashier's day", request_body = CloseRequest,
    responses((status = 201, body = DailySettlement),
    (status = 409, description = "The day is already closed (`DAY_CLOSED`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/settlements/close")]
async fn close(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<CloseRequest>,
) -> Result<HttpResponse, AppError> {
    let closed = service::close(&state.db, &user, body.0.day).await?;
    Ok(HttpResponse::Created().json(DailySettlement::from(closed)))
}
