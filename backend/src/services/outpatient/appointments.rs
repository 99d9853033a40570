//! Booking, walk-ins, cancellation, check-in and no-shows: every appointment write goes through
//! `domain::outpatient::appointment::transition` and lands as a compare-and-set on the current status.
//!
//! Capacity is taken with one conditional update of the schedule row (`booked_count < capacity`), which
//! is race-free on every backend; on SQLite the transaction also opens with `BEGIN IMMEDIATE`.
use crate::services::{
    Actor, find_owned, foundation::audit, local_now, outpatient::booking_rules,
    outpatient::waitlist, referenced, select_all_as,
};
use crate::{
    db::begin_write,
    domain::{
        outpatient::appointment::{AppointmentAction, AppointmentStatus, transition},
        outpatient::booking_rules::BookingRules,
        outpatient::schedule::{ScheduleStatus, TimeSlot, has_ended},
        outpatient::waitlist::WaitlistStatus,
    },
    entities::{
        foundation::department, foundation::doctor, foundation::patient, outpatient::appointment,
        outpatient::medical_record, outpatient::schedule,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::{NaiveDateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};
use serde_json::json;

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<appointment::Model, AppError> {
    find_owned::<appointment::Entity>(conn, actor, id).await
}

/// Moves an appointment by `action`, checked by the status machine and applied as a compare-and-set on
/// the status it was read in: a concurrent change makes this one fail with `INVALID_TRANSITION` from the
/// state it found, never overwrite it.
#[tracing::instrument(skip_all)]
pub async fn apply(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    action: AppointmentAction,
) -> Result<appointment::Model, AppError> {
    let current = get(conn, actor, id).await?;
    let from = current.status;
    let to = transition(from, action)?;
    // At the precision every database keeps, so the row answered is the row stored.
    let now = Utc::now().trunc_subsecs(6);
    let mut update = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(to.as_str()))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(now))
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::Status.eq(from.as_str()));
    if action == AppointmentAction::CheckIn {
        update = update.col_expr(appointment::Column::CheckInTime, Expr::value(now));
    }
    if update.exec(conn).await?.rows_affected == 0 {
        return Err(lost_race(conn, actor, id, action).await);
    }
    let check_in_time = match action {
        AppointmentAction::CheckIn => Some(now),
        _ => current.check_in_time,
    };
    Ok(appointment::Model {
        status: to,
        updated_at: now,
        check_in_time,
        ..current
    })
}

/// Why a compare-and-set of an appointment's status found another status: the transition refused from the
/// status it has now.
async fn lost_race(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    action: AppointmentAction,
) -> AppError {
    // A locking read: under MySQL's REPEATABLE READ a plain one would still see the status we lost to.
    let latest = appointment::Entity::find_by_id(id)
        .filter(appointment::Column::HospitalId.eq(actor.hospital_id))
        .lock_shared()
        .one(conn)
        .await;
    match latest {
        Err(e) => e.into(),
        Ok(None) => AppError::NotFound("appointment"),
        Ok(Some(latest)) => transition(latest.status, action)
            .err()
            .map(AppError::from)
            .unwrap_or(AppError::Conflict {
                code: ErrorCode::ConcurrentUpdate,
                message: "the appointment changed while this request ran; try again".into(),
            }),
    }
}

/// Takes a place on the schedule: one conditional update, so two bookings can never take the last place.
/// Returns the queue number, or `None` when the schedule is full or not open.
#[tracing::instrument(skip_all)]
pub async fn take_place(
    conn: &impl ConnectionTrait,
    schedule_id: i64,
) -> Result<Option<i32>, DbErr> {
    Ok(take_place_row(conn, schedule_id)
        .await?
        .map(|s| s.last_queue_no))
}

/// [`take_place`], answering the schedule's row as the update left it (its `last_queue_no` is the number
/// given): one statement where the database returns updated rows, the update and a read where it does not.
async fn take_place_row(
    conn: &impl ConnectionTrait,
    schedule_id: i64,
) -> Result<Option<schedule::Model>, DbErr> {
    let update = schedule::Entity::update_many()
        .col_expr(
            schedule::Column::BookedCount,
            Expr::col(schedule::Column::BookedCount).add(1),
        )
        .col_expr(
            schedule::Column::LastQueueNo,
            Expr::col(schedule::Column::LastQueueNo).add(1),
        )
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(schedule_id))
        .filter(schedule::Column::Status.eq(ScheduleStatus::Open))
        .filter(Expr::col(schedule::Column::BookedCount).lt(Expr::col(schedule::Column::Capacity)));
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.pop());
    }
    if update.exec(conn).await?.rows_affected != 1 {
        return Ok(None);
    }
    // Our own update holds the row, so the counter read back is the number we were given.
    schedule::Entity::find_by_id(schedule_id).one(conn).await
}

