//! The `insurance_policy` table.
use crate::domain::{foundation::money::Amount, foundation::vocab::InsuranceType};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_policy")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub insurance_type: InsuranceType,
    /// Ten-thousandths of the total paid by insurance.
    pub ratio: Amount,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
