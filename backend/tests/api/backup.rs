//! Backups taken while the front desk keeps writing, and restored into a fresh database: the copy is one
//! consistent moment (every department came with its audit entry) and every row in it is the row the live
//! database had. SQLite through `hospital backup` / `hospital restore`; PostgreSQL and MariaDB through the
//! `pg_dump` / `pg_restore` and `mariadb-dump` / `mariadb` commands docs/operations.md gives.
use crate::helpers::{Backend, TestApp, admin, server_url};
use hospital::entities::foundation::{audit_log, department};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Statement,
};
use std::{path::Path, process::Command, time::Duration};

/// Departments created one after another by four writers until `stop`; answers how many were created.
fn keep_writing(
    app: &TestApp,
    token: &str,
) -> (
    tokio::task::JoinHandle<usize>,
    tokio::sync::watch::Sender<bool>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let client = app.client.clone();
    let url = app.url("/api/v1/departments");
    let token = token.to_owned();
    let writers = tokio::spawn(async move {
        let mut handles = Vec::new();
        for writer in 0..4 {
            let (client, url, token, stopped) =
                (client.clone(), url.clone(), token.clone(), stopped.clone());
            handles.push(tokio::spawn(async move {
                let mut created = 0;
                while !*stopped.borrow() && created < 200 {
                    let resp = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({
                            "code": format!("W{writer}-{created}"),
                            "name": format!("科室{writer}-{created}"),
                        }))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 201);
                    created += 1;
                }
                created
            }));
        }
        let mut total = 0;
        for h in handles {
            total += h.await.unwrap();
        }
        total
    });
    (writers, stop)
}

async fn wait_for_departments(db: &DatabaseConnection, at_least: u64) {
    for _ in 0..600 {
        if department::Entity::find().count(db).await.unwrap() >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the writers did not create {at_least} departments");
}

/// The copy is one moment of the live database: each department with its audit entry, and each equal to
/// the live row. Answers how many it holds.
async fn assert_consistent_copy(copy: &DatabaseConnection, live: &DatabaseConnection) -> usize {
    let copied = department::Entity::find().all(copy).await.unwrap();
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("DEPARTMENT_CREATE"))
        .count(copy)
        .await
        .unwrap();
    assert_eq!(
        copied.len() as u64,
        audited,
        "departments and their audit entries"
    );
    for row in &copied {
        let live_row = department::Entity::find_by_id(row.id)
            .one(live)
            .await
            .unwrap();
        assert_eq!(live_row.as_ref(), Some(row), "department {}", row.id);
    }
    copied.len()
}

fn hospital_cli(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hospital"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .env_remove("JWT_SECRET")
        .output()
        .unwrap()
}

/// Every row of every table of a SQLite database, as JSON text, in a stable order.
async fn sqlite_rows(db: &DatabaseConnection) -> Vec<(String, Vec<String>)> {
    let backend = db.get_database_backend();
    let tables: Vec<String> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    let mut all = Vec::new();
    for table in tables {
        let columns: Vec<String> = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT name FROM pragma_table_info('{table}')"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index(0).unwrap())
            .collect();
        let fields: Vec<String> = columns.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT json_object({}) FROM \"{table}\" ORDER BY rowid",
                    fields.join(", ")
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index(0).unwrap())
            .collect();
        all.push((table, rows));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sqlite_backup_under_write_load_restores_every_row() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let token = app.admin().await;
    let (writers, stop) = keep_writing(&app, &token);
    wait_for_departments(&app.db, 40).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backups/hospital-1.db");
    let summary = hospital::backup::backup(&app.db, &file).await.unwrap();
    assert!(summary.migrations > 0 && summary.bytes > 0, "{summary:?}");
    // A backup never overwrites one.
    assert!(hospital::backup::backup(&app.db, &file).await.is_err());
    stop.send(true).unwrap();
    let created = writers.await.unwrap();

    let copy = hospital::backup::open_read_only(&file).await.unwrap();
    let copied = assert_consistent_copy(&copy, &app.db).await;
    assert!(copied >= 40 && copied <= created, "{copied} of {created}");

    // Restored by the command line into a fresh database: every row of every table as in the backup.
    let restored = dir.path().join("restored/hospital.db");
    let url = format!("sqlite://{}", restored.display());
    let out = hospital_cli(&["restore", file.to_str().unwrap()], &url);
    assert!(out.status.success(), "{out:?}");
    let restored_db = hospital::backup::open_read_only(&restored).await.unwrap();
    let (backup_rows, restored_rows) = (sqlite_rows(&copy).await, sqlite_rows(&restored_db).await);
    assert!(
        backup_rows
            .iter()
            .any(|(t, rows)| t == "department" && rows.len() == copied)
    );
    assert_eq!(backup_rows, restored_rows);
    restored_db.close().await.unwrap();

    // Over an existing database only when asked, and the old one is kept beside.
    let again = hospital_cli(&["restore", file.to_str().unwrap()], &url);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("--replace"),
        "{again:?}"
    );
    let replaced = hospital_cli(&["restore", "--replace", file.to_str().unwrap()], &url);
    assert!(replaced.status.success(), "{replaced:?}");
    let kept = std::fs::read_dir(restored.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".before-restore-"))
        .count();
    assert!(kept >= 1);

    // A file that is not a backup of this system is refused.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let refused = hospital_cli(&["restore", junk.to_str().unwrap()], &url);
    assert!(!refused.status.success());
}