async fn give_back_place(
    conn: &impl ConnectionTrait,
    schedule_id: i64,
    places: u64,
) -> Result<(), DbErr> {
    schedule::Entity::update_many()
        .col_expr(
            schedule::Column::BookedCount,
            Expr::col(schedule::Column::BookedCount).sub(places as i64),
        )
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(schedule_id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Whether a schedule takes bookings at local time `now`: open, and its slot not over.
pub fn check_bookable(slot: &schedule::Model, now: NaiveDateTime) -> Result<(), AppError> {
    if slot.status != ScheduleStatus::Open {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleNotOpen,
            message: format!("the schedule is {}", slot.status),
        });
    }
    if has_ended(slot.schedule_date, slot.time_slot, now) {
        return Err(AppError::Conflict {
            code: ErrorCode::ScheduleEnded,
            message: "the schedule's time slot has ended".into(),
        });
    }
    Ok(())
}

/// What a booking or a check-in reads before it writes, in one query: the patient, the schedule, its doctor
/// and department.
struct BookingRead {
    patient: patient::Model,
    slot: schedule::Model,
    doctor: doctor::Model,
    department: department::Model,
}

/// A query for the schedule with its doctor and department and a patient (which the caller joins), each model's
/// columns under its own prefix.
fn joined_select() -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    select_all_as::<patient::Entity>(&mut q, "p_");
    select_all_as::<schedule::Entity>(&mut q, "s_");
    select_all_as::<doctor::Entity>(&mut q, "d_");
    select_all_as::<department::Entity>(&mut q, "t_");
    q.from(schedule::Entity)
        .inner_join(
            doctor::Entity,
            Expr::col((doctor::Entity, doctor::Column::Id))
                .equals((schedule::Entity, schedule::Column::DoctorId)),
        )
        .inner_join(
            department::Entity,
            Expr::col((department::Entity, department::Column::Id))
                .equals((schedule::Entity, schedule::Column::DepartmentId)),
        );
    q
}

impl BookingRead {
    fn from_row(row: &sea_orm::QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            patient: patient::Model::from_query_result(row, "p_")?,
            slot: schedule::Model::from_query_result(row, "s_")?,
            doctor: doctor::Model::from_query_result(row, "d_")?,
            department: department::Model::from_query_result(row, "t_")?,
        })
    }
}

/// Reads a patient and a schedule of the actor's hospital with the schedule's doctor and department; a
/// missing one is its field's error.
async fn read_for_booking(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    patient_id: i64,
    schedule_id: i64,
) -> Result<BookingRead, AppError> {
    let mut q = joined_select();
    q.inner_join(
        patient::Entity,
        Expr::col((patient::Entity, patient::Column::Id))
            .eq(patient_id)
            .and(
                Expr::col((patient::Entity, patient::Column::HospitalId))
                    .equals((schedule::Entity, schedule::Column::HospitalId)),
            ),
    )
    .and_where(Expr::col((schedule::Entity, schedule::Column::Id)).eq(schedule_id))
    .and_where(Expr::col((schedule::Entity, schedule::Column::HospitalId)).eq(actor.hospital_id));
    let statement = conn.get_database_backend().build(&q);
    let Some(row) = conn.query_one_raw(statement).await? else {
        // Say which one is missing.
        referenced::<patient::Entity>(conn, actor, patient_id, "patient_id").await?;
        referenced::<schedule::Entity>(conn, actor, schedule_id, "schedule_id").await?;
        return Err(AppError::Internal(anyhow::anyhow!(
            "schedule {schedule_id} refers to a missing doctor or department"
        )));
    };
    Ok(BookingRead::from_row(&row)?)
}

