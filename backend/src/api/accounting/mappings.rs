//! Item mappings of a model version: `/model-versions/{id}/mappings` (list, add, CSV import and export)
//! and `/dimension-item-mappings/{id}` (ADMIN, ANALYST).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    accounting::model_versions::{IN_USE, NOT_FOUND},
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
    upload,
};
use crate::{
    domain::foundation::text,
    error::{AppError, FieldErrors},
    services::{
        Removal,
        accounting::mappings::{self as service, ImportOutcome, MappingFilter, MappingView},
    },
};
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, create, import, export, remove);

/// The largest mapping file accepted (about 150,000 rows).
const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub struct ItemMapping {
    pub id: i64,
    pub model_version_id: i64,
    pub node_id: i64,
    #[schema(example = "dim-tech-lab")]
    pub node_code: String,
    #[schema(example = "检验")]
    pub node_name: String,
    #[schema(example = "LAB-0001")]
    pub item_code: String,
    /// The catalogue's name of the item; none when the catalogue does not have it (an item of another
    /// system).
    #[schema(example = "血常规（五分类）")]
    pub item_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<MappingView> for ItemMapping {
    fn from(m: MappingView) -> Self {
        Self {
            id: m.id,
            model_version_id: m.model_version_id,
            node_id: m.node_id,
            node_code: m.node_code,
            node_name: m.node_name,
            item_code: m.item_code,
            item_name: m.item_name,
            created_at: m.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingRequest {
    /// A CHARGE leaf of the version.
    pub node_id: i64,
    /// A charge item code as the charge lines carry it (it need not be in the catalogue). An item feeds
    /// one leaf per series and business type.
    #[schema(example = "LAB-0001", max_length = 64)]
    pub item_code: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MappingQuery {
    /// Only this node's mappings.
    pub node_id: Option<i64>,
    /// Matches the item's code or catalogue name, or the node's code or name.
    pub q: Option<String>,
}

/// A CSV file of mappings: UTF-8, the header `node_code,item_code`, then one mapping a line.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MappingUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// Data rows read (blank lines aside).
    pub rows: u64,
    pub inserted: u64,
    /// Rows whose mapping was already there, skipped.
    pub already_present: u64,
}

impl From<ImportOutcome> for ImportResult {
    fn from(o: ImportOutcome) -> Self {
        Self {
            rows: o.rows,
            inserted: o.inserted,
            already_present: o.already_present,
        }
    }
}

/// A CSV file (`text/csv`).
#[derive(ToSchema)]
#[schema(value_type = String)]
pub struct CsvFile(Vec<u8>);

impl CsvFile {
    /// A download: the file name is ours (ASCII, no quotes), so it needs no escaping.
    fn attachment(self, filename: &str) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.0)
    }
}

#[utoipa::path(tag = "item-mappings", summary = "List the item mappings of a model version",
    params(PageParams, MappingQuery),
    responses((status = 200, body = PageOf<ItemMapping>),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/model-versions/{id}/mappings")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    page: Query<PageParams>,
    query: Query<MappingQuery>,
) -> Result<web::Json<PageOf<ItemMapping>>, AppError> {
    let Query(q) = query;
    let filter = MappingFilter {
        node_id: q.node_id,
        q: q.q,
    };
    let found = service::list(
        &state.db,
        &user,
        id.into_inner(),
        filter,
        page.0.try_into()?,
    )
    .await?;
    Ok(web::Json(PageOf::from_page(found, ItemMapping::from)))
}

#[utoipa::path(tag = "item-mappings", summary = "Map a charge item to a leaf", request_body = MappingRequest,
    responses((status = 201, body = ItemMapping),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The item already feeds this leaf, or another leaf of the series for overlapping business types \
(`DUPLICATE`, naming it); or the version is in use (`MODEL_VERSION_IN_USE`)",
        body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/mappings")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<MappingRequest>,
) -> Result<HttpResponse, AppError> {
    let Json(r) = body;
    let mut errors = FieldErrors::new();
    let item_code = errors.check("item_code", text::code(&r.item_code, 64));
    let item_code = errors.finish(|| item_code)?;
    let created = service::create(&state.db, &user, id.into_inner(), r.node_id, item_code).await?;
    Ok(HttpResponse::Created().json(ItemMapping::from(created)))
}

/// Adds the mappings of a CSV file (`node_code,item_code`). Every row is checked as a single mapping
/// would be, also against the rows above it; one bad row refuses the whole file with a report of every
/// problem, and nothing is written. Mappings already present are skipped, so a file can be imported again.
#[utoipa::path(tag = "item-mappings", summary = "Import item mappings from CSV",
    request_body(content = MappingUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportResult),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 400, description = upload::MALFORMED, body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "The file is over 4 MiB (`PAYLOAD_TOO_LARGE`)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = upload::NOT_MULTIPART, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad rows: nothing imported (`IMPORT_REJECTED`, with `report`: row, field, reason); \
or no `file` part (`VALIDATION_FAILED`, with `errors` naming `file`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = IN_USE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/mappings/import")]
async fn import(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<web::Json<ImportResult>, AppError> {
    let file =
        upload::read_small(&req, payload, MAX_FILE_BYTES, &state.settings.upload_dir).await?;
    let outcome = service::import(&state.db, &user, id.into_inner(), &file).await?;
    Ok(web::Json(outcome.into()))
}

/// The mappings as CSV in the import's layout (`node_code,item_code`), by node code and item code.
#[utoipa::path(tag = "item-mappings", summary = "Export item mappings as CSV",
    responses((status = 200, description = "The file, as an attachment named `model-version-<id>-mappings.csv`",
        body = CsvFile, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"model-version-<id>-mappings.csv\"`"))),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/model-versions/{id}/mappings.csv")]
async fn export(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let csv = service::export(&state.db, &user, id).await?;
    Ok(CsvFile(csv).attachment(&format!("model-version-{id}-mappings.csv")))
}

#[utoipa::path(tag = "item-mappings", summary = "Delete an item mapping", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = "No such mapping in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = IN_USE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/dimension-item-mappings/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    let id = id.into_inner();
    service::remove(&state.db, &user, id).await?;
    Ok(web::Json(RemovalResult {
        id,
        outcome: Removal::Deleted,
    }))
}
