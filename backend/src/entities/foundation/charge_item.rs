//! The `charge_item` table.
use crate::domain::{foundation::money::Amount, foundation::vocab::ItemCategory};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "charge_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub item_category: ItemCategory,
    pub unit: Option<String>,
    /// Ten-thousandths of a yuan (see `domain::foundation::money`).
    pub unit_price: Amount,
    pub executing_department_id: Option<i64>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