/// An appointment of the actor's hospital with its patient, schedule, doctor and department, in one query.
async fn read_for_check_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(appointment::Model, BookingRead), AppError> {
    let mut q = joined_select();
    select_all_as::<appointment::Entity>(&mut q, "a_");
    q.inner_join(
        appointment::Entity,
        Expr::col((appointment::Entity, appointment::Column::ScheduleId))
            .equals((schedule::Entity, schedule::Column::Id)),
    )
    .inner_join(
        patient::Entity,
        Expr::col((patient::Entity, patient::Column::Id))
            .equals((appointment::Entity, appointment::Column::PatientId)),
    )
    .and_where(Expr::col((appointment::Entity, appointment::Column::Id)).eq(id))
    .and_where(
        Expr::col((appointment::Entity, appointment::Column::HospitalId)).eq(actor.hospital_id),
    );
    let statement = conn.get_database_backend().build(&q);
    let row = conn
        .query_one_raw(statement)
        .await?
        .ok_or(AppError::NotFound("appointment"))?;
    Ok((
        appointment::Model::from_query_result(&row, "a_")?,
        BookingRead::from_row(&row)?,
    ))
}

/// Books within the caller's transaction. `rules` are the hospital's booking rules, `None` for a walk-in
/// (the patient is at the desk: no window, cutoff, limit or ban), who is checked in at once. The answer is
/// built from what the transaction read and wrote: one read, the conditional update of the schedule, the
/// appointment (and a walk-in's record).
async fn book_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    patient_id: i64,
    schedule_id: i64,
    rules: Option<&BookingRules>,
    now: NaiveDateTime,
) -> Result<AppointmentView, AppError> {
    let walk_in = rules.is_none();
    let read = read_for_booking(conn, actor, patient_id, schedule_id).await?;
    if !read.patient.is_active {
        return Err(AppError::invalid("patient_id", "the patient is inactive"));
    }
    check_bookable(&read.slot, now)?;
    if walk_in && read.slot.schedule_date != now.date() {
        return Err(AppError::Conflict {
            code: ErrorCode::NotToday,
            message: "a walk-in is for one of today's schedules".into(),
        });
    }
    if let Some(rules) = rules {
        booking_rules::check_window(rules, &read.slot, now)?;
        booking_rules::check_patient(conn, rules, &read.patient, now).await?;
    }
    let Some(slot) = take_place_row(conn, schedule_id).await? else {
        return Err(no_place(conn, patient_id, schedule_id).await?);
    };
    let now_utc = Utc::now();
    let mut row = appointment::Model {
        id: 0,
        hospital_id: actor.hospital_id,
        patient_id,
        schedule_id,
        queue_no: slot.last_queue_no,
        status: AppointmentStatus::Booked,
        check_in_time: None,
        called_at: None,
        assigned_room: None,
        is_walk_in: walk_in,
        from_waitlist: false,
        requeued_at: None,
        created_at: now_utc,
        updated_at: now_utc,
    };
    if walk_in {
        row.status = transition(row.status, AppointmentAction::CheckIn)?;
        row.check_in_time = Some(now_utc);
        row.assigned_room = Some(slot.room_no.clone());
    }
    let mut fresh = row.clone().into_active_model();
    fresh.id = sea_orm::NotSet;
    row.id = appointment::Entity::insert(fresh)
        .exec(conn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => duplicate_booking(),
            _ => e.into(),
        })?
        .last_insert_id;
    let medical_record_id = if walk_in {
        Some(open_record(conn, actor, &row, &slot).await?)
    } else {
        None
    };
    Ok(AppointmentView {
        appointment: row,
        schedule: slot,
        patient: read.patient,
        doctor: read.doctor,
        department: read.department,
        medical_record_id,
    })
}

fn duplicate_booking() -> AppError {
    AppError::Duplicate {
        field: "patient_id".into(),
        message: "already has an appointment on this schedule".into(),
    }
}

/// Why no place was taken: the patient already has one, the schedule closed or was cancelled since it was
/// read (a locking read sees the latest status), or it is full.
async fn no_place(
    conn: &impl ConnectionTrait,
    patient_id: i64,
    schedule_id: i64,
) -> Result<AppError, DbErr> {
    let existing = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::ScheduleId.eq(schedule_id))
        .one(conn)
        .await?;
    if existing.is_some() {
        return Ok(duplicate_booking());
    }
    let latest = schedule::Entity::find_by_id(schedule_id)
        .lock_shared()
        .one(conn)
        .await?;
    if let Some(s) = latest.filter(|s| s.status != ScheduleStatus::Open) {
        return Ok(AppError::Conflict {
            code: ErrorCode::ScheduleNotOpen,
            message: format!("the schedule is {}", s.status),
        });
    }
    Ok(AppError::Conflict {
        code: ErrorCode::SlotFull,
        message: "the schedule has no place left".into(),
    })
}

