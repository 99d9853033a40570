//! `/insurance-policies` (read: ADMIN, FRONT_DESK; write: ADMIN): what the fund of each insurance type pays,
//! from a date on.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{AdminOnly, Auth, FrontOffice, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::money::Amount,
        foundation::vocab::{InsuranceType, ItemCategory},
        outpatient::insurance::is_ratio,
    },
    error::{AppError, FieldErrors},
    services::foundation::insurance_policies::{
        self as service, PolicyFilter, PolicyInput, PolicyView,
    },
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

/// The most a deductible or cap may be; anything above is a typing error.
const MAX_YUAN: i64 = 10_000_000;

/// A policy's own ratio for an item category.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CategoryRatio {
    pub item_category: ItemCategory,
    /// 0 to 1, at most four decimal places.
    #[schema(value_type = String, example = "0.8000")]
    pub ratio: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct InsurancePolicy {
    pub id: i64,
    pub insurance_type: InsuranceType,
    /// Bills drawn on this local date or later fall under it, until a policy of the type with a later date.
    pub effective_from: NaiveDate,
    /// The share the fund pays of items without a ratio of their category.
    #[schema(value_type = String, example = "0.7000")]
    pub ratio: Decimal,
    pub category_ratios: Vec<CategoryRatio>,
    /// Yuan the patient pays first in a visit, of the items the fund covers (起付线).
    #[schema(value_type = Option<String>, example = "100.0000")]
    pub deductible: Option<Decimal>,
    /// The most the fund pays for one visit (封顶线).
    #[schema(value_type = Option<String>, example = "500.0000")]
    pub visit_cap: Option<Decimal>,
    /// The policy bills of its insurance type are drawn under today.
    pub in_force: bool,
    /// Bills were drawn under it: it can no longer be changed or removed.
    pub used: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<PolicyView> for InsurancePolicy {
    fn from(v: PolicyView) -> Self {
        Self {
            id: v.policy.id,
            insurance_type: v.policy.insurance_type,
            effective_from: v.policy.effective_from,
            ratio: v.policy.ratio.to_decimal(),
            category_ratios: v
                .rates
                .iter()
                .map(|r| CategoryRatio {
                    item_category: r.item_category,
                    ratio: r.ratio.to_decimal(),
                })
                .collect(),
            deductible: v.policy.deductible.map(Amount::to_decimal),
            visit_cap: v.policy.visit_cap.map(Amount::to_decimal),
            in_force: v.in_force,
            used: v.used,
            updated_at: v.policy.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryRatioRequest {
    #[schema(value_type = ItemCategory)]
    pub item_category: String,
    #[schema(value_type = crate::api::DecimalInput, example = "0.8")]
    pub ratio: Decimal,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsurancePolicyRequest {
    #[schema(value_type = InsuranceType)]
    pub insurance_type: String,
    pub effective_from: NaiveDate,
    /// 0 to 1, at most four decimal places, as a string or a number.
    #[schema(value_type = crate::api::DecimalInput, example = "0.7")]
    pub ratio: Decimal,
    /// At most one per item category; none: every item at `ratio`.
    #[serde(default)]
    pub category_ratios: Vec<CategoryRatioRequest>,
    /// Yuan, in whole fen; none or 0: no deductible.
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "100")]
    pub deductible: Option<Decimal>,
    /// Yuan, in whole fen; none: no cap.
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "500")]
    pub visit_cap: Option<Decimal>,
}

/// A share of the whole: 0 to 1, at most four places.
fn ratio(value: Decimal) -> Result<Amount, String> {
    match Amount::from_decimal(value) {
        Ok(a) if is_ratio(a) => Ok(a),
        Ok(_) => Err("must be between 0 and 1".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// Yuan in whole fen, not negative, at most `MAX_YUAN`.
fn yuan(value: Option<Decimal>) -> Result<Option<Amount>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.normalize().scale() > 2 {
        return Err("must be in whole fen (at most 2 decimal places)".to_owned());
    }
    if value > Decimal::from(MAX_YUAN) {
        return Err(format!("must be at most {MAX_YUAN}"));
    }
    Amount::non_negative(value)
        .map(Some)
        .map_err(|e| e.to_string())
}

impl TryFrom<InsurancePolicyRequest> for PolicyInput {
    type Error = AppError;
    fn try_from(r: InsurancePolicyRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let insurance_type = errors.check("insurance_type", r.insurance_type.parse());
        let default_ratio = errors.check("ratio", ratio(r.ratio));
        let mut categories: Vec<(ItemCategory, Amount)> = Vec::new();
        for (i, c) in r.category_ratios.iter().enumerate() {
            let field = format!("category_ratios[{i}]");
            let category = errors.check(
                &format!("{field}.item_category"),
                c.item_category.parse::<ItemCategory>(),
            );
            let rate = errors.check(&format!("{field}.ratio"), ratio(c.ratio));
            if let Some(category) = category {
                if categories.iter().any(|(seen, _)| *seen == category) {
                    errors.add(
                        &format!("{field}.item_category"),
                        "is listed twice".to_owned(),
                    );
                } else if let Some(rate) = rate {
                    categories.push((category, rate));
                }
            }
        }
        let deductible = errors.check("deductible", yuan(r.deductible));
        let visit_cap = errors.check("visit_cap", yuan(r.visit_cap));
        errors.finish(|| {
            Some(Self {
                insurance_type: insurance_type?,
                effective_from: r.effective_from,
                ratio: default_ratio?,
                categories,
                deductible: deductible?.filter(|d| *d > Amount::ZERO),
                visit_cap: visit_cap?,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsurancePolicyQuery {
    pub insurance_type: Option<InsuranceType>,
    /// Only the policies in force on this date: of each insurance type, the latest that starts by then.
    pub in_force_on: Option<NaiveDate>,
}

const NOT_FOUND: &str = "No such policy in your hospital (`NOT_FOUND`)";
const CONFLICT: &str = "A policy of the insurance type starts on the same date (`DUPLICATE`), or bills were \
drawn under this one (`POLICY_IN_USE`)";

#[utoipa::path(tag = "insurance-policies", summary = "List insurance policies", params(PageParams, InsurancePolicyQuery),
    responses((status = 200, body = PageOf<InsurancePolicy>)), security(("bearer" = [])))]
#[get("/insurance-policies")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    page: Query<PageParams>,
    query: Query<InsurancePolicyQuery>,
) -> Result<web::Json<PageOf<InsurancePolicy>>, AppError> {
    let Query(q) = query;
    let filter = PolicyFilter {
        insurance_type: q.insurance_type,
        in_force_on: q.in_force_on,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, InsurancePolicy::from)))
}

#[utoipa::path(tag = "insurance-policies", summary = "Get an insurance policy", responses(
    (status = 200, body = InsurancePolicy),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/insurance-policies/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<InsurancePolicy>, AppError> {
    let found = service::get(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(found.into()))
}

/// A change of policy is a new policy from the date it applies; bills drawn before keep theirs.
#[utoipa::path(tag = "insurance-policies", summary = "Add an insurance policy", request_body = InsurancePolicyRequest,
    responses((status = 201, body = InsurancePolicy),
    (status = 409, description = CONFLICT, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/insurance-policies")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<InsurancePolicyRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(InsurancePolicy::from(created)))
}

/// Only a policy no bill was drawn under (a mistake); otherwise add one from a later date.
#[utoipa::path(tag = "insurance-policies", summary = "Replace an unused insurance policy", request_body = InsurancePolicyRequest,
    responses((status = 200, body = InsurancePolicy),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = CONFLICT, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/insurance-policies/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<InsurancePolicyRequest>,
) -> Result<web::Json<InsurancePolicy>, AppError> {
    let updated = service::update(&state.db, &user, id.into_inner(), body.0.try_into()?).await?;
    Ok(web::Json(updated.into()))
}

#[utoipa::path(tag = "insurance-policies", summary = "Remove an unused insurance policy", responses(
    (status = 204, description = "Removed"),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Bills were drawn under it (`POLICY_IN_USE`)", body = Problem,
        content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/insurance-policies/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    service::remove(&state.db, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
