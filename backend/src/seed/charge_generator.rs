//! Realistic, deterministic charge lines for tests and benchmarks (`hospital seed --charges N`), drawn from
//! a hospital's departments and catalogue: the same seed, catalogue and period give the same lines.
//!
//! Row `n` depends only on (seed, period, n), never on the rows before it. About 70 % outpatient and 30 % inpatient;
//! lab, imaging and drugs executed by the department the catalogue names (LAB, RAD/ULS, PHA), never the
//! prescriber; about 3 % refunds (a negative copy of an earlier line, with a line id of its own); and, as real
//! HIS data has them, about 0.1 % of lines with a department code that matches no department and 0.1 % with
//! an item that is not in the catalogue.
use crate::seed::random::{Rng, mix};
use crate::services::{accounting::charge_import, accounting::imports, foundation::audit};
use crate::{
    domain::{
        accounting::charge_line::{BusinessType, COLUMNS, ChargeLine},
        foundation::money::Amount,
        foundation::period::Period,
    },
    entities::{foundation::charge_item, foundation::department, foundation::hospital},
    error::{AppError, ErrorCode},
};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One catalogue item as the generator uses it.
#[derive(Debug, Clone)]
pub struct CatalogueItem {
    pub code: String,
    pub name: String,
    pub category: String,
    /// Ten-thousandths of a yuan.
    pub unit_price: i64,
    /// The executing department's code; none means the prescriber performs it.
    pub executing: Option<String>,
}

/// What the lines are drawn from, in code order so that the database's row order does not matter.
#[derive(Debug, Clone)]
pub struct Catalogue {
    prescribers: Vec<String>,
    by_category: BTreeMap<String, Vec<CatalogueItem>>,
    items: Vec<CatalogueItem>,
}

/// Categories whose executing departments are service departments (lab, imaging, pharmacy, nursing), not
/// prescribers.
const SERVICE_CATEGORIES: &[&str] = &["LAB", "IMAGING", "DRUG", "NURSING"];

/// Relative frequency of each category in outpatient and inpatient lines.
const OUTPATIENT_MIX: &[(&str, u64)] = &[
    ("REGISTRATION", 10),
    ("CONSULTATION", 8),
    ("DRUG", 30),
    ("LAB", 18),
    ("IMAGING", 7),
    ("EXAM", 5),
    ("TREATMENT", 8),
    ("MATERIAL", 4),
    ("NURSING", 4),
    ("SURGERY", 1),
    ("OTHER", 2),
];
const INPATIENT_MIX: &[(&str, u64)] = &[
    ("DRUG", 35),
    ("LAB", 15),
    ("IMAGING", 6),
    ("EXAM", 3),
    ("TREATMENT", 12),
    ("MATERIAL", 8),
    ("NURSING", 14),
    ("SURGERY", 4),
    ("OTHER", 3),
];

impl Catalogue {
    pub fn new(departments: Vec<String>, mut items: Vec<CatalogueItem>) -> Result<Self, AppError> {
        if departments.is_empty() || items.is_empty() {
            return Err(AppError::Conflict {
                code: ErrorCode::CatalogueIncomplete,
                message: "generating charges needs the hospital's departments and catalogue".into(),
            });
        }
        items.sort_by(|a, b| a.code.cmp(&b.code));
        let service: HashSet<&str> = items
            .iter()
            .filter(|i| SERVICE_CATEGORIES.contains(&i.category.as_str()))
            .filter_map(|i| i.executing.as_deref())
            .collect();
        let mut prescribers: Vec<String> = departments
            .iter()
            .filter(|d| !service.contains(d.as_str()))
            .cloned()
            .collect();
        if prescribers.is_empty() {
            prescribers = departments;
        }
        prescribers.sort();
        let mut by_category: BTreeMap<String, Vec<CatalogueItem>> = BTreeMap::new();
        for item in &items {
            by_category
                .entry(item.category.clone())
                .or_default()
                .push(item.clone());
        }
        Ok(Self {
            prescribers,
            by_category,
            items,
        })
    }

