//! The server's memory through a morning of visits: the release binary serves a SQLite database holding one
//! hospital (its clock at about nine), ten doctors with a morning schedule of 60 places each, two catalogue items
//! and 600 patients; eight clients then take every patient through a visit over HTTP (booking, check-in, the
//! doctor's record with two items, the bill, the payment). The server's resident memory (`VmRSS`) is read when it
//! has started, after the visits, and after ten quiet seconds, with its peak (`VmHWM`).
//!
//! `bench/memory.sh` runs it: `flow_bench <hospital binary> [visits]`. With `statements` as a third argument it
//! takes the patients through one at a time instead and counts the SQL statements the server sends for each
//! request (its `hospital_db_statements_total` on `/metrics`, BEGIN and COMMIT not counted), printing the median
//! per request after a first visit that warms the connections.
#![allow(clippy::unwrap_used)]
#[path = "support/seed.rs"]
mod seed;
use hospital::{
    auth::password,
    db,
    domain::foundation::{money::Amount, role::Role, vocab::ItemCategory},
    domain::outpatient::schedule::ScheduleStatus,
    entities::{foundation::charge_item, outpatient::schedule},
    services::foundation::users,
};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use std::{process::Command, sync::Arc, time::Duration};

const PASSWORD: &str = "bench-password-1";
const DOCTORS: usize = 10;

/// What the visits need: the doctors' ids and the catalogue items.
struct Seeded {
    doctors: Vec<(i64, String)>,
    schedules: Vec<i64>,
    patients: Vec<i64>,
    items: Vec<i64>,
}