/// The empty medical record of a patient just checked in; answers its id.
async fn open_record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    checked_in: &appointment::Model,
    slot: &schedule::Model,
) -> Result<i64, DbErr> {
    let now = Utc::now();
    let record = medical_record::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        appointment_id: Set(checked_in.id),
        doctor_id: Set(slot.doctor_id),
        patient_id: Set(checked_in.patient_id),
        diagnosis: Set(None),
        diagnoses: Set(None),
        treatment: Set(None),
        prescription: Set(None),
        visit_time: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(medical_record::Entity::insert(record)
        .exec(conn)
        .await?
        .last_insert_id)
}

/// Books a place: `BOOKED` with the next queue number.
#[tracing::instrument(skip_all)]
pub async fn book(
    db: &DatabaseConnection,
    actor: &Actor,
    patient_id: i64,
    schedule_id: i64,
) -> Result<AppointmentView, AppError> {
    book_or_walk_in(db, actor, patient_id, schedule_id, false).await
}

/// A patient who walks in: booked and checked in at once, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn walk_in(
    db: &DatabaseConnection,
    actor: &Actor,
    patient_id: i64,
    schedule_id: i64,
) -> Result<AppointmentView, AppError> {
    book_or_walk_in(db, actor, patient_id, schedule_id, true).await
}

/// A second booking of a patient on a schedule, with the appointment the patient has on it.
async fn with_booking(
    db: &DatabaseConnection,
    err: AppError,
    patient_id: i64,
    schedule_id: i64,
) -> AppError {
    let found = async {
        let Some(booked) = appointment::Entity::find()
            .filter(appointment::Column::PatientId.eq(patient_id))
            .filter(appointment::Column::ScheduleId.eq(schedule_id))
            .one(db)
            .await?
        else {
            return Ok::<_, DbErr>(None);
        };
        let slot = schedule::Entity::find_by_id(schedule_id).one(db).await?;
        let doctor = match &slot {
            Some(s) => doctor::Entity::find_by_id(s.doctor_id).one(db).await?,
            None => None,
        };
        let patient = patient::Entity::find_by_id(patient_id).one(db).await?;
        Ok(Some(Conflict {
            patient_name: patient.map(|p| p.name),
            schedule_date: slot.as_ref().map(|s| s.schedule_date),
            time_slot: slot.as_ref().map(|s| s.time_slot),
            doctor_name: doctor.map(|d| d.name),
            queue_no: Some(booked.queue_no),
            ..Conflict::new(ConflictResource::Appointment, booked.id)
        }))
    };
    match found.await {
        Ok(Some(conflict)) => err.collided(conflict),
        _ => err,
    }
}

/// A booking, checked in at once when the patient walked in.
async fn book_or_walk_in(
    db: &DatabaseConnection,
    actor: &Actor,
    patient_id: i64,
    schedule_id: i64,
    walk_in: bool,
) -> Result<AppointmentView, AppError> {
    let rules = (!walk_in).then_some(&actor.hospital.booking_rules);
    let txn = begin_write(db).await?;
    if rules.is_some_and(|r| r.max_active_bookings.is_some()) {
        // Two bookings of one patient at once must not both pass the limit.
        lock_patient(&txn, actor, patient_id).await?;
    }
    let now = actor.local_now();
    let booked = match book_in(&txn, actor, patient_id, schedule_id, rules, now).await {
        Ok(booked) => booked,
        Err(e) if e.is_duplicate_of("patient_id") => {
            drop(txn);
            return Err(with_booking(db, e, patient_id, schedule_id).await);
        }
        Err(e) => return Err(e),
    };
    let action = if walk_in {
        "APPOINTMENT_WALK_IN"
    } else {
        "APPOINTMENT_BOOK"
    };
    let entry = actor
        .audit(action, "appointment", booked.appointment.id)
        .with_detail(json!({"schedule_id": schedule_id, "queue_no": booked.appointment.queue_no}));
    audit::record(&txn, entry).await?;
    txn.commit().await?;
    Ok(booked)
}