    /// The hospital's departments and active catalogue items.
    pub async fn load(db: &DatabaseConnection, hospital_id: i64) -> Result<Self, AppError> {
        let departments = department::Entity::find()
            .filter(department::Column::HospitalId.eq(hospital_id))
            .all(db)
            .await?;
        let codes: HashMap<i64, String> =
            departments.iter().map(|d| (d.id, d.code.clone())).collect();
        let items = charge_item::Entity::find()
            .filter(charge_item::Column::HospitalId.eq(hospital_id))
            .filter(charge_item::Column::IsActive.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|i| CatalogueItem {
                executing: i
                    .executing_department_id
                    .and_then(|d| codes.get(&d).cloned()),
                code: i.item_code,
                name: i.item_name,
                category: i.item_category.as_str().to_owned(),
                unit_price: i.unit_price.scaled(),
            })
            .collect();
        Self::new(departments.into_iter().map(|d| d.code).collect(), items)
    }

    pub fn prescribers(&self) -> &[String] {
        &self.prescribers
    }
}

pub struct Generator {
    catalogue: Catalogue,
    period: Period,
    tz: Tz,
    seed: u64,
    /// The seed mixed with the period: each row's random stream.
    stream: u64,
    /// The first instant after the period (UTC), so refunds stay inside it.
    period_end: DateTime<Utc>,
    outpatient: Vec<(String, u64)>,
    inpatient: Vec<(String, u64)>,
}

/// Per ten thousand lines: refunds, unknown department codes, items not in the catalogue.
const REFUNDS: u64 = 300;
const UNKNOWN_DEPARTMENTS: u64 = 10;
const UNKNOWN_ITEMS: u64 = 10;

impl Generator {
    pub fn new(catalogue: Catalogue, period: Period, tz: Tz, seed: u64) -> Self {
        let mix_of = |mix: &[(&str, u64)]| -> Vec<(String, u64)> {
            mix.iter()
                .filter(|(c, _)| catalogue.by_category.contains_key(*c))
                .map(|(c, w)| ((*c).to_owned(), *w))
                .collect()
        };
        let (outpatient, inpatient) = (mix_of(OUTPATIENT_MIX), mix_of(INPATIENT_MIX));
        let next = if period.month() == 12 {
            Period::new(period.year() + 1, 1)
        } else {
            Period::new(period.year(), period.month() + 1)
        };
        let period_end = local_to_utc(
            tz,
            next.map(Period::first_day)
                .unwrap_or(chrono::NaiveDate::MAX)
                .and_time(NaiveTime::MIN),
        );
        Self {
            catalogue,
            period,
            tz,
            seed,
            stream: mix(seed ^ mix((period.year() as u64) * 12 + u64::from(period.month()))),
            period_end,
            outpatient,
            inpatient,
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// Line `n` (0-based); its source_line_id is `GEN-<seed>-<YYYYMM>-<n + 1>`. The period is part of the
    /// id and of the stream, so that months generated with one seed are different lines, not repeats that
    /// an import would skip.
    pub fn line(&self, n: u64) -> ChargeLine {
        let mut rng = Rng::for_row(self.stream, n);
        let mut line = if n > 0 && rng.below(10_000) < REFUNDS {
            // A refund reverses one of the few thousand lines before it, a little later.
            let original = n - 1 - rng.below(n.min(5_000));
            let charge = self.charge(original, &mut Rng::for_row(self.stream, original));
            let later = charge.charged_at + Duration::minutes(rng.range(10, 72 * 60));
            ChargeLine {
                quantity: Amount::from_scaled(-charge.quantity.scaled()),
                amount: Amount::from_scaled(-charge.amount.scaled()),
                charged_at: later.min(self.period_end - Duration::seconds(1)),
                ..charge
            }
        } else {
            self.charge(n, &mut rng)
        };
        line.source_line_id = self.source_line_id(n);
        line
    }

    fn source_line_id(&self, n: u64) -> String {
        format!(
            "GEN-{}-{:04}{:02}-{}",
            self.seed,
            self.period.year(),
            self.period.month(),
            n + 1
        )
    }

    fn weighted<'a>(rng: &mut Rng, mix: &'a [(String, u64)]) -> Option<&'a str> {
        let total: u64 = mix.iter().map(|(_, w)| w).sum();
        let mut roll = rng.below(total);
        for (c, w) in mix {
            if roll < *w {
                return Some(c);
            }
            roll -= w;
        }
        None
    }

