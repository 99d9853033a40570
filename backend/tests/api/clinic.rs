//! The outpatient fixture shared by `flow`, `booking`, `billing` and `schedules`: a hospital with three
//! departments, a doctor linked to the harness's `a_doctor` account, a catalogue with every fee a bill
//! needs, insurance ratios, patients with valid identity numbers, and schedules for today that work at
//! any hour of the day.
//!
//! The catalogue (yuan): REG-CHIEF 50, REG-ASSOC 35, REG-ATTEND 20, REG-RES 10, CONS-GEN 10 (all performed
//! by the doctor's department), DRUG-AMOX 12.35 (pharmacy `PHA`), LAB-CRP 15.40 (laboratory `LAB`).
//! Insurance: EMPLOYEE 0.7, RESIDENT 0.5, SELF_PAY 0.
use crate::helpers::{Resp, TestApp};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use hospital::domain::foundation::vocab::{DocumentType, InsuranceType};
use hospital::domain::outpatient::schedule::ScheduleStatus;
use hospital::domain::outpatient::schedule::TimeSlot;
use hospital::{
    domain::foundation::role::Role,
    entities::{
        accounting::charge_detail, foundation::hospital as hospital_entity, foundation::patient,
        outpatient::appointment, outpatient::schedule,
    },
};
use reqwest::Method;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};
use std::{
    future::Future,
    sync::atomic::{AtomicU32, Ordering},
};

pub const SHANGHAI: &str = "Asia/Shanghai";
/// Where the hospital moves when every slot of the day in Shanghai is over (no daylight saving time).
pub const HONOLULU: &str = "Pacific/Honolulu";

/// A slot is used for "today" only while at least this much of it is left, so it cannot end mid-test.
const SLOT_MARGIN_MINUTES: i64 = 15;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// A valid 18-character identity number: `region` (6 digits), `birth` (`YYYYMMDD`), a 3-digit `seq` (odd:
/// a man, even: a woman) and the GB 11643 check character.
pub fn id_card(region: &str, birth: NaiveDate, seq: u32) -> String {
    let body = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
    assert!(body.len() == 17 && body.bytes().all(|b| b.is_ascii_digit()));
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    format!("{body}{}", char::from(b"10X98765432"[(sum % 11) as usize]))
}

/// The hospital's local time now.
pub async fn local_now(app: &TestApp, hospital_id: i64) -> NaiveDateTime {
    let h = hospital_entity::Entity::find_by_id(hospital_id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("hospital");
    let tz: chrono_tz::Tz = h.timezone.parse().expect("a time zone");
    Utc::now().with_timezone(&tz).naive_local()
}

/// Hospital A's local date.
pub async fn today(app: &TestApp) -> NaiveDate {
    local_now(app, app.hospital_a).await.date()
}

const SLOTS: [&str; 3] = ["MORNING", "AFTERNOON", "EVENING"];

fn slot_end(slot: &str) -> NaiveTime {
    match slot {
        "MORNING" => NaiveTime::from_hms_opt(12, 0, 0),
        "AFTERNOON" => NaiveTime::from_hms_opt(17, 30, 0),
        _ => NaiveTime::from_hms_opt(21, 0, 0),
    }
    .unwrap()
}

/// The slots of today with at least the margin left.
fn open_slots(now: NaiveDateTime) -> Vec<&'static str> {
    SLOTS
        .into_iter()
        .filter(|s| now.date().and_time(slot_end(s)) - now > Duration::minutes(SLOT_MARGIN_MINUTES))
        .collect()
}

/// When all of today's slots in Shanghai are (nearly) over, both hospitals move to Honolulu, where it is
/// early morning of the same or the previous date, so check-in stays testable around the clock.
pub async fn ensure_open_slots_today(app: &TestApp) {
    if !open_slots(local_now(app, app.hospital_a).await).is_empty() {
        return;
    }
    for id in [app.hospital_a, app.hospital_b] {
        let h = hospital_entity::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut h = h.into_active_model();
        h.timezone = Set(HONOLULU.into());
        h.update(&app.db).await.unwrap();
    }
    app.forget_sessions();
    assert!(!open_slots(local_now(app, app.hospital_a).await).is_empty());
}

