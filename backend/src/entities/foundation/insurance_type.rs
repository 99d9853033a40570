//! The `insurance_type` table: the insurance types a hospital's patients and policies name by code.
use crate::domain::foundation::vocab::InsuranceType;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_type")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    /// What patients and policies store; a changed code follows into them.
    pub code: InsuranceType,
    pub name: String,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
