//! `/booking-rules` (read: every role; replace: ADMIN) and the administrator's pardon of a patient's no-shows.
use crate::api::{
    AppState,
    extract::{AdminOnly, AnyStaff, Auth, Json},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::text,
        outpatient::booking_rules::{
            BookingRules as Rules, Cutoff, MAX_ACTIVE_BOOKINGS, MAX_CUTOFF_DAYS_BEFORE,
            MAX_NO_SHOW_DAYS, MAX_OPEN_DAYS_AHEAD, MAX_WAITLIST, NoShowRule,
        },
    },
    error::{AppError, FieldErrors},
    services::outpatient::booking_rules as service,
};
use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(read, replace, pardon);

/// Booking closes `days_before` the slot's date at `time` (e.g. 1 and 15:00: the day before at three).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CutoffRule {
    /// 0 to 30.
    #[schema(example = 1)]
    pub days_before: u32,
    /// Local time, `HH:MM`.
    #[schema(example = "15:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub time: String,
}

/// `limit` no-shows within `window_days` bar booking (not walk-ins) for `ban_days` after the last of them.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoShowPolicy {
    /// 1 to 100.
    #[schema(example = 3)]
    pub limit: u32,
    /// 1 to 365.
    #[schema(example = 90)]
    pub window_days: u32,
    /// 1 to 365.
    #[schema(example = 30)]
    pub ban_days: u32,
}

/// The hospital's booking rules. They apply to bookings, waitlist places and moves made from now on; walk-ins
/// are bound by none of them. `null` switches a rule off.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRules {
    /// A slot opens for booking this many days before its date, at `release_time` (0 to 90); null: as soon
    /// as it is scheduled.
    #[schema(example = 7)]
    pub open_days_ahead: Option<u32>,
    /// When a new day's slots are released (放号时间), local `HH:MM`.
    #[schema(example = "08:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub release_time: String,
    /// When booking closes before a slot; null: until the slot ends.
    pub cutoff: Option<CutoffRule>,
    /// Booked appointments (today's and later) a patient may hold at once (1 to 100).
    #[schema(example = 3)]
    pub max_active_bookings: Option<u32>,
    pub no_show: Option<NoShowPolicy>,
    /// How many patients one schedule's waitlist takes (0 to 200; 0: no waitlist).
    #[schema(example = 20)]
    pub waitlist_limit: u32,
}

fn hh_mm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

impl From<Rules> for BookingRules {
    fn from(r: Rules) -> Self {
        Self {
            open_days_ahead: r.open_days_ahead,
            release_time: hh_mm(r.release_time),
            cutoff: r.cutoff.map(|c| CutoffRule {
                days_before: c.days_before,
                time: hh_mm(c.time),
            }),
            max_active_bookings: r.max_active_bookings,
            no_show: r.no_show.map(|n| NoShowPolicy {
                limit: n.limit,
                window_days: n.window_days,
                ban_days: n.ban_days,
            }),
            waitlist_limit: r.waitlist_limit,
        }
    }
}

fn time(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(raw, "%H:%M")
        .ok()
        .filter(|_| raw.len() == 5);
    errors.check(
        field,
        parsed.ok_or("must be a local time HH:MM, 00:00 to 23:59"),
    )
}

fn within(errors: &mut FieldErrors, field: &str, v: u32, min: u32, max: u32) -> Option<u32> {
    let ok = (min..=max).contains(&v);
    errors.check(
        field,
        if ok {
            Ok(v)
        } else {
            Err(format!("must be between {min} and {max}"))
        },
    )
}

/// A rule that may be switched off: off (`Some(None)`), valid (`Some(Some(_))`) or invalid (`None`).
fn switched<T>(rule: Option<Option<T>>) -> Option<Option<T>> {
    match rule {
        None => Some(None),
        Some(valid) => valid.map(Some),
    }
}

