//! How the domain's values are stored: the closed vocabularies as their texts, `Amount` as BIGINT
//! ten-thousandths, `Period` as `YYYY-MM`. Entities hold these types, so nothing past this boundary parses a
//! stored string or sees a scaled integer; a stored value that does not parse is a database error.
use crate::domain::{
    accounting::benchmark::BenchmarkMethod,
    accounting::calculation::{RunAfter, StepKind, TaskOrigin, TaskStatus},
    accounting::charge_line::{ChargeSource, ImportStatus},
    accounting::dimension::{BusinessType, BusinessTypeScope, DeptField, NodeKind, Series},
    accounting::period_close::{PeriodAction, PeriodStatus},
    foundation::money::Amount,
    foundation::period::Period,
    foundation::role::Role,
    foundation::vocab::{
        DoctorTitle, DocumentType, Gender, GuardianRelation, InsuranceType, ItemCategory,
    },
    outpatient::appointment::AppointmentStatus,
    outpatient::billing::{BillingStatus, PaymentMethod},
    outpatient::insurance::InsuranceRule,
    outpatient::schedule::{ScheduleStatus, TimeSlot},
    outpatient::waitlist::WaitlistStatus,
};
use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
};
use std::sync::Arc;

/// A stored text that is not one of its type's values.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a stored {1}")]
struct Unknown(String, &'static str);

/// Stores a type through `as_str` / `FromStr` as text (what `DeriveValueType` does for string enums).
macro_rules! stored_as_text {
    ($($ty:ty => $as_str:expr),* $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(v: $ty) -> Self {
                Value::String(Some(($as_str)(&v).to_owned()))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, idx)?;
                text.parse().map_err(|_| {
                    TryGetError::DbErr(DbErr::TryIntoErr {
                        from: "String",
                        into: stringify!($ty),
                        source: Arc::new(Unknown(text, stringify!($ty))),
                    })
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                <String as ValueType>::try_from(v)?.parse().map_err(|_| ValueTypeErr)
            }
            fn type_name() -> String {
                stringify!($ty).to_owned()
            }
            fn array_type() -> ArrayType {
                ArrayType::String
            }
            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }
    )*};
}

stored_as_text!(
    AppointmentStatus => |v: &AppointmentStatus| v.as_str(),
    BillingStatus => |v: &BillingStatus| v.as_str(),
    PaymentMethod => |v: &PaymentMethod| v.as_str(),
    StepKind => |v: &StepKind| v.as_str(),
    TaskStatus => |v: &TaskStatus| v.as_str(),
    TaskOrigin => |v: &TaskOrigin| v.as_str(),
    RunAfter => |v: &RunAfter| v.as_str(),
    PeriodStatus => |v: &PeriodStatus| v.as_str(),
    PeriodAction => |v: &PeriodAction| v.as_str(),
    BenchmarkMethod => |v: &BenchmarkMethod| v.as_str(),
    BusinessTypeScope => |v: &BusinessTypeScope| v.as_str(),
    DeptField => |v: &DeptField| v.as_str(),
    NodeKind => |v: &NodeKind| v.as_str(),
    BusinessType => |v: &BusinessType| v.as_str(),
    Series => |v: &Series| v.as_str(),
    Role => |v: &Role| v.as_str(),
    ScheduleStatus => |v: &ScheduleStatus| v.as_str(),
    TimeSlot => |v: &TimeSlot| v.as_str(),
    WaitlistStatus => |v: &WaitlistStatus| v.as_str(),
    DoctorTitle => |v: &DoctorTitle| v.as_str(),
    Gender => |v: &Gender| v.as_str(),
    DocumentType => |v: &DocumentType| v.as_str(),
    GuardianRelation => |v: &GuardianRelation| v.as_str(),
    InsuranceType => |v: &InsuranceType| v.as_str().to_owned(),
    ItemCategory => |v: &ItemCategory| v.as_str(),
    InsuranceRule => |v: &InsuranceRule| v.as_str(),
    ChargeSource => |v: &ChargeSource| v.as_str(),
    ImportStatus => |v: &ImportStatus| v.as_str(),
    Period => |v: &Period| v.to_string(),
);

impl From<Amount> for Value {
    fn from(v: Amount) -> Self {
        Value::BigInt(Some(v.scaled()))
    }
}

impl TryGetable for Amount {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        i64::try_get_by(res, idx).map(Amount::from_scaled)
    }
}

impl ValueType for Amount {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        <i64 as ValueType>::try_from(v).map(Amount::from_scaled)
    }
    fn type_name() -> String {
        "Amount".to_owned()
    }
    fn array_type() -> ArrayType {
        ArrayType::BigInt
    }
    fn column_type() -> ColumnType {
        ColumnType::BigInteger
    }
}

impl Nullable for Amount {
    fn null() -> Value {
        Value::BigInt(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde's names (`rename_all`) and the stored texts must agree for every vocabulary.
    #[test]
    fn serde_names_are_the_stored_texts() {
        fn check<T: serde::Serialize + Copy + std::fmt::Display>(all: &[T]) {
            for v in all {
                let expected = serde_json::Value::String(v.to_string());
                assert_eq!(serde_json::to_value(v).ok(), Some(expected));
            }
        }
        check(DoctorTitle::ALL);
        check(Gender::ALL);
        check(ItemCategory::ALL);
        check(crate::domain::foundation::role::Role::ALL);
        check(crate::domain::outpatient::appointment::AppointmentStatus::ALL);
        check(crate::domain::outpatient::billing::BillingStatus::ALL);
        check(crate::domain::outpatient::billing::PaymentMethod::ALL);
        check(crate::domain::outpatient::schedule::TimeSlot::ALL);
        check(crate::domain::outpatient::schedule::ScheduleStatus::ALL);
        check(crate::domain::outpatient::waitlist::WaitlistStatus::ALL);
        check(crate::domain::accounting::dimension::Series::ALL);
        check(crate::domain::accounting::calculation::StepKind::ALL);
        check(crate::domain::accounting::calculation::TaskStatus::ALL);
        check(crate::domain::accounting::calculation::TaskOrigin::ALL);
        check(crate::domain::accounting::calculation::RunAfter::ALL);
        check(crate::domain::accounting::period_close::PeriodStatus::ALL);
        check(crate::domain::accounting::period_close::PeriodAction::ALL);
        check(crate::domain::accounting::benchmark::BenchmarkMethod::ALL);
        check(crate::domain::accounting::dimension::NodeKind::ALL);
        check(crate::domain::accounting::dimension::DeptField::ALL);
        check(crate::domain::accounting::dimension::BusinessTypeScope::ALL);
        check(crate::domain::accounting::dimension::BusinessType::ALL);
        check(crate::domain::accounting::charge_line::ChargeSource::ALL);
        check(crate::domain::accounting::charge_line::ImportStatus::ALL);
    }
}
