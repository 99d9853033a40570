//! The `dimension_closure` table: every ancestor/descendant pair of a version's tree (depth 0 = the node itself).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dimension_closure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ancestor_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub descendant_id: i64,
    pub model_version_id: i64,
    pub depth: i32,
}

impl ActiveModelBehavior for ActiveModel {}
