//! Liveness and readiness probes.
use super::AppState;
use crate::error::AppError;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

crate::api::routes!(health, ready);

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
