//! The clinic in motion: schedules for the coming two weeks, a month of past visits on the schedules of the
//! last 30 days — booked, cancelled, missed, or seen, written up, billed and paid (a few refunded later) —
//! and the first bookings of the coming days.
//!
//! Every row is what the product itself would have written for that history: bills are priced by
//! `billing::draft` from the saved records (once per distinct doctor, insurance type and prescription — the
//! draft depends on nothing else), their lines are the draft's, and the income in `charge_details` is what
//! `billing::charge_rows` makes at payment (and their reversals at refund), inserted in bulk. Everything random comes from a generator
//! seeded with the hospital and its local date, so the same day gives the same data.
//!
//! Speed: on SQLite every statement is a round trip to the driver's thread, so the load is built from
//! multi-row INSERTs (≤ 500 rows) and a few hundred single statements instead of several per visit.
use super::clinic::{self, Audience, Diagnosis, MAX_ITEMS, NON_CLINICAL, REFUND_REASONS};
use crate::seed::random::{Rng, mix};
use crate::{
    domain::{
        foundation::money::Amount,
        foundation::period::Period,
        foundation::role::Role,
        foundation::vocab::{Gender, InsuranceType},
        outpatient::appointment::AppointmentStatus,
        outpatient::billing::{self as rules, BillingStatus, PaymentMethod},
        outpatient::diagnosis::CodedDiagnosis,
        outpatient::schedule::{ScheduleStatus, TimeSlot},
    },
    entities::{
        accounting::charge_detail, foundation::app_user, foundation::charge_item,
        foundation::department, foundation::diagnosis, foundation::doctor, foundation::patient,
        outpatient::appointment, outpatient::billing, outpatient::billing_line,
        outpatient::medical_record, outpatient::schedule,
    },
    services::{
        Actor, local_now,
        outpatient::billings::{self as billing_service, DraftLine, Payment},
        outpatient::medical_records::PrescriptionLine,
    },
};
use anyhow::Context;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::Query,
};
use std::{collections::HashMap, sync::Arc};

/// Past days with visits, before today.
const PAST_DAYS: i64 = 30;
/// Days with schedules from today on.
const COMING_DAYS: i64 = 14;
/// Days after today that already have bookings.
const BOOKED_AHEAD_DAYS: i64 = 6;
/// Rows per INSERT: SQLite allows 32766 bound parameters, and no table here has 20 columns.
const CHUNK: usize = 500;
/// Usual prescriptions a doctor has for each diagnosis.
const HABITS: u64 = 3;
/// The fewest places a schedule offers.
const MIN_CAPACITY: i32 = 8;

/// What was generated for one hospital.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub schedules: usize,
    pub appointments: usize,
    pub medical_records: usize,
    pub billings: usize,
    pub refunded_billings: usize,
    pub charge_details: usize,
}

impl Counts {
    pub(super) fn add(&mut self, other: Counts) {
        self.schedules += other.schedules;
        self.appointments += other.appointments;
        self.medical_records += other.medical_records;
        self.billings += other.billings;
        self.refunded_billings += other.refunded_billings;
        self.charge_details += other.charge_details;
    }
}

/// A stable hash of some text (FNV-1a, then mixed).
fn hash(text: &str) -> u64 {
    mix(text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    }))
}

fn utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

fn at(date: NaiveDate, minutes: i64) -> NaiveDateTime {
    date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(minutes)
}

fn age_on(dob: NaiveDate, date: NaiveDate) -> i32 {
    let years = date.year() - dob.year();
    if (date.month(), date.day()) < (dob.month(), dob.day()) {
        years - 1
    } else {
        years
    }
}

struct Doctor {
    model: doctor::Model,
    department_code: String,
    room_no: String,
    /// A weekday without an afternoon clinic.
    afternoon_off: Option<Weekday>,
    /// Works Saturday mornings in ISO weeks of this parity.
    saturday_parity: u32,
}

struct Patient {
    id: i64,
    dob: NaiveDate,
    female: bool,
    insurance_type: InsuranceType,
}

impl Patient {
    fn fits(&self, audience: Audience, date: NaiveDate) -> bool {
        if date < self.dob {
            return false;
        }
        let age = age_on(self.dob, date);
        match audience {
            Audience::Children => age < 14,
            Audience::Women => self.female && (18..=55).contains(&age),
            Audience::Adults => age >= 14,
            Audience::Everyone => true,
        }
    }
}

