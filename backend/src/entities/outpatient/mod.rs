//! The tables of the outpatient front office.
pub mod appointment;
pub mod billing;
pub mod billing_line;
pub mod booking_rule;
pub mod display_link;
pub mod medical_record;
pub mod payment_request;
pub mod schedule;
pub mod settlement_day;
pub mod waitlist_entry;
