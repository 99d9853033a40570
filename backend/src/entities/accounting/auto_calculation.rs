//! The `auto_calculation` table: whether a hospital's imports queue calculations of their periods, and on what.
use crate::domain::accounting::calculation::RunAfter;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auto_calculation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub run_after: RunAfter,
    /// None: the version active when the import completes.
    pub model_version_id: Option<i64>,
    pub workflow_id: Option<i64>,
    pub updated_by: i64,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
