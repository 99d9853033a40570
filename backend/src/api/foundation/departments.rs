//! `/departments` (read: every role; write: ADMIN).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, AnyStaff, Auth, Json, Query},
    problem::Problem,
    reference,
};
use crate::{
    domain::foundation::text,
    entities::foundation::department,
    error::{AppError, FieldErrors},
    services::foundation::departments::{self as service, DepartmentFilter, DepartmentInput},
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

#[derive(Serialize, ToSchema)]
pub struct Department {
    pub id: i64,
    #[schema(example = "INT")]
    pub code: String,
    #[schema(example = "内科")]
    pub name: String,
    pub location: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<department::Model> for Department {
    fn from(m: department::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            location: m.location,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentRequest {
    /// Letters, digits, `-`, `_`, `.`; unique in the hospital; case-sensitive.
    #[schema(example = "INT", max_length = 32)]
    pub code: String,
    #[schema(example = "内科", max_length = 64)]
    pub name: String,
    #[schema(example = "门诊楼2层A区", max_length = 128)]
    pub location: Option<String>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl TryFrom<DepartmentRequest> for DepartmentInput {
    type Error = AppError;
    fn try_from(r: DepartmentRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let code = errors.check("code", text::code(&r.code, 32));
        let name = errors.check("name", text::required(&r.name, 64));
        let location = errors.check("location", text::optional(r.location.as_deref(), 128));
        errors.finish(|| {
            Some(Self {
                code: code?,
                name: name?,
                location: location?,
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// Matches code or name.
    pub q: Option<String>,
    pub is_active: Option<bool>,
    /// `code`, `name` or `created_at`; prefix `-` for descending.
    pub sort: Option<String>,
}

#[utoipa::path(tag = "departments", summary = "List departments", params(PageParams, DepartmentQuery),
    responses((status = 200, body = PageOf<Department>)), security(("bearer" = [])))]
#[get("/departments")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    page: Query<PageParams>,
    query: Query<DepartmentQuery>,
) -> Result<web::Json<PageOf<Department>>, AppError> {
    let Query(q) = query;
    let filter = DepartmentFilter {
        q: q.q,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, Department::from)))
}

#[utoipa::path(tag = "departments", summary = "Get a department", responses((status = 200, body = Department),
    (status = 404, description = "No such department in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/departments/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    id: web::Path<i64>,
) -> Result<web::Json<Department>, AppError> {
    reference::read::<department::Entity, _>(&state.db, &user, id).await
}

#[utoipa::path(tag = "departments", summary = "Create a department", request_body = DepartmentRequest, responses(
    (status = 201, body = Department),
    (status = 409, description = "Code or name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/departments")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<DepartmentRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<department::Entity, Department, _>(&state.db, &user, body).await
}

#[utoipa::path(tag = "departments", summary = "Replace a department", request_body = DepartmentRequest, responses(
    (status = 200, body = Department),
    (status = 404, description = "No such department in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Code or name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/departments/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<DepartmentRequest>,
) -> Result<web::Json<Department>, AppError> {
    reference::update::<department::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the department, or deactivates it when doctors, schedules or history refer to it.
#[utoipa::path(tag = "departments", summary = "Delete or deactivate a department", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = "No such department in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/departments/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<department::Entity>(&state.db, &user, id).await
}
