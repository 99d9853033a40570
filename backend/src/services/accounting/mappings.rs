//! Item mappings (项目对照): which charge items feed which CHARGE leaf of a model version — one at a time,
//! or a whole CSV file checked row by row and written all or nothing.
use crate::services::{
    Actor, Page, PageRequest,
    accounting::dimension_nodes,
    accounting::model_versions,
    csv_table::{self, MAX_REPORTED},
    foundation::audit,
    like_pattern,
};
use crate::{
    db::begin_write,
    domain::{
        accounting::dimension::{BusinessTypeScope, NodeKind, Series, scopes_overlap},
        foundation::text,
    },
    entities::{
        accounting::dimension_item_mapping as mapping, accounting::dimension_node as node,
        foundation::charge_item,
    },
    error::{AppError, ImportReport},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, Set,
    sea_query::{Alias, Cond, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement},
};
use std::collections::{HashMap, HashSet};

/// The columns of the CSV layout, in the order the export writes them.
pub const CSV_COLUMNS: [&str; 2] = ["node_code", "item_code"];
const INSERT_CHUNK: usize = 500;

#[derive(Debug, Default, Clone)]
pub struct MappingFilter {
    pub node_id: Option<i64>,
    pub q: Option<String>,
}

/// A mapping with the names around it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MappingView {
    pub id: i64,
    pub model_version_id: i64,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub item_code: String,
    /// The catalogue's name of the item, when the catalogue has it.
    pub item_name: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub rows: u64,
    pub inserted: u64,
    pub already_present: u64,
}

/// A leaf an item can be mapped to, with what the conflict rule needs.
#[derive(Debug, Clone)]
struct Target {
    id: i64,
    code: String,
    series: Series,
    scope: BusinessTypeScope,
}

/// An existing mapping, as the conflict rule sees it.
#[derive(Debug, Clone)]
struct Feed {
    target: Target,
    /// The file row that adds it, or `None` when it is already stored.
    row: Option<u64>,
}

fn target(n: &node::Model) -> Result<Target, AppError> {
    let r = dimension_nodes::rules_of(n);
    Ok(Target {
        id: n.id,
        code: n.code.clone(),
        series: r.series,
        scope: r.business_type_scope,
    })
}

/// Why a node cannot take item mappings, if it cannot.
fn unmappable(n: &node::Model, has_children: bool) -> Option<String> {
    if n.kind != NodeKind::Charge {
        Some(format!(
            "{} is a {} node; only CHARGE nodes have items",
            n.code, n.kind
        ))
    } else if has_children {
        Some(format!(
            "{} has child nodes; items are mapped to leaves",
            n.code
        ))
    } else {
        None
    }
}

/// Why adding `item_code` → `to` breaks the rule "one leaf per series and business type", if it does.
fn conflict(item_code: &str, to: &Target, feeds: &[Feed]) -> Option<(bool, String)> {
    for f in feeds {
        if f.target.id == to.id {
            let at = match f.row {
                Some(row) => format!(" by row {row}"),
                None => String::new(),
            };
            return Some((
                true,
                format!("{item_code} is already mapped to {}{at}", to.code),
            ));
        }
    }
    feeds
        .iter()
        .find(|f| f.target.series == to.series && scopes_overlap(f.target.scope, to.scope))
        .map(|f| {
            let at = match f.row {
                Some(row) => format!(" (row {row})"),
                None => String::new(),
            };
            (
                false,
                format!(
                    "{item_code} already feeds {}{at} of the {} series for {} charges; an item feeds one leaf per series and business type",
                    f.target.code,
                    f.target.series,
                    overlap_name(f.target.scope, to.scope)
                ),
            )
        })
}

fn overlap_name(a: BusinessTypeScope, b: BusinessTypeScope) -> &'static str {
    match (a, b) {
        (BusinessTypeScope::All, BusinessTypeScope::All) => "all",
        (BusinessTypeScope::Outpatient, _) | (_, BusinessTypeScope::Outpatient) => "outpatient",
        _ => "inpatient",
    }
}

