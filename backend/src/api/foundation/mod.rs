//! What both modules stand on: sign-in, staff accounts, the audit log and the reference data.
pub mod audit_logs;
pub mod auth;
pub mod charge_items;
pub mod departments;
pub mod diagnoses;
pub mod doctors;
pub mod insurance_policies;
pub mod insurance_types;
pub mod patients;
pub mod users;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(departments::routes)
        .configure(doctors::routes)
        .configure(patients::routes)
        .configure(charge_items::routes)
        .configure(insurance_types::routes)
        .configure(insurance_policies::routes)
        .configure(diagnoses::routes)
        .configure(users::routes)
        .configure(audit_logs::routes);
}
