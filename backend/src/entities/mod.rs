//! SeaORM entities, one file per table (only the tables the services use have one).
pub mod app_user;
pub mod appointment;
pub mod audit_chain_head;
pub mod audit_log;
pub mod auth_session;
pub mod billing;
pub mod billing_line;
pub mod calculation_detail;
pub mod calculation_result;
pub mod calculation_step;
pub mod calculation_task;
pub mod calculation_workflow;
pub mod charge_detail;
pub mod charge_import;
pub mod charge_item;
pub mod cost_record;
pub mod department;
pub mod dimension_closure;
pub mod dimension_item_mapping;
pub mod dimension_node;
pub mod doctor;
pub mod hospital;
pub mod insurance_policy;
pub mod login_throttle;
pub mod medical_record;
pub mod model_version;
pub mod orientation_adjustment_detail;
pub mod orientation_ladder;
pub mod orientation_rule;
pub mod orientation_value;
pub mod patient;
pub mod payment_request;
pub mod refresh_token;
pub mod schedule;
pub mod value_summary;
mod values;
pub mod workload_record;

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
    billing => "billing",
    calculation_task => "calculation task",
    charge_item => "charge item",
    department => "department",
    dimension_item_mapping => "mapping",
    dimension_node => "dimension node",
    doctor => "doctor",
    medical_record => "medical record",
    model_version => "model version",
    orientation_rule => "orientation rule",
    patient => "patient",
    schedule => "schedule",
);