struct Refund {
    at: DateTime<Utc>,
    on: NaiveDate,
    reason: &'static str,
}

struct Visit {
    check_in: DateTime<Utc>,
    diagnosis: &'static str,
    treatment: &'static str,
    /// (index into the catalogue, whole units)
    prescription: Vec<(usize, i64)>,
    seen_at: DateTime<Utc>,
    written_at: DateTime<Utc>,
    billed_at: DateTime<Utc>,
    paid_at: DateTime<Utc>,
    paid_on: NaiveDate,
    method: PaymentMethod,
    refund: Option<Refund>,
}

struct Booking {
    patient: usize,
    status: AppointmentStatus,
    walk_in: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    queue_no: i32,
    /// Checked in today and waiting for the doctor (no visit yet).
    checked_in: Option<DateTime<Utc>>,
    visit: Option<Visit>,
}

struct Slot {
    doctor: usize,
    date: NaiveDate,
    slot: TimeSlot,
    capacity: i32,
    created_at: DateTime<Utc>,
    bookings: Vec<Booking>,
}

/// Everything about one hospital the plan needs.
struct Clinic {
    tz: Tz,
    /// The hospital's local time when the demo is loaded.
    now: NaiveDateTime,
    today: NaiveDate,
    doctors: Vec<Doctor>,
    patients: Vec<Patient>,
    items: Vec<charge_item::Model>,
    item_by_code: HashMap<String, usize>,
    /// The dictionary's diagnoses by name: a visit whose diagnosis is in it is coded.
    diagnoses: HashMap<String, CodedDiagnosis>,
}

/// Loads the demo clinic's activity for one hospital, inside the demo transaction.
pub(super) async fn generate(
    txn: &DatabaseTransaction,
    hospital_id: i64,
    hospital_code: &str,
) -> anyhow::Result<Counts> {
    let clinic = read_clinic(txn, hospital_id).await?;
    let admin = app_user::Entity::find()
        .filter(app_user::Column::HospitalId.eq(hospital_id))
        .filter(app_user::Column::Role.eq(Role::Admin))
        .order_by_asc(app_user::Column::Id)
        .one(txn)
        .await?
        .with_context(|| format!("hospital {hospital_code} has no administrator"))?;
    let actor = Actor {
        user_id: admin.id,
        hospital_id,
        username: admin.username,
        role: Role::Admin,
        session_id: 0,
        password_expired: false,
        client_ip: None,
        hospital: std::sync::Arc::new(
            crate::services::HospitalSettings::read(txn, hospital_id).await?,
        ),
    };
    let seed = hash(hospital_code) ^ mix(clinic.today.num_days_from_ce() as u64);
    let plan = plan(&clinic, &mut Rng::new(seed));
    write(txn, &actor, &clinic, &plan).await
}

async fn read_clinic(txn: &DatabaseTransaction, hospital_id: i64) -> anyhow::Result<Clinic> {
    let (tz, now) = local_now(txn, hospital_id).await?;
    let departments: HashMap<i64, department::Model> = department::Entity::find()
        .filter(department::Column::HospitalId.eq(hospital_id))
        .filter(department::Column::IsActive.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let mut doctors = Vec::new();
    let mut rooms: HashMap<i64, usize> = HashMap::new();
    for d in doctor::Entity::find()
        .filter(doctor::Column::HospitalId.eq(hospital_id))
        .filter(doctor::Column::IsActive.eq(true))
        .order_by_asc(doctor::Column::Id)
        .all(txn)
        .await?
    {
        let Some(dept) = departments.get(&d.department_id) else {
            continue;
        };
        if NON_CLINICAL.contains(&dept.code.as_str()) {
            continue;
        }
        let room = rooms.entry(dept.id).or_default();
        *room += 1;
        let place = dept.location.as_deref().unwrap_or(&dept.name);
        let room_no: String = format!("{place}{room}诊室").chars().take(32).collect();
        let h = hash(&d.phone);
        doctors.push(Doctor {
            department_code: dept.code.clone(),
            room_no,
            afternoon_off: (h % 10 < 6).then(|| {
                [
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ][((h >> 8) % 5) as usize]
            }),
            saturday_parity: ((h >> 16) % 2) as u32,
            model: d,
        });
    }
    let patients = patient::Entity::find()
        .filter(patient::Column::HospitalId.eq(hospital_id))
        .filter(patient::Column::IsActive.eq(true))
        .order_by_asc(patient::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|p| Patient {
            id: p.id,
            dob: p.dob,
            female: p.gender == Gender::Female,
            insurance_type: p.insurance_type,
        })
        .collect();
    let items: Vec<charge_item::Model> = charge_item::Entity::find()
        .filter(charge_item::Column::HospitalId.eq(hospital_id))
        .filter(charge_item::Column::IsActive.eq(true))
        .order_by_asc(charge_item::Column::Id)
        .all(txn)
        .await?;
    let item_by_code = items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.item_code.clone(), i))
        .collect();
    let diagnoses = diagnosis::Entity::find()
        .filter(diagnosis::Column::HospitalId.eq(hospital_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|d| {
            let coded = CodedDiagnosis {
                diagnosis_id: d.id,
                code: d.code,
                name: d.name.clone(),
                primary: true,
            };
            (d.name, coded)
        })
        .collect();
    Ok(Clinic {
        tz,
        now,
        today: now.date(),
        doctors,
        patients,
        items,
        item_by_code,
        diagnoses,
    })
}

