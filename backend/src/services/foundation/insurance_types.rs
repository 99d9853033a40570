//! Insurance types (医保类型): the national ones every hospital starts with and the hospital's own. Patients
//! and policies name a type by its code; a changed code follows into them, and a type they name is
//! deactivated rather than deleted.
use crate::services::{
    Actor, Page, PageRequest, fetch_page,
    foundation::reference::{Reference, UniqueKey},
    search, sort_by,
};
use crate::{
    domain::foundation::vocab::InsuranceType,
    entities::foundation::insurance_type as kind,
    error::{AppError, Conflict, ConflictResource},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

#[derive(Debug, Clone)]
pub struct InsuranceTypeInput {
    pub code: InsuranceType,
    pub name: String,
    pub is_active: bool,
}

#[derive(Debug, Default, Clone)]
pub struct InsuranceTypeFilter {
    pub q: Option<String>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

impl Reference for kind::Entity {
    type Input = InsuranceTypeInput;

    fn unique_keys() -> &'static [UniqueKey<kind::Column>] {
        const TAKEN: &str = "is already used by another insurance type";
        const KEYS: &[UniqueKey<kind::Column>] = &[
            UniqueKey::new("code", TAKEN, &[kind::Column::Code]),
            UniqueKey::new("name", TAKEN, &[kind::Column::Name]),
        ];
        KEYS
    }

    fn fill(row: &mut kind::ActiveModel, input: InsuranceTypeInput) {
        row.code = Set(input.code);
        row.name = Set(input.name);
        row.is_active = Set(input.is_active);
    }

    fn conflict(holder: &kind::Model) -> Conflict {
        Conflict::named(
            ConflictResource::InsuranceType,
            holder.id,
            Some(holder.code.as_str()),
            &holder.name,
        )
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: InsuranceTypeFilter,
    page: PageRequest,
) -> Result<Page<kind::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("code", kind::Column::Code),
            ("name", kind::Column::Name),
            ("created_at", kind::Column::CreatedAt),
        ],
    )?;
    let mut select = search::<kind::Entity>(
        actor,
        f.q.as_deref(),
        &[kind::Column::Code, kind::Column::Name],
    )?;
    if let Some(active) = f.is_active {
        select = select.filter(kind::Column::IsActive.eq(active));
    }
    // The national types first, in the order the country lists them, then the hospital's own as added.
    let order = order.or(Some((kind::Column::Id, sea_orm::Order::Asc)));
    fetch_page(db, select, order, kind::Column::Id, page).await
}

/// The insurance type a patient or a policy is given: one of the hospital's, active unless the record had it
/// already (a type taken out of use stays on the patients who have it).
pub async fn require_usable(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    code: &InsuranceType,
    had: Option<&InsuranceType>,
) -> Result<(), AppError> {
    // Found by a plain read, then locked by its primary key alone (FOR SHARE): a concurrent DELETE waits for
    // the reference, then meets the foreign key and deactivates instead. A locking read through the code's
    // index would lock index then row, the opposite order of the DELETE, and MySQL would deadlock the two.
    let seen = kind::Entity::find()
        .filter(kind::Column::HospitalId.eq(hospital_id))
        .filter(kind::Column::Code.eq(code.clone()))
        .one(conn)
        .await?;
    let found = match seen {
        Some(seen) => {
            kind::Entity::find_by_id(seen.id)
                .lock_shared()
                .one(conn)
                .await?
                // Its code changed meanwhile: it is no longer the type asked for.
                .filter(|t| t.code == *code)
        }
        None => None,
    };
    match found {
        None => {
            let active: Vec<String> = kind::Entity::find()
                .filter(kind::Column::HospitalId.eq(hospital_id))
                .filter(kind::Column::IsActive.eq(true))
                .order_by_asc(kind::Column::Id)
                .all(conn)
                .await?
                .into_iter()
                .map(|t| t.code.to_string())
                .collect();
            Err(AppError::invalid(
                "insurance_type",
                format!(
                    "is not one of the hospital's insurance types: {}",
                    active.join(", ")
                ),
            ))
        }
        Some(t) if !t.is_active && had != Some(code) => Err(AppError::invalid(
            "insurance_type",
            "the insurance type is no longer in use",
        )),
        Some(_) => Ok(()),
    }
}

/// Gives a new hospital the national insurance types.
pub async fn add_national(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let rows = InsuranceType::national().map(|(code, name)| kind::ActiveModel {
        hospital_id: Set(hospital_id),
        code: Set(code),
        name: Set(name.to_owned()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    kind::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}
