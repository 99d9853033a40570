//! The waitlist of a full schedule (候补): the front desk puts a patient on it; when a place frees up (a
//! cancellation, a move away, more places) the first waiting patient is booked in the same transaction as the
//! release, so no place is ever free while someone waits, and nobody is skipped.
//!
//! Every write takes the schedule's row first, as booking does, so joins, releases and promotions of one
//! schedule run one after another.
use crate::services::{
    Actor, find_owned, foundation::audit, outpatient::appointments, outpatient::booking_rules,
    referenced,
};
use crate::{
    db::begin_write,
    domain::outpatient::{appointment::AppointmentStatus, waitlist::WaitlistStatus},
    entities::{
        foundation::patient, outpatient::appointment, outpatient::schedule,
        outpatient::waitlist_entry,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use serde_json::json;

/// A waitlist entry with its patient and, while waiting, its place in the line (1 = next).
#[derive(Debug, Clone)]
pub struct EntryView {
    pub entry: waitlist_entry::Model,
    pub patient: patient::Model,
    pub position: Option<u32>,
    /// The queue number of the appointment a promoted entry became.
    pub queue_no: Option<i32>,
}

fn waiting(schedule_id: i64) -> sea_orm::Select<waitlist_entry::Entity> {
    waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::ScheduleId.eq(schedule_id))
        .filter(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting))
}

