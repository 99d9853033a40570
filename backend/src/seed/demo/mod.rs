//! The demo data set (`seeds/demo/*.csv`, compiled in): two hospitals with departments, doctors, patients,
//! the catalogue, insurance ratios and the demo logins; then, generated (`visits`), their schedules for the
//! coming two weeks and a month of past visits with records, bills, refunds and income. Loaded only into an
//! empty database, in one transaction.
mod accounting;
mod clinic;
mod model;
mod visits;

use crate::{
    auth::password,
    db::begin_write,
    domain::{
        foundation::document::Document,
        foundation::money::Amount,
        foundation::phone::MobilePhone,
        foundation::vocab::{
            DoctorTitle, DocumentType, Gender, GuardianRelation, InsuranceType, ItemCategory,
        },
    },
    entities::{
        foundation::charge_item, foundation::department, foundation::diagnosis, foundation::doctor,
        foundation::hospital, foundation::insurance_type, foundation::patient,
        outpatient::booking_rule,
    },
    services::foundation::{
        hospitals,
        insurance_policies::{self, PolicyInput},
        users,
    },
};
use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use serde::{Deserialize, de::DeserializeOwned};
use std::collections::HashMap;

/// The password of every demo login. Public knowledge: it exists only in a database seeded for the demo.
pub const DEMO_PASSWORD: &str = "demo-pass-2026";

pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("admin", "ADMIN, hospital H001"),
    ("frontdesk", "FRONT_DESK, hospital H001"),
    ("doctor", "DOCTOR, hospital H001"),
    ("analyst", "ANALYST, hospital H001"),
    ("admin2", "ADMIN, hospital H002"),
];

#[derive(Deserialize)]
struct HospitalRow {
    code: String,
    name: String,
}
/// A hospital's own insurance type, beside the national ones every hospital has.
#[derive(Deserialize)]
struct InsuranceTypeRow {
    hospital_code: String,
    code: String,
    name: String,
}

/// A hospital's booking rules: release days and time, cutoff, bookings per patient, no-shows, waitlist.
#[derive(Deserialize)]
struct BookingRuleRow {
    hospital_code: String,
    open_days_ahead: Option<i32>,
    release_time: String,
    cutoff_days_before: Option<i32>,
    cutoff_time: Option<String>,
    max_active_bookings: Option<i32>,
    no_show_limit: Option<i32>,
    no_show_window_days: Option<i32>,
    no_show_ban_days: Option<i32>,
    waitlist_limit: i32,
}

/// `HH:MM` as minutes after midnight.
fn minute_of_day(field: &str, raw: &str) -> anyhow::Result<i32> {
    let t = chrono::NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|e| anyhow::anyhow!("{field} {raw:?}: {e}"))?;
    Ok(i32::try_from(
        chrono::Timelike::num_seconds_from_midnight(&t) / 60,
    )?)
}

#[derive(Deserialize)]
struct DepartmentRow {
    hospital_code: String,
    code: String,
    name: String,
    location: Option<String>,
}
#[derive(Deserialize)]
struct DoctorRow {
    hospital_code: String,
    department_code: String,
    name: String,
    title: String,
    phone: String,
    available_slots_per_day: i32,
    username: Option<String>,
}
#[derive(Deserialize)]
struct DiagnosisRow {
    code: String,
    name: String,
}
#[derive(Deserialize)]
struct PatientRow {
    hospital_code: String,
    name: String,
    document_type: String,
    document_no: Option<String>,
    phone: String,
    dob: NaiveDate,
    gender: String,
    insurance_type: String,
    address: Option<String>,
    guardian_name: Option<String>,
    guardian_relation: Option<String>,
    guardian_phone: Option<String>,
}
#[derive(Deserialize)]
struct ItemRow {
    hospital_code: String,
    item_code: String,
    item_name: String,
    item_category: String,
    unit: Option<String>,
    unit_price: Decimal,
    executing_department_code: Option<String>,
}
#[derive(Deserialize)]
struct UserRow {
    hospital_code: String,
    username: String,
    display_name: String,
    role: String,
}
#[derive(Deserialize)]
struct PolicyRow {
    hospital_code: String,
    insurance_type: String,
    effective_from: NaiveDate,
    ratio: Decimal,
    /// `CATEGORY:ratio` pairs, `;` between them.
    category_ratios: String,
    deductible: Option<Decimal>,
    visit_cap: Option<Decimal>,
}

