//! Booking under concurrency and the appointment status machine: no overbooking whatever arrives at
//! once, queue numbers never reused, one appointment per patient and slot, only open and unfinished
//! schedules booked, every illegal transition refused naming both states, no-shows by hand and by the
//! periodic sweep, and random sequences of actions that keep the place count and the machine.
use crate::{
    clinic::{self, Clinic, assert_transition},
    db_tests,
    helpers::{Resp, TestApp},
};
use hospital::{
    entities::{
        foundation::audit_log, outpatient::appointment, outpatient::medical_record,
        outpatient::schedule,
    },
    services::outpatient::appointments::sweep_no_shows,
};
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::{collections::HashSet, time::Instant};

db_tests!(
    two_hundred_bookings_fill_twenty_places_exactly,
    cancelling_and_booking_at_once_never_overbooks,
    a_patient_books_a_slot_once,
    only_open_unfinished_schedules_take_bookings,
    illegal_transitions_are_refused_naming_both_states,
    racing_the_same_transition_moves_once,
    check_in_is_for_todays_appointments,
    no_shows_by_hand_and_by_the_sweep,
    random_actions_keep_the_count_and_the_machine,
    cancelling_a_schedule_while_its_patient_checks_in_leaves_no_one_on_a_cancelled_schedule,
);

