//! `/charge-items`: the price catalogue (read: every role; write: ADMIN).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, AnyStaff, Auth, Json, Query},
    problem::Problem,
    reference,
};
use crate::{
    domain::{foundation::money::Amount, foundation::text, foundation::vocab::ItemCategory},
    entities::foundation::charge_item,
    error::{AppError, FieldErrors},
    services::foundation::charge_items::{self as service, ChargeItemFilter, ChargeItemInput},
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

/// The most a single item may cost; anything above is a typing error.
const MAX_PRICE_YUAN: i64 = 10_000_000;

#[derive(Serialize, ToSchema)]
pub struct ChargeItem {
    pub id: i64,
    #[schema(example = "LAB-0001")]
    pub item_code: String,
    #[schema(example = "血常规")]
    pub item_name: String,
    pub item_category: ItemCategory,
    #[schema(example = "次")]
    pub unit: Option<String>,
    /// Yuan, four decimal places.
    #[schema(value_type = String, example = "20.0000")]
    pub unit_price: Decimal,
    /// The department that performs the item; none for registration and consultation (the doctor's own).
    pub executing_department_id: Option<i64>,
    /// A drug's packing, from which a prescription's quantity follows; none if not known.
    pub packing: Option<Packing>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<charge_item::Model> for ChargeItem {
    fn from(m: charge_item::Model) -> Self {
        Self {
            id: m.id,
            item_code: m.item_code,
            item_name: m.item_name,
            item_category: m.item_category,
            unit: m.unit,
            unit_price: m.unit_price.to_decimal(),
            executing_department_id: m.executing_department_id,
            packing: match (m.dose_unit, m.unit_dose, m.pack_units) {
                (Some(dose_unit), Some(unit_dose), Some(pack_units)) => Some(Packing {
                    dose_unit,
                    unit_dose: unit_dose.to_decimal(),
                    pack_units,
                }),
                _ => None,
            },
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// What each smallest unit of a drug holds and how many a pack holds: 0.25 g capsules, 24 to a box.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Packing {
    #[schema(example = "mg", max_length = 16)]
    pub dose_unit: String,
    /// The dose of one unit, in `dose_unit`; greater than zero.
    #[schema(value_type = crate::api::DecimalInput, example = "250")]
    pub unit_dose: Decimal,
    /// Units in one pack (the item sold), 1 to 10000.
    #[schema(example = 24)]
    pub pack_units: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeItemRequest {
    /// Letters, digits, `-`, `_`, `.`; unique in the hospital; case-sensitive.
    #[schema(example = "LAB-0001", max_length = 64)]
    pub item_code: String,
    #[schema(example = "血常规", max_length = 128)]
    pub item_name: String,
    #[schema(value_type = ItemCategory)]
    pub item_category: String,
    #[schema(example = "次", max_length = 16)]
    pub unit: Option<String>,
    /// Yuan, at most four decimal places, as a string or a number.
    #[schema(value_type = crate::api::DecimalInput, example = "20.00")]
    pub unit_price: Decimal,
    pub executing_department_id: Option<i64>,
    /// For drugs: lets a prescription's quantity be counted from its dose, frequency and days.
    pub packing: Option<Packing>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl TryFrom<ChargeItemRequest> for ChargeItemInput {
    type Error = AppError;
    fn try_from(r: ChargeItemRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let item_code = errors.check("item_code", text::code(&r.item_code, 64));
        let item_name = errors.check("item_name", text::required(&r.item_name, 128));
        let unit = errors.check("unit", text::optional(r.unit.as_deref(), 16));
        let item_category = errors.check("item_category", r.item_category.parse::<ItemCategory>());
        let unit_price = errors.check("unit_price", Amount::non_negative(r.unit_price));
        if unit_price.is_some_and(|p| p.to_decimal() > Decimal::from(MAX_PRICE_YUAN)) {
            errors.add("unit_price", format!("must be at most {MAX_PRICE_YUAN}"));
        }
        let packing = r.packing.as_ref().map(|p| {
            let unit = errors.check("packing.dose_unit", text::required(&p.dose_unit, 16));
            let dose = errors.check("packing.unit_dose", Amount::non_negative(p.unit_dose));
            if dose.is_some_and(|d| d.scaled() == 0) {
                errors.add("packing.unit_dose", "must be greater than zero");
            }
            if !(1..=10_000).contains(&p.pack_units) {
                errors.add("packing.pack_units", "must be between 1 and 10000");
            }
            (unit, dose, p.pack_units)
        });
        errors.finish(|| {
            Some(Self {
                packing: match packing {
                    Some((unit, dose, units)) => Some((unit?, dose?, units)),
                    None => None,
                },
                item_code: item_code?,
                item_name: item_name?,
                item_category: item_category?,
                unit: unit?,
                unit_price: unit_price?,
                executing_department_id: r.executing_department_id,
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChargeItemQuery {
    /// Matches code or name.
    pub q: Option<String>,
    pub item_category: Option<ItemCategory>,
    pub executing_department_id: Option<i64>,
    pub is_active: Option<bool>,
    /// `item_code`, `item_name`, `unit_price` or `item_category`; prefix `-` for descending.
    pub sort: Option<String>,
}

const NOT_FOUND: &str = "No such item in your hospital (`NOT_FOUND`)";
const DUPLICATE: &str = "Item code already used (`DUPLICATE`)";

#[utoipa::path(tag = "charge-items", summary = "List catalogue items", params(PageParams, ChargeItemQuery),
    responses((status = 200, body = PageOf<ChargeItem>)), security(("bearer" = [])))]
#[get("/charge-items")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    page: Query<PageParams>,
    query: Query<ChargeItemQuery>,
) -> Result<web::Json<PageOf<ChargeItem>>, AppError> {
    let Query(q) = query;
    let filter = ChargeItemFilter {
        q: q.q,
        item_category: q.item_category,
        executing_department_id: q.executing_department_id,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, ChargeItem::from)))
}

#[utoipa::path(tag = "charge-items", summary = "Get a catalogue item", responses((status = 200, body = ChargeItem),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/charge-items/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    id: web::Path<i64>,
) -> Result<web::Json<ChargeItem>, AppError> {
    reference::read::<charge_item::Entity, _>(&state.db, &user, id).await
}

#[utoipa::path(tag = "charge-items", summary = "Create a catalogue item", request_body = ChargeItemRequest, responses(
    (status = 201, body = ChargeItem),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/charge-items")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<ChargeItemRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<charge_item::Entity, ChargeItem, _>(&state.db, &user, body).await
}

/// Price changes apply to bills made afterwards; the old and new price are in the audit log.
#[utoipa::path(tag = "charge-items", summary = "Replace a catalogue item", request_body = ChargeItemRequest, responses(
    (status = 200, body = ChargeItem),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/charge-items/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<ChargeItemRequest>,
) -> Result<web::Json<ChargeItem>, AppError> {
    reference::update::<charge_item::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the item, or deactivates it when bills refer to it.
#[utoipa::path(tag = "charge-items", summary = "Delete or deactivate a catalogue item", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/charge-items/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<charge_item::Entity>(&state.db, &user, id).await
}
