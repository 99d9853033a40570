//! RFC 9457 problem details: how every error leaves the server.
use crate::error::{AppError, Conflict, ErrorCode, FieldError, ImportReport};
use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response (`application/problem+json`, RFC 9457). `code` is stable and meant for programs;
/// `title` and `detail` are for people.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Validation failed", "status": 422,
    "detail": "the request is not valid", "code": "VALIDATION_FAILED",
    "errors": [{"field": "document_no", "message": "the check digit does not match"}]}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The rows of a refused upload (`IMPORT_REJECTED`) and what is wrong with each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ImportReport>,
    /// The record a 409 collided with: the patient already registered with the identity number, the
    /// appointment the patient already has on the schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<Conflict>,
}

impl AppError {
    fn parts(&self) -> (StatusCode, ErrorCode, &'static str) {
        use AppError::*;
        match self {
            Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                "Validation failed",
            ),
            NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found"),
            Duplicate { .. } => (StatusCode::CONFLICT, ErrorCode::Duplicate, "Already exists"),
            Conflict { code, .. } => (StatusCode::CONFLICT, *code, "Conflict"),
            Collided { error, .. } => error.parts(),
            ImportRejected { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ImportRejected,
                "Import rejected",
            ),
            Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "Unauthorized",
            ),
            Forbidden => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Forbidden"),
            PasswordExpired => (
                StatusCode::FORBIDDEN,
                ErrorCode::PasswordExpired,
                "Password expired",
            ),
            TooManyAttempts { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                "Too many attempts",
            ),
            Request { status, code, .. } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST);
                (
                    status,
                    *code,
                    status.canonical_reason().unwrap_or("Bad request"),
                )
            }
            Unavailable(_) | DatabaseDown => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "Service unavailable",
            ),
            Busy { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "Server busy",
            ),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many requests",
            ),
            Db(_) | Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "Internal server error",
            ),
        }
    }

    pub fn problem(&self) -> Problem {
        if let AppError::Collided { error, conflict } = self {
            return Problem {
                conflict: Some((**conflict).clone()),
                ..error.problem()
            };
        }
        let (status, code, title) = self.parts();
        let (detail, errors) = match self {
            AppError::Validation(errors) => (self.to_string(), Some(errors.clone())),
            AppError::Duplicate { field, message } if !field.is_empty() => (
                format!("{field} {message}"),
                Some(vec![FieldError {
                    field: field.clone(),
                    message: message.clone(),
                }]),
            ),
            // Causes of 5xx go to the log, never to the client.
            AppError::Db(_) | AppError::Internal(_) => (
                "an unexpected error occurred; it has been logged".to_owned(),
                None,
            ),
            other => (other.to_string(), None),
        };
        let report = match self {
            AppError::ImportRejected { report, .. } => Some(report.clone()),
            _ => None,
        };
        Problem {
            type_: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            code,
            errors,
            report,
            conflict: None,
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.content_type(PROBLEM_JSON);
        match self {
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::Busy { retry_after_secs }
            | AppError::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unavailable(_) | AppError::DatabaseDown => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            AppError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}