/// The half-days a doctor holds a clinic on `date`, with their capacities: mornings and afternoons on
/// weekdays but for one free afternoon of some doctors, every other Saturday morning, a rare day off, and
/// never on Sunday. The places of a day are split over its morning and afternoon.
fn clinic_hours(d: &Doctor, date: NaiveDate) -> Vec<(TimeSlot, i32)> {
    let per_day = d.model.available_slots_per_day.max(0);
    let morning = ((per_day + 1) / 2).max(MIN_CAPACITY);
    let afternoon = (per_day / 2).max(MIN_CAPACITY);
    if hash(&format!("{}:{date}", d.model.phone)) % 100 < 3 {
        return Vec::new();
    }
    match date.weekday() {
        Weekday::Sun => Vec::new(),
        Weekday::Sat if date.iso_week().week() % 2 == d.saturday_parity => {
            vec![(TimeSlot::Morning, morning)]
        }
        Weekday::Sat => Vec::new(),
        day if d.afternoon_off == Some(day) => vec![(TimeSlot::Morning, morning)],
        _ => vec![
            (TimeSlot::Morning, morning),
            (TimeSlot::Afternoon, afternoon),
        ],
    }
}

fn plan(clinic: &Clinic, rng: &mut Rng) -> Vec<Slot> {
    let mut slots = Vec::new();
    for offset in -PAST_DAYS..COMING_DAYS {
        let date = clinic.today + Duration::days(offset);
        for (di, d) in clinic.doctors.iter().enumerate() {
            for (slot, capacity) in clinic_hours(d, date) {
                let created_at = utc(clinic.tz, at(date - Duration::days(14), 9 * 60))
                    + Duration::minutes((hash(&d.model.phone) % 50) as i64);
                let mut s = Slot {
                    doctor: di,
                    date,
                    slot,
                    capacity,
                    created_at,
                    bookings: Vec::new(),
                };
                if offset < 0 {
                    past_bookings(clinic, rng, &mut s);
                } else if offset == 0 {
                    today_bookings(clinic, rng, &mut s);
                } else if (1..=BOOKED_AHEAD_DAYS).contains(&offset) {
                    coming_bookings(clinic, rng, &mut s, offset);
                }
                slots.push(s);
            }
        }
    }
    slots
}

