//! `/imports/*`: CSV uploads (multipart, the file in a part named `file`) of charge lines and of the monthly
//! workload, cost and orientation values (read back through `monthly_inputs`). ANALYST and ADMIN. Layouts and
//! rules: docs/imports.md.
use crate::api::{
    AppState,
    extract::{Analytics, Auth},
    problem::Problem,
    upload::{self, MALFORMED, NOT_MULTIPART, Received},
};
use crate::{
    config::Settings,
    domain::{accounting::period_value::PeriodInput, foundation::period::Period},
    error::AppError,
    services::accounting::imports::{
        self as service, ChargeSummary, Importer, PeriodValueSummary, Silent, Upload,
    },
};
use actix_web::{HttpRequest, post, web};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

crate::api::routes!(charges, workload, costs, orientation_values);

/// A CSV file sent as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CsvUpload {
    /// The CSV: UTF-8 (a byte-order mark is tolerated), the header row first. Layouts in docs/imports.md.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct PeriodRows {
    #[schema(example = "2026-03")]
    pub period: String,
    pub rows: u64,
}

fn period_rows(periods: Vec<(Period, u64)>) -> Vec<PeriodRows> {
    periods
        .into_iter()
        .map(|(p, rows)| PeriodRows {
            period: p.to_string(),
            rows,
        })
        .collect()
}

/// What a charge import did. `inserted + already_present = rows`.
#[derive(Serialize, ToSchema)]
pub struct ChargeImportResult {
    /// Data rows in the file.
    pub rows: u64,
    /// Lines added to charge_details.
    pub inserted: u64,
    /// Lines skipped because their source_line_id was already imported (or repeated within the file).
    pub already_present: u64,
    /// Rows per period (the hospital-local month of charged_at).
    pub periods: Vec<PeriodRows>,
    /// SHA-256 of the file, as the audit log records it.
    pub sha256: String,
    /// The calculations the import queued, when the hospital has its imports queue them (`/auto-calculation`).
    pub queued_tasks: Vec<i64>,
}

impl From<ChargeSummary> for ChargeImportResult {
    fn from(s: ChargeSummary) -> Self {
        Self {
            rows: s.rows,
            inserted: s.inserted,
            already_present: s.already_present,
            periods: period_rows(s.periods),
            sha256: s.sha256,
            queued_tasks: s.queued_tasks,
        }
    }
}

/// What a workload, cost or orientation import did. `inserted + updated = rows`.
#[derive(Serialize, ToSchema)]
pub struct PeriodValueImportResult {
    pub rows: u64,
    /// Keys (period, department, node) that were new.
    pub inserted: u64,
    /// Rows whose key was present: the stored value is now the file's.
    pub updated: u64,
    pub periods: Vec<PeriodRows>,
    pub sha256: String,
    /// The calculations the import queued (`/auto-calculation`).
    pub queued_tasks: Vec<i64>,
}

impl From<PeriodValueSummary> for PeriodValueImportResult {
    fn from(s: PeriodValueSummary) -> Self {
        Self {
            rows: s.rows,
            inserted: s.inserted,
            updated: s.updated,
            periods: period_rows(s.periods),
            sha256: s.sha256,
            queued_tasks: s.queued_tasks,
        }
    }
}

fn receive<'a>(
    req: &'a HttpRequest,
    payload: web::Payload,
    settings: &'a Settings,
) -> impl Future<Output = Result<Received, AppError>> + 'a {
    upload::receive(
        req,
        payload,
        settings.max_upload_bytes,
        &settings.upload_dir,
    )
}

fn upload_of(received: &Received) -> Upload<'_> {
    Upload {
        path: received.path(),
        name: received.name.as_deref(),
    }
}

const REJECTED: &str = "The file was refused (`IMPORT_REJECTED`, with the `report` of every bad row); \
nothing was written. Or no part named `file` (`VALIDATION_FAILED`, with `errors` naming `file`)";
const IN_PROGRESS: &str = "Another charge import of the hospital is being written (`IMPORT_IN_PROGRESS`); \
nothing was written: try again when it is done";
const TOO_LARGE: &str = "The upload is over the limit (`PAYLOAD_TOO_LARGE`, APP_MAX_UPLOAD_BYTES)";

/// The file is validated whole first: if any row is bad, nothing is written and the answer lists the bad rows.
/// Otherwise the lines are inserted in chunks under a pending import that readers do not see until its last
/// chunk is written, so the file counts whole or not at all; a line whose `source_line_id` the hospital already
/// has is skipped, so importing a file again changes nothing.
#[utoipa::path(tag = "imports", summary = "Import charge lines (CSV)",
    request_body(content = CsvUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ChargeImportResult),
        (status = 400, description = MALFORMED, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = TOO_LARGE, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = IN_PROGRESS, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = REJECTED, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/imports/charges")]
async fn charges(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<ChargeImportResult>, AppError> {
    let received = receive(&req, payload, &state.settings).await?;
    let summary = service::import_charges(
        &state.db,
        Importer::User(&user),
        upload_of(&received),
        Arc::new(Silent),
    )
    .await?;
    Ok(web::Json(summary.into()))
}

async fn import_values(
    state: &AppState,
    user: &Auth<Analytics>,
    kind: PeriodInput,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<PeriodValueImportResult>, AppError> {
    let received = receive(req, payload, &state.settings).await?;
    let summary = service::import_period_values(
        &state.db,
        Importer::User(user),
        kind,
        upload_of(&received),
        Arc::new(Silent),
    )
    .await?;
    Ok(web::Json(summary.into()))
}

/// Columns `period,department_code,node_code,quantity`. All or nothing, like every import; a key (period,
/// department, node) already present takes the file's value.
#[utoipa::path(tag = "imports", summary = "Import workload records (CSV)",
    request_body(content = CsvUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PeriodValueImportResult),
        (status = 400, description = MALFORMED, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = TOO_LARGE, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = REJECTED, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/imports/workload")]
async fn workload(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<PeriodValueImportResult>, AppError> {
    import_values(&state, &user, PeriodInput::Workload, &req, payload).await
}

/// Columns `period,department_code,node_code,amount` (never negative). A key already present takes the
/// file's value.
#[utoipa::path(tag = "imports", summary = "Import cost records (CSV)",
    request_body(content = CsvUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PeriodValueImportResult),
        (status = 400, description = MALFORMED, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = TOO_LARGE, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = REJECTED, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/imports/costs")]
async fn costs(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<PeriodValueImportResult>, AppError> {
    import_values(&state, &user, PeriodInput::Cost, &req, payload).await
}

/// Columns `period,department_code,node_code,actual_value` (may be negative). A key already present takes
/// the file's value.
#[utoipa::path(tag = "imports", summary = "Import orientation actual values (CSV)",
    request_body(content = CsvUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = PeriodValueImportResult),
        (status = 400, description = MALFORMED, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = TOO_LARGE, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = REJECTED, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/imports/orientation-values")]
async fn orientation_values(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<PeriodValueImportResult>, AppError> {
    import_values(&state, &user, PeriodInput::Orientation, &req, payload).await
}
