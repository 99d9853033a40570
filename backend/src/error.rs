//! The one error type of the application. Services return it; `api::problem` renders it as RFC 9457 problem JSON.
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The request field, as a JSON path (`items[2].quantity`).
    pub field: String,
    pub message: String,
}

/// The record a request collided with (409), for the person at the desk to recognise it: what it is, its id
/// and the few fields that tell it apart, private ones masked as lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Conflict {
    pub resource: ConflictResource,
    pub id: i64,
    /// A patient's name (for an appointment, whose it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_name: Option<String>,
    /// A patient's identity document: its type and its number masked as lists show it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_type: Option<crate::domain::foundation::vocab::DocumentType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "330102********123X")]
    pub document_masked: Option<String>,
    /// An appointment's schedule: date, time slot, doctor and queue number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_date: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_slot: Option<crate::domain::outpatient::schedule::TimeSlot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctor_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_no: Option<i32>,
    /// Reference data's code and name (a department's, a catalogue item's, a diagnosis's; a doctor has a name
    /// only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "INT")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "内科")]
    pub name: Option<String>,
    /// A closed cashier's day: the day, who closed it and when; an insurance policy: the day it applies from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<chrono::NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "王芳")]
    pub closed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many bills were drawn under an insurance policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bills: Option<u64>,
    /// A booking rule's local time: when booking a slot opens (`BOOKING_NOT_OPEN`) or closed (`BOOKING_CLOSED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "2026-12-07T08:00:00")]
    pub at: Option<chrono::NaiveDateTime>,
    /// A limit a rule sets (bookings a patient may hold, a waitlist's length, a schedule's places) and how many
    /// there are (bookings held, no-shows counted, places booked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The last day a no-show ban bars booking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<chrono::NaiveDate>,
}

impl Conflict {
    pub fn new(resource: ConflictResource, id: i64) -> Self {
        Self {
            resource,
            id,
            patient_name: None,
            document_type: None,
            document_masked: None,
            schedule_date: None,
            time_slot: None,
            doctor_name: None,
            queue_no: None,
            code: None,
            name: None,
            day: None,
            closed_by: None,
            closed_at: None,
            bills: None,
            at: None,
            limit: None,
            count: None,
            until: None,
        }
    }