async fn appointments_of(app: &TestApp, schedule_id: i64) -> Vec<appointment::Model> {
    appointment::Entity::find()
        .filter(appointment::Column::ScheduleId.eq(schedule_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn schedule_row(app: &TestApp, schedule_id: i64) -> schedule::Model {
    schedule::Entity::find_by_id(schedule_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn status_of(app: &TestApp, appointment_id: i64) -> String {
    appointment::Entity::find_by_id(appointment_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

/// Anything but the statuses a test expects, with the body (no 5xx ever).
fn unexpected<'a>(
    answers: &'a [Resp],
    allowed: &[(u16, &str)],
) -> Vec<(u16, &'a serde_json::Value)> {
    answers
        .iter()
        .filter(|r| {
            !allowed
                .iter()
                .any(|(status, code)| r.status == *status && (code.is_empty() || r.code() == *code))
        })
        .map(|r| (r.status, &r.body))
        .collect()
}

async fn two_hundred_bookings_fill_twenty_places_exactly(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let schedule_id = clinic::future_schedule(&app, clinic.doctor_id, 1, 20).await;
    let patients = clinic.patients(&app, 200).await;
    app.front_desk().await;

    let started = Instant::now();
    let answers = clinic::all(patients.iter().map(|p| clinic::book(&app, *p, schedule_id))).await;
    eprintln!(
        "200 concurrent bookings on {:?}: {:?}",
        app.backend,
        started.elapsed()
    );

    assert_eq!(
        unexpected(&answers, &[(201, ""), (409, "SLOT_FULL")]),
        Vec::<(u16, &serde_json::Value)>::new()
    );
    let mut queue_nos: Vec<i64> = answers
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| {
            assert_eq!(r.body["status"], "BOOKED");
            r.body["queue_no"].as_i64().unwrap()
        })
        .collect();
    queue_nos.sort_unstable();
    assert_eq!(queue_nos, (1..=20).collect::<Vec<_>>());
    let full = answers.iter().filter(|r| r.code() == "SLOT_FULL").count();
    assert_eq!(full, 180);
    for r in answers.iter().filter(|r| r.status == 409) {
        r.assert_problem(409, "SLOT_FULL");
    }

    let slot = app
        .get(
            &format!("/api/v1/schedules/{schedule_id}"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(
        (
            slot.body["booked_count"].as_i64(),
            slot.body["remaining"].as_i64()
        ),
        (Some(20), Some(0)),
        "{:?}",
        slot.body
    );
    let row = schedule_row(&app, schedule_id).await;
    assert_eq!((row.booked_count, row.last_queue_no), (20, 20));
    assert_eq!(appointments_of(&app, schedule_id).await.len(), 20);
}

async fn cancelling_and_booking_at_once_never_overbooks(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let schedule_id = clinic::future_schedule(&app, clinic.doctor_id, 1, 5).await;
    let first = clinic.patients(&app, 5).await;
    let newcomers = clinic.patients(&app, 20).await;
    let late = clinic.patients(&app, 6).await;
    let mut held = Vec::new();
    for p in &first {
        held.push(clinic::booked(&app, *p, schedule_id).await);
    }
    assert_eq!(
        clinic::book(&app, newcomers[0], schedule_id).await.code(),
        "SLOT_FULL"
    );

    let (cancels, books) = futures_util::future::join(
        clinic::all(held.iter().map(|a| clinic::act(&app, *a, "cancel"))),
        clinic::all(
            newcomers
                .iter()
                .map(|p| clinic::book(&app, *p, schedule_id)),
        ),
    )
    .await;
    for c in &cancels {
        assert_eq!(
            (c.status, c.body["status"].as_str()),
            (200, Some("CANCELLED")),
            "{:?}",
            c.body
        );
    }
    assert_eq!(
        unexpected(&books, &[(201, ""), (409, "SLOT_FULL")]),
        Vec::<(u16, &serde_json::Value)>::new()
    );

    let rows = appointments_of(&app, schedule_id).await;
    let holding: Vec<_> = rows
        .iter()
        .filter(|a| a.status.as_str() != "CANCELLED")
        .collect();
    let slot = schedule_row(&app, schedule_id).await;
    assert_eq!(slot.booked_count as usize, holding.len(), "{rows:?}");
    assert!(slot.booked_count <= 5, "{slot:?}");
    assert_eq!(
        holding.len(),
        books.iter().filter(|r| r.status == 201).count()
    );
    let queue_nos: HashSet<i32> = rows.iter().map(|a| a.queue_no).collect();
    assert_eq!(
        queue_nos.len(),
        rows.len(),
        "queue numbers reused: {rows:?}"
    );
    for a in rows.iter().filter(|a| !held.contains(&a.id)) {
        assert!(
            a.queue_no > 5,
            "a number of a cancelled place was reused: {a:?}"
        );
    }
    assert_eq!(
        slot.last_queue_no,
        rows.iter().map(|a| a.queue_no).max().unwrap()
    );

    // The places the cancellations freed and the newcomers did not take are still there, and no more.
    let free = 5 - slot.booked_count as usize;
    for p in &late[..free] {
        clinic::booked(&app, *p, schedule_id).await;
    }
    clinic::book(&app, late[5], schedule_id)
        .await
        .assert_problem(409, "SLOT_FULL");
    assert_eq!(schedule_row(&app, schedule_id).await.booked_count, 5);
}

async fn a_patient_books_a_slot_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patients = clinic.patients(&app, 2).await;

    let schedule_id = clinic::future_schedule(&app, clinic.doctor_id, 1, 20).await;
    clinic::booked(&app, patients[0], schedule_id).await;
    let twice = clinic::book(&app, patients[0], schedule_id).await;
    twice.assert_problem(409, "DUPLICATE");
    assert!(
        twice.field_errors().contains_key("patient_id"),
        "{:?}",
        twice.body
    );
    assert_eq!(schedule_row(&app, schedule_id).await.booked_count, 1);

    // Ten at once: one place, and the others refused as duplicates.
    let other = clinic::future_schedule(&app, clinic.doctor_id, 2, 20).await;
    let answers = clinic::all((0..10).map(|_| clinic::book(&app, patients[1], other))).await;
    assert_eq!(
        unexpected(&answers, &[(201, ""), (409, "DUPLICATE")]),
        Vec::<(u16, &serde_json::Value)>::new()
    );
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 1);
    let slot = schedule_row(&app, other).await;
    assert_eq!(slot.booked_count, 1, "{slot:?}");
    assert_eq!(appointments_of(&app, other).await.len(), 1);
}

async fn only_open_unfinished_schedules_take_bookings(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let patient = clinic.patients(&app, 1).await[0];

    let closed = clinic::future_schedule(&app, clinic.doctor_id, 1, 5).await;
    let resp = app
        .post(
            &format!("/api/v1/schedules/{closed}/close"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(
        (resp.status, resp.body["status"].as_str()),
        (200, Some("CLOSED")),
        "{:?}",
        resp.body
    );
    clinic::book(&app, patient, closed)
        .await
        .assert_problem(409, "SCHEDULE_NOT_OPEN");
    app.post(
        &format!("/api/v1/schedules/{closed}/close"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(409, "SCHEDULE_NOT_OPEN");

    let cancelled = clinic::future_schedule(&app, clinic.doctor_id, 2, 5).await;
    let resp = app
        .post(
            &format!("/api/v1/schedules/{cancelled}/cancel"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    clinic::book(&app, patient, cancelled)
        .await
        .assert_problem(409, "SCHEDULE_NOT_OPEN");

    let past = clinic.past_schedule(&app, clinic.doctor_id, 0).await;
    clinic::book(&app, patient, past)
        .await
        .assert_problem(409, "SCHEDULE_ENDED");
    for id in [closed, cancelled, past] {
        assert_eq!(schedule_row(&app, id).await.booked_count, 0);
    }
}

async fn illegal_transitions_are_refused_naming_both_states(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let patients = clinic.patients(&app, 3).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;

    // CANCELLED is final.
    let cancelled = clinic::booked(&app, patients[0], today).await;
    let resp = clinic::act(&app, cancelled, "cancel").await;
    assert_eq!(resp.body["status"], "CANCELLED", "{:?}", resp.body);
    for (action, to) in [
        ("check-in", "COMPLETED"),
        ("cancel", "CANCELLED"),
        ("no-show", "NO_SHOW"),
    ] {
        let resp = clinic::act(&app, cancelled, action).await;
        assert_transition(
            &resp,
            &format!("an appointment that is CANCELLED cannot become {to}"),
        );
    }
    assert_eq!(status_of(&app, cancelled).await, "CANCELLED");

    // COMPLETED: checked in once only, neither cancelled nor a no-show.
    let seen = clinic::booked(&app, patients[1], today).await;
    let resp = clinic::act(&app, seen, "check-in").await;
    assert_eq!(resp.body["status"], "COMPLETED", "{:?}", resp.body);
    let record = resp.body["medical_record_id"].as_i64().unwrap();
    for (action, to) in [
        ("check-in", "COMPLETED"),
        ("cancel", "CANCELLED"),
        ("no-show", "NO_SHOW"),
    ] {
        let resp = clinic::act(&app, seen, action).await;
        assert_transition(
            &resp,
            &format!("an appointment that is COMPLETED cannot become {to}"),
        );
    }
    assert_eq!(status_of(&app, seen).await, "COMPLETED");

    // BILLED: billed once; a PENDING bill cannot be refunded.
    let bill = clinic::bill(&app, record, None).await;
    assert_eq!(bill.status, 201, "{:?}", bill.body);
    let bill_id = bill.body["id"].as_i64().unwrap();
    assert_transition(
        &clinic::bill(&app, record, None).await,
        "an appointment that is BILLED cannot become BILLED",
    );
    assert_transition(
        &clinic::act(&app, seen, "cancel").await,
        "an appointment that is BILLED cannot become CANCELLED",
    );
    let refund = format!("/api/v1/billings/{bill_id}/refund");
    assert_transition(
        &app.post(&refund, &admin, json!({"reason": "测试"})).await,
        "a bill that is PENDING cannot become REFUNDED",
    );

    // PAID: paid once (a new key does not make a second payment), not cancelled, not billed again.
    let paid = clinic::pay(&app, bill_id, Some("transitions-1"), "CASH").await;
    assert_eq!(paid.body["status"], "PAID", "{:?}", paid.body);
    assert_transition(
        &clinic::pay(&app, bill_id, Some("transitions-2"), "CASH").await,
        "a bill that is PAID cannot become PAID",
    );
    for (action, to) in [
        ("cancel", "CANCELLED"),
        ("check-in", "COMPLETED"),
        ("no-show", "NO_SHOW"),
    ] {
        assert_transition(
            &clinic::act(&app, seen, action).await,
            &format!("an appointment that is PAID cannot become {to}"),
        );
    }
    assert_transition(
        &clinic::bill(&app, record, None).await,
        "an appointment that is PAID cannot become BILLED",
    );
    assert_eq!(status_of(&app, seen).await, "PAID");

    // REFUNDED is final for the bill.
    let resp = app.post(&refund, &admin, json!({"reason": "测试"})).await;
    assert_eq!(resp.body["status"], "REFUNDED", "{:?}", resp.body);
    assert_transition(
        &app.post(&refund, &admin, json!({"reason": "测试"})).await,
        "a bill that is REFUNDED cannot become REFUNDED",
    );
    assert_transition(
        &clinic::pay(&app, bill_id, Some("transitions-3"), "CASH").await,
        "a bill that is REFUNDED cannot become PAID",
    );

    // NO_SHOW is final.
    let past = clinic.past_schedule(&app, clinic.doctor_id, 1).await;
    let absent = clinic
        .insert_appointment(&app, past, patients[2], 1, "BOOKED")
        .await;
    let resp = clinic::act(&app, absent, "no-show").await;
    assert_eq!(resp.body["status"], "NO_SHOW", "{:?}", resp.body);
    for (action, to) in [
        ("check-in", "COMPLETED"),
        ("cancel", "CANCELLED"),
        ("no-show", "NO_SHOW"),
    ] {
        assert_transition(
            &clinic::act(&app, absent, action).await,
            &format!("an appointment that is NO_SHOW cannot become {to}"),
        );
    }
}

async fn racing_the_same_transition_moves_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patients = clinic.patients(&app, 2).await;
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let arriving = clinic::booked(&app, patients[0], today).await;
    let leaving = clinic::booked(&app, patients[1], today).await;
    app.front_desk().await;

    let (check_ins, cancels) = futures_util::future::join(
        clinic::all((0..5).map(|_| clinic::act(&app, arriving, "check-in"))),
        clinic::all((0..5).map(|_| clinic::act(&app, leaving, "cancel"))),
    )
    .await;
    for (answers, to) in [(&check_ins, "COMPLETED"), (&cancels, "CANCELLED")] {
        assert_eq!(
            unexpected(answers, &[(200, ""), (409, "")]),
            Vec::<(u16, &serde_json::Value)>::new()
        );
        assert_eq!(
            answers.iter().filter(|r| r.status == 200).count(),
            1,
            "{answers:?}"
        );
        // The losers found the appointment already moved: the machine refuses the same step again.
        for r in answers.iter().filter(|r| r.status == 409) {
            assert_transition(
                r,
                &format!("an appointment that is {to} cannot become {to}"),
            );
        }
    }
    let records = medical_record::Entity::find()
        .filter(medical_record::Column::AppointmentId.eq(arriving))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    // The cancellation gave its place back once.
    assert_eq!(schedule_row(&app, today).await.booked_count, 1);
}

async fn check_in_is_for_todays_appointments(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patient = clinic.patients(&app, 1).await[0];
    let tomorrow = clinic::future_schedule(&app, clinic.doctor_id, 1, 10).await;
    let early = clinic::booked(&app, patient, tomorrow).await;
    clinic::act(&app, early, "check-in")
        .await
        .assert_problem(409, "NOT_TODAY");
    assert_eq!(status_of(&app, early).await, "BOOKED");
    let records = medical_record::Entity::find()
        .filter(medical_record::Column::AppointmentId.eq(early))
        .all(&app.db)
        .await
        .unwrap();
    assert!(records.is_empty());
}

async fn no_shows_by_hand_and_by_the_sweep(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patients = clinic.patients(&app, 8).await;

    // A slot that has not ended: not yet a no-show.
    let (today, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let waiting = clinic::booked(&app, patients[0], today).await;
    clinic::act(&app, waiting, "no-show")
        .await
        .assert_problem(409, "SLOT_NOT_ENDED");
    let tomorrow = clinic::future_schedule(&app, clinic.doctor_id, 1, 10).await;
    let coming = clinic::booked(&app, patients[1], tomorrow).await;
    clinic::act(&app, coming, "no-show")
        .await
        .assert_problem(409, "SLOT_NOT_ENDED");
    assert_eq!(status_of(&app, coming).await, "BOOKED");

    // Yesterday's evening: a no-show, and the place stays taken.
    let past = clinic.past_schedule(&app, clinic.doctor_id, 1).await;
    let absent = clinic
        .insert_appointment(&app, past, patients[2], 1, "BOOKED")
        .await;
    let resp = clinic::act(&app, absent, "no-show").await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(resp.body["status"], "NO_SHOW");
    assert_eq!(schedule_row(&app, past).await.booked_count, 1);

    // The sweep: every past BOOKED appointment, nothing else.
    let other = clinic.doctor(&app, "RESIDENT").await;
    let swept = clinic.past_schedule(&app, other, 3).await;
    let missed: Vec<i64> = vec![
        clinic
            .insert_appointment(&app, swept, patients[3], 1, "BOOKED")
            .await,
        clinic
            .insert_appointment(&app, swept, patients[4], 2, "BOOKED")
            .await,
    ];
    let went = clinic
        .insert_appointment(&app, swept, patients[5], 3, "COMPLETED")
        .await;
    let gave_up = clinic
        .insert_appointment(&app, swept, patients[6], 4, "CANCELLED")
        .await;
    assert_eq!(sweep_no_shows(&app.db).await.unwrap(), 2);
    for id in &missed {
        assert_eq!(status_of(&app, *id).await, "NO_SHOW");
    }
    for (id, status) in [
        (went, "COMPLETED"),
        (gave_up, "CANCELLED"),
        (absent, "NO_SHOW"),
        (waiting, "BOOKED"),
        (coming, "BOOKED"),
    ] {
        assert_eq!(status_of(&app, id).await, status, "appointment {id}");
    }
    assert_eq!(schedule_row(&app, swept).await.booked_count, 3);
    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("APPOINTMENT_NO_SHOW_SWEEP"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].hospital_id, Some(app.hospital_a));
    // Nothing left to sweep.
    assert_eq!(sweep_no_shows(&app.db).await.unwrap(), 0);
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Book(usize),
    Cancel(usize),
    CheckIn(usize),
    NoShow(usize),
}

const PATIENTS: usize = 5;
const CAPACITY: usize = 3;

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => (0..PATIENTS).prop_map(Action::Book),
        1 => any::<usize>().prop_map(Action::Cancel),
        1 => any::<usize>().prop_map(Action::CheckIn),
        1 => any::<usize>().prop_map(Action::NoShow),
    ]
}

/// One appointment as the model knows it.
struct Modelled {
    id: i64,
    patient: usize,
    status: &'static str,
    /// Every status it has been in, in order.
    history: Vec<&'static str>,
}

/// The machine as drawn in the architecture: (from, action) → to.
fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("BOOKED", "COMPLETED")
            | ("BOOKED", "CANCELLED")
            | ("BOOKED", "NO_SHOW")
            | ("COMPLETED", "BILLED")
            | ("BILLED", "PAID")
    )
}

async fn run_case(
    app: &TestApp,
    clinic: &Clinic,
    actions: Vec<Action>,
) -> Result<(), TestCaseError> {
    let doctor = clinic.doctor(app, "RESIDENT").await;
    let (schedule_id, _) = clinic::today_schedule(app, doctor, CAPACITY as i32).await;
    let patients = clinic.patients(app, PATIENTS).await;
    let mut model: Vec<Modelled> = Vec::new();
    let mut last_queue_no = 0;
    for (step, action) in actions.iter().enumerate() {
        let at = format!("step {step} {action:?} of {actions:?}");
        match *action {
            Action::Book(k) => {
                let resp = clinic::book(app, patients[k], schedule_id).await;
                let holding = model.iter().filter(|m| m.status != "CANCELLED").count();
                if model.iter().any(|m| m.patient == k) {
                    prop_assert_eq!((resp.status, resp.code()), (409, "DUPLICATE"), "{}", at);
                } else if holding >= CAPACITY {
                    prop_assert_eq!((resp.status, resp.code()), (409, "SLOT_FULL"), "{}", at);
                } else {
                    last_queue_no += 1;
                    prop_assert_eq!(resp.status, 201, "{} {:?}", at, resp.body);
                    prop_assert_eq!(
                        resp.body["queue_no"].as_i64(),
                        Some(last_queue_no),
                        "{}",
                        at
                    );
                    model.push(Modelled {
                        id: resp.body["id"].as_i64().unwrap(),
                        patient: k,
                        status: "BOOKED",
                        history: vec!["BOOKED"],
                    });
                }
            }
            Action::Cancel(j) | Action::CheckIn(j) | Action::NoShow(j) => {
                if model.is_empty() {
                    continue;
                }
                let m = j % model.len();
                let (path, to) = match *action {
                    Action::Cancel(_) => ("cancel", "CANCELLED"),
                    Action::CheckIn(_) => ("check-in", "COMPLETED"),
                    _ => ("no-show", "NO_SHOW"),
                };
                let resp = clinic::act(app, model[m].id, path).await;
                let from = model[m].status;
                if from != "BOOKED" {
                    prop_assert_eq!(
                        (resp.status, resp.code()),
                        (409, "INVALID_TRANSITION"),
                        "{}",
                        at
                    );
                    let detail = format!("an appointment that is {from} cannot become {to}");
                    prop_assert_eq!(
                        resp.body["detail"].as_str(),
                        Some(detail.as_str()),
                        "{}",
                        at
                    );
                } else if to == "NO_SHOW" {
                    // Today's slot has not ended.
                    prop_assert_eq!(
                        (resp.status, resp.code()),
                        (409, "SLOT_NOT_ENDED"),
                        "{}",
                        at
                    );
                } else {
                    prop_assert_eq!(resp.status, 200, "{} {:?}", at, resp.body);
                    prop_assert_eq!(resp.body["status"].as_str(), Some(to), "{}", at);
                    model[m].status = to;
                    model[m].history.push(to);
                }
            }
        }
        // After every action: the count is the appointments holding a place, and each appointment is
        // where its history through the machine says.
        let rows = appointments_of(app, schedule_id).await;
        let slot = schedule_row(app, schedule_id).await;
        let holding = rows
            .iter()
            .filter(|a| a.status.as_str() != "CANCELLED")
            .count();
        prop_assert_eq!(slot.booked_count as usize, holding, "{}", at);
        prop_assert!(holding <= CAPACITY, "{}", at);
        prop_assert_eq!(slot.last_queue_no as i64, last_queue_no, "{}", at);
        prop_assert_eq!(rows.len(), model.len(), "{}", at);
        for m in &model {
            let row = rows.iter().find(|r| r.id == m.id).unwrap();
            prop_assert_eq!(row.status.as_str(), m.status, "{}", at);
            prop_assert!(
                m.history.windows(2).all(|w| allowed(w[0], w[1])),
                "{:?} {}",
                m.history,
                at
            );
        }
    }
    Ok(())
}

async fn random_actions_keep_the_count_and_the_machine(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let strategy = prop::collection::vec(action(), 1..16);
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |actions| {
            handle.block_on(run_case(&app, &clinic, actions))
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// An administrator cancels today's schedule (with `force`) while the front desk checks its patient in.
/// Whichever takes the schedule first wins, whole: the patient is cancelled with the schedule, or is checked
/// in and the cancellation refused — never checked in on a cancelled schedule, out of the doctor's queue.
async fn cancelling_a_schedule_while_its_patient_checks_in_leaves_no_one_on_a_cancelled_schedule(
    app: TestApp,
) {
    let clinic = Clinic::open(&app).await;
    let admin = app.admin().await;
    let (mut cancelled, mut checked_in) = (0, 0);
    for round in 0..12 {
        let doctor = clinic.doctor(&app, "ATTENDING").await;
        let (schedule_id, _) = clinic::today_schedule(&app, doctor, 5).await;
        let patient = clinic.patients(&app, 1).await[0];
        let appointment = clinic::booked(&app, patient, schedule_id).await;
        let path = format!("/api/v1/schedules/{schedule_id}/cancel?force=true");
        let (cancel, check_in) = tokio::join!(
            app.post(&path, &admin, json!({})),
            clinic::act(&app, appointment, "check-in")
        );
        let slot = schedule_row(&app, schedule_id).await;
        let status = status_of(&app, appointment).await;
        match (cancel.status, check_in.status) {
            (200, _) => {
                assert_transition(
                    &check_in,
                    "an appointment that is CANCELLED cannot become COMPLETED",
                );
                assert_eq!(
                    (slot.status.as_str(), status.as_str()),
                    ("CANCELLED", "CANCELLED")
                );
                cancelled += 1;
            }
            (_, 200) => {
                cancel.assert_problem(409, "SCHEDULE_IN_USE");
                assert_eq!(
                    (slot.status.as_str(), status.as_str()),
                    ("OPEN", "COMPLETED")
                );
                checked_in += 1;
            }
            _ => panic!("round {round}: {:?} / {:?}", cancel.body, check_in.body),
        }
    }
    assert_eq!(cancelled + checked_in, 12);
}
