//! `/schedules` (read: every role; write: ADMIN): one at a time or a week from a template; close; cancel.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{AdminOnly, AnyStaff, Auth, FrontOffice, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::text,
        outpatient::schedule::{ScheduleStatus, TimeSlot},
    },
    error::{AppError, FieldErrors},
    services::outpatient::schedules::{
        self as service, CancelOutcome, NewSchedule, ScheduleFilter, ScheduleView, TemplateLine,
        WeekOutcome,
    },
};
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, create_week, close, cancel, set_capacity);

#[derive(Serialize, ToSchema)]
pub struct Schedule {
    pub id: i64,
    pub doctor_id: i64,
    #[schema(example = "刘佳怡")]
    pub doctor_name: String,
    #[schema(value_type = crate::domain::foundation::vocab::DoctorTitle)]
    pub doctor_title: String,
    pub department_id: i64,
    #[schema(example = "内科")]
    pub department_name: String,
    /// The hospital's local date.
    pub date: NaiveDate,
    pub time_slot: TimeSlot,
    pub room_no: String,
    pub capacity: i32,
    pub booked_count: i32,
    /// Places left: capacity − booked.
    pub remaining: i32,
    pub status: ScheduleStatus,
    /// Patients waiting on the schedule's waitlist (候补).
    pub waitlist_count: u32,
}

impl From<ScheduleView> for Schedule {
    fn from(v: ScheduleView) -> Self {
        let s = v.schedule;
        Self {
            id: s.id,
            doctor_id: s.doctor_id,
            doctor_name: v.doctor_name,
            doctor_title: v.doctor_title,
            department_id: s.department_id,
            department_name: v.department_name,
            date: s.schedule_date,
            time_slot: s.time_slot,
            room_no: s.room_no,
            capacity: s.capacity,
            booked_count: s.booked_count,
            remaining: s.capacity - s.booked_count,
            status: s.status,
            waitlist_count: v.waitlist_count,
        }
    }
}

async fn one(
    state: &AppState,
    rows: Vec<crate::entities::outpatient::schedule::Model>,
) -> Result<Schedule, AppError> {
    service::views(&state.db, rows)
        .await?
        .into_iter()
        .next()
        .map(Schedule::from)
        .ok_or(AppError::NotFound("schedule"))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    pub department_id: Option<i64>,
    pub doctor_id: Option<i64>,
    /// First date, inclusive.
    pub date_from: Option<NaiveDate>,
    /// Last date, inclusive.
    pub date_to: Option<NaiveDate>,
    pub status: Option<ScheduleStatus>,
    /// `true`: only bookable schedules: open, a place left, the slot not over yet.
    pub available: Option<bool>,
}

#[utoipa::path(tag = "schedules", summary = "List schedules with the places left", params(PageParams, ScheduleQuery),
    responses((status = 200, body = PageOf<Schedule>)), security(("bearer" = [])))]
