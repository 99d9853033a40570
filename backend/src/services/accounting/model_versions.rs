//! Model versions (核算模型版本): a dimension tree with its item mappings and orientation rules, copied,
//! edited while no calculation task has run on it, and activated one at a time per hospital.
use crate::services::{Actor, Page, PageRequest, find_owned, foundation::audit, search, sort_by};
use crate::{
    db::begin_write,
    entities::{
        accounting::calculation_task, accounting::dimension_closure as closure,
        accounting::dimension_item_mapping as mapping, accounting::dimension_node as node,
        accounting::model_version as version, accounting::orientation_ladder as ladder,
        accounting::orientation_rule as rule,
    },
    error::{AppError, ErrorCode},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query},
};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct VersionInput {
    pub name: String,
    pub description: Option<String>,
}

/// A partial update: `None` leaves the field as it is.
#[derive(Debug, Clone, Default)]
pub struct VersionPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

#[derive(Debug, Default, Clone)]
pub struct VersionFilter {
    pub q: Option<String>,
    pub sort: Option<String>,
}

/// A version with what the list shows beside it.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub version: version::Model,
    /// Calculation tasks name it: it can no longer change.
    pub in_use: bool,
    pub node_count: u64,
}

const UNIQUE: &[(&str, &str)] = &[("name", "is already used by another model version")];

/// The message of every refused edit of a version that tasks ran on.
const IN_USE: &str = "calculation tasks have run on this model version, so it can no longer change \
(their results must stay reproducible); copy it and edit the copy";

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: VersionFilter,
    page: PageRequest,
) -> Result<Page<VersionView>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("name", version::Column::Name),
            ("created_at", version::Column::CreatedAt),
        ],
    )?;
    let select = search::<version::Entity>(actor, f.q.as_deref(), &[version::Column::Name])?;
    let order = order.or(Some((version::Column::Name, sea_orm::Order::Asc)));
    let page = crate::services::fetch_page(db, select, order, version::Column::Id, page).await?;
    let ids: Vec<i64> = page.items.iter().map(|v| v.id).collect();
    let used = in_use(db, &ids).await?;
    let counts = node_counts(db, &ids).await?;
    Ok(page.map(|v| VersionView {
        in_use: used.contains(&v.id),
        node_count: counts.get(&v.id).copied().unwrap_or_default(),
        version: v,
    }))
}

/// A version of the caller's hospital.
#[tracing::instrument(skip_all)]
pub async fn find(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<version::Model, AppError> {
    find_owned::<version::Entity>(conn, actor, id).await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<VersionView, AppError> {
    let found = find(conn, actor, id).await?;
    view(conn, found).await
}

async fn view(conn: &impl ConnectionTrait, v: version::Model) -> Result<VersionView, AppError> {
    let used = in_use(conn, &[v.id]).await?;
    let counts = node_counts(conn, &[v.id]).await?;
    Ok(VersionView {
        in_use: used.contains(&v.id),
        node_count: counts.get(&v.id).copied().unwrap_or_default(),
        version: v,
    })
}

/// The versions among `ids` that calculation tasks name.
#[tracing::instrument(skip_all)]
pub async fn in_use(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<HashSet<i64>, AppError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let used: Vec<i64> = calculation_task::Entity::find()
        .select_only()
        .column(calculation_task::Column::ModelVersionId)
        .distinct()
        .filter(calculation_task::Column::ModelVersionId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(used.into_iter().collect())
}

#[derive(FromQueryResult)]
struct Count {
    id: i64,
    n: i64,
}

async fn node_counts(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, u64>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let q = Query::select()
        .expr_as(Expr::col(node::Column::ModelVersionId), Alias::new("id"))
        .expr_as(
            Func::cast_as(
                Func::count(Expr::col(node::Column::Id)),
                int64(conn.get_database_backend()),
            ),
            Alias::new("n"),
        )
        .from(node::Entity)
        .and_where(Expr::col(node::Column::ModelVersionId).is_in(ids.iter().copied()))
        .group_by_col(node::Column::ModelVersionId)
        .to_owned();
    let rows = Count::find_by_statement(conn.get_database_backend().build(&q))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.id, u64::try_from(c.n).unwrap_or_default()))
        .collect())
}

/// The type a COUNT is cast to so every backend answers a 64-bit integer.
pub(crate) fn int64(backend: sea_orm::DbBackend) -> Alias {
    Alias::new(if backend == sea_orm::DbBackend::MySql {
        "SIGNED"
    } else {
        "BIGINT"
    })
}

