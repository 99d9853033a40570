//! The charge-item catalogue (收费项目): prices and the department that performs each item.
use crate::services::{
    Actor, Page, PageRequest, fetch_page,
    foundation::departments,
    foundation::reference::{Reference, UniqueKey},
    search, sort_by,
};
use crate::{
    domain::{foundation::money::Amount, foundation::vocab::ItemCategory},
    entities::foundation::charge_item as item,
    error::{AppError, Conflict, ConflictResource},
};
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, Set};

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

impl Reference for item::Entity {
    type Input = ChargeItemInput;

    fn unique_keys() -> &'static [UniqueKey<item::Column>] {
        const KEYS: &[UniqueKey<item::Column>] = &[UniqueKey::new(
            "item_code",
            "is already used by another item",
            &[item::Column::ItemCode],
        )];
        KEYS
    }

    async fn check(
        txn: &DatabaseTransaction,
        actor: &Actor,
        _before: Option<&item::Model>,
        input: &ChargeItemInput,
    ) -> Result<(), AppError> {
        if let Some(d) = input.executing_department_id {
            departments::require_active(txn, actor, d, "executing_department_id").await?;
        }
        Ok(())
    }

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
    }

    /// A replaced item's audit entry keeps the price it had.
    fn audit_detail(
        before: Option<&item::Model>,
        saved: &item::Model,
    ) -> Option<serde_json::Value> {
        before.map(|before| {
            serde_json::json!({
                "old_unit_price": before.unit_price.to_decimal().to_string(),
                "unit_price": saved.unit_price.to_decimal().to_string(),
            })
        })
    }

    fn conflict(holder: &item::Model) -> Conflict {
        Conflict::named(
            ConflictResource::ChargeItem,
            holder.id,
            Some(&holder.item_code),
            &holder.item_name,
        )
    }
}

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