/// The stored mappings of a version's items, by item code, with their leaves.
async fn feeds(
    conn: &impl ConnectionTrait,
    version_id: i64,
    item_code: Option<&str>,
) -> Result<HashMap<String, Vec<Feed>>, AppError> {
    let mut select = mapping::Entity::find().filter(mapping::Column::ModelVersionId.eq(version_id));
    if let Some(code) = item_code {
        select = select.filter(mapping::Column::ItemCode.eq(code));
    }
    let rows = select.all(conn).await?;
    let nodes: HashMap<i64, node::Model> = node::Entity::find()
        .filter(node::Column::ModelVersionId.eq(version_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let mut out: HashMap<String, Vec<Feed>> = HashMap::new();
    for m in rows {
        let n = nodes.get(&m.node_id).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("mapping {} without its node", m.id))
        })?;
        out.entry(m.item_code).or_default().push(Feed {
            target: target(n)?,
            row: None,
        });
    }
    Ok(out)
}

fn view_query(version_id: i64) -> SelectStatement {
    let (m, n, i) = (Alias::new("m"), Alias::new("n"), Alias::new("i"));
    Query::select()
        .expr_as(
            Expr::col((m.clone(), mapping::Column::Id)),
            Alias::new("id"),
        )
        .expr_as(
            Expr::col((m.clone(), mapping::Column::ModelVersionId)),
            Alias::new("model_version_id"),
        )
        .expr_as(
            Expr::col((m.clone(), mapping::Column::NodeId)),
            Alias::new("node_id"),
        )
        .expr_as(
            Expr::col((n.clone(), node::Column::Code)),
            Alias::new("node_code"),
        )
        .expr_as(
            Expr::col((n.clone(), node::Column::Name)),
            Alias::new("node_name"),
        )
        .expr_as(
            Expr::col((m.clone(), mapping::Column::ItemCode)),
            Alias::new("item_code"),
        )
        .expr_as(
            Expr::col((i.clone(), charge_item::Column::ItemName)),
            Alias::new("item_name"),
        )
        .expr_as(
            Expr::col((m.clone(), mapping::Column::CreatedAt)),
            Alias::new("created_at"),
        )
        .from_as(mapping::Entity, m.clone())
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            n.clone(),
            Expr::col((n.clone(), node::Column::Id)).equals((m.clone(), mapping::Column::NodeId)),
        )
        .join_as(
            JoinType::LeftJoin,
            charge_item::Entity,
            i.clone(),
            Cond::all()
                .add(
                    Expr::col((i.clone(), charge_item::Column::HospitalId))
                        .equals((m.clone(), mapping::Column::HospitalId)),
                )
                .add(
                    Expr::col((i.clone(), charge_item::Column::ItemCode))
                        .equals((m.clone(), mapping::Column::ItemCode)),
                ),
        )
        .and_where(Expr::col((m, mapping::Column::ModelVersionId)).eq(version_id))
        .to_owned()
}

