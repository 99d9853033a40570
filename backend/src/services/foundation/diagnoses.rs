//! The diagnosis dictionary (诊断字典): each hospital's codes and names, kept by an administrator one by one or
//! from a CSV file, searched by doctors writing a record. A record keeps a copy of the diagnoses it was written
//! with, so the dictionary may change (or lose an entry) without rewriting history.
use crate::services::{
    Actor, Page, PageRequest, csv_table, fetch_page,
    foundation::audit,
    foundation::reference::{Reference, UniqueKey},
    like_pattern, search_term, sort_by,
};
use crate::{
    db::begin_write,
    domain::foundation::text,
    entities::foundation::{diagnosis, hospital},
    error::{AppError, Conflict, ConflictResource, ImportReport},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct DiagnosisInput {
    pub code: String,
    pub name: String,
    pub is_active: bool,
}

#[derive(Debug, Default, Clone)]
pub struct DiagnosisFilter {
    /// The start of a code, or a fragment of a name.
    pub q: Option<String>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

/// Longest code and name.
pub const CODE_MAX: usize = 20;
pub const NAME_MAX: usize = 128;
/// The columns of the CSV layout.
pub const CSV_COLUMNS: [&str; 2] = ["code", "name"];

const CODE_TAKEN: &str = "is already in the dictionary";

impl Reference for diagnosis::Entity {
    type Input = DiagnosisInput;

    fn unique_keys() -> &'static [UniqueKey<diagnosis::Column>] {
        const KEYS: &[UniqueKey<diagnosis::Column>] = &[UniqueKey::new(
            "code",
            CODE_TAKEN,
            &[diagnosis::Column::Code],
        )];
        KEYS
    }

    fn fill(row: &mut diagnosis::ActiveModel, input: DiagnosisInput) {
        row.code = Set(input.code);
        row.name = Set(input.name);
        row.is_active = Set(input.is_active);
    }

    fn conflict(holder: &diagnosis::Model) -> Conflict {
        Conflict::named(
            ConflictResource::Diagnosis,
            holder.id,
            Some(&holder.code),
            &holder.name,
        )
    }
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: DiagnosisFilter,
    page: PageRequest,
) -> Result<Page<diagnosis::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("code", diagnosis::Column::Code),
            ("name", diagnosis::Column::Name),
        ],
    )?;
    let mut select =
        diagnosis::Entity::find().filter(diagnosis::Column::HospitalId.eq(actor.hospital_id));
    if let Some(q) = search_term(f.q.as_deref())? {
        // A code is looked up by its start (J06 finds J06.9), in any case; a name by any part of it.
        select = select.filter(
            Condition::any()
                .add(diagnosis::Column::Code.starts_with(q))
                .add(diagnosis::Column::Code.starts_with(q.to_ascii_uppercase()))
                .add(diagnosis::Column::Name.like(like_pattern(q))),
        );
    }
    if let Some(active) = f.is_active {
        select = select.filter(diagnosis::Column::IsActive.eq(active));
    }
    let order = order.or(Some((diagnosis::Column::Code, sea_orm::Order::Asc)));
    fetch_page(db, select, order, diagnosis::Column::Id, page).await
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub rows: u64,
    pub created: u64,
    /// Codes already there whose name changed, or that were inactive and are active again.
    pub updated: u64,
    pub unchanged: u64,
}

/// Imports a CSV file (`code,name`): new codes are added, known ones take the file's name and are active.
/// A file with any bad row is refused whole with the list of its problems. Imports of one hospital run one
/// at a time (the hospital's row is taken first), so two of the same file never collide on a code.
#[tracing::instrument(skip_all)]
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    file: &[u8],
) -> Result<ImportOutcome, AppError> {
    let mut report = ImportReport::default();
    let lines = csv_table::read(file, &CSV_COLUMNS, &mut report);
    let rows = lines.len() as u64;
    let mut entries: Vec<(String, String)> = Vec::with_capacity(lines.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    for line in lines {
        let Some(record) = csv_table::row_or_report(line, &mut report) else {
            continue;
        };
        let [code, name] = &record.fields[..] else {
            continue;
        };
        let mut problem = |field: &str, reason: String| {
            report.push(
                record.line,
                field.to_owned(),
                reason,
                csv_table::MAX_REPORTED,
            );
        };
        let code = text::code(code, CODE_MAX).map_err(|e| problem("code", e.to_string()));
        let name = text::required(name, NAME_MAX).map_err(|e| problem("name", e.to_string()));
        let (Ok(code), Ok(name)) = (code, name) else {
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), record.line) {
            problem("code", format!("{code} is already on line {first}"));
            continue;
        }
        entries.push((code, name));
    }
    if !report.is_empty() {
        return Err(ImportReport { rows, ..report }.rejected());
    }

    let txn = begin_write(db).await?;
    hospital::Entity::find_by_id(actor.hospital_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let codes: HashSet<&str> = entries.iter().map(|(c, _)| c.as_str()).collect();
    let known: HashMap<String, diagnosis::Model> = diagnosis::Entity::find()
        .filter(diagnosis::Column::HospitalId.eq(actor.hospital_id))
        .all(&txn)
        .await?
        .into_iter()
        .filter(|d| codes.contains(d.code.as_str()))
        .map(|d| (d.code.clone(), d))
        .collect();
    let now = Utc::now();
    let mut outcome = ImportOutcome {
        rows,
        ..ImportOutcome::default()
    };
    let mut fresh = Vec::new();
    for (code, name) in entries {
        match known.get(&code) {
            Some(d) if d.name == name && d.is_active => outcome.unchanged += 1,
            Some(d) => {
                let mut row: diagnosis::ActiveModel = d.clone().into();
                row.name = Set(name);
                row.is_active = Set(true);
                row.updated_at = Set(now);
                row.update(&txn).await?;
                outcome.updated += 1;
            }
            None => fresh.push(diagnosis::ActiveModel {
                hospital_id: Set(actor.hospital_id),
                code: Set(code),
                name: Set(name),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }),
        }
    }
    outcome.created = fresh.len() as u64;
    for chunk in fresh.chunks(500) {
        diagnosis::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await
            .map_err(AppError::unique(&[("code", CODE_TAKEN)]))?;
    }
    audit::commit(
        txn,
        actor
            .audit("DIAGNOSIS_IMPORT", "diagnosis", "import")
            .with_detail(serde_json::json!({
                "rows": outcome.rows,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
            })),
    )
    .await?;
    Ok(outcome)
}

/// The active entries of the actor's hospital with these ids, by id; `field(i)` names the request field of the
/// `i`th id for its error.
pub async fn active_by_id(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[i64],
    field: impl Fn(usize) -> String,
) -> Result<Vec<diagnosis::Model>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<i64, diagnosis::Model> = diagnosis::Entity::find()
        .filter(diagnosis::Column::HospitalId.eq(actor.hospital_id))
        .filter(diagnosis::Column::Id.is_in(ids.iter().copied()))
        .lock_shared()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    ids.iter()
        .enumerate()
        .map(|(i, id)| match found.get(id) {
            Some(d) if d.is_active => Ok(d.clone()),
            Some(_) => Err(AppError::invalid(
                field(i),
                "the diagnosis is no longer in use",
            )),
            None => Err(AppError::invalid(field(i), "no such diagnosis")),
        })
        .collect()
}
