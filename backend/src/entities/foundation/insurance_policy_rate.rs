//! The `insurance_policy_rate` table: a policy's own ratio for an item category.
use crate::domain::{foundation::money::Amount, foundation::vocab::ItemCategory};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_policy_rate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub policy_id: i64,
    pub item_category: ItemCategory,
    pub ratio: Amount,
}

impl ActiveModelBehavior for ActiveModel {}
