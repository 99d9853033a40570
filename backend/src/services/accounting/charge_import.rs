//! Charge lines written in chunks under an import of their own (docs/imports.md): a PENDING import's lines are
//! committed a chunk at a time, so the front desk's writes interleave on SQLite, and they count for readers only
//! once one small final transaction marks the import COMPLETE. One import per hospital is pending at a time (its
//! lines occupy their keys); a failed one removes its lines, and one whose process died is removed once its lease
//! runs out.
use crate::{
    db::begin_write,
    domain::accounting::charge_line::ImportStatus,
    entities::accounting::charge_import,
    error::{AppError, ErrorCode},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
    sea_query::{Expr, ExprTrait},
};
use std::time::Duration;

/// How long a pending import stays its hospital's without writing a chunk; every chunk renews it. Past it the
/// import is taken for abandoned (its process was killed) and removed.
pub const LEASE: Duration = Duration::from_secs(60);
/// Lines committed per transaction at most, and how long a transaction may stay open: whichever comes first
/// ends the chunk, so SQLite's write lock is held a fraction of a second at a time and the other writers get
/// their turn between chunks, however fast the machine.
pub const ROWS_PER_TRANSACTION: usize = 20_000;
pub const CHUNK_TIME: Duration = Duration::from_millis(400);
/// How long the import lets go of SQLite's write lock between chunks. SQLite's waiting writers do not queue:
/// each sleeps and retries (every 100 ms once it has waited a while), so an import that took the lock again at
/// once would keep it from them until their busy timeout ran out.
const SQLITE_PAUSE: Duration = Duration::from_millis(100);
/// Lines removed per transaction when an import is discarded.
const DELETE_CHUNK: u64 = 20_000;

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::minutes(1))
}

/// A pending import of one hospital: write its lines with [`Pending::begin_chunk`], then [`Pending::complete`]
/// it, or [`Pending::discard`] it.
#[derive(Debug, Clone, Copy)]
pub struct Pending {
    pub id: i64,
    pub hospital_id: i64,
}