async fn seed(url: &str, visits: usize) -> Seeded {
    let db = db::connect(url, 4).await.unwrap();
    db::migrate(&db).await.unwrap();
    let now = chrono::Utc::now();
    let zone = seed::zone_at_nine();
    let h = hospital::services::foundation::hospitals::create(
        &db,
        "F".into(),
        "内存压测医院".into(),
        &zone,
    )
    .await
    .unwrap();
    let today = now
        .with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap())
        .date_naive();
    let hash = password::hash_blocking(PASSWORD).unwrap();
    let user = |username: String, role| users::NewUser {
        display_name: username.clone(),
        username,
        role,
        password: String::new(),
    };
    users::insert(
        &db,
        h.id,
        user("desk".into(), Role::FrontDesk),
        hash.clone(),
    )
    .await
    .unwrap();
    let dept = seed::department(&db, h.id).await;
    let mut seeded = Seeded {
        doctors: Vec::new(),
        schedules: Vec::new(),
        patients: Vec::new(),
        items: Vec::new(),
    };
    for k in 0..DOCTORS {
        let username = format!("doctor{k}");
        let account = users::insert(
            &db,
            h.id,
            user(username.clone(), Role::Doctor),
            hash.clone(),
        )
        .await
        .unwrap();
        let doc = seed::doctor(&db, &dept, k, Some(account.id)).await;
        let slot = schedule::ActiveModel {
            hospital_id: Set(h.id),
            doctor_id: Set(doc.id),
            department_id: Set(dept.id),
            schedule_date: Set(today),
            time_slot: Set("MORNING".parse().unwrap()),
            room_no: Set(format!("10{k}")),
            capacity: Set(visits.div_ceil(DOCTORS) as i32),
            booked_count: Set(0),
            last_queue_no: Set(0),
            status: Set(ScheduleStatus::Open),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        seeded.doctors.push((doc.id, username));
        seeded.schedules.push(slot.id);
    }
    for (code, name, category, price) in [
        ("DRUG-AMOX", "阿莫西林胶囊", ItemCategory::Drug, 125_000),
        ("LAB-CRP", "C反应蛋白", ItemCategory::Lab, 300_000),
        // The registration fee of an attending doctor's visit and the consultation fee, which every bill carries.
        (
            "REG-ATTEND",
            "主治医师挂号费",
            ItemCategory::Registration,
            150_000,
        ),
        (
            "CONS-GEN",
            "普通诊查费",
            ItemCategory::Consultation,
            100_000,
        ),
    ] {
        let item = charge_item::ActiveModel {
            hospital_id: Set(h.id),
            item_code: Set(code.into()),
            item_name: Set(name.into()),
            item_category: Set(category),
            unit: Set(None),
            unit_price: Set(Amount::from_scaled(price)),
            executing_department_id: Set(Some(dept.id)),
            dose_unit: Set(None),
            unit_dose: Set(None),
            pack_units: Set(None),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        seeded.items.push(item.id);
    }
    seeded.patients = seed::patients(&db, h.id, visits).await;
    db.close().await.unwrap();
    seeded
}

/// The server's process, stopped when the bench ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server's `VmRSS` and `VmHWM`, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .unwrap()
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Api {
    client: reqwest::Client,
    base: String,
    /// When counting: the statements each request cost, by request.
    counted: Option<std::sync::Mutex<Vec<(&'static str, u64)>>>,
}

/// The token `/metrics` asks for when the statements are counted.
const METRICS_TOKEN: &str = "bench-metrics-token";

impl Api {
    /// The statements the server has sent so far.
    async fn statements(&self) -> u64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|l| l.starts_with("hospital_db_statements_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    async fn send(
        &self,
        what: &'static str,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Value {
        let before = match self.counted {
            Some(_) => self.statements().await,
            None => 0,
        };
        let body = self.request(method, path, token, body).await;
        if let Some(counted) = &self.counted {
            let spent = self.statements().await - before;
            counted.lock().unwrap().push((what, spent));
        }
        body
    }

    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Value {
        let r = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid_like())
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status < 300, "{path}: {status} {body}");
        body
    }

    async fn login(&self, username: &str) -> String {
        let r: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"].as_str().unwrap().to_owned()
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "flow-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One patient's visit, from booking to payment.
async fn visit(api: &Api, desk: &str, doctor: &str, patient: i64, schedule: i64, items: &[i64]) {
    use reqwest::Method;
    let booked = api
        .send(
            "booking",
            Method::POST,
            "/appointments",
            desk,
            json!({"patient_id": patient, "schedule_id": schedule}),
        )
        .await;
    let id = booked["id"].as_i64().unwrap();
    let checked_in = api
        .send(
            "check-in",
            Method::POST,
            &format!("/appointments/{id}/check-in"),
            desk,
            json!({}),
        )
        .await;
    let record = checked_in["medical_record_id"].as_i64().unwrap();
    api.send(
        "record",
        Method::PUT,
        &format!("/medical-records/{record}"),
        doctor,
        json!({"diagnosis": "急性上呼吸道感染", "treatment": "多饮水，注意休息",
               "prescription": [{"charge_item_id": items[0], "quantity": "2"},
                                {"charge_item_id": items[1], "quantity": "1"}]}),
    )
    .await;
    let bill = api
        .send(
            "bill",
            Method::POST,
            "/billings",
            desk,
            json!({"medical_record_id": record}),
        )
        .await;
    let bill = bill["id"].as_i64().unwrap();
    api.send(
        "payment",
        Method::POST,
        &format!("/billings/{bill}/pay"),
        desk,
        json!({"payment_method": "CASH"}),
    )
    .await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bin = args
        .get(1)
        .expect("usage: flow_bench <hospital binary> [visits]");
    let visits: usize = args.get(2).map_or(600, |v| v.parse().unwrap());
    let counting = args.get(3).is_some_and(|a| a == "statements");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("flow.db").display());
    let seeded = seed(&url, visits).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", &url)
            .env("APP_DATA_DIR", dir.path())
            .env("APP_BIND", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", "bench-secret-that-is-at-least-32-characters")
            .env("APP_RATE_LIMIT_PER_SECOND", "0")
            .env("RUST_LOG", "error")
            .env("APP_METRICS_TOKEN", METRICS_TOKEN)
            .env("APP_RUN_CALCULATIONS", "false")
            .spawn()
            .unwrap(),
    );
    let api = Arc::new(Api {
        client: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}"),
        counted: counting.then(Default::default),
    });
    while api
        .client
        .get(format!("{}/health", api.base))
        .send()
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = memory(server.0.id());
    let desk = Arc::new(api.login("desk").await);
    let mut doctors = Vec::new();
    for (_, username) in &seeded.doctors {
        doctors.push(api.login(username).await);
    }
    if counting {
        count_statements(&api, &desk, &doctors, &seeded).await;
        return;
    }
    let doctors = Arc::new(doctors);
    let items = Arc::new(seeded.items);
    let jobs: Vec<(i64, usize)> = seeded
        .patients
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, i % DOCTORS))
        .collect();
    let jobs = Arc::new(std::sync::Mutex::new(jobs.into_iter()));
    let schedules = Arc::new(seeded.schedules);
    let clock = std::time::Instant::now();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (api, desk, doctors, items, jobs, schedules) = (
                api.clone(),
                desk.clone(),
                doctors.clone(),
                items.clone(),
                jobs.clone(),
                schedules.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let next = jobs.lock().unwrap().next();
                    let Some((patient, k)) = next else { break };
                    visit(&api, &desk, &doctors[k], patient, schedules[k], &items).await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = clock.elapsed();
    let after = memory(server.0.id());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let quiet = memory(server.0.id());
    drop(server);
    println!(
        "| {visits} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
        elapsed.as_secs_f64(),
        started.0,
        after.0,
        quiet.0,
        quiet.1
    );
}

/// The patients through one at a time, each request's statements counted; prints the median of each request
/// over the visits after the first (which warms the connections and the caches).
async fn count_statements(api: &Api, desk: &str, doctors: &[String], seeded: &Seeded) {
    for (i, patient) in seeded.patients.iter().enumerate() {
        let k = i % DOCTORS;
        if i == 1 {
            api.counted.as_ref().unwrap().lock().unwrap().clear();
        }
        visit(
            api,
            desk,
            &doctors[k],
            *patient,
            seeded.schedules[k],
            &seeded.items,
        )
        .await;
    }
    let counted = api.counted.as_ref().unwrap().lock().unwrap().clone();
    println!("| request | visits | statements, median | min | max |");
    println!("|---|---:|---:|---:|---:|");
    for what in ["booking", "check-in", "record", "bill", "payment"] {
        let mut spent: Vec<u64> = counted
            .iter()
            .filter(|(w, _)| *w == what)
            .map(|(_, n)| *n)
            .collect();
        spent.sort_unstable();
        println!(
            "| {what} | {} | {} | {} | {} |",
            spent.len(),
            spent[spent.len() / 2],
            spent[0],
            spent[spent.len() - 1]
        );
    }
}
