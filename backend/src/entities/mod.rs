//! SeaORM entities, one file per table (only the tables the services use have one), grouped by context as the
//! other layers are. Columns hold domain types; `values` says how each is stored.
pub mod accounting;
pub mod foundation;
pub mod outpatient;
mod values;

use accounting::{
    calculation_batch, calculation_task, dimension_item_mapping, dimension_node, model_version,
    orientation_rule,
};
use foundation::{
    app_user, charge_item, department, diagnosis, doctor, insurance_policy, insurance_type, patient,
};
use outpatient::{appointment, billing, display_link, medical_record, schedule, waitlist_entry};
use sea_orm::EntityTrait;

/// A table whose rows belong to one hospital: a lookup by id is always scoped to the caller's hospital, so
/// another hospital's row answers as if it did not exist.
pub trait HospitalScoped: EntityTrait {
    /// What a row is called when it is not found.
    const NOUN: &'static str;
    fn hospital_column() -> Self::Column;
}

macro_rules! hospital_scoped {
    ($($table:ident => $noun:literal),* $(,)?) => {$(
        impl HospitalScoped for $table::Entity {
            const NOUN: &'static str = $noun;
            fn hospital_column() -> $table::Column {
                $table::Column::HospitalId
            }
        }
    )*};
}

hospital_scoped!(
    app_user => "user",
    appointment => "appointment",
    display_link => "display link",
    waitlist_entry => "waitlist entry",
    billing => "billing",
    calculation_batch => "calculation batch",
    calculation_task => "calculation task",
    charge_item => "charge item",
    department => "department",
    diagnosis => "diagnosis",
    dimension_item_mapping => "mapping",
    dimension_node => "dimension node",
    doctor => "doctor",
    insurance_policy => "insurance policy",
    insurance_type => "insurance type",
    medical_record => "medical record",
    model_version => "model version",
    orientation_rule => "orientation rule",
    patient => "patient",
    schedule => "schedule",
);