/// Opens a pending import for the hospital. Another live pending import of the hospital answers 409
/// `IMPORT_IN_PROGRESS`; an abandoned one (lease run out) is removed first.
#[tracing::instrument(skip_all)]
pub async fn open(db: &DatabaseConnection, hospital_id: i64) -> Result<Pending, AppError> {
    for _ in 0..3 {
        let now = Utc::now();
        let inserted = charge_import::Entity::insert(charge_import::ActiveModel {
            hospital_id: Set(hospital_id),
            status: Set(ImportStatus::Pending),
            pending_hospital_id: Set(Some(hospital_id)),
            completed_seq: Set(None),
            lease_until: Set(lease_end(now)),
            created_at: Set(now),
            completed_at: Set(None),
            ..Default::default()
        })
        .exec(db)
        .await;
        match inserted {
            Ok(r) => {
                return Ok(Pending {
                    id: r.last_insert_id,
                    hospital_id,
                });
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                let holder = charge_import::Entity::find()
                    .filter(charge_import::Column::PendingHospitalId.eq(hospital_id))
                    .one(db)
                    .await?;
                match holder {
                    Some(h) if h.lease_until > now => {
                        return Err(AppError::Conflict {
                            code: ErrorCode::ImportInProgress,
                            message: "another charge import of this hospital is being written; try again when \
                                      it is done"
                                .into(),
                        });
                    }
                    Some(h) => {
                        tracing::warn!(import_id = h.id, "removing an abandoned charge import");
                        discard_id(db, h.id).await?;
                    }
                    None => {}
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict {
        code: ErrorCode::ImportInProgress,
        message:
            "another charge import of this hospital is being written; try again when it is done"
                .into(),
    })
}

impl Pending {
    /// A write transaction for the next chunk; its first statement renews the lease, on the condition that the
    /// import is still pending (it fails if the import was removed as abandoned meanwhile).
    pub async fn begin_chunk(
        &self,
        db: &DatabaseConnection,
    ) -> Result<DatabaseTransaction, AppError> {
        let txn = begin_write(db).await?;
        self.renew(&txn).await?;
        Ok(txn)
    }

    /// Commits a chunk and, on SQLite, lets the writers waiting for the lock have it before the next one.
    pub async fn commit_chunk(&self, txn: DatabaseTransaction) -> Result<(), AppError> {
        let sqlite = txn.get_database_backend() == sea_orm::DbBackend::Sqlite;
        txn.commit().await?;
        if sqlite {
            tokio::time::sleep(SQLITE_PAUSE).await;
        }
        Ok(())
    }

    /// Renews the lease on its own, for an import whose writing takes longer than the lease (PostgreSQL's
    /// COPY and one `INSERT … SELECT`).
    pub async fn keep_alive(&self, db: &DatabaseConnection) -> Result<(), AppError> {
        self.renew(db).await
    }

    async fn renew(&self, conn: &impl ConnectionTrait) -> Result<(), AppError> {
        let held = charge_import::Entity::update_many()
            .col_expr(
                charge_import::Column::LeaseUntil,
                Expr::value(lease_end(Utc::now())),
            )
            .filter(charge_import::Column::Id.eq(self.id))
            .filter(charge_import::Column::Status.eq(ImportStatus::Pending))
            .exec(conn)
            .await?
            .rows_affected;
        if held == 0 {
            return Err(AppError::Internal(anyhow::anyhow!(
                "charge import {} was removed while it was written (its lease ran out)",
                self.id
            )));
        }
        Ok(())
    }

    /// Marks the import COMPLETE with the next sequence number, and adds its lines to the charge totals, in one
    /// transaction that also runs `finish` (the audit entry): from its commit on, readers see every line of the
    /// import.
    pub async fn complete<F>(&self, db: &DatabaseConnection, finish: F) -> Result<(), AppError>
    where
        F: AsyncFnOnce(&DatabaseTransaction) -> Result<(), AppError>,
    {
        let mut attempt = 0;
        let txn = loop {
            attempt += 1;
            let txn = self.begin_chunk(db).await?;
            let seq = completed_up_to(&txn).await? + 1;
            let marked = charge_import::Entity::update_many()
                .col_expr(
                    charge_import::Column::Status,
                    Expr::value(ImportStatus::Complete),
                )
                .col_expr(charge_import::Column::CompletedSeq, Expr::value(seq))
                .col_expr(
                    charge_import::Column::PendingHospitalId,
                    Expr::value(Option::<i64>::None),
                )
                .col_expr(charge_import::Column::CompletedAt, Expr::value(Utc::now()))
                .filter(charge_import::Column::Id.eq(self.id))
                .exec(&txn)
                .await;
            match marked {
                Ok(_) => break txn,
                // Two imports of different hospitals completing at once on PostgreSQL or MySQL may take the
                // same number: the unique key refuses the second (or MySQL's locks on it deadlock), which takes
                // the next one.
                Err(e)
                    if attempt < 10
                        && (matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
                            || crate::db::is_retryable(&e)) =>
                {
                    txn.rollback().await?;
                }
                Err(e) => return Err(e.into()),
            }
        };
        super::charge_totals::add_import(&txn, self.id).await?;
        finish(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Removes the import's lines (in chunks) and the import itself.
    pub async fn discard(&self, db: &DatabaseConnection) -> Result<(), AppError> {
        discard_id(db, self.id).await
    }
}

/// Removes a pending import's staging table (PostgreSQL), its lines, a chunk per transaction, then the import.
async fn discard_id(db: &DatabaseConnection, id: i64) -> Result<(), AppError> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!(
            "DROP TABLE IF EXISTS {}",
            super::imports::staging_table(id)
        ))
        .await?;
    }
    loop {
        let txn = begin_write(db).await?;
        // A chunk of ids first: MySQL and SQLite (as built) have no DELETE … LIMIT in common with PostgreSQL.
        let ids: Vec<i64> = crate::entities::accounting::charge_detail::Entity::find()
            .select_only()
            .column(crate::entities::accounting::charge_detail::Column::Id)
            .filter(crate::entities::accounting::charge_detail::Column::ImportId.eq(id))
            .limit(DELETE_CHUNK)
            .into_tuple()
            .all(&txn)
            .await?;
        if ids.is_empty() {
            charge_import::Entity::delete_many()
                .filter(charge_import::Column::Id.eq(id))
                .filter(charge_import::Column::Status.eq(ImportStatus::Pending))
                .exec(&txn)
                .await?;
            txn.commit().await?;
            return Ok(());
        }
        for part in ids.chunks(4_000) {
            crate::entities::accounting::charge_detail::Entity::delete_many()
                .filter(
                    crate::entities::accounting::charge_detail::Column::Id
                        .is_in(part.iter().copied()),
                )
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
    }
}

/// Removes the pending imports whose lease has run out (their process died): at start-up, so a killed import
/// leaves nothing behind. A live import of another process (a second server, the command line) is left alone.
#[tracing::instrument(skip_all)]
pub async fn clean_abandoned(db: &DatabaseConnection) -> Result<u64, AppError> {
    let stale: Vec<i64> = charge_import::Entity::find()
        .select_only()
        .column(charge_import::Column::Id)
        .filter(charge_import::Column::Status.eq(ImportStatus::Pending))
        .filter(charge_import::Column::LeaseUntil.lt(Utc::now()))
        .into_tuple()
        .all(db)
        .await?;
    for id in &stale {
        discard_id(db, *id).await?;
    }
    Ok(stale.len() as u64)
}

/// The highest sequence number of the imports complete now: a calculation run takes the imports up to it, so an
/// import completing while the run goes on counts in none of its departments rather than in some.
#[tracing::instrument(skip_all)]
pub async fn completed_up_to(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let last: Option<Option<i64>> = charge_import::Entity::find()
        .select_only()
        .column_as(charge_import::Column::CompletedSeq.max(), "seq")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// The charge lines a calculation run of one hospital counts: those without an import, and those of the
/// hospital's imports complete up to sequence number `up_to` (the run's start), so an import completing while
/// the run goes on counts in none of its departments rather than in some.
///
/// Spelled as a bound on the import id rather than a lookup of every complete import: `through` is the highest
/// id among the counted imports, `except` the hospital's imports below it that are not counted. A run compares
/// each of a month's lines against a number and (almost always) an empty list, where `import_id IN (complete
/// imports)` probed a hash for each of them — a third of GENERATE_DETAILS at 10M lines on PostgreSQL. Both
/// spellings pick the same lines: an import id names one import of the line's hospital, an id is never handed
/// out again, and `except` lists every import of the hospital below `through` that is not counted, whatever its
/// state (one pending at a time per hospital makes the list empty in practice; a discarded import's lines go
/// before its row does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    through: Option<i64>,
    except: Vec<i64>,
}

impl Counted {
    /// The SQL condition that a charge line of the hospital (table alias `alias`) is counted.
    pub fn sql(&self, alias: &str) -> String {
        let line = format!("{alias}.import_id");
        match self.through {
            None => format!("{line} IS NULL"),
            Some(through) if self.except.is_empty() => {
                format!("({line} IS NULL OR {line} <= {through})")
            }
            Some(through) => {
                let except: Vec<String> = self.except.iter().map(i64::to_string).collect();
                format!(
                    "({line} IS NULL OR ({line} <= {through} AND {line} NOT IN ({})))",
                    except.join(", ")
                )
            }
        }
    }
}

/// What a run of `hospital_id` starting now counts.
pub async fn counted_now(conn: &impl ConnectionTrait, hospital_id: i64) -> Result<Counted, DbErr> {
    counted(conn, hospital_id, completed_up_to(conn).await?).await
}

/// What a run of `hospital_id` counts of the imports complete up to `up_to` ([`completed_up_to`] when it
/// started); the same answer whenever it is asked once `up_to` is taken.
#[tracing::instrument(skip_all)]
pub async fn counted(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    up_to: i64,
) -> Result<Counted, DbErr> {
    let of_hospital =
        || charge_import::Entity::find().filter(charge_import::Column::HospitalId.eq(hospital_id));
    let through: Option<Option<i64>> = of_hospital()
        .select_only()
        .column_as(charge_import::Column::Id.max(), "id")
        .filter(charge_import::Column::CompletedSeq.lte(up_to))
        .into_tuple()
        .one(conn)
        .await?;
    let through = through.flatten();
    let except = match through {
        None => Vec::new(),
        Some(through) => {
            of_hospital()
                .select_only()
                .column(charge_import::Column::Id)
                .filter(charge_import::Column::Id.lt(through))
                .filter(
                    charge_import::Column::CompletedSeq
                        .is_null()
                        .or(charge_import::Column::CompletedSeq.gt(up_to)),
                )
                .order_by_asc(charge_import::Column::Id)
                .into_tuple()
                .all(conn)
                .await?
        }
    };
    Ok(Counted { through, except })
}
