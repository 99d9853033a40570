//! `/imports/*`: CSV uploads (multipart, the file in a part named `file`) of charge lines and of the monthly
//! workload, cost and orientation values (read back through `monthly_inputs`). ANALYST and ADMIN. Layouts and
//! rules: docs/imports.md.
use crate::api::{
    AppState, PageOf, PageParams,
    extract::{Analytics, Auth, Query},
    problem::Problem,
    upload::{self, MALFORMED, NOT_MULTIPART, Received},
};
use crate::{
    config::Settings,
    domain::{accounting::period_value::PeriodInput, foundation::period::Period},
    error::{AppError, FieldErrors},
    services::accounting::{
        import_history::{self as history, ImportFilter},
        imports::{self as service, ChargeSummary, Importer, PeriodValueSummary, Silent, Upload},
    },
};
use actix_web::{HttpRequest, get, post, web};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list_imports, charges, workload, costs, orientation_values);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// CHARGES, WORKLOAD, COSTS or ORIENTATION_VALUES.
    #[param(example = "CHARGES")]
    pub kind: Option<String>,
    /// Only imports with rows of this period, `YYYY-MM`.
    #[param(example = "2026-10")]
    pub period: Option<String>,
}

/// One import, accepted or refused, as the audit log recorded it.
#[derive(Serialize, ToSchema)]
pub struct ImportRecord {
    /// The audit log entry's id.
    pub id: i64,
    /// CHARGES, WORKLOAD, COSTS or ORIENTATION_VALUES.
    #[schema(example = "CHARGES")]
    pub kind: &'static str,
    /// False for a file refused whole (`errors` counts its problems).
    pub accepted: bool,
    #[schema(example = "his-2026-10.csv")]
    pub file_name: Option<String>,
    pub rows: Option<u64>,
    /// Charge lines added, or monthly values that were new.
    pub inserted: Option<u64>,
    /// Charge lines already there (skipped), or monthly values replaced.
    pub unchanged_or_updated: Option<u64>,
    pub errors: Option<u64>,
    /// The periods of its rows.
    pub periods: Vec<String>,
    pub sha256: Option<String>,
    /// Who imported it (`command line` for the CLI).
    pub username: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(tag = "imports", summary = "The hospital's imports, newest first: who imported which file into which periods",
    params(PageParams, ImportQuery),
    responses((status = 200, body = PageOf<ImportRecord>)), security(("bearer" = [])))]
#[get("/imports")]
async fn list_imports(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<ImportQuery>,
) -> Result<web::Json<PageOf<ImportRecord>>, AppError> {
    let mut errors = FieldErrors::new();
    let kind = match query
        .0
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => None,
        Some(k) => match history::KINDS.iter().find(|(name, _)| *name == k) {
            Some((name, _)) => Some(*name),
            None => {
                errors.add(
                    "kind",
                    "must be one of: CHARGES, WORKLOAD, COSTS, ORIENTATION_VALUES",
                );
                None
            }
        },
    };
    let period = query
        .0
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .and_then(|p| errors.check("period", p.parse::<Period>()));
    errors.finish(|| Some(()))?;
    let found = history::list(
        &state.db,
        &user,
        ImportFilter { kind, period },
        page.0.try_into()?,
    )
    .await?;
    Ok(web::Json(PageOf::from_page(found, |r| ImportRecord {
        id: r.id,
        kind: r.kind,
        accepted: r.accepted,
        file_name: r.file_name,
        rows: r.rows,
        inserted: r.inserted,
        unchanged_or_updated: r.unchanged_or_updated,
        errors: r.errors,
        periods: r.periods,
        sha256: r.sha256,
        username: r.username,
        at: r.at,
    })))
}

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