impl BookingRules {
    fn validate(self) -> Result<Rules, AppError> {
        let mut errors = FieldErrors::new();
        let open_days_ahead = self
            .open_days_ahead
            .map(|d| within(&mut errors, "open_days_ahead", d, 0, MAX_OPEN_DAYS_AHEAD));
        let release_time = time(&mut errors, "release_time", &self.release_time);
        let cutoff = self.cutoff.map(|c| {
            let days = within(
                &mut errors,
                "cutoff.days_before",
                c.days_before,
                0,
                MAX_CUTOFF_DAYS_BEFORE,
            );
            let at = time(&mut errors, "cutoff.time", &c.time);
            Some(Cutoff {
                days_before: days?,
                time: at?,
            })
        });
        let max_active_bookings = self.max_active_bookings.map(|m| {
            within(
                &mut errors,
                "max_active_bookings",
                m,
                1,
                MAX_ACTIVE_BOOKINGS,
            )
        });
        let no_show = self.no_show.map(|n| {
            let limit = within(
                &mut errors,
                "no_show.limit",
                n.limit,
                1,
                MAX_ACTIVE_BOOKINGS,
            );
            let window = within(
                &mut errors,
                "no_show.window_days",
                n.window_days,
                1,
                MAX_NO_SHOW_DAYS,
            );
            let ban = within(
                &mut errors,
                "no_show.ban_days",
                n.ban_days,
                1,
                MAX_NO_SHOW_DAYS,
            );
            Some(NoShowRule {
                limit: limit?,
                window_days: window?,
                ban_days: ban?,
            })
        });
        let waitlist_limit = within(
            &mut errors,
            "waitlist_limit",
            self.waitlist_limit,
            0,
            MAX_WAITLIST,
        );
        errors.finish(|| {
            Some(Rules {
                open_days_ahead: switched(open_days_ahead)?,
                release_time: release_time?,
                cutoff: switched(cutoff)?,
                max_active_bookings: switched(max_active_bookings)?,
                no_show: switched(no_show)?,
                waitlist_limit: waitlist_limit?,
            })
        })
    }
}

#[utoipa::path(tag = "booking-rules", summary = "The hospital's booking rules", responses((status = 200, body = BookingRules)), security(("bearer" = [])))]
#[get("/booking-rules")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
) -> Result<web::Json<BookingRules>, AppError> {
    Ok(web::Json(
        service::get(&state.db, user.hospital_id).await?.into(),
    ))
}

/// Replaces the hospital's booking rules; bookings already made stay. Audited with the new rules.
#[utoipa::path(tag = "booking-rules", summary = "Replace the booking rules", request_body = BookingRules,
    responses((status = 200, body = BookingRules),
    (status = 422, description = "A value out of range or a time not `HH:MM` (`VALIDATION_FAILED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/booking-rules")]
async fn replace(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<BookingRules>,
) -> Result<web::Json<BookingRules>, AppError> {
    let rules = body.0.validate()?;
    let rules = service::put(&state.db, &user, rules).await?;
    // The rules ride with the cached sessions.
    state.sessions.forget_all();
    Ok(web::Json(rules.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PardonRequest {
    /// Why the no-shows are forgiven, for the audit log: 1 to 200 characters.
    #[schema(example = "住院期间未能就诊，已核实", max_length = 200)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Pardon {
    pub patient_id: i64,
    /// No-shows before this instant no longer count against booking.
    pub pardoned_at: DateTime<Utc>,
}

/// An administrator's override of the no-show rule: the patient's no-shows so far stop counting, so a ban
/// ends at once. Audited with the reason.
#[utoipa::path(tag = "booking-rules", summary = "Pardon a patient's no-shows", request_body = PardonRequest,
    responses((status = 200, body = Pardon),
    (status = 404, description = "No such patient in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason (`VALIDATION_FAILED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/patients/{id}/no-show-pardon")]
async fn pardon(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<PardonRequest>,
) -> Result<web::Json<Pardon>, AppError> {
    let mut errors = FieldErrors::new();
    let reason = errors.check("reason", text::required(&body.0.reason, 200));
    let reason = errors.finish(|| reason)?;
    let patient = service::pardon_no_shows(&state.db, &user, id.into_inner(), reason).await?;
    Ok(web::Json(Pardon {
        patient_id: patient.id,
        pardoned_at: patient.no_show_pardoned_at.unwrap_or_else(Utc::now),
    }))
}
