//! The `calculation_step` table: one step of a workflow.
use crate::domain::accounting::calculation::StepKind;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calculation_step")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workflow_id: i64,
    pub step_order: i32,
    pub kind: StepKind,
    pub name: String,
}

impl ActiveModelBehavior for ActiveModel {}
