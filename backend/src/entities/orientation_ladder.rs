//! The `orientation_ladder` table: a half-open band [lower, upper) of actual ÷ benchmark and its intensity (ten-thousandths).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orientation_ladder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub rule_id: i64,
    pub lower_bound: i64,
    pub upper_bound: Option<i64>,
    pub intensity: i64,
    pub sort: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