/// Runs a command as docs/operations.md gives it; None when the tool is not installed here.
fn run(program: &str, args: &[&str], stdin: Option<&Path>, stdout: Option<&Path>) -> Option<()> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some(input) = stdin {
        cmd.stdin(std::fs::File::open(input).unwrap());
    }
    if let Some(output) = stdout {
        cmd.stdout(std::fs::File::create(output).unwrap());
    }
    match cmd.output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{program} is not installed: skipped");
            None
        }
        Err(e) => panic!("{program}: {e}"),
        Ok(out) => {
            assert!(out.status.success(), "{program} {args:?}: {out:?}");
            Some(())
        }
    }
}

/// (host, port, user) of a URL such as mysql://root@127.0.0.1:3306/hospital.
fn server_parts(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").unwrap().1;
    let rest = rest.split('/').next().unwrap();
    let (user, host_port) = rest.split_once('@').unwrap();
    let (host, port) = host_port.split_once(':').unwrap();
    (
        host.to_owned(),
        port.to_owned(),
        user.split(':').next().unwrap().to_owned(),
    )
}

/// A server database dumped by its own tool while the API keeps writing, restored into a new database by
/// its own tool: a consistent copy of the live rows, on which the server starts with nothing to migrate.
/// `dump(app, file)` answers None when the tool is not installed; `restore(new_url, file)`.
async fn dump_under_write_load_restores_every_row(
    backend: Backend,
    server_var: &str,
    dump: impl FnOnce(&TestApp, &Path) -> Option<()>,
    restore: impl FnOnce(&str, &Path),
) {
    let (Some(server), Some(app)) = (server_url(server_var), TestApp::spawn(backend).await) else {
        return;
    };
    let token = app.admin().await;
    let (writers, stop) = keep_writing(&app, &token);
    wait_for_departments(&app.db, 40).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hospital.dump");
    let dumped = dump(&app, &file);
    stop.send(true).unwrap();
    writers.await.unwrap();
    if dumped.is_none() {
        return;
    }

    let name = format!("t_restored_{}", uuid::Uuid::new_v4().simple());
    let (admin_url, create, drop) = match backend {
        Backend::Postgres => (
            format!("{server}/postgres"),
            format!("CREATE DATABASE \"{name}\""),
            format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
        ),
        _ => (
            format!("{server}/mysql"),
            format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            format!("DROP DATABASE `{name}`"),
        ),
    };
    admin(&admin_url, &create).await;
    let restored_url = format!("{server}/{name}");
    restore(&restored_url, &file);
    let restored = hospital::db::connect(&restored_url, 2).await.unwrap();
    assert!(assert_consistent_copy(&restored, &app.db).await >= 40);
    hospital::db::migrate(&restored).await.unwrap();
    restored.close().await.unwrap();
    admin(&admin_url, &drop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_dump_under_write_load_restores_every_row() {
    dump_under_write_load_restores_every_row(
        Backend::Postgres,
        "TEST_POSTGRES_URL",
        |app, file| {
            let file = file.to_str().unwrap();
            run(
                "pg_dump",
                &["--format=custom", "--file", file, &app.database_url],
                None,
                None,
            )
        },
        |url, file| {
            let file = file.to_str().unwrap();
            run(
                "pg_restore",
                &["--no-owner", "--exit-on-error", "--dbname", url, file],
                None,
                None,
            );
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mariadb_dump_under_write_load_restores_every_row() {
    // The client tools take the server's address and user, not a URL.
    let connection = |url: &str| {
        let (host, port, user) = server_parts(url);
        let database = url.rsplit('/').next().unwrap().to_owned();
        (
            [
                "--host".to_owned(),
                host,
                "--port".to_owned(),
                port,
                "--user".to_owned(),
                user,
            ],
            database,
        )
    };
    dump_under_write_load_restores_every_row(
        Backend::MySql,
        "TEST_MYSQL_URL",
        |app, file| {
            let (args, database) = connection(&app.database_url);
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            args.extend(["--single-transaction", "--quick", "--routines", &database]);
            run("mariadb-dump", &args, None, Some(file))
        },
        |url, file| {
            let (args, database) = connection(url);
            let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
            args.push(&database);
            run("mariadb", &args, Some(file), None);
        },
    )
    .await;
}
