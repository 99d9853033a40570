//! Schedules (排班): creating them one at a time or a week from a template, closing and cancelling them,
//! and listing them with the places left.
use crate::services::{
    Actor, Page, PageRequest, fetch_page, find_owned, foundation::audit, outpatient::appointments,
    outpatient::waitlist, referenced,
};
use crate::{
    db::begin_write,
    domain::{
        outpatient::appointment::AppointmentStatus,
        outpatient::schedule::{MAX_CAPACITY, ScheduleStatus, TimeSlot, has_ended},
        outpatient::waitlist::WaitlistStatus,
    },
    entities::{
        foundation::doctor, outpatient::appointment, outpatient::schedule,
        outpatient::waitlist_entry,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct NewSchedule {
    pub doctor_id: i64,
    pub date: NaiveDate,
    pub time_slot: TimeSlot,
    pub room_no: String,
    pub capacity: i32,
}

/// One line of a week template: a doctor on some weekdays and slots, in a room, with a capacity.
#[derive(Debug, Clone)]
pub struct TemplateLine {
    pub doctor_id: i64,
    pub weekdays: Vec<Weekday>,
    pub time_slots: Vec<TimeSlot>,
    pub room_no: String,
    pub capacity: i32,
}

#[derive(Debug, Clone, Default)]
pub struct ScheduleFilter {
    pub department_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub status: Option<ScheduleStatus>,
    /// Only slots with a place left.
    pub available: Option<bool>,
}

#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct WeekOutcome {
    /// Schedules created.
    pub created: Vec<i64>,
    /// Slots that already had a schedule for that doctor, left as they were.
    pub skipped: u32,
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<schedule::Model, AppError> {
    find_owned::<schedule::Entity>(conn, actor, id).await
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: ScheduleFilter,
    page: PageRequest,
) -> Result<Page<schedule::Model>, AppError> {
    let mut select =
        schedule::Entity::find().filter(schedule::Column::HospitalId.eq(actor.hospital_id));
    if let Some(d) = f.department_id {
        select = select.filter(schedule::Column::DepartmentId.eq(d));
    }
    if let Some(d) = f.doctor_id {
        select = select.filter(schedule::Column::DoctorId.eq(d));
    }
    if let Some(from) = f.date_from {
        select = select.filter(schedule::Column::ScheduleDate.gte(from));
    }
    if let Some(to) = f.date_to {
        select = select.filter(schedule::Column::ScheduleDate.lte(to));
    }
    if let Some(s) = f.status {
        select = select.filter(schedule::Column::Status.eq(s.as_str()));
    }
    if f.available == Some(true) {
        // Bookable: open, a place left, a slot that has not ended yet, and within the booking rules' window.
        let now = actor.local_now();
        let rules = actor.hospital.booking_rules.clone();
        if let Some(first) = rules.first_open_date(now) {
            select = select.filter(schedule::Column::ScheduleDate.gte(first));
        }
        if let Some(last) = rules.last_open_date(now) {
            select = select.filter(schedule::Column::ScheduleDate.lte(last));
        }
        let open_today: Vec<&str> = TimeSlot::ALL
            .iter()
            .filter(|slot| !has_ended(now.date(), **slot, now))
            .map(|slot| slot.as_str())
            .collect();
        select = select
            .filter(schedule::Column::Status.eq(ScheduleStatus::Open))
            .filter(
                Expr::col(schedule::Column::BookedCount).lt(Expr::col(schedule::Column::Capacity)),
            )
            .filter(
                schedule::Column::ScheduleDate
                    .gt(now.date())
                    .or(schedule::Column::ScheduleDate
                        .eq(now.date())
                        .and(schedule::Column::TimeSlot.is_in(open_today))),
            );
    }
    // Date, then slot in the order of the day (MORNING < AFTERNOON < EVENING happens to be wrong
    // alphabetically, so the id — creation order within a template — breaks ties instead).
    fetch_page(
        db,
        select,
        Some((schedule::Column::ScheduleDate, Order::Asc)),
        schedule::Column::Id,
        page,
    )
    .await
}

fn check_capacity(capacity: i32) -> Result<(), AppError> {
    if (1..=MAX_CAPACITY).contains(&capacity) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "capacity",
            format!("must be between 1 and {MAX_CAPACITY}"),
        ))
    }
}

