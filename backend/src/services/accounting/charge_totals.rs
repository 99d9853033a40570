//! The totals of the visible charge lines per hospital, period, department pair, item and business type
//! (`charge_item_total`): the drill-down of a task without details reads them instead of every line of the
//! period. They are added to in the transaction that makes lines visible — a payment or a refund (its rows), an
//! import's completion (its lines) — so they always equal the sums of the visible lines.
use super::sql::Dialect;
use crate::entities::accounting::charge_detail;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};
use std::collections::BTreeMap;

const KEY: &str =
    "hospital_id, period, prescribing_dept_code, executing_dept_code, item_code, business_type";
const COLUMNS: &str = "hospital_id, period, prescribing_dept_code, executing_dept_code, item_code, \
                       business_type, item_name, item_category, amount, quantity";
/// Rows per multi-row statement (10 values each, within every database's bind limit).
const ROWS_PER_STATEMENT: usize = 1_000;

/// `INSERT INTO charge_item_total (…) <rows> <adds to the row with the same key>`.
fn upsert(d: Dialect, rows: &str) -> String {
    // The row's columns named with the table: MySQL would take a bare name for the SELECT's column (and
    // PostgreSQL wants the assigned column bare).
    let pair = |col: &str| match d.0 {
        DbBackend::MySql => (
            format!("charge_item_total.{col}"),
            format!("charge_item_total.{col}"),
            format!("VALUES({col})"),
        ),
        _ => (
            col.to_owned(),
            format!("charge_item_total.{col}"),
            format!("excluded.{col}"),
        ),
    };
    let add = |col: &str| {
        let (set, old, new) = pair(col);
        format!("{set} = {old} + {new}")
    };
    // The greater of the two, a NULL giving way to the other (as MAX over the lines).
    let keep_max = |col: &str| {
        let (set, old, new) = pair(col);
        let greatest = if d.0 == DbBackend::Sqlite {
            "MAX"
        } else {
            "GREATEST"
        };
        format!("{set} = {greatest}(COALESCE({old}, {new}), COALESCE({new}, {old}))")
    };
    let set = [
        add("amount"),
        add("quantity"),
        keep_max("item_name"),
        keep_max("item_category"),
    ]
    .join(", ");
    match d.0 {
        DbBackend::MySql => {
            format!(
                "INSERT INTO charge_item_total ({COLUMNS}) {rows} ON DUPLICATE KEY UPDATE {set}"
            )
        }
        _ => format!(
            "INSERT INTO charge_item_total ({COLUMNS}) {rows} ON CONFLICT ({KEY}) DO UPDATE SET {set}"
        ),
    }
}

/// Adds the lines of a completed charge import.
#[tracing::instrument(skip_all)]
pub async fn add_import(conn: &impl ConnectionTrait, import_id: i64) -> Result<u64, DbErr> {
    let d = Dialect::of(conn);
    // `WHERE` before `ON CONFLICT`: SQLite needs it to tell the upsert from a join's `ON`.
    let rows = format!(
        "SELECT hospital_id, period, prescribing_dept_code, executing_dept_code, item_code, business_type, \
         MAX(item_name), MAX(item_category), {}, {} FROM charge_details WHERE import_id = ? GROUP BY {KEY}",
        d.sum("amount"),
        d.sum("quantity")
    );
    Ok(d.exec(conn, &upsert(d, &rows), vec![import_id.into()])
        .await?
        .rows_affected())
}

/// Adds charge rows written by a payment, a refund or the demo's history (a few per bill).
#[tracing::instrument(skip_all)]
pub async fn add_rows(
    conn: &impl ConnectionTrait,
    rows: &[charge_detail::Model],
) -> Result<(), DbErr> {
    type Key = (i64, String, String, String, String, String);
    let mut totals: BTreeMap<Key, (String, Option<String>, i64, i64)> = BTreeMap::new();
    for r in rows {
        let key = (
            r.hospital_id,
            r.period.to_string(),
            r.prescribing_dept_code.clone(),
            r.executing_dept_code.clone(),
            r.item_code.clone(),
            r.business_type.as_str().to_owned(),
        );
        let t = totals
            .entry(key)
            .or_insert_with(|| (r.item_name.clone(), r.item_category.clone(), 0, 0));
        t.0 = t.0.clone().max(r.item_name.clone());
        t.1 = t.1.clone().max(r.item_category.clone());
        t.2 += r.amount.scaled();
        t.3 += r.quantity.scaled();
    }
    let d = Dialect::of(conn);
    let totals: Vec<_> = totals.into_iter().collect();
    for chunk in totals.chunks(ROWS_PER_STATEMENT) {
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 10);
        for ((hospital, period, presc, exec, item, bt), (name, category, amount, quantity)) in chunk
        {
            values.extend([
                (*hospital).into(),
                period.clone().into(),
                presc.clone().into(),
                exec.clone().into(),
                item.clone().into(),
                bt.clone().into(),
                name.clone().into(),
                category.clone().into(),
                (*amount).into(),
                (*quantity).into(),
            ]);
        }
        d.exec(conn, &upsert(d, &format!("VALUES {placeholders}")), values)
            .await?;
    }
    Ok(())
}