impl PolicyRow {
    fn input(&self) -> anyhow::Result<PolicyInput> {
        let amount = |what: &str, v: Decimal| {
            Amount::non_negative(v).map_err(|e| anyhow::anyhow!("{what} {v}: {e}"))
        };
        let mut categories = Vec::new();
        for pair in self.category_ratios.split(';').filter(|p| !p.is_empty()) {
            let (category, ratio) = pair
                .split_once(':')
                .with_context(|| format!("category ratio {pair:?}"))?;
            let ratio: Decimal = ratio.parse().with_context(|| format!("ratio {ratio:?}"))?;
            categories.push((
                parse::<ItemCategory>("item_category", category)?,
                amount("ratio", ratio)?,
            ));
        }
        Ok(PolicyInput {
            insurance_type: parse::<InsuranceType>("insurance_type", &self.insurance_type)?,
            effective_from: self.effective_from,
            ratio: amount("ratio", self.ratio)?,
            categories,
            deductible: self
                .deductible
                .map(|d| amount("deductible", d))
                .transpose()?,
            visit_cap: self.visit_cap.map(|c| amount("visit_cap", c)).transpose()?,
        })
    }
}

fn rows<T: DeserializeOwned>(name: &str, text: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("seeds/demo/{name} row {}", i + 2)))
        .collect()
}

fn parse<T: std::str::FromStr>(what: &str, raw: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    raw.parse()
        .map_err(|e| anyhow::anyhow!("{what} {raw:?}: {e}"))
}

#[derive(Debug, Default)]
pub struct DemoSummary {
    pub hospitals: usize,
    pub departments: usize,
    pub doctors: usize,
    pub patients: usize,
    pub charge_items: usize,
    pub diagnoses: usize,
    pub users: usize,
    pub schedules: usize,
    pub appointments: usize,
    pub medical_records: usize,
    /// Paid bills, the refunded ones included.
    pub billings: usize,
    pub refunded_billings: usize,
    pub charge_details: usize,
    /// The accounting model: one active version per hospital.
    pub model_versions: usize,
    pub dimension_nodes: usize,
    pub item_mappings: usize,
    pub orientation_rules: usize,
    /// Monthly inputs and the calculations queued for the runner.
    pub workload_records: u64,
    pub cost_records: u64,
    pub orientation_values: u64,
    pub calculation_tasks: u64,
}

pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(hospital::Entity::find().count(db).await? == 0)
}

