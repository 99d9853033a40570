//! The outpatient front office: schedules, booking and check-in, visit records and the queue, bills, statistics.
pub mod appointments;
pub mod billings;
pub mod booking_rules;
pub mod medical_records;
pub mod queue_board;
pub mod schedules;
pub mod settlements;
pub mod statistics;
pub mod waitlist;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(schedules::routes)
        .configure(appointments::routes)
        .configure(waitlist::routes)
        .configure(booking_rules::routes)
        .configure(queue_board::routes)
        .configure(medical_records::routes)
        .configure(billings::routes)
        .configure(settlements::routes)
        .configure(statistics::routes);
}
