//! What the handlers of reference data (departments, doctors, patients, the catalogue, the diagnosis
//! dictionary) do alike: each resource declares its own routes, roles and documentation, and answers through
//! these.
use crate::api::{RemovalResult, extract::Json};
use crate::{
    entities::HospitalScoped,
    error::AppError,
    services::{
        Actor, find_owned,
        foundation::reference::{self, Reference, Retirable},
    },
};
use actix_web::{HttpResponse, web};
use sea_orm::{ActiveModelBehavior, DatabaseConnection, IntoActiveModel, PrimaryKeyTrait};
use serde::Serialize;

/// `GET /{resource}/{id}`.
pub async fn read<E, D>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: web::Path<i64>,
) -> Result<web::Json<D>, AppError>
where
    E: HospitalScoped,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
    D: From<E::Model>,
{
    Ok(web::Json(
        find_owned::<E>(db, actor, id.into_inner()).await?.into(),
    ))
}

/// `POST /{resource}`: 201 with the created row.
pub async fn create<E, D, R>(
    db: &DatabaseConnection,
    actor: &Actor,
    body: Json<R>,
) -> Result<HttpResponse, AppError>
where
    E: Reference,
    E::ActiveModel: ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
    D: From<E::Model> + Serialize,
    R: TryInto<E::Input, Error = AppError>,
{
    let created = reference::create::<E>(db, actor, body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(D::from(created)))
}

/// `PUT /{resource}/{id}`.
pub async fn update<E, D, R>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: web::Path<i64>,
    body: Json<R>,
) -> Result<web::Json<D>, AppError>
where
    E: Reference,
    E::ActiveModel: ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
    D: From<E::Model>,
    R: TryInto<E::Input, Error = AppError>,
{
    let input = body.0.try_into()?;
    let updated = reference::update::<E>(db, actor, id.into_inner(), input).await?;
    Ok(web::Json(updated.into()))
}

/// `DELETE /{resource}/{id}`: deleted, or deactivated while history refers to the row.
pub async fn remove<E>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError>
where
    E: Retirable,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    let id = id.into_inner();
    let outcome = reference::remove::<E>(db, actor, id).await?;
    Ok(web::Json(RemovalResult { id, outcome }))
}
