//! The waiting room and the booking rules: the waitlist of a full slot booked in order as places free up
//! (under concurrency too), capacity changes, moving a booking, each booking rule at its edges, the board of
//! the session open now, calling again and skipping, and display links that open the board and nothing else.
use crate::{
    clinic::{self, Clinic},
    db_tests,
    helpers::{Resp, TestApp},
    roles::MATRIX,
};
use chrono::{Duration, NaiveDateTime, Timelike, Utc};
use hospital::{
    domain::foundation::role::Role,
    entities::{
        foundation::audit_log, foundation::hospital as hospital_entity, outpatient::appointment,
        outpatient::schedule, outpatient::waitlist_entry,
    },
};
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

db_tests!(
    a_freed_place_goes_to_the_first_on_the_waitlist,
    cancels_and_bookings_at_once_never_overbook_nor_skip_the_waitlist,
    capacity_changes_stop_at_the_booked_and_feed_the_waitlist,
    a_move_takes_the_new_place_and_frees_the_old_in_one_step,
    two_moves_into_the_last_place_take_it_once,
    the_release_time_and_the_cutoff_at_their_minute,
    the_booking_limit_and_the_nth_no_show,
    the_board_shows_the_session_open_now_with_calls_again_and_skips,
    a_display_link_opens_the_board_and_nothing_else,
);

async fn waitlist(app: &TestApp, schedule_id: i64, patient_id: i64) -> Resp {
    app.post(
        &format!("/api/v1/schedules/{schedule_id}/waitlist"),
        &app.front_desk().await,
        json!({ "patient_id": patient_id }),
    )
    .await
}

