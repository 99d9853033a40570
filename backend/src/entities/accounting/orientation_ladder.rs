//! The `orientation_ladder` table: a half-open band [lower, upper) of actual ÷ benchmark and its intensity (ten-thousandths).
use crate::domain::foundation::money::Amount;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orientation_ladder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rule_id: i64,
    pub lower_bound: Amount,
    pub upper_bound: Option<Amount>,
    pub intensity: Amount,
    pub sort: i32,
}

impl ActiveModelBehavior for ActiveModel {}
