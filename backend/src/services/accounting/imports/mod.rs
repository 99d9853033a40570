//! Streaming CSV imports (docs/imports.md): charge lines into `charge_details`, and the monthly workload,
//! cost and orientation values. A file is read twice from disk and never held in memory: the first pass
//! validates every row (a file with any bad row is refused whole, with a report), the second writes it in
//! batched multi-row INSERTs. Monthly values are written in one transaction; charge lines, which may be
//! millions, in short transactions under a pending charge import that one final transaction completes
//! (`services::accounting::charge_import`), so the whole file counts or none of it does, and other writers are not held up.
use crate::services::{
    Actor, Page, PageRequest,
    accounting::{
        auto_runs::{self, Fed},
        calculation_tasks, charge_import, periods,
    },
    fetch_page,
    foundation::audit,
    sort_by,
};
use crate::{
    db::begin_write,
    domain::{
        accounting::charge_line::{self, ChargeLine, ChargeSource},
        accounting::import_layout::{FieldProblem, map_header},
        accounting::period_value::{self, PeriodInput, PeriodValue},
        foundation::money::Amount,
        foundation::period::Period,
    },
    entities::{
        accounting::charge_detail, accounting::cost_record, accounting::orientation_value,
        accounting::workload_record, foundation::department, foundation::hospital,
    },
    error::{AppError, ImportReport},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Asterisk, Expr, ExprTrait, Func, InsertStatement, OnConflict, Query},
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap, HashSet},
    hash::{DefaultHasher, Hash, Hasher},
    io::Read,
    path::{Path, PathBuf},
    rc::Rc,
    sync::Arc,
};

mod copy;

pub(crate) use copy::staging_table;

/// At most this many problems are listed in a refusal; the rest are only counted.
pub const MAX_LISTED: usize = 1000;
/// The widest layout (charge lines).
const MAX_COLUMNS: usize = 10;
const PROGRESS_EVERY: u64 = 8192;

/// Records a problem of line `line` in the refusal.
fn reject(report: &mut ImportReport, line: u64, p: FieldProblem) {
    report.push(line, p.field, p.reason, MAX_LISTED);
}

/// Told how far an import has got (the CLI draws a bar; the API has nobody to tell).
pub trait Progress: Send + Sync {
    /// The validating pass has read this many bytes of the file.
    fn validating(&self, _bytes: u64) {}
    /// The writing pass has written this many of `total` rows.
    fn writing(&self, _rows: u64, _total: u64) {}
}

pub struct Silent;
impl Progress for Silent {}

/// Who imports: a signed-in user, or the command line on behalf of a hospital.
#[derive(Clone, Copy)]
pub enum Importer<'a> {
    User(&'a Actor),
    Command { hospital_id: i64 },
}

impl Importer<'_> {
    pub fn hospital_id(&self) -> i64 {
        match self {
            Importer::User(a) => a.hospital_id,
            Importer::Command { hospital_id } => *hospital_id,
        }
    }

    /// The signed-in user; none for the command line.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Importer::User(a) => Some(a.user_id),
            Importer::Command { .. } => None,
        }
    }

    fn audit(&self, action: &'static str, sha256: &str) -> audit::Entry {
        match self {
            Importer::User(actor) => actor.audit(action, "import", sha256),
            Importer::Command { hospital_id } => audit::Entry {
                hospital_id: Some(*hospital_id),
                actor_user_id: None,
                actor_username: Some("command line".into()),
                action,
                resource_type: Some("import"),
                resource_id: Some(sha256.to_owned()),
                outcome: audit::Outcome::Success,
                client_ip: None,
                detail: None,
            },
        }
    }
}

/// The file to import (already on disk: the API streams an upload to a temporary file first).
pub struct Upload<'a> {
    pub path: &'a Path,
    /// The name the user gave it, for the audit log.
    pub name: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct ChargeSummary {
    pub rows: u64,
    pub inserted: u64,
    /// Lines whose source_line_id the hospital already had (from an earlier import, or earlier in this file).
    pub already_present: u64,
    /// Rows per period (the local month of charged_at).
    pub periods: Vec<(Period, u64)>,
    pub sha256: String,
    /// The calculations the import queued (the hospital's `auto_calculation`).
    pub queued_tasks: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct PeriodValueSummary {
    pub kind: PeriodInput,
    pub rows: u64,
    /// Keys (period, department, node) that were new.
    pub inserted: u64,
    /// Rows whose key existed: its value is now the file's.
    pub updated: u64,
    pub periods: Vec<(Period, u64)>,
    pub sha256: String,
    /// The calculations the import queued (the hospital's `auto_calculation`).
    pub queued_tasks: Vec<i64>,
}

/// The time zone charge times without an offset are read in.
async fn hospital_tz(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
) -> Result<chrono_tz::Tz, AppError> {
    let hospital = hospital::Entity::find_by_id(hospital_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("hospital"))?;
    Ok(hospital
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai))
}