    /// A row of reference data, by its code (where it has one) and name.
    pub fn named(resource: ConflictResource, id: i64, code: Option<&str>, name: &str) -> Self {
        Self {
            code: code.map(str::to_owned),
            name: Some(name.to_owned()),
            ..Self::new(resource, id)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConflictResource {
    Patient,
    Appointment,
    Department,
    Doctor,
    ChargeItem,
    Diagnosis,
    InsuranceType,
    InsurancePolicy,
    Schedule,
    User,
    SettlementDay,
}

/// What is wrong with one row of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// The line of the file (the header is line 1).
    pub row: u64,
    /// The column, or empty when the row as a whole is wrong.
    pub field: String,
    pub reason: String,
}

/// Why an uploaded file was refused: its data rows and the problems, listed up to a limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Data rows in the file.
    pub rows: u64,
    /// All problems found, listed or not.
    pub error_count: u64,
    /// The problems, by line.
    pub errors: Vec<RowProblem>,
    /// Problems beyond the listed ones.
    pub errors_not_listed: u64,
}

/// The stable, machine-readable `code` of every error response. Programs switch on it; `title` and `detail`
/// are for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Fields or parameters are invalid; `errors` names each one (422).
    ValidationFailed,
    /// No such record in your hospital, or no such path (404).
    NotFound,
    /// A unique value is taken; `errors` names the field (409).
    Duplicate,
    /// An uploaded file has bad rows and nothing of it was imported; `report` lists them (422).
    ImportRejected,
    /// Missing, invalid or expired token, or an ended session (401).
    Unauthorized,
    /// The role may not do this (403).
    Forbidden,
    /// The password must be changed first (403).
    PasswordExpired,
    /// Sign-in is locked for a while after failed attempts; see `Retry-After` (429).
    TooManyAttempts,
    /// This client sent more requests than the server takes from one address; see `Retry-After` (429).
    RateLimited,
    /// The database is not reachable; see `Retry-After` (503).
    Unavailable,
    /// Too much expensive work (password hashing) is running; see `Retry-After` (503).
    Busy,
    /// An unexpected error; it was logged (500).
    InternalError,
    /// The request could not be read (400).
    BadRequest,
    /// The body is not the JSON object expected (400).
    MalformedJson,
    /// The multipart body could not be read (400).
    MalformedMultipart,
    /// The body has the wrong media type (415).
    UnsupportedMediaType,
    /// The body is too large (413).
    PayloadTooLarge,
    /// The path does not take this method; `Allow` lists those it does (405).
    MethodNotAllowed,
    /// Other records refer to this one, so it cannot be removed (409).
    Referenced,
    /// Someone else changed the record at the same moment; try again (409).
    ConcurrentUpdate,
    /// The record's status does not allow this action (409).
    InvalidTransition,
    /// The schedule has no place left (409).
    SlotFull,
    /// The session has not ended yet, so no-shows cannot be marked (409).
    SlotNotEnded,
    /// Check-in is only for today's appointments (409).
    NotToday,
    /// The schedule is closed or cancelled (409).
    ScheduleNotOpen,
    /// The session is over (409).
    ScheduleEnded,
    /// Patients of the schedule were already checked in (409).
    ScheduleInUse,
    /// The schedule has bookings; cancel with `force=true` to cancel them too (409).
    ScheduleHasBookings,
    /// Nobody is waiting to be called (409).
    QueueEmpty,
    /// The signed-in doctor account has no doctor profile (409).
    NoDoctorProfile,
    /// The visit is billed; its record can no longer change (409).
    RecordLocked,
    /// The catalogue lacks an item a bill needs (409).
    CatalogueIncomplete,
    /// The Idempotency-Key was used for a different request (409).
    IdempotencyKeyReused,
    /// A request with this Idempotency-Key is still being processed (409).
    IdempotencyKeyInUse,
    /// Administrators cannot disable or demote themselves (409).
    SelfLockout,
    /// The model version was used by calculation tasks and is frozen; copy it to edit (409).
    ModelVersionInUse,
    /// The cashier's day is closed: it takes no new payment or refund (409).
    DayClosed,
    /// Bills were drawn under the insurance policy, so it stays as it is; add one from a later date (409).
    PolicyInUse,
    /// The active model version cannot be removed (409).
    ModelVersionActive,
    /// Another charge import of the hospital is still being written (409).
    ImportInProgress,
    /// Booking this slot has not opened yet; `conflict.at` says when it does (409).
    BookingNotOpen,
    /// Booking this slot has closed (the cutoff); `conflict.at` says when it did (409).
    BookingClosed,
    /// The patient holds as many bookings as the hospital allows (409).
    BookingLimit,
    /// The patient's no-shows bar booking until `conflict.until`; an administrator may pardon them (409).
    NoShowBan,
    /// The schedule's waitlist is full, or the hospital keeps none (409).
    WaitlistFull,
    /// The schedule still has places: book instead of joining its waitlist (409).
    PlacesLeft,
    /// A schedule's places cannot go below those already booked (409).
    CapacityBelowBooked,
    /// The calculation task has no finished run yet (409).
    TaskNotReady,
    /// The node's numbers do not come from charge items, so it has no drill-down (422).
    NodeNotDrillable,
    /// The period is reviewed, published or locked: its calculations and inputs change only once it is
    /// reopened (409).
    PeriodClosed,
    /// A calculation of the period is queued or running; review the period once it has finished (409).
    PeriodBusy,
}