/// Takes the patient's row for the rest of the transaction (a no-op update); an unknown patient is left for
/// the lookup that follows to report.
async fn lock_patient(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    patient_id: i64,
) -> Result<(), DbErr> {
    patient::Entity::update_many()
        .col_expr(
            patient::Column::UpdatedAt,
            Expr::col(patient::Column::UpdatedAt),
        )
        .filter(patient::Column::Id.eq(patient_id))
        .filter(patient::Column::HospitalId.eq(actor.hospital_id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Cancels a booked appointment and gives its place back (not its queue number); the first patient on the
/// schedule's waitlist takes it in the same transaction.
#[tracing::instrument(skip_all)]
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<AppointmentView, AppError> {
    let txn = begin_write(db).await?;
    let cancelled = apply(&txn, actor, id, AppointmentAction::Cancel).await?;
    give_back_place(&txn, cancelled.schedule_id, 1).await?;
    let promoted = waitlist::promote(&txn, actor, cancelled.schedule_id).await?;
    let detail = json!({"promoted": promoted.iter().map(|a| a.id).collect::<Vec<_>>()});
    finish(
        txn,
        actor
            .audit("APPOINTMENT_CANCEL", "appointment", id)
            .with_detail(detail),
        cancelled,
    )
    .await
}

/// Moves a booked patient to another schedule in one step: the new place is taken and the old one released
/// (to the old schedule's waitlist) in one transaction. A full or closed target changes nothing. The
/// appointment keeps its id and gets the target's next queue number.
#[tracing::instrument(skip_all)]
pub async fn move_to(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    target_id: i64,
) -> Result<AppointmentView, AppError> {
    let rules = actor.hospital.booking_rules.clone();
    let txn = begin_write(db).await?;
    let current = get(&txn, actor, id).await?;
    if current.schedule_id == target_id {
        return Err(AppError::invalid(
            "schedule_id",
            "is the appointment's own schedule",
        ));
    }
    // Both schedules' rows, in id order, so two moves in opposite directions cannot deadlock.
    let (first, second) = if current.schedule_id < target_id {
        (current.schedule_id, target_id)
    } else {
        (target_id, current.schedule_id)
    };
    for schedule_id in [first, second] {
        match lock_schedule(&txn, actor.hospital_id, schedule_id).await {
            Err(AppError::NotFound(_)) if schedule_id == target_id => {
                return Err(AppError::invalid(
                    "schedule_id",
                    "no such schedule in your hospital",
                ));
            }
            other => {
                other?;
            }
        }
    }
    // Read again under the locks: the status may have moved since.
    let current = appointment::Entity::find_by_id(id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("appointment"))?;
    transition(current.status, AppointmentAction::Move)?;
    let target = schedule::Entity::find_by_id(target_id)
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("schedule"))?;
    let now = actor.local_now();
    check_bookable(&target, now)?;
    booking_rules::check_window(&rules, &target, now)?;
    let on_target = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(current.patient_id))
        .filter(appointment::Column::ScheduleId.eq(target_id))
        .lock_shared()
        .one(&txn)
        .await?;
    if on_target.is_some() {
        return Err(AppError::Duplicate {
            field: "schedule_id".into(),
            message: "the patient already has an appointment on that schedule".into(),
        });
    }
    let Some(queue_no) = take_place(&txn, target_id).await? else {
        return Err(AppError::Conflict {
            code: ErrorCode::SlotFull,
            message: "the target schedule has no place left".into(),
        });
    };
    appointment::Entity::update_many()
        .col_expr(appointment::Column::ScheduleId, Expr::value(target_id))
        .col_expr(appointment::Column::QueueNo, Expr::value(queue_no))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .exec(&txn)
        .await?;
    give_back_place(&txn, current.schedule_id, 1).await?;
    let promoted = waitlist::promote(&txn, actor, current.schedule_id).await?;
    let detail = json!({
        "from_schedule_id": current.schedule_id, "from_queue_no": current.queue_no,
        "to_schedule_id": target_id, "to_queue_no": queue_no,
        "promoted": promoted.iter().map(|a| a.id).collect::<Vec<_>>(),
    });
    let moved = get(&txn, actor, id).await?;
    finish(
        txn,
        actor
            .audit("APPOINTMENT_MOVE", "appointment", id)
            .with_detail(detail),
        moved,
    )
    .await
}

/// Cancels every booked appointment of a schedule (the schedule is being cancelled); returns how many.
#[tracing::instrument(skip_all)]
pub async fn cancel_all_booked(
    conn: &impl ConnectionTrait,
    schedule_id: i64,
) -> Result<u64, AppError> {
    let to = transition(AppointmentStatus::Booked, AppointmentAction::Cancel)?;
    let cancelled = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(to.as_str()))
        .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::ScheduleId.eq(schedule_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .exec(conn)
        .await?
        .rows_affected;
    if cancelled > 0 {
        give_back_place(conn, schedule_id, cancelled).await?;
    }
    Ok(cancelled)
}

/// Takes the schedule's row for the rest of the transaction, as cancelling the schedule does first, and reads
/// it as last committed: a cancellation in flight finishes before, and one that starts after finds the patient
/// checked in. Bookings, waitlist writes, capacity changes and moves of one schedule so run one after another.
pub async fn lock_schedule(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    schedule_id: i64,
) -> Result<schedule::Model, AppError> {
    schedule::Entity::update_many()
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(schedule_id))
        .filter(schedule::Column::HospitalId.eq(hospital_id))
        .exec(conn)
        .await?;
    schedule::Entity::find_by_id(schedule_id)
        .filter(schedule::Column::HospitalId.eq(hospital_id))
        .lock_shared()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("schedule"))
}

