//! Column, key and constraint builders shared by the migrations, so every table spells its types one way.
//!
//! Money and quantities are stored as BIGINT counts of ten-thousandths (1.2345 yuan = 12345; a
//! quantity of 1 = 10000), and ratios as ten-thousandths of the whole (10000 = 100 %): integers keep
//! sums exact and behave the same on every backend, where DECIMAL does not.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// PostgreSQL silently truncates longer identifiers (MySQL's limit is 64), which could make two
/// index names collide, so every generated name must fit in 63 bytes.
const MAX_IDENTIFIER_LEN: usize = 63;

/// `CREATE TABLE` with the options the backend needs: MySQL defaults to the server's charset,
/// which may not be utf8mb4, and only InnoDB enforces foreign keys.
pub fn table(backend: DbBackend, name: &'static str) -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(name);
    if backend == DbBackend::MySql {
        stmt.engine("InnoDB").character_set("utf8mb4");
    }
    stmt
}

pub fn drop_table(name: &'static str) -> TableDropStatement {
    Table::drop().table(name).to_owned()
}

/// Surrogate key; SQLite renders it as `integer PRIMARY KEY AUTOINCREMENT` so ids are never reused.
pub fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// Tenant key; pair it with [`fk_hospital`].
pub fn hospital_id() -> ColumnDef {
    big("hospital_id")
}

pub fn big(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

pub fn big_null(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

pub fn int(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

pub fn int_null(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

pub fn string(col: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

pub fn string_null(col: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().to_owned()
}

pub fn text_null(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

pub fn date(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).date().not_null().to_owned()
}

pub fn date_null(col: &'static str) -> ColumnDef {
    ColumnDef::new(col).date().null().to_owned()
}

pub fn flag(col: &'static str, default: bool) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

/// A UTC instant, nullability left to the caller. MySQL's TIMESTAMP would truncate to seconds
/// and stop in 2038, so MySQL gets DATETIME(6) and the application guarantees UTC.
pub fn timestamp_utc(backend: DbBackend, col: &'static str) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if backend == DbBackend::MySql {
        def.custom("DATETIME(6)");
    } else {
        def.timestamp_with_time_zone();
    }
    def
}

pub fn ts(backend: DbBackend, col: &'static str) -> ColumnDef {
    timestamp_utc(backend, col).not_null().to_owned()
}

pub fn ts_null(backend: DbBackend, col: &'static str) -> ColumnDef {
    timestamp_utc(backend, col).null().to_owned()
}

pub fn created_at(backend: DbBackend) -> ColumnDef {
    ts(backend, "created_at")
}

pub fn updated_at(backend: DbBackend) -> ColumnDef {
    ts(backend, "updated_at")
}

/// A code compared byte for byte, nullability left to the caller. MySQL's default collations
/// ignore case (and trailing spaces), which would let 'A01' and 'a01' collide in unique keys and
/// joins; PostgreSQL and SQLite already compare case-sensitively.
pub fn code_col(backend: DbBackend, col: &'static str, len: u32) -> ColumnDef {
    let mut def = ColumnDef::new(col);
    if backend == DbBackend::MySql {
        def.custom(format!(
            "VARCHAR({len}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ));
    } else {
        def.string_len(len);
    }
    def
}

pub fn code(backend: DbBackend, col: &'static str, len: u32) -> ColumnDef {
    code_col(backend, col, len).not_null().to_owned()
}

pub fn code_null(backend: DbBackend, col: &'static str, len: u32) -> ColumnDef {
    code_col(backend, col, len).null().to_owned()
}

/// `fk_<table>_<col>` → `<target>(id)`, RESTRICT both ways: ids never change and history must not
/// vanish through a cascade.
pub fn fk(
    table: &'static str,
    col: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(identifier(format!("fk_{table}_{col}")))
        .from(table, col)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .to_owned()
}

pub fn fk_hospital(table: &'static str) -> ForeignKeyCreateStatement {
    fk(table, "hospital_id", "hospital")
}

/// Named CHECK `ck_<table>_<what>`.
pub fn check(table: &'static str, what: &str, expr: Expr) -> Check {
    Check::named(identifier(format!("ck_{table}_{what}")), expr)
}

/// Named CHECK `ck_<table>_<col>`: `col IN (values...)`. A NULL passes a CHECK, so nullable
/// columns need no extra `IS NULL` branch.
pub fn enum_check(table: &'static str, col: &'static str, values: &[&'static str]) -> Check {
    check(table, col, Expr::col(col).is_in(values.iter().copied()))
}

/// Named CHECK `ck_<table>_<col>`: `col >= 0`.
pub fn non_negative(table: &'static str, col: &'static str) -> Check {
    check(table, col, Expr::col(col).gte(0))
}

/// Named CHECK `ck_<table>_<col>`: `col > 0`.
pub fn positive(table: &'static str, col: &'static str) -> Check {
    check(table, col, Expr::col(col).gt(0))
}

/// Index `ix_<table>_<cols>`.
pub fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    index_named(&format!("ix_{table}_{}", cols.join("_")), table, cols)
}

/// Unique index `uq_<table>_<cols>`.
pub fn unique(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    unique_named(&format!("uq_{table}_{}", cols.join("_")), table, cols)
}

/// For the few keys whose generated name would be too long or unreadable.
pub fn index_named(name: &str, table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(identifier(name.to_owned())).table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt
}

pub fn unique_named(
    name: &str,
    table: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    index_named(name, table, cols).unique().to_owned()
}

pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: impl IntoIterator<Item = IndexCreateStatement>,
) -> Result<(), DbErr> {
    for stmt in indexes {
        manager.create_index(stmt).await?;
    }
    Ok(())
}

/// Drops in the order given, so callers list children before parents.
pub async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for name in tables {
        manager.drop_table(drop_table(name)).await?;
    }
    Ok(())
}

fn identifier(name: String) -> String {
    debug_assert!(
        name.len() <= MAX_IDENTIFIER_LEN,
        "identifier `{name}` is longer than {MAX_IDENTIFIER_LEN} bytes"
    );
    name
}
