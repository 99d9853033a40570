//! Booking under concurrent load: bookings per second, p50/p99 latency and the overbooking count, over HTTP
//! against the real server, beside the same conditional-update transaction driven directly against the
//! database (`services::outpatient::appointments::take_place` + the appointment insert), side by side in one run.
//!
//! `bench/booking.sh` runs it on SQLite and, with `BENCH_POSTGRES_URL` (a server URL), on PostgreSQL.
#![allow(clippy::unwrap_used)]
#[path = "support/seed.rs"]
mod seed;
use hospital::domain::outpatient::appointment::AppointmentStatus;
use hospital::domain::outpatient::schedule::ScheduleStatus;

use hospital::{
    auth::password,
    config::Settings,
    db,
    domain::foundation::role::Role,
    entities::{outpatient::appointment, outpatient::schedule},
    services::{foundation::users, outpatient::appointments},
    startup::Application,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Load {
    schedules: usize,
    capacity: usize,
    attempts: usize,
    concurrency: usize,
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    booked: usize,
    full: usize,
    other: usize,
    elapsed: Duration,
    overbooked: i64,
}

impl Outcome {
    fn percentile(&mut self, p: f64) -> f64 {
        self.latencies.sort();
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
}

async fn fresh_database(kind: &str, name: &str) -> String {
    match kind {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("bench-{name}"));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}?mode=rwc", dir.join("bench.db").display())
        }
        _ => {
            let server = std::env::var("BENCH_POSTGRES_URL").unwrap();
            let admin = sea_orm::Database::connect(format!("{server}/postgres"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            format!("{server}/{name}")
        }
    }
}

/// A hospital with a front-desk user, a doctor, `schedules` schedules of `capacity` places from tomorrow on,
/// and `attempts` patients; returns (hospital id, schedule ids, patient ids). `today`: every schedule this
/// morning instead, each with a doctor of its own, in a hospital whose clock says about nine (so the patients
/// can be checked in).
async fn seed(db: &DatabaseConnection, load: &Load, today: bool) -> (i64, Vec<i64>, Vec<i64>) {
    let now = chrono::Utc::now();
    let zone = if today {
        seed::zone_at_nine()
    } else {
        "Asia/Shanghai".to_owned()
    };
    // With the national insurance types every hospital starts with.
    let h =
        hospital::services::foundation::hospitals::create(db, "B".into(), "压测医院".into(), &zone)
            .await
            .unwrap();
    let input = users::NewUser {
        username: "bench_desk".into(),
        display_name: "压测前台".into(),
        role: Role::FrontDesk,
        password: String::new(),
    };
    users::insert(
        db,
        h.id,
        input,
        password::hash_blocking("bench-password-1").unwrap(),
    )
    .await
    .unwrap();
    let d = seed::department(db, h.id).await;
    let doctors = if today { load.schedules } else { 1 };
    let mut doctor_ids = Vec::new();
    for k in 0..doctors {
        doctor_ids.push(seed::doctor(db, &d, k, None).await.id);
    }
    let tomorrow = (now + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(1);
    let this_morning = chrono::Utc::now()
        .with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap())
        .date_naive();
    let slots = ["MORNING", "AFTERNOON", "EVENING"];
    let rows: Vec<schedule::ActiveModel> = (0..load.schedules)
        .map(|k| {
            let (doctor, date, slot) = if today {
                (doctor_ids[k], this_morning, "MORNING")
            } else {
                (
                    doctor_ids[0],
                    tomorrow + chrono::Duration::days((k / 3) as i64),
                    slots[k % 3],
                )
            };
            schedule::ActiveModel {
                hospital_id: Set(h.id),
                doctor_id: Set(doctor),
                department_id: Set(d.id),
                schedule_date: Set(date),
                time_slot: Set(slot.parse().unwrap()),
                room_no: Set("101".into()),
                capacity: Set(load.capacity as i32),
                booked_count: Set(0),
                last_queue_no: Set(0),
                status: Set(ScheduleStatus::Open),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(200) {
        schedule::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    let patients = seed::patients(db, h.id, load.attempts).await;
    let schedules = schedule::Entity::find()
        .filter(schedule::Column::HospitalId.eq(h.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    (h.id, schedules, patients)
}

/// Every (patient, schedule) pair once, interleaved so concurrent requests hit the same schedules.
fn requests(schedules: &[i64], patients: &[i64]) -> Vec<(i64, i64)> {
    patients
        .iter()
        .flat_map(|p| schedules.iter().map(move |s| (*p, *s)))
        .collect()
}

/// Runs `work` over `reqs` with `concurrency` workers; `work` answers 0 booked, 1 full, 2 anything else.
async fn drive<F, Fut>(reqs: Vec<(i64, i64)>, concurrency: usize, work: F) -> Outcome
where
    F: Fn(i64, i64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u8> + Send,
{
    let reqs = Arc::new(reqs);
    let next = Arc::new(AtomicUsize::new(0));
    let work = Arc::new(work);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (reqs, next, work) = (reqs.clone(), next.clone(), work.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(p, s)) = reqs.get(i) else { break };
                    let t = Instant::now();
                    let kind = work(p, s).await;
                    seen.push((t.elapsed(), kind));
                }
                seen
            })
        })
        .collect();
    let mut out = Outcome::default();
    for w in workers {
        for (latency, kind) in w.await.unwrap() {
            out.latencies.push(latency);
            match kind {
                0 => out.booked += 1,
                1 => out.full += 1,
                _ => out.other += 1,
            }
        }
    }
    out.elapsed = started.elapsed();
    out
}

/// Places taken beyond capacity, counted from the appointments themselves.
async fn overbooked(db: &DatabaseConnection, schedules: &[i64], capacity: usize) -> i64 {
    let mut over = 0;
    for s in schedules {
        let n = appointment::Entity::find()
            .filter(appointment::Column::ScheduleId.eq(*s))
            .all(db)
            .await
            .unwrap()
            .len();
        over += (n as i64 - capacity as i64).max(0);
    }
    over
}

/// A server on a fresh seeded database: its address, a front-desk token, the schedules and patients.
struct Served {
    base: String,
    token: String,
    db: DatabaseConnection,
    schedules: Vec<i64>,
    patients: Vec<i64>,
    server: actix_web::dev::ServerHandle,
}

/// `quiet`: no background work (calculation runner, no-show sweep, audit sealing) beside the requests.
async fn serve(kind: &str, name: &str, load: &Load, quiet: bool) -> Served {
    serve_on(kind, name, load, quiet, true, false).await
}

/// [`serve`]; `fresh`: on a new database (else on the one `name` names, created already); `today`: the
/// schedules this morning ([`seed`]).
async fn serve_on(
    kind: &str,
    name: &str,
    load: &Load,
    quiet: bool,
    fresh: bool,
    today: bool,
) -> Served {
    let url = if fresh {
        fresh_database(kind, name).await
    } else {
        format!("{}/{name}", std::env::var("BENCH_POSTGRES_URL").unwrap())
    };
    let db = db::connect(&url, 32).await.unwrap();
    db::migrate(&db).await.unwrap();
    let (_, schedules, patients) = seed(&db, load, today).await;
    let mut settings = Settings::embedded(std::env::temp_dir());
    settings.database_url = url.into();
    settings.bind = "127.0.0.1:0".into();
    settings.jwt_secret = Some("bench-secret-bench-secret-bench-secret-1".to_owned().into());
    settings.db_max_connections = 32;
    settings.rate_limit.per_second = 0;
    if quiet {
        settings.run_calculations = false;
        settings.no_show_sweep_interval = None;
        settings.audit_seal_interval = std::time::Duration::from_secs(3600);
    }
    let app = Application::with_database(settings, db.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(load.concurrency)
        .build()
        .unwrap();
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "bench_desk", "password": "bench-password-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    Served {
        base,
        token,
        db,
        schedules,
        patients,
        server,
    }
}

/// What a request costs, one at a time: the SQL statements the server sends (its own
/// counter: BEGIN and COMMIT not counted, the audit entries' sealing, done in batches in the background, left
/// out), the statements PostgreSQL logged for the database (`log_statement = all`, BEGIN and COMMIT included;
/// only when its log is readable), and CPU time: the server's request threads and the database's (PostgreSQL's
/// backends serving the server, or SQLite's connection threads in the process).
struct Cost {
    statements: f64,
    logged: Option<f64>,
    server_ms: f64,
    db_ms: f64,
}

/// The PostgreSQL server's log, where `log_statement = all` writes each statement with `user@database`.
fn postgres_log() -> Option<String> {
    let path = std::env::var("BENCH_POSTGRES_LOG")
        .unwrap_or_else(|_| "/var/log/postgresql/postgresql-15-main.log".into());
    std::fs::read_to_string(&path).ok()
}

/// Statements logged for `database` in `log` after byte `from` (a statement's line, not its continuations).
fn logged_statements(log: &str, from: usize, database: &str) -> usize {
    let tag = format!("@{database} LOG:  ");
    log.get(from..)
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            l.split_once(&tag).is_some_and(|(_, rest)| {
                rest.starts_with("statement: ") || rest.starts_with("execute ")
            })
        })
        .count()
}

/// Nanoseconds of CPU the threads of process `pid` ran, for those whose name starts with one of `prefixes`
/// (all when empty), from the scheduler's own accounting.
fn cpu_ns(pid: u32, prefixes: &[&str]) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|t| {
            let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
            prefixes.is_empty() || prefixes.iter().any(|p| name.starts_with(p))
        })
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The PostgreSQL backends connected to `database`.
async fn backends(db: &DatabaseConnection, database: &str) -> Vec<u32> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT pid FROM pg_stat_activity WHERE datname = '{database}'"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<i32>("", "pid").unwrap() as u32)
        .collect()
}

