//! The `calculation_details` table: a run's charges at the grain (department, node, item, business type).
use crate::domain::{foundation::money::Amount, foundation::period::Period};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calculation_details")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub department_id: i64,
    pub department_code: String,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub parent_id: Option<i64>,
    pub item_code: String,
    pub item_name: Option<String>,
    pub item_category: Option<String>,
    pub business_type: String,
    pub amount: Amount,
    pub quantity: Amount,
    pub period: Period,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