/// A version's mappings by node code and item code, paged; `q` matches the item's code or catalogue
/// name, or the node's code or name.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    f: MappingFilter,
    page: PageRequest,
) -> Result<Page<MappingView>, AppError> {
    model_versions::find(db, actor, version_id).await?;
    let (m, n, i) = (Alias::new("m"), Alias::new("n"), Alias::new("i"));
    let mut q = view_query(version_id);
    if let Some(node_id) = f.node_id {
        q.and_where(Expr::col((m.clone(), mapping::Column::NodeId)).eq(node_id));
    }
    if let Some(term) = crate::services::search_term(f.q.as_deref())? {
        let pattern = like_pattern(term);
        q.cond_where(
            Cond::any()
                .add(Expr::col((m.clone(), mapping::Column::ItemCode)).like(pattern.clone()))
                .add(Expr::col((i.clone(), charge_item::Column::ItemName)).like(pattern.clone()))
                .add(Expr::col((n.clone(), node::Column::Code)).like(pattern.clone()))
                .add(Expr::col((n.clone(), node::Column::Name)).like(pattern)),
        );
    }
    let b = db.get_database_backend();
    let count = Query::select()
        .expr_as(
            Func::cast_as(Func::count(Expr::val(1)), model_versions::int64(b)),
            Alias::new("n"),
        )
        .from_subquery(q.clone(), Alias::new("t"))
        .to_owned();
    #[derive(FromQueryResult)]
    struct Total {
        n: i64,
    }
    let total = Total::find_by_statement(b.build(&count))
        .one(db)
        .await?
        .map(|t| u64::try_from(t.n).unwrap_or_default())
        .unwrap_or_default();
    q.order_by((n, node::Column::Code), Order::Asc)
        .order_by((m.clone(), mapping::Column::ItemCode), Order::Asc)
        .order_by((m, mapping::Column::Id), Order::Asc)
        .limit(page.page_size)
        .offset(page.page.saturating_sub(1).saturating_mul(page.page_size));
    let items = MappingView::find_by_statement(b.build(&q)).all(db).await?;
    Ok(Page {
        items,
        total,
        page: page.page,
        page_size: page.page_size,
    })
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    node_id: i64,
    item_code: String,
) -> Result<MappingView, AppError> {
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let leaf = node::Entity::find_by_id(node_id)
        .filter(node::Column::ModelVersionId.eq(version_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::invalid("node_id", "no such node in this model version"))?;
    let children = node::Entity::find()
        .filter(node::Column::ParentId.eq(leaf.id))
        .count(&txn)
        .await?;
    if let Some(why) = unmappable(&leaf, children > 0) {
        return Err(AppError::invalid("node_id", why));
    }
    let to = target(&leaf)?;
    let existing = feeds(&txn, version_id, Some(&item_code)).await?;
    if let Some((_, message)) = conflict(
        &item_code,
        &to,
        existing
            .get(&item_code)
            .map(Vec::as_slice)
            .unwrap_or_default(),
    ) {
        return Err(AppError::Duplicate {
            field: "item_code".into(),
            message,
        });
    }
    let created = mapping::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        model_version_id: Set(version_id),
        node_id: Set(leaf.id),
        item_code: Set(item_code),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(AppError::unique(&[(
        "item_code",
        "is already mapped to this node",
    )]))?;
    model_versions::touch(&txn, version_id).await?;
    audit::record(
        &txn,
        actor
            .audit(
                "DIMENSION_MAPPING_CREATE",
                "dimension_item_mapping",
                created.id,
            )
            .with_detail(serde_json::json!({
                "model_version_id": version_id,
                "node_code": leaf.code,
                "item_code": created.item_code,
            })),
    )
    .await?;
    let b = txn.get_database_backend();
    let mut q = view_query(version_id);
    q.and_where(Expr::col((Alias::new("m"), mapping::Column::Id)).eq(created.id));
    let view = MappingView::find_by_statement(b.build(&q))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("mapping"))?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let query =
        mapping::Entity::find_by_id(id).filter(mapping::Column::HospitalId.eq(actor.hospital_id));
    let version_id = query
        .clone()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("mapping"))?
        .model_version_id;
    // The version's edit lock first, so the reads below see the state after any edit it waited for.
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let found = query
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("mapping"))?;
    mapping::Entity::delete_by_id(id).exec(&txn).await?;
    model_versions::touch(&txn, found.model_version_id).await?;
    audit::commit(
        txn,
        actor
            .audit("DIMENSION_MAPPING_DELETE", "dimension_item_mapping", id)
            .with_detail(serde_json::json!({
                "model_version_id": found.model_version_id,
                "node_id": found.node_id,
                "item_code": found.item_code,
            })),
    )
    .await?;
    Ok(())
}

/// One good row of an import.
struct Accepted {
    node_id: i64,
    item_code: String,
}

