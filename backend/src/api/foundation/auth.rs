//! `/auth`: sign in, refresh, sign out, who am I, change password.
use crate::api::{
    AppState,
    extract::{CurrentUser, Json, client_ip},
    problem::Problem,
};
use crate::{domain::foundation::role::Role, error::AppError, services::foundation::auth};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(login, refresh, logout, me, change_password);

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "frontdesk")]
    pub username: String,
    #[schema(example = "demo-pass-2026", format = Password)]
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Single use: each refresh returns a new one, and presenting a used one ends the session.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// When true, only `/auth/me`, `/auth/password` and `/auth/logout` answer until the password is changed.
    pub password_expired: bool,
}

impl From<auth::Tokens> for TokenResponse {
    fn from(t: auth::Tokens) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
            password_expired: t.password_expired,
        }
    }
}

fn ip(req: &HttpRequest, state: &AppState) -> String {
    client_ip(req, state.settings.trust_proxy).unwrap_or_else(|| "unknown".into())
}

/// Sign in with a username and password.
///
/// Repeated failures lock the account for the client address, and the address itself (429 with Retry-After).
#[utoipa::path(tag = "auth", summary = "Sign in", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "Wrong username or password (`UNAUTHORIZED`)", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Locked after repeated failures (`TOO_MANY_ATTEMPTS`)", body = Problem, content_type = "application/problem+json"),
    (status = 503, description = "Too many sign-ins being checked at once (`BUSY`, with Retry-After), or the database is unreachable (`UNAVAILABLE`)", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/login")]
async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let Json(body) = body;
    let tokens = auth::login(
        &state.db,
        &state.keys,
        &state.settings.auth,
        &state.hashes,
        &body.username,
        body.password,
        &ip(&req, &state),
    )
    .await?;
    Ok(web::Json(tokens.into()))
}

/// Trade a refresh token for a new token pair.
#[utoipa::path(tag = "auth", summary = "Refresh the token pair", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, description = "Unknown, expired or reused refresh token; a reused one ends its session (`UNAUTHORIZED`)", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/refresh")]
async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let tokens = auth::refresh(
        &state.db,
        &state.keys,
        &state.settings.auth,
        body.0.refresh_token.trim(),
        &ip(&req, &state),
    )
    .await;
    // A reused refresh token ends its session.
    state.sessions.forget_all();
    Ok(web::Json(tokens?.into()))
}

/// End the session: its access and refresh tokens stop working.
#[utoipa::path(tag = "auth", summary = "Sign out", responses((status = 204, description = "Signed out")), security(("bearer" = [])))]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    auth::logout(&state.db, &user).await?;
    state.sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct HospitalRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub hospital: HospitalRef,
    pub password_expired: bool,
    pub password_policy: crate::domain::foundation::password::PasswordPolicy,
}

/// The signed-in user and their hospital.
#[utoipa::path(tag = "auth", summary = "Current user", responses((status = 200, body = Me)), security(("bearer" = [])))]
#[get("/auth/me")]
async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Me>, AppError> {
    let (account, h) = auth::profile(&state.db, &user).await?;
    Ok(web::Json(Me {
        id: account.id,
        username: account.username,
        display_name: account.display_name,
        role: user.role,
        hospital: HospitalRef {
            id: h.id,
            code: h.code,
            name: h.name,
        },
        password_expired: user.password_expired,
        password_policy: state.settings.auth.password_policy,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[schema(format = Password)]
    pub current_password: String,
    #[schema(format = Password)]
    pub new_password: String,
}

/// Change your own password. Your other sessions end; this one stays.
#[utoipa::path(tag = "auth", summary = "Change password", request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed")), security(("bearer" = [])))]
#[post("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, AppError> {
    let Json(body) = body;
    auth::change_password(
        &state.db,
        state.settings.auth.password_policy,
        &state.hashes,
        &user,
        body.current_password,
        body.new_password,
    )
    .await?;
    state.sessions.forget_all();
    Ok(HttpResponse::NoContent().finish())
}
