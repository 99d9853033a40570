//! `hospital import …` and `hospital seed --charges N`: the accounting inputs from the command line, through
//! the same services as the API, with a progress bar when standard error is a terminal.
use crate::db;
use crate::{
    config::Settings,
    domain::{accounting::period_value::PeriodInput, foundation::period::Period},
    entities::foundation::hospital,
    error::{AppError, ImportReport},
    seed::charge_generator,
    services::accounting::imports::{self, Importer, Progress, Upload},
};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::{
    io::IsTerminal,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Instant,
};

#[derive(Args)]
pub struct SeedArgs {
    /// Generate this many charge lines instead of loading the demo data (needs --period).
    #[arg(long, requires = "period")]
    charges: Option<u64>,
    /// The month the generated lines fall in, YYYY-MM.
    #[arg(long, value_parser = parse_period)]
    period: Option<Period>,
    /// The same seed gives the same lines (ids GEN-<seed>-<YYYYMM>-<n>).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The hospital's code, whose departments and catalogue the lines are drawn from.
    #[arg(long, default_value = "H001")]
    hospital: String,
    /// Write the lines to this CSV file (the import layout; `-` for standard output) instead of the database.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Load the demo data only into an empty database; leave one that has data as it is (exit 0).
    #[arg(long, conflicts_with = "charges")]
    pub if_empty: bool,
}

impl SeedArgs {
    pub fn generates_charges(&self) -> bool {
        self.charges.is_some()
    }
}

fn parse_period(raw: &str) -> Result<Period, String> {
    raw.parse()
        .map_err(|e: crate::domain::foundation::period::PeriodError| e.to_string())
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Charge lines: source_line_id,business_type,prescribing_dept_code,executing_dept_code,item_code,
    /// item_name,item_category,quantity,amount,charged_at. Lines already imported are skipped.
    Charges(ImportArgs),
    /// Workload records: period,department_code,node_code,quantity (upsert).
    Workload(ImportArgs),
    /// Cost records: period,department_code,node_code,amount (upsert).
    Costs(ImportArgs),
    /// Orientation actual values: period,department_code,node_code,actual_value (upsert).
    OrientationValues(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The hospital's code.
    #[arg(long)]
    hospital: String,
}

async fn hospital_id(db: &DatabaseConnection, code: &str) -> anyhow::Result<i64> {
    hospital::Entity::find()
        .filter(hospital::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|h| h.id)
        .with_context(|| format!("no hospital with the code {code}"))
}

/// A progress bar on standard error when it is a terminal: bytes while validating, rows while writing.
struct Bar {
    bar: ProgressBar,
    writing: AtomicBool,
}

impl Bar {
    fn new(len: u64, what: &str) -> Arc<Self> {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::new(len)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(style("{msg:10} [{bar:40}] {bytes}/{total_bytes} ({eta})"));
        bar.set_message(what.to_owned());
        Arc::new(Self {
            bar,
            writing: AtomicBool::new(false),
        })
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Progress for Bar {
    fn validating(&self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    fn writing(&self, rows: u64, total: u64) {
        if !self.writing.swap(true, Ordering::Relaxed) {
            self.bar.set_style(style(
                "{msg:10} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
            ));
            self.bar.set_message("writing");
            self.bar.set_length(total);
        }
        self.bar.set_position(rows);
    }
}

fn print_rejection(r: &ImportReport) {
    eprintln!(
        "refused: {} problem(s) in {} row(s); nothing was imported",
        r.error_count, r.rows
    );
    for p in &r.errors {
        if p.field.is_empty() {
            eprintln!("  line {}: {}", p.row, p.reason);
        } else {
            eprintln!("  line {}, {}: {}", p.row, p.field, p.reason);
        }
    }
    if r.errors_not_listed > 0 {
        eprintln!("  … and {} more", r.errors_not_listed);
    }
}

fn periods(periods: &[(Period, u64)]) -> String {
    periods
        .iter()
        .map(|(p, n)| format!("{p} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn import(command: ImportCommand) -> anyhow::Result<()> {
    let (kind, args) = match command {
        ImportCommand::Charges(a) => (None, a),
        ImportCommand::Workload(a) => (Some(PeriodInput::Workload), a),
        ImportCommand::Costs(a) => (Some(PeriodInput::Cost), a),
        ImportCommand::OrientationValues(a) => (Some(PeriodInput::Orientation), a),
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    let db = db::open(&Settings::from_env()?).await?;
    let importer = Importer::Command {
        hospital_id: hospital_id(&db, &args.hospital).await?,
    };
    let name = args.file.file_name().and_then(|n| n.to_str());
    let upload = Upload {
        path: &args.file,
        name,
    };
    let bar = Bar::new(size, "validating");
    let started = Instant::now();
    let outcome = match kind {
        None => imports::import_charges(&db, importer, upload, bar.clone())
            .await
            .map(|s| {
                format!(
                    "{} rows: {} inserted, {} already present; periods {}",
                    s.rows,
                    s.inserted,
                    s.already_present,
                    periods(&s.periods)
                )
            }),
        Some(kind) => imports::import_period_values(&db, importer, kind, upload, bar.clone())
            .await
            .map(|s| {
                format!(
                    "{} rows: {} inserted, {} updated; periods {}",
                    s.rows,
                    s.inserted,
                    s.updated,
                    periods(&s.periods)
                )
            }),
    };
    bar.finish();
    match outcome {
        Ok(summary) => {
            println!(
                "imported {} in {:.1} s: {summary}",
                args.file.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(AppError::ImportRejected { report, .. }) => {
            print_rejection(&report);
            bail!("{} was refused", args.file.display())
        }
        Err(e) => Err(anyhow::anyhow!("{e}").context(format!("importing {}", args.file.display()))),
    }
}

pub async fn seed_charges(args: SeedArgs) -> anyhow::Result<()> {
    let (Some(count), Some(period)) = (args.charges, args.period) else {
        bail!("--charges needs --period YYYY-MM");
    };
    let db = db::open(&Settings::from_env()?).await?;
    let hospital_id = hospital_id(&db, &args.hospital).await?;
    let generator = charge_generator::for_hospital(&db, hospital_id, period, args.seed)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = Bar::new(count, "generating");
    bar.writing(0, count);
    let started = Instant::now();
    match &args.csv {
        Some(path) => {
            let out: Box<dyn std::io::Write> = if path.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                )
            };
            charge_generator::write_csv(&generator, count, out, &*bar)?;
            bar.finish();
            if path.as_os_str() != "-" {
                println!(
                    "wrote {count} charge lines for {period} to {} in {:.1} s",
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        None => {
            let summary = charge_generator::insert(&db, hospital_id, &generator, count, &*bar)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            bar.finish();
            let secs = started.elapsed().as_secs_f64();
            println!(
                "generated {count} charge lines for {period} in {secs:.1} s ({:.0} rows/s): {} inserted, {} already present",
                count as f64 / secs.max(1e-9),
                summary.inserted,
                summary.already_present
            );
        }
    }
    Ok(())
}
