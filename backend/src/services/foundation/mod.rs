//! What both modules stand on: staff accounts and sign-in (with its throttle), the tamper-evident audit log,
//! and each hospital's reference data (departments, doctors, patients, the charge-item catalogue).
pub mod audit;
pub mod auth;
pub mod charge_items;
pub mod departments;
pub mod diagnoses;
pub mod doctors;
pub mod hospitals;
pub mod insurance_policies;
pub mod insurance_types;
pub mod patients;
pub mod reference;
pub mod throttle;
pub mod users;
