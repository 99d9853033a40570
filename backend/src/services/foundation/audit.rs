//! The audit log: append-only and tamper-evident. Writers insert entries freely (no lock, no ordering);
//! a sealer links them afterwards, in the order it sees them, into a hash chain (`chain_seq`, `prev_hash`,
//! `hash`), and `verify` recomputes the chain to find an altered, inserted or deleted entry.
use crate::{
    db::begin_write,
    entities::{foundation::audit_chain_head, foundation::audit_log},
};
use chrono::Utc;
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IsolationLevel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionOptions, TransactionTrait, sea_query::OnConflict,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const SEAL_BATCH: u64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::Failure => "FAILURE",
            Outcome::Denied => "DENIED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub hospital_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub action: &'static str,
    pub resource_type: Option<&'static str>,
    pub resource_id: Option<String>,
    pub outcome: Outcome,
    pub client_ip: Option<String>,
    pub detail: Option<serde_json::Value>,
}

impl Entry {
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
}

/// The width of `audit_log.resource_id`.
const RESOURCE_ID_MAX: usize = 255;

/// Records the entry in the transaction and commits: a change and its audit entry land together or not at all.
pub async fn commit(txn: sea_orm::DatabaseTransaction, entry: Entry) -> Result<(), DbErr> {
    record(&txn, entry).await?;
    txn.commit().await
}