/// A schedule of `doctor_id` (hospital A) for today, in the first slot of the day that has not ended and
/// that the doctor has not got yet, created through the API; answers (schedule id, local date).
pub async fn today_schedule(app: &TestApp, doctor_id: i64, capacity: i32) -> (i64, NaiveDate) {
    ensure_open_slots_today(app).await;
    let now = local_now(app, app.hospital_a).await;
    let date = now.date();
    let mut slot = None;
    for s in open_slots(now) {
        let taken = schedule::Entity::find()
            .filter(schedule::Column::DoctorId.eq(doctor_id))
            .filter(schedule::Column::ScheduleDate.eq(date))
            .filter(schedule::Column::TimeSlot.eq(s))
            .count(&app.db)
            .await
            .unwrap()
            > 0;
        if !taken {
            slot = Some(s);
            break;
        }
    }
    let slot = slot.unwrap_or_else(|| panic!("doctor {doctor_id} has no free slot left today"));
    let id = create_schedule(app, doctor_id, date, slot, capacity).await;
    (id, date)
}

/// A schedule through `POST /schedules` as hospital A's admin; answers its id.
pub async fn create_schedule(
    app: &TestApp,
    doctor_id: i64,
    date: NaiveDate,
    slot: &str,
    capacity: i32,
) -> i64 {
    let resp = app
        .post(
            "/api/v1/schedules",
            &app.admin().await,
            json!({"doctor_id": doctor_id, "date": date, "time_slot": slot, "room_no": room(doctor_id), "capacity": capacity}),
        )
        .await;
    created(&resp, "schedule")
}

/// The room every schedule of a doctor gets.
pub fn room(doctor_id: i64) -> String {
    format!("R{doctor_id}-101")
}

/// A schedule `days_ahead` days after today (≥ 1), in the morning.
pub async fn future_schedule(app: &TestApp, doctor_id: i64, days_ahead: i64, capacity: i32) -> i64 {
    assert!(days_ahead >= 1);
    let date = today(app).await + Duration::days(days_ahead);
    create_schedule(app, doctor_id, date, "MORNING", capacity).await
}

#[track_caller]
pub fn created(resp: &Resp, what: &str) -> i64 {
    assert_eq!(resp.status, 201, "create {what}: {:?}", resp.body);
    resp.body["id"].as_i64().expect("id of the created record")
}

/// A department of hospital A.
#[derive(Debug, Clone)]
pub struct Dept {
    pub id: i64,
    pub code: String,
}

/// Hospital A, ready for outpatients.
pub struct Clinic {
    pub hospital_id: i64,
    /// 内科 `INT`: the doctors' department.
    pub dept: Dept,
    /// 药房 `PHA`: executes the drug.
    pub pharmacy: Dept,
    /// 检验科 `LAB`: executes the laboratory test.
    pub lab: Dept,
    /// An ATTENDING doctor of `INT` linked to the `a_doctor` account.
    pub doctor_id: i64,
    pub doctor_user_id: i64,
    /// DRUG-AMOX, 12.35.
    pub drug_id: i64,
    /// LAB-CRP, 15.40.
    pub lab_item_id: i64,
    serial: AtomicU32,
}

/// The catalogue: (code, name, category, price, executing department: None | "PHA" | "LAB").
const CATALOGUE: [(&str, &str, &str, &str, Option<&str>); 7] = [
    ("REG-CHIEF", "主任医师挂号费", "REGISTRATION", "50.00", None),
    (
        "REG-ASSOC",
        "副主任医师挂号费",
        "REGISTRATION",
        "35.00",
        None,
    ),
    (
        "REG-ATTEND",
        "主治医师挂号费",
        "REGISTRATION",
        "20.00",
        None,
    ),
    ("REG-RES", "住院医师挂号费", "REGISTRATION", "10.00", None),
    ("CONS-GEN", "普通诊查费", "CONSULTATION", "10.00", None),
    ("DRUG-AMOX", "阿莫西林胶囊", "DRUG", "12.35", Some("PHA")),
    ("LAB-CRP", "C反应蛋白测定", "LAB", "15.40", Some("LAB")),
];

