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
    /// A drug's packing, all three or none: each smallest unit holds `unit_dose` (ten-thousandths) of
    /// `dose_unit`, and the item (a pack) holds `pack_units` of them.
    pub dose_unit: Option<String>,
    pub unit_dose: Option<Amount>,
    pub pack_units: Option<i32>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
