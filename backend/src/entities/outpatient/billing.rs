//! The `billing` table.
use crate::domain::{
    foundation::money::Amount,
    outpatient::billing::{BillingStatus, PaymentMethod},
};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub medical_record_id: i64,
    pub appointment_id: i64,
    /// Ten-thousandths of a yuan, as every amount here.
    pub total_amount: Amount,
    pub insurance_amount: Amount,
    pub self_pay_amount: Amount,
    /// The insurance policy the bill was drawn under (none: no policy for the patient's insurance type, or
    /// a bill from before policies were recorded).
    pub insurance_policy_id: Option<i64>,
    pub status: BillingStatus,
    pub payment_method: Option<PaymentMethod>,
    pub paid_at: Option<DateTimeUtc>,
    /// The hospital's local date of payment, for the statistics.
    pub paid_on: Option<Date>,
    pub refunded_at: Option<DateTimeUtc>,
    pub refunded_on: Option<Date>,
    pub refund_reason: Option<String>,
    /// The staff account that took the payment, and the one that refunded it (none on bills from before).
    pub paid_by: Option<i64>,
    pub refunded_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