impl Clinic {
    /// Sets hospital A up through the API (and the insurance ratios, which have no endpoint, through the
    /// entity).
    pub async fn open(app: &TestApp) -> Clinic {
        ensure_open_slots_today(app).await;
        let admin = app.admin().await;
        let dept = department(app, &admin, "INT", "内科").await;
        let pharmacy = department(app, &admin, "PHA", "药房").await;
        let lab = department(app, &admin, "LAB", "检验科").await;

        let users = app.get("/api/v1/users?q=a_doctor", &admin).await;
        assert_eq!(users.status, 200, "{:?}", users.body);
        let doctor_user_id = users.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "a_doctor")
            .and_then(|u| u["id"].as_i64())
            .expect("the a_doctor account");
        let doctor = app
            .post(
                "/api/v1/doctors",
                &admin,
                json!({"name": "刘佳怡", "department_id": dept.id, "title": "ATTENDING", "phone": "13900000001",
                       "available_slots_per_day": 30, "user_id": doctor_user_id}),
            )
            .await;
        let doctor_id = created(&doctor, "doctor");

        let mut drug_id = 0;
        let mut lab_item_id = 0;
        for (code, name, category, price, exec) in CATALOGUE {
            let exec = match exec {
                Some("PHA") => Some(pharmacy.id),
                Some(_) => Some(lab.id),
                None => None,
            };
            let resp = app
                .post(
                    "/api/v1/charge-items",
                    &admin,
                    json!({"item_code": code, "item_name": name, "item_category": category, "unit": "次",
                           "unit_price": price, "executing_department_id": exec}),
                )
                .await;
            let id = created(&resp, code);
            match code {
                "DRUG-AMOX" => drug_id = id,
                "LAB-CRP" => lab_item_id = id,
                _ => {}
            }
        }
        for (kind, ratio) in [("EMPLOYEE", "0.7"), ("RESIDENT", "0.5"), ("SELF_PAY", "0")] {
            let resp = app
                .post(
                    "/api/v1/insurance-policies",
                    &admin,
                    json!({"insurance_type": kind, "effective_from": "2020-01-01", "ratio": ratio}),
                )
                .await;
            created(&resp, kind);
        }
        Clinic {
            hospital_id: app.hospital_a,
            dept,
            pharmacy,
            lab,
            doctor_id,
            doctor_user_id,
            drug_id,
            lab_item_id,
            serial: AtomicU32::new(0),
        }
    }

    fn next(&self) -> u32 {
        self.serial.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Another doctor of `INT` with `title`, not linked to any account.
    pub async fn doctor(&self, app: &TestApp, title: &str) -> i64 {
        let n = self.next();
        let resp = app
            .post(
                "/api/v1/doctors",
                &app.admin().await,
                json!({"name": format!("医生{n}"), "department_id": self.dept.id, "title": title,
                       "phone": format!("1390001{n:04}"), "available_slots_per_day": 30}),
            )
            .await;
        created(&resp, "doctor")
    }

    /// A registration body: a man or woman with a valid identity number and a phone, both new.
    pub fn patient_body(&self, insurance_type: &str) -> Value {
        let n = self.next();
        let (id_card, gender) = identity(n);
        json!({
            "name": format!("患者{n}"),
            "document_no": id_card,
            "phone": phone(n),
            "gender": gender,
            "insurance_type": insurance_type,
        })
    }

    /// Registers a patient through `POST /patients`.
    pub async fn patient(&self, app: &TestApp, insurance_type: &str) -> i64 {
        let resp = app
            .post(
                "/api/v1/patients",
                &app.front_desk().await,
                self.patient_body(insurance_type),
            )
            .await;
        created(&resp, "patient")
    }

    /// `count` EMPLOYEE patients written straight to the table (fast), in order.
    pub async fn patients(&self, app: &TestApp, count: usize) -> Vec<i64> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let n = self.next();
            let (id_card, gender) = identity(n);
            let now = Utc::now();
            let row = patient::ActiveModel {
                hospital_id: Set(self.hospital_id),
                name: Set(format!("患者{n}")),
                dob: Set(birth(n)),
                document_type: Set(DocumentType::IdCard),
                document_no: Set(Some(id_card)),
                phone: Set(phone(n)),
                gender: Set(gender.parse().unwrap()),
                insurance_type: Set(InsuranceType::employee()),
                address: Set(None),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
            ids.push(row.id);
        }
        ids
    }

    /// A schedule of yesterday (its slots all over) written straight to the table, with `booked`
    /// places taken.
    pub async fn past_schedule(&self, app: &TestApp, doctor_id: i64, booked: i32) -> i64 {
        let now = Utc::now();
        schedule::ActiveModel {
            hospital_id: Set(self.hospital_id),
            doctor_id: Set(doctor_id),
            department_id: Set(self.dept.id),
            schedule_date: Set(today(app).await - Duration::days(1)),
            time_slot: Set(TimeSlot::Evening),
            room_no: Set(room(doctor_id)),
            capacity: Set(10),
            booked_count: Set(booked),
            last_queue_no: Set(booked),
            status: Set(ScheduleStatus::Open),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap()
        .id
    }

    /// An appointment written straight to the table (for schedules the API would refuse to book).
    pub async fn insert_appointment(
        &self,
        app: &TestApp,
        schedule_id: i64,
        patient_id: i64,
        queue_no: i32,
        status: &str,
    ) -> i64 {
        let now = Utc::now();
        appointment::ActiveModel {
            hospital_id: Set(self.hospital_id),
            patient_id: Set(patient_id),
            schedule_id: Set(schedule_id),
            queue_no: Set(queue_no),
            status: Set(status.parse().unwrap()),
            check_in_time: Set(None),
            assigned_room: Set(None),
            is_walk_in: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap()
        .id
    }
}

fn phone(n: u32) -> String {
    format!("138{n:08}")
}

/// Distinct for each n < 500 × 10 000: the birth date moves every 500 numbers.
fn birth(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(i64::from(n / 500) * 3 + 1)
}

/// (identity number, gender): odd n are men, even n women.
fn identity(n: u32) -> (String, &'static str) {
    let male = n % 2 == 1;
    // The sequence's last digit: odd for a man, even for a woman.
    let seq = (n % 500) * 2 + u32::from(male);
    (
        id_card("110105", birth(n), seq),
        if male { "MALE" } else { "FEMALE" },
    )
}

async fn department(app: &TestApp, admin: &str, code: &str, name: &str) -> Dept {
    let resp = app
        .post(
            "/api/v1/departments",
            admin,
            json!({"code": code, "name": name}),
        )
        .await;
    Dept {
        id: created(&resp, "department"),
        code: code.into(),
    }
}

/// A patient with `insurance` who walks in to one of today's schedules and gets a record with
/// `items`; answers the record id.
pub async fn visit(
    app: &TestApp,
    clinic: &Clinic,
    schedule_id: i64,
    insurance: &str,
    items: &[(i64, &str)],
) -> i64 {
    let patient = clinic.patient(app, insurance).await;
    let (_, record) = walk_in(app, patient, schedule_id).await;
    if !items.is_empty() {
        let written = write_record(app, record, items).await;
        assert_eq!(written.status, 200, "{:?}", written.body);
    }
    record
}

/// `POST /appointments` as the front desk.
pub async fn book(app: &TestApp, patient_id: i64, schedule_id: i64) -> Resp {
    app.post(
        "/api/v1/appointments",
        &app.front_desk().await,
        json!({"patient_id": patient_id, "schedule_id": schedule_id}),
    )
    .await
}

/// `POST /appointments/{id}/<action>` (check-in, cancel, no-show) as the front desk.
pub async fn act(app: &TestApp, appointment_id: i64, action: &str) -> Resp {
    app.post(
        &format!("/api/v1/appointments/{appointment_id}/{action}"),
        &app.front_desk().await,
        json!({}),
    )
    .await
}

/// Books and asserts the 201; answers the appointment id.
pub async fn booked(app: &TestApp, patient_id: i64, schedule_id: i64) -> i64 {
    let resp = book(app, patient_id, schedule_id).await;
    assert_eq!(resp.body["status"], "BOOKED", "{:?}", resp.body);
    created(&resp, "appointment")
}

/// A walk-in on one of today's schedules: (appointment id, medical record id).
pub async fn walk_in(app: &TestApp, patient_id: i64, schedule_id: i64) -> (i64, i64) {
    let resp = app
        .post(
            "/api/v1/appointments/walk-in",
            &app.front_desk().await,
            json!({"patient_id": patient_id, "schedule_id": schedule_id}),
        )
        .await;
    assert_eq!(resp.body["status"], "COMPLETED", "{:?}", resp.body);
    let id = created(&resp, "walk-in");
    (id, resp.body["medical_record_id"].as_i64().expect("record"))
}

/// The linked doctor writes a record: `items` are (catalogue item, quantity).
pub async fn write_record(app: &TestApp, record_id: i64, items: &[(i64, &str)]) -> Resp {
    let prescription: Vec<Value> = items
        .iter()
        .map(|(id, q)| json!({"charge_item_id": id, "quantity": q}))
        .collect();
    app.put(
        &format!("/api/v1/medical-records/{record_id}"),
        &app.token('a', Role::Doctor).await,
        json!({"diagnosis": "急性上呼吸道感染", "treatment": "多饮水，注意休息", "prescription": prescription}),
    )
    .await
}

/// `POST /billings` as the front desk, with an optional insurance amount.
pub async fn bill(app: &TestApp, record_id: i64, insurance: Option<&str>) -> Resp {
    let mut body = json!({"medical_record_id": record_id});
    if let Some(i) = insurance {
        body["insurance_amount"] = json!(i);
    }
    app.post("/api/v1/billings", &app.front_desk().await, body)
        .await
}

/// `POST /billings/{id}/pay` as the front desk, with an `Idempotency-Key` unless `key` is None.
pub async fn pay(app: &TestApp, billing_id: i64, key: Option<&str>, method: &str) -> Resp {
    let token = app.front_desk().await;
    let mut req = app
        .client
        .request(
            Method::POST,
            app.url(&format!("/api/v1/billings/{billing_id}/pay")),
        )
        .bearer_auth(token)
        .json(&json!({"payment_method": method}));
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    TestApp::read(req.send().await.expect("request")).await
}

/// Runs the futures at the same time and answers their outputs in order.
pub async fn all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures_util::future::join_all(futures).await
}

/// Asserts a 409 `INVALID_TRANSITION` whose detail names both states.
#[track_caller]
pub fn assert_transition(resp: &Resp, detail: &str) {
    resp.assert_problem(409, "INVALID_TRANSITION");
    assert_eq!(resp.body["detail"], detail, "{:?}", resp.body);
}

/// A field of a JSON body as a string (amounts are strings like "77.0500").
pub fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("a string, not {v:?}"))
}

/// The `charge_details` rows a bill's payment (and refund) wrote, in the order written.
pub async fn charge_rows(app: &TestApp, bill_id: i64) -> Vec<charge_detail::Model> {
    charge_detail::Entity::find()
        .filter(charge_detail::Column::BillingId.eq(bill_id))
        .order_by_asc(charge_detail::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}