/// Threads of this process that serve requests (actix's workers); SQLite's connections run on their own.
const SERVER_THREADS: &[&str] = &["actix-server"];
const SQLITE_THREADS: &[&str] = &["sqlx-sqlite"];

/// What a booking and a check-in cost (see [`Cost`]): 1,000 bookings one at a time on this morning's schedules,
/// then each checked in; the first of each warms the connections and is not counted. `logged`: PostgreSQL logs
/// every statement (for the count; the logging costs the database CPU of its own, so the CPU is measured on a
/// run without it).
async fn costs(kind: &str, logged: bool) -> (Cost, Cost) {
    let load = Load {
        schedules: 40,
        capacity: 25,
        attempts: 25,
        concurrency: 1,
    };
    let name = "bench_cost";
    if kind == "postgres" && logged {
        let url = fresh_database(kind, name).await;
        let db = sea_orm::Database::connect(&url).await.unwrap();
        db.execute_unprepared(&format!("ALTER DATABASE {name} SET log_statement = 'all'"))
            .await
            .unwrap();
        let _ = db.close().await;
    }
    let s = serve_on(
        kind,
        name,
        &load,
        true,
        !(kind == "postgres" && logged),
        true,
    )
    .await;
    let client = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        let request = client
            .post(format!("{}/api/v1{path}", s.base))
            .bearer_auth(&s.token)
            .json(&body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(status < 300, "{status}: {body}");
            body
        }
    };
    let book = |(p, sched): (i64, i64)| async move {
        let body = post(
            "/appointments".into(),
            serde_json::json!({"patient_id": p, "schedule_id": sched}),
        )
        .await;
        body["id"].as_i64().unwrap()
    };
    let check_in = |id: i64| async move {
        post(
            format!("/appointments/{id}/check-in"),
            serde_json::json!({}),
        )
        .await
    };
    let mut pairs = requests(&s.schedules, &s.patients).into_iter();
    let mut booked = vec![book(pairs.next().unwrap()).await];
    let rest: Vec<(i64, i64)> = pairs.collect();
    let booking = measure(kind, &s, name, rest.len(), async || {
        for pair in rest {
            booked.push(book(pair).await);
        }
    })
    .await;
    check_in(booked[0]).await;
    let checking_in = measure(kind, &s, name, booked.len() - 1, async || {
        for id in &booked[1..] {
            check_in(*id).await;
        }
    })
    .await;
    s.server.stop(false).await;
    finish(kind, s.db, name).await;
    (booking, checking_in)
}

