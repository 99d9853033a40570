//! The `value_summary` table: a run's value per department: series values, net, share, rank and changes.
use crate::domain::foundation::money::Amount;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "value_summary")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub department_id: i64,
    pub doctor_value: Amount,
    pub nursing_value: Amount,
    pub tech_value: Amount,
    pub cost_value: Amount,
    pub net_value: Amount,
    pub share: Option<Amount>,
    pub value_rank: Option<i32>,
    pub mom_change: Option<Amount>,
    pub yoy_change: Option<Amount>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