async fn insert(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    department_id: i64,
    s: &NewSchedule,
) -> Result<schedule::Model, sea_orm::DbErr> {
    let now = Utc::now();
    schedule::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        doctor_id: Set(s.doctor_id),
        department_id: Set(department_id),
        schedule_date: Set(s.date),
        time_slot: Set(s.time_slot),
        room_no: Set(s.room_no.clone()),
        capacity: Set(s.capacity),
        booked_count: Set(0),
        last_queue_no: Set(0),
        status: Set(ScheduleStatus::Open),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// A taken slot, with the doctor's schedule that holds it.
async fn with_holder(
    db: &DatabaseConnection,
    actor: &Actor,
    err: AppError,
    s: &NewSchedule,
) -> AppError {
    if !err.is_duplicate_of("doctor_id") {
        return err;
    }
    let holder = schedule::Entity::find()
        .filter(schedule::Column::HospitalId.eq(actor.hospital_id))
        .filter(schedule::Column::DoctorId.eq(s.doctor_id))
        .filter(schedule::Column::ScheduleDate.eq(s.date))
        .filter(schedule::Column::TimeSlot.eq(s.time_slot))
        .one(db)
        .await;
    let Ok(Some(found)) = holder else {
        return err;
    };
    let doctor = doctor::Entity::find_by_id(found.doctor_id).one(db).await;
    err.collided(Conflict {
        schedule_date: Some(found.schedule_date),
        time_slot: Some(found.time_slot),
        doctor_name: doctor.ok().flatten().map(|d| d.name),
        ..Conflict::new(ConflictResource::Schedule, found.id)
    })
}

/// The doctor's department, checking the doctor is active in the caller's hospital.
async fn doctor_department(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    doctor_id: i64,
) -> Result<i64, AppError> {
    let doctor = referenced::<doctor::Entity>(conn, actor, doctor_id, "doctor_id").await?;
    if !doctor.is_active {
        return Err(AppError::invalid("doctor_id", "the doctor is inactive"));
    }
    Ok(doctor.department_id)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    s: NewSchedule,
) -> Result<schedule::Model, AppError> {
    check_capacity(s.capacity)?;
    let txn = begin_write(db).await?;
    let now = actor.local_now();
    if s.date < now.date() {
        return Err(AppError::invalid("date", "is in the past"));
    }
    let department_id = doctor_department(&txn, actor, s.doctor_id).await?;
    let created = match insert(&txn, actor, department_id, &s).await {
        Ok(created) => created,
        Err(e) => {
            drop(txn);
            let err =
                AppError::from_unique(e, &[("doctor_id", "already has a schedule in that slot")]);
            return Err(with_holder(db, actor, err, &s).await);
        }
    };
    audit::commit(txn, actor.audit("SCHEDULE_CREATE", "schedule", created.id)).await?;
    Ok(created)
}

/// Applies a template to the week starting on `monday`: every (doctor, weekday, slot) not yet scheduled
/// gets a schedule; those already there are left alone, so applying a template twice changes nothing.
#[tracing::instrument(skip_all)]
pub async fn create_week(
    db: &DatabaseConnection,
    actor: &Actor,
    monday: NaiveDate,
    lines: Vec<TemplateLine>,
) -> Result<WeekOutcome, AppError> {
    if monday.weekday() != Weekday::Mon {
        return Err(AppError::invalid("week_start", "must be a Monday"));
    }
    for (i, line) in lines.iter().enumerate() {
        check_capacity(line.capacity).map_err(|_| {
            AppError::invalid(
                format!("lines[{i}].capacity"),
                format!("must be between 1 and {MAX_CAPACITY}"),
            )
        })?;
    }
    let txn = begin_write(db).await?;
    let now = actor.local_now();
    let mut outcome = WeekOutcome::default();
    for (i, line) in lines.iter().enumerate() {
        let department_id = doctor_department(&txn, actor, line.doctor_id)
            .await
            .map_err(|e| match e {
                AppError::Validation(mut errs) => {
                    errs.iter_mut()
                        .for_each(|f| f.field = format!("lines[{i}].{}", f.field));
                    AppError::Validation(errs)
                }
                other => other,
            })?;
        for weekday in &line.weekdays {
            let date = monday + Duration::days(i64::from(weekday.num_days_from_monday()));
            if date < now.date() {
                outcome.skipped += line.time_slots.len() as u32;
                continue;
            }
            for slot in &line.time_slots {
                let exists = schedule::Entity::find()
                    .filter(schedule::Column::DoctorId.eq(line.doctor_id))
                    .filter(schedule::Column::ScheduleDate.eq(date))
                    .filter(schedule::Column::TimeSlot.eq(slot.as_str()))
                    .count(&txn)
                    .await?
                    > 0;
                if exists {
                    outcome.skipped += 1;
                    continue;
                }
                let s = NewSchedule {
                    doctor_id: line.doctor_id,
                    date,
                    time_slot: *slot,
                    room_no: line.room_no.clone(),
                    capacity: line.capacity,
                };
                outcome
                    .created
                    .push(insert(&txn, actor, department_id, &s).await?.id);
            }
        }
    }
    let detail = json!({ "week_start": monday, "created": outcome.created.len(), "skipped": outcome.skipped });
    audit::commit(
        txn,
        actor
            .audit("SCHEDULE_WEEK_CREATE", "schedule", monday)
            .with_detail(detail),
    )
    .await?;
    Ok(outcome)
}

/// Stops new bookings; the appointments already made stay.
#[tracing::instrument(skip_all)]
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<schedule::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, actor, id).await?;
    let changed = schedule::Entity::update_many()
        .col_expr(
            schedule::Column::Status,
            Expr::value(ScheduleStatus::Closed),
        )
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(id))
        .filter(schedule::Column::Status.eq(ScheduleStatus::Open))
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleNotOpen,
            message: format!("the schedule is {}, not OPEN", current.status),
        });
    }
    let ended = waitlist::end_all(&txn, only(id), WaitlistStatus::Cancelled).await?;
    audit::record(
        &txn,
        actor
            .audit("SCHEDULE_CLOSE", "schedule", id)
            .with_detail(json!({ "waitlist_cancelled": ended })),
    )
    .await?;
    let updated = get(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(updated)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CancelOutcome {
    pub schedule_id: i64,
    /// Booked appointments cancelled with the schedule (only with `force`).
    pub cancelled_appointments: u64,
}

/// Cancels the schedule. With booked appointments it is refused unless `force`, which cancels them too.
/// Patients already checked in cannot be cancelled away.
#[tracing::instrument(skip_all)]
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    force: bool,
) -> Result<CancelOutcome, AppError> {
    let txn = begin_write(db).await?;
    // Take the schedule row before reading anything: bookings in flight finish first and are counted,
    // later ones wait and then find it CANCELLED (and on MySQL the snapshot starts after the lock).
    let locked = schedule::Entity::update_many()
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(id))
        .filter(schedule::Column::HospitalId.eq(actor.hospital_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if locked == 0 {
        return Err(AppError::NotFound("schedule"));
    }
    let current = get(&txn, actor, id).await?;
    if current.status == ScheduleStatus::Cancelled {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleNotOpen,
            message: "the schedule is already CANCELLED".into(),
        });
    }
    let count = |statuses: &[AppointmentStatus]| {
        appointment::Entity::find()
            .filter(appointment::Column::ScheduleId.eq(id))
            .filter(appointment::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
            .count(&txn)
    };
    let booked = count(&[AppointmentStatus::Booked]).await?;
    let seen = count(&[
        AppointmentStatus::Completed,
        AppointmentStatus::Billed,
        AppointmentStatus::Paid,
    ])
    .await?;
    if seen > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleInUse,
            message:
                "patients of this schedule have already been checked in; it cannot be cancelled"
                    .into(),
        });
    }
    if booked > 0 && !force {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleHasBookings,
            message: format!(
                "{booked} booked appointment(s); cancel with force=true to cancel them too"
            ),
        });
    }
    let cancelled = appointments::cancel_all_booked(&txn, id).await?;
    waitlist::end_all(&txn, only(id), WaitlistStatus::Cancelled).await?;
    schedule::Entity::update_many()
        .col_expr(
            schedule::Column::Status,
            Expr::value(ScheduleStatus::Cancelled),
        )
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let detail = json!({ "force": force, "cancelled_appointments": cancelled });
    audit::commit(
        txn,
        actor
            .audit("SCHEDULE_CANCEL", "schedule", id)
            .with_detail(detail),
    )
    .await?;
    Ok(CancelOutcome {
        schedule_id: id,
        cancelled_appointments: cancelled,
    })
}