/// `n` different patients who come to this department, in random order.
fn choose_patients(clinic: &Clinic, rng: &mut Rng, s: &Slot, fraction: f64) -> Vec<usize> {
    let (audience, _) = clinic::department(&clinic.doctors[s.doctor].department_code);
    let mut pool: Vec<usize> = (0..clinic.patients.len())
        .filter(|&i| clinic.patients[i].fits(audience, s.date))
        .collect();
    let wanted = (f64::from(s.capacity) * fraction).round() as usize;
    let n = wanted.min(pool.len());
    for i in 0..n {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

/// Queue numbers in booking order; the slot's counters follow from its bookings.
fn number(bookings: &mut [Booking]) {
    bookings.sort_by_key(|b| (b.created_at, b.patient));
    for (i, b) in bookings.iter_mut().enumerate() {
        b.queue_no = i as i32 + 1;
    }
}

fn past_bookings(clinic: &Clinic, rng: &mut Rng, s: &mut Slot) {
    let tz = clinic.tz;
    let (start, end) = s.slot.hours();
    let start_min = i64::from(start.num_seconds_from_midnight()) / 60;
    let end_min = i64::from(end.num_seconds_from_midnight()) / 60;
    let fraction = 0.30 + 0.60 * rng.unit();
    for patient in choose_patients(clinic, rng, s, fraction) {
        let booked_at = |rng: &mut Rng| {
            let day = s.date - Duration::days(rng.range(1, 7));
            utc(
                tz,
                at(day, rng.range(7 * 60, 22 * 60)) + Duration::seconds(rng.range(0, 59)),
            )
        };
        let roll = rng.below(100);
        let booking = if roll < 6 {
            let created_at = booked_at(rng);
            let slot_start = utc(tz, at(s.date, start_min));
            let window = (slot_start - created_at).num_seconds().max(60);
            Booking {
                patient,
                status: AppointmentStatus::Cancelled,
                walk_in: false,
                created_at,
                updated_at: created_at + Duration::seconds(rng.range(30, window - 30)),
                queue_no: 0,
                checked_in: None,
                visit: None,
            }
        } else if roll < 14 {
            Booking {
                patient,
                status: AppointmentStatus::NoShow,
                walk_in: false,
                created_at: booked_at(rng),
                updated_at: utc(tz, at(s.date, end_min + rng.range(1, 10))),
                queue_no: 0,
                checked_in: None,
                visit: None,
            }
        } else {
            let walk_in = rng.percent(15);
            // Arrivals over the slot, leaving time to be seen, billed and pay before it closes.
            let check_in = utc(tz, at(s.date, start_min))
                + Duration::seconds(rng.range(0, (end_min - start_min - 55) * 60));
            let visit = visit(clinic, rng, s, patient, check_in);
            Booking {
                patient,
                status: AppointmentStatus::Paid,
                walk_in,
                created_at: if walk_in { check_in } else { booked_at(rng) },
                updated_at: visit.paid_at,
                queue_no: 0,
                checked_in: None,
                visit: Some(visit),
            }
        };
        s.bookings.push(booking);
    }
    number(&mut s.bookings);
}

fn visit(
    clinic: &Clinic,
    rng: &mut Rng,
    s: &Slot,
    patient: usize,
    check_in: DateTime<Utc>,
) -> Visit {
    let p = &clinic.patients[patient];
    let (_, diagnoses) = clinic::department(&clinic.doctors[s.doctor].department_code);
    let age = age_on(p.dob, s.date);
    let fitting: Vec<&Diagnosis> = diagnoses.iter().filter(|d| d.min_age <= age).collect();
    let dx = pick_weighted(rng, &fitting).unwrap_or(&diagnoses[0]);
    let prescription = habit(clinic, &clinic.doctors[s.doctor], dx, rng.below(HABITS));
    let seen_at = check_in + Duration::seconds(rng.range(5 * 60, 30 * 60));
    let written_at = seen_at + Duration::seconds(rng.range(60, 8 * 60));
    let billed_at = written_at + Duration::seconds(rng.range(2 * 60, 10 * 60));
    let paid_at = billed_at + Duration::seconds(rng.range(30, 5 * 60));
    let method = payment_method(rng, p.insurance_type != InsuranceType::self_pay());
    let refund = rng.percent(3).then(|| {
        let on = s.date + Duration::days(rng.range(1, 2));
        (on < clinic.today).then(|| Refund {
            at: utc(clinic.tz, at(on, rng.range(8 * 60 + 30, 17 * 60))),
            on,
            reason: rng.pick::<&str>(REFUND_REASONS),
        })
    });
    Visit {
        check_in,
        diagnosis: dx.name,
        treatment: rng.pick::<&str>(dx.treatments),
        prescription,
        seen_at,
        written_at,
        billed_at,
        paid_at,
        paid_on: s.date,
        method,
        refund: refund.flatten(),
    }
}

/// One of a doctor's usual prescriptions for a diagnosis: doctors prescribe from a few habits, the same
/// from day to day (seeded by the doctor and the diagnosis, not the date). (catalogue index, units)
fn habit(clinic: &Clinic, d: &Doctor, dx: &Diagnosis, variant: u64) -> Vec<(usize, i64)> {
    let mut rng = Rng::new(hash(&format!("{}:{}:{variant}", d.model.phone, dx.name)));
    let mut prescription = Vec::new();
    for rx in dx.items {
        if prescription.len() >= MAX_ITEMS {
            break;
        }
        if rng.percent(rx.percent)
            && let Some(&item) = clinic.item_by_code.get(rx.code)
        {
            prescription.push((item, rng.range(rx.min, rx.max)));
        }
    }
    prescription
}

fn pick_weighted<'a>(rng: &mut Rng, xs: &[&'a Diagnosis]) -> Option<&'a Diagnosis> {
    let total: u64 = xs.iter().map(|d| u64::from(d.weight)).sum();
    let mut roll = rng.below(total);
    for d in xs {
        if roll < u64::from(d.weight) {
            return Some(d);
        }
        roll -= u64::from(d.weight);
    }
    None
}

