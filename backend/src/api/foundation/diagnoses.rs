//! `/diagnoses`: the diagnosis dictionary (read: ADMIN, FRONT_DESK, DOCTOR; write and CSV import: ADMIN).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, Auth, Clinical, Json, Query},
    problem::Problem,
    reference, upload,
};
use crate::{
    domain::foundation::text,
    entities::foundation::diagnosis,
    error::{AppError, FieldErrors},
    services::foundation::diagnoses::{
        self as service, CODE_MAX, DiagnosisFilter, DiagnosisInput, ImportOutcome, NAME_MAX,
    },
};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove, import);

/// The largest dictionary file accepted (the whole ICD-10 is about 2 MiB).
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
const NOT_FOUND: &str = "No such diagnosis in your hospital (`NOT_FOUND`)";
const DUPLICATE: &str = "The code is already in the dictionary (`DUPLICATE`)";

#[derive(Serialize, ToSchema)]
pub struct Diagnosis {
    pub id: i64,
    #[schema(example = "J06.9")]
    pub code: String,
    #[schema(example = "急性上呼吸道感染")]
    pub name: String,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<diagnosis::Model> for Diagnosis {
    fn from(m: diagnosis::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisRequest {
    /// ICD-10 or the hospital's own: letters, digits, `-`, `_`, `.`; unique in the hospital; case-sensitive.
    #[schema(example = "J06.9", max_length = 20)]
    pub code: String,
    #[schema(example = "急性上呼吸道感染", max_length = 128)]
    pub name: String,
    /// Default true. An inactive diagnosis is not offered to doctors; records that have it keep it.
    pub is_active: Option<bool>,
}

impl TryFrom<DiagnosisRequest> for DiagnosisInput {
    type Error = AppError;
    fn try_from(r: DiagnosisRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let code = errors.check("code", text::code(&r.code, CODE_MAX));
        let name = errors.check("name", text::required(&r.name, NAME_MAX));
        errors.finish(|| {
            Some(Self {
                code: code?,
                name: name?,
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiagnosisQuery {
    /// The start of a code (`J06`, any case) or a part of a name (`感染`).
    pub q: Option<String>,
    pub is_active: Option<bool>,
    /// `code` (the default) or `name`; prefix `-` for descending.
    pub sort: Option<String>,
}

/// A CSV file of diagnoses: UTF-8, the header `code,name`, then one diagnosis a line.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DiagnosisUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct DiagnosisImportResult {
    /// Data rows read (blank lines aside).
    pub rows: u64,
    pub created: u64,
    /// Codes already there that took the file's name, or became active again.
    pub updated: u64,
    pub unchanged: u64,
}

impl From<ImportOutcome> for DiagnosisImportResult {
    fn from(o: ImportOutcome) -> Self {
        Self {
            rows: o.rows,
            created: o.created,
            updated: o.updated,
            unchanged: o.unchanged,
        }
    }
}

#[utoipa::path(tag = "diagnoses", summary = "Search the diagnosis dictionary", params(PageParams, DiagnosisQuery),
    responses((status = 200, body = PageOf<Diagnosis>)), security(("bearer" = [])))]
#[get("/diagnoses")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Clinical>,
    page: Query<PageParams>,
    query: Query<DiagnosisQuery>,
) -> Result<web::Json<PageOf<Diagnosis>>, AppError> {
    let Query(q) = query;
    let filter = DiagnosisFilter {
        q: q.q,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, Diagnosis::from)))
}

#[utoipa::path(tag = "diagnoses", summary = "Get a diagnosis", responses((status = 200, body = Diagnosis),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/diagnoses/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<Clinical>,
    id: web::Path<i64>,
) -> Result<web::Json<Diagnosis>, AppError> {
    reference::read::<diagnosis::Entity, _>(&state.db, &user, id).await
}

#[utoipa::path(tag = "diagnoses", summary = "Add a diagnosis", request_body = DiagnosisRequest, responses(
    (status = 201, body = Diagnosis),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/diagnoses")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<DiagnosisRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<diagnosis::Entity, Diagnosis, _>(&state.db, &user, body).await
}

#[utoipa::path(tag = "diagnoses", summary = "Replace a diagnosis", request_body = DiagnosisRequest, responses(
    (status = 200, body = Diagnosis),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/diagnoses/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
    body: Json<DiagnosisRequest>,
) -> Result<web::Json<Diagnosis>, AppError> {
    reference::update::<diagnosis::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the entry; the records written with it keep their copy.
#[utoipa::path(tag = "diagnoses", summary = "Delete a diagnosis", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/diagnoses/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<diagnosis::Entity>(&state.db, &user, id).await
}

/// Adds the diagnoses of a CSV file (`code,name`); codes already in the dictionary take the file's name and
/// are active again, so the same file can be imported twice. Every row is checked; one bad row refuses the
/// whole file with a report of every problem, and nothing is written.
#[utoipa::path(tag = "diagnoses", summary = "Import diagnoses from CSV",
    request_body(content = DiagnosisUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = DiagnosisImportResult),
    (status = 400, description = upload::MALFORMED, body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "The file is over 8 MiB (`PAYLOAD_TOO_LARGE`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = upload::NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad rows: nothing imported (`IMPORT_REJECTED`, with `report`: row, field, reason); \
or no `file` part (`VALIDATION_FAILED`, with `errors` naming `file`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/diagnoses/import")]
async fn import(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<DiagnosisImportResult>, AppError> {
    let file =
        upload::read_small(&req, payload, MAX_FILE_BYTES, &state.settings.upload_dir).await?;
    Ok(web::Json(
        service::import(&state.db, &user, &file).await?.into(),
    ))
}
