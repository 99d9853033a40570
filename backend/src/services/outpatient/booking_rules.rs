//! Each hospital's booking rules (ADMIN settings): read, replaced whole, and applied to every new booking,
//! waitlist place and move. Walk-ins are not bound by them.
use crate::services::{Actor, foundation::audit};
use crate::{
    db::begin_write,
    domain::outpatient::{
        appointment::AppointmentStatus,
        booking_rules::{BookingRules, Cutoff, NoShowRule, WindowRefusal},
    },
    entities::{
        foundation::patient, outpatient::appointment, outpatient::booking_rule,
        outpatient::schedule,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::{NaiveDateTime, NaiveTime, Timelike, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set, sea_query::OnConflict, sea_query::Query,
};

fn minute_of(t: NaiveTime) -> i32 {
    (t.hour() * 60 + t.minute()) as i32
}

fn time_of(minute: i32) -> NaiveTime {
    let m = u32::try_from(minute.clamp(0, 24 * 60 - 1)).unwrap_or(0);
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or(NaiveTime::MIN)
}

fn count(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

impl From<booking_rule::Model> for BookingRules {
    fn from(m: booking_rule::Model) -> Self {
        let cutoff = match (count(m.cutoff_days_before), m.cutoff_minute) {
            (Some(days_before), Some(minute)) => Some(Cutoff {
                days_before,
                time: time_of(minute),
            }),
            _ => None,
        };
        let no_show = match (
            count(m.no_show_limit),
            count(m.no_show_window_days),
            count(m.no_show_ban_days),
        ) {
            (Some(limit), Some(window_days), Some(ban_days)) => Some(NoShowRule {
                limit,
                window_days,
                ban_days,
            }),
            _ => None,
        };
        Self {
            open_days_ahead: count(m.open_days_ahead),
            release_time: time_of(m.release_minute),
            cutoff,
            max_active_bookings: count(m.max_active_bookings),
            no_show,
            waitlist_limit: u32::try_from(m.waitlist_limit).unwrap_or(0),
        }
    }
}

fn signed(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The hospital's rules; the defaults when it has set none.
#[tracing::instrument(skip_all)]
pub async fn get(conn: &impl ConnectionTrait, hospital_id: i64) -> Result<BookingRules, AppError> {
    Ok(booking_rule::Entity::find_by_id(hospital_id)
        .one(conn)
        .await?
        .map(BookingRules::from)
        .unwrap_or_default())
}

/// Replaces the hospital's rules; they apply to bookings made from now on.
#[tracing::instrument(skip_all)]
pub async fn put(
    db: &DatabaseConnection,
    actor: &Actor,
    rules: BookingRules,
) -> Result<BookingRules, AppError> {
    let txn = begin_write(db).await?;
    let row = booking_rule::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        open_days_ahead: Set(rules.open_days_ahead.map(signed)),
        release_minute: Set(minute_of(rules.release_time)),
        cutoff_days_before: Set(rules.cutoff.map(|c| signed(c.days_before))),
        cutoff_minute: Set(rules.cutoff.map(|c| minute_of(c.time))),
        max_active_bookings: Set(rules.max_active_bookings.map(signed)),
        no_show_limit: Set(rules.no_show.map(|r| signed(r.limit))),
        no_show_window_days: Set(rules.no_show.map(|r| signed(r.window_days))),
        no_show_ban_days: Set(rules.no_show.map(|r| signed(r.ban_days))),
        waitlist_limit: Set(signed(rules.waitlist_limit)),
        updated_at: Set(Utc::now()),
    };
    use booking_rule::Column as C;
    booking_rule::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::HospitalId)
                .update_columns([
                    C::OpenDaysAhead,
                    C::ReleaseMinute,
                    C::CutoffDaysBefore,
                    C::CutoffMinute,
                    C::MaxActiveBookings,
                    C::NoShowLimit,
                    C::NoShowWindowDays,
                    C::NoShowBanDays,
                    C::WaitlistLimit,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let saved = get(&txn, actor.hospital_id).await?;
    let detail = serde_json::json!({
        "open_days_ahead": saved.open_days_ahead,
        "release_time": saved.release_time.format("%H:%M").to_string(),
        "cutoff": saved.cutoff.map(|c| serde_json::json!({"days_before": c.days_before, "time": c.time.format("%H:%M").to_string()})),
        "max_active_bookings": saved.max_active_bookings,
        "no_show": saved.no_show.map(|r| serde_json::json!({"limit": r.limit, "window_days": r.window_days, "ban_days": r.ban_days})),
        "waitlist_limit": saved.waitlist_limit,
    });
    audit::commit(
        txn,
        actor
            .audit("BOOKING_RULES_UPDATE", "hospital", actor.hospital_id)
            .with_detail(detail),
    )
    .await?;
    Ok(saved)
}

/// The window's refusal as a problem naming the schedule and the local time that decides it.
fn window_refusal(slot: &schedule::Model, refusal: WindowRefusal) -> AppError {
    let (code, message, at) = match refusal {
        WindowRefusal::NotOpenYet(at) => (
            ErrorCode::BookingNotOpen,
            format!(
                "booking for this slot opens at {}",
                at.format("%Y-%m-%d %H:%M")
            ),
            at,
        ),
        WindowRefusal::Closed(at) => (
            ErrorCode::BookingClosed,
            format!(
                "booking for this slot closed at {}",
                at.format("%Y-%m-%d %H:%M")
            ),
            at,
        ),
    };
    AppError::Conflict { code, message }.collided(Conflict {
        schedule_date: Some(slot.schedule_date),
        time_slot: Some(slot.time_slot),
        at: Some(at),
        ..Conflict::new(ConflictResource::Schedule, slot.id)
    })
}

/// Whether the rules let this booking window take a booking for `slot` at local time `now`.
pub fn check_window(
    rules: &BookingRules,
    slot: &schedule::Model,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    rules
        .window(slot.schedule_date, now)
        .map_err(|r| window_refusal(slot, r))
}

/// Whether the patient may take another booking: the limit of bookings held, then the no-show rule.
pub async fn check_patient(
    conn: &impl ConnectionTrait,
    rules: &BookingRules,
    patient: &patient::Model,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let today = now.date();
    if let Some(limit) = rules.max_active_bookings {
        let upcoming = Query::select()
            .column(schedule::Column::Id)
            .from(schedule::Entity)
            .and_where(schedule::Column::HospitalId.eq(patient.hospital_id))
            .and_where(schedule::Column::ScheduleDate.gte(today))
            .to_owned();
        let held = appointment::Entity::find()
            .filter(appointment::Column::PatientId.eq(patient.id))
            .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
            .filter(appointment::Column::ScheduleId.in_subquery(upcoming))
            .count(conn)
            .await?;
        if held >= u64::from(limit) {
            return Err(AppError::Conflict {
                code: ErrorCode::BookingLimit,
                message: format!(
                    "the patient already holds {held} booking(s); the hospital allows {limit}"
                ),
            }
            .collided(Conflict {
                patient_name: Some(patient.name.clone()),
                limit: Some(limit),
                count: Some(u32::try_from(held).unwrap_or(u32::MAX)),
                ..Conflict::new(ConflictResource::Patient, patient.id)
            }));
        }
    }
    let Some(rule) = rules.no_show else {
        return Ok(());
    };
    let mut no_shows = appointment::Entity::find()
        .select_only()
        .column(schedule::Column::ScheduleDate)
        .inner_join(schedule::Entity)
        .filter(appointment::Column::PatientId.eq(patient.id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::NoShow))
        .filter(schedule::Column::ScheduleDate.gte(rule.lookback(today)));
    if let Some(pardoned) = patient.no_show_pardoned_at {
        no_shows = no_shows.filter(appointment::Column::UpdatedAt.gt(pardoned));
    }
    let dates: Vec<chrono::NaiveDate> = no_shows.into_tuple().all(conn).await?;
    match rule.ban(&dates, today) {
        None => Ok(()),
        Some(ban) => Err(AppError::Conflict {
            code: ErrorCode::NoShowBan,
            message: format!(
                "{} no-show(s) within {} days, the last on {}: booking is barred through {}",
                ban.count, rule.window_days, ban.last, ban.until
            ),
        }
        .collided(Conflict {
            patient_name: Some(patient.name.clone()),
            count: Some(ban.count),
            day: Some(ban.last),
            until: Some(ban.until),
            ..Conflict::new(ConflictResource::Patient, patient.id)
        })),
    }
}

/// An administrator's pardon: the patient's no-shows so far no longer count. Audited with the reason.
#[tracing::instrument(skip_all)]
pub async fn pardon_no_shows(
    db: &DatabaseConnection,
    actor: &Actor,
    patient_id: i64,
    reason: String,
) -> Result<patient::Model, AppError> {
    let txn = begin_write(db).await?;
    let found = crate::services::find_owned::<patient::Entity>(&txn, actor, patient_id).await?;
    let now = Utc::now();
    patient::Entity::update_many()
        .col_expr(
            patient::Column::NoShowPardonedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(patient::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor
            .audit("PATIENT_NO_SHOW_PARDON", "patient", found.id)
            .with_detail(serde_json::json!({ "reason": reason })),
    )
    .await?;
    let saved = crate::services::find_owned::<patient::Entity>(&txn, actor, patient_id).await?;
    txn.commit().await?;
    Ok(saved)
}
