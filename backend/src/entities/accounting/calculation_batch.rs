//! The `calculation_batch` table: consecutive periods queued in one request, one task each (`calculation_task.batch_id`).
use crate::domain::foundation::period::Period;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calculation_batch")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub from_period: Period,
    pub to_period: Period,
    pub model_version_id: i64,
    pub workflow_id: i64,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
