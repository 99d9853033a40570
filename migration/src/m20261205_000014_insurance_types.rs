//! Each hospital keeps its own insurance types (`insurance_type`): the three national ones (城镇职工医保
//! `EMPLOYEE`, 城乡居民医保 `RESIDENT`, 自费 `SELF_PAY`), which every hospital starts with, and its own (a
//! commercial plan, a staff scheme). A patient's and a policy's `insurance_type` is a code of the hospital's
//! types: the closed CHECK on it gives way to a foreign key on `(hospital_id, insurance_type)`, which follows a
//! changed code and keeps a type that patients or policies use from being deleted.
//!
//! SQLite cannot drop a CHECK or add a foreign key to a table in place, and rebuilding `patient` would trip the
//! foreign keys that point at it; it takes the documented route for changing constraints instead: the table's
//! definition is rewritten in `sqlite_schema` inside this migration's transaction, and the foreign keys are
//! checked before it commits.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "insurance_type";
/// The tables whose `insurance_type` names a type.
const USERS: [&str; 2] = ["patient", "insurance_policy"];
/// The national types, which every hospital starts with.
const NATIONAL: [(&str, &str); 3] = [
    ("EMPLOYEE", "城镇职工医保"),
    ("RESIDENT", "城乡居民医保"),
    ("SELF_PAY", "自费"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// SQLite's schema rewrite must commit or roll back with the rest.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, TABLE)
                    .col(id())
                    .col(hospital_id())
                    // The same type as the columns that refer to it: MySQL's foreign keys want one collation.
                    .col(string("code", 32))
                    .col(string("name", 64))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital(TABLE))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique(TABLE, &["hospital_id", "code"]),
                unique(TABLE, &["hospital_id", "name"]),
            ],
        )
        .await?;
        let db = manager.get_connection();
        for (code, name) in NATIONAL {
            db.execute_raw(Statement::from_sql_and_values(
                b,
                format!(
                    "INSERT INTO {TABLE} (hospital_id, code, name, is_active, created_at, updated_at) \
                     SELECT id, {p1}, {p2}, {p3}, created_at, created_at FROM hospital",
                    p1 = placeholder(b, 1),
                    p2 = placeholder(b, 2),
                    p3 = placeholder(b, 3),
                ),
                [code.into(), name.into(), true.into()],
            ))
            .await?;
        }
        for user in USERS {
            let check = format!("ck_{user}_insurance_type");
            let key = format!("fk_{user}_insurance_type");
            match b {
                DbBackend::Sqlite => {
                    let clause = format!(
                        "CONSTRAINT \"{key}\" FOREIGN KEY (\"hospital_id\", \"insurance_type\") \
                         REFERENCES \"{TABLE}\" (\"hospital_id\", \"code\") \
                         ON DELETE RESTRICT ON UPDATE CASCADE"
                    );
                    rewrite_sqlite_table(db, user, |sql| {
                        let without = without_constraint(sql, &check)?;
                        Some(with_clause(&without, &clause))
                    })
                    .await?;
                }
                _ => {
                    db.execute_unprepared(&format!("ALTER TABLE {user} DROP CONSTRAINT {check}"))
                        .await?;
                    manager
                        .create_foreign_key(
                            ForeignKey::create()
                                .name(key)
                                .from(user, ("hospital_id", "insurance_type"))
                                .to(TABLE, ("hospital_id", "code"))
                                .on_delete(ForeignKeyAction::Restrict)
                                .on_update(ForeignKeyAction::Cascade)
                                .to_owned(),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        let db = manager.get_connection();
        let national = NATIONAL
            .iter()
            .map(|(code, _)| format!("'{code}'"))
            .collect::<Vec<_>>()
            .join(", ");
        for user in USERS {
            let check = format!("ck_{user}_insurance_type");
            let key = format!("fk_{user}_insurance_type");
            // A hospital's own types have no place in the closed list: they fall back to self-pay.
            db.execute_unprepared(&format!(
                "UPDATE {user} SET insurance_type = 'SELF_PAY' WHERE insurance_type NOT IN ({national})"
            ))
            .await?;
            let clause =
                format!("CONSTRAINT \"{check}\" CHECK (\"insurance_type\" IN ({national}))");
            match b {
                DbBackend::Sqlite => {
                    rewrite_sqlite_table(db, user, |sql| {
                        let without = without_constraint(sql, &key)?;
                        Some(with_clause(&without, &clause))
                    })
                    .await?;
                }
                _ => {
                    manager
                        .drop_foreign_key(ForeignKey::drop().name(key).table(user).to_owned())
                        .await?;
                    db.execute_unprepared(
                        &format!("ALTER TABLE {user} ADD {clause}").replace('"', ""),
                    )
                    .await?;
                }
            }
        }
        manager.drop_table(drop_table(TABLE)).await
    }
}

/// The `n`th bound parameter in the backend's syntax.
fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Rewrites a SQLite table's definition in `sqlite_schema` (<https://sqlite.org/lang_altertable.html>, "making
/// other kinds of table schema changes"), then checks its foreign keys.
async fn rewrite_sqlite_table(
    db: &SchemaManagerConnection<'_>,
    table: &str,
    rewrite: impl FnOnce(&str) -> Option<String>,
) -> Result<(), DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
            [table.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no table {table}")))?;
    let sql: String = row.try_get("", "sql")?;
    let rewritten = rewrite(&sql)
        .ok_or_else(|| DbErr::Custom(format!("unexpected definition of {table}: {sql}")))?;
    let version: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA schema_version",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no schema version".into()))?
        .try_get_by_index(0)?;
    db.execute_unprepared("PRAGMA writable_schema = ON").await?;
    let written = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
            [rewritten.into(), table.into()],
        ))
        .await;
    db.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
        .await?;
    db.execute_unprepared("PRAGMA writable_schema = OFF")
        .await?;
    written?;
    let broken = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("PRAGMA foreign_key_check(\"{table}\")"),
        ))
        .await?;
    if !broken.is_empty() {
        return Err(DbErr::Custom(format!(
            "{} rows of {table} name no such row",
            broken.len()
        )));
    }
    Ok(())
}