/// Loads the demo data set. `timezone` (an IANA name) overrides the hospitals' Asia/Shanghai: browser tests
/// choose one where the morning slot of "today" is still open, whatever the hour.
pub async fn load(db: &DatabaseConnection, timezone: Option<&str>) -> anyhow::Result<DemoSummary> {
    let timezone = match timezone {
        Some(tz) => {
            tz.parse::<chrono_tz::Tz>()
                .map_err(|e| anyhow::anyhow!("time zone {tz:?}: {e}"))?;
            tz
        }
        None => "Asia/Shanghai",
    };
    if !is_empty(db).await? {
        bail!(
            "the database already has data; the demo data set is loaded only into an empty database"
        );
    }
    let now = Utc::now();
    let mut summary = DemoSummary::default();
    let password_hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let txn = begin_write(db).await?;

    let mut hospitals = HashMap::new();
    for h in rows::<HospitalRow>(
        "hospitals.csv",
        include_str!("../../../../seeds/demo/hospitals.csv"),
    )? {
        let saved = hospitals::create(&txn, h.code.clone(), h.name, timezone).await?;
        hospitals.insert(h.code, saved.id);
    }
    summary.hospitals = hospitals.len();
    let hospital = |code: &str| {
        hospitals
            .get(code)
            .copied()
            .with_context(|| format!("unknown hospital {code}"))
    };

    for t in rows::<InsuranceTypeRow>(
        "insurance_types.csv",
        include_str!("../../../../seeds/demo/insurance_types.csv"),
    )? {
        insurance_type::ActiveModel {
            hospital_id: Set(hospital(&t.hospital_code)?),
            code: Set(parse::<InsuranceType>("code", &t.code)?),
            name: Set(t.name),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    for r in rows::<BookingRuleRow>(
        "booking_rules.csv",
        include_str!("../../../../seeds/demo/booking_rules.csv"),
    )? {
        booking_rule::ActiveModel {
            hospital_id: Set(hospital(&r.hospital_code)?),
            open_days_ahead: Set(r.open_days_ahead),
            release_minute: Set(minute_of_day("release_time", &r.release_time)?),
            cutoff_days_before: Set(r.cutoff_days_before),
            cutoff_minute: Set(match r.cutoff_time.as_deref().filter(|t| !t.is_empty()) {
                Some(t) => Some(minute_of_day("cutoff_time", t)?),
                None => None,
            }),
            max_active_bookings: Set(r.max_active_bookings),
            no_show_limit: Set(r.no_show_limit),
            no_show_window_days: Set(r.no_show_window_days),
            no_show_ban_days: Set(r.no_show_ban_days),
            waitlist_limit: Set(r.waitlist_limit),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }

    let mut departments = HashMap::new();
    for d in rows::<DepartmentRow>(
        "departments.csv",
        include_str!("../../../../seeds/demo/departments.csv"),
    )? {
        let hospital_id = hospital(&d.hospital_code)?;
        let saved = department::ActiveModel {
            hospital_id: Set(hospital_id),
            code: Set(d.code.clone()),
            name: Set(d.name),
            location: Set(d.location.filter(|l| !l.is_empty())),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        departments.insert((d.hospital_code, d.code), saved.id);
    }
    summary.departments = departments.len();
    let department = |h: &str, code: &str| {
        departments
            .get(&(h.to_owned(), code.to_owned()))
            .copied()
            .with_context(|| format!("unknown department {h}/{code}"))
    };

    let mut users = HashMap::new();
    for u in rows::<UserRow>(
        "users.csv",
        include_str!("../../../../seeds/demo/users.csv"),
    )? {
        let account = users::NewUser {
            username: u.username.clone(),
            display_name: u.display_name,
            role: parse("role", &u.role)?,
            // The hash is given: every demo login has the demo password.
            password: String::new(),
        };
        let saved = users::insert(
            &txn,
            hospital(&u.hospital_code)?,
            account,
            password_hash.clone(),
        )
        .await?;
        users.insert(u.username, saved.id);
    }
    summary.users = users.len();

    let mut doctors = Vec::new();
    for d in rows::<DoctorRow>(
        "doctors.csv",
        include_str!("../../../../seeds/demo/doctors.csv"),
    )? {
        let title: DoctorTitle = parse("title", &d.title)?;
        let phone =
            MobilePhone::parse(&d.phone).map_err(|e| anyhow::anyhow!("doctor {}: {e}", d.name))?;
        let user_id = match d.username.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => Some(
                users
                    .get(u)
                    .copied()
                    .with_context(|| format!("unknown user {u}"))?,
            ),
            None => None,
        };
        doctors.push(doctor::ActiveModel {
            hospital_id: Set(hospital(&d.hospital_code)?),
            department_id: Set(department(&d.hospital_code, &d.department_code)?),
            user_id: Set(user_id),
            name: Set(d.name),
            title: Set(title),
            phone: Set(phone.to_string()),
            available_slots_per_day: Set(d.available_slots_per_day),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    summary.doctors = doctors.len();
    doctor::Entity::insert_many(doctors).exec(&txn).await?;

    let mut patients = Vec::new();
    for p in rows::<PatientRow>(
        "patients.csv",
        include_str!("../../../../seeds/demo/patients.csv"),
    )? {
        let invalid = |e: &dyn std::fmt::Display| anyhow::anyhow!("patient {}: {e}", p.name);
        let document = Document::parse(
            parse::<DocumentType>("document_type", &p.document_type)?,
            p.document_no.as_deref(),
        )
        .map_err(|e| invalid(&e))?;
        let phone = MobilePhone::parse(&p.phone).map_err(|e| invalid(&e))?;
        let guardian_phone = match p.guardian_phone.as_deref().filter(|g| !g.is_empty()) {
            Some(g) => Some(MobilePhone::parse(g).map_err(|e| invalid(&e))?.to_string()),
            None => None,
        };
        let guardian_relation = match p.guardian_relation.as_deref().filter(|g| !g.is_empty()) {
            Some(r) => Some(parse::<GuardianRelation>("guardian_relation", r)?),
            None => None,
        };
        patients.push(patient::ActiveModel {
            hospital_id: Set(hospital(&p.hospital_code)?),
            name: Set(p.name),
            document_type: Set(document.kind()),
            document_no: Set(document.number().map(str::to_owned)),
            guardian_name: Set(p.guardian_name.filter(|g| !g.is_empty())),
            guardian_relation: Set(guardian_relation),
            guardian_phone: Set(guardian_phone),
            phone: Set(phone.to_string()),
            dob: Set(p.dob),
            gender: Set(parse::<Gender>("gender", &p.gender)?),
            insurance_type: Set(parse::<InsuranceType>("insurance_type", &p.insurance_type)?),
            address: Set(p.address.filter(|a| !a.is_empty())),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    summary.patients = patients.len();
    for chunk in patients.chunks(100) {
        patient::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }

    let mut items = Vec::new();
    for i in rows::<ItemRow>(
        "charge_items.csv",
        include_str!("../../../../seeds/demo/charge_items.csv"),
    )? {
        let executing = match i
            .executing_department_code
            .as_deref()
            .filter(|c| !c.is_empty())
        {
            Some(code) => Some(department(&i.hospital_code, code)?),
            None => None,
        };
        let price = Amount::non_negative(i.unit_price)
            .map_err(|e| anyhow::anyhow!("item {}: price {e}", i.item_code))?;
        items.push(charge_item::ActiveModel {
            hospital_id: Set(hospital(&i.hospital_code)?),
            item_code: Set(i.item_code),
            item_name: Set(i.item_name),
            item_category: Set(parse::<ItemCategory>("item_category", &i.item_category)?),
            unit: Set(i.unit.filter(|u| !u.is_empty())),
            unit_price: Set(price),
            executing_department_id: Set(executing),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    summary.charge_items = items.len();
    for chunk in items.chunks(100) {
        charge_item::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }

    // The same common outpatient diagnoses (ICD-10) in each hospital's dictionary.
    let dictionary = rows::<DiagnosisRow>(
        "diagnoses.csv",
        include_str!("../../../../seeds/demo/diagnoses.csv"),
    )?;
    for &hospital_id in hospitals.values() {
        let entries: Vec<diagnosis::ActiveModel> = dictionary
            .iter()
            .map(|d| diagnosis::ActiveModel {
                hospital_id: Set(hospital_id),
                code: Set(d.code.clone()),
                name: Set(d.name.clone()),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        summary.diagnoses += entries.len();
        diagnosis::Entity::insert_many(entries).exec(&txn).await?;
    }

    for p in rows::<PolicyRow>(
        "insurance_policies.csv",
        include_str!("../../../../seeds/demo/insurance_policies.csv"),
    )? {
        insurance_policies::insert(&txn, hospital(&p.hospital_code)?, &p.input()?).await?;
    }

    let model = model::load(&txn, &hospitals, now).await?;
    summary.model_versions = model.model_versions;
    summary.dimension_nodes = model.dimension_nodes;
    summary.item_mappings = model.item_mappings;
    summary.orientation_rules = model.orientation_rules;

    let mut codes: Vec<(&String, &i64)> = hospitals.iter().collect();
    codes.sort();
    let mut activity = visits::Counts::default();
    for (code, id) in codes {
        activity.add(visits::generate(&txn, *id, code).await?);
    }
    summary.schedules = activity.schedules;
    summary.appointments = activity.appointments;
    summary.medical_records = activity.medical_records;
    summary.billings = activity.billings;
    summary.refunded_billings = activity.refunded_billings;
    summary.charge_details = activity.charge_details;
    let mut ids: Vec<i64> = hospitals.values().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let inputs = accounting::load(&txn, id, now).await?;
        summary.workload_records += inputs.workload_records;
        summary.cost_records += inputs.cost_records;
        summary.orientation_values += inputs.orientation_values;
        summary.calculation_tasks += inputs.calculation_tasks;
    }
    txn.commit().await?;
    Ok(summary)
}