/// Books waiting patients, first come first served, while the schedule (whose row the caller holds) has a
/// place. Returns the appointments made.
pub async fn promote(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    schedule_id: i64,
) -> Result<Vec<appointment::Model>, AppError> {
    let mut booked = Vec::new();
    loop {
        // A locking read: under MySQL's REPEATABLE READ a plain one could show an entry another release
        // already promoted. The schedule's row, held, keeps every other writer of this list out.
        let Some(next) = waiting(schedule_id)
            .order_by_asc(waitlist_entry::Column::Id)
            .lock_exclusive()
            .one(conn)
            .await?
        else {
            break;
        };
        let on_schedule = appointment::Entity::find()
            .filter(appointment::Column::PatientId.eq(next.patient_id))
            .filter(appointment::Column::ScheduleId.eq(schedule_id))
            .count(conn)
            .await?
            > 0;
        if on_schedule {
            set_status(conn, next.id, WaitlistStatus::Cancelled, None).await?;
            continue;
        }
        let Some(queue_no) = appointments::take_place(conn, schedule_id).await? else {
            break;
        };
        let now = Utc::now();
        let created = appointment::ActiveModel {
            hospital_id: Set(next.hospital_id),
            patient_id: Set(next.patient_id),
            schedule_id: Set(schedule_id),
            queue_no: Set(queue_no),
            status: Set(AppointmentStatus::Booked),
            check_in_time: Set(None),
            assigned_room: Set(None),
            is_walk_in: Set(false),
            from_waitlist: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        set_status(conn, next.id, WaitlistStatus::Promoted, Some(created.id)).await?;
        let detail =
            json!({"schedule_id": schedule_id, "queue_no": queue_no, "waitlist_entry_id": next.id});
        audit::record(
            conn,
            actor
                .audit("WAITLIST_PROMOTE", "appointment", created.id)
                .with_detail(detail),
        )
        .await?;
        booked.push(created);
    }
    Ok(booked)
}

async fn set_status(
    conn: &impl ConnectionTrait,
    id: i64,
    status: WaitlistStatus,
    appointment_id: Option<i64>,
) -> Result<u64, AppError> {
    let mut update = waitlist_entry::Entity::update_many()
        .col_expr(waitlist_entry::Column::Status, Expr::value(status))
        .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(waitlist_entry::Column::Id.eq(id))
        .filter(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting));
    if let Some(a) = appointment_id {
        update = update.col_expr(waitlist_entry::Column::AppointmentId, Expr::value(a));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Ends the waiting of everyone on the schedule's list (the schedule was closed or cancelled, or is over).
pub async fn end_all(
    conn: &impl ConnectionTrait,
    schedule_ids: sea_orm::sea_query::SelectStatement,
    status: WaitlistStatus,
) -> Result<u64, AppError> {
    Ok(waitlist_entry::Entity::update_many()
        .col_expr(waitlist_entry::Column::Status, Expr::value(status))
        .col_expr(waitlist_entry::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(waitlist_entry::Column::ScheduleId.in_subquery(schedule_ids))
        .filter(waitlist_entry::Column::Status.eq(WaitlistStatus::Waiting))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Puts a patient on a full schedule's waitlist. The booking rules apply as to a booking; the list is
/// bounded by the hospital's waitlist limit.
#[tracing::instrument(skip_all)]
pub async fn join(
    db: &DatabaseConnection,
    actor: &Actor,
    schedule_id: i64,
    patient_id: i64,
) -> Result<EntryView, AppError> {
    let txn = begin_write(db).await?;
    let patient = referenced::<patient::Entity>(&txn, actor, patient_id, "patient_id").await?;
    if !patient.is_active {
        return Err(AppError::invalid("patient_id", "the patient is inactive"));
    }
    let slot = appointments::lock_schedule(&txn, actor.hospital_id, schedule_id).await?;
    let now = actor.local_now();
    appointments::check_bookable(&slot, now)?;
    let rules = actor.hospital.booking_rules.clone();
    booking_rules::check_window(&rules, &slot, now)?;
    if slot.booked_count < slot.capacity {
        return Err(AppError::Conflict {
            code: ErrorCode::PlacesLeft,
            message: format!(
                "the schedule has {} place(s) left; book one instead",
                slot.capacity - slot.booked_count
            ),
        });
    }
    let booked = appointment::Entity::find()
        .filter(appointment::Column::PatientId.eq(patient_id))
        .filter(appointment::Column::ScheduleId.eq(schedule_id))
        .count(&txn)
        .await?
        > 0;
    if booked {
        return Err(AppError::Duplicate {
            field: "patient_id".into(),
            message: "already has an appointment on this schedule".into(),
        });
    }
    let line = waiting(schedule_id).count(&txn).await?;
    let already = waiting(schedule_id)
        .filter(waitlist_entry::Column::PatientId.eq(patient_id))
        .count(&txn)
        .await?
        > 0;
    if already {
        return Err(AppError::Duplicate {
            field: "patient_id".into(),
            message: "is already on this schedule's waitlist".into(),
        });
    }
    if line >= u64::from(rules.waitlist_limit) {
        return Err(AppError::Conflict {
            code: ErrorCode::WaitlistFull,
            message: format!("the waitlist takes {} patient(s)", rules.waitlist_limit),
        }
        .collided(Conflict {
            limit: Some(rules.waitlist_limit),
            count: Some(u32::try_from(line).unwrap_or(u32::MAX)),
            schedule_date: Some(slot.schedule_date),
            time_slot: Some(slot.time_slot),
            ..Conflict::new(ConflictResource::Schedule, slot.id)
        }));
    }
    booking_rules::check_patient(&txn, &rules, &patient, now).await?;
    let at = Utc::now();
    let entry = waitlist_entry::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        schedule_id: Set(schedule_id),
        patient_id: Set(patient_id),
        status: Set(WaitlistStatus::Waiting),
        appointment_id: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let position = u32::try_from(line + 1).unwrap_or(u32::MAX);
    audit::record(
        &txn,
        actor
            .audit("WAITLIST_JOIN", "waitlist_entry", entry.id)
            .with_detail(
                json!({"schedule_id": schedule_id, "patient_id": patient_id, "position": position}),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok(EntryView {
        entry,
        patient,
        position: Some(position),
        queue_no: None,
    })
}

/// Takes a waiting patient off the list.
#[tracing::instrument(skip_all)]
pub async fn leave(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<EntryView, AppError> {
    let txn = begin_write(db).await?;
    let entry = find_owned::<waitlist_entry::Entity>(&txn, actor, id).await?;
    appointments::lock_schedule(&txn, actor.hospital_id, entry.schedule_id).await?;
    if set_status(&txn, id, WaitlistStatus::Cancelled, None).await? == 0 {
        let latest = waitlist_entry::Entity::find_by_id(id)
            .lock_shared()
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("waitlist entry"))?;
        return Err(AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: format!("the entry is {}, no longer WAITING", latest.status),
        });
    }
    audit::record(&txn, actor.audit("WAITLIST_LEAVE", "waitlist_entry", id)).await?;
    let view = list_in(&txn, entry.schedule_id)
        .await?
        .into_iter()
        .find(|v| v.entry.id == id)
        .ok_or(AppError::NotFound("waitlist entry"))?;
    txn.commit().await?;
    Ok(view)
}

/// The schedule's waitlist, in the order patients joined: the waiting ones numbered, then what became of
/// the others.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    schedule_id: i64,
) -> Result<Vec<EntryView>, AppError> {
    find_owned::<schedule::Entity>(db, actor, schedule_id).await?;
    list_in(db, schedule_id).await
}

async fn list_in(
    conn: &impl ConnectionTrait,
    schedule_id: i64,
) -> Result<Vec<EntryView>, AppError> {
    use std::collections::HashMap;
    let rows = waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::ScheduleId.eq(schedule_id))
        .order_by_asc(waitlist_entry::Column::Id)
        .find_also_related(patient::Entity)
        .all(conn)
        .await?;
    let queue_nos: HashMap<i64, i32> = appointment::Entity::find()
        .filter(appointment::Column::Id.is_in(rows.iter().filter_map(|(e, _)| e.appointment_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.queue_no))
        .collect();
    let mut position = 0;
    rows.into_iter()
        .map(|(entry, patient)| {
            let patient = patient.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!(
                    "a waitlist entry refers to a missing patient"
                ))
            })?;
            let position = (entry.status == WaitlistStatus::Waiting).then(|| {
                position += 1;
                position
            });
            Ok(EntryView {
                queue_no: entry
                    .appointment_id
                    .and_then(|a| queue_nos.get(&a).copied()),
                entry,
                patient,
                position,
            })
        })
        .collect()
}
