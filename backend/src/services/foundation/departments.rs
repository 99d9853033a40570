//! Departments (科室): the clinical and medical-technology units of a hospital.
use crate::services::{
    Actor, Page, PageRequest, fetch_page,
    foundation::reference::{Reference, UniqueKey},
    search, sort_by,
};
use crate::{
    entities::foundation::department as dept,
    error::{AppError, Conflict, ConflictResource},
};
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

impl Reference for dept::Entity {
    type Input = DepartmentInput;

    fn unique_keys() -> &'static [UniqueKey<dept::Column>] {
        const TAKEN: &str = "is already used by another department";
        const KEYS: &[UniqueKey<dept::Column>] = &[
            UniqueKey::new("code", TAKEN, &[dept::Column::Code]),
            UniqueKey::new("name", TAKEN, &[dept::Column::Name]),
        ];
        KEYS
    }

    fn fill(row: &mut dept::ActiveModel, input: DepartmentInput) {
        row.code = Set(input.code);
        row.name = Set(input.name);
        row.location = Set(input.location);
        row.is_active = Set(input.is_active);
    }

    fn conflict(holder: &dept::Model) -> Conflict {
        Conflict::named(
            ConflictResource::Department,
            holder.id,
            Some(&holder.code),
            &holder.name,
        )
    }
}

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
