//! The demo data set on a fresh database of its own (the harness's HA/HB would make `demo::load` refuse):
//! schedules for the coming two weeks, a month of visits whose counters, bills, lines and income agree with
//! each other as the product would have left them, statistics that have something to show, and an active
//! accounting model whose charge leaves are all fed by catalogue items.
use crate::{
    db_tests,
    helpers::{Backend, TestApp},
};
use chrono::{Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use hospital::{
    db,
    domain::{foundation::role::Role, outpatient::schedule::TimeSlot},
    entities::{
        accounting::charge_detail, foundation::app_user, foundation::hospital as hospital_entity,
        outpatient::appointment, outpatient::billing as billing_entity, outpatient::billing_line,
        outpatient::medical_record, outpatient::schedule,
    },
    seed::demo,
    services::{Actor, HospitalSettings, local_now, outpatient::billings, outpatient::statistics},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use std::{collections::HashMap, time::Instant};

db_tests!(
    the_demo_clinic_is_alive_and_consistent,
    the_demo_opens_with_patients_to_check_in_and_in_the_queues,
);

async fn actor(conn: &DatabaseConnection, user: &app_user::Model, role: Role) -> Actor {
    Actor {
        hospital: std::sync::Arc::new(
            HospitalSettings::read(conn, user.hospital_id)
                .await
                .unwrap(),
        ),
        user_id: user.id,
        hospital_id: user.hospital_id,
        username: user.username.clone(),
        role,
        session_id: 0,
        password_expired: false,
        client_ip: None,
    }
}

async fn fresh_sqlite(dir: &tempfile::TempDir, name: &str) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let conn = db::connect(&url, 5).await.expect("connect");
    db::migrate(&conn).await.expect("migrate");
    conn
}

/// Loaded where it is mid-morning (and not Sunday, when nobody works), the demo has today's patients: some
/// still to check in, some checked in and waiting in the doctors' queues.
async fn the_demo_opens_with_patients_to_check_in_and_in_the_queues(app: TestApp) {
    if app.backend != Backend::Sqlite {
        return;
    }
    let utc = Utc::now();
    let zone = [10, 11, 9].into_iter().find_map(|hour: i64| {
        let mut offset = (hour - i64::from(utc.hour()) + 24) % 24;
        if offset > 14 {
            offset -= 24;
        }
        let local = utc + Duration::hours(offset);
        (local.weekday() != Weekday::Sun).then(|| format!("Etc/GMT{:+}", -offset))
    });
    let Some(zone) = zone else {
        return; // Sunday wherever it is mid-morning now
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let conn = fresh_sqlite(&dir, "demo.db").await;
    demo::load(&conn, Some(&zone)).await.expect("load the demo");
    let h001 = hospital_entity::Entity::find()
        .filter(hospital_entity::Column::Code.eq("H001"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let (_, now) = local_now(&conn, h001.id).await.unwrap();
    // Both hospitals keep the same time zone here.
    let today: Vec<i64> = schedule::Entity::find()
        .filter(schedule::Column::ScheduleDate.eq(now.date()))
        .all(&conn)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    if today.is_empty() {
        return; // a Saturday without a clinic
    }
    let todays = appointment::Entity::find()
        .filter(appointment::Column::ScheduleId.is_in(today))
        .all(&conn)
        .await
        .unwrap();
    let with = |status: &str| {
        todays
            .iter()
            .filter(|a| a.status.as_str() == status)
            .count()
    };
    assert!(
        with("BOOKED") > 0 && with("COMPLETED") > 0,
        "{zone} {now}: {} booked, {} checked in",
        with("BOOKED"),
        with("COMPLETED")
    );
}

async fn the_demo_clinic_is_alive_and_consistent(app: TestApp) {
    // The server backends would need a second database created and dropped beside the harness's; the
    // loader is backend-neutral (chunked multi-row inserts), so SQLite checks it.
    if app.backend != Backend::Sqlite {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let conn = fresh_sqlite(&dir, "demo.db").await;
    let shanghai_today = || {
        Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive()
    };
    let day_before = shanghai_today();
    let started = Instant::now();
    let summary = demo::load(&conn, None).await.expect("load the demo");
    let took = started.elapsed();
    println!("demo::load took {took:?} (SQLite): {summary:?}");
    // The calendar checks need one "today" throughout.
    let same_day = day_before == shanghai_today();
    assert!(summary.schedules > 0 && summary.appointments > 0 && summary.billings > 0);
    crate::accounting::assert_totals_are_the_visible_lines(&conn).await;

    let hospitals = hospital_entity::Entity::find().all(&conn).await.unwrap();
    assert_eq!(hospitals.len(), 2);
    let schedules = schedule::Entity::find().all(&conn).await.unwrap();
    let appointments = appointment::Entity::find().all(&conn).await.unwrap();
    assert_eq!(schedules.len(), summary.schedules);
    assert_eq!(appointments.len(), summary.appointments);

    // Schedules every day of the coming two weeks but Sundays, in each hospital's local calendar.
    for h in hospitals.iter().filter(|_| same_day) {
        let (_, now) = local_now(&conn, h.id).await.unwrap();
        let today = now.date();
        let dates: HashMap<NaiveDate, usize> = schedules
            .iter()
            .filter(|s| s.hospital_id == h.id)
            .fold(HashMap::new(), |mut m, s| {
                *m.entry(s.schedule_date).or_default() += 1;
                m
            });
        for offset in 0..14 {
            let date = today + Duration::days(offset);
            let n = dates.get(&date).copied().unwrap_or_default();
            if date.weekday() == Weekday::Sun {
                assert_eq!(n, 0, "{}: schedules on Sunday {date}", h.code);
            } else if h.code == "H001" || date.weekday() != Weekday::Sat {
                assert!(n > 0, "{}: no schedule on {date}", h.code);
            }
        }
        assert!(
            (1..=30).all(|d| {
                let date = today - Duration::days(d);
                date.weekday() == Weekday::Sun || dates.contains_key(&date)
            }),
            "{}: a past weekday without schedules",
            h.code
        );
        assert!(dates.keys().all(|d| *d >= today - Duration::days(30)));
        assert!(dates.keys().all(|d| *d < today + Duration::days(14)));
    }

    // Counters: booked_count = the appointments holding a place, within capacity; queue numbers 1..=last.
    let mut by_schedule: HashMap<i64, Vec<&appointment::Model>> = HashMap::new();
    for a in &appointments {
        by_schedule.entry(a.schedule_id).or_default().push(a);
    }
    for s in &schedules {
        let list = by_schedule
            .get(&s.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let held = list
            .iter()
            .filter(|a| a.status.as_str() != "CANCELLED")
            .count() as i32;
        assert_eq!(s.booked_count, held, "schedule {}", s.id);
        assert!(s.booked_count <= s.capacity, "schedule {}", s.id);
        assert!(s.capacity >= 8, "schedule {}", s.id);
        assert_eq!(s.last_queue_no, list.len() as i32, "schedule {}", s.id);
        let mut numbers: Vec<i32> = list.iter().map(|a| a.queue_no).collect();
        numbers.sort_unstable();
        assert!(numbers.iter().copied().eq(1..=list.len() as i32));
        // Visits happen within the slot (local time) and after the booking.
        let (tz, _) = local_now(&conn, s.hospital_id).await.unwrap();
        let slot: TimeSlot = s.time_slot;
        let (start, end) = slot.hours();
        for a in list {
            assert!(a.created_at <= a.updated_at, "appointment {}", a.id);
            if let Some(t) = a.check_in_time {
                let local = t.with_timezone(&tz).naive_local();
                assert_eq!(local.date(), s.schedule_date, "appointment {}", a.id);
                assert!(local.time() >= start && local.time() < end, "{local}");
                assert!(a.created_at <= t, "appointment {}", a.id);
            }
        }
    }
    let count = |status: &str| {
        appointments
            .iter()
            .filter(|a| a.status.as_str() == status)
            .count()
    };
    let (paid, no_show, cancelled, booked, waiting) = (
        count("PAID"),
        count("NO_SHOW"),
        count("CANCELLED"),
        count("BOOKED"),
        count("COMPLETED"),
    );
    println!(
        "appointments: {} PAID, {no_show} NO_SHOW, {cancelled} CANCELLED, {booked} BOOKED (today and coming \
         days), {waiting} COMPLETED (checked in today, waiting for the doctor)",
        paid
    );
    assert!(paid > 0 && no_show > 0 && cancelled > 0 && booked > 0);
    assert_eq!(
        paid + no_show + cancelled + booked + waiting,
        appointments.len(),
        "no other state"
    );

    // Today: bookings waiting to be checked in, and once a slot has begun, patients checked in and waiting for
    // the doctor with the empty record check-in opens.
    let records = medical_record::Entity::find().all(&conn).await.unwrap();
    for h in hospitals.iter().filter(|_| same_day) {
        let (_, now) = local_now(&conn, h.id).await.unwrap();
        let today: Vec<i64> = schedules
            .iter()
            .filter(|s| s.hospital_id == h.id && s.schedule_date == now.date())
            .map(|s| s.id)
            .collect();
        if today.is_empty() {
            continue; // Sunday, or a Saturday without clinic
        }
        let todays: Vec<&appointment::Model> = appointments
            .iter()
            .filter(|a| today.contains(&a.schedule_id))
            .collect();
        assert!(
            todays.iter().any(|a| a.status.as_str() != "CANCELLED"),
            "{}: nobody comes today",
            h.code
        );
        let begun = schedules.iter().any(|s| {
            today.contains(&s.id) && now.time() > s.time_slot.hours().0 + Duration::minutes(30)
        });
        let in_queue: Vec<&&appointment::Model> = todays
            .iter()
            .filter(|a| a.status.as_str() == "COMPLETED")
            .collect();
        if begun {
            assert!(
                !in_queue.is_empty(),
                "{}: nobody in the doctors' queues",
                h.code
            );
        }
        for a in in_queue {
            assert!(
                a.check_in_time.is_some() && a.assigned_room.is_some(),
                "{a:?}"
            );
            let record = records
                .iter()
                .find(|r| r.appointment_id == a.id)
                .unwrap_or_else(|| panic!("appointment {} has no record", a.id));
            assert!(record.visit_time.is_none() && record.diagnosis.is_none());
        }
    }

    // Bills: split, lines and income add up.
    let bills = billing_entity::Entity::find().all(&conn).await.unwrap();
    assert_eq!(bills.len(), paid);
    let mut line_sums: HashMap<i64, i64> = HashMap::new();
    for l in billing_line::Entity::find().all(&conn).await.unwrap() {
        *line_sums.entry(l.billing_id).or_default() += l.amount.scaled();
    }
    let charges = charge_detail::Entity::find().all(&conn).await.unwrap();
    assert_eq!(charges.len(), summary.charge_details);
    let mut charge_sums: HashMap<i64, i64> = HashMap::new();
    for c in &charges {
        *charge_sums.entry(c.billing_id.unwrap()).or_default() += c.amount.scaled();
    }
    let mut refunded = 0;
    let appointments_by_id: HashMap<i64, &appointment::Model> =
        appointments.iter().map(|a| (a.id, a)).collect();
    for b in &bills {
        assert_eq!(
            b.total_amount.scaled(),
            b.insurance_amount.scaled() + b.self_pay_amount.scaled(),
            "bill {}",
            b.id
        );
        assert_eq!(
            line_sums.get(&b.id).copied(),
            Some(b.total_amount.scaled()),
            "bill {}",
            b.id
        );
        assert_eq!(
            appointments_by_id[&b.appointment_id].status.as_str(),
            "PAID"
        );
        let paid_at = b.paid_at.expect("paid_at");
        assert!(b.created_at <= paid_at && b.paid_on.is_some() && b.payment_method.is_some());
        let income = charge_sums.get(&b.id).copied().unwrap_or_default();
        match b.status.as_str() {
            "PAID" => assert_eq!(income, b.total_amount.scaled(), "bill {}", b.id),
            "REFUNDED" => {
                refunded += 1;
                assert_eq!(income, 0, "bill {}", b.id);
                assert!(b.refunded_at.expect("refunded_at") > paid_at);
                assert!(b.refunded_on > b.paid_on && b.refund_reason.is_some());
            }
            other => panic!("bill {} is {other}", b.id),
        }
    }
    assert_eq!(refunded, summary.refunded_billings);
    // Income is booked in the month of the payment, its reversal in the month of the refund.
    let bills_by_id: HashMap<i64, &billing_entity::Model> =
        bills.iter().map(|b| (b.id, b)).collect();
    let month = |d: Option<NaiveDate>| d.unwrap().format("%Y-%m").to_string();
    for c in &charges {
        let b = bills_by_id[&c.billing_id.unwrap()];
        if c.quantity.scaled() > 0 {
            assert_eq!(c.period.to_string(), month(b.paid_on), "charge {}", c.id);
            assert_eq!(Some(c.charged_at), b.paid_at, "charge {}", c.id);
        } else {
            assert_eq!(
                c.period.to_string(),
                month(b.refunded_on),
                "charge {}",
                c.id
            );
            assert_eq!(Some(c.charged_at), b.refunded_at, "charge {}", c.id);
        }
    }
    assert!(refunded > 0, "some bills were refunded");

    // The bills are what the product prices from their records (a sample: every 20th).
    let admins = app_user::Entity::find()
        .filter(app_user::Column::Role.eq("ADMIN"))
        .all(&conn)
        .await
        .unwrap();
    let mut lines: HashMap<i64, Vec<billing_line::Model>> = HashMap::new();
    for l in billing_line::Entity::find()
        .order_by_asc(billing_line::Column::Sort)
        .all(&conn)
        .await
        .unwrap()
    {
        lines.entry(l.billing_id).or_default().push(l);
    }
    for b in bills.iter().step_by(20) {
        let admin = admins
            .iter()
            .find(|u| u.hospital_id == b.hospital_id)
            .unwrap();
        let actor = actor(&conn, admin, Role::Admin).await;
        let draft = billings::draft(&conn, &actor, b.medical_record_id)
            .await
            .unwrap();
        assert_eq!(draft.total, b.total_amount, "bill {}", b.id);
        assert_eq!(draft.insurance, b.insurance_amount, "bill {}", b.id);
        // What a line charges, and where: all but its id, its bill and its place in the bill.
        let charged = |l: &billing_line::Model| {
            (
                l.charge_item_id,
                l.item_code.clone(),
                l.unit_price,
                l.quantity,
                l.amount,
                l.executing_department_id,
            )
        };
        let saved: Vec<_> = lines[&b.id].iter().map(charged).collect();
        let drafted: Vec<_> = draft.lines.iter().map(charged).collect();
        assert_eq!(saved, drafted, "bill {}", b.id);
    }

    // The statistics have a month to show, for the analyst of H001.
    let analyst = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("analyst"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    let report = statistics::outpatient(
        &conn,
        &actor(&conn, &analyst, Role::Analyst).await,
        Default::default(),
    )
    .await
    .expect("statistics");
    let t = report.totals;
    println!("H001, last 30 days: {t:?}");
    assert!(t.visits > 0 && t.appointments > t.visits && t.no_shows > 0);
    assert!(t.revenue.scaled() > 0 && t.refunds.scaled() > 0);
    assert_eq!(
        t.revenue.scaled(),
        t.insurance.scaled() + t.self_pay.scaled()
    );
    assert!(report.rows.len() > 30, "rows by day and department");

    the_demo_model_is_active_and_covers_every_charge_leaf(&conn, &summary).await;
    the_demo_calculations_run(&conn, &summary).await;
}

/// The demo queues a calculation per month and hospital (and the latest month again on the legacy workflow);
/// a runner finishes them all, with workload, costs and a ranked value summary.
async fn the_demo_calculations_run(conn: &DatabaseConnection, summary: &demo::DemoSummary) {
    use hospital::entities::{
        accounting::calculation_result, accounting::calculation_task, accounting::value_summary,
    };
    use sea_orm::PaginatorTrait;
    assert!(summary.calculation_tasks >= 4, "{summary:?}");
    assert!(
        summary.workload_records > 0 && summary.cost_records > 0 && summary.orientation_values > 0
    );
    hospital::services::accounting::calculation_tasks::spawn_runner(conn.clone());
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    let tasks = loop {
        let tasks = calculation_task::Entity::find()
            .order_by_asc(calculation_task::Column::Id)
            .all(conn)
            .await
            .unwrap();
        if tasks
            .iter()
            .all(|t| t.status.as_str() == "SUCCEEDED" || t.status.as_str() == "FAILED")
        {
            break tasks;
        }
        assert!(
            Instant::now() < deadline,
            "the demo's calculations did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(tasks.len() as u64, summary.calculation_tasks);
    for t in &tasks {
        assert_eq!(t.status.as_str(), "SUCCEEDED", "{t:?}");
        let ranked = value_summary::Entity::find()
            .filter(value_summary::Column::TaskId.eq(t.id))
            .count(conn)
            .await
            .unwrap();
        assert!(ranked > 3, "{t:?}");
        let cost_cells = calculation_result::Entity::find()
            .filter(calculation_result::Column::TaskId.eq(t.id))
            .filter(calculation_result::Column::Value.lt(0))
            .count(conn)
            .await
            .unwrap();
        assert!(cost_cells > 0, "costs deduct: {t:?}");
    }
    assert_eq!(
        tasks.iter().filter(|t| !t.has_details).count(),
        2,
        "one legacy task per hospital"
    );
    // A community hospital's month: most departments, and the hospital, end with a positive net value.
    for t in &tasks {
        let rows = value_summary::Entity::find()
            .filter(value_summary::Column::TaskId.eq(t.id))
            .filter(value_summary::Column::RunNo.eq(t.run_no))
            .all(conn)
            .await
            .unwrap();
        let positive = rows.iter().filter(|r| r.net_value.scaled() > 0).count();
        let total: i64 = rows.iter().map(|r| r.net_value.scaled()).sum();
        println!(
            "task {} ({}): {positive} of {} departments positive, hospital net {total}",
            t.id,
            t.period,
            rows.len()
        );
        assert!(
            positive * 3 >= rows.len() * 2,
            "{positive} of {} departments positive: {t:?}",
            rows.len()
        );
        assert!(total > 0, "hospital net {total}: {t:?}");
        // Shares follow the net values: the top-ranked department has the largest.
        let top = rows.iter().max_by_key(|r| r.net_value).unwrap();
        assert!(rows.iter().all(|r| r.share <= top.share), "{t:?}");
    }
}

/// Each hospital has one active version, "2026 版核算模型", with nodes of the four series, a closure that
/// matches the parent links, every charge leaf fed by catalogue items, and its orientation rules.
async fn the_demo_model_is_active_and_covers_every_charge_leaf(
    conn: &DatabaseConnection,
    summary: &demo::DemoSummary,
) {
    use hospital::entities::{
        accounting::dimension_closure, accounting::dimension_item_mapping,
        accounting::model_version, accounting::orientation_rule, foundation::charge_item,
    };
    use std::collections::{BTreeSet, HashSet};
    assert_eq!(summary.model_versions, 2);
    let mut nodes_seen = 0;
    let mut mappings_seen = 0;
    for h in hospital_entity::Entity::find().all(conn).await.unwrap() {
        let versions = model_version::Entity::find()
            .filter(model_version::Column::HospitalId.eq(h.id))
            .all(conn)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1, "{}", h.code);
        let v = &versions[0];
        assert!(v.is_active, "{}", h.code);
        assert_eq!(v.name, "2026 版核算模型");
        let admin = app_user::Entity::find()
            .filter(app_user::Column::HospitalId.eq(h.id))
            .filter(app_user::Column::Role.eq("ADMIN"))
            .one(conn)
            .await
            .unwrap()
            .unwrap();
        let tree = hospital::services::accounting::dimension_nodes::tree(
            conn,
            &actor(conn, &admin, Role::Admin).await,
            v.id,
        )
        .await
        .unwrap();
        nodes_seen += tree.len();
        let series: BTreeSet<&str> = tree.iter().map(|n| n.node.series.as_str()).collect();
        assert_eq!(
            series,
            BTreeSet::from(["COST", "DOCTOR", "NURSING", "TECH"]),
            "{}",
            h.code
        );
        let kinds: BTreeSet<&str> = tree.iter().map(|n| n.node.kind.as_str()).collect();
        assert_eq!(kinds, BTreeSet::from(["CHARGE", "COST", "WORKLOAD"]));
        for code in [
            "dim-doc-out-eval-1",
            "dim-doc-in-eval-1",
            "dim-doc-treat",
            "dim-tech-lab",
        ] {
            assert!(
                tree.iter().any(|n| n.node.code == code),
                "{}: {code}",
                h.code
            );
        }
        // Every charge leaf has items, and only charge leaves do.
        for n in &tree {
            let charge_leaf = n.is_leaf && n.node.kind.as_str() == "CHARGE";
            assert_eq!(
                n.mapping_count > 0,
                charge_leaf,
                "{}: {} has {} mappings",
                h.code,
                n.node.code,
                n.mapping_count
            );
        }
        // The closure is the one the parent links imply.
        let parents: HashMap<i64, Option<i64>> =
            tree.iter().map(|n| (n.node.id, n.node.parent_id)).collect();
        let mut expected = BTreeSet::new();
        for &id in parents.keys() {
            let (mut at, mut depth) = (Some(id), 0);
            while let Some(a) = at {
                expected.insert((a, id, depth));
                depth += 1;
                at = parents[&a];
            }
        }
        let stored: BTreeSet<(i64, i64, i32)> = dimension_closure::Entity::find()
            .filter(dimension_closure::Column::ModelVersionId.eq(v.id))
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.ancestor_id, c.descendant_id, c.depth))
            .collect();
        assert_eq!(stored, expected, "{}", h.code);
        // Mapped items are the hospital's catalogue items.
        let catalogue: HashSet<String> = charge_item::Entity::find()
            .filter(charge_item::Column::HospitalId.eq(h.id))
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.item_code)
            .collect();
        let mappings = dimension_item_mapping::Entity::find()
            .filter(dimension_item_mapping::Column::ModelVersionId.eq(v.id))
            .all(conn)
            .await
            .unwrap();
        mappings_seen += mappings.len();
        assert!(mappings.iter().all(|m| catalogue.contains(&m.item_code)));
        let rules = orientation_rule::Entity::find()
            .filter(orientation_rule::Column::ModelVersionId.eq(v.id))
            .all(conn)
            .await
            .unwrap();
        assert!(!rules.is_empty(), "{}", h.code);
        assert!(
            rules
                .iter()
                .all(|r| tree.iter().any(|n| n.node.code == r.node_code))
        );
    }
    assert_eq!(nodes_seen, summary.dimension_nodes);
    assert_eq!(mappings_seen, summary.item_mappings);
}