/// Takes the version's row lock for an edit of it or of its tree, mappings or rules, and refuses when a
/// calculation task names it. Every edit goes through here first, so edits of one version are serialised
/// (their checks — one leaf per item and series, one active rule per node and department — hold under
/// concurrency), and a task created meanwhile either waits for the edit or makes it fail.
#[tracing::instrument(skip_all)]
pub async fn lock_editable(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<version::Model, AppError> {
    let found = version::Entity::find_by_id(id)
        .filter(version::Column::HospitalId.eq(actor.hospital_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("model version"))?;
    let used = calculation_task::Entity::find()
        .filter(calculation_task::Column::ModelVersionId.eq(id))
        .count(conn)
        .await?;
    if used > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::ModelVersionInUse,
            message: IN_USE.into(),
        });
    }
    Ok(found)
}

/// Marks the version edited now.
#[tracing::instrument(skip_all)]
pub(crate) async fn touch(conn: &impl ConnectionTrait, id: i64) -> Result<(), AppError> {
    version::Entity::update_many()
        .col_expr(version::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(version::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: VersionInput,
) -> Result<VersionView, AppError> {
    let txn = begin_write(db).await?;
    let created = insert(&txn, actor, input, None).await?;
    audit::commit(
        txn,
        actor.audit("MODEL_VERSION_CREATE", "model_version", created.id),
    )
    .await?;
    Ok(VersionView {
        version: created,
        in_use: false,
        node_count: 0,
    })
}

async fn insert(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: VersionInput,
    copied_from: Option<i64>,
) -> Result<version::Model, AppError> {
    let now = Utc::now();
    version::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        name: Set(input.name),
        description: Set(input.description),
        is_active: Set(false),
        copied_from_id: Set(copied_from),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(AppError::unique(UNIQUE))
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    patch: VersionPatch,
) -> Result<VersionView, AppError> {
    let txn = begin_write(db).await?;
    let mut row: version::ActiveModel = lock_editable(&txn, actor, id).await?.into();
    if let Some(name) = patch.name {
        row.name = Set(name);
    }
    if let Some(description) = patch.description {
        row.description = Set(description);
    }
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await.map_err(AppError::unique(UNIQUE))?;
    audit::record(
        &txn,
        actor.audit("MODEL_VERSION_UPDATE", "model_version", id),
    )
    .await?;
    let view = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a version no task ran on and that is not the active one, with everything it holds.
#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let found = lock_editable(&txn, actor, id).await?;
    if found.is_active {
        return Err(AppError::Conflict {
            code: ErrorCode::ModelVersionActive,
            message: "the active model version cannot be deleted; activate another one first"
                .into(),
        });
    }
    let rules = Query::select()
        .column(rule::Column::Id)
        .from(rule::Entity)
        .and_where(Expr::col(rule::Column::ModelVersionId).eq(id))
        .to_owned();
    ladder::Entity::delete_many()
        .filter(ladder::Column::RuleId.in_subquery(rules))
        .exec(&txn)
        .await?;
    rule::Entity::delete_many()
        .filter(rule::Column::ModelVersionId.eq(id))
        .exec(&txn)
        .await?;
    mapping::Entity::delete_many()
        .filter(mapping::Column::ModelVersionId.eq(id))
        .exec(&txn)
        .await?;
    closure::Entity::delete_many()
        .filter(closure::Column::ModelVersionId.eq(id))
        .exec(&txn)
        .await?;
    // Unlink first: MariaDB checks a self-reference row by row, so deleting a parent before its child in
    // one statement would fail there.
    node::Entity::update_many()
        .col_expr(node::Column::ParentId, Expr::value(Option::<i64>::None))
        .filter(node::Column::ModelVersionId.eq(id))
        .exec(&txn)
        .await?;
    node::Entity::delete_many()
        .filter(node::Column::ModelVersionId.eq(id))
        .exec(&txn)
        .await?;
    // Copies keep their contents; only the record of where they came from goes.
    version::Entity::update_many()
        .col_expr(
            version::Column::CopiedFromId,
            Expr::value(Option::<i64>::None),
        )
        .filter(version::Column::CopiedFromId.eq(id))
        .exec(&txn)
        .await?;
    version::Entity::delete_by_id(id).exec(&txn).await?;
    audit::commit(
        txn,
        actor
            .audit("MODEL_VERSION_DELETE", "model_version", id)
            .with_detail(serde_json::json!({ "name": found.name })),
    )
    .await?;
    Ok(())
}

/// A new, inactive version with the same tree (parent links and closure), mappings and orientation
/// rules with their ladders, all under new ids. Any version can be copied, one in use included.
#[tracing::instrument(skip_all)]
pub async fn copy(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    name: String,
) -> Result<VersionView, AppError> {
    let txn = begin_write(db).await?;
    // A shared lock: edits of the source wait until the copy is taken, so it is one consistent state.
    let source = version::Entity::find_by_id(id)
        .filter(version::Column::HospitalId.eq(actor.hospital_id))
        .lock_shared()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("model version"))?;
    let input = VersionInput {
        name,
        description: source.description.clone(),
    };
    let copy = insert(&txn, actor, input, Some(source.id)).await?;
    let now = Utc::now();

    // Nodes parents first (by depth), each under its parent's new id.
    let depths: HashMap<i64, i32> = depths(&txn, source.id).await?;
    let mut nodes = node::Entity::find()
        .filter(node::Column::ModelVersionId.eq(source.id))
        .all(&txn)
        .await?;
    nodes.sort_by_key(|n| (depths.get(&n.id).copied().unwrap_or_default(), n.id));
    let mut new_ids: HashMap<i64, i64> = HashMap::with_capacity(nodes.len());
    for n in &nodes {
        let parent_id = match n.parent_id {
            Some(p) => Some(*new_ids.get(&p).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("node {} is above its parent {p}", n.id))
            })?),
            None => None,
        };
        let saved = node::ActiveModel {
            hospital_id: Set(n.hospital_id),
            model_version_id: Set(copy.id),
            parent_id: Set(parent_id),
            code: Set(n.code.clone()),
            name: Set(n.name.clone()),
            series: Set(n.series),
            kind: Set(n.kind),
            dept_field: Set(n.dept_field),
            splits_business_type: Set(n.splits_business_type),
            business_type_scope: Set(n.business_type_scope),
            weight: Set(n.weight),
            sort: Set(n.sort),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        new_ids.insert(n.id, saved.id);
    }

    // Closure and mappings set-based: the old node and the new one share their code.
    let b = txn.get_database_backend();
    let (old_a, old_d, new_a, new_d, c) = (
        Alias::new("oa"),
        Alias::new("od"),
        Alias::new("na"),
        Alias::new("nd"),
        Alias::new("c"),
    );
    let col = |t: &Alias, c: node::Column| Expr::col((t.clone(), c));
    let select = Query::select()
        .expr(col(&new_a, node::Column::Id))
        .expr(col(&new_d, node::Column::Id))
        .expr(Expr::val(copy.id))
        .expr(Expr::col((c.clone(), closure::Column::Depth)))
        .from_as(closure::Entity, c.clone())
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            old_a.clone(),
            col(&old_a, node::Column::Id).equals((c.clone(), closure::Column::AncestorId)),
        )
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            old_d.clone(),
            col(&old_d, node::Column::Id).equals((c.clone(), closure::Column::DescendantId)),
        )
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            new_a.clone(),
            col(&new_a, node::Column::Code)
                .equals((old_a.clone(), node::Column::Code))
                .and(col(&new_a, node::Column::ModelVersionId).eq(copy.id)),
        )
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            new_d.clone(),
            col(&new_d, node::Column::Code)
                .equals((old_d.clone(), node::Column::Code))
                .and(col(&new_d, node::Column::ModelVersionId).eq(copy.id)),
        )
        .and_where(Expr::col((c.clone(), closure::Column::ModelVersionId)).eq(source.id))
        .to_owned();
    let insert = Query::insert()
        .into_table(closure::Entity)
        .columns([
            closure::Column::AncestorId,
            closure::Column::DescendantId,
            closure::Column::ModelVersionId,
            closure::Column::Depth,
        ])
        .select_from(select)
        .map_err(|e| AppError::Internal(e.into()))?
        .to_owned();
    txn.execute_raw(b.build(&insert)).await?;

    let (m, old, new) = (Alias::new("m"), Alias::new("o"), Alias::new("n"));
    let select = Query::select()
        .expr(Expr::col((m.clone(), mapping::Column::HospitalId)))
        .expr(Expr::val(copy.id))
        .expr(col(&new, node::Column::Id))
        .expr(Expr::col((m.clone(), mapping::Column::ItemCode)))
        .expr(Expr::val(now))
        .from_as(mapping::Entity, m.clone())
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            old.clone(),
            col(&old, node::Column::Id).equals((m.clone(), mapping::Column::NodeId)),
        )
        .join_as(
            JoinType::InnerJoin,
            node::Entity,
            new.clone(),
            col(&new, node::Column::Code)
                .equals((old.clone(), node::Column::Code))
                .and(col(&new, node::Column::ModelVersionId).eq(copy.id)),
        )
        .and_where(Expr::col((m.clone(), mapping::Column::ModelVersionId)).eq(source.id))
        .to_owned();
    let insert = Query::insert()
        .into_table(mapping::Entity)
        .columns([
            mapping::Column::HospitalId,
            mapping::Column::ModelVersionId,
            mapping::Column::NodeId,
            mapping::Column::ItemCode,
            mapping::Column::CreatedAt,
        ])
        .select_from(select)
        .map_err(|e| AppError::Internal(e.into()))?
        .to_owned();
    txn.execute_raw(b.build(&insert)).await?;

    // Rules one by one (a ladder needs its rule's new id); a version has a handful.
    let rules = rule::Entity::find()
        .filter(rule::Column::ModelVersionId.eq(source.id))
        .order_by_asc(rule::Column::Id)
        .all(&txn)
        .await?;
    let rule_ids: Vec<i64> = rules.iter().map(|r| r.id).collect();
    let mut ladders: HashMap<i64, Vec<ladder::Model>> = HashMap::new();
    if !rule_ids.is_empty() {
        for l in ladder::Entity::find()
            .filter(ladder::Column::RuleId.is_in(rule_ids))
            .all(&txn)
            .await?
        {
            ladders.entry(l.rule_id).or_default().push(l);
        }
    }
    for r in rules {
        let saved = rule::ActiveModel {
            hospital_id: Set(r.hospital_id),
            model_version_id: Set(copy.id),
            node_code: Set(r.node_code),
            name: Set(r.name),
            department_code: Set(r.department_code),
            benchmark: Set(r.benchmark),
            benchmark_method: Set(r.benchmark_method),
            lookback_periods: Set(r.lookback_periods),
            is_active: Set(r.is_active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let bands: Vec<ladder::ActiveModel> = ladders
            .remove(&r.id)
            .unwrap_or_default()
            .into_iter()
            .map(|l| ladder::ActiveModel {
                rule_id: Set(saved.id),
                lower_bound: Set(l.lower_bound),
                upper_bound: Set(l.upper_bound),
                intensity: Set(l.intensity),
                sort: Set(l.sort),
                ..Default::default()
            })
            .collect();
        if !bands.is_empty() {
            ladder::Entity::insert_many(bands).exec(&txn).await?;
        }
    }

    audit::record(
        &txn,
        actor
            .audit("MODEL_VERSION_COPY", "model_version", copy.id)
            .with_detail(serde_json::json!({ "copied_from_id": source.id })),
    )
    .await?;
    let view = view(&txn, copy).await?;
    txn.commit().await?;
    Ok(view)
}

/// Each node's depth in its version's tree (0 for a root), from the closure table.
#[tracing::instrument(skip_all)]
pub(crate) async fn depths(
    conn: &impl ConnectionTrait,
    version_id: i64,
) -> Result<HashMap<i64, i32>, AppError> {
    let rows: Vec<(i64, Option<i32>)> = closure::Entity::find()
        .select_only()
        .column(closure::Column::DescendantId)
        .column_as(closure::Column::Depth.max(), "depth")
        .filter(closure::Column::ModelVersionId.eq(version_id))
        .group_by(closure::Column::DescendantId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, d)| (id, d.unwrap_or_default()))
        .collect())
}

/// Makes the version the hospital's only active one. One UPDATE sets every version of the hospital,
/// this one true and the others false: two activations racing queue on the row locks and the later one
/// wins whole, so the hospital never has two active versions (SQLite serialises the writers anyway).
#[tracing::instrument(skip_all)]
pub async fn activate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<VersionView, AppError> {
    let txn = begin_write(db).await?;
    // No lock before the UPDATE: holding this row while waiting for another activation's rows would
    // deadlock with it.
    find(&txn, actor, id).await?;
    version::Entity::update_many()
        .col_expr(
            version::Column::IsActive,
            Expr::col(version::Column::Id).eq(id),
        )
        .filter(version::Column::HospitalId.eq(actor.hospital_id))
        .exec(&txn)
        .await?;
    touch(&txn, id).await?;
    // Deleted meanwhile (a delete holds the row until it commits): nothing to activate.
    let activated = find(&txn, actor, id).await?;
    if !activated.is_active {
        return Err(AppError::NotFound("model version"));
    }
    audit::record(
        &txn,
        actor.audit("MODEL_VERSION_ACTIVATE", "model_version", id),
    )
    .await?;
    let view = view(&txn, activated).await?;
    txn.commit().await?;
    Ok(view)
}
