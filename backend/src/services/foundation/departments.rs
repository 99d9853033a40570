//! Departments (科室): the clinical and medical-technology units of a hospital.
use crate::services::{
    Actor, Page, PageRequest, Removal, commit_saved, fetch_page, find_owned, remove_owned, search,
    sort_by,
};
use crate::{db::begin_write, entities::foundation::department as dept, error::AppError};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};

#[derive(Debug, Clone)]
pub struct DepartmentInput {
    pub code: String,
    pub name: String,
    pub location: Option<String>,
    pub is_active: bool,
}

#[derive(Debug, Default, Clone)]
pub struct DepartmentFilter {
    pub q: Option<String>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

const UNIQUE: &[(&str, &str)] = &[
    ("code", "is already used by another department"),
    ("name", "is already used by another department"),
];

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: DepartmentFilter,
    page: PageRequest,
) -> Result<Page<dept::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("code", dept::Column::Code),
            ("name", dept::Column::Name),
            ("created_at", dept::Column::CreatedAt),
        ],
    )?;
    let mut select = search::<dept::Entity>(
        actor,
        f.q.as_deref(),
        &[dept::Column::Name, dept::Column::Code],
    )?;
    if let Some(active) = f.is_active {
        select = select.filter(dept::Column::IsActive.eq(active));
    }
    let order = order.or(Some((dept::Column::Code, sea_orm::Order::Asc)));
    fetch_page(db, select, order, dept::Column::Id, page).await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<dept::Model, AppError> {
    find_owned::<dept::Entity>(conn, actor, id).await
}

/// What a create and an update write alike.
fn fill(row: &mut dept::ActiveModel, input: DepartmentInput) {
    row.code = Set(input.code);
    row.name = Set(input.name);
    row.location = Set(input.location);
    row.is_active = Set(input.is_active);
    row.updated_at = Set(Utc::now());
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DepartmentInput,
) -> Result<dept::Model, AppError> {
    let txn = begin_write(db).await?;
    let mut row = dept::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    fill(&mut row, input);
    commit_saved::<dept::Entity>(txn, actor, row, UNIQUE, |_| None).await
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: DepartmentInput,
) -> Result<dept::Model, AppError> {
    let txn = begin_write(db).await?;
    let mut row: dept::ActiveModel = get(&txn, actor, id).await?.into();
    fill(&mut row, input);
    commit_saved::<dept::Entity>(txn, actor, row, UNIQUE, |_| None).await
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Removal, AppError> {
    remove_owned::<dept::Entity>(db, actor, id).await
}

/// An active department of the caller's hospital, for references from doctors and catalogue items.
#[tracing::instrument(skip_all)]
pub async fn require_active(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    field: &str,
) -> Result<dept::Model, AppError> {
    // FOR SHARE: a concurrent DELETE of the department waits until the reference is committed, then finds
    // it and deactivates instead (SQLite's write transactions are serialised anyway).
    let found = dept::Entity::find_by_id(id)
        .filter(dept::Column::HospitalId.eq(actor.hospital_id))
        .lock_shared()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("department"));
    match found {
        Ok(d) if d.is_active => Ok(d),
        Ok(_) => Err(AppError::invalid(field, "the department is inactive")),
        Err(AppError::NotFound(_)) => Err(AppError::invalid(field, "no such department")),
        Err(e) => Err(e),
    }
}
