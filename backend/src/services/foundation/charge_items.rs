//! The charge-item catalogue (收费项目): prices and the department that performs each item.
use crate::services::{
    Actor, Page, PageRequest, Removal, commit_saved, fetch_page, find_owned,
    foundation::departments, remove_owned, search, sort_by,
};
use crate::{
    db::begin_write,
    domain::{foundation::money::Amount, foundation::vocab::ItemCategory},
    entities::foundation::charge_item as item,
    error::AppError,
};
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, Set};

#[derive(Debug, Clone)]
pub struct ChargeItemInput {
    pub item_code: String,
    pub item_name: String,
    pub item_category: ItemCategory,
    pub unit: Option<String>,
    pub unit_price: Amount,
    pub executing_department_id: Option<i64>,
    /// (dose unit, dose per unit, units per pack).
    pub packing: Option<(String, Amount, i32)>,
    pub is_active: bool,
}

#[derive(Debug, Default, Clone)]
pub struct ChargeItemFilter {
    pub q: Option<String>,
    pub item_category: Option<ItemCategory>,
    pub executing_department_id: Option<i64>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

const UNIQUE: &[(&str, &str)] = &[("item_code", "is already used by another item")];

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: ChargeItemFilter,
    page: PageRequest,
) -> Result<Page<item::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("item_code", item::Column::ItemCode),
            ("item_name", item::Column::ItemName),
            ("unit_price", item::Column::UnitPrice),
            ("item_category", item::Column::ItemCategory),
        ],
    )?;
    let mut select = search::<item::Entity>(
        actor,
        f.q.as_deref(),
        &[item::Column::ItemName, item::Column::ItemCode],
    )?;
    if let Some(c) = f.item_category {
        select = select.filter(item::Column::ItemCategory.eq(c.as_str()));
    }
    if let Some(d) = f.executing_department_id {
        select = select.filter(item::Column::ExecutingDepartmentId.eq(d));
    }
    if let Some(active) = f.is_active {
        select = select.filter(item::Column::IsActive.eq(active));
    }
    let order = order.or(Some((item::Column::ItemCode, sea_orm::Order::Asc)));
    fetch_page(db, select, order, item::Column::Id, page).await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<item::Model, AppError> {
    find_owned::<item::Entity>(conn, actor, id).await
}

/// What a create and an update write alike.
fn fill(row: &mut item::ActiveModel, input: ChargeItemInput) {
    let (dose_unit, unit_dose, pack_units) = match input.packing {
        Some((unit, dose, units)) => (Some(unit), Some(dose), Some(units)),
        None => (None, None, None),
    };
    row.item_code = Set(input.item_code);
    row.item_name = Set(input.item_name);
    row.item_category = Set(input.item_category);
    row.unit = Set(input.unit);
    row.unit_price = Set(input.unit_price);
    row.executing_department_id = Set(input.executing_department_id);
    row.dose_unit = Set(dose_unit);
    row.unit_dose = Set(unit_dose);
    row.pack_units = Set(pack_units);
    row.is_active = Set(input.is_active);
    row.updated_at = Set(Utc::now());
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ChargeItemInput,
) -> Result<item::Model, AppError> {
    let txn = begin_write(db).await?;
    if let Some(d) = input.executing_department_id {
        departments::require_active(&txn, actor, d, "executing_department_id").await?;
    }
    let mut row = item::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    fill(&mut row, input);
    commit_saved::<item::Entity>(txn, actor, row, UNIQUE, |_| None).await
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: ChargeItemInput,
) -> Result<item::Model, AppError> {
    let txn = begin_write(db).await?;
    let existing = get(&txn, actor, id).await?;
    if let Some(d) = input.executing_department_id {
        departments::require_active(&txn, actor, d, "executing_department_id").await?;
    }
    let old_price = existing.unit_price;
    let mut row: item::ActiveModel = existing.into();
    fill(&mut row, input);
    commit_saved::<item::Entity>(txn, actor, row, UNIQUE, |updated| {
        Some(serde_json::json!({
            "old_unit_price": old_price.to_decimal().to_string(),
            "unit_price": updated.unit_price.to_decimal().to_string(),
        }))
    })
    .await
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Removal, AppError> {
    remove_owned::<item::Entity>(db, actor, id).await
}