/// Imports a charge file: lines whose source_line_id the hospital already has are skipped, so importing a
/// file again changes nothing. Department codes are not checked here: the pipeline's PREPARE step reports
/// the lines whose codes match no department.
#[tracing::instrument(skip_all, fields(hospital_id = importer.hospital_id()))]
pub async fn import_charges(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    upload: Upload<'_>,
    progress: Arc<dyn Progress>,
) -> Result<ChargeSummary, AppError> {
    let hospital_id = importer.hospital_id();
    let layout = Arc::new(ChargeLayout {
        tz: hospital_tz(db, hospital_id).await?,
    });
    if db.get_database_backend() == DbBackend::Postgres {
        return copy::import_charges(db, importer, layout, upload, progress).await;
    }
    let scan = validate(db, importer, &layout, &upload, "IMPORT_CHARGES", &progress).await?;
    // Refused before a line is written; checked again as the import completes (a period reviewed meanwhile).
    let periods: Vec<Period> = scan.periods.keys().copied().collect();
    periods::ensure_open(db, hospital_id, &periods).await?;
    let pending = charge_import::open(db, hospital_id).await?;
    let target = Target::Chunked { db, pending };
    let inserted =
        match write_all(target, hospital_id, &layout, upload.path, &scan, &progress).await {
            Ok(n) => n,
            Err(e) => return Err(discard_after(db, pending, e).await),
        };
    let summary = ChargeSummary {
        rows: scan.rows,
        inserted,
        already_present: scan.rows - inserted,
        periods: scan.periods.into_iter().collect(),
        sha256: scan.sha256,
        queued_tasks: Vec::new(),
    };
    match complete_charges(db, importer, &upload, pending, &summary).await {
        Ok(queued_tasks) => Ok(ChargeSummary {
            queued_tasks,
            ..summary
        }),
        Err(e) => Err(discard_after(db, pending, e).await),
    }
}

/// Completes a charge import whose lines are written: from this commit on readers see them all, and the audit
/// log has its entry.
async fn complete_charges(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    upload: &Upload<'_>,
    pending: charge_import::Pending,
    summary: &ChargeSummary,
) -> Result<Vec<i64>, AppError> {
    let entry = importer
        .audit("IMPORT_CHARGES", &summary.sha256)
        .with_detail(json!({
            "file_name": upload.name,
            "rows": summary.rows,
            "inserted": summary.inserted,
            "already_present": summary.already_present,
            "periods": period_names(&summary.periods),
        }));
    let periods: Vec<Period> = summary.periods.iter().map(|(p, _)| *p).collect();
    let mut queued = Vec::new();
    pending
        .complete(db, async |txn| {
            periods::ensure_open(txn, importer.hospital_id(), &periods).await?;
            if summary.inserted > 0 {
                queued = auto_runs::queue_after_import(
                    txn,
                    importer.hospital_id(),
                    importer.user_id(),
                    Fed::Charges,
                    &periods,
                )
                .await?;
            }
            audit::record(txn, entry).await?;
            Ok(())
        })
        .await?;
    if !queued.is_empty() {
        calculation_tasks::wake();
    }
    crate::metrics::get()
        .imported_rows
        .with_label_values(&["charges"])
        .inc_by(summary.rows);
    Ok(queued)
}

/// Removes a pending import that failed, and answers the error that failed it. When even the removal fails
/// (the database went away), the import is removed once its lease runs out.
#[tracing::instrument(skip_all)]
pub(crate) async fn discard_after(
    db: &DatabaseConnection,
    pending: charge_import::Pending,
    error: AppError,
) -> AppError {
    if let Err(e) = pending.discard(db).await {
        tracing::warn!(import_id = pending.id, error = %e, "removing a failed charge import failed; it will be removed when its lease runs out");
    }
    error
}

/// Imports workload, cost or orientation values: a key (period, department, node) already present gets
/// the file's value (an upsert), so a corrected file can simply be imported again. Department codes must
/// name departments of the hospital.
#[tracing::instrument(skip_all, fields(hospital_id = importer.hospital_id(), kind = kind.name()))]
pub async fn import_period_values(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    kind: PeriodInput,
    upload: Upload<'_>,
    progress: Arc<dyn Progress>,
) -> Result<PeriodValueSummary, AppError> {
    let hospital_id = importer.hospital_id();
    let departments = department::Entity::find()
        .select_only()
        .column(department::Column::Code)
        .filter(department::Column::HospitalId.eq(hospital_id))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let layout = Arc::new(PeriodLayout { kind, departments });
    let action = period_action(kind);
    let scan = validate(db, importer, &layout, &upload, action, &progress).await?;
    let periods: Vec<String> = scan.periods.keys().map(Period::to_string).collect();
    let txn = begin_write(db).await?;
    let closing: Vec<Period> = scan.periods.keys().copied().collect();
    periods::ensure_open(&txn, hospital_id, &closing).await?;
    let before = count_values(&txn, kind, hospital_id, &periods).await?;
    write_all(
        Target::One(&txn),
        hospital_id,
        &layout,
        upload.path,
        &scan,
        &progress,
    )
    .await?;
    let inserted = count_values(&txn, kind, hospital_id, &periods).await? - before;
    let summary = PeriodValueSummary {
        kind,
        rows: scan.rows,
        inserted,
        updated: scan.rows - inserted,
        periods: scan.periods.into_iter().collect(),
        sha256: scan.sha256,
        queued_tasks: Vec::new(),
    };
    let queued_tasks = auto_runs::queue_after_import(
        &txn,
        hospital_id,
        importer.user_id(),
        Fed::MonthlyInputs,
        &closing,
    )
    .await?;
    let entry = importer.audit(action, &summary.sha256).with_detail(json!({
        "file_name": upload.name,
        "rows": summary.rows,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "periods": period_names(&summary.periods),
    }));
    audit::commit(txn, entry).await?;
    if !queued_tasks.is_empty() {
        calculation_tasks::wake();
    }
    crate::metrics::get()
        .imported_rows
        .with_label_values(&[value_table(kind)])
        .inc_by(summary.rows);
    Ok(PeriodValueSummary {
        queued_tasks,
        ..summary
    })
}

