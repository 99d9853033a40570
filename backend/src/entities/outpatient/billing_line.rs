//! The `billing_line` table.
use crate::domain::{
    foundation::money::Amount, foundation::vocab::ItemCategory,
    outpatient::insurance::InsuranceRule,
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub billing_id: i64,
    pub charge_item_id: Option<i64>,
    pub item_code: String,
    pub item_name: String,
    pub item_category: ItemCategory,
    pub unit_price: Amount,
    pub quantity: Amount,
    pub amount: Amount,
    pub executing_department_id: Option<i64>,
    /// The fund's ratio for the line, the rule that gave it and the fund's share of the line; none on bills
    /// from before they were recorded.
    pub insurance_ratio: Option<Amount>,
    pub insurance_rule: Option<InsuranceRule>,
    pub insurance_amount: Option<Amount>,
    pub sort: i32,
}

impl ActiveModelBehavior for ActiveModel {}