/// The one schedule `id`, as a subquery.
fn only(id: i64) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(schedule::Column::Id)
        .from(schedule::Entity)
        .and_where(schedule::Column::Id.eq(id))
        .to_owned()
}

/// Changes an open schedule's number of places (加号 / 减号), never below those booked; places added go to
/// the waitlist first, in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn set_capacity(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    capacity: i32,
) -> Result<(schedule::Model, Vec<i64>), AppError> {
    check_capacity(capacity)?;
    let txn = begin_write(db).await?;
    let before = appointments::lock_schedule(&txn, actor.hospital_id, id).await?;
    if before.status != ScheduleStatus::Open {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleNotOpen,
            message: format!("the schedule is {}, not OPEN", before.status),
        });
    }
    if capacity < before.booked_count {
        return Err(AppError::Conflict {
            code: ErrorCode::CapacityBelowBooked,
            message: format!(
                "{} place(s) are booked; the schedule cannot have fewer",
                before.booked_count
            ),
        }
        .collided(Conflict {
            limit: Some(u32::try_from(capacity).unwrap_or(0)),
            count: Some(u32::try_from(before.booked_count).unwrap_or(0)),
            schedule_date: Some(before.schedule_date),
            time_slot: Some(before.time_slot),
            ..Conflict::new(ConflictResource::Schedule, id)
        }));
    }
    schedule::Entity::update_many()
        .col_expr(schedule::Column::Capacity, Expr::value(capacity))
        .filter(schedule::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let promoted: Vec<i64> = waitlist::promote(&txn, actor, id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let detail = json!({ "from": before.capacity, "to": capacity, "promoted": promoted });
    audit::record(
        &txn,
        actor
            .audit("SCHEDULE_CAPACITY", "schedule", id)
            .with_detail(detail),
    )
    .await?;
    let updated = get(&txn, actor, id).await?;
    txn.commit().await?;
    Ok((updated, promoted))
}

/// A schedule with its doctor's and department's names.
#[derive(Debug, Clone)]
pub struct ScheduleView {
    pub schedule: schedule::Model,
    pub doctor_name: String,
    pub doctor_title: String,
    pub department_name: String,
    /// Patients on the schedule's waitlist.
    pub waitlist_count: u32,
}

#[tracing::instrument(skip_all)]
pub async fn views(
    conn: &impl ConnectionTrait,
    rows: Vec<schedule::Model>,
) -> Result<Vec<ScheduleView>, AppError> {
    use crate::entities::foundation::department;
    use std::collections::HashMap;
    let doctors: HashMap<i64, doctor::Model> = doctor::Entity::find()
        .filter(doctor::Column::Id.is_in(rows.iter().map(|s| s.doctor_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let departments: HashMap<i64, String> = department::Entity::find()
        .filter(department::Column::Id.is_in(rows.iter().map(|s| s.department_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let waiting: HashMap<i64, i64> = waitlist_entry::Entity::find()
        .select_only()
        .column(waitlist_entry::Column::ScheduleId)
        .column_as(waitlist_entry::Column::Id.count(), "waiting")
        .filter(waitlist_entry::Column::ScheduleId.is_in(rows.iter().map(|s| s.id)))
        .filter(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting))
        .group_by(waitlist_entry::Column::ScheduleId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|s| {
            let doctor = doctors.get(&s.doctor_id);
            ScheduleView {
                waitlist_count: waiting
                    .get(&s.id)
                    .and_then(|n| u32::try_from(*n).ok())
                    .unwrap_or(0),
                doctor_name: doctor.map(|d| d.name.clone()).unwrap_or_default(),
                doctor_title: doctor
                    .map(|d| d.title.as_str().to_owned())
                    .unwrap_or_default(),
                department_name: departments
                    .get(&s.department_id)
                    .cloned()
                    .unwrap_or_default(),
                schedule: s,
            }
        })
        .collect())
}