#[get("/schedules")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    page: Query<PageParams>,
    query: Query<ScheduleQuery>,
) -> Result<web::Json<PageOf<Schedule>>, AppError> {
    let Query(q) = query;
    if let (Some(from), Some(to)) = (q.date_from, q.date_to)
        && from > to
    {
        return Err(AppError::invalid("date_from", "must not be after date_to"));
    }
    let filter = ScheduleFilter {
        department_id: q.department_id,
        doctor_id: q.doctor_id,
        date_from: q.date_from,
        date_to: q.date_to,
        status: q.status,
        available: q.available,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    let views = service::views(&state.db, found.items).await?;
    let found = crate::services::Page {
        items: views,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    };
    Ok(web::Json(PageOf::from_page(found, Schedule::from)))
}

const NOT_FOUND: &str = "No such schedule in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "schedules", summary = "Get a schedule", responses((status = 200, body = Schedule),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/schedules/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    id: web::Path<i64>,
) -> Result<web::Json<Schedule>, AppError> {
    let found = service::get(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(one(&state, vec![found]).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    pub doctor_id: i64,
    /// Today or later (the hospital's local date).
    pub date: NaiveDate,
    #[schema(value_type = TimeSlot)]
    pub time_slot: String,
    #[schema(example = "201", max_length = 32)]
    pub room_no: String,
    #[schema(example = 20, minimum = 1, maximum = 500)]
    pub capacity: i32,
}

impl TryFrom<ScheduleRequest> for NewSchedule {
    type Error = AppError;
    fn try_from(r: ScheduleRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let time_slot = errors.check("time_slot", r.time_slot.parse::<TimeSlot>());
        let room_no = errors.check("room_no", text::required(&r.room_no, 32));
        errors.finish(|| {
            Some(Self {
                doctor_id: r.doctor_id,
                date: r.date,
                time_slot: time_slot?,
                room_no: room_no?,
                capacity: r.capacity,
            })
        })
    }
}

#[utoipa::path(tag = "schedules", summary = "Create a schedule", request_body = ScheduleRequest, responses(
    (status = 201, body = Schedule),
    (status = 409, description = "The doctor already has a schedule in that slot (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/schedules")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<ScheduleRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(one(&state, vec![created]).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateLineRequest {
    pub doctor_id: i64,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    #[schema(example = json!([1, 3, 5]))]
    pub weekdays: Vec<u8>,
    #[schema(value_type = Vec<TimeSlot>)]
    pub time_slots: Vec<String>,
    pub room_no: String,
    #[schema(minimum = 1, maximum = 500)]
    pub capacity: i32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekRequest {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    pub lines: Vec<TemplateLineRequest>,
}

fn weekday(n: u8) -> Result<Weekday, String> {
    match n {
        1..=7 => Ok(Weekday::try_from(n - 1).map_err(|_| "must be 1 (Monday) to 7 (Sunday)")?),
        _ => Err("must be 1 (Monday) to 7 (Sunday)".into()),
    }
}

fn template(r: WeekRequest) -> Result<(NaiveDate, Vec<TemplateLine>), AppError> {
    let mut errors = FieldErrors::new();
    if r.lines.is_empty() {
        errors.add("lines", "must name at least one doctor");
    }
    let mut lines = Vec::new();
    for (i, l) in r.lines.into_iter().enumerate() {
        let weekdays: Vec<_> = l
            .weekdays
            .iter()
            .filter_map(|d| errors.check(&format!("lines[{i}].weekdays"), weekday(*d)))
            .collect();
        let slots: Vec<_> = l
            .time_slots
            .iter()
            .filter_map(|s| errors.check(&format!("lines[{i}].time_slots"), s.parse::<TimeSlot>()))
            .collect();
        if l.weekdays.is_empty() || l.time_slots.is_empty() {
            errors.add(
                &format!("lines[{i}]"),
                "needs at least one weekday and one time slot",
            );
        }
        let room_no = errors.check(
            &format!("lines[{i}].room_no"),
            text::required(&l.room_no, 32),
        );
        if let Some(room_no) = room_no {
            lines.push(TemplateLine {
                doctor_id: l.doctor_id,
                weekdays,
                time_slots: slots,
                room_no,
                capacity: l.capacity,
            });
        }
    }
    errors.finish(|| Some((r.week_start, lines)))
}

/// Applies the template to one week. Slots a doctor already has are skipped, so applying it twice creates
/// nothing new; past days are skipped too.
#[utoipa::path(tag = "schedules", summary = "Create a week of schedules from a template", request_body = WeekRequest,
    responses((status = 201, body = WeekOutcome)), security(("bearer" = [])))]
#[post("/schedules/week")]
async fn create_week(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<WeekRequest>,
) -> Result<HttpResponse, AppError> {
    let (monday, lines) = template(body.0)?;
    Ok(HttpResponse::Created().json(service::create_week(&state.db, &user, monday, lines).await?))
}

/// Stops new bookings; appointments already made stay.
#[utoipa::path(tag = "schedules", summary = "Close a schedule", responses((status = 200, body = Schedule),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not OPEN (`SCHEDULE_NOT_OPEN`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/schedules/{id}/close")]
async fn close(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<Schedule>, AppError> {
    let closed = service::close(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(one(&state, vec![closed]).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelQuery {
    /// Cancel the booked appointments too (otherwise a schedule with bookings is refused).
    pub force: Option<bool>,
}

#[utoipa::path(tag = "schedules", summary = "Cancel a schedule", params(CancelQuery), responses((status = 200, body = CancelOutcome),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Has bookings and no `force` (`SCHEDULE_HAS_BOOKINGS`), patients already checked in (`SCHEDULE_IN_USE`), or already cancelled (`SCHEDULE_NOT_OPEN`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/schedules/{id}/cancel")]
async fn cancel(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    query: Query<CancelQuery>,
) -> Result<web::Json<CancelOutcome>, AppError> {
    Ok(web::Json(
        service::cancel(
            &state.db,
            &user,
            id.into_inner(),
            query.0.force.unwrap_or(false),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityRequest {
    /// 1 to 500, and not below the places booked.
    #[schema(example = 25)]
    pub capacity: i32,
}

#[derive(Serialize, ToSchema)]
pub struct CapacityOutcome {
    pub schedule: Schedule,
    /// Appointments the waitlist got from the places added, in its order.
    pub promoted_appointment_ids: Vec<i64>,
}

/// Raises or lowers an open schedule's places (加号 / 减号), never below those booked. Places added go to the
/// schedule's waitlist first, in the same transaction.
#[utoipa::path(tag = "schedules", summary = "Change a schedule's places", request_body = CapacityRequest,
    responses((status = 200, body = CapacityOutcome),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Below the places booked (`CAPACITY_BELOW_BOOKED`, `conflict.count` = booked) or not OPEN (`SCHEDULE_NOT_OPEN`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/schedules/{id}/capacity")]
async fn set_capacity(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
    body: Json<CapacityRequest>,
) -> Result<web::Json<CapacityOutcome>, AppError> {
    let (changed, promoted) =
        service::set_capacity(&state.db, &user, id.into_inner(), body.0.capacity).await?;
    Ok(web::Json(CapacityOutcome {
        schedule: one(&state, vec![changed]).await?,
        promoted_appointment_ids: promoted,
    }))
}
