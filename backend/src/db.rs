//! Connecting to the database and running migrations, the same way for SQLite, PostgreSQL and MySQL.
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// How long a SQLite writer waits for the write lock by default (`APP_SQLITE_BUSY_TIMEOUT_MS`).
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, max_connections, SQLITE_BUSY_TIMEOUT).await
}

/// Connects with SQLite's busy timeout given.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    busy_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(dir) = std::path::Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    // A SQLite file is created on first start unless the URL says otherwise (`?mode=ro`, `?mode=rw`).
    let create_sqlite_file = !url.contains("mode=");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        // WAL lets readers run beside the one writer; the busy timeout makes writers queue instead of
        // failing with SQLITE_BUSY.
        .map_sqlx_sqlite_opts(move |o| {
            let o = if create_sqlite_file {
                o.create_if_missing(true)
            } else {
                o
            };
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(busy_timeout)
                .foreign_keys(true)
        });
    // Switching a new SQLite file to WAL takes an exclusive lock that SQLite may refuse at once, without
    // waiting out the busy timeout, while another process does the same: such a start tries again.
    let started = std::time::Instant::now();
    loop {
        match Database::connect(options.clone()).await {
            Err(e) if is_sqlite_busy(&e) && started.elapsed() < busy_timeout => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            connected => {
                let mut db = connected.context("connecting to the database")?;
                db.set_metric_callback(|info| crate::metrics::get().db_statement(info.failed));
                return Ok(db);
            }
        }
    }
}

/// SQLITE_BUSY ("database is locked") while connecting.
fn is_sqlite_busy(err: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx::Error};
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => match e.as_ref() {
            Error::Database(e) => e.code().as_deref() == Some("5"),
            _ => false,
        },
        _ => false,
    }
}

/// Connects as the settings say and brings the schema up to date.
pub async fn open(settings: &crate::config::Settings) -> anyhow::Result<DatabaseConnection> {
    use secrecy::ExposeSecret;
    let url = settings.database_url.expose_secret();
    let db = connect_with(
        &with_ca_file(url, settings.db_ca_file.as_deref()),
        settings.db_max_connections,
        settings.sqlite_busy_timeout,
    )
    .await?;
    migrate(&db).await?;
    Ok(db)
}

/// Brings the schema up to date, one instance at a time: servers started together on an empty database
/// would otherwise race on the same `CREATE TABLE`s. The others wait for the lock, then find nothing left
/// to do. The lock: a transaction-scoped advisory lock on PostgreSQL, `GET_LOCK` on MySQL/MariaDB (each
/// held by a connection of its own while the migrations run on the others), and on SQLite an exclusive
/// lock on a file beside the database (`<file>-migrate.lock`).
/// The URL with the CA file as its driver's parameter (`sslrootcert` on PostgreSQL, `ssl-ca` on MySQL),
/// unless the URL names one itself. TLS itself is asked for in the URL: `sslmode=require` / `verify-ca` /
/// `verify-full` on PostgreSQL, `ssl-mode=REQUIRED` / `VERIFY_CA` / `VERIFY_IDENTITY` on MySQL.
pub fn with_ca_file(url: &str, ca_file: Option<&std::path::Path>) -> String {
    let param = if url.starts_with("postgres") {
        "sslrootcert"
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        "ssl-ca"
    } else {
        return url.to_owned();
    };
    match ca_file {
        Some(file) if !url.contains(&format!("{param}=")) => {
            let separator = if url.contains('?') { '&' } else { '?' };
            let file: String =
                form_urlencoded::byte_serialize(file.to_string_lossy().as_bytes()).collect();
            format!("{url}{separator}{param}={file}")
        }
        _ => url.to_owned(),
    }
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let up = || async { Migrator::up(db, None).await.context("running migrations") };
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let lock = db.begin().await?;
            lock.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await
            .context("waiting for the migration lock")?;
            let migrated = up().await;
            lock.commit().await?;
            migrated
        }
        DbBackend::MySql => {
            let lock = db.begin().await?;
            let acquired = lock
                .query_one_raw(Statement::from_string(
                    DbBackend::MySql,
                    format!(
                        "SELECT GET_LOCK('{MIGRATION_LOCK_NAME}', {}) AS acquired",
                        MIGRATION_LOCK_WAIT.as_secs()
                    ),
                ))
                .await
                .context("waiting for the migration lock")?
                .and_then(|row| row.try_get::<Option<i64>>("", "acquired").ok().flatten());
            if acquired != Some(1) {
                anyhow::bail!(
                    "another instance held the migration lock for {} s",
                    MIGRATION_LOCK_WAIT.as_secs()
                );
            }
            let migrated = up().await;
            lock.execute_unprepared(&format!("DO RELEASE_LOCK('{MIGRATION_LOCK_NAME}')"))
                .await?;
            lock.commit().await?;
            migrated
        }
        _ => {
            let _lock = match sqlite_file(db).await? {
                Some(file) => Some(lock_file(file).await?),
                None => None,
            };
            up().await
        }
    }
}