fn payment_method(rng: &mut Rng, insured: bool) -> PaymentMethod {
    let table: &[(PaymentMethod, u64)] = if insured {
        &[
            (PaymentMethod::InsuranceCard, 35),
            (PaymentMethod::Wechat, 30),
            (PaymentMethod::Alipay, 20),
            (PaymentMethod::Card, 8),
            (PaymentMethod::Cash, 7),
        ]
    } else {
        &[
            (PaymentMethod::Wechat, 45),
            (PaymentMethod::Alipay, 30),
            (PaymentMethod::Card, 12),
            (PaymentMethod::Cash, 13),
        ]
    };
    let mut roll = rng.below(table.iter().map(|(_, w)| w).sum());
    for (method, w) in table {
        if roll < *w {
            return *method;
        }
        roll -= w;
    }
    PaymentMethod::Wechat
}

/// Today's bookings, made on the days before: once a slot has begun, most of its patients have checked in and
/// wait in the doctor's queue; the others are still to come (or, once it has ended, to be marked no-shows).
fn today_bookings(clinic: &Clinic, rng: &mut Rng, s: &mut Slot) {
    let (start, end) = s.slot.hours();
    let since = clinic.now.time().min(end) - start;
    let fraction = 0.35 + 0.3 * rng.unit();
    for patient in choose_patients(clinic, rng, s, fraction) {
        let day = clinic.today - Duration::days(rng.range(1, 3));
        let created_at = utc(clinic.tz, at(day, rng.range(7 * 60, 22 * 60)));
        let cancelled = rng.percent(5);
        let checked_in = (!cancelled && since.num_minutes() > 0 && rng.percent(70)).then(|| {
            let after = rng.range(0, since.num_minutes() - 1);
            utc(
                clinic.tz,
                clinic.today.and_time(start) + Duration::minutes(after),
            )
        });
        s.bookings.push(Booking {
            patient,
            status: match (cancelled, checked_in) {
                (true, _) => AppointmentStatus::Cancelled,
                (false, Some(_)) => AppointmentStatus::Completed,
                (false, None) => AppointmentStatus::Booked,
            },
            walk_in: false,
            created_at,
            updated_at: checked_in.unwrap_or(created_at),
            queue_no: 0,
            checked_in,
            visit: None,
        });
    }
    number(&mut s.bookings);
}

/// The first bookings of the coming days: fewer the further ahead, a few already cancelled; all made
/// before today.
fn coming_bookings(clinic: &Clinic, rng: &mut Rng, s: &mut Slot, days_ahead: i64) {
    let (lo, hi) = match days_ahead {
        1 => (0.20, 0.45),
        2 => (0.10, 0.35),
        _ => (0.0, 0.20),
    };
    let fraction = lo + (hi - lo) * rng.unit();
    let today_start = utc(clinic.tz, at(clinic.today, 0));
    for patient in choose_patients(clinic, rng, s, fraction) {
        let day = clinic.today - Duration::days(rng.range(1, 3));
        let created_at = utc(clinic.tz, at(day, rng.range(7 * 60, 22 * 60)));
        let cancelled = rng.percent(5);
        let updated_at = if cancelled {
            let window = (today_start - created_at).num_seconds().max(60);
            created_at + Duration::seconds(rng.range(30, window - 30))
        } else {
            created_at
        };
        s.bookings.push(Booking {
            patient,
            status: if cancelled {
                AppointmentStatus::Cancelled
            } else {
                AppointmentStatus::Booked
            },
            walk_in: false,
            created_at,
            updated_at,
            queue_no: 0,
            checked_in: None,
            visit: None,
        });
    }
    number(&mut s.bookings);
}

/// Inserts `rows` of `entity` a chunk at a time.
macro_rules! insert_chunked {
    ($entity:ty, $txn:expr, $rows:expr) => {{
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
            <$entity>::insert_many(chunk).exec($txn).await?;
        }
    }};
}

/// A bill ready to be saved: the draft's figures and lines, and when it was paid (and refunded).
struct Bill<'a> {
    record_id: i64,
    appointment_id: i64,
    doctor_id: i64,
    priced: Arc<Priced>,
    visit: &'a Visit,
}

