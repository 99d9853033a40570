//! `/appointments` (ADMIN, FRONT_DESK): booking, walk-ins, today's check-in list, check-in, cancel, no-show.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{Auth, FrontOffice, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::masking::mask_phone, foundation::vocab::DocumentType,
        outpatient::appointment::AppointmentStatus, outpatient::schedule::TimeSlot,
    },
    error::AppError,
    services::outpatient::appointments::{self as service, AppointmentFilter, AppointmentView},
};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(
    list, today, read, book, walk_in, check_in, cancel, no_show, move_to
);

/// An appointment as the front desk sees it (identity masked).
#[derive(Serialize, ToSchema)]
pub struct Appointment {
    pub id: i64,
    pub status: AppointmentStatus,
    /// Position in the schedule's queue; numbers are never reused.
    pub queue_no: i32,
    pub is_walk_in: bool,
    /// Booked by the schedule's waitlist when a place freed up.
    pub from_waitlist: bool,
    pub patient_id: i64,
    pub patient_name: String,
    pub patient_document_type: DocumentType,
    /// None for a patient with no document yet (a newborn).
    #[schema(example = "330102********123X")]
    pub patient_document_masked: Option<String>,
    pub patient_phone_masked: String,
    pub schedule_id: i64,
    pub date: NaiveDate,
    pub time_slot: TimeSlot,
    pub room_no: String,
    pub doctor_id: i64,
    pub doctor_name: String,
    pub department_id: i64,
    pub department_name: String,
    pub check_in_time: Option<DateTime<Utc>>,
    pub assigned_room: Option<String>,
    /// Created at check-in.
    pub medical_record_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<AppointmentView> for Appointment {
    fn from(v: AppointmentView) -> Self {
        let a = v.appointment;
        Self {
            id: a.id,
            status: a.status,
            queue_no: a.queue_no,
            is_walk_in: a.is_walk_in,
            from_waitlist: a.from_waitlist,
            patient_id: v.patient.id,
            patient_document_masked: v.patient.document_masked(),
            patient_document_type: v.patient.document_type,
            patient_name: v.patient.name,
            patient_phone_masked: mask_phone(&v.patient.phone),
            schedule_id: v.schedule.id,
            date: v.schedule.schedule_date,
            time_slot: v.schedule.time_slot,
            room_no: v.schedule.room_no,
            doctor_id: v.doctor.id,
            doctor_name: v.doctor.name,
            department_id: v.department.id,
            department_name: v.department.name,
            check_in_time: a.check_in_time,
            assigned_room: a.assigned_room,
            medical_record_id: v.medical_record_id,
            created_at: a.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppointmentQuery {
    /// The schedule date.
    pub date: Option<NaiveDate>,
    pub schedule_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub status: Option<AppointmentStatus>,
    /// A whole document number (of any type) or mobile number.
    pub q: Option<String>,
}

impl From<AppointmentQuery> for AppointmentFilter {
    fn from(q: AppointmentQuery) -> Self {
        Self {
            date: q.date,
            schedule_id: q.schedule_id,
            patient_id: q.patient_id,
            status: q.status,
            identity: q.q,
        }
    }
}

#[utoipa::path(tag = "appointments", summary = "List appointments", params(PageParams, AppointmentQuery),
    responses((status = 200, body = PageOf<Appointment>)), security(("bearer" = [])))]
#[get("/appointments")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    page: Query<PageParams>,
    query: Query<AppointmentQuery>,
) -> Result<web::Json<PageOf<Appointment>>, AppError> {
    let found = service::list(&state.db, &user, query.0.into(), false, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, Appointment::from)))
}

/// Today's appointments (the hospital's local date), for the check-in desk: search with `q` = the patient's
/// document number (of any type) or phone.
#[utoipa::path(tag = "appointments", summary = "Today's appointments (check-in list)", params(PageParams, AppointmentQuery),
    responses((status = 200, body = PageOf<Appointment>)), security(("bearer" = [])))]
#[get("/appointments/today")]
async fn today(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    page: Query<PageParams>,
    query: Query<AppointmentQuery>,
) -> Result<web::Json<PageOf<Appointment>>, AppError> {
    let found = service::list(&state.db, &user, query.0.into(), true, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, Appointment::from)))
}

