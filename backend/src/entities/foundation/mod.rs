//! The tables of staff, sign-in, the audit log and each hospital's reference data.
pub mod app_user;
pub mod audit_chain_head;
pub mod audit_log;
pub mod auth_session;
pub mod charge_item;
pub mod department;
pub mod diagnosis;
pub mod doctor;
pub mod hospital;
pub mod insurance_policy;
pub mod insurance_policy_rate;
pub mod insurance_type;
pub mod login_throttle;
pub mod patient;
pub mod refresh_token;