fn period_action(kind: PeriodInput) -> &'static str {
    match kind {
        PeriodInput::Workload => "IMPORT_WORKLOAD",
        PeriodInput::Cost => "IMPORT_COSTS",
        PeriodInput::Orientation => "IMPORT_ORIENTATION_VALUES",
    }
}

fn period_names(periods: &[(Period, u64)]) -> Vec<String> {
    periods.iter().map(|(p, _)| p.to_string()).collect()
}

/// What a file's layout says about its rows: how to parse one, what identifies it within the file, and
/// how a batch of them is written.
trait Layout: Send + Sync + 'static {
    type Row: Hash + Send + 'static;
    fn columns(&self) -> &[&'static str];
    /// Columns bound per row by [`Layout::write`], which decides how many rows fit one statement.
    fn bound_columns(&self) -> usize;
    fn parse(&self, fields: &[&str]) -> Result<Self::Row, Vec<FieldProblem>>;
    /// A row's identity within the file; two rows with one key must be identical.
    fn key(&self, row: &Self::Row) -> String;
    fn duplicate(&self, key: &str, first_line: u64) -> FieldProblem;
    fn period(&self, row: &Self::Row) -> Period;
    /// Writes a batch (under the pending charge import `import_id`, for charge lines); answers how many rows
    /// it inserted.
    async fn write(
        &self,
        conn: &impl ConnectionTrait,
        hospital_id: i64,
        import_id: Option<i64>,
        rows: &[Self::Row],
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr>;
}

struct ChargeLayout {
    tz: chrono_tz::Tz,
}

impl ChargeLayout {
    /// A line that repeats line `first_line`'s `source_line_id` with other content.
    fn repeat(key: &str, first_line: u64) -> FieldProblem {
        FieldProblem::new(
            "source_line_id",
            format!("{key} is also on line {first_line}, with different content"),
        )
    }
}

impl Layout for ChargeLayout {
    type Row = ChargeLine;

    fn columns(&self) -> &[&'static str] {
        &charge_line::COLUMNS
    }

    fn bound_columns(&self) -> usize {
        CHARGE_COLUMNS.len()
    }

    fn parse(&self, fields: &[&str]) -> Result<ChargeLine, Vec<FieldProblem>> {
        let fields: &charge_line::RawFields<'_> = fields
            .try_into()
            .map_err(|_| vec![FieldProblem::new("", "wrong number of fields")])?;
        charge_line::parse(fields, self.tz)
    }

    fn key(&self, row: &ChargeLine) -> String {
        row.source_line_id.clone()
    }

    fn duplicate(&self, key: &str, first_line: u64) -> FieldProblem {
        Self::repeat(key, first_line)
    }

    fn period(&self, row: &ChargeLine) -> Period {
        row.period
    }

    async fn write(
        &self,
        conn: &impl ConnectionTrait,
        hospital_id: i64,
        import_id: Option<i64>,
        rows: &[ChargeLine],
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        write_charge_batch(conn, hospital_id, import_id, rows, now).await
    }
}

struct PeriodLayout {
    kind: PeriodInput,
    departments: HashSet<String>,
}

impl Layout for PeriodLayout {
    type Row = PeriodValue;

    fn columns(&self) -> &[&'static str] {
        match self.kind {
            PeriodInput::Workload => &WORKLOAD_COLUMNS,
            PeriodInput::Cost => &COST_COLUMNS,
            PeriodInput::Orientation => &ORIENTATION_COLUMNS,
        }
    }

    fn bound_columns(&self) -> usize {
        6
    }

    fn parse(&self, fields: &[&str]) -> Result<PeriodValue, Vec<FieldProblem>> {
        let fields: &[&str; 4] = fields
            .try_into()
            .map_err(|_| vec![FieldProblem::new("", "wrong number of fields")])?;
        let value = period_value::parse(self.kind, fields)?;
        if !self.departments.contains(&value.department_code) {
            return Err(vec![FieldProblem::new(
                "department_code",
                "no department of your hospital has this code",
            )]);
        }
        Ok(value)
    }

    fn key(&self, row: &PeriodValue) -> String {
        let (period, department, node) = row.key();
        format!("{period} {department} {node}")
    }

    fn duplicate(&self, _key: &str, first_line: u64) -> FieldProblem {
        FieldProblem::new(
            "node_code",
            format!(
                "the period, department and node are also on line {first_line}, with a different {}",
                self.kind.value_column()
            ),
        )
    }

    fn period(&self, row: &PeriodValue) -> Period {
        row.period
    }

    async fn write(
        &self,
        conn: &impl ConnectionTrait,
        hospital_id: i64,
        _import_id: Option<i64>,
        rows: &[PeriodValue],
        now: DateTime<Utc>,
    ) -> Result<u64, DbErr> {
        upsert_values(conn, self.kind, hospital_id, rows, now).await
    }
}

const WORKLOAD_COLUMNS: [&str; 4] = ["period", "department_code", "node_code", "quantity"];
const COST_COLUMNS: [&str; 4] = ["period", "department_code", "node_code", "amount"];
const ORIENTATION_COLUMNS: [&str; 4] = ["period", "department_code", "node_code", "actual_value"];

/// What the validating pass learnt about a good file.
struct Scan {
    rows: u64,
    periods: BTreeMap<Period, u64>,
    sha256: String,
    /// Whether some key occurs twice (identically), so batches must drop the repeats.
    repeats: bool,
}

/// The validating pass, off the async runtime. A refused file is audited as a failed import.
async fn validate<L: Layout>(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    layout: &Arc<L>,
    upload: &Upload<'_>,
    action: &'static str,
    progress: &Arc<dyn Progress>,
) -> Result<Scan, AppError> {
    let (layout2, path, progress2) = (layout.clone(), upload.path.to_owned(), progress.clone());
    let outcome = tokio::task::spawn_blocking(move || scan(&*layout2, &path, &*progress2))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the validating pass failed: {e}")))??;
    match outcome {
        Ok(scan) => Ok(scan),
        Err((rejection, sha256)) => {
            Err(refuse(db, importer, action, upload, rejection, &sha256).await)
        }
    }
}

/// Audits a refused file as a failed import; answers the refusal (or the error that kept it from being audited).
async fn refuse(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    action: &'static str,
    upload: &Upload<'_>,
    rejection: ImportReport,
    sha256: &str,
) -> AppError {
    let entry = importer
        .audit(action, sha256)
        .with_outcome(audit::Outcome::Failure)
        .with_detail(json!({
            "file_name": upload.name,
            "rows": rejection.rows,
            "errors": rejection.error_count,
        }));
    match audit::record(db, entry).await {
        Ok(()) => rejection.rejected(),
        Err(e) => e.into(),
    }
}

/// A reader that hashes what passes through it and keeps the bytes the CSV reader may still report
/// positions in, so that line numbers can be counted from the bytes themselves: the CSV reader's own are
/// off after blank lines and in CRLF files.
///
/// It also bounds a row: once more than [`MAX_ROW_BYTES`] (plus the CSV reader's buffer) have been read past
/// the start of the last record (line breaks not counted), it fails with [`RowTooLong`], so a huge field is refused as it arrives
/// instead of being buffered whole (here and in the CSV record) before its length is checked.
struct Tracking<R> {
    inner: R,
    hasher: Sha256,
    lines: Rc<RefCell<LineCounter>>,
}

/// The longest row a file may have. A valid charge line is well under 2 KiB.
const MAX_ROW_BYTES: usize = 64 * 1024;
/// What the CSV reader buffers ahead of the record it is reading.
const READ_BUFFER: usize = 1 << 18;

/// A row past [`MAX_ROW_BYTES`]: the reading stops there.
#[derive(Debug, thiserror::Error)]
#[error("the row is longer than {} KiB", MAX_ROW_BYTES / 1024)]
struct RowTooLong;

impl<R: Read> Read for Tracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        let mut lines = self.lines.borrow_mut();
        lines.bytes.extend_from_slice(&buf[..n]);
        // Blank lines between records are not part of any row, so line breaks do not count.
        let window = lines.bytes.len() - lines.counted;
        if window > MAX_ROW_BYTES + READ_BUFFER
            && lines.bytes[lines.counted..]
                .iter()
                .filter(|&&b| b != b'\n' && b != b'\r')
                .count()
                > MAX_ROW_BYTES + READ_BUFFER
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RowTooLong,
            ));
        }
        Ok(n)
    }
}