/// Check-in on the day: COMPLETED, the time and the room recorded, and the empty medical record created.
#[tracing::instrument(skip_all)]
pub async fn check_in(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<AppointmentView, AppError> {
    let txn = begin_write(db).await?;
    let (current, read) = read_for_check_in(&txn, actor, id).await?;
    // The schedule's row, as cancelling the schedule takes it first: a cancellation in flight finishes before
    // (and the compare-and-set below finds the patient cancelled), and one that starts after finds the patient
    // checked in.
    schedule::Entity::update_many()
        .col_expr(schedule::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(schedule::Column::Id.eq(read.slot.id))
        .exec(&txn)
        .await?;
    let now = actor.local_now();
    if read.slot.schedule_date != now.date() && current.status == AppointmentStatus::Booked {
        return Err(AppError::Conflict {
            code: ErrorCode::NotToday,
            message: format!(
                "the appointment is for {}, not today",
                read.slot.schedule_date
            ),
        });
    }
    let to = transition(current.status, AppointmentAction::CheckIn)?;
    let now_utc = Utc::now().trunc_subsecs(6);
    let checked_in = appointment::Entity::update_many()
        .col_expr(appointment::Column::Status, Expr::value(to.as_str()))
        .col_expr(appointment::Column::CheckInTime, Expr::value(now_utc))
        .col_expr(
            appointment::Column::AssignedRoom,
            Expr::value(read.slot.room_no.clone()),
        )
        .col_expr(appointment::Column::UpdatedAt, Expr::value(now_utc))
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::Status.eq(current.status.as_str()))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !checked_in {
        // Changed since it was read (this transaction holds the schedule, not the appointment).
        return Err(lost_race(&txn, actor, id, AppointmentAction::CheckIn).await);
    }
    let row = appointment::Model {
        status: to,
        check_in_time: Some(now_utc),
        assigned_room: Some(read.slot.room_no.clone()),
        updated_at: now_utc,
        ..current
    };
    let medical_record_id = Some(open_record(&txn, actor, &row, &read.slot).await?);
    audit::record(&txn, actor.audit("APPOINTMENT_CHECK_IN", "appointment", id)).await?;
    txn.commit().await?;
    Ok(AppointmentView {
        appointment: row,
        schedule: read.slot,
        patient: read.patient,
        doctor: read.doctor,
        department: read.department,
        medical_record_id,
    })
}

/// Marks a booked appointment whose slot has ended as a no-show.
#[tracing::instrument(skip_all)]
pub async fn mark_no_show(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<AppointmentView, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, actor, id).await?;
    let slot = find_owned::<schedule::Entity>(&txn, actor, current.schedule_id).await?;
    let now = actor.local_now();
    if current.status == AppointmentStatus::Booked
        && !has_ended(slot.schedule_date, slot.time_slot, now)
    {
        return Err(AppError::Conflict {
            code: ErrorCode::SlotNotEnded,
            message: "a patient is a no-show only once the slot has ended".into(),
        });
    }
    let marked = apply(&txn, actor, id, AppointmentAction::MarkNoShow).await?;
    finish(
        txn,
        actor.audit("APPOINTMENT_NO_SHOW", "appointment", id),
        marked,
    )
    .await
}

