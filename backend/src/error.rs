//! The one error type of the application. Services return it; `api::problem` renders it as RFC 9457 problem JSON.
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The request field, as a JSON path (`items[2].quantity`).
    pub field: String,
    pub message: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Duplicate { field: String, message: String },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
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
        code: &'static str,
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

    pub fn request(status: u16, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Request {
            status,
            code,
            detail: detail.into(),
        }
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
            _ => match err.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => Self::Duplicate {
                    field: String::new(),
                    message: "already exists".into(),
                },
                Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::Conflict {
                    code: "REFERENCED",
                    message: "the record is referenced by other records".into(),
                },
                _ => Self::Db(err),
            },
        }
    }
}

impl From<crate::domain::appointment::InvalidTransition> for AppError {
    fn from(e: crate::domain::appointment::InvalidTransition) -> Self {
        AppError::Conflict {
            code: "INVALID_TRANSITION",
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