/// A `CREATE TABLE` without its constraint `name` (`, CONSTRAINT "name" …` up to the next top-level comma or
/// the closing parenthesis); none when it has no such constraint.
fn without_constraint(sql: &str, name: &str) -> Option<String> {
    let start = sql.find(&format!("CONSTRAINT \"{name}\""))?;
    let comma = sql[..start].rfind(',')?;
    let mut depth = 0usize;
    let mut end = None;
    for (i, c) in sql[start..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => {
                end = Some(start + i);
                break;
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                end = Some(start + i);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    Some(format!("{}{}", &sql[..comma], &sql[end..]))
}

/// A `CREATE TABLE` with one more table constraint at its end.
fn with_clause(sql: &str, clause: &str) -> String {
    match sql.rfind(')') {
        Some(at) => format!("{}, {clause} {}", &sql[..at], &sql[at..]),
        None => sql.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_is_cut_out_whole_and_another_added() {
        let sql = "CREATE TABLE \"patient\" ( \"id\" integer, \"t\" varchar(32) NOT NULL, \
                   CONSTRAINT \"ck_patient_t\" CHECK (\"t\" IN ('A', 'B')), \
                   CONSTRAINT \"ck_patient_g\" CHECK (\"g\" IN ('M', 'F')) )";
        let cut = without_constraint(sql, "ck_patient_t").expect("found");
        assert_eq!(
            cut,
            "CREATE TABLE \"patient\" ( \"id\" integer, \"t\" varchar(32) NOT NULL, \
             CONSTRAINT \"ck_patient_g\" CHECK (\"g\" IN ('M', 'F')) )"
        );
        let last = without_constraint(&cut, "ck_patient_g").expect("found");
        assert_eq!(
            last,
            "CREATE TABLE \"patient\" ( \"id\" integer, \"t\" varchar(32) NOT NULL)"
        );
        assert_eq!(without_constraint(&last, "ck_patient_t"), None);
        assert_eq!(
            with_clause(&last, "CONSTRAINT \"k\" CHECK (1)"),
            "CREATE TABLE \"patient\" ( \"id\" integer, \"t\" varchar(32) NOT NULL, CONSTRAINT \"k\" CHECK (1) )"
        );
    }
}