/// The periodic job: every booked appointment of every hospital whose slot has ended becomes a no-show.
/// Set-based, one statement per hospital and slot boundary; returns how many were marked.
#[tracing::instrument(skip_all)]
pub async fn sweep_no_shows(db: &DatabaseConnection) -> Result<u64, AppError> {
    let to = transition(AppointmentStatus::Booked, AppointmentAction::MarkNoShow)?;
    let hospitals = crate::entities::foundation::hospital::Entity::find()
        .all(db)
        .await?;
    let mut total = 0;
    for h in hospitals {
        let txn = begin_write(db).await?;
        let (_, now) = local_now(&txn, h.id).await?;
        let ended_today: Vec<&str> = TimeSlot::ALL
            .iter()
            .filter(|s| has_ended(now.date(), **s, now))
            .map(|s| s.as_str())
            .collect();
        let ended = Query::select()
            .column(schedule::Column::Id)
            .from(schedule::Entity)
            .and_where(schedule::Column::HospitalId.eq(h.id))
            .and_where(
                schedule::Column::ScheduleDate
                    .lt(now.date())
                    .or(schedule::Column::ScheduleDate
                        .eq(now.date())
                        .and(schedule::Column::TimeSlot.is_in(ended_today))),
            )
            .to_owned();
        let marked = appointment::Entity::update_many()
            .col_expr(appointment::Column::Status, Expr::value(to.as_str()))
            .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(appointment::Column::HospitalId.eq(h.id))
            .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
            .filter(appointment::Column::ScheduleId.in_subquery(ended.clone()))
            .exec(&txn)
            .await?
            .rows_affected;
        waitlist::end_all(&txn, ended, WaitlistStatus::Expired).await?;
        if marked > 0 {
            let entry = audit::Entry {
                hospital_id: Some(h.id),
                actor_user_id: None,
                actor_username: Some("system".into()),
                action: "APPOINTMENT_NO_SHOW_SWEEP",
                resource_type: Some("appointment"),
                resource_id: None,
                outcome: audit::Outcome::Success,
                client_ip: None,
                detail: Some(json!({ "marked": marked })),
            };
            audit::record(&txn, entry).await?;
        }
        txn.commit().await?;
        total += marked;
    }
    Ok(total)
}

/// An appointment with what the front desk needs to see beside it.
#[derive(Debug, Clone)]
pub struct AppointmentView {
    pub appointment: appointment::Model,
    pub schedule: schedule::Model,
    pub patient: crate::entities::foundation::patient::Model,
    pub doctor: crate::entities::foundation::doctor::Model,
    pub department: crate::entities::foundation::department::Model,
    pub medical_record_id: Option<i64>,
}