const NOT_FOUND: &str = "No such appointment in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "appointments", summary = "Get an appointment", responses((status = 200, body = Appointment),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/appointments/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Appointment>, AppError> {
    let found = service::read(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(found.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    pub patient_id: i64,
    pub schedule_id: i64,
}

#[utoipa::path(tag = "appointments", summary = "Book a place", request_body = BookingRequest, responses(
    (status = 201, body = Appointment),
    (status = 409, description = "No place left (`SLOT_FULL`: the waitlist is the way in), already booked on this schedule (`DUPLICATE`), schedule closed or cancelled (`SCHEDULE_NOT_OPEN`) or over (`SCHEDULE_ENDED`); the hospital's booking rules: not released yet (`BOOKING_NOT_OPEN`), past the cutoff (`BOOKING_CLOSED`), too many bookings held (`BOOKING_LIMIT`), barred for no-shows (`NO_SHOW_BAN`). `conflict` says when, how many and until when.", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments")]
async fn book(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    body: Json<BookingRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::book(&state.db, &user, body.0.patient_id, body.0.schedule_id).await?;
    Ok(HttpResponse::Created().json(Appointment::from(created)))
}

/// Books one of today's schedules and checks the patient in, in one transaction. The booking rules (window,
/// cutoff, limit, no-show ban) do not apply: the patient is at the desk.
#[utoipa::path(tag = "appointments", summary = "Walk-in: book and check in", request_body = BookingRequest, responses(
    (status = 201, body = Appointment),
    (status = 409, description = "As for booking, or not one of today's schedules (`NOT_TODAY`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments/walk-in")]
async fn walk_in(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    body: Json<BookingRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::walk_in(&state.db, &user, body.0.patient_id, body.0.schedule_id).await?;
    Ok(HttpResponse::Created().json(Appointment::from(created)))
}

const TRANSITION: &str =
    "The appointment is not in a state that allows this (`INVALID_TRANSITION`, naming both states)";

/// COMPLETED, with the check-in time and room, and the empty medical record created.
#[utoipa::path(tag = "appointments", summary = "Check in", responses((status = 200, body = Appointment),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = TRANSITION, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments/{id}/check-in")]
async fn check_in(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Appointment>, AppError> {
    let checked_in = service::check_in(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(checked_in.into()))
}

/// Gives the place back (not the queue number).
#[utoipa::path(tag = "appointments", summary = "Cancel", responses((status = 200, body = Appointment),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = TRANSITION, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments/{id}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Appointment>, AppError> {
    let cancelled = service::cancel(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(cancelled.into()))
}

/// For a booked appointment whose slot has ended (the server also does this by itself every minute).
#[utoipa::path(tag = "appointments", summary = "Mark a no-show", responses((status = 200, body = Appointment),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not booked (`INVALID_TRANSITION`) or the slot has not ended (`SLOT_NOT_ENDED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments/{id}/no-show")]
async fn no_show(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Appointment>, AppError> {
    let marked = service::mark_no_show(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(marked.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// The schedule to move to.
    pub schedule_id: i64,
}

/// Moves a booked patient to another schedule in one step (改约): the new place is taken and the old one
/// released, in one transaction; the old schedule's waitlist gets the place. The appointment keeps its id
/// and gets the new schedule's next queue number. A full or closed target changes nothing.
#[utoipa::path(tag = "appointments", summary = "Move to another schedule", request_body = MoveRequest, responses((status = 200, body = Appointment),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not BOOKED (`INVALID_TRANSITION`); the target is full (`SLOT_FULL`), closed (`SCHEDULE_NOT_OPEN`), over (`SCHEDULE_ENDED`), outside the booking window (`BOOKING_NOT_OPEN`, `BOOKING_CLOSED`), or already holds the patient (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/appointments/{id}/move")]
async fn move_to(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
    body: Json<MoveRequest>,
) -> Result<web::Json<Appointment>, AppError> {
    let moved = service::move_to(&state.db, &user, id.into_inner(), body.0.schedule_id).await?;
    Ok(web::Json(moved.into()))
}