/// Imports a CSV file (`node_code,item_code`, UTF-8, one header line). Every row is checked by the rules
/// of a single mapping, against the stored mappings and the rows above it; a file with any bad row is
/// refused whole with the list of problems. Pairs already stored are skipped, so importing a file twice
/// changes nothing.
#[tracing::instrument(skip_all)]
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    file: &[u8],
) -> Result<ImportOutcome, AppError> {
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let nodes = node::Entity::find()
        .filter(node::Column::ModelVersionId.eq(version_id))
        .all(&txn)
        .await?;
    let parents: HashSet<i64> = nodes.iter().filter_map(|n| n.parent_id).collect();
    let by_code: HashMap<&str, &node::Model> = nodes.iter().map(|n| (n.code.as_str(), n)).collect();
    let mut feeds = feeds(&txn, version_id, None).await?;

    let mut refusal = ImportReport::default();
    let lines = csv_table::read(file, &CSV_COLUMNS, &mut refusal);
    let rows = lines.len() as u64;
    let mut accepted: Vec<Accepted> = Vec::new();
    let mut already_present = 0u64;
    for line in lines {
        let Some(record) = csv_table::row_or_report(line, &mut refusal) else {
            continue;
        };
        let mut report = |row: u64, field: &str, reason: String| {
            refusal.push(row, field.to_owned(), reason, MAX_REPORTED);
        };
        let row = record.line;
        let [node_code, item_code] = &record.fields[..] else {
            continue;
        };
        let (node_code, item_code) = (node_code.as_str(), item_code.as_str());
        let leaf = match by_code.get(node_code) {
            None if node_code.is_empty() => {
                report(row, "node_code", "must not be empty".into());
                None
            }
            None => {
                report(
                    row,
                    "node_code",
                    format!("no node {node_code} in this model version"),
                );
                None
            }
            Some(n) => match unmappable(n, parents.contains(&n.id)) {
                Some(why) => {
                    report(row, "node_code", why);
                    None
                }
                None => Some(*n),
            },
        };
        let item_code = match text::code(item_code, 64) {
            Ok(code) => Some(code),
            Err(e) => {
                report(row, "item_code", e.to_string());
                None
            }
        };
        let (Some(leaf), Some(item_code)) = (leaf, item_code) else {
            continue;
        };
        let to = target(leaf)?;
        let item_feeds = feeds.entry(item_code.clone()).or_default();
        match conflict(&item_code, &to, item_feeds) {
            // Stored already: skipped.
            Some((true, _))
                if item_feeds
                    .iter()
                    .any(|f| f.target.id == to.id && f.row.is_none()) =>
            {
                already_present += 1;
            }
            Some((_, reason)) => report(row, "item_code", reason),
            None => {
                item_feeds.push(Feed {
                    target: to,
                    row: Some(row),
                });
                accepted.push(Accepted {
                    node_id: leaf.id,
                    item_code,
                });
            }
        }
    }
    if !refusal.is_empty() {
        let (problem_count, listed) = (refusal.error_count, refusal.errors.len() as u64);
        let message = if listed < problem_count {
            format!(
                "the file has {problem_count} problems (the first {listed} are listed); nothing was imported"
            )
        } else {
            format!("the file has {problem_count} problems; nothing was imported")
        };
        return Err(AppError::ImportRejected {
            message,
            report: ImportReport { rows, ..refusal },
        });
    }

    let now = Utc::now();
    let inserted = accepted.len() as u64;
    let mut pending = accepted.into_iter().peekable();
    while pending.peek().is_some() {
        let chunk: Vec<mapping::ActiveModel> = pending
            .by_ref()
            .take(INSERT_CHUNK)
            .map(|a| mapping::ActiveModel {
                hospital_id: Set(actor.hospital_id),
                model_version_id: Set(version_id),
                node_id: Set(a.node_id),
                item_code: Set(a.item_code),
                created_at: Set(now),
                ..Default::default()
            })
            .collect();
        mapping::Entity::insert_many(chunk).exec(&txn).await?;
    }
    if inserted > 0 {
        model_versions::touch(&txn, version_id).await?;
    }
    let outcome = ImportOutcome {
        rows,
        inserted,
        already_present,
    };
    audit::commit(
        txn,
        actor
            .audit("DIMENSION_MAPPING_IMPORT", "model_version", version_id)
            .with_detail(serde_json::json!({
                "rows": outcome.rows,
                "inserted": outcome.inserted,
                "already_present": outcome.already_present,
            })),
    )
    .await?;
    Ok(outcome)
}

/// The version's mappings as CSV in the import layout, by node code and item code.
#[tracing::instrument(skip_all)]
pub async fn export(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
) -> Result<Vec<u8>, AppError> {
    model_versions::find(db, actor, version_id).await?;
    let b = db.get_database_backend();
    let (m, n) = (Alias::new("m"), Alias::new("n"));
    let mut q = view_query(version_id);
    q.order_by((n, node::Column::Code), Order::Asc)
        .order_by((m, mapping::Column::ItemCode), Order::Asc);
    let rows = MappingView::find_by_statement(b.build(&q)).all(db).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(CSV_COLUMNS).map_err(fail)?;
    for r in rows {
        out.write_record([r.node_code.as_str(), r.item_code.as_str()])
            .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}
