//! `/model-versions`: versions of the accounting model — list, create, rename, delete, copy, activate
//! (ADMIN, ANALYST).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
};
use crate::{
    domain::foundation::text,
    error::{AppError, FieldErrors},
    services::{
        Removal,
        accounting::model_versions::{
            self as service, VersionFilter, VersionInput, VersionPatch, VersionView,
        },
    },
};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove, copy, activate);

/// For PATCH bodies: an absent field is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
pub struct ModelVersion {
    pub id: i64,
    #[schema(example = "2026 版核算模型")]
    pub name: String,
    pub description: Option<String>,
    /// The hospital's version for new calculation tasks; one at a time.
    pub is_active: bool,
    /// Calculation tasks ran on it: it can no longer change (copy it to edit).
    pub in_use: bool,
    pub node_count: u64,
    /// The version this one was copied from, while that one exists.
    pub copied_from_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<VersionView> for ModelVersion {
    fn from(v: VersionView) -> Self {
        let m = v.version;
        Self {
            id: m.id,
            name: m.name,
            description: m.description,
            is_active: m.is_active,
            in_use: v.in_use,
            node_count: v.node_count,
            copied_from_id: m.copied_from_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelVersionRequest {
    /// Unique in the hospital.
    #[schema(example = "2026 版核算模型", max_length = 64)]
    pub name: String,
    #[schema(max_length = 255)]
    pub description: Option<String>,
}

impl TryFrom<ModelVersionRequest> for VersionInput {
    type Error = AppError;
    fn try_from(r: ModelVersionRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", text::required(&r.name, 64));
        let description =
            errors.check("description", text::optional(r.description.as_deref(), 255));
        errors.finish(|| {
            Some(Self {
                name: name?,
                description: description?,
            })
        })
    }
}

/// Absent fields stay as they are; `description: null` clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelVersionPatch {
    #[schema(max_length = 64)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 255)]
    pub description: Option<Option<String>>,
}

impl TryFrom<ModelVersionPatch> for VersionPatch {
    type Error = AppError;
    fn try_from(r: ModelVersionPatch) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = match r.name.as_deref() {
            Some(n) => errors.check("name", text::required(n, 64)).map(Some),
            None => Some(None),
        };
        let description = match r.description {
            Some(d) => errors
                .check("description", text::optional(d.as_deref(), 255))
                .map(Some),
            None => Some(None),
        };
        errors.finish(|| {
            Some(Self {
                name: name?,
                description: description?,
            })
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyRequest {
    /// The copy's name, unique in the hospital.
    #[schema(example = "2026 版核算模型（修订）", max_length = 64)]
    pub name: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModelVersionQuery {
    /// Matches the name.
    pub q: Option<String>,
    /// `name` or `created_at`; prefix `-` for descending.
    pub sort: Option<String>,
}

pub(super) const NOT_FOUND: &str = "No such model version in your hospital (`NOT_FOUND`)";
pub(super) const IN_USE: &str =
    "Calculation tasks ran on the version: copy it and edit the copy (`MODEL_VERSION_IN_USE`)";

#[utoipa::path(tag = "model-versions", summary = "List model versions", params(PageParams, ModelVersionQuery),
    responses((status = 200, body = PageOf<ModelVersion>)), security(("bearer" = [])))]
#[get("/model-versions")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    page: Query<PageParams>,
    query: Query<ModelVersionQuery>,
) -> Result<web::Json<PageOf<ModelVersion>>, AppError> {
    let Query(q) = query;
    let filter = VersionFilter {
        q: q.q,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, ModelVersion::from)))
}

#[utoipa::path(tag = "model-versions", summary = "Get a model version", responses((status = 200, body = ModelVersion),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/model-versions/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<ModelVersion>, AppError> {
    Ok(web::Json(
        service::get(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

/// A new, empty and inactive version.
#[utoipa::path(tag = "model-versions", summary = "Create a model version", request_body = ModelVersionRequest,
    responses((status = 201, body = ModelVersion),
    (status = 409, description = "Name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    body: Json<ModelVersionRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(ModelVersion::from(created)))
}

#[utoipa::path(tag = "model-versions", summary = "Rename or describe a model version", request_body = ModelVersionPatch,
    responses((status = 200, body = ModelVersion),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = IN_USE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[patch("/model-versions/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<ModelVersionPatch>,
) -> Result<web::Json<ModelVersion>, AppError> {
    Ok(web::Json(
        service::update(&state.db, &user, id.into_inner(), body.0.try_into()?)
            .await?
            .into(),
    ))
}

/// Deletes a version with its nodes, mappings and rules: only one no task ran on and that is not active.
#[utoipa::path(tag = "model-versions", summary = "Delete a model version", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "In use (`MODEL_VERSION_IN_USE`) or the active version (`MODEL_VERSION_ACTIVE`)",
        body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/model-versions/{id}")]
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

/// A new, inactive version with the same tree, mappings and orientation rules under new ids; the way to
/// change a version tasks ran on.
#[utoipa::path(tag = "model-versions", summary = "Copy a model version", request_body = CopyRequest,
    responses((status = 201, body = ModelVersion),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Name already used (`DUPLICATE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/copy")]
async fn copy(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<CopyRequest>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", text::required(&body.0.name, 64));
    let name = errors.finish(|| name)?;
    let copied = service::copy(&state.db, &user, id.into_inner(), name).await?;
    Ok(HttpResponse::Created().json(ModelVersion::from(copied)))
}

/// Makes the version the hospital's active one and every other inactive, in one step.
#[utoipa::path(tag = "model-versions", summary = "Activate a model version", responses(
    (status = 200, body = ModelVersion),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/activate")]
async fn activate(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<ModelVersion>, AppError> {
    Ok(web::Json(
        service::activate(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}
