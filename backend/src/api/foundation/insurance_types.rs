//! `/insurance-types` (read: every role; write: ADMIN).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, AnyStaff, Auth, Json, Query},
    problem::Problem,
    reference,
};
use crate::{
    domain::foundation::{text, vocab::InsuranceType},
    entities::foundation::insurance_type,
    error::{AppError, FieldErrors},
    services::foundation::insurance_types::{
        self as service, InsuranceTypeFilter, InsuranceTypeInput,
    },
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

#[derive(Serialize, ToSchema)]
/// One of the hospital's insurance types.
pub struct InsuranceTypeEntry {
    pub id: i64,
    pub code: InsuranceType,
    #[schema(example = "城镇职工医保")]
    pub name: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<insurance_type::Model> for InsuranceTypeEntry {
    fn from(m: insurance_type::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsuranceTypeRequest {
    /// What patients and policies name the type by: 1 to 32 capital letters, digits or `_`, starting with a
    /// letter; unique in the hospital. A changed code follows into the patients and policies that have it.
    #[schema(example = "COMMERCIAL", max_length = 32)]
    pub code: String,
    #[schema(example = "商业保险", max_length = 64)]
    pub name: String,
    /// Default true. An inactive type stays on the patients who have it but is not given to others.
    pub is_active: Option<bool>,
}

impl TryFrom<InsuranceTypeRequest> for InsuranceTypeInput {
    type Error = AppError;
    fn try_from(r: InsuranceTypeRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let code = errors.check("code", r.code.trim().parse::<InsuranceType>());
        let name = errors.check("name", text::required(&r.name, 64));
        errors.finish(|| {
            Some(Self {
                code: code?,
                name: name?,
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InsuranceTypeQuery {
    /// Matches code or name.
    pub q: Option<String>,
    pub is_active: Option<bool>,
    /// `code`, `name` or `created_at`; prefix `-` for descending. Default: the national types first, then
    /// the hospital's own as they were added.
    pub sort: Option<String>,
}

#[utoipa::path(tag = "insurance-types", summary = "List insurance types", params(PageParams, InsuranceTypeQuery),
    responses((status = 200, body = PageOf<InsuranceTypeEntry>)), security(("bearer" = [])))]
#[get("/insurance-types")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    page: Query<PageParams>,
    query: Query<InsuranceTypeQuery>,
) -> Result<web::Json<PageOf<InsuranceTypeEntry>>, AppError> {
    let Query(q) = query;
    let filter = InsuranceTypeFilter {
        q: q.q,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(
        found,
        InsuranceTypeEntry::from,
    )))
}

#[utoipa::path(tag = "insurance-types", summary = "Get an insurance type", responses((status = 200, body = InsuranceTypeEntry),
    (status = 404, description = "No such insurance type in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/insurance-types/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    id: web::Path<i64>,
) -> Result<web::Json<InsuranceTypeEntry>, AppError> {
    reference::read::<insurance_type::Entity, _>(&state.db, &user, id).await
}

#[utoipa::path(tag = "insurance-types", summary = "Add an insurance type", request_body = InsuranceTypeRequest, responses(
    (status = 201, body = InsuranceTypeEntry),
    (status = 409, description = "Code or name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/insurance-types")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<InsuranceTypeRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<insurance_type::Entity, InsuranceTypeEntry, _>(&state.db, &user, body).await
}

#[utoipa::path(tag = "insurance-types", summary = "Replace an insurance type", request_body = InsuranceTypeRequest, responses(
    (status = 200, body = InsuranceTypeEntry),
    (status = 404, description = "No such insurance type in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Code or name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/insurance-types/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<InsuranceTypeRequest>,
) -> Result<web::Json<InsuranceTypeEntry>, AppError> {
    reference::update::<insurance_type::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the type, or deactivates it when patients or policies have it.
#[utoipa::path(tag = "insurance-types", summary = "Delete or deactivate an insurance type", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = "No such insurance type in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/insurance-types/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<insurance_type::Entity>(&state.db, &user, id).await
}
