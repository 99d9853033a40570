//! `/audit-logs` (ADMIN): the audit trail of the administrator's hospital, and the hash chain's state.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{AdminOnly, Auth, Query},
};
use crate::{
    error::AppError,
    services::foundation::audit::{self as service, AuditFilter, ChainReport},
};
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, verify);

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    #[schema(example = "PATIENT_IDENTITY_READ")]
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// SUCCESS, FAILURE or DENIED.
    pub outcome: String,
    pub client_ip: Option<String>,
    pub detail: Option<serde_json::Value>,
    /// The entry's place on the hash chain; null until sealed (within seconds).
    pub chain_seq: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// From this instant (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    pub action: Option<String>,
    /// The actor's username.
    pub actor: Option<String>,
    /// SUCCESS, FAILURE or DENIED.
    pub outcome: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

/// Newest first.
#[utoipa::path(tag = "audit-logs", summary = "List audit entries", params(PageParams, AuditQuery),
    responses((status = 200, body = PageOf<AuditEntry>)), security(("bearer" = [])))]
#[get("/audit-logs")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    page: Query<PageParams>,
    query: Query<AuditQuery>,
) -> Result<web::Json<PageOf<AuditEntry>>, AppError> {
    let Query(q) = query;
    let filter = AuditFilter {
        from: q.from,
        to: q.to,
        action: q.action,
        actor: q.actor,
        outcome: q.outcome,
        resource_type: q.resource_type,
        resource_id: q.resource_id,
    };
    let found = service::list(&state.db, user.hospital_id, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, |e| AuditEntry {
        id: e.id,
        created_at: e.created_at,
        actor_user_id: e.actor_user_id,
        actor_username: e.actor_username,
        action: e.action,
        resource_type: e.resource_type,
        resource_id: e.resource_id,
        outcome: e.outcome,
        client_ip: e.client_ip,
        detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
        chain_seq: e.chain_seq,
    })))
}

/// Seals pending entries and recomputes the whole chain (one for all hospitals, so `intact` is the whole
/// chain's); the counts and the problems listed are the caller's hospital's own.
#[utoipa::path(tag = "audit-logs", summary = "Verify the audit chain", responses((status = 200, body = ChainReport)), security(("bearer" = [])))]
#[get("/audit-logs/verify")]
async fn verify(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
) -> Result<web::Json<ChainReport>, AppError> {
    service::seal(&state.db).await?;
    Ok(web::Json(
        service::verify(&state.db, Some(user.hospital_id)).await?,
    ))
}
