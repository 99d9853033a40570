//! The `settlement_day` table: a day an administrator closed, with its totals as they stood.
use crate::domain::foundation::money::Amount;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settlement_day")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    /// The hospital's local date.
    pub day: Date,
    pub closed_by: i64,
    pub closed_at: DateTimeUtc,
    pub paid_total: Amount,
    pub refunded_total: Amount,
}

impl ActiveModelBehavior for ActiveModel {}