/// Whether reading stopped at a row past [`MAX_ROW_BYTES`].
fn is_row_too_long(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<RowTooLong>()))
}

/// Counts newlines up to each record's first byte, moving forward only; what lies behind is dropped now
/// and then.
#[derive(Default)]
struct LineCounter {
    /// The file's bytes from offset `start` on.
    bytes: Vec<u8>,
    start: u64,
    /// How far into `bytes` newlines have been counted, and how many there were before.
    counted: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of the record that the CSV reader says begins at `offset`: it may point at the
    /// line breaks (blank lines, the `\n` of a CRLF) before the record, which are skipped.
    fn line_of(&mut self, offset: u64) -> u64 {
        let mut at = (offset.saturating_sub(self.start) as usize).max(self.counted);
        while matches!(self.bytes.get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        let at = at.min(self.bytes.len());
        let seen = &self.bytes[self.counted..at];
        self.newlines += seen.iter().filter(|&&b| b == b'\n').count() as u64;
        self.counted = at;
        if self.counted > 1 << 20 {
            self.bytes.drain(..self.counted);
            self.start += self.counted as u64;
            self.counted = 0;
        }
        self.newlines + 1
    }
}

struct HashSink<'a>(&'a mut Sha256);

impl std::io::Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("reading {}: {e}", path.display()))
}

/// How a file's header turned out.
enum Header {
    Missing,
    Refused(u64, Vec<FieldProblem>),
    Good,
}

