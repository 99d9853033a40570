//! The waitlist of a full schedule (候补), for the front desk: `/schedules/{id}/waitlist` and
//! `/waitlist/{id}/cancel`.
use crate::api::{
    AppState,
    extract::{Auth, FrontOffice, Json},
    problem::Problem,
};
use crate::{
    domain::{foundation::masking::mask_phone, outpatient::waitlist::WaitlistStatus},
    error::AppError,
    services::outpatient::waitlist::{self as service, EntryView},
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(list, join, leave);

/// A patient on a schedule's waitlist.
#[derive(Serialize, ToSchema)]
pub struct WaitlistEntry {
    pub id: i64,
    pub schedule_id: i64,
    pub status: WaitlistStatus,
    /// Place in the line while WAITING (1 = booked with the next place that frees up).
    pub position: Option<u32>,
    pub patient_id: i64,
    #[schema(example = "王秀英")]
    pub patient_name: String,
    #[schema(example = "138****5678")]
    pub patient_phone_masked: String,
    /// The appointment a PROMOTED entry became, and its queue number.
    pub appointment_id: Option<i64>,
    pub queue_no: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EntryView> for WaitlistEntry {
    fn from(v: EntryView) -> Self {
        Self {
            id: v.entry.id,
            schedule_id: v.entry.schedule_id,
            status: v.entry.status,
            position: v.position,
            patient_id: v.patient.id,
            patient_phone_masked: mask_phone(&v.patient.phone),
            patient_name: v.patient.name,
            appointment_id: v.entry.appointment_id,
            queue_no: v.queue_no,
            created_at: v.entry.created_at,
            updated_at: v.entry.updated_at,
        }
    }
}

const NOT_FOUND: &str = "No such schedule in your hospital (`NOT_FOUND`)";

/// The schedule's waitlist in the order patients joined: the waiting ones numbered, and what became of the
/// others (booked when a place freed up, left, or expired with the session).
#[utoipa::path(tag = "waitlist", summary = "A schedule's waitlist", responses((status = 200, body = Vec<WaitlistEntry>),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/schedules/{id}/waitlist")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Vec<WaitlistEntry>>, AppError> {
    let entries = service::list(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(
        entries.into_iter().map(WaitlistEntry::from).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitlistRequest {
    pub patient_id: i64,
}

/// Puts a patient on a full schedule's waitlist (候补). When a place frees up (a cancellation, a move away,
/// places added) the first waiting patient is booked in the same transaction, with `from_waitlist` set.
/// The hospital's booking rules apply as to a booking.
#[utoipa::path(tag = "waitlist", summary = "Join a schedule's waitlist", request_body = WaitlistRequest,
    responses((status = 201, body = WaitlistEntry),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Places are left: book instead (`PLACES_LEFT`); the list is full or the hospital keeps none (`WAITLIST_FULL`); the patient is booked on or waiting for the schedule (`DUPLICATE`); the schedule is closed (`SCHEDULE_NOT_OPEN`) or over (`SCHEDULE_ENDED`); or a booking rule refuses (`BOOKING_NOT_OPEN`, `BOOKING_CLOSED`, `BOOKING_LIMIT`, `NO_SHOW_BAN`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/schedules/{id}/waitlist")]
async fn join(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
    body: Json<WaitlistRequest>,
) -> Result<HttpResponse, AppError> {
    let entry = service::join(&state.db, &user, id.into_inner(), body.0.patient_id).await?;
    Ok(HttpResponse::Created().json(WaitlistEntry::from(entry)))
}

/// Takes a waiting patient off the list.
#[utoipa::path(tag = "waitlist", summary = "Leave a waitlist", responses((status = 200, body = WaitlistEntry),
    (status = 404, description = "No such entry in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No longer WAITING (`INVALID_TRANSITION`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/waitlist/{id}/cancel")]
async fn leave(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<WaitlistEntry>, AppError> {
    Ok(web::Json(
        service::leave(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}
