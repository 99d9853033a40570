//! The outpatient rules: the appointment status machine, schedules and time slots, the bill split.
pub mod appointment;
pub mod billing;
pub mod schedule;
