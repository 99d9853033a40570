//! The `orientation_adjustment_detail` table: each weight adjustment of a run, or why it was skipped.
use crate::domain::{accounting::benchmark::BenchmarkMethod, foundation::money::Amount};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orientation_adjustment_detail")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub task_id: i64,
    pub run_no: i32,
    pub department_id: i64,
    pub node_id: i64,
    pub rule_id: Option<i64>,
    pub actual_value: Option<Amount>,
    pub benchmark: Option<Amount>,
    /// The rule's method, and how many actuals its benchmark came from (0: the rule's fixed value).
    pub benchmark_method: Option<BenchmarkMethod>,
    pub benchmark_basis: Option<i32>,
    pub ratio: Option<Amount>,
    pub intensity: Option<Amount>,
    pub original_weight: Amount,
    pub adjusted_weight: Amount,
    pub skip_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
