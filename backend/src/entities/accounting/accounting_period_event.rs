//! The `accounting_period_event` table: one transition of a period, with who made it, when and why.
use crate::domain::{
    accounting::period_close::{PeriodAction, PeriodStatus},
    foundation::period::Period,
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounting_period_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub period: Period,
    pub action: PeriodAction,
    pub from_status: PeriodStatus,
    pub to_status: PeriodStatus,
    /// The run the period stood on after the transition (none once reopened).
    pub task_id: Option<i64>,
    pub run_no: Option<i32>,
    pub reason: Option<String>,
    pub user_id: i64,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
