//! `/billings` (ADMIN, FRONT_DESK; refunds ADMIN): draw a bill from a visit, pay it idempotently, refund it.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{AdminOnly, Auth, FrontOffice, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::money::Amount,
        foundation::text,
        foundation::vocab::ItemCategory,
        outpatient::billing::{BillingStatus, PaymentMethod},
        outpatient::insurance::InsuranceRule,
    },
    entities::{outpatient::billing, outpatient::billing_line},
    error::AppError,
    services::outpatient::billings::{self as service, Draft},
};
use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(preview, list, read, create, pay, refund);

#[derive(Serialize, ToSchema)]
pub struct BillLine {
    pub charge_item_id: Option<i64>,
    pub item_code: String,
    pub item_name: String,
    #[schema(value_type = ItemCategory)]
    pub item_category: crate::domain::foundation::vocab::ItemCategory,
    #[schema(value_type = String, example = "20.0000")]
    pub unit_price: Decimal,
    #[schema(value_type = String, example = "1.0000")]
    pub quantity: Decimal,
    #[schema(value_type = String, example = "20.0000")]
    pub amount: Decimal,
    pub executing_department_id: Option<i64>,
    /// The fund's ratio for the line and the rule of the policy that gave it (`DESK`: the cashier set the
    /// bill's insurance amount, spread over the lines as the policy's would have been); none on bills drawn
    /// before lines recorded it.
    #[schema(value_type = Option<String>, example = "0.7000")]
    pub insurance_ratio: Option<Decimal>,
    pub insurance_rule: Option<InsuranceRule>,
    /// The fund's share of the line; the lines' shares add up to the bill's `insurance_amount`.
    #[schema(value_type = Option<String>, example = "14.0000")]
    pub insurance_amount: Option<Decimal>,
}

impl From<&billing_line::Model> for BillLine {
    fn from(l: &billing_line::Model) -> Self {
        Self {
            charge_item_id: l.charge_item_id,
            item_code: l.item_code.clone(),
            item_name: l.item_name.clone(),
            item_category: l.item_category,
            unit_price: l.unit_price.to_decimal(),
            quantity: l.quantity.to_decimal(),
            amount: l.amount.to_decimal(),
            executing_department_id: l.executing_department_id,
            insurance_ratio: l.insurance_ratio.map(Amount::to_decimal),
            insurance_rule: l.insurance_rule,
            insurance_amount: l.insurance_amount.map(Amount::to_decimal),
        }
    }
}

/// A bill: the lines at the prices charged, and total = insurance + self-pay.
#[derive(Serialize, ToSchema)]
pub struct Bill {
    pub id: i64,
    pub medical_record_id: i64,
    pub appointment_id: i64,
    pub status: BillingStatus,
    #[schema(value_type = String, example = "77.0500")]
    pub total_amount: Decimal,
    #[schema(value_type = String, example = "53.9400")]
    pub insurance_amount: Decimal,
    #[schema(value_type = String, example = "23.1100")]
    pub self_pay_amount: Decimal,
    /// The insurance policy the bill was drawn under; none without one for the patient's insurance type.
    pub insurance_policy_id: Option<i64>,
    pub payment_method: Option<PaymentMethod>,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_on: Option<NaiveDate>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<BillLine>,
}

pub fn bill(b: &billing::Model, lines: &[billing_line::Model]) -> Result<Bill, AppError> {
    Ok(Bill {
        id: b.id,
        medical_record_id: b.medical_record_id,
        appointment_id: b.appointment_id,
        status: b.status,
        total_amount: b.total_amount.to_decimal(),
        insurance_amount: b.insurance_amount.to_decimal(),
        self_pay_amount: b.self_pay_amount.to_decimal(),
        insurance_policy_id: b.insurance_policy_id,
        payment_method: b.payment_method,
        paid_at: b.paid_at,
        paid_on: b.paid_on,
        refunded_at: b.refunded_at,
        refund_reason: b.refund_reason.clone(),
        created_at: b.created_at,
        lines: lines.iter().map(BillLine::from).collect(),
    })
}

/// The bill a visit would get now, not saved: lines at today's prices and the default insurance share.
#[derive(Serialize, ToSchema)]
pub struct BillPreview {
    pub medical_record_id: i64,
    pub patient_name: String,
    #[schema(value_type = crate::domain::foundation::vocab::InsuranceType)]
    pub insurance_type: crate::domain::foundation::vocab::InsuranceType,
    /// The share of the total insurance pays for this insurance type.
    #[schema(value_type = String, example = "0.7000")]
    pub insurance_ratio: Decimal,
    #[schema(value_type = String)]
    pub total_amount: Decimal,
    #[schema(value_type = String)]
    pub insurance_amount: Decimal,
    #[schema(value_type = String)]
    pub self_pay_amount: Decimal,
    /// The policy in force today for the patient's insurance type.
    pub insurance_policy_id: Option<i64>,
    /// The part of the bill that went to the policy's deductible.
    #[schema(value_type = String, example = "0.0000")]
    pub insurance_deducted: Decimal,
    /// How much the policy's cap per visit took off the fund's share.
    #[schema(value_type = String, example = "0.0000")]
    pub insurance_capped: Decimal,
    pub lines: Vec<BillLine>,
}

