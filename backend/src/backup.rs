//! Backups of the embedded (SQLite) database: a consistent copy taken while the server keeps working, and
//! its restore. Server databases are backed up with their own tools (`pg_dump`, `mariadb-dump`); see
//! docs/operations.md.
use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};

/// What a backup file holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub bytes: u64,
    /// Migrations applied in the copy: a restore needs a server of at least that schema.
    pub migrations: i64,
}

/// Writes a consistent copy of the database to `target`, which must not exist yet: `VACUUM INTO` reads one
/// snapshot, so writes that go on meanwhile are either wholly in the copy or not at all.
pub async fn backup(db: &DatabaseConnection, target: &Path) -> anyhow::Result<BackupSummary> {
    if db.get_database_backend() != DbBackend::Sqlite {
        bail!(
            "`hospital backup` copies a SQLite database; back up PostgreSQL with pg_dump and \
             MySQL/MariaDB with mariadb-dump (docs/operations.md)"
        );
    }
    if target.exists() {
        bail!(
            "{} exists: a backup never overwrites a file",
            target.display()
        );
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let path = target.to_str().context("the backup's path is not UTF-8")?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .with_context(|| format!("writing {}", target.display()))?;
    verify(target).await
}

/// Checks that `file` is an intact SQLite database of this system (integrity check, migrations applied).
pub async fn verify(file: &Path) -> anyhow::Result<BackupSummary> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let db = open_read_only(file).await?;
    let one = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await
                .with_context(|| format!("{sql} in {}", file.display()))?
                .context("no answer")
        }
    };
    let integrity: String = one("PRAGMA integrity_check").await?.try_get_by_index(0)?;
    if integrity != "ok" {
        bail!("{} is damaged: {integrity}", file.display());
    }
    let migrations: i64 = one("SELECT COUNT(*) FROM seaql_migrations")
        .await
        .with_context(|| format!("{} is not a database of this system", file.display()))?
        .try_get_by_index(0)?;
    db.close().await?;
    Ok(BackupSummary {
        file: file.to_path_buf(),
        bytes: std::fs::metadata(file)?.len(),
        migrations,
    })
}

/// A SQLite file opened for reading only, its journal mode as it is.
pub async fn open_read_only(file: &Path) -> anyhow::Result<DatabaseConnection> {
    let mut options = sea_orm::ConnectOptions::new(format!("sqlite://{}?mode=ro", file.display()));
    options.max_connections(1).sqlx_logging(false);
    sea_orm::Database::connect(options)
        .await
        .with_context(|| format!("opening {}", file.display()))
}

/// Restores `backup` as the SQLite database `url` names. The server must be stopped. A database already
/// there is replaced only when `replace` is set, and then kept beside it as `<file>.before-restore-<time>`
/// (with its `-wal` and `-shm` files), so a restore can be undone.
pub async fn restore(backup: &Path, url: &str, replace: bool) -> anyhow::Result<BackupSummary> {
    let summary = verify(backup).await?;
    let Some(target) = url
        .strip_prefix("sqlite://")
        .map(|rest| PathBuf::from(rest.split('?').next().unwrap_or_default()))
    else {
        bail!(
            "`hospital restore` restores a SQLite database; restore PostgreSQL with pg_restore and \
             MySQL/MariaDB with mariadb (docs/operations.md)"
        );
    };
    if target.exists() {
        if !replace {
            bail!(
                "{} exists: stop the server and add --replace to restore over it (it is kept beside)",
                target.display()
            );
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        for suffix in ["", "-wal", "-shm"] {
            let mut from = target.clone().into_os_string();
            from.push(suffix);
            let from = PathBuf::from(from);
            if from.exists() {
                let mut kept = target.clone().into_os_string();
                kept.push(format!(".before-restore-{stamp}{suffix}"));
                std::fs::rename(&from, &kept)
                    .with_context(|| format!("moving {} aside", from.display()))?;
            }
        }
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(backup, &target)
        .with_context(|| format!("copying {} to {}", backup.display(), target.display()))?;
    verify(&target).await?;
    Ok(summary)
}
