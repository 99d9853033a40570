//! The `patient` table.
use crate::domain::foundation::vocab::{Gender, GuardianRelation, InsuranceType};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub name: String,
    pub id_card: String,
    pub phone: String,
    pub dob: Date,
    pub gender: Gender,
    pub insurance_type: InsuranceType,
    pub address: Option<String>,
    /// Someone to reach for the patient (a child's parent, say): all three or none.
    pub guardian_name: Option<String>,
    pub guardian_relation: Option<GuardianRelation>,
    pub guardian_phone: Option<String>,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