impl From<Draft> for BillPreview {
    fn from(d: Draft) -> Self {
        let lines = d.lines.iter().map(BillLine::from).collect();
        Self {
            medical_record_id: d.record.id,
            patient_name: d.patient.name,
            insurance_type: d.patient.insurance_type,
            insurance_ratio: d.ratio.to_decimal(),
            total_amount: d.total.to_decimal(),
            insurance_amount: d.insurance.to_decimal(),
            self_pay_amount: Amount::from_scaled(d.total.scaled() - d.insurance.scaled())
                .to_decimal(),
            insurance_policy_id: d.policy_id,
            insurance_deducted: d.coverage.deducted.to_decimal(),
            insurance_capped: d.coverage.capped.to_decimal(),
            lines,
        }
    }
}

const RECORD_NOT_FOUND: &str = "No such medical record in your hospital (`NOT_FOUND`)";
const NOT_FOUND: &str = "No such bill in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "billings", summary = "Preview the bill of a visit", responses((status = 200, body = BillPreview),
    (status = 404, description = RECORD_NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The catalogue lacks the registration or consultation fee (`CATALOGUE_INCOMPLETE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/medical-records/{id}/bill-preview")]
async fn preview(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<BillPreview>, AppError> {
    Ok(web::Json(
        service::draft(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BillQuery {
    pub status: Option<BillingStatus>,
}

#[utoipa::path(tag = "billings", summary = "List bills, newest first", params(PageParams, BillQuery),
    responses((status = 200, body = PageOf<Bill>)), security(("bearer" = [])))]
#[get("/billings")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    page: Query<PageParams>,
    query: Query<BillQuery>,
) -> Result<web::Json<PageOf<Bill>>, AppError> {
    let found = service::list(&state.db, &user, query.0.status, page.0.try_into()?).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for b in &found.items {
        items.push(bill(b, &service::lines_of(&state.db, b.id).await?)?);
    }
    Ok(web::Json(PageOf {
        items,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    }))
}

#[utoipa::path(tag = "billings", summary = "Get a bill", responses((status = 200, body = Bill),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/billings/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Bill>, AppError> {
    let b = service::get(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(bill(
        &b,
        &service::lines_of(&state.db, b.id).await?,
    )?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillRequest {
    pub medical_record_id: i64,
    /// The insurance share; defaults to the insurance type's ratio of the total. Must lie within the total.
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "53.94")]
    pub insurance_amount: Option<Decimal>,
}

#[utoipa::path(tag = "billings", summary = "Bill a visit", request_body = BillRequest, responses(
    (status = 201, body = Bill),
    (status = 409, description = "The visit is not COMPLETED, e.g. already billed (`INVALID_TRANSITION`), or the catalogue lacks a fee (`CATALOGUE_INCOMPLETE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/billings")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    body: Json<BillRequest>,
) -> Result<HttpResponse, AppError> {
    let insurance = body
        .0
        .insurance_amount
        .map(|d| {
            Amount::non_negative(d)
                .map_err(|e| AppError::invalid("insurance_amount", e.to_string()))
        })
        .transpose()?;
    let (b, lines) = service::create(&state.db, &user, body.0.medical_record_id, insurance).await?;
    Ok(HttpResponse::Created().json(bill(&b, &lines)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    #[schema(value_type = PaymentMethod)]
    pub payment_method: String,
}

/// Pays a PENDING bill: the appointment becomes PAID and every line is written to `charge_details`.
/// Send a unique `Idempotency-Key` header (1–128 visible characters, e.g. a UUID) per payment: the same key
/// again — even at the same moment — answers the same and pays once.
#[utoipa::path(tag = "billings", summary = "Pay a bill", request_body = PayRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per payment attempt; retries reuse it")),
    responses((status = 200, body = Bill),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not PENDING (`INVALID_TRANSITION`), or the key was used for another request (`IDEMPOTENCY_KEY_REUSED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/billings/{id}/pay")]
async fn pay(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
    body: Json<PayRequest>,
) -> Result<HttpResponse, AppError> {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::invalid(
                "Idempotency-Key",
                "the header is required: 1–128 visible ASCII characters, unique per payment",
            )
        })?
        .to_owned();
    let method: PaymentMethod = body
        .0
        .payment_method
        .parse()
        .map_err(|e: String| AppError::invalid("payment_method", e))?;
    let render = |b: &billing::Model, lines: &[billing_line::Model]| {
        bill(b, lines)
            .ok()
            .and_then(|b| serde_json::to_value(b).ok())
            .unwrap_or_default()
    };
    let answer = service::pay(&state.db, &user, id.into_inner(), method, &key, render).await?;
    Ok(
        HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK))
            .json(answer.body),
    )
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    #[schema(example = "患者投诉，费用退回", max_length = 255)]
    pub reason: String,
}

/// REFUNDED, with negative `charge_details` rows that reverse the income.
#[utoipa::path(tag = "billings", summary = "Refund a paid bill", request_body = RefundRequest, responses((status = 200, body = Bill),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not PAID (`INVALID_TRANSITION`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/billings/{id}/refund")]
async fn refund(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<RefundRequest>,
) -> Result<web::Json<Bill>, AppError> {
    let reason = text::required(&body.0.reason, 255)
        .map_err(|e| AppError::invalid("reason", e.to_string()))?;
    let b = service::refund(&state.db, &user, id.into_inner(), reason).await?;
    Ok(web::Json(bill(
        &b,
        &service::lines_of(&state.db, b.id).await?,
    )?))
}