/// The PostgreSQL advisory lock key of migrations ("hospmigr").
const MIGRATION_LOCK_KEY: i64 = 0x686f_7370_6d69_6772;
const MIGRATION_LOCK_NAME: &str = "hospital.migrations";
/// How long an instance waits for another's migrations (MySQL's lock needs a bound).
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(600);

/// The main database's file, or none for an in-memory database.
async fn sqlite_file(db: &DatabaseConnection) -> anyhow::Result<Option<std::path::PathBuf>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA database_list",
        ))
        .await?;
    Ok(rows
        .iter()
        .find(|r| r.try_get::<String>("", "name").is_ok_and(|n| n == "main"))
        .and_then(|r| r.try_get::<String>("", "file").ok())
        .filter(|f| !f.is_empty())
        .map(std::path::PathBuf::from))
}

/// Waits for an exclusive lock on `<file>-migrate.lock`; released when the returned file is dropped.
async fn lock_file(database: std::path::PathBuf) -> anyhow::Result<std::fs::File> {
    let mut name = database.into_os_string();
    name.push("-migrate.lock");
    let path = std::path::PathBuf::from(name);
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(file)
    })
    .await?
}

/// A transaction that will write: on SQLite it takes the write lock at BEGIN (`BEGIN IMMEDIATE`), so two
/// read-then-write transactions queue on the busy timeout instead of one failing with SQLITE_BUSY.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(options).await
}

/// A transaction for bulk `INSERT … SELECT` work: a write transaction on SQLite, READ COMMITTED on MySQL and
/// PostgreSQL. MySQL's default REPEATABLE READ takes shared locks on every row an `INSERT … SELECT` reads, so two
/// calculations (or a calculation and the cashiers) would deadlock on the charge lines they both read.
pub async fn begin_bulk(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => begin_write(db).await,
        _ => {
            db.begin_with_options(TransactionOptions {
                isolation_level: Some(sea_orm::IsolationLevel::ReadCommitted),
                ..Default::default()
            })
            .await
        }
    }
}

/// Whether an error is a deadlock, a serialization failure or another transient refusal: the transaction was
/// rolled back and may simply be run again.
pub fn is_retryable(err: &DbErr) -> bool {
    let text = err.to_string();
    // 1467: MariaDB occasionally fails an INSERT … SELECT run beside others on the same table with "Failed to
    // read auto-increment value from storage engine"; the statement succeeds when run again.
    [
        "40001",
        "40P01",
        "Deadlock found",
        "deadlock detected",
        "1467 (HY000)",
    ]
    .iter()
    .any(|marker| text.contains(marker))
}

/// Whether the database answers (readiness).
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Whether a database server is known to be unreachable right now. The connection pool waits its whole
/// acquire timeout for a server that refuses connections (it takes that for one starting up), so every
/// request would hang for it; instead a watcher probes the server and, while it is unreachable, requests are
/// answered 503 at once. SQLite, a file, is never "down".
#[derive(Clone)]
pub struct Health {
    down: tokio::sync::watch::Receiver<bool>,
}

