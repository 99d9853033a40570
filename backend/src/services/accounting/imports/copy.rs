//! Charge files on PostgreSQL, at the database's own loading rate. One pass over the file checks every row
//! and streams the good ones, as they are read, into a staging table of the import with `COPY … FROM STDIN`;
//! the database then finds the lines that repeat a `source_line_id` with other content, and one
//! `INSERT … SELECT` moves the lines into `charge_details` under the pending import (identical repeats and
//! lines the hospital already has are skipped there, see [`move_lines`]). Nothing per line stays in memory.
use super::*;
use sea_orm::{RuntimeErr, SqlErr, Statement, sqlx};

/// COPY text handed from the reading pass to the writer at a time.
const COPY_BUFFER: usize = 1 << 20;
/// How often the import's lease is renewed while the file is loaded and moved.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// The staging table of pending import `import_id`: unlogged, without indexes, dropped with the import.
pub(crate) fn staging_table(import_id: i64) -> String {
    format!("charge_staging_{import_id}")
}

/// The staging table's columns: the line's number in the file, a hash of its content, then the line as
/// `charge_details` stores it.
const STAGED: &str = "line, content, source_line_id, business_type, prescribing_dept_code, \
                      executing_dept_code, item_code, item_name, item_category, quantity, amount, \
                      charged_at, period";
const LINE_COLUMNS: &str = "source_line_id, business_type, prescribing_dept_code, executing_dept_code, \
                            item_code, item_name, item_category, quantity, amount, charged_at, period";

fn sqlx_error(e: sqlx::Error) -> AppError {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))).into()
}

/// What the reading pass found.
struct Reading {
    report: ImportReport,
    periods: BTreeMap<Period, u64>,
    sha256: String,
}

/// [`super::import_charges`] on PostgreSQL.
pub(super) async fn import_charges(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    layout: Arc<ChargeLayout>,
    upload: Upload<'_>,
    progress: Arc<dyn Progress>,
) -> Result<ChargeSummary, AppError> {
    let pending = charge_import::open(db, importer.hospital_id()).await?;
    let keeper = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(KEEP_ALIVE);
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(e) = pending.keep_alive(&db).await {
                    tracing::warn!(import_id = pending.id, error = %e, "renewing a charge import's lease failed");
                }
            }
        })
    };
    let outcome = load_and_move(db, importer, layout, &upload, &progress, pending).await;
    keeper.abort();
    match outcome {
        Ok(summary) => Ok(summary),
        Err(e) => Err(discard_after(db, pending, e).await),
    }
}

async fn load_and_move(
    db: &DatabaseConnection,
    importer: Importer<'_>,
    layout: Arc<ChargeLayout>,
    upload: &Upload<'_>,
    progress: &Arc<dyn Progress>,
    pending: charge_import::Pending,
) -> Result<ChargeSummary, AppError> {
    let table = staging_table(pending.id);
    db.execute_unprepared(&format!(
        "CREATE UNLOGGED TABLE {table} AS SELECT CAST(0 AS BIGINT) AS line, CAST(0 AS BIGINT) AS content, \
         {LINE_COLUMNS} FROM charge_details WITH NO DATA"
    ))
    .await?;
    let mut reading = load(db, &table, layout, upload.path, progress).await?;
    let rows = reading.report.rows;
    name_repeats(db, &table, &mut reading.report).await?;
    if !reading.report.is_empty() {
        reading.report.errors.sort_by_key(|p| p.row);
        let sha256 = reading.sha256;
        return Err(refuse(
            db,
            importer,
            "IMPORT_CHARGES",
            upload,
            reading.report,
            &sha256,
        )
        .await);
    }
    let periods: Vec<Period> = reading.periods.keys().copied().collect();
    periods::ensure_open(db, importer.hospital_id(), &periods).await?;
    let inserted = move_lines(db, &table, &pending).await?;
    progress.writing(rows, rows);
    db.execute_unprepared(&format!("DROP TABLE {table}"))
        .await?;
    let summary = ChargeSummary {
        rows,
        inserted,
        already_present: rows - inserted,
        periods: reading.periods.into_iter().collect(),
        sha256: reading.sha256,
        queued_tasks: Vec::new(),
    };
    let queued_tasks = super::complete_charges(db, importer, upload, pending, &summary).await?;
    Ok(ChargeSummary {
        queued_tasks,
        ..summary
    })
}

/// Moves the staged lines into `charge_details` under the pending import, skipping the lines the hospital has
/// already; answers how many it inserted. The lines are first inserted past an anti-join on the unique key, a
/// fifth faster than `ON CONFLICT DO NOTHING` (which inserts each line speculatively) at a million lines; a
/// file repeating a line identically breaks the unique key there (the statement inserts nothing), and then the
/// move is made again with `ON CONFLICT DO NOTHING`. No other writer inserts the hospital's imported lines
/// meanwhile: one charge import of a hospital is written at a time.
async fn move_lines(
    db: &DatabaseConnection,
    table: &str,
    pending: &charge_import::Pending,
) -> Result<u64, AppError> {
    let insert = format!(
        "INSERT INTO charge_details (hospital_id, source, {LINE_COLUMNS}, import_id, created_at) \
         SELECT $1, $2, {LINE_COLUMNS}, $3, $4 FROM {table} s"
    );
    let values = || -> Vec<sea_orm::Value> {
        vec![
            pending.hospital_id.into(),
            ChargeSource::Import.into(),
            pending.id.into(),
            Utc::now().into(),
        ]
    };
    let backend = db.get_database_backend();
    let fast = Statement::from_sql_and_values(
        backend,
        format!(
            "{insert} WHERE NOT EXISTS (SELECT 1 FROM charge_details c WHERE c.hospital_id = $1 \
             AND c.source = $2 AND c.source_line_id = s.source_line_id)"
        ),
        values(),
    );
    match db.execute_raw(fast).await {
        Ok(done) => return Ok(done.rows_affected()),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
        Err(e) => return Err(e.into()),
    }
    let careful = Statement::from_sql_and_values(
        backend,
        format!("{insert} ON CONFLICT (hospital_id, source, source_line_id) DO NOTHING"),
        values(),
    );
    Ok(db.execute_raw(careful).await?.rows_affected())
}

