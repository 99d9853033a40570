//! The `insurance_policy` table: what the fund of an insurance type pays, from a date on.
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
    /// The hospital's local date from which bills are drawn under it; the policy of a type with the latest
    /// date not after the bill's is in force.
    pub effective_from: Date,
    /// Ten-thousandths of the whole paid by the fund for items without a ratio of their category.
    pub ratio: Amount,
    pub deductible: Option<Amount>,
    pub visit_cap: Option<Amount>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
