//! `/users`: staff accounts of the administrator's hospital (ADMIN only).
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{AdminOnly, Auth, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{foundation::role::Role, foundation::text},
    entities::foundation::app_user,
    error::{AppError, FieldErrors},
    services::foundation::users::{self as service, NewUser, UserChanges, UserFilter},
};
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update);

#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<app_user::Model> for User {
    fn from(m: app_user::Model) -> Self {
        Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            is_active: m.is_active,
            last_login_at: m.last_login_at,
            password_changed_at: m.password_changed_at,
            created_at: m.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// 3–64 letters, digits, `-`, `_`, `.`; unique across all hospitals.
    #[schema(example = "zhangmin")]
    pub username: String,
    #[schema(example = "张敏", max_length = 64)]
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// Checked against the password policy.
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[schema(max_length = 64)]
    pub display_name: String,
    #[schema(value_type = Role)]
    pub role: String,
    pub is_active: bool,
    /// Set a new password; the user's sessions end.
    #[schema(format = Password)]
    pub password: Option<String>,
}

fn username(raw: &str) -> Result<String, String> {
    let name = text::code(raw, 64).map_err(|e| e.to_string())?;
    if name.chars().count() < 3 {
        Err("must be at least 3 characters".into())
    } else {
        Ok(name)
    }
}

impl TryFrom<CreateUserRequest> for NewUser {
    type Error = AppError;
    fn try_from(r: CreateUserRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let username = errors.check("username", username(&r.username));
        let display_name = errors.check("display_name", text::required(&r.display_name, 64));
        let role = errors.check("role", r.role.parse::<Role>());
        errors.finish(|| {
            Some(Self {
                username: username?,
                display_name: display_name?,
                role: role?,
                password: r.password,
            })
        })
    }
}

impl TryFrom<UpdateUserRequest> for UserChanges {
    type Error = AppError;
    fn try_from(r: UpdateUserRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let display_name = errors.check("display_name", text::required(&r.display_name, 64));
        let role = errors.check("role", r.role.parse::<Role>());
        errors.finish(|| {
            Some(Self {
                display_name: display_name?,
                role: role?,
                is_active: r.is_active,
                password: r.password,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Matches username or display name.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    /// `username`, `display_name` or `created_at`; prefix `-` for descending.
    pub sort: Option<String>,
}

const NOT_FOUND: &str = "No such user in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "users", summary = "List staff accounts", params(PageParams, UserQuery),
    responses((status = 200, body = PageOf<User>)), security(("bearer" = [])))]
#[get("/users")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    page: Query<PageParams>,
    query: Query<UserQuery>,
) -> Result<web::Json<PageOf<User>>, AppError> {
    let Query(q) = query;
    let filter = UserFilter {
        q: q.q,
        role: q.role,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, User::from)))
}

#[utoipa::path(tag = "users", summary = "Get a staff account", responses((status = 200, body = User),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/users/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<User>, AppError> {
    Ok(web::Json(
        service::get(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

#[utoipa::path(tag = "users", summary = "Create a staff account", request_body = CreateUserRequest, responses(
    (status = 201, body = User),
    (status = 409, description = "Username taken (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/users")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(
        &state.db,
        state.settings.auth.password_policy,
        &user,
        body.0.try_into()?,
    )
    .await?;
    Ok(HttpResponse::Created().json(User::from(created)))
}

/// Accounts are never deleted (the audit log names them): set `is_active` to false to disable one.
#[utoipa::path(tag = "users", summary = "Update a staff account", request_body = UpdateUserRequest, responses(
    (status = 200, body = User),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "You cannot disable yourself or drop your own ADMIN role (`SELF_LOCKOUT`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/users/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<UpdateUserRequest>,
) -> Result<web::Json<User>, AppError> {
    let changes = body.0.try_into()?;
    let updated = service::update(
        &state.db,
        state.settings.auth.password_policy,
        &user,
        id.into_inner(),
        changes,
    )
    .await?;
    // A role, a disabled account or a new password takes effect at once.
    state.sessions.forget_all();
    Ok(web::Json(updated.into()))
}