#[tracing::instrument(skip_all)]
pub async fn record(conn: &impl ConnectionTrait, entry: Entry) -> Result<(), DbErr> {
    let row = audit_log::ActiveModel {
        hospital_id: Set(entry.hospital_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_username: Set(entry.actor_username),
        action: Set(entry.action.to_owned()),
        resource_type: Set(entry.resource_type.map(str::to_owned)),
        // Clipped to the column, so an entry is never lost to a long path.
        resource_id: Set(entry
            .resource_id
            .map(|r| r.chars().take(RESOURCE_ID_MAX).collect())),
        outcome: Set(entry.outcome.as_str().to_owned()),
        client_ip: Set(entry.client_ip),
        detail: Set(entry.detail.map(|d| d.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    // Nothing is read back (MySQL would read the row again by its id).
    audit_log::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// The hash of one entry: every field, length-prefixed so no two different entries encode alike.
fn entry_hash(seq: i64, prev_hash: &str, e: &audit_log::Model) -> String {
    let fields: [String; 13] = [
        seq.to_string(),
        prev_hash.to_owned(),
        e.id.to_string(),
        e.created_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        opt(e.hospital_id),
        opt(e.actor_user_id),
        e.actor_username.clone().unwrap_or_default(),
        e.action.clone(),
        e.resource_type.clone().unwrap_or_default(),
        e.resource_id.clone().unwrap_or_default(),
        e.outcome.clone(),
        e.client_ip.clone().unwrap_or_default(),
        e.detail.clone().unwrap_or_default(),
    ];
    let mut hasher = Sha256::new();
    for f in &fields {
        hasher.update(f.len().to_string().as_bytes());
        hasher.update(b":");
        hasher.update(f.as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Creates the chain head (sequence 0, the genesis hash) while nothing is sealed, so that sealers lock a row:
/// two first sealers that each found no row under `FOR UPDATE` and then inserted it deadlocked on MariaDB
/// (their gap locks). A head missing from a log already sealed is left for `verify` to report.
async fn ensure_head(db: &DatabaseConnection) -> Result<(), DbErr> {
    if audit_chain_head::Entity::find_by_id(1)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let any_sealed = audit_log::Entity::find()
        .filter(audit_log::Column::ChainSeq.is_not_null())
        .one(db)
        .await?;
    if any_sealed.is_some() {
        return Ok(());
    }
    let genesis = audit_chain_head::ActiveModel {
        id: Set(1),
        last_seq: Set(0),
        last_hash: Set(GENESIS.to_owned()),
        updated_at: Set(Utc::now()),
    };
    audit_chain_head::Entity::insert(genesis)
        .on_conflict(
            OnConflict::column(audit_chain_head::Column::Id)
                .do_nothing_on([audit_chain_head::Column::Id])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Links the entries written since the last run onto the chain; returns how many it sealed. Safe to run from
/// several servers at once: the chain head is taken under a write lock.
#[tracing::instrument(skip_all)]
pub async fn seal(db: &DatabaseConnection) -> Result<u64, DbErr> {
    ensure_head(db).await?;
    let mut sealed = 0;
    loop {
        let txn = begin_write(db).await?;
        let head = audit_chain_head::Entity::find_by_id(1)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let (mut seq, mut prev) = match &head {
            Some(h) => (h.last_seq, h.last_hash.clone()),
            None => (0, GENESIS.to_owned()),
        };
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::ChainSeq.is_null())
            .order_by_asc(audit_log::Column::Id)
            .limit(SEAL_BATCH)
            .all(&txn)
            .await?;
        if batch.is_empty() {
            txn.rollback().await?;
            return Ok(sealed);
        }
        let count = batch.len() as u64;
        for entry in batch {
            seq += 1;
            let hash = entry_hash(seq, &prev, &entry);
            let mut row: audit_log::ActiveModel = entry.into();
            row.chain_seq = Set(Some(seq));
            row.prev_hash = Set(Some(prev));
            row.hash = Set(Some(hash.clone()));
            row.update(&txn).await?;
            prev = hash;
        }
        let new_head = audit_chain_head::ActiveModel {
            id: Set(1),
            last_seq: Set(seq),
            last_hash: Set(prev),
            updated_at: Set(Utc::now()),
        };
        if head.is_some() {
            new_head.update(&txn).await?;
        } else {
            new_head.insert(&txn).await?;
        }
        txn.commit().await?;
        sealed += count;
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// Entries linked into the chain (a hospital's own, when asked by its administrator).
    pub sealed_entries: i64,
    /// Entries not linked yet (likewise).
    pub unsealed_entries: u64,
    /// Whether the whole chain is intact: it is one for all hospitals, so a break anywhere breaks it.
    pub intact: bool,
    /// What is wrong, at which chain position; empty when intact. A hospital's administrator sees the
    /// details of its own entries only, and how many problems lie elsewhere.
    pub problems: Vec<String>,
}

/// Recomputes the whole chain in order: an altered entry breaks its own hash, a deleted one leaves a gap in
/// `chain_seq` (or a head that points past the end), an inserted one breaks the next entry's link. With
/// `hospital`, counts and details are that hospital's.
///
/// It reads one snapshot (REPEATABLE READ, read-only), so entries sealed while it pages do not look like a
/// head that points past the end.
#[tracing::instrument(skip_all)]
pub async fn verify(db: &DatabaseConnection, hospital: Option<i64>) -> Result<ChainReport, DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..Default::default()
        })
        .await?;
    let head = audit_chain_head::Entity::find_by_id(1).one(&txn).await?;
    // (problem, whether it concerns the hospital asked about)
    let mut problems: Vec<(String, bool)> = Vec::new();
    let mine = |row: &audit_log::Model| hospital.is_none_or(|h| row.hospital_id == Some(h));
    let (mut expected_seq, mut prev, mut sealed_mine) = (1_i64, GENESIS.to_owned(), 0_i64);
    loop {
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::ChainSeq.gte(expected_seq))
            .order_by_asc(audit_log::Column::ChainSeq)
            .limit(2000)
            .all(&txn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let seq = row.chain_seq.unwrap_or_default();
            let ours = mine(&row);
            sealed_mine += i64::from(ours);
            if seq != expected_seq {
                problems.push((
                    format!("entries {expected_seq}..{} are missing", seq - 1),
                    ours,
                ));
            }
            if row.prev_hash.as_deref() != Some(prev.as_str()) {
                problems.push((
                    format!("entry {seq} does not link to the entry before it"),
                    ours,
                ));
            }
            let computed = entry_hash(seq, row.prev_hash.as_deref().unwrap_or_default(), &row);
            if row.hash.as_deref() != Some(computed.as_str()) {
                problems.push((format!("entry {seq} (id {}) was altered", row.id), ours));
            }
            prev = row.hash.clone().unwrap_or_default();
            expected_seq = seq + 1;
        }
    }
    let sealed = expected_seq - 1;
    match &head {
        Some(h) if h.last_seq != sealed || h.last_hash != prev => problems.push((
            format!(
                "the chain head records {} entries but the log ends at {sealed}: entries were removed from the end",
                h.last_seq
            ),
            hospital.is_none(),
        )),
        None if sealed > 0 => problems.push(("the chain head is missing".to_owned(), hospital.is_none())),
        _ => {}
    }
    let mut unsealed = audit_log::Entity::find().filter(audit_log::Column::ChainSeq.is_null());
    if let Some(h) = hospital {
        unsealed = unsealed.filter(audit_log::Column::HospitalId.eq(h));
    }
    let unsealed = unsealed.count(&txn).await?;
    txn.commit().await?;
    let intact = problems.is_empty();
    let elsewhere = problems.iter().filter(|(_, ours)| !ours).count();
    let mut listed: Vec<String> = problems
        .into_iter()
        .filter(|(_, ours)| *ours)
        .map(|(p, _)| p)
        .collect();
    if elsewhere > 0 {
        listed.push(format!(
            "{elsewhere} problem(s) outside this hospital's entries; the operator's `hospital audit verify` lists them"
        ));
    }
    Ok(ChainReport {
        sealed_entries: if hospital.is_some() {
            sealed_mine
        } else {
            sealed
        },
        unsealed_entries: unsealed,
        intact,
        problems: listed,
    })
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<chrono::DateTime<Utc>>,
    pub to: Option<chrono::DateTime<Utc>>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub outcome: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

/// A hospital's entries, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    hospital_id: i64,
    f: AuditFilter,
    page: crate::services::PageRequest,
) -> Result<crate::services::Page<audit_log::Model>, crate::error::AppError> {
    let mut select =
        audit_log::Entity::find().filter(audit_log::Column::HospitalId.eq(hospital_id));
    if let Some(from) = f.from {
        select = select.filter(audit_log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = f.to {
        select = select.filter(audit_log::Column::CreatedAt.lt(to));
    }
    for (col, value) in [
        (audit_log::Column::Action, f.action),
        (audit_log::Column::ActorUsername, f.actor),
        (audit_log::Column::Outcome, f.outcome),
        (audit_log::Column::ResourceType, f.resource_type),
        (audit_log::Column::ResourceId, f.resource_id),
    ] {
        if let Some(v) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
            select = select.filter(col.eq(v));
        }
    }
    crate::services::fetch_page(
        db,
        select,
        Some((audit_log::Column::Id, sea_orm::Order::Desc)),
        audit_log::Column::Id,
        page,
    )
    .await
}
