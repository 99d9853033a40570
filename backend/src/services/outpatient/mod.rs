//! The outpatient front office: doctors' schedules, booking and check-in, the visit record and the doctor's
//! queue, billing and payment, the cashier's day, statistics.
pub mod appointments;
pub mod billings;
pub mod booking_rules;
pub mod display_links;
pub mod medical_records;
pub mod queue_board;
pub mod schedules;
pub mod settlements;
pub mod statistics;
pub mod waitlist;
