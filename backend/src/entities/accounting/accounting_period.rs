//! The `accounting_period` table: where a period of a hospital stands, and the run it was reviewed and published
//! with; a period without a row is DRAFT (see `domain::accounting::period_close`).
use crate::domain::{accounting::period_close::PeriodStatus, foundation::period::Period};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounting_period")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub period: Period,
    pub status: PeriodStatus,
    /// The task whose run was reviewed (and, past REVIEWED, published); none in DRAFT.
    pub task_id: Option<i64>,
    /// That task's run, as it stood when reviewed.
    pub run_no: Option<i32>,
    /// Who made the last transition.
    pub updated_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