    fn charge(&self, n: u64, rng: &mut Rng) -> ChargeLine {
        let inpatient = rng.below(100) < 30;
        let business_type = if inpatient {
            BusinessType::Inpatient
        } else {
            BusinessType::Outpatient
        };
        let mix = if inpatient {
            &self.inpatient
        } else {
            &self.outpatient
        };
        let items = Self::weighted(rng, mix)
            .and_then(|c| self.catalogue.by_category.get(c))
            .map(Vec::as_slice)
            .unwrap_or(&self.catalogue.items);
        let item = rng.pick(items).clone();
        let mut prescriber = rng.pick(&self.catalogue.prescribers).clone();
        // A procedure performed by a clinical department is mostly ordered there too.
        if let Some(exec) = &item.executing
            && self.catalogue.prescribers.contains(exec)
            && rng.below(100) < 80
        {
            prescriber = exec.clone();
        }
        let mut executing = item.executing.clone().unwrap_or_else(|| prescriber.clone());
        let units = match (item.category.as_str(), inpatient) {
            ("DRUG", false) => rng.range(1, 3),
            ("DRUG", true) => rng.range(1, 10),
            ("NURSING", true) => rng.range(1, 7),
            ("MATERIAL", _) => rng.range(1, 4),
            ("TREATMENT", _) => rng.range(1, 3),
            _ => 1,
        };
        let (mut item_code, mut item_name, mut category, mut unit_price) =
            (item.code, item.name, Some(item.category), item.unit_price);
        let anomaly = rng.below(10_000);
        if anomaly < UNKNOWN_DEPARTMENTS {
            let unknown = format!("HIS-{:02}", rng.below(100));
            if rng.below(2) == 0 {
                prescriber = unknown;
            } else {
                executing = unknown;
            }
        } else if anomaly < UNKNOWN_DEPARTMENTS + UNKNOWN_ITEMS {
            let k = rng.below(50);
            item_code = format!("EXT-{k:03}");
            item_name = format!("院外项目{k:03}");
            category = Some("OTHER".into());
            unit_price = rng.range(5, 500) * 10_000;
        }
        let amount = unit_price * units;
        ChargeLine {
            source_line_id: self.source_line_id(n),
            business_type,
            prescribing_dept_code: prescriber,
            executing_dept_code: executing,
            item_code,
            item_name,
            item_category: category,
            quantity: Amount::from_scaled(units * 10_000),
            amount: Amount::from_scaled(amount),
            charged_at: self.charged_at(rng, inpatient),
            period: self.period,
        }
    }

    /// A time in the period: outpatient lines mostly in clinic hours, inpatient lines around the clock.
    fn charged_at(&self, rng: &mut Rng, inpatient: bool) -> DateTime<Utc> {
        let day = self.period.first_day()
            + Duration::days(rng.below(u64::from(self.period.days())) as i64);
        let minute = if inpatient {
            rng.range(0, 24 * 60 - 1)
        } else if rng.below(100) < 90 {
            rng.range(7 * 60 + 30, 17 * 60 + 29)
        } else {
            rng.range(17 * 60 + 30, 21 * 60 + 59)
        };
        let local =
            day.and_time(NaiveTime::MIN) + Duration::seconds(minute * 60 + rng.range(0, 59));
        local_to_utc(self.tz, local).min(self.period_end - Duration::seconds(1))
    }
}

