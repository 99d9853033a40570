//! The `orientation_rule` table: a weight orientation rule: a node, a benchmark (per department or all) and a ladder.
use crate::domain::{accounting::benchmark::BenchmarkMethod, foundation::money::Amount};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orientation_rule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub model_version_id: i64,
    pub node_code: String,
    pub name: String,
    pub department_code: Option<String>,
    /// The fixed benchmark, and a computed method's value when it has nothing to compute from.
    pub benchmark: Amount,
    pub benchmark_method: BenchmarkMethod,
    /// How many previous periods a HISTORY_* method looks back.
    pub lookback_periods: Option<i32>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