/// How often the watcher pings a healthy server, and how long a ping or a probe may take.
const PING_EVERY: Duration = Duration::from_millis(500);
const PROBE_EVERY_WHILE_DOWN: Duration = Duration::from_millis(250);
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

impl Health {
    /// Starts watching `db` (on a server database) and returns the state it keeps.
    pub fn watch(db: &DatabaseConnection) -> Self {
        let (tx, down) = tokio::sync::watch::channel(false);
        if db.get_database_backend() != DbBackend::Sqlite {
            let db = db.clone();
            tokio::spawn(async move {
                loop {
                    let was_down = *tx.borrow();
                    tokio::time::sleep(if was_down {
                        PROBE_EVERY_WHILE_DOWN
                    } else {
                        PING_EVERY
                    })
                    .await;
                    // A healthy server answers the pool's ping; only when it does not is a new connection tried,
                    // so an exhausted pool is not taken for an outage.
                    let pinged = !was_down
                        && matches!(
                            tokio::time::timeout(PROBE_TIMEOUT, ping(&db)).await,
                            Ok(Ok(()))
                        );
                    let reachable = pinged || reachable(&db).await;
                    if reachable == was_down {
                        if reachable {
                            tracing::info!("the database is reachable again");
                        } else {
                            tracing::error!(
                                "the database is unreachable; answering 503 until it returns"
                            );
                        }
                        tx.send_replace(!reachable);
                    }
                    if tx.is_closed() {
                        break;
                    }
                }
            });
        }
        Self { down }
    }

    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Resolves once the database is found unreachable.
    pub async fn went_down(&self) {
        let mut down = self.down.clone();
        if down.wait_for(|d| *d).await.is_err() {
            // The watcher is gone: it will never report an outage.
            std::future::pending::<()>().await;
        }
    }
}

/// Whether a new connection to the server can be opened. A server that answers with an error (too many
/// connections, say) is reachable: only a refused, reset or silent one is an outage.
async fn reachable(db: &DatabaseConnection) -> bool {
    use sea_orm::sqlx::{ConnectOptions, Connection, Error};
    async fn attempt<O: ConnectOptions>(options: &O) -> Result<(), Error>
    where
        O::Connection: Sized,
    {
        options.connect().await?.close().await
    }
    let result = tokio::time::timeout(PROBE_TIMEOUT, async {
        match db.get_database_backend() {
            DbBackend::Postgres => {
                attempt(&*db.get_postgres_connection_pool().connect_options()).await
            }
            DbBackend::MySql => attempt(&*db.get_mysql_connection_pool().connect_options()).await,
            _ => Ok(()),
        }
    })
    .await;
    match result {
        Ok(Ok(())) | Ok(Err(Error::Database(_))) => true,
        Ok(Err(_)) | Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::with_ca_file;
    use std::path::Path;

    #[test]
    fn the_ca_file_becomes_the_drivers_parameter() {
        let ca = Some(Path::new("/etc/hospital/db ca.pem"));
        assert_eq!(
            with_ca_file("postgres://h@db/hospital?sslmode=verify-full", ca),
            "postgres://h@db/hospital?sslmode=verify-full&sslrootcert=%2Fetc%2Fhospital%2Fdb+ca.pem"
        );
        assert_eq!(
            with_ca_file("mysql://h@db/hospital", ca),
            "mysql://h@db/hospital?ssl-ca=%2Fetc%2Fhospital%2Fdb+ca.pem"
        );
        // The URL's own choice stays; SQLite has no TLS; no file, no change.
        let own = "postgres://h@db/hospital?sslrootcert=/own.pem";
        assert_eq!(with_ca_file(own, ca), own);
        assert_eq!(with_ca_file("sqlite://data/h.db", ca), "sqlite://data/h.db");
        assert_eq!(with_ca_file("mysql://h@db/x", None), "mysql://h@db/x");
    }
}
