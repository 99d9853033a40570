//! The hospital's imports as the audit log recorded them: who imported which file, into which periods, how many
//! rows, what it changed, and the files refused whole.
use crate::{
    domain::foundation::period::Period,
    entities::foundation::audit_log,
    error::AppError,
    services::{Actor, Page, PageRequest, fetch_page, foundation::audit, like_pattern},
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;

/// What was imported, by the audit log's action.
pub const KINDS: [(&str, &str); 4] = [
    ("CHARGES", "IMPORT_CHARGES"),
    ("WORKLOAD", "IMPORT_WORKLOAD"),
    ("COSTS", "IMPORT_COSTS"),
    ("ORIENTATION_VALUES", "IMPORT_ORIENTATION_VALUES"),
];

#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: &'static str,
    pub accepted: bool,
    pub file_name: Option<String>,
    pub rows: Option<u64>,
    /// Charge lines added, or monthly values new.
    pub inserted: Option<u64>,
    /// Charge lines already there, or monthly values replaced.
    pub unchanged_or_updated: Option<u64>,
    /// A refused file's problems.
    pub errors: Option<u64>,
    pub periods: Vec<String>,
    pub sha256: Option<String>,
    pub username: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportFilter {
    /// One of [`KINDS`]' names.
    pub kind: Option<&'static str>,
    pub period: Option<Period>,
}

fn record(row: audit_log::Model) -> Option<ImportRecord> {
    let kind = KINDS.iter().find(|(_, a)| *a == row.action)?.0;
    let detail: Value = row
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let n = |k: &str| detail[k].as_u64();
    Some(ImportRecord {
        id: row.id,
        kind,
        accepted: row.outcome == audit::Outcome::Success.as_str(),
        file_name: detail["file_name"].as_str().map(str::to_owned),
        rows: n("rows"),
        inserted: n("inserted"),
        unchanged_or_updated: n("already_present").or(n("updated")),
        errors: n("errors"),
        periods: detail["periods"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        sha256: row.resource_id,
        username: row.actor_username,
        at: row.created_at,
    })
}

/// The hospital's imports, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    filter: ImportFilter,
    page: PageRequest,
) -> Result<Page<ImportRecord>, AppError> {
    let actions: Vec<&str> = KINDS
        .iter()
        .filter(|(k, _)| filter.kind.is_none_or(|f| f == *k))
        .map(|(_, a)| *a)
        .collect();
    let mut select = audit_log::Entity::find()
        .filter(audit_log::Column::HospitalId.eq(actor.hospital_id))
        .filter(audit_log::Column::Action.is_in(actions));
    if let Some(p) = filter.period {
        // The periods are in the entry's detail, as a JSON array of "YYYY-MM".
        select = select.filter(audit_log::Column::Detail.like(like_pattern(&format!("\"{p}\""))));
    }
    let found = fetch_page(
        conn,
        select,
        Some((audit_log::Column::Id, sea_orm::Order::Desc)),
        audit_log::Column::Id,
        page,
    )
    .await?;
    Ok(Page {
        items: found.items.into_iter().filter_map(record).collect(),
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    })
}
