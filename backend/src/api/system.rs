//! Liveness and readiness probes, and the metrics a Prometheus server scrapes.
use super::AppState;
use crate::error::AppError;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

crate::api::routes!(health, ready, metrics);

#[derive(Serialize, ToSchema)]
pub struct Status {
    /// `ok` or `ready`.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "system", summary = "Liveness", responses((status = 200, body = Status)))]
#[get("/health")]
async fn health() -> web::Json<Status> {
    web::Json(Status { status: "ok" })
}

/// The database answers.
#[utoipa::path(tag = "system", summary = "Readiness", responses((status = 200, body = Status),
    (status = 503, description = "The database is not reachable (`UNAVAILABLE`)", body = super::problem::Problem, content_type = "application/problem+json")))]
#[get("/ready")]
async fn ready(state: web::Data<AppState>) -> Result<web::Json<Status>, AppError> {
    // A ping that waits longer than this is as good as none, for a load balancer deciding where to send work.
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        crate::db::ping(&state.db),
    )
    .await
    {
        Ok(result) => result.map_err(AppError::Unavailable)?,
        Err(_) => return Err(AppError::DatabaseDown),
    }
    Ok(web::Json(Status { status: "ready" }))
}

/// The process's metrics in Prometheus' text format. Not public: answered only when `APP_METRICS_TOKEN` is
/// set, to a request bearing that token (404 otherwise, as if there were none).
#[utoipa::path(tag = "system", summary = "Metrics (Prometheus text format)", responses(
    (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
    (status = 401, description = "Missing or wrong metrics token (`UNAUTHORIZED`)", body = super::problem::Problem, content_type = "application/problem+json"),
    (status = 404, description = "Metrics are not enabled (`NOT_FOUND`)", body = super::problem::Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/metrics")]
async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<actix_web::HttpResponse, AppError> {
    use secrecy::ExposeSecret;
    let Some(expected) = &state.settings.metrics_token else {
        return Err(AppError::NotFound("route"));
    };
    let given = super::extract::bearer(&req).unwrap_or_default();
    if !crate::auth::constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        return Err(AppError::Unauthorized(
            "the metrics token is missing or wrong".into(),
        ));
    }
    let text = crate::metrics::get().render(&state.db).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(text))
}
