//! The outpatient rules: the appointment status machine, schedules and time slots, the bill split and
//! what the insurance fund pays of it.
pub mod appointment;
pub mod billing;
pub mod booking_rules;
pub mod diagnosis;
pub mod insurance;
pub mod prescription;
pub mod schedule;
pub mod waitlist;