/// What `billing::draft` made of a record: the bill's figures (ten-thousandths) and lines.
struct Priced {
    total: Amount,
    insurance: Amount,
    self_pay: Amount,
    policy_id: Option<i64>,
    lines: Vec<DraftLine>,
}

/// What a draft depends on besides the catalogue and the insurance policies: the doctor (title and
/// department), the patient's insurance type and the prescription.
type DraftInput<'a> = (i64, &'a str, &'a [(usize, i64)]);

async fn write(
    txn: &DatabaseTransaction,
    actor: &Actor,
    clinic: &Clinic,
    plan: &[Slot],
) -> anyhow::Result<Counts> {
    let hospital_id = actor.hospital_id;
    let mut counts = Counts::default();

    // Schedules.
    let rows = plan.iter().map(|s| {
        let held = s.bookings.iter().filter(|b| b.status.holds_place()).count() as i32;
        // Booking takes a place and cancelling gives it back; both touch the schedule.
        let last_change = s
            .bookings
            .iter()
            .map(|b| match b.status {
                AppointmentStatus::Cancelled => b.updated_at,
                _ => b.created_at,
            })
            .fold(s.created_at, DateTime::max);
        let d = &clinic.doctors[s.doctor];
        schedule::ActiveModel {
            hospital_id: Set(hospital_id),
            doctor_id: Set(d.model.id),
            department_id: Set(d.model.department_id),
            schedule_date: Set(s.date),
            time_slot: Set(s.slot),
            room_no: Set(d.room_no.clone()),
            capacity: Set(s.capacity),
            booked_count: Set(held),
            last_queue_no: Set(s.bookings.len() as i32),
            status: Set(ScheduleStatus::Open),
            created_at: Set(s.created_at),
            updated_at: Set(last_change),
            ..Default::default()
        }
    });
    insert_chunked!(schedule::Entity, txn, rows);
    counts.schedules = plan.len();
    let schedule_ids: HashMap<(i64, NaiveDate, TimeSlot), i64> = schedule::Entity::find()
        .filter(schedule::Column::HospitalId.eq(hospital_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| ((s.doctor_id, s.schedule_date, s.time_slot), s.id))
        .collect();
    let schedule_id = |s: &Slot| {
        schedule_ids
            .get(&(clinic.doctors[s.doctor].model.id, s.date, s.slot))
            .copied()
            .context("a generated schedule was not saved")
    };

    // Appointments.
    let mut rows = Vec::new();
    for s in plan {
        let schedule_id = schedule_id(s)?;
        let room_no = &clinic.doctors[s.doctor].room_no;
        for b in &s.bookings {
            rows.push(appointment::ActiveModel {
                hospital_id: Set(hospital_id),
                patient_id: Set(clinic.patients[b.patient].id),
                schedule_id: Set(schedule_id),
                queue_no: Set(b.queue_no),
                status: Set(b.status),
                check_in_time: Set(b.visit.as_ref().map(|v| v.check_in).or(b.checked_in)),
                assigned_room: Set(b
                    .visit
                    .as_ref()
                    .map(|v| v.check_in)
                    .or(b.checked_in)
                    .map(|_| room_no.clone())),
                is_walk_in: Set(b.walk_in),
                created_at: Set(b.created_at),
                updated_at: Set(b.updated_at),
                ..Default::default()
            });
        }
    }
    counts.appointments = rows.len();
    insert_chunked!(appointment::Entity, txn, rows);
    let appointment_ids: HashMap<(i64, i64), i64> = appointment::Entity::find()
        .select_only()
        .columns([
            appointment::Column::ScheduleId,
            appointment::Column::PatientId,
            appointment::Column::Id,
        ])
        .filter(appointment::Column::HospitalId.eq(hospital_id))
        .into_tuple::<(i64, i64, i64)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(schedule_id, patient_id, id)| ((schedule_id, patient_id), id))
        .collect();

    // Medical records of the visits.
    let mut visits = Vec::new();
    for s in plan {
        let schedule_id = schedule_id(s)?;
        for b in &s.bookings {
            if let Some(v) = &b.visit {
                let patient_id = clinic.patients[b.patient].id;
                let appointment_id = appointment_ids
                    .get(&(schedule_id, patient_id))
                    .copied()
                    .context("a generated appointment was not saved")?;
                visits.push((
                    appointment_id,
                    b.patient,
                    clinic.doctors[s.doctor].model.id,
                    v,
                ));
            }
        }
    }
    let rows = visits
        .iter()
        .map(|&(appointment_id, patient, doctor_id, v)| {
            let lines: Vec<PrescriptionLine> = v
                .prescription
                .iter()
                .map(|&(i, units)| PrescriptionLine {
                    charge_item_id: clinic.items[i].id,
                    item_code: clinic.items[i].item_code.clone(),
                    item_name: clinic.items[i].item_name.clone(),
                    quantity: units * 10_000,
                    usage: None,
                })
                .collect();
            let coded: Vec<&CodedDiagnosis> =
                clinic.diagnoses.get(v.diagnosis).into_iter().collect();
            Ok(medical_record::ActiveModel {
                hospital_id: Set(hospital_id),
                appointment_id: Set(appointment_id),
                doctor_id: Set(doctor_id),
                patient_id: Set(clinic.patients[patient].id),
                // A coded diagnosis stands alone; one outside the dictionary (a TCM syndrome) is free text.
                diagnosis: Set(coded.is_empty().then(|| v.diagnosis.to_owned())),
                diagnoses: Set(Some(serde_json::to_string(&coded)?)),
                treatment: Set(Some(v.treatment.to_owned())),
                prescription: Set(Some(serde_json::to_string(&lines)?)),
                visit_time: Set(Some(v.seen_at)),
                created_at: Set(v.check_in),
                updated_at: Set(v.written_at),
                ..Default::default()
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    // The records check-in opened for the patients waiting today, empty until the doctor writes them.
    let mut rows = rows;
    for s in plan {
        let schedule_id = schedule_id(s)?;
        for b in s.bookings.iter().filter(|b| b.visit.is_none()) {
            let Some(checked_in) = b.checked_in else {
                continue;
            };
            let patient_id = clinic.patients[b.patient].id;
            rows.push(medical_record::ActiveModel {
                hospital_id: Set(hospital_id),
                appointment_id: Set(appointment_ids
                    .get(&(schedule_id, patient_id))
                    .copied()
                    .context("a generated appointment was not saved")?),
                doctor_id: Set(clinic.doctors[s.doctor].model.id),
                patient_id: Set(patient_id),
                diagnosis: Set(None),
                diagnoses: Set(None),
                treatment: Set(None),
                prescription: Set(None),
                visit_time: Set(None),
                created_at: Set(checked_in),
                updated_at: Set(checked_in),
                ..Default::default()
            });
        }
    }
    counts.medical_records = rows.len();
    insert_chunked!(medical_record::Entity, txn, rows);
    let record_ids: HashMap<i64, i64> = medical_record::Entity::find()
        .select_only()
        .columns([
            medical_record::Column::AppointmentId,
            medical_record::Column::Id,
        ])
        .filter(medical_record::Column::HospitalId.eq(hospital_id))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();

    // Bills, priced by the product from the saved records.
    // A draft depends only on the doctor (title and department), the prescription and the patient's
    // insurance type, the catalogue and the policies being fixed here: records alike in those are priced
    // once, and the others get the very same figures and lines.
    let mut drafts: HashMap<DraftInput, Arc<Priced>> = HashMap::new();
    let mut bills = Vec::with_capacity(visits.len());
    for &(appointment_id, patient, doctor_id, v) in &visits {
        let record_id = record_ids
            .get(&appointment_id)
            .copied()
            .context("a generated medical record was not saved")?;
        let key = (
            doctor_id,
            clinic.patients[patient].insurance_type.as_str(),
            v.prescription.as_slice(),
        );
        let priced = match drafts.get(&key) {
            Some(priced) => Arc::clone(priced),
            None => {
                let draft = billing_service::draft(txn, actor, record_id).await?;
                let (insurance, self_pay) = rules::split(draft.total, draft.insurance)?;
                let priced = Arc::new(Priced {
                    total: draft.total,
                    insurance,
                    self_pay,
                    policy_id: draft.policy_id,
                    lines: draft.lines,
                });
                drafts.insert(key, Arc::clone(&priced));
                priced
            }
        };
        bills.push(Bill {
            record_id,
            appointment_id,
            doctor_id,
            priced,
            visit: v,
        });
    }
    // The front desk takes the payments (the administrator where there is none); refunds are the
    // administrator's.
    let cashier = app_user::Entity::find()
        .filter(app_user::Column::HospitalId.eq(hospital_id))
        .filter(app_user::Column::Role.eq(Role::FrontDesk))
        .order_by_asc(app_user::Column::Id)
        .one(txn)
        .await?
        .map_or(actor.user_id, |u| u.id);
    let rows = bills.iter().map(|b| {
        let v = b.visit;
        let status = if v.refund.is_some() {
            BillingStatus::Refunded
        } else {
            BillingStatus::Paid
        };
        billing::ActiveModel {
            hospital_id: Set(hospital_id),
            medical_record_id: Set(b.record_id),
            appointment_id: Set(b.appointment_id),
            total_amount: Set(b.priced.total),
            insurance_amount: Set(b.priced.insurance),
            self_pay_amount: Set(b.priced.self_pay),
            insurance_policy_id: Set(b.priced.policy_id),
            status: Set(status),
            payment_method: Set(Some(v.method)),
            paid_at: Set(Some(v.paid_at)),
            paid_on: Set(Some(v.paid_on)),
            refunded_at: Set(v.refund.as_ref().map(|r| r.at)),
            refunded_on: Set(v.refund.as_ref().map(|r| r.on)),
            refund_reason: Set(v.refund.as_ref().map(|r| r.reason.to_owned())),
            paid_by: Set(Some(cashier)),
            refunded_by: Set(v.refund.as_ref().map(|_| actor.user_id)),
            created_at: Set(v.billed_at),
            updated_at: Set(v.refund.as_ref().map_or(v.paid_at, |r| r.at)),
            ..Default::default()
        }
    });
    insert_chunked!(billing::Entity, txn, rows);
    counts.billings = bills.len();
    let billing_ids: HashMap<i64, i64> = billing::Entity::find()
        .select_only()
        .columns([billing::Column::MedicalRecordId, billing::Column::Id])
        .filter(billing::Column::HospitalId.eq(hospital_id))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let billing_id = |b: &Bill| {
        billing_ids
            .get(&b.record_id)
            .copied()
            .context("a generated bill was not saved")
    };

    // Their lines, as `billing::create` writes them.
    let mut rows = Vec::new();
    for b in &bills {
        let billing_id = billing_id(b)?;
        rows.extend(
            b.priced
                .lines
                .iter()
                .map(|l| billing_service::line_row(l, billing_id)),
        );
    }
    insert_chunked!(billing_line::Entity, txn, rows);
    let mut lines: HashMap<i64, Vec<billing_line::Model>> = HashMap::new();
    for l in billing_line::Entity::find()
        .filter(
            billing_line::Column::BillingId.in_subquery(
                Query::select()
                    .column(billing::Column::Id)
                    .from(billing::Entity)
                    .and_where(billing::Column::HospitalId.eq(hospital_id))
                    .to_owned(),
            ),
        )
        .order_by_asc(billing_line::Column::BillingId)
        .order_by_asc(billing_line::Column::Sort)
        .all(txn)
        .await?
    {
        lines.entry(l.billing_id).or_default().push(l);
    }

    // The income, and its reversal for the refunded ones: the rows `billing::charge_rows` makes at payment
    // and their `billing::reversal` at refund, inserted in bulk (one bill at a time would make the load several times slower).
    let codes = billing_service::department_codes(txn, hospital_id).await?;
    let prescribing: HashMap<i64, i64> = clinic
        .doctors
        .iter()
        .map(|d| (d.model.id, d.model.department_id))
        .collect();
    let mut rows = Vec::new();
    for b in &bills {
        let billing_id = billing_id(b)?;
        let v = b.visit;
        let department_id = *prescribing
            .get(&b.doctor_id)
            .context("the doctor of a generated bill")?;
        let bill_lines = lines
            .get(&billing_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let payment = Payment {
            hospital_id,
            billing_id,
            lines: bill_lines,
            department_id,
            at: v.paid_at,
            period: Period::of(v.paid_on),
        };
        let paid = billing_service::charge_rows(&payment, &codes)?;
        let reversed: Vec<_> = match &v.refund {
            Some(r) => {
                counts.refunded_billings += 1;
                paid.iter()
                    .map(|row| billing_service::reversal(row, r.at, Period::of(r.on)))
                    .collect()
            }
            None => Vec::new(),
        };
        rows.extend(paid);
        rows.extend(reversed);
    }
    let now = chrono::Utc::now();
    crate::services::accounting::charge_totals::add_rows(txn, &rows).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .map(|r| billing_service::unsaved(r, now))
        .collect();
    counts.charge_details += rows.len();
    insert_chunked!(charge_detail::Entity, txn, rows);
    Ok(counts)
}
