//! The `calculation_task` table: a calculation of one hospital, period, model version and workflow; `run_no` names the run readers see,
//! `last_run_no` the latest run a claim took (each claim takes the next; only the holder of that claim may write).
use crate::domain::{
    accounting::calculation::{TaskOrigin, TaskStatus},
    foundation::period::Period,
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calculation_task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub period: Period,
    pub model_version_id: i64,
    pub workflow_id: i64,
    pub status: TaskStatus,
    pub progress: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub log: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub has_details: bool,
    pub run_no: i32,
    pub last_run_no: i32,
    pub lease_until: Option<DateTimeUtc>,
    pub claimed_by: Option<String>,
    pub created_by: Option<i64>,
    /// The batch the task was queued in, if any: its tasks run in period order.
    pub batch_id: Option<i64>,
    pub origin: TaskOrigin,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
