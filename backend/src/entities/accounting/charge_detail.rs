//! The `charge_details` table.
use crate::domain::{
    accounting::charge_line::ChargeSource, accounting::dimension::BusinessType,
    foundation::money::Amount, foundation::period::Period,
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "charge_details")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    /// Who wrote the line: `OUTPATIENT` (a bill's payment or refund) or `IMPORT` (a file from another
    /// system); see `domain::accounting::charge_line::ChargeSource`.
    pub source: ChargeSource,
    /// Unique per hospital and source: importing or writing the same line twice changes nothing.
    pub source_line_id: String,
    pub business_type: BusinessType,
    pub prescribing_dept_code: String,
    pub executing_dept_code: String,
    pub item_code: String,
    pub item_name: String,
    pub item_category: Option<String>,
    pub quantity: Amount,
    /// Negative for refunds.
    pub amount: Amount,
    pub charged_at: DateTimeUtc,
    /// YYYY-MM.
    pub period: Period,
    pub billing_id: Option<i64>,
    /// The charge import that wrote the line (NULL for payment lines and lines from before imports had one);
    /// the line counts only once that import is COMPLETE.
    pub import_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