async fn entries(app: &TestApp, schedule_id: i64) -> Vec<waitlist_entry::Model> {
    waitlist_entry::Entity::find()
        .filter(waitlist_entry::Column::ScheduleId.eq(schedule_id))
        .order_by_asc(waitlist_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn schedule_row(app: &TestApp, id: i64) -> schedule::Model {
    schedule::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The appointments holding a place on the schedule.
async fn holding(app: &TestApp, schedule_id: i64) -> Vec<appointment::Model> {
    appointment::Entity::find()
        .filter(appointment::Column::ScheduleId.eq(schedule_id))
        .filter(appointment::Column::Status.ne("CANCELLED"))
        .all(&app.db)
        .await
        .unwrap()
}

async fn rules(app: &TestApp, body: Value) {
    let resp = app
        .put("/api/v1/booking-rules", &app.admin().await, body)
        .await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
}

fn no_rules() -> Value {
    json!({"open_days_ahead": null, "release_time": "00:00", "cutoff": null, "max_active_bookings": null,
           "no_show": null, "waitlist_limit": 20})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

async fn a_freed_place_goes_to_the_first_on_the_waitlist(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let slot = clinic::future_schedule(&app, clinic.doctor_id, 1, 2).await;
    let patients = clinic.patients(&app, 6).await;
    let first = clinic::booked(&app, patients[0], slot).await;
    // A place is left: the waitlist is not the way in yet.
    waitlist(&app, slot, patients[2])
        .await
        .assert_problem(409, "PLACES_LEFT");
    clinic::booked(&app, patients[1], slot).await;
    clinic::book(&app, patients[2], slot)
        .await
        .assert_problem(409, "SLOT_FULL");
    for (i, p) in patients[2..5].iter().enumerate() {
        let joined = waitlist(&app, slot, *p).await;
        assert_eq!(joined.status, 201, "{:?}", joined.body);
        assert_eq!(joined.body["position"], i + 1);
        assert_eq!(joined.body["status"], "WAITING");
    }
    // Once is enough; a booked patient is not put on the list.
    waitlist(&app, slot, patients[2])
        .await
        .assert_problem(409, "DUPLICATE");
    waitlist(&app, slot, patients[0])
        .await
        .assert_problem(409, "DUPLICATE");

    let cancelled = clinic::act(&app, first, "cancel").await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    let list = app
        .get(
            &format!("/api/v1/schedules/{slot}/waitlist"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let statuses: Vec<(&str, Value)> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["position"].clone()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("PROMOTED", Value::Null),
            ("WAITING", json!(1)),
            ("WAITING", json!(2))
        ]
    );
    let promoted = &list.body[0];
    assert_eq!(promoted["patient_id"], patients[2]);
    assert_eq!(
        promoted["queue_no"], 3,
        "the next queue number, not the cancelled one's"
    );
    let appt = app
        .get(
            &format!("/api/v1/appointments/{}", promoted["appointment_id"]),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(
        (
            appt.body["status"].as_str(),
            appt.body["from_waitlist"].as_bool()
        ),
        (Some("BOOKED"), Some(true))
    );
    let row = schedule_row(&app, slot).await;
    assert_eq!((row.booked_count, row.capacity), (2, 2));
    assert_eq!(holding(&app, slot).await.len(), 2);
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("WAITLIST_PROMOTE"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);

    // Leaving the list closes the gap; a left entry cannot leave twice.
    let second = list.body[1]["id"].as_i64().unwrap();
    let left = app
        .post(
            &format!("/api/v1/waitlist/{second}/cancel"),
            &app.front_desk().await,
            json!({}),
        )
        .await;
    assert_eq!(left.body["status"], "CANCELLED", "{:?}", left.body);
    app.post(
        &format!("/api/v1/waitlist/{second}/cancel"),
        &app.front_desk().await,
        json!({}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");
    let list = app
        .get(
            &format!("/api/v1/schedules/{slot}/waitlist"),
            &app.front_desk().await,
        )
        .await;
    assert_eq!(list.body[2]["position"], 1, "{:?}", list.body);

    // A bounded list: the hospital's limit, and none at all with 0.
    rules(&app, with(no_rules(), "waitlist_limit", json!(2))).await;
    let joined = waitlist(&app, slot, patients[5]).await;
    assert_eq!(joined.status, 201, "{:?}", joined.body);
    let full = waitlist(&app, slot, patients[1] + 1000).await;
    assert!(matches!(full.status, 404 | 422), "{:?}", full.body);
    let extra = clinic.patients(&app, 1).await[0];
    let refused = waitlist(&app, slot, extra).await;
    refused.assert_problem(409, "WAITLIST_FULL");
    assert_eq!(refused.body["conflict"]["limit"], 2, "{:?}", refused.body);
    // Closing the schedule ends the waiting.
    let closed = app
        .post(
            &format!("/api/v1/schedules/{slot}/close"),
            &app.admin().await,
            json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{:?}", closed.body);
    assert!(
        entries(&app, slot)
            .await
            .iter()
            .all(|e| e.status.as_str() != "WAITING")
    );
}

async fn cancels_and_bookings_at_once_never_overbook_nor_skip_the_waitlist(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let slot = clinic::future_schedule(&app, clinic.doctor_id, 1, 5).await;
    let holders = clinic.patients(&app, 5).await;
    let waiting = clinic.patients(&app, 8).await;
    let walkers = clinic.patients(&app, 12).await;
    let late = clinic.patients(&app, 4).await;
    let mut held = Vec::new();
    for p in &holders {
        held.push(clinic::booked(&app, *p, slot).await);
    }
    for p in &waiting {
        assert_eq!(waitlist(&app, slot, *p).await.status, 201);
    }
    app.front_desk().await;

    // Four cancellations, twelve direct bookings and four more joins, all at once.
    let app = &app;
    let cancels = held[..4]
        .iter()
        .map(|id| async move { clinic::act(app, *id, "cancel").await });
    let bookings = walkers
        .iter()
        .map(|p| async move { clinic::book(app, *p, slot).await });
    let joins = late
        .iter()
        .map(|p| async move { waitlist(app, slot, *p).await });
    let (c, b, j) = tokio::join!(
        clinic::all(cancels),
        clinic::all(bookings),
        clinic::all(joins)
    );
    for r in &c {
        assert_eq!(r.status, 200, "cancel: {:?}", r.body);
    }
    // While someone waits, a freed place is never free: every direct booking finds the slot full.
    for r in &b {
        r.assert_problem(409, "SLOT_FULL");
    }
    for r in &j {
        assert_eq!(r.status, 201, "join: {:?}", r.body);
    }

    let row = schedule_row(app, slot).await;
    let places = holding(app, slot).await;
    assert_eq!(row.booked_count, 5);
    assert_eq!(places.len(), 5);
    let list = entries(app, slot).await;
    let promoted: Vec<i64> = list
        .iter()
        .filter(|e| e.status.as_str() == "PROMOTED")
        .map(|e| e.patient_id)
        .collect();
    assert_eq!(
        promoted,
        waiting[..4].to_vec(),
        "the first four in the order they joined"
    );
    let still: Vec<i64> = list
        .iter()
        .filter(|e| e.status.as_str() == "WAITING")
        .map(|e| e.patient_id)
        .collect();
    assert_eq!(
        &still[..4],
        &waiting[4..],
        "the rest keep their order, the late joiners behind"
    );
    let mut late_sorted = still[4..].to_vec();
    late_sorted.sort_unstable();
    let mut expected = late.clone();
    expected.sort_unstable();
    assert_eq!(late_sorted, expected);
    let mut patients: Vec<i64> = places.iter().map(|a| a.patient_id).collect();
    patients.sort_unstable();
    patients.dedup();
    assert_eq!(patients.len(), 5, "no patient holds two places");
}

async fn capacity_changes_stop_at_the_booked_and_feed_the_waitlist(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let slot = clinic::future_schedule(&app, clinic.doctor_id, 1, 3).await;
    let patients = clinic.patients(&app, 6).await;
    for p in &patients[..3] {
        clinic::booked(&app, *p, slot).await;
    }
    for p in &patients[3..] {
        assert_eq!(waitlist(&app, slot, *p).await.status, 201);
    }
    let desk = app.front_desk().await;
    let url = format!("/api/v1/schedules/{slot}/capacity");
    let lower = app.put(&url, &desk, json!({"capacity": 2})).await;
    lower.assert_problem(409, "CAPACITY_BELOW_BOOKED");
    assert_eq!(lower.body["conflict"]["count"], 3, "{:?}", lower.body);
    app.put(&url, &desk, json!({"capacity": 0}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");

    let raised = app.put(&url, &desk, json!({"capacity": 5})).await;
    assert_eq!(raised.status, 200, "{:?}", raised.body);
    assert_eq!(raised.body["schedule"]["booked_count"], 5);
    assert_eq!(
        raised.body["promoted_appointment_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let list = entries(&app, slot).await;
    let statuses: Vec<&str> = list.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(statuses, ["PROMOTED", "PROMOTED", "WAITING"]);

    // Lowering to exactly what is booked is allowed; raising and lowering at once never goes below it.
    let answers = clinic::all([6, 5, 7, 5].map(|c| {
        let (url, desk) = (url.clone(), desk.clone());
        let app = &app;
        async move { app.put(&url, &desk, json!({"capacity": c})).await }
    }))
    .await;
    // 6 and 7 are never below the booked; a 5 after either is.
    for r in &answers {
        assert!(
            r.status == 200 || r.code() == "CAPACITY_BELOW_BOOKED",
            "{:?}",
            r.body
        );
    }
    let row = schedule_row(&app, slot).await;
    assert!(row.capacity >= row.booked_count, "{row:?}");
    assert_eq!(holding(&app, slot).await.len() as i32, row.booked_count);
    assert_eq!(row.booked_count, 6, "a raise took the last one waiting");
}

async fn a_move_takes_the_new_place_and_frees_the_old_in_one_step(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let from = clinic::future_schedule(&app, clinic.doctor_id, 1, 1).await;
    let to = clinic::future_schedule(&app, clinic.doctor_id, 2, 2).await;
    let full = clinic::future_schedule(&app, clinic.doctor_id, 3, 1).await;
    let patients = clinic.patients(&app, 4).await;
    let moving = clinic::booked(&app, patients[0], from).await;
    clinic::booked(&app, patients[1], to).await;
    clinic::booked(&app, patients[2], full).await;
    assert_eq!(waitlist(&app, from, patients[3]).await.status, 201);

    let desk = app.front_desk().await;
    let url = format!("/api/v1/appointments/{moving}/move");
    // A full target refuses and changes nothing.
    app.post(&url, &desk, json!({"schedule_id": full}))
        .await
        .assert_problem(409, "SLOT_FULL");
    let unchanged = appointment::Entity::find_by_id(moving)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((unchanged.schedule_id, unchanged.queue_no), (from, 1));
    assert_eq!(schedule_row(&app, from).await.booked_count, 1);
    assert_eq!(schedule_row(&app, full).await.booked_count, 1);
    app.post(&url, &desk, json!({"schedule_id": from}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    app.post(&url, &desk, json!({"schedule_id": 987654}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");

    let moved = app.post(&url, &desk, json!({"schedule_id": to})).await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    assert_eq!(
        (
            moved.body["id"].as_i64(),
            moved.body["schedule_id"].as_i64(),
            moved.body["queue_no"].as_i64()
        ),
        (Some(moving), Some(to), Some(2))
    );
    assert_eq!(schedule_row(&app, to).await.booked_count, 2);
    // The old place went to the old schedule's waitlist in the same step.
    let old = holding(&app, from).await;
    assert_eq!(
        old.iter()
            .map(|a| (a.patient_id, a.from_waitlist))
            .collect::<Vec<_>>(),
        vec![(patients[3], true)]
    );
    assert_eq!(schedule_row(&app, from).await.booked_count, 1);

    // Only a booked appointment moves.
    let cancelled = clinic::act(&app, moving, "cancel").await;
    assert_eq!(cancelled.status, 200);
    app.post(&url, &desk, json!({"schedule_id": from}))
        .await
        .assert_problem(409, "INVALID_TRANSITION");
}

async fn move_to(app: &TestApp, token: &str, appointment_id: i64, schedule_id: i64) -> Resp {
    app.post(
        &format!("/api/v1/appointments/{appointment_id}/move"),
        token,
        json!({ "schedule_id": schedule_id }),
    )
    .await
}

async fn two_moves_into_the_last_place_take_it_once(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let a = clinic::future_schedule(&app, clinic.doctor_id, 1, 5).await;
    let b = clinic::future_schedule(&app, clinic.doctor_id, 2, 5).await;
    let target = clinic::future_schedule(&app, clinic.doctor_id, 3, 1).await;
    let patients = clinic.patients(&app, 4).await;
    let ids = [
        clinic::booked(&app, patients[0], a).await,
        clinic::booked(&app, patients[1], b).await,
        clinic::booked(&app, patients[2], a).await,
        clinic::booked(&app, patients[3], b).await,
    ];
    let desk = app.front_desk().await;
    // Four moves into one place, two of them from each side, plus moves across between a and b.
    let app = &app;
    let answers = clinic::all(ids.iter().map(|id| move_to(app, &desk, *id, target))).await;
    let won = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        won,
        1,
        "{:?}",
        answers
            .iter()
            .map(|r| (r.status, r.code().to_owned()))
            .collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != 200) {
        r.assert_problem(409, "SLOT_FULL");
    }
    // Two moves in opposite directions at once: both take the two schedules' rows in one order, so one waits
    // for the other instead of deadlocking.
    let across =
        clinic::all([(ids[2], b), (ids[3], a)].map(|(id, to)| move_to(app, &desk, id, to))).await;
    for r in &across {
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    for s in [a, b, target] {
        let row = schedule_row(app, s).await;
        assert_eq!(
            row.booked_count,
            holding(app, s).await.len() as i32,
            "{row:?}"
        );
        assert!(row.booked_count <= row.capacity);
    }
}

/// Moves hospital A to a fixed-offset zone where it is about noon now, so that no rule edge set a few
/// minutes from now crosses midnight; answers the local time.
async fn around_noon(app: &TestApp) -> NaiveDateTime {
    let offset = 12 - i64::from(Utc::now().hour());
    // `Etc/GMT-8` is eight hours ahead of UTC.
    let zone = match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    let h = hospital_entity::Entity::find_by_id(app.hospital_a)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut h = h.into_active_model();
    h.timezone = Set(zone);
    h.update(&app.db).await.unwrap();
    app.forget_sessions();
    clinic::local_now(app, app.hospital_a).await
}

fn hh_mm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

/// The local minute now, `minutes` away, as `HH:MM` (at least a whole minute away from now either way).
fn minute(now: NaiveDateTime, minutes: i64) -> String {
    let floor = now.with_second(0).unwrap().with_nanosecond(0).unwrap();
    let at = if minutes > 0 {
        floor + Duration::minutes(minutes + 1)
    } else {
        floor + Duration::minutes(minutes)
    };
    hh_mm(at)
}

async fn the_release_time_and_the_cutoff_at_their_minute(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let now = around_noon(&app).await;
    let today = now.date();
    let week = clinic::create_schedule(
        &app,
        clinic.doctor_id,
        today + Duration::days(7),
        "MORNING",
        5,
    )
    .await;
    let tomorrow = clinic::create_schedule(
        &app,
        clinic.doctor_id,
        today + Duration::days(1),
        "MORNING",
        5,
    )
    .await;
    let later = clinic::create_schedule(&app, clinic.doctor_id, today, "EVENING", 5).await;
    let patients = clinic.patients(&app, 6).await;

    // Seven days ahead, released a minute from now: not yet.
    let release = minute(now, 1);
    rules(
        &app,
        with(
            with(no_rules(), "open_days_ahead", json!(7)),
            "release_time",
            json!(release),
        ),
    )
    .await;
    let early = clinic::book(&app, patients[0], week).await;
    early.assert_problem(409, "BOOKING_NOT_OPEN");
    assert_eq!(
        early.body["conflict"]["at"]
            .as_str()
            .map(|s| s[..16].to_owned()),
        Some(format!("{}T{release}", today)),
        "{:?}",
        early.body
    );
    // Eight days ahead is not open even after today's release.
    rules(
        &app,
        with(
            with(no_rules(), "open_days_ahead", json!(6)),
            "release_time",
            json!(minute(now, -1)),
        ),
    )
    .await;
    clinic::book(&app, patients[0], week)
        .await
        .assert_problem(409, "BOOKING_NOT_OPEN");
    // Released a minute ago: open.
    rules(
        &app,
        with(
            with(no_rules(), "open_days_ahead", json!(7)),
            "release_time",
            json!(minute(now, -1)),
        ),
    )
    .await;
    clinic::booked(&app, patients[0], week).await;
    // The waitlist obeys the window as booking does.

    // The cutoff the day before, a minute from now: still open; a minute ago: closed.
    let cutoff = |at: String| with(no_rules(), "cutoff", json!({"days_before": 1, "time": at}));
    rules(&app, cutoff(minute(now, 1))).await;
    clinic::booked(&app, patients[1], tomorrow).await;
    rules(&app, cutoff(minute(now, -1))).await;
    let closed = clinic::book(&app, patients[2], tomorrow).await;
    closed.assert_problem(409, "BOOKING_CLOSED");
    assert_eq!(closed.body["conflict"]["resource"], "SCHEDULE");
    assert_eq!(closed.body["conflict"]["id"], tomorrow);

    // A same-day cutoff that has passed closes booking of tonight's slot, but not a walk-in.
    rules(
        &app,
        with(
            no_rules(),
            "cutoff",
            json!({"days_before": 0, "time": minute(now, -1)}),
        ),
    )
    .await;
    clinic::book(&app, patients[3], later)
        .await
        .assert_problem(409, "BOOKING_CLOSED");
    let (walked, _) = clinic::walk_in(&app, patients[3], later).await;
    assert!(walked > 0);
    // Moving into a closed slot is refused as booking it is.
    let held = clinic::booked(&app, patients[4], week).await;
    let moved = app
        .post(
            &format!("/api/v1/appointments/{held}/move"),
            &app.front_desk().await,
            json!({"schedule_id": later}),
        )
        .await;
    moved.assert_problem(409, "BOOKING_CLOSED");

    // Bad values are named.
    let bad = app
        .put("/api/v1/booking-rules", &app.admin().await,
             json!({"open_days_ahead": 91, "release_time": "8:00", "cutoff": {"days_before": 1, "time": "24:00"},
                    "max_active_bookings": 0, "no_show": {"limit": 0, "window_days": 30, "ban_days": 7}, "waitlist_limit": 201}))
        .await;
    bad.assert_problem(422, "VALIDATION_FAILED");
    let fields = bad.field_errors();
    for f in [
        "open_days_ahead",
        "release_time",
        "cutoff.time",
        "max_active_bookings",
        "no_show.limit",
        "waitlist_limit",
    ] {
        assert!(fields.contains_key(f), "{f}: {fields:?}");
    }
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("BOOKING_RULES_UPDATE"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 6);
}

async fn the_booking_limit_and_the_nth_no_show(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let patients = clinic.patients(&app, 2).await;
    let slots: Vec<i64> = {
        let mut v = Vec::new();
        for d in 1..=4 {
            v.push(clinic::future_schedule(&app, clinic.doctor_id, d, 5).await);
        }
        v
    };
    rules(&app, with(no_rules(), "max_active_bookings", json!(2))).await;
    let p = patients[0];
    let first = clinic::booked(&app, p, slots[0]).await;
    clinic::booked(&app, p, slots[1]).await;
    let over = clinic::book(&app, p, slots[2]).await;
    over.assert_problem(409, "BOOKING_LIMIT");
    assert_eq!(
        (
            over.body["conflict"]["limit"].as_u64(),
            over.body["conflict"]["count"].as_u64()
        ),
        (Some(2), Some(2))
    );
    // Two bookings of one patient at once cannot both pass the limit.
    clinic::act(&app, first, "cancel").await;
    let racing = {
        let app = &app;
        clinic::all([slots[2], slots[3]].map(|s| async move { clinic::book(app, p, s).await }))
            .await
    };
    assert_eq!(
        racing.iter().filter(|r| r.status == 201).count(),
        1,
        "{:?}",
        racing.iter().map(|r| &r.body).collect::<Vec<_>>()
    );

    // The no-show rule: 2 within 30 days bar booking for 7 days after the second.
    rules(
        &app,
        with(
            no_rules(),
            "no_show",
            json!({"limit": 2, "window_days": 30, "ban_days": 7}),
        ),
    )
    .await;
    let q = patients[1];
    let past = clinic.past_schedule(&app, clinic.doctor_id, 2).await;
    let yesterday = schedule_row(&app, past).await.schedule_date;
    clinic.insert_appointment(&app, past, q, 1, "NO_SHOW").await;
    // One no-show: still books.
    let ok = clinic::booked(&app, q, slots[0]).await;
    clinic::act(&app, ok, "cancel").await;
    let other_doctor = clinic.doctor(&app, "RESIDENT").await;
    let past2 = clinic.past_schedule(&app, other_doctor, 1).await;
    clinic
        .insert_appointment(&app, past2, q, 1, "NO_SHOW")
        .await;
    // The second: barred, with the reason.
    let barred = clinic::book(&app, q, slots[1]).await;
    barred.assert_problem(409, "NO_SHOW_BAN");
    let c = &barred.body["conflict"];
    assert_eq!(
        (c["resource"].as_str(), c["count"].as_u64()),
        (Some("PATIENT"), Some(2)),
        "{:?}",
        barred.body
    );
    assert_eq!(
        c["until"].as_str(),
        Some((yesterday + Duration::days(7)).to_string().as_str())
    );
    waitlist(&app, slots[1], q)
        .await
        .assert_problem(409, "PLACES_LEFT");
    // A walk-in is not barred.
    let (today_slot, _) = clinic::today_schedule(&app, clinic.doctor_id, 5).await;
    clinic::walk_in(&app, q, today_slot).await;
    // The front desk cannot pardon; an administrator can, with a reason, audited.
    let url = format!("/api/v1/patients/{q}/no-show-pardon");
    app.post(&url, &app.front_desk().await, json!({"reason": "x"}))
        .await
        .assert_problem(403, "FORBIDDEN");
    app.post(&url, &app.admin().await, json!({"reason": "  "}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let pardoned = app
        .post(
            &url,
            &app.admin().await,
            json!({"reason": "住院期间，已核实"}),
        )
        .await;
    assert_eq!(pardoned.status, 200, "{:?}", pardoned.body);
    clinic::booked(&app, q, slots[1]).await;
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("PATIENT_NO_SHOW_PARDON"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the pardon is audited");
    assert!(entry.detail.unwrap_or_default().contains("住院期间"));
}

fn doctor(app: &TestApp) -> impl std::future::Future<Output = String> + '_ {
    app.token('a', Role::Doctor)
}

async fn the_board_shows_the_session_open_now_with_calls_again_and_skips(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (slot, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let other = clinic.doctor(&app, "RESIDENT").await;
    let (other_slot, _) = clinic::today_schedule(&app, other, 10).await;
    let session = schedule_row(&app, slot).await.time_slot;
    let patients = clinic.patients(&app, 5).await;
    for p in &patients {
        clinic::walk_in(&app, *p, slot).await;
    }
    let desk = app.front_desk().await;
    let board = app.get("/api/v1/queue-board", &desk).await;
    assert_eq!(board.status, 200, "{:?}", board.body);
    assert_eq!(board.body["time_slot"], session.to_string());
    let rooms = board.body["rooms"].as_array().unwrap();
    let shown_other = schedule_row(&app, other_slot).await.time_slot == session;
    assert_eq!(
        rooms.len(),
        if shown_other { 2 } else { 1 },
        "one card per room of the session: {rooms:?}"
    );
    let room = rooms
        .iter()
        .find(|r| r["room_no"] == clinic::room(clinic.doctor_id))
        .unwrap();
    assert_eq!(room["waiting_count"], 5);
    assert_eq!(room["next"].as_array().unwrap().len(), 3, "the next three");
    assert!(room["current"].is_null());
    let masked = room["next"][0]["masked_name"].as_str().unwrap();
    assert!(masked.contains('*'), "{masked}");

    let doc = doctor(&app).await;
    let called = app
        .post("/api/v1/doctor/queue/call-next", &doc, json!({}))
        .await;
    assert_eq!(called.status, 200, "{:?}", called.body);
    let first = called.body["appointment_id"].as_i64().unwrap();
    let first_call = called.body["called_at"].clone();
    let again = app
        .post(
            &format!("/api/v1/doctor/queue/{first}/recall"),
            &doc,
            json!({}),
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_ne!(
        again.body["called_at"], first_call,
        "a call again is a new call for the board"
    );
    let board = app.get("/api/v1/queue-board", &desk).await;
    let room = board.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room_no"] == clinic::room(clinic.doctor_id))
        .unwrap()
        .clone();
    assert_eq!(room["current"]["queue_no"], called.body["queue_no"]);
    assert_eq!(room["current"]["called_at"], again.body["called_at"]);

    // Skipped: to the back of the line, and the next one called.
    let skipped = app
        .post(
            &format!("/api/v1/doctor/queue/{first}/skip"),
            &doc,
            json!({}),
        )
        .await;
    assert_eq!(skipped.status, 200, "{:?}", skipped.body);
    assert!(skipped.body["skipped"]["called_at"].is_null());
    assert_eq!(skipped.body["called"]["queue_no"], 2);
    app.post(
        &format!("/api/v1/doctor/queue/{first}/skip"),
        &doc,
        json!({}),
    )
    .await
    .assert_problem(409, "INVALID_TRANSITION");
    let order: Vec<i64> = {
        let mut v = Vec::new();
        loop {
            let r = app
                .post("/api/v1/doctor/queue/call-next", &doc, json!({}))
                .await;
            if r.status != 200 {
                r.assert_problem(409, "QUEUE_EMPTY");
                break;
            }
            v.push(r.body["queue_no"].as_i64().unwrap());
        }
        v
    };
    assert_eq!(
        order,
        vec![3, 4, 5, 1],
        "the skipped patient is called after the others"
    );
    // Another doctor's patient is not this doctor's to call again.
    let (theirs, _) = clinic::walk_in(&app, clinic.patients(&app, 1).await[0], other_slot).await;
    app.post(
        &format!("/api/v1/doctor/queue/{theirs}/recall"),
        &doc,
        json!({}),
    )
    .await
    .assert_problem(404, "NOT_FOUND");

    // A department's board shows only its rooms; an area no department is in shows none.
    let none = app
        .get(
            "/api/v1/queue-board?area=%E4%B8%8D%E5%AD%98%E5%9C%A8",
            &desk,
        )
        .await;
    assert_eq!(
        none.body["rooms"].as_array().unwrap().len(),
        0,
        "{:?}",
        none.body
    );
    let by_dept = app
        .get(
            &format!("/api/v1/queue-board?department_id={}", clinic.pharmacy.id),
            &desk,
        )
        .await;
    assert_eq!(by_dept.body["rooms"].as_array().unwrap().len(), 0);
}

async fn a_display_link_opens_the_board_and_nothing_else(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let (slot, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let p = clinic.patient(&app, "SELF_PAY").await;
    clinic::walk_in(&app, p, slot).await;
    let admin = app.admin().await;
    app.post("/api/v1/display-links", &admin, json!({"name": " "}))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let created = app
        .post(
            "/api/v1/display-links",
            &admin,
            json!({"name": "门诊楼1层大厅", "department_id": clinic.dept.id}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let token = created.body["token"].as_str().unwrap().to_owned();
    let link = created.body["link"]["id"].as_i64().unwrap();
    assert!(token.starts_with("dsp_") && token.len() > 60, "{token}");
    let listed = app.get("/api/v1/display-links", &admin).await;
    assert_eq!(listed.body[0]["token_hint"], token[..8]);
    assert!(
        listed.body[0].get("token").is_none(),
        "the token is shown once"
    );

    let board = app.get("/api/v1/display/board", &token).await;
    assert_eq!(board.status, 200, "{:?}", board.body);
    assert_eq!(board.body["rooms"][0]["waiting_count"], 1);
    assert!(
        !board.body.to_string().contains("110105"),
        "no identity numbers on a public screen"
    );

    // The token opens nothing else: every endpoint of the role matrix, and the session's own.
    let mut opened = Vec::new();
    for &(method, path, _) in MATRIX.iter() {
        let m: Method = method.parse().unwrap();
        let body = (m == Method::POST || m == Method::PUT).then(|| json!({}));
        let r = app
            .call(
                m,
                &path.replace("{id}", &slot.to_string()),
                Some(&token),
                body,
            )
            .await;
        if (r.status, r.code()) != (401, "UNAUTHORIZED") {
            opened.push(format!("{method} {path}: {} {}", r.status, r.body));
        }
    }
    for path in [
        "/api/v1/auth/me",
        "/api/v1/auth/logout",
        "/api/v1/auth/password",
    ] {
        let m = if path.ends_with("me") {
            Method::GET
        } else {
            Method::POST
        };
        let r = app.call(m, path, Some(&token), Some(json!({}))).await;
        if r.status != 401 {
            opened.push(format!("{path}: {} {}", r.status, r.body));
        }
    }
    assert!(
        opened.is_empty(),
        "the display token opened:\n{}",
        opened.join("\n")
    );
    // A staff session is not a display link, and neither is a forged one.
    app.get("/api/v1/display/board", &admin)
        .await
        .assert_problem(401, "UNAUTHORIZED");
    let forged = format!("dsp_{}", "0".repeat(64));
    app.get("/api/v1/display/board", &forged)
        .await
        .assert_problem(401, "UNAUTHORIZED");
    // Hospital B's administrator cannot revoke A's link.
    app.delete(
        &format!("/api/v1/display-links/{link}"),
        &app.token('b', Role::Admin).await,
    )
    .await
    .assert_problem(404, "NOT_FOUND");
    let revoked = app
        .delete(&format!("/api/v1/display-links/{link}"), &admin)
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    assert!(revoked.body["revoked_at"].is_string());
    app.get("/api/v1/display/board", &token)
        .await
        .assert_problem(401, "UNAUTHORIZED");
}
