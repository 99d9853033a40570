//! The `dimension_node` table: a node of a model version's dimension tree; weight in ten-thousandths (a coefficient or a unit price).
use crate::domain::{
    accounting::dimension::BusinessTypeScope, accounting::dimension::DeptField,
    accounting::dimension::NodeKind, accounting::dimension::Series, foundation::money::Amount,
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dimension_node")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub model_version_id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub series: Series,
    pub kind: NodeKind,
    pub dept_field: DeptField,
    pub splits_business_type: bool,
    pub business_type_scope: BusinessTypeScope,
    pub weight: Amount,
    pub sort: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
