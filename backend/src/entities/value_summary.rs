//! The `value_summary` table: a run's value per department: series values, net, share, rank and changes.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "value_summary")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub department_id: i64,
    pub doctor_value: i64,
    pub nursing_value: i64,
    pub tech_value: i64,
    pub cost_value: i64,
    pub net_value: i64,
    pub share: Option<i64>,
    pub value_rank: Option<i32>,
    pub mom_change: Option<i64>,
    pub yoy_change: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