/// Runs `work` (`counted` requests, on warm connections) and answers what they cost.
async fn measure(
    kind: &str,
    s: &Served,
    name: &str,
    counted: usize,
    work: impl AsyncFnOnce(),
) -> Cost {
    let pids = if kind == "postgres" {
        backends(&s.db, name).await
    } else {
        vec![]
    };
    let db_cpu = || -> u64 {
        if kind == "postgres" {
            pids.iter().map(|pid| cpu_ns(*pid, &[])).sum()
        } else {
            cpu_ns(std::process::id(), SQLITE_THREADS)
        }
    };
    let metrics = hospital::metrics::get();
    let log_from = postgres_log().map(|l| l.len());
    let (statements, server, database) = (
        metrics.db_statements_sent(),
        cpu_ns(std::process::id(), SERVER_THREADS),
        db_cpu(),
    );
    work().await;
    let n = counted as f64;
    let ms = |ns: u64| ns as f64 / 1e6 / n;
    Cost {
        statements: (metrics.db_statements_sent() - statements) as f64 / n,
        logged: log_from
            .filter(|_| kind == "postgres")
            .and_then(|from| Some(logged_statements(&postgres_log()?, from, name) as f64 / n)),
        server_ms: ms(cpu_ns(std::process::id(), SERVER_THREADS) - server),
        db_ms: ms(db_cpu() - database),
    }
}