/// The reading pass, off the async runtime, feeding `COPY` on one connection of the pool as it goes; a
/// refused row is reported and the rest are still loaded, so repeats among them can be named too.
async fn load(
    db: &DatabaseConnection,
    table: &str,
    layout: Arc<ChargeLayout>,
    path: &Path,
    progress: &Arc<dyn Progress>,
) -> Result<Reading, AppError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let (path, reader_progress) = (path.to_owned(), progress.clone());
    let reader = tokio::task::spawn_blocking(move || -> Result<Reading, AppError> {
        let mut report = ImportReport::default();
        let mut periods = BTreeMap::new();
        let mut buffer = Vec::with_capacity(COPY_BUFFER + 4096);
        let mut stopped = false;
        let columns = layout.columns();
        let (header, rows, sha256) =
            read_rows(&path, columns, &*reader_progress, |line, fields| {
                match fields.map_err(|p| vec![p]).and_then(|f| layout.parse(f)) {
                    Ok(row) => {
                        *periods.entry(row.period).or_insert(0) += 1;
                        if !stopped {
                            encode(&mut buffer, line, &row);
                            if buffer.len() >= COPY_BUFFER {
                                let full = std::mem::replace(
                                    &mut buffer,
                                    Vec::with_capacity(COPY_BUFFER + 4096),
                                );
                                // The writer has gone (it failed): stop sending.
                                stopped = tx.blocking_send(full).is_err();
                            }
                        }
                    }
                    Err(problems) => problems
                        .into_iter()
                        .for_each(|p| reject(&mut report, line, p)),
                }
            })?;
        if !buffer.is_empty() && !stopped {
            let _ = tx.blocking_send(buffer);
        }
        report.rows = rows;
        refuse_header(&mut report, header, columns);
        Ok(Reading {
            report,
            periods,
            sha256,
        })
    });
    let mut connection = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(sqlx_error)?;
    let mut copy = connection
        .copy_in_raw(&format!("COPY {table} ({STAGED}) FROM STDIN"))
        .await
        .map_err(sqlx_error)?;
    let mut sent = Ok(());
    while let Some(buffer) = rx.recv().await {
        if let Err(e) = copy.send(buffer).await {
            sent = Err(sqlx_error(e));
            break;
        }
    }
    // Dropping the receiver stops the reader if the copy failed.
    drop(rx);
    let reading = reader
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the reading pass failed: {e}")))?;
    match (sent, reading) {
        (Ok(()), Ok(reading)) => {
            copy.finish().await.map_err(sqlx_error)?;
            Ok(reading)
        }
        (Err(e), _) | (Ok(()), Err(e)) => {
            let _ = copy.abort("the import failed").await;
            Err(e)
        }
    }
}

/// One line in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
fn encode(out: &mut Vec<u8>, line: u64, row: &ChargeLine) {
    use std::io::Write;
    fn text(out: &mut Vec<u8>, s: &str) {
        for b in s.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
        out.push(b'\t');
    }
    let _ = write!(out, "{line}\t{}\t", hash_of(row) as i64);
    text(out, &row.source_line_id);
    text(out, row.business_type.as_str());
    text(out, &row.prescribing_dept_code);
    text(out, &row.executing_dept_code);
    text(out, &row.item_code);
    text(out, &row.item_name);
    match &row.item_category {
        Some(c) => text(out, c),
        None => out.extend_from_slice(b"\\N\t"),
    }
    let _ = writeln!(
        out,
        "{}\t{}\t{}\t{}",
        row.quantity.scaled(),
        row.amount.scaled(),
        row.charged_at.format("%Y-%m-%d %H:%M:%S%.6f+00"),
        row.period
    );
}

/// Reports every line that repeats an earlier line's `source_line_id` with other content: the database
/// groups the staged lines by id, and only the ids with two contents are read back, in line order; past the
/// listed problems they are only counted.
async fn name_repeats(
    db: &DatabaseConnection,
    table: &str,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    let repeats = format!(
        "SELECT line, source_line_id, first_line FROM (SELECT line, source_line_id, content, \
         FIRST_VALUE(line) OVER w AS first_line, FIRST_VALUE(content) OVER w AS first_content \
         FROM {table} WHERE source_line_id IN (SELECT source_line_id FROM {table} GROUP BY source_line_id \
         HAVING MIN(content) <> MAX(content)) \
         WINDOW w AS (PARTITION BY source_line_id ORDER BY line)) x \
         WHERE content <> first_content"
    );
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT r.*, COUNT(*) OVER () AS n FROM ({repeats}) r ORDER BY line LIMIT {MAX_LISTED}"),
        ))
        .await?;
    let mut listed = 0;
    for r in &rows {
        let line: i64 = r.try_get("", "line")?;
        let key: String = r.try_get("", "source_line_id")?;
        let first_line: i64 = r.try_get("", "first_line")?;
        reject(
            report,
            line as u64,
            ChargeLayout::repeat(&key, first_line as u64),
        );
        listed += 1;
    }
    if let Some(r) = rows.first() {
        let all: i64 = r.try_get("", "n")?;
        let unlisted = u64::try_from(all - listed).unwrap_or(0);
        report.error_count += unlisted;
        report.errors_not_listed += unlisted;
    }
    Ok(())
}
