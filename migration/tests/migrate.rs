//! Runs the migrations up, down and up again on each backend and checks that the constraints bite.
//!
//! SQLite always runs; PostgreSQL and MySQL/MariaDB run when TEST_POSTGRES_URL / TEST_MYSQL_URL
//! point at a server (no database in the URL), in a scratch database that is dropped afterwards.
#![allow(clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use migration::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

const TABLES: &[&str] = &[
    "hospital",
    "app_user",
    "auth_session",
    "refresh_token",
    "login_throttle",
    "audit_log",
    "audit_chain_head",
    "department",
    "doctor",
    "patient",
    "charge_item",
    "insurance_policy",
    "insurance_type",
    "diagnosis",
    "schedule",
    "appointment",
    "medical_record",
    "billing",
    "billing_line",
    "payment_request",
    "charge_details",
    "model_version",
    "dimension_node",
    "dimension_closure",
    "dimension_item_mapping",
    "workload_record",
    "cost_record",
    "orientation_value",
    "calculation_workflow",
    "calculation_step",
    "calculation_task",
    "calculation_details",
    "calculation_results",
    "orientation_rule",
    "orientation_ladder",
    "orientation_adjustment_detail",
    "value_summary",
];

const TS: &str = "'2026-01-05 08:30:00.123456'";

#[tokio::test]
async fn migrations_on_sqlite() {
    let path = std::env::temp_dir().join(format!("{}.sqlite", scratch_name()));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let result = exercise(&db).await;
    db.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
    result.unwrap();
}

#[tokio::test]
async fn migrations_on_postgres() {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) => on_scratch_database(&url).await,
        Err(_) => eprintln!("TEST_POSTGRES_URL not set; skipping PostgreSQL"),
    }
}

#[tokio::test]
async fn migrations_on_mysql() {
    match std::env::var("TEST_MYSQL_URL") {
        Ok(url) => on_scratch_database(&url).await,
        Err(_) => eprintln!("TEST_MYSQL_URL not set; skipping MySQL/MariaDB"),
    }
}

/// Creates a fresh database on the server, runs [`exercise`] in it and drops it again, also when
/// the checks fail, so repeated runs leave nothing behind.
async fn on_scratch_database(server_url: &str) {
    let admin = Database::connect(server_url).await.unwrap();
    let name = scratch_name();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();

    let result = match Database::connect(database_url(server_url, &name)).await {
        Ok(db) => {
            let result = exercise(&db).await;
            db.close().await.unwrap();
            result
        }
        Err(err) => Err(format!("connecting to {name}: {err}")),
    };

    admin
        .execute_unprepared(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    result.unwrap();
}

/// Unique enough across concurrent test threads and processes without pulling in a RNG crate.
fn scratch_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("mig_{}_{}", std::process::id(), nanos % 1_000_000_000_000)
}