async fn over_http(kind: &str, load: &Load, round: usize) -> Outcome {
    let Served {
        base,
        token,
        db,
        schedules,
        patients,
        server,
    } = serve(kind, &format!("bench_http_{round}"), load, false).await;
    let url = format!("{base}/api/v1/appointments");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(load.concurrency)
        .build()
        .unwrap();
    let mut out = drive(
        requests(&schedules, &patients),
        load.concurrency,
        move |p, s| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            async move {
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"patient_id": p, "schedule_id": s}))
                    .send()
                    .await;
                match r.map(|r| r.status().as_u16()) {
                    Ok(201) => 0,
                    Ok(409) => 1,
                    _ => 2,
                }
            }
        },
    )
    .await;
    out.overbooked = overbooked(&db, &schedules, load.capacity).await;
    server.stop(false).await;
    finish(kind, db, &format!("bench_http_{round}")).await;
    out
}

/// Closes the pool and drops the round's database, so rounds do not pile up server connections.
async fn finish(kind: &str, db: DatabaseConnection, name: &str) {
    let _ = db.close().await;
    if kind != "sqlite" {
        let server = std::env::var("BENCH_POSTGRES_URL").unwrap();
        let admin = sea_orm::Database::connect(format!("{server}/postgres"))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
}

async fn direct(kind: &str, load: &Load, round: usize) -> Outcome {
    let url = fresh_database(kind, &format!("bench_direct_{round}")).await;
    let db = db::connect(&url, 32).await.unwrap();
    db::migrate(&db).await.unwrap();
    let (hospital_id, schedules, patients) = seed(&db, load, false).await;
    let pool = db.clone();
    let mut out = drive(
        requests(&schedules, &patients),
        load.concurrency,
        move |p, s| {
            let db = pool.clone();
            async move {
                let txn = db::begin_write(&db).await.unwrap();
                let Some(queue_no) = appointments::take_place(&txn, s).await.unwrap() else {
                    txn.rollback().await.unwrap();
                    return 1;
                };
                let now = chrono::Utc::now();
                let row = appointment::ActiveModel {
                    hospital_id: Set(hospital_id),
                    patient_id: Set(p),
                    schedule_id: Set(s),
                    queue_no: Set(queue_no),
                    status: Set(AppointmentStatus::Booked),
                    check_in_time: Set(None),
                    assigned_room: Set(None),
                    is_walk_in: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                match row.insert(&txn).await {
                    Ok(_) => {
                        txn.commit().await.unwrap();
                        0
                    }
                    Err(_) => {
                        let _ = txn.rollback().await;
                        2
                    }
                }
            }
        },
    )
    .await;
    out.overbooked = overbooked(&db, &schedules, load.capacity).await;
    finish(kind, db, &format!("bench_direct_{round}")).await;
    out
}

/// One path's figures over the rounds.
#[derive(Default)]
struct Series {
    rate: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    total: Outcome,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let load = Load {
        schedules: env("BENCH_SCHEDULES", 30),
        capacity: env("BENCH_CAPACITY", 20),
        attempts: env("BENCH_ATTEMPTS", 40),
        concurrency: env("BENCH_CONCURRENCY", 32),
    };
    let rounds = env("BENCH_ROUNDS", 3);
    let mut kinds = vec!["sqlite"];
    if std::env::var("BENCH_POSTGRES_URL").is_ok() {
        kinds.push("postgres");
    }
    println!(
        "{} schedules × {} places, {} patients each (so half the attempts find the slot full), {} concurrent clients, median of {rounds} rounds",
        load.schedules, load.capacity, load.attempts, load.concurrency
    );
    println!(
        "| database | path | bookings/s | p50 ms | p99 ms | booked | full | other | overbooked |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut spent = Vec::new();
    for kind in kinds {
        let mut rows = [("HTTP", Series::default()), ("direct", Series::default())];
        for round in 0..rounds {
            // Side by side: each round measures both paths, alternating which goes first.
            let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for i in order {
                let mut o = if i == 0 {
                    over_http(kind, &load, round).await
                } else {
                    direct(kind, &load, round).await
                };
                let series = &mut rows[i].1;
                series.rate.push(o.booked as f64 / o.elapsed.as_secs_f64());
                series.p50.push(o.percentile(0.5));
                series.p99.push(o.percentile(0.99));
                series.total.booked += o.booked;
                series.total.full += o.full;
                series.total.other += o.other;
                series.total.overbooked += o.overbooked;
            }
        }
        let counted = costs(kind, true).await;
        let (booking, check_in) = costs(kind, false).await;
        spent.push((kind, "booking", counted.0.logged, booking));
        spent.push((kind, "check-in", counted.1.logged, check_in));
        for (path, s) in rows {
            println!(
                "| {kind} | {path} | {:.0} | {:.1} | {:.1} | {} | {} | {} | {} |",
                median(s.rate),
                median(s.p50),
                median(s.p99),
                s.total.booked,
                s.total.full,
                s.total.other,
                s.total.overbooked
            );
        }
    }
    println!();
    println!(
        "One request at a time, 999 after a first that warms the connections (1,000 bookings on this morning's \
         schedules, then each checked in):"
    );
    println!(
        "| database | request | statements (server's count, without BEGIN/COMMIT) | statements PostgreSQL logged (with BEGIN/COMMIT) | server CPU ms | database CPU ms |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (kind, what, logged, c) in spent {
        println!(
            "| {kind} | {what} | {:.2} | {} | {:.3} | {:.3} |",
            c.statements,
            logged.map_or("—".into(), |l| format!("{l:.2}")),
            c.server_ms,
            c.db_ms
        );
    }
}
