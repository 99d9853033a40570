//! The `calculation_results` table: a run's tree of values per department.
use crate::domain::foundation::money::Amount;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calculation_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub department_id: i64,
    pub node_id: i64,
    pub parent_id: Option<i64>,
    pub business_type: String,
    pub amount: Amount,
    pub quantity: Option<Amount>,
    pub weight: Option<Amount>,
    pub value: Option<Amount>,
    pub ratio: Option<Amount>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