/// Swaps whatever database the server URL names (if any) for `name`, keeping query parameters.
fn database_url(server_url: &str, name: &str) -> String {
    let (without_query, query) = match server_url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (server_url, None),
    };
    let authority_start = without_query.find("://").map_or(0, |i| i + 3);
    let base = match without_query[authority_start..].find('/') {
        Some(slash) => &without_query[..authority_start + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

async fn exercise(db: &DatabaseConnection) -> Result<(), String> {
    let backend = db.get_database_backend();

    // A patient registered by ID card before documents had types keeps the number, as an ID card.
    Migrator::up(db, Some(11))
        .await
        .map_err(|e| format!("up to id_card: {e}"))?;
    ok(
        db,
        &format!(
            "INSERT INTO hospital (id, code, name, created_at) VALUES (1, 'H1', 'General', {TS})"
        ),
    )
    .await?;
    ok(db, &format!(
        "INSERT INTO patient (id, hospital_id, name, id_card, phone, dob, gender, insurance_type, \
         created_at, updated_at) \
         VALUES (1, 1, 'Wang', '110101199001011234', '13900000000', '1990-01-01', 'MALE', \
         'EMPLOYEE', {TS}, {TS})"
    ))
    .await?;
    Migrator::up(db, None)
        .await
        .map_err(|e| format!("up: {e}"))?;
    let kept = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT document_type, document_no FROM patient WHERE id = 1",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the patient is gone")?;
    let kept: (String, String) = (
        kept.try_get("", "document_type")
            .map_err(|e| e.to_string())?,
        kept.try_get("", "document_no").map_err(|e| e.to_string())?,
    );
    if kept != ("ID_CARD".to_owned(), "110101199001011234".to_owned()) {
        return Err(format!("the patient's document became {kept:?}"));
    }
    // A hospital from before insurance types were its own has the national ones.
    let types = count(db, backend, "insurance_type")
        .await
        .map_err(|e| e.to_string())?;
    if types != 3 {
        return Err(format!(
            "the hospital has {types} insurance types, not the national 3"
        ));
    }
    Migrator::down(db, None)
        .await
        .map_err(|e| format!("down: {e}"))?;
    for table in TABLES {
        if count(db, backend, table).await.is_ok() {
            return Err(format!("{table} still exists after down"));
        }
    }
    Migrator::up(db, None)
        .await
        .map_err(|e| format!("up again: {e}"))?;
    for table in TABLES {
        let rows = count(db, backend, table)
            .await
            .map_err(|e| format!("{table} missing after up: {e}"))?;
        if rows != 0 {
            return Err(format!("{table} has {rows} rows after up"));
        }
    }

    ok(
        db,
        &format!(
            "INSERT INTO hospital (id, code, name, created_at) VALUES (1, 'H1', 'General', {TS})"
        ),
    )
    .await?;
    ok(
        db,
        &format!(
            "INSERT INTO app_user (id, hospital_id, username, display_name, role, password_hash, \
         password_changed_at, created_at, updated_at) \
         VALUES (1, 1, 'admin', 'Admin', 'ADMIN', 'x', {TS}, {TS}, {TS})"
        ),
    )
    .await?;
    rejected(
        db,
        &format!(
            "INSERT INTO app_user (id, hospital_id, username, display_name, role, password_hash, \
         password_changed_at, created_at, updated_at) \
         VALUES (2, 1, 'root', 'Root', 'ROOT', 'x', {TS}, {TS}, {TS})"
        ),
        "ck_app_user_role",
    )
    .await?;

    // Codes compare case-sensitively (utf8mb4_bin on MySQL), so these two do not collide
    // (names are plain VARCHAR and would collide on MySQL, hence distinct ones)...
    for (id, code, name) in [(1, "D1", "Internal"), (2, "d1", "Surgery")] {
        ok(
            db,
            &format!(
                "INSERT INTO department (id, hospital_id, code, name, created_at, updated_at) \
             VALUES ({id}, 1, '{code}', '{name}', {TS}, {TS})"
            ),
        )
        .await?;
    }
    // ...but an exact duplicate does.
    rejected(
        db,
        &format!(
            "INSERT INTO department (id, hospital_id, code, name, created_at, updated_at) \
         VALUES (3, 1, 'D1', 'Other', {TS}, {TS})"
        ),
        "",
    )
    .await
    .and_then(|msg| expect_any(&msg, &["unique", "duplicate"]))?;
    rejected(
        db,
        &format!(
            "INSERT INTO department (id, hospital_id, code, name, created_at, updated_at) \
         VALUES (4, 99, 'D9', 'Orphan', {TS}, {TS})"
        ),
        "",
    )
    .await
    .and_then(|msg| expect_any(&msg, &["foreign key"]))?;

    ok(
        db,
        &format!(
            "INSERT INTO doctor (id, hospital_id, department_id, name, title, phone, \
         available_slots_per_day, created_at, updated_at) \
         VALUES (1, 1, 1, 'Dr Li', 'ATTENDING', '13800000000', 20, {TS}, {TS})"
        ),
    )
    .await?;
    for (id, code) in [(1, "EMPLOYEE"), (2, "SELF_PAY")] {
        ok(
            db,
            &format!(
                "INSERT INTO insurance_type (id, hospital_id, code, name, created_at, updated_at) \
                 VALUES ({id}, 1, '{code}', '{code}', {TS}, {TS})"
            ),
        )
        .await?;
    }
    let patient = |id: i64, kind: &str, number: &str| {
        format!(
            "INSERT INTO patient (id, hospital_id, name, document_type, document_no, phone, dob, gender, \
             insurance_type, created_at, updated_at) \
             VALUES ({id}, 1, 'Wang', '{kind}', {number}, '13900000000', '1990-01-01', 'MALE', \
             'EMPLOYEE', {TS}, {TS})"
        )
    };
    ok(db, &patient(1, "ID_CARD", "'110101199001011234'")).await?;
    // The same number under another type is another document; two newborns have no number to collide.
    ok(
        db,
        &patient(2, "PERMANENT_RESIDENCE", "'110101199001011234'"),
    )
    .await?;
    ok(db, &patient(3, "NONE_YET", "NULL")).await?;
    ok(db, &patient(4, "NONE_YET", "NULL")).await?;
    rejected(db, &patient(5, "ID_CARD", "'110101199001011234'"), "")
        .await
        .and_then(|msg| expect_any(&msg, &["unique", "duplicate"]))?;
    rejected(db, &patient(6, "DRIVING_LICENCE", "'X1'"), "document_type").await?;
    // An insurance type is one of the hospital's: another is refused, a used one stays, a changed code
    // follows into its patients.
    rejected(
        db,
        &patient(7, "NONE_YET", "NULL").replace("'EMPLOYEE'", "'GOLD'"),
        "",
    )
    .await
    .and_then(|msg| expect_any(&msg, &["foreign key"]))?;
    rejected(db, "DELETE FROM insurance_type WHERE id = 1", "")
        .await
        .and_then(|msg| expect_any(&msg, &["foreign key"]))?;
    ok(db, "UPDATE insurance_type SET code = 'STAFF' WHERE id = 1").await?;
    let moved = count(db, backend, "patient WHERE insurance_type = 'STAFF'")
        .await
        .map_err(|e| e.to_string())?;
    if moved != 4 {
        return Err(format!("{moved} patients followed the changed code, not 4"));
    }
    ok(
        db,
        "UPDATE insurance_type SET code = 'EMPLOYEE' WHERE id = 1",
    )
    .await?;
    ok(db, "DELETE FROM insurance_type WHERE id = 2").await?;

    let schedule = |id: i64, date: &str, capacity: i64, booked: i64, last_queue: i64| {
        format!(
            "INSERT INTO schedule (id, hospital_id, doctor_id, department_id, schedule_date, \
             time_slot, room_no, capacity, booked_count, last_queue_no, created_at, updated_at) \
             VALUES ({id}, 1, 1, 1, '{date}', 'MORNING', '101', {capacity}, {booked}, \
             {last_queue}, {TS}, {TS})"
        )
    };
    ok(db, &schedule(1, "2026-01-05", 10, 1, 1)).await?;
    rejected(
        db,
        &schedule(2, "2026-01-06", 10, 11, 11),
        "ck_schedule_booked_count",
    )
    .await?;
    rejected(
        db,
        &schedule(3, "2026-01-07", 0, 0, 0),
        "ck_schedule_capacity",
    )
    .await?;
    rejected(
        db,
        &schedule(4, "2026-01-08", 10, 5, 4),
        "ck_schedule_last_queue_no",
    )
    .await?;

    ok(
        db,
        &format!(
            "INSERT INTO appointment (id, hospital_id, patient_id, schedule_id, queue_no, status, \
         created_at, updated_at) VALUES (1, 1, 1, 1, 1, 'COMPLETED', {TS}, {TS})"
        ),
    )
    .await?;
    ok(
        db,
        &format!(
            "INSERT INTO medical_record (id, hospital_id, appointment_id, doctor_id, patient_id, \
         created_at, updated_at) VALUES (1, 1, 1, 1, 1, {TS}, {TS})"
        ),
    )
    .await?;

    let billing = |id: i64, total: i64, insurance: i64, self_pay: i64, method: &str| {
        format!(
            "INSERT INTO billing (id, hospital_id, medical_record_id, appointment_id, \
             total_amount, insurance_amount, self_pay_amount, status, payment_method, \
             created_at, updated_at) \
             VALUES ({id}, 1, 1, 1, {total}, {insurance}, {self_pay}, 'PENDING', {method}, \
             {TS}, {TS})"
        )
    };
    // One bill per medical record (uq_billing_medical_record_id): each valid bill is removed before the next.
    ok(db, &billing(1, 1_000_000, 600_000, 400_000, "NULL")).await?;
    ok(db, "DELETE FROM billing WHERE id = 1").await?;
    ok(db, &billing(2, 1_000_000, 0, 1_000_000, "'WECHAT'")).await?;
    ok(db, "DELETE FROM billing WHERE id = 2").await?;
    rejected(
        db,
        &billing(3, 1_000_000, 600_000, 300_000, "NULL"),
        "ck_billing_split",
    )
    .await?;
    rejected(
        db,
        &billing(4, 0, 100, -100, "NULL"),
        "ck_billing_self_pay_amount",
    )
    .await?;
    rejected(
        db,
        &billing(5, 100, 0, 100, "'BITCOIN'"),
        "ck_billing_payment_method",
    )
    .await?;

    Ok(())
}

async fn count(db: &DatabaseConnection, backend: DbBackend, table: &str) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("COUNT(*) returned no row".to_owned()))?;
    row.try_get::<i64>("", "n")
}

async fn ok(db: &DatabaseConnection, sql: &str) -> Result<(), String> {
    db.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}\nfailed: {e}"))
}

/// Expects `sql` to fail with an error mentioning `constraint` (all three backends name the
/// violated CHECK); returns the error text for further checks.
async fn rejected(db: &DatabaseConnection, sql: &str, constraint: &str) -> Result<String, String> {
    match db.execute_unprepared(sql).await {
        Ok(_) => Err(format!(
            "{sql}\nsucceeded but should violate {constraint:?}"
        )),
        Err(e) => {
            let msg = e.to_string();
            if msg.contains(constraint) {
                Ok(msg)
            } else {
                Err(format!("{sql}\nfailed, but not on {constraint:?}: {msg}"))
            }
        }
    }
}

fn expect_any(msg: &str, needles: &[&str]) -> Result<(), String> {
    let lower = msg.to_lowercase();
    if needles.iter().any(|n| lower.contains(n)) {
        Ok(())
    } else {
        Err(format!("expected one of {needles:?} in: {msg}"))
    }
}
