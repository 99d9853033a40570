//! `/doctors` (read: every role; write: ADMIN).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, AnyStaff, Auth, Json, Query},
    problem::Problem,
    reference,
};
use crate::{
    domain::{foundation::phone::MobilePhone, foundation::text, foundation::vocab::DoctorTitle},
    entities::foundation::doctor,
    error::{AppError, FieldErrors},
    services::foundation::doctors::{self as service, DoctorFilter, DoctorInput},
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

#[derive(Serialize, ToSchema)]
pub struct Doctor {
    pub id: i64,
    pub department_id: i64,
    /// The staff account this doctor signs in with, if any.
    pub user_id: Option<i64>,
    #[schema(example = "刘佳怡")]
    pub name: String,
    pub title: DoctorTitle,
    #[schema(example = "13812345678")]
    pub phone: String,
    pub available_slots_per_day: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<doctor::Model> for Doctor {
    fn from(m: doctor::Model) -> Self {
        Self {
            id: m.id,
            department_id: m.department_id,
            user_id: m.user_id,
            name: m.name,
            title: m.title,
            phone: m.phone,
            available_slots_per_day: m.available_slots_per_day,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoctorRequest {
    #[schema(example = "刘佳怡", max_length = 64)]
    pub name: String,
    pub department_id: i64,
    #[schema(value_type = DoctorTitle)]
    pub title: String,
    /// Mainland mobile number, unique in the hospital.
    #[schema(example = "13812345678")]
    pub phone: String,
    #[schema(example = 30, minimum = 0, maximum = 500)]
    pub available_slots_per_day: i32,
    /// A DOCTOR account of the same hospital.
    pub user_id: Option<i64>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl TryFrom<DoctorRequest> for DoctorInput {
    type Error = AppError;
    fn try_from(r: DoctorRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", text::required(&r.name, 64));
        let phone = errors.check("phone", MobilePhone::parse(&r.phone));
        let title = errors.check("title", r.title.parse::<DoctorTitle>());
        if !(0..=500).contains(&r.available_slots_per_day) {
            errors.add("available_slots_per_day", "must be between 0 and 500");
        }
        errors.finish(|| {
            Some(Self {
                name: name?,
                department_id: r.department_id,
                title: title?,
                phone: phone?,
                available_slots_per_day: r.available_slots_per_day,
                user_id: r.user_id,
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DoctorQuery {
    /// A name fragment or a whole phone number.
    pub q: Option<String>,
    pub department_id: Option<i64>,
    pub title: Option<DoctorTitle>,
    pub is_active: Option<bool>,
    /// `name`, `title` or `created_at`; prefix `-` for descending.
    pub sort: Option<String>,
}

#[utoipa::path(tag = "doctors", summary = "List doctors", params(PageParams, DoctorQuery),
    responses((status = 200, body = PageOf<Doctor>)), security(("bearer" = [])))]
#[get("/doctors")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    page: Query<PageParams>,
    query: Query<DoctorQuery>,
) -> Result<web::Json<PageOf<Doctor>>, AppError> {
    let Query(q) = query;
    let filter = DoctorFilter {
        q: q.q,
        department_id: q.department_id,
        title: q.title,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, Doctor::from)))
}

#[utoipa::path(tag = "doctors", summary = "Get a doctor", responses((status = 200, body = Doctor),
    (status = 404, description = "No such doctor in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/doctors/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    id: web::Path<i64>,
) -> Result<web::Json<Doctor>, AppError> {
    reference::read::<doctor::Entity, _>(&state.db, &user, id).await
}

#[utoipa::path(tag = "doctors", summary = "Create a doctor", request_body = DoctorRequest, responses(
    (status = 201, body = Doctor),
    (status = 409, description = "Phone or account already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/doctors")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<DoctorRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<doctor::Entity, Doctor, _>(&state.db, &user, body).await
}

#[utoipa::path(tag = "doctors", summary = "Replace a doctor", request_body = DoctorRequest, responses(
    (status = 200, body = Doctor),
    (status = 404, description = "No such doctor in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Phone or account already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/doctors/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<DoctorRequest>,
) -> Result<web::Json<Doctor>, AppError> {
    reference::update::<doctor::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the doctor, or deactivates them when schedules or records refer to them.
#[utoipa::path(tag = "doctors", summary = "Delete or deactivate a doctor", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = "No such doctor in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/doctors/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<doctor::Entity>(&state.db, &user, id).await
}