/// An appointment of the actor's hospital, as the front desk sees it.
#[tracing::instrument(skip_all)]
pub async fn read(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<AppointmentView, AppError> {
    view(conn, get(conn, actor, id).await?).await
}

/// Ends a use case: its audit entry, the appointment's view as the transaction sees it, the commit.
async fn finish(
    txn: DatabaseTransaction,
    entry: audit::Entry,
    row: appointment::Model,
) -> Result<AppointmentView, AppError> {
    audit::record(&txn, entry).await?;
    let view = view(&txn, row).await?;
    txn.commit().await?;
    Ok(view)
}

/// One appointment with its schedule, patient, doctor, department and record.
async fn view(
    conn: &impl ConnectionTrait,
    row: appointment::Model,
) -> Result<AppointmentView, AppError> {
    views(conn, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound("appointment"))
}

/// Loads the schedules, patients, doctors, departments and records of `rows` in one query each.
#[tracing::instrument(skip_all)]
pub async fn views(
    conn: &impl ConnectionTrait,
    rows: Vec<appointment::Model>,
) -> Result<Vec<AppointmentView>, AppError> {
    use crate::entities::{foundation::department, foundation::doctor, foundation::patient};
    use std::collections::HashMap;
    fn by_id<M>(rows: Vec<M>, id: impl Fn(&M) -> i64) -> HashMap<i64, M> {
        rows.into_iter().map(|m| (id(&m), m)).collect()
    }
    let ids = |f: &dyn Fn(&appointment::Model) -> i64| rows.iter().map(f).collect::<Vec<_>>();
    let schedules = by_id(
        schedule::Entity::find()
            .filter(schedule::Column::Id.is_in(ids(&|a| a.schedule_id)))
            .all(conn)
            .await?,
        |s| s.id,
    );
    let patients = by_id(
        patient::Entity::find()
            .filter(patient::Column::Id.is_in(ids(&|a| a.patient_id)))
            .all(conn)
            .await?,
        |p| p.id,
    );
    let doctors = by_id(
        doctor::Entity::find()
            .filter(doctor::Column::Id.is_in(schedules.values().map(|s| s.doctor_id)))
            .all(conn)
            .await?,
        |d| d.id,
    );
    let departments = by_id(
        department::Entity::find()
            .filter(department::Column::Id.is_in(schedules.values().map(|s| s.department_id)))
            .all(conn)
            .await?,
        |d| d.id,
    );
    let records: HashMap<i64, i64> = medical_record::Entity::find()
        .filter(medical_record::Column::AppointmentId.is_in(ids(&|a| a.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.appointment_id, r.id))
        .collect();
    let missing = || AppError::Internal(anyhow::anyhow!("an appointment refers to a missing row"));
    rows.into_iter()
        .map(|a| {
            let schedule = schedules.get(&a.schedule_id).cloned().ok_or_else(missing)?;
            Ok(AppointmentView {
                patient: patients.get(&a.patient_id).cloned().ok_or_else(missing)?,
                doctor: doctors
                    .get(&schedule.doctor_id)
                    .cloned()
                    .ok_or_else(missing)?,
                department: departments
                    .get(&schedule.department_id)
                    .cloned()
                    .ok_or_else(missing)?,
                medical_record_id: records.get(&a.id).copied(),
                schedule,
                appointment: a,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Default)]
pub struct AppointmentFilter {
    pub date: Option<chrono::NaiveDate>,
    pub schedule_id: Option<i64>,
    pub patient_id: Option<i64>,
    pub status: Option<AppointmentStatus>,
    /// A whole identity number or phone: the front desk finding a patient's appointments.
    pub identity: Option<String>,
}

/// Appointments of the caller's hospital, newest schedule first; `today` limits them to today's schedules.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: AppointmentFilter,
    today: bool,
    page: crate::services::PageRequest,
) -> Result<crate::services::Page<AppointmentView>, AppError> {
    use crate::entities::foundation::patient;
    let mut select =
        appointment::Entity::find().filter(appointment::Column::HospitalId.eq(actor.hospital_id));
    let date = if today {
        Some(actor.local_now().date())
    } else {
        f.date
    };
    let mut schedule_ids = Query::select()
        .column(schedule::Column::Id)
        .from(schedule::Entity)
        .and_where(schedule::Column::HospitalId.eq(actor.hospital_id))
        .to_owned();
    if let Some(d) = date {
        schedule_ids.and_where(schedule::Column::ScheduleDate.eq(d));
        select = select.filter(appointment::Column::ScheduleId.in_subquery(schedule_ids));
    }
    if let Some(s) = f.schedule_id {
        select = select.filter(appointment::Column::ScheduleId.eq(s));
    }
    if let Some(p) = f.patient_id {
        select = select.filter(appointment::Column::PatientId.eq(p));
    }
    if let Some(s) = f.status {
        select = select.filter(appointment::Column::Status.eq(s.as_str()));
    }
    if let Some(q) = crate::services::search_term(f.identity.as_deref())? {
        let matching = Query::select()
            .column(patient::Column::Id)
            .from(patient::Entity)
            .and_where(patient::Column::HospitalId.eq(actor.hospital_id))
            .and_where(
                patient::Column::DocumentNo
                    .eq(q.to_ascii_uppercase())
                    .or(patient::Column::Phone.eq(q)),
            )
            .to_owned();
        select = select.filter(appointment::Column::PatientId.in_subquery(matching));
    }
    let page = crate::services::fetch_page(
        db,
        select,
        Some((appointment::Column::QueueNo, sea_orm::Order::Asc)),
        appointment::Column::Id,
        page,
    )
    .await?;
    let items = views(db, page.items).await?;
    Ok(crate::services::Page {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    })
}