impl ImportReport {
    /// Records a problem of line `row`, listing it while fewer than `limit` are listed.
    pub fn push(&mut self, row: u64, field: String, reason: String, limit: usize) {
        self.error_count += 1;
        if self.errors.len() < limit {
            self.errors.push(RowProblem { row, field, reason });
        } else {
            self.errors_not_listed += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.error_count == 0
    }

    /// The refusal of the whole file: 422 `IMPORT_REJECTED` with this report.
    pub fn rejected(self) -> AppError {
        AppError::ImportRejected {
            message: format!(
                "{} problem(s) in {} row(s); nothing was imported",
                self.error_count, self.rows
            ),
            report: self,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Duplicate { field: String, message: String },
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    /// An uploaded file with bad rows, refused whole: nothing of it was written.
    #[error("{message}")]
    ImportRejected {
        message: String,
        report: ImportReport,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("this action is not allowed for your role")]
    Forbidden,
    #[error("the password has expired and must be changed first")]
    PasswordExpired,
    #[error("too many failed sign-in attempts; try again in {retry_after_secs} seconds")]
    TooManyAttempts { retry_after_secs: u64 },
    /// A malformed request caught before any handler ran (bad JSON, wrong media type, unknown route, ...).
    #[error("{detail}")]
    Request {
        status: u16,
        code: ErrorCode,
        detail: String,
    },
    #[error("the database is not reachable")]
    Unavailable(#[source] DbErr),
    /// The database was found unreachable moments ago: answered at once rather than waiting for it.
    #[error("the database is not reachable; try again shortly")]
    DatabaseDown,
    /// Too much of one kind of expensive work (password hashing) is running; try again shortly.
    #[error("the server is busy; try again in {retry_after_secs} seconds")]
    Busy { retry_after_secs: u64 },
    #[error("too many requests from this address; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    /// A 409 with the record it collided with.
    #[error("{error}")]
    Collided {
        error: Box<AppError>,
        conflict: Box<Conflict>,
    },
    #[error(transparent)]
    Db(DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// The error with the record it collided with.
    pub fn collided(self, conflict: Conflict) -> Self {
        Self::Collided {
            error: Box::new(self),
            conflict: Box::new(conflict),
        }
    }

    /// A `DUPLICATE` naming `field`.
    pub fn is_duplicate_of(&self, field: &str) -> bool {
        matches!(self, Self::Duplicate { field: f, .. } if f == field)
    }

    pub fn request(status: u16, code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Request {
            status,
            code,
            detail: detail.into(),
        }
    }

    /// `from_unique` as a `map_err` argument.
    pub fn unique<'a>(fields: &'a [(&'a str, &'a str)]) -> impl FnOnce(DbErr) -> Self + 'a {
        move |err| Self::from_unique(err, fields)
    }

    /// A unique-key violation named after the first of `fields` that its message mentions: the database
    /// is the arbiter of uniqueness under concurrency, and this turns its verdict into a field error.
    pub fn from_unique(err: DbErr, fields: &[(&str, &str)]) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = err.sql_err() {
            // Only the constraint's name or column list, never the duplicated value, is matched against.
            let key = ["for key", "constraint", "failed:"]
                .iter()
                .find_map(|marker| msg.rfind(marker).map(|at| &msg[at..]))
                .unwrap_or(&msg);
            let (field, message) = fields
                .iter()
                .find(|(field, _)| key.contains(field))
                .or(fields.first())
                .copied()
                .unwrap_or(("", "already exists"));
            return Self::Duplicate {
                field: field.to_owned(),
                message: message.to_owned(),
            };
        }
        Self::from(err)
    }
}

/// A foreign-key violation. SQLite reports a RESTRICT refusal as SQLITE_CONSTRAINT_TRIGGER (1811), which
/// SeaORM's classification misses, so its message is recognised too.
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) || err.to_string().contains("FOREIGN KEY constraint failed")
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match &err {
            DbErr::RecordNotFound(_) => Self::NotFound("record"),
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Self::Unavailable(err),
            // A deadlock victim or a serialization failure: rolled back whole, and safe to send again.
            _ if crate::db::is_retryable(&err) => {
                tracing::warn!(error = %err, "a transaction was rolled back by the database; answered 503");
                Self::Busy {
                    retry_after_secs: 1,
                }
            }
            _ => match err.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => Self::Duplicate {
                    field: String::new(),
                    message: "already exists".into(),
                },
                Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::Conflict {
                    code: ErrorCode::Referenced,
                    message: "the record is referenced by other records".into(),
                },
                _ => Self::Db(err),
            },
        }
    }
}

impl From<crate::domain::outpatient::appointment::InvalidTransition> for AppError {
    fn from(e: crate::domain::outpatient::appointment::InvalidTransition) -> Self {
        AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: format!("an appointment that is {} cannot become {}", e.from, e.to),
        }
    }
}

/// Collects field errors while a request is parsed into domain values, so one response names them all.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the error under `field`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded; the caller builds the value from the `Option`s it collected.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, AppError> {
        if !self.0.is_empty() {
            return Err(AppError::Validation(self.0));
        }
        build().ok_or_else(|| AppError::Internal(anyhow::anyhow!("validated value missing")))
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;
    use sea_orm::{DbErr, RuntimeErr};

    #[test]
    fn a_deadlock_victim_is_busy_not_an_internal_error() {
        let deadlock = DbErr::Exec(RuntimeErr::Internal(
            "1213 (40001): Deadlock found when trying to get lock; try restarting transaction"
                .into(),
        ));
        assert!(matches!(
            AppError::from(deadlock),
            AppError::Busy {
                retry_after_secs: 1
            }
        ));
        let other = DbErr::Exec(RuntimeErr::Internal("1054: Unknown column".into()));
        assert!(matches!(AppError::from(other), AppError::Db(_)));
    }
}