/// A local time that does not exist (a spring-forward gap) moves an hour on.
fn local_to_utc(tz: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// The generator for a hospital's departments and catalogue, in its time zone.
pub async fn for_hospital(
    db: &DatabaseConnection,
    hospital_id: i64,
    period: Period,
    seed: u64,
) -> Result<Generator, AppError> {
    let hospital = hospital::Entity::find_by_id(hospital_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("hospital"))?;
    let tz = hospital
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    Ok(Generator::new(
        Catalogue::load(db, hospital_id).await?,
        period,
        tz,
        seed,
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedSummary {
    pub rows: u64,
    pub inserted: u64,
    pub already_present: u64,
}

/// Inserts lines 0 .. count through the import's batched insert, idempotent by source_line_id, as a charge
/// import of its own: committed a chunk at a time (the front desk's writes interleave on SQLite) and counted
/// by readers only once all are written.
pub async fn insert(
    db: &DatabaseConnection,
    hospital_id: i64,
    generator: &Generator,
    count: u64,
    progress: &dyn imports::Progress,
) -> Result<SeedSummary, AppError> {
    let pending = charge_import::open(db, hospital_id).await?;
    match write(db, pending, generator, count, progress).await {
        Ok(inserted) => {
            let summary = SeedSummary {
                rows: count,
                inserted,
                already_present: count - inserted,
            };
            let entry = audit::Entry {
                hospital_id: Some(hospital_id),
                actor_user_id: None,
                actor_username: Some("command line".into()),
                action: "SEED_CHARGES",
                resource_type: Some("charge_details"),
                resource_id: Some(format!("GEN-{}", generator.seed)),
                outcome: audit::Outcome::Success,
                client_ip: None,
                detail: Some(serde_json::json!({
                    "period": generator.period.to_string(),
                    "rows": summary.rows,
                    "inserted": summary.inserted,
                })),
            };
            let completed = pending
                .complete(db, async |txn| {
                    audit::record(txn, entry).await?;
                    Ok(())
                })
                .await;
            match completed {
                Ok(()) => Ok(summary),
                Err(e) => Err(imports::discard_after(db, pending, e).await),
            }
        }
        Err(e) => Err(imports::discard_after(db, pending, e).await),
    }
}

async fn write(
    db: &DatabaseConnection,
    pending: charge_import::Pending,
    generator: &Generator,
    count: u64,
    progress: &dyn imports::Progress,
) -> Result<u64, AppError> {
    let batch = imports::charge_rows_per_statement(db.get_database_backend());
    let batches_per_txn = charge_import::ROWS_PER_TRANSACTION.div_ceil(batch).max(1);
    let now = Utc::now();
    let mut next = 0;
    let mut inserted = 0;
    while next < count {
        let txn = pending.begin_chunk(db).await?;
        let opened = std::time::Instant::now();
        for _ in 0..batches_per_txn {
            if next >= count || opened.elapsed() >= charge_import::CHUNK_TIME {
                break;
            }
            let end = (next + batch as u64).min(count);
            let rows: Vec<ChargeLine> = (next..end).map(|n| generator.line(n)).collect();
            inserted += imports::write_charge_batch(
                &txn,
                pending.hospital_id,
                Some(pending.id),
                &rows,
                now,
            )
            .await?;
            next = end;
            progress.writing(next, count);
        }
        pending.commit_chunk(txn).await?;
    }
    Ok(inserted)
}

/// Writes lines 0 .. count in the import layout (docs/imports.md).
pub fn write_csv(
    generator: &Generator,
    count: u64,
    out: impl std::io::Write,
    progress: &dyn imports::Progress,
) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(1 << 18)
        .from_writer(out);
    writer.write_record(COLUMNS)?;
    for n in 0..count {
        writer.write_record(generator.line(n).to_record(generator.tz))?;
        if (n + 1) % 65_536 == 0 {
            progress.writing(n + 1, count);
        }
    }
    writer.flush()?;
    progress.writing(count, count);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounting::charge_line;

    fn item(code: &str, category: &str, price: i64, executing: Option<&str>) -> CatalogueItem {
        CatalogueItem {
            code: code.into(),
            name: format!("{code} 名称"),
            category: category.into(),
            unit_price: price * 10_000,
            executing: executing.map(Into::into),
        }
    }

    fn catalogue() -> Catalogue {
        let departments = ["GP", "INT", "SUR", "PED", "LAB", "RAD", "ULS", "PHA", "INJ"]
            .map(String::from)
            .to_vec();
        let items = vec![
            item("REG-1", "REGISTRATION", 12, None),
            item("CON-1", "CONSULTATION", 20, None),
            item("DRG-1", "DRUG", 35, Some("PHA")),
            item("DRG-2", "DRUG", 8, Some("PHA")),
            item("LAB-1", "LAB", 25, Some("LAB")),
            item("IMG-1", "IMAGING", 120, Some("RAD")),
            item("IMG-2", "IMAGING", 90, Some("ULS")),
            item("NUR-1", "NURSING", 10, Some("INJ")),
            item("SUR-1", "SURGERY", 800, Some("SUR")),
            item("TRT-1", "TREATMENT", 40, Some("SUR")),
            item("MAT-1", "MATERIAL", 3, Some("INJ")),
            item("OTH-1", "OTHER", 5, None),
        ];
        Catalogue::new(departments, items).expect("catalogue")
    }

    fn generator(seed: u64) -> Generator {
        let period = "2026-02".parse().expect("period");
        Generator::new(catalogue(), period, chrono_tz::Asia::Shanghai, seed)
    }

    #[test]
    fn the_same_seed_gives_the_same_lines() {
        let (a, b, c) = (generator(7), generator(7), generator(8));
        let lines = |g: &Generator| (0..2_000).map(|n| g.line(n)).collect::<Vec<_>>();
        assert_eq!(lines(&a), lines(&b));
        let differing = lines(&a)
            .iter()
            .zip(lines(&c))
            .filter(|(x, y)| (&x.item_code, x.amount) != (&y.item_code, y.amount))
            .count();
        assert!(differing > 1_000, "{differing}");
        // Row n depends on nothing before it.
        assert_eq!(a.line(1_234), lines(&b)[1_234]);
        assert_eq!(a.line(0).source_line_id, "GEN-7-202602-1");
        // Another month with the same seed gives other lines with other ids.
        let march = Generator::new(catalogue(), "2026-03".parse().expect("period"), a.tz, 7);
        assert_eq!(march.line(0).source_line_id, "GEN-7-202603-1");
        let same_items = (0..1_000)
            .filter(|&n| a.line(n).item_code == march.line(n).item_code)
            .count();
        assert!(same_items < 500, "{same_items}");
    }

    #[test]
    fn lines_look_like_a_hospital_month() {
        let g = generator(42);
        let n = 50_000;
        let lines: Vec<ChargeLine> = (0..n).map(|i| g.line(i)).collect();
        let share = |f: &dyn Fn(&ChargeLine) -> bool| {
            lines.iter().filter(|l| f(l)).count() as f64 / n as f64
        };
        let outpatient = share(&|l| l.business_type == BusinessType::Outpatient);
        assert!((0.66..0.74).contains(&outpatient), "{outpatient}");
        let refunds = share(&|l| l.amount.scaled() < 0);
        assert!((0.02..0.04).contains(&refunds), "{refunds}");
        let unknown_dept = share(&|l| {
            l.prescribing_dept_code.starts_with("HIS-") || l.executing_dept_code.starts_with("HIS-")
        });
        assert!((0.0005..0.002).contains(&unknown_dept), "{unknown_dept}");
        let unknown_item = share(&|l| l.item_code.starts_with("EXT-"));
        assert!((0.0005..0.002).contains(&unknown_item), "{unknown_item}");
        for l in &lines {
            assert_eq!(l.period.to_string(), "2026-02");
            assert_eq!(
                l.charged_at
                    .with_timezone(&g.tz)
                    .format("%Y-%m")
                    .to_string(),
                "2026-02"
            );
            assert!(l.quantity.scaled().signum() * l.amount.scaled().signum() >= 0);
            if l.executing_dept_code.starts_with("HIS-")
                || l.prescribing_dept_code.starts_with("HIS-")
            {
                continue;
            }
            match l.item_category.as_deref() {
                Some("LAB") => assert_eq!(l.executing_dept_code, "LAB"),
                Some("IMAGING") => {
                    assert!(["RAD", "ULS"].contains(&l.executing_dept_code.as_str()))
                }
                Some("DRUG") => assert_eq!(l.executing_dept_code, "PHA"),
                _ => {}
            }
            if matches!(l.item_category.as_deref(), Some("LAB" | "IMAGING" | "DRUG")) {
                assert_ne!(l.prescribing_dept_code, l.executing_dept_code, "{l:?}");
            }
            if l.business_type == BusinessType::Inpatient {
                assert_ne!(l.item_category.as_deref(), Some("REGISTRATION"));
            }
        }
        assert!(!g.catalogue.prescribers().contains(&"LAB".to_owned()));
    }

    #[test]
    fn lines_survive_the_import_layout() {
        let g = generator(3);
        for n in 0..2_000 {
            let line = g.line(n);
            let record = line.to_record(g.tz);
            let fields: [&str; 10] = std::array::from_fn(|i| record[i].as_str());
            assert_eq!(charge_line::parse(&fields, g.tz), Ok(line));
        }
    }
}
