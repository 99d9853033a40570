//! The `workload_record` table: one imported value per (hospital, period, department code, node code).
use crate::domain::{foundation::money::Amount, foundation::period::Period};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workload_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    /// YYYY-MM.
    pub period: Period,
    pub department_code: String,
    /// A dimension node's code, not its id, so the record outlives model versions.
    pub node_code: String,
    /// Ten-thousandths of the unit the workload node counts (beds, transfers, operations …); never negative.
    pub quantity: Amount,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