/// Reads a file's records once: checks the header against `columns`, then calls `each` with every data
/// row's line number and its fields in `columns` order (or the problem that kept them from being read).
/// Rows whose fields are all blank are skipped. Answers the header's verdict, the number of data rows and
/// the file's SHA-256.
fn read_rows(
    path: &Path,
    columns: &[&'static str],
    progress: &dyn Progress,
    mut each: impl FnMut(u64, Result<&[&str], FieldProblem>),
) -> Result<(Header, u64, String), AppError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let lines = Rc::new(RefCell::new(LineCounter::default()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(Tracking {
            inner: file,
            hasher: Sha256::new(),
            lines: lines.clone(),
        });
    let line_of = |offset: u64| lines.borrow_mut().line_of(offset);
    let record_line = |record: &csv::ByteRecord| line_of(record.position().map_or(0, |p| p.byte()));
    // Reads the next record; a row past the limit ends the reading with the line it starts on.
    let next = |reader: &mut csv::Reader<Tracking<std::fs::File>>,
                record: &mut csv::ByteRecord|
     -> Result<Result<bool, u64>, AppError> {
        match reader.read_byte_record(record) {
            Ok(more) => Ok(Ok(more)),
            Err(e) if is_row_too_long(&e) => Ok(Err(line_of(reader.position().byte()))),
            Err(e) => Err(io_error(path, e)),
        }
    };
    let too_long = || FieldProblem::new("", RowTooLong.to_string());
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    let header = match next(&mut reader, &mut record)? {
        Ok(false) => Header::Missing,
        Err(line) => Header::Refused(line, vec![too_long()]),
        Ok(true) => {
            let line = record_line(&record);
            let names: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
            match names {
                Err(_) => Header::Refused(
                    line,
                    vec![FieldProblem::new("", "the header is not valid UTF-8")],
                ),
                Ok(names) => match map_header(&names, columns) {
                    Err(problems) => Header::Refused(line, problems),
                    Ok(positions) => {
                        let width = names.len();
                        loop {
                            match next(&mut reader, &mut record)? {
                                Ok(true) => {}
                                Ok(false) => break,
                                Err(line) => {
                                    rows += 1;
                                    each(line, Err(too_long()));
                                    break;
                                }
                            }
                            let line = record_line(&record);
                            if record.iter().all(|f| f.trim_ascii().is_empty()) {
                                continue;
                            }
                            rows += 1;
                            if rows % PROGRESS_EVERY == 0 {
                                progress.validating(record.position().map_or(0, |p| p.byte()));
                            }
                            if record.len() != width {
                                let problem = FieldProblem::new(
                                    "",
                                    format!(
                                        "the row has {} fields; the header has {width}",
                                        record.len()
                                    ),
                                );
                                each(line, Err(problem));
                                continue;
                            }
                            let mut fields = [""; MAX_COLUMNS];
                            let mut bad = None;
                            for (slot, &at) in positions.iter().enumerate() {
                                match std::str::from_utf8(&record[at]) {
                                    Ok(s) => fields[slot] = s,
                                    Err(_) => {
                                        bad = Some(FieldProblem::new(
                                            columns[slot],
                                            "is not valid UTF-8 text",
                                        ));
                                        break;
                                    }
                                }
                            }
                            match bad {
                                Some(problem) => each(line, Err(problem)),
                                None => each(line, Ok(&fields[..positions.len()])),
                            }
                        }
                        Header::Good
                    }
                },
            }
        }
    };
    // Count the rows behind a refused header too, and hash the whole file either way.
    if !matches!(header, Header::Good) {
        while let Ok(true) = next(&mut reader, &mut record)? {
            record_line(&record);
            if !record.iter().all(|f| f.trim_ascii().is_empty()) {
                rows += 1;
            }
        }
    }
    let mut tracking = reader.into_inner();
    lines.borrow_mut().bytes = Vec::new();
    let mut rest = tracking.inner.by_ref();
    let mut hasher = tracking.hasher;
    std::io::copy(&mut rest, &mut HashSink(&mut hasher)).map_err(|e| io_error(path, e))?;
    Ok((header, rows, hex::encode(hasher.finalize())))
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The validating pass: every row parsed and checked, and repeated keys found. The duplicate check keeps
/// two 64-bit hashes per row (16 bytes), not the rows; only when two hashes of one key disagree is the
/// file read once more to name the lines.
#[allow(clippy::type_complexity)]
fn scan<L: Layout>(
    layout: &L,
    path: &Path,
    progress: &dyn Progress,
) -> Result<Result<Scan, (ImportReport, String)>, AppError> {
    let columns = layout.columns();
    let mut rejection = ImportReport::default();
    let mut keys: Vec<(u64, u64)> = Vec::new();
    let mut periods = BTreeMap::new();
    let (header, rows, sha256) = read_rows(path, columns, progress, |line, fields| {
        match fields.map_err(|p| vec![p]).and_then(|f| layout.parse(f)) {
            Ok(row) => {
                keys.push((hash_of(&layout.key(&row)), hash_of(&row)));
                *periods.entry(layout.period(&row)).or_insert(0) += 1;
            }
            Err(problems) => problems
                .into_iter()
                .for_each(|p| reject(&mut rejection, line, p)),
        }
    })?;
    rejection.rows = rows;
    refuse_header(&mut rejection, header, columns);
    keys.sort_unstable();
    let repeats = keys.windows(2).any(|w| w[0].0 == w[1].0);
    let suspects: HashSet<u64> = keys
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|group| group.iter().any(|k| k.1 != group[0].1))
        .map(|group| group[0].0)
        .collect();
    drop(keys);
    if !suspects.is_empty() {
        name_conflicting_duplicates(layout, path, &suspects, &mut rejection)?;
    }
    if rejection.is_empty() {
        return Ok(Ok(Scan {
            rows,
            periods,
            sha256,
            repeats,
        }));
    }
    // By line; within a line, in the order the checks found them (column order).
    rejection.errors.sort_by_key(|p| p.row);
    Ok(Err((rejection, sha256)))
}

/// Adds a missing or refused header to the refusal.
fn refuse_header(rejection: &mut ImportReport, header: Header, columns: &[&'static str]) {
    match header {
        Header::Missing => reject(
            rejection,
            1,
            FieldProblem::new(
                "",
                format!(
                    "the file is empty; its first line must be the header {}",
                    columns.join(",")
                ),
            ),
        ),
        Header::Refused(line, problems) => problems
            .into_iter()
            .for_each(|p| reject(rejection, line, p)),
        Header::Good => {}
    }
}

/// Reads the file again for the rows whose key hash had two contents, and reports every row that repeats
/// an earlier row's key with different content (equal hashes of different keys come out as no problem).
fn name_conflicting_duplicates<L: Layout>(
    layout: &L,
    path: &Path,
    suspects: &HashSet<u64>,
    rejection: &mut ImportReport,
) -> Result<(), AppError> {
    let mut first: HashMap<String, (u64, u64)> = HashMap::new();
    read_rows(path, layout.columns(), &Silent, |line, fields| {
        let Ok(row) = fields
            .map_err(|_| ())
            .and_then(|f| layout.parse(f).map_err(|_| ()))
        else {
            return;
        };
        let key = layout.key(&row);
        if !suspects.contains(&hash_of(&key)) {
            return;
        }
        let content = hash_of(&row);
        match first.get(&key) {
            Some(&(first_line, first_content)) if first_content != content => {
                reject(rejection, line, layout.duplicate(&key, first_line));
            }
            Some(_) => {}
            None => {
                first.insert(key, (line, content));
            }
        }
    })?;
    Ok(())
}

/// Where the writing pass writes: into one transaction, or in chunks of
/// [`charge_import::ROWS_PER_TRANSACTION`] rows, each committed on its own, under a pending charge import.
#[derive(Clone, Copy)]
enum Target<'a> {
    One(&'a DatabaseTransaction),
    Chunked {
        db: &'a DatabaseConnection,
        pending: charge_import::Pending,
    },
}

/// The writing pass: a blocking reader parses batches while this task writes the previous one.
async fn write_all<L: Layout>(
    target: Target<'_>,
    hospital_id: i64,
    layout: &Arc<L>,
    path: &Path,
    scan: &Scan,
    progress: &Arc<dyn Progress>,
) -> Result<u64, AppError> {
    let backend = match target {
        Target::One(txn) => txn.get_database_backend(),
        Target::Chunked { db, .. } => db.get_database_backend(),
    };
    let batch_rows = rows_per_statement(backend, layout.bound_columns());
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<L::Row>>(2);
    let reader_layout = layout.clone();
    let path: PathBuf = path.to_owned();
    let reader = tokio::task::spawn_blocking(move || -> Result<(), AppError> {
        let layout = &*reader_layout;
        let mut batch = Vec::with_capacity(batch_rows);
        let mut failed = None;
        let mut stopped = false;
        read_rows(&path, layout.columns(), &Silent, |line, fields| {
            if stopped || failed.is_some() {
                return;
            }
            match fields.map_err(|p| vec![p]).and_then(|f| layout.parse(f)) {
                Ok(row) => batch.push(row),
                Err(_) => {
                    failed = Some(AppError::Internal(anyhow::anyhow!(
                        "line {line} changed between the two passes"
                    )));
                    return;
                }
            }
            if batch.len() == batch_rows {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_rows));
                // The writer has gone (it failed): stop reading.
                stopped = tx.blocking_send(full).is_err();
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if !batch.is_empty() && !stopped {
            let _ = tx.blocking_send(batch);
        }
        Ok(())
    });
    let now = Utc::now();
    let (mut written, mut inserted) = (0, 0);
    // The chunk being written (chunked target) and its rows so far.
    let mut chunk: Option<(DatabaseTransaction, usize, std::time::Instant)> = None;
    while let Some(mut batch) = rx.recv().await {
        written += batch.len() as u64;
        if scan.repeats {
            let mut seen = HashSet::new();
            batch.retain(|row| seen.insert(layout.key(row)));
        }
        match target {
            Target::One(txn) => {
                inserted += layout.write(txn, hospital_id, None, &batch, now).await?
            }
            Target::Chunked { db, pending } => {
                let (txn, rows, opened) = match chunk.take() {
                    Some(open) => open,
                    None => (pending.begin_chunk(db).await?, 0, std::time::Instant::now()),
                };
                inserted += layout
                    .write(&txn, hospital_id, Some(pending.id), &batch, now)
                    .await?;
                let rows = rows + batch.len();
                if rows >= charge_import::ROWS_PER_TRANSACTION
                    || opened.elapsed() >= charge_import::CHUNK_TIME
                {
                    pending.commit_chunk(txn).await?;
                } else {
                    chunk = Some((txn, rows, opened));
                }
            }
        }
        progress.writing(written, scan.rows);
    }
    if let Some((txn, _, _)) = chunk {
        txn.commit().await?;
    }
    reader
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the writing pass failed: {e}")))??;
    if written != scan.rows {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the file changed between the two passes ({} rows, then {written})",
            scan.rows
        )));
    }
    Ok(inserted)
}

/// How many rows of `columns` bound values fit one statement: SQLite allows 32766 parameters, PostgreSQL
/// and MySQL 65535. Past a few thousand rows a bigger statement gains nothing.
pub(crate) fn rows_per_statement(backend: DbBackend, columns: usize) -> usize {
    let limit = if backend == DbBackend::Sqlite {
        32_766
    } else {
        65_535
    };
    (limit / columns).min(4_000)
}

/// How many charge lines fit one [`write_charge_batch`] statement.
pub(crate) fn charge_rows_per_statement(backend: DbBackend) -> usize {
    rows_per_statement(backend, CHARGE_COLUMNS.len())
}

type C = charge_detail::Column;
const CHARGE_COLUMNS: [C; 15] = [
    C::HospitalId,
    C::Source,
    C::SourceLineId,
    C::BusinessType,
    C::PrescribingDeptCode,
    C::ExecutingDeptCode,
    C::ItemCode,
    C::ItemName,
    C::ItemCategory,
    C::Quantity,
    C::Amount,
    C::ChargedAt,
    C::Period,
    C::ImportId,
    C::CreatedAt,
];

/// Inserts imported charge lines the hospital does not have yet (by source_line_id among its imported
/// lines: the lines its payments wrote are another id space) in one statement; answers how many it
/// inserted. `rows` must fit one statement ([`charge_rows_per_statement`]). The lines carry `import_id`, the
/// pending charge import they belong to.
#[tracing::instrument(skip_all)]
pub(crate) async fn write_charge_batch(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    import_id: Option<i64>,
    rows: &[ChargeLine],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    // MySQL counts a skipped duplicate as an affected row (the driver asks for found rows), so there the
    // lines already present are looked up first and left out.
    let present: HashSet<String> = if backend == DbBackend::MySql && !rows.is_empty() {
        charge_detail::Entity::find()
            .select_only()
            .column(C::SourceLineId)
            .filter(C::HospitalId.eq(hospital_id))
            .filter(C::Source.eq(ChargeSource::Import))
            .filter(C::SourceLineId.is_in(rows.iter().map(|r| r.source_line_id.as_str())))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    let mut stmt = Query::insert();
    stmt.into_table(charge_detail::Entity)
        .columns(CHARGE_COLUMNS)
        .on_conflict(
            OnConflict::columns([C::HospitalId, C::Source, C::SourceLineId])
                .do_nothing_on([C::Id])
                .to_owned(),
        );
    let mut any = false;
    for r in rows.iter().filter(|r| !present.contains(&r.source_line_id)) {
        any = true;
        stmt.values([
            hospital_id.into(),
            ChargeSource::Import.into(),
            r.source_line_id.as_str().into(),
            r.business_type.as_str().into(),
            r.prescribing_dept_code.as_str().into(),
            r.executing_dept_code.as_str().into(),
            r.item_code.as_str().into(),
            r.item_name.as_str().into(),
            r.item_category.as_deref().into(),
            r.quantity.scaled().into(),
            r.amount.scaled().into(),
            r.charged_at.into(),
            r.period.to_string().into(),
            import_id.into(),
            now.into(),
        ])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    if !any {
        return Ok(0);
    }
    Ok(conn.execute(&stmt).await?.rows_affected())
}

fn value_table(kind: PeriodInput) -> &'static str {
    match kind {
        PeriodInput::Workload => "workload_record",
        PeriodInput::Cost => "cost_record",
        PeriodInput::Orientation => "orientation_value",
    }
}

/// Inserts the values, replacing the value of a key that exists (`ON CONFLICT … DO UPDATE` on SQLite and
/// PostgreSQL, `ON DUPLICATE KEY UPDATE` on MySQL). Answers the rows sent: the caller counts what is new.
async fn upsert_values(
    conn: &impl ConnectionTrait,
    kind: PeriodInput,
    hospital_id: i64,
    rows: &[PeriodValue],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    let stmt = upsert_statement(kind, hospital_id, rows, now)?;
    conn.execute(&stmt).await?;
    Ok(rows.len() as u64)
}

fn upsert_statement(
    kind: PeriodInput,
    hospital_id: i64,
    rows: &[PeriodValue],
    now: DateTime<Utc>,
) -> Result<InsertStatement, DbErr> {
    let value = kind.value_column();
    let mut stmt = Query::insert();
    stmt.into_table(value_table(kind))
        .columns([
            "hospital_id",
            "period",
            "department_code",
            "node_code",
            value,
            "created_at",
        ])
        .on_conflict(
            OnConflict::columns(["hospital_id", "period", "department_code", "node_code"])
                .update_column(value)
                .to_owned(),
        );
    for r in rows {
        stmt.values([
            hospital_id.into(),
            r.period.to_string().into(),
            r.department_code.as_str().into(),
            r.node_code.as_str().into(),
            r.value.scaled().into(),
            now.into(),
        ])
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    Ok(stmt)
}

async fn count_values(
    conn: &impl ConnectionTrait,
    kind: PeriodInput,
    hospital_id: i64,
    periods: &[String],
) -> Result<u64, DbErr> {
    if periods.is_empty() {
        return Ok(0);
    }
    let stmt = Query::select()
        .expr(Func::count(Expr::col(Asterisk)))
        .from(value_table(kind))
        .and_where(Expr::col("hospital_id").eq(hospital_id))
        .and_where(Expr::col("period").is_in(periods.iter().map(String::as_str)))
        .to_owned();
    let row = conn.query_one(&stmt).await?;
    let n: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// One workload, cost or orientation record.
#[derive(Debug, Clone)]
pub struct PeriodRecord {
    pub id: i64,
    pub period: Period,
    pub department_code: String,
    pub node_code: String,
    /// The quantity, amount or actual value, by kind.
    pub value: Amount,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
pub struct PeriodRecordFilter {
    pub period: Option<Period>,
    pub department_code: Option<String>,
    pub node_code: Option<String>,
    pub sort: Option<String>,
}

macro_rules! list_records {
    ($db:expr, $actor:expr, $filter:expr, $page:expr, $entity:ident, $col:ident, $field:ident) => {{
        use $entity as t;
        let f = $filter;
        let (col, ord) = sort_by(
            f.sort.as_deref(),
            &[
                ("period", t::Column::Period),
                ("department_code", t::Column::DepartmentCode),
                ("node_code", t::Column::NodeCode),
                ("value", t::Column::$col),
            ],
        )?
        .unwrap_or((t::Column::Period, sea_orm::Order::Desc));
        let mut select = t::Entity::find().filter(t::Column::HospitalId.eq($actor.hospital_id));
        if let Some(p) = f.period {
            select = select.filter(t::Column::Period.eq(p.to_string()));
        }
        if let Some(d) = f.department_code {
            select = select.filter(t::Column::DepartmentCode.eq(d));
        }
        if let Some(n) = f.node_code {
            select = select.filter(t::Column::NodeCode.eq(n));
        }
        // The requested order first; period, department and node keep the rest stable.
        let select = select
            .order_by(col, ord)
            .order_by_desc(t::Column::Period)
            .order_by_asc(t::Column::DepartmentCode)
            .order_by_asc(t::Column::NodeCode);
        fetch_page($db, select, None, t::Column::Id, $page)
            .await?
            .map(|m| PeriodRecord {
                id: m.id,
                period: m.period,
                department_code: m.department_code,
                node_code: m.node_code,
                value: m.$field,
                created_at: m.created_at,
            })
    }};
}

/// A page of the hospital's workload, cost or orientation records.
#[tracing::instrument(skip_all)]
pub async fn list_records(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: PeriodInput,
    filter: PeriodRecordFilter,
    page: PageRequest,
) -> Result<Page<PeriodRecord>, AppError> {
    Ok(match kind {
        PeriodInput::Workload => {
            list_records!(db, actor, filter, page, workload_record, Quantity, quantity)
        }
        PeriodInput::Cost => list_records!(db, actor, filter, page, cost_record, Amount, amount),
        PeriodInput::Orientation => {
            list_records!(
                db,
                actor,
                filter,
                page,
                orientation_value,
                ActualValue,
                actual_value
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(content: &str) -> Vec<u64> {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, content.as_bytes()).expect("write");
        let mut lines = Vec::new();
        let (header, _, _) =
            read_rows(file.path(), &["h"], &Silent, |line, _| lines.push(line)).expect("read");
        assert!(matches!(header, Header::Good));
        lines
    }

    /// The portable upsert as each backend receives it: MySQL and MariaDB have no `ON CONFLICT`, and
    /// `VALUES(col)` is what both accept (MySQL 8.0.20+ deprecates it in favour of a row alias, which
    /// MariaDB lacks).
    #[test]
    fn the_upsert_speaks_each_dialect() {
        use sea_orm::DatabaseBackend::{MySql, Postgres, Sqlite};
        let row = PeriodValue {
            period: "2026-03".parse().expect("period"),
            department_code: "INT".into(),
            node_code: "dim-nur-bed".into(),
            value: crate::domain::foundation::money::Amount::from_scaled(10_000),
        };
        let stmt =
            upsert_statement(PeriodInput::Workload, 1, &[row], Utc::now()).expect("statement");
        let sql = |b: DbBackend| b.build(&stmt).sql;
        assert!(
            sql(MySql).ends_with("ON DUPLICATE KEY UPDATE `quantity` = VALUES(`quantity`)"),
            "{}",
            sql(MySql)
        );
        for b in [Postgres, Sqlite] {
            assert!(
                sql(b).ends_with(r#"ON CONFLICT ("hospital_id", "period", "department_code", "node_code") DO UPDATE SET "quantity" = "excluded"."quantity""#),
                "{}",
                sql(b)
            );
        }
    }

    /// A row read: its line, and its first field or the reason it could not be read.
    type Seen = (u64, Result<String, String>);

    /// Every row read, the row count and the file's hash.
    fn rows_of(content: &[u8]) -> (Vec<Seen>, u64, String) {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, content).expect("write");
        let mut seen = Vec::new();
        let (header, rows, sha) = read_rows(file.path(), &["h"], &Silent, |line, fields| {
            seen.push((line, fields.map(|f| f[0].to_owned()).map_err(|p| p.reason)))
        })
        .expect("read");
        assert!(matches!(header, Header::Good));
        (seen, rows, sha)
    }

    /// `head`, then `filler` `n` times, then `tail`.
    fn padded(head: &[u8], filler: u8, n: usize, tail: &[u8]) -> Vec<u8> {
        [head, &vec![filler; n], tail].concat()
    }

    #[test]
    fn a_huge_row_stops_the_reading_where_it_starts() {
        let content = padded(b"h\na\n\"b", b'x', 20 << 20, b"\"\nc\n");
        let (seen, rows, sha) = rows_of(&content);
        assert_eq!(
            seen,
            [
                (2, Ok("a".to_owned())),
                (3, Err("the row is longer than 64 KiB".to_owned()))
            ]
        );
        assert_eq!(rows, 2);
        // The whole file is still hashed, for the audit entry.
        assert_eq!(sha, hex::encode(Sha256::digest(&content)));
    }

    #[test]
    fn blank_lines_are_no_long_row() {
        let content = padded(b"h\na\n", b'\n', 1 << 20, b"b\n");
        let (seen, rows, _) = rows_of(&content);
        assert_eq!(
            seen,
            [(2, Ok("a".to_owned())), ((1 << 20) + 3, Ok("b".to_owned()))]
        );
        assert_eq!(rows, 2);
    }

    #[test]
    fn line_numbers_count_blank_lines_crlf_and_quoted_line_breaks() {
        assert_eq!(lines_of("h\na\n\nb\n\"c\nd\"\ne"), [2, 4, 5, 7]);
        assert_eq!(
            lines_of("h\r\na\r\n\r\nb\r\n\"c\r\nd\"\r\ne\r\n"),
            [2, 4, 5, 7]
        );
        assert_eq!(lines_of("\n\nh\na\n\n\n\nb\n"), [4, 8]);
    }
}
