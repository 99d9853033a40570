//! The dimension tree of a model version: nodes whose code decides their series and defaults, kept with
//! their closure table (every ancestor/descendant pair) through inserts, moves and deletes.
use crate::services::{Actor, accounting::model_versions, find_owned, foundation::audit};
use crate::{
    db::begin_write,
    domain::{
        accounting::dimension::{BusinessTypeScope, DeptField, NodeKind, NodeRules, Series},
        foundation::money::Amount,
    },
    entities::{
        accounting::dimension_closure as closure, accounting::dimension_item_mapping as mapping,
        accounting::dimension_node as node, accounting::orientation_rule as rule,
    },
    error::{AppError, ErrorCode, FieldErrors},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Query},
};
use std::collections::HashMap;

/// The largest weight: a coefficient or a unit price in yuan; anything above is a typing error, and the
/// pipeline's values stay exact in 64 bits below it (see `domain::accounting::valuation`).
pub use crate::domain::accounting::valuation::MAX_WEIGHT;

/// A node to add; `rules` were derived from `code` when the request was parsed.
#[derive(Debug, Clone)]
pub struct NewNode {
    pub code: String,
    pub rules: NodeRules,
    pub name: String,
    pub parent_id: Option<i64>,
    pub weight: Amount,
    pub sort: i32,
}

/// A partial update; `None` leaves a field as it is. `parent_id: Some(None)` moves the node to the top.
#[derive(Debug, Clone, Default)]
pub struct NodePatch {
    /// A code may be sent back unchanged; any other is refused.
    pub code: Option<String>,
    pub name: Option<String>,
    pub weight: Option<Amount>,
    pub sort: Option<i32>,
    pub parent_id: Option<Option<i64>>,
    pub dept_field: Option<DeptField>,
    pub business_type_scope: Option<BusinessTypeScope>,
    pub splits_business_type: Option<bool>,
}

/// A node as the tree shows it.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub node: node::Model,
    pub depth: i32,
    pub is_leaf: bool,
    pub mapping_count: u64,
}

/// The overrides a request may carry beside the code's defaults: only a CHARGE node's can differ from
/// them, and a CHARGE node always credits a department of the charge line. Field errors go to `errors`.
pub fn check_overrides(
    rules: &NodeRules,
    dept_field: Option<DeptField>,
    scope: Option<BusinessTypeScope>,
    split: Option<bool>,
    errors: &mut FieldErrors,
) -> NodeRules {
    let mut out = *rules;
    let charge = rules.kind == NodeKind::Charge;
    let only_charge = "can differ from the code's default only on CHARGE nodes";
    if let Some(d) = dept_field {
        if !charge && d != rules.dept_field {
            errors.add("dept_field", only_charge);
        } else if charge && d == DeptField::None {
            errors.add(
                "dept_field",
                "a CHARGE node credits the PRESCRIBING or the EXECUTING department",
            );
        } else {
            out.dept_field = d;
        }
    }
    if let Some(s) = scope {
        if !charge && s != rules.business_type_scope {
            errors.add("business_type_scope", only_charge);
        } else {
            out.business_type_scope = s;
        }
    }
    if let Some(s) = split {
        if !charge && s != rules.splits_business_type {
            errors.add("splits_business_type", only_charge);
        } else {
            out.splits_business_type = s;
        }
    }
    out
}

/// The rules a stored node follows (its code's defaults with any overrides).
pub fn rules_of(n: &node::Model) -> NodeRules {
    NodeRules {
        series: n.series,
        kind: n.kind,
        dept_field: n.dept_field,
        splits_business_type: n.splits_business_type,
        business_type_scope: n.business_type_scope,
    }
}

/// A node of the caller's hospital.
#[tracing::instrument(skip_all)]
pub async fn find(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<node::Model, AppError> {
    find_owned::<node::Entity>(conn, actor, id).await
}

/// The whole tree of a version, parents before their children, siblings by sort then code.
#[tracing::instrument(skip_all)]
pub async fn tree(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    version_id: i64,
) -> Result<Vec<NodeView>, AppError> {
    model_versions::find(conn, actor, version_id).await?;
    let nodes = node::Entity::find()
        .filter(node::Column::ModelVersionId.eq(version_id))
        .all(conn)
        .await?;
    let depths = model_versions::depths(conn, version_id).await?;
    let mapped: Vec<(i64, i64)> = mapping::Entity::find()
        .select_only()
        .column(mapping::Column::NodeId)
        .column_as(
            Expr::col(mapping::Column::Id)
                .count()
                .cast_as(model_versions::int64(conn.get_database_backend())),
            "n",
        )
        .filter(mapping::Column::ModelVersionId.eq(version_id))
        .group_by(mapping::Column::NodeId)
        .into_tuple()
        .all(conn)
        .await?;
    let mapped: HashMap<i64, i64> = mapped.into_iter().collect();
    let mut children: HashMap<Option<i64>, Vec<&node::Model>> = HashMap::new();
    for n in &nodes {
        children.entry(n.parent_id).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| (a.sort, &a.code).cmp(&(b.sort, &b.code)));
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut stack: Vec<&node::Model> = children
        .get(&None)
        .map(|roots| roots.iter().rev().copied().collect())
        .unwrap_or_default();
    while let Some(n) = stack.pop() {
        let kids = children.get(&Some(n.id));
        if let Some(kids) = kids {
            stack.extend(kids.iter().rev().copied());
        }
        out.push(NodeView {
            depth: depths.get(&n.id).copied().unwrap_or_default(),
            is_leaf: kids.is_none(),
            mapping_count: mapped
                .get(&n.id)
                .and_then(|c| u64::try_from(*c).ok())
                .unwrap_or_default(),
            node: n.clone(),
        });
    }
    Ok(out)
}

async fn view(conn: &impl ConnectionTrait, n: node::Model) -> Result<NodeView, AppError> {
    let depth = closure::Entity::find()
        .filter(closure::Column::DescendantId.eq(n.id))
        .count(conn)
        .await?;
    let children = node::Entity::find()
        .filter(node::Column::ParentId.eq(n.id))
        .count(conn)
        .await?;
    let mapping_count = mapping::Entity::find()
        .filter(mapping::Column::NodeId.eq(n.id))
        .count(conn)
        .await?;
    Ok(NodeView {
        depth: i32::try_from(depth.saturating_sub(1)).unwrap_or_default(),
        is_leaf: children == 0,
        mapping_count,
        node: n,
    })
}

/// The parent a node may be put under: a node of the same version and series, without item mappings
/// (a node with mappings must stay a leaf).
async fn check_parent(
    conn: &impl ConnectionTrait,
    version_id: i64,
    parent_id: i64,
    series: Series,
) -> Result<node::Model, AppError> {
    let parent = node::Entity::find_by_id(parent_id)
        .filter(node::Column::ModelVersionId.eq(version_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid("parent_id", "no such node in this model version"))?;
    if parent.series != series {
        return Err(AppError::invalid(
            "parent_id",
            format!(
                "the parent {} is of the {} series; a {series} node needs a {series} parent",
                parent.code, parent.series
            ),
        ));
    }
    let mapped = mapping::Entity::find()
        .filter(mapping::Column::NodeId.eq(parent.id))
        .count(conn)
        .await?;
    if mapped > 0 {
        return Err(AppError::invalid(
            "parent_id",
            format!(
                "{} has {mapped} item mappings and so must stay a leaf; move its mappings to a leaf first",
                parent.code
            ),
        ));
    }
    Ok(parent)
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    input: NewNode,
) -> Result<NodeView, AppError> {
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let r = input.rules;
    if let Some(p) = input.parent_id {
        check_parent(&txn, version_id, p, r.series).await?;
    }
    let now = Utc::now();
    let created = node::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        model_version_id: Set(version_id),
        parent_id: Set(input.parent_id),
        code: Set(input.code),
        name: Set(input.name),
        series: Set(r.series),
        kind: Set(r.kind),
        dept_field: Set(r.dept_field),
        splits_business_type: Set(r.splits_business_type),
        business_type_scope: Set(r.business_type_scope),
        weight: Set(input.weight),
        sort: Set(input.sort),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(AppError::unique(&[(
        "code",
        "is already used in this model version",
    )]))?;
    link(&txn, &created).await?;
    model_versions::touch(&txn, version_id).await?;
    audit::record(
        &txn,
        actor
            .audit("DIMENSION_NODE_CREATE", "dimension_node", created.id)
            .with_detail(
                serde_json::json!({ "model_version_id": version_id, "code": created.code }),
            ),
    )
    .await?;
    let view = view(&txn, created).await?;
    txn.commit().await?;
    Ok(view)
}

/// The closure rows of a new node: itself at depth 0, and each of its parent's ancestors one further.
async fn link(conn: &impl ConnectionTrait, n: &node::Model) -> Result<(), AppError> {
    let mut rows = vec![closure::ActiveModel {
        ancestor_id: Set(n.id),
        descendant_id: Set(n.id),
        model_version_id: Set(n.model_version_id),
        depth: Set(0),
    }];
    if let Some(p) = n.parent_id {
        for a in closure::Entity::find()
            .filter(closure::Column::DescendantId.eq(p))
            .all(conn)
            .await?
        {
            rows.push(closure::ActiveModel {
                ancestor_id: Set(a.ancestor_id),
                descendant_id: Set(n.id),
                model_version_id: Set(n.model_version_id),
                depth: Set(a.depth + 1),
            });
        }
    }
    closure::Entity::insert_many(rows).exec(conn).await?;
    Ok(())
}

/// The ids of the subtree under `id`, itself included.
async fn subtree(conn: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, AppError> {
    Ok(closure::Entity::find()
        .select_only()
        .column(closure::Column::DescendantId)
        .filter(closure::Column::AncestorId.eq(id))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Rewrites the closure of the subtree under `moved` for its new parent, set-based: the links from the
/// old ancestors outside the subtree go, the links from each new ancestor to each subtree node come (the
/// links inside the subtree stay as they are). The subtree's ids are read first because MariaDB refuses a
/// DELETE whose subquery reads the table it deletes from.
async fn relink(
    conn: &impl ConnectionTrait,
    version_id: i64,
    moved: i64,
    members: &[i64],
    new_parent: Option<i64>,
) -> Result<(), AppError> {
    closure::Entity::delete_many()
        .filter(closure::Column::DescendantId.is_in(members.iter().copied()))
        .filter(closure::Column::AncestorId.is_not_in(members.iter().copied()))
        .exec(conn)
        .await?;
    let Some(parent) = new_parent else {
        return Ok(());
    };
    let (a, s) = (Alias::new("a"), Alias::new("s"));
    let select = Query::select()
        .expr(Expr::col((a.clone(), closure::Column::AncestorId)))
        .expr(Expr::col((s.clone(), closure::Column::DescendantId)))
        .expr(Expr::val(version_id))
        .expr(
            Expr::col((a.clone(), closure::Column::Depth))
                .add(Expr::col((s.clone(), closure::Column::Depth)))
                .add(1),
        )
        .from_as(closure::Entity, a.clone())
        .join_as(
            JoinType::InnerJoin,
            closure::Entity,
            s.clone(),
            Expr::col((s.clone(), closure::Column::AncestorId)).eq(moved),
        )
        .and_where(Expr::col((a.clone(), closure::Column::DescendantId)).eq(parent))
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
    conn.execute(&insert).await?;
    Ok(())
}

/// Opens the write transaction of an edit of a node: its version's edit lock first, so that every read of
/// the transaction comes after it (MariaDB's repeatable read would otherwise keep reading the state from
/// before the wait), then the node as it is now.
async fn begin_node_edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<(sea_orm::DatabaseTransaction, node::Model), AppError> {
    let version_id = find(db, actor, id).await?.model_version_id;
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let current = find(&txn, actor, id).await?;
    Ok((txn, current))
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    patch: NodePatch,
) -> Result<NodeView, AppError> {
    let (txn, current) = begin_node_edit(db, actor, id).await?;
    let version_id = current.model_version_id;
    let mut errors = FieldErrors::new();
    if patch.code.as_ref().is_some_and(|c| *c != current.code) {
        errors.add(
            "code",
            "cannot be changed: the code decides the node's rules; create a new node instead",
        );
    }
    let r = check_overrides(
        &rules_of(&current),
        patch.dept_field,
        patch.business_type_scope,
        patch.splits_business_type,
        &mut errors,
    );
    errors.finish(|| Some(()))?;
    let mut detail = serde_json::json!({ "code": current.code });
    let move_to = patch.parent_id.filter(|p| *p != current.parent_id);
    if let Some(new_parent) = move_to {
        let members = subtree(&txn, id).await?;
        if let Some(p) = new_parent {
            if members.contains(&p) {
                return Err(AppError::invalid(
                    "parent_id",
                    "a node cannot be moved under itself or one of its descendants",
                ));
            }
            check_parent(&txn, version_id, p, current.series).await?;
        }
        relink(&txn, version_id, id, &members, new_parent).await?;
        detail["moved_from"] = serde_json::json!(current.parent_id);
        detail["moved_to"] = serde_json::json!(new_parent);
    }
    let mut row: node::ActiveModel = current.into();
    if let Some(name) = patch.name {
        row.name = Set(name);
    }
    if let Some(w) = patch.weight {
        row.weight = Set(w);
    }
    if let Some(s) = patch.sort {
        row.sort = Set(s);
    }
    if let Some(p) = move_to {
        row.parent_id = Set(p);
    }
    row.dept_field = Set(r.dept_field);
    row.business_type_scope = Set(r.business_type_scope);
    row.splits_business_type = Set(r.splits_business_type);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    model_versions::touch(&txn, version_id).await?;
    audit::record(
        &txn,
        actor
            .audit("DIMENSION_NODE_UPDATE", "dimension_node", id)
            .with_detail(detail),
    )
    .await?;
    let view = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a leaf with its item mappings.
#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (txn, current) = begin_node_edit(db, actor, id).await?;
    let children = node::Entity::find()
        .filter(node::Column::ParentId.eq(id))
        .count(&txn)
        .await?;
    if children > 0 {
        return Err(AppError::invalid(
            "id",
            format!(
                "{} has {children} child nodes; only a leaf can be deleted (delete or move its children first)",
                current.code
            ),
        ));
    }
    let rules = rule::Entity::find()
        .filter(rule::Column::ModelVersionId.eq(current.model_version_id))
        .filter(rule::Column::NodeCode.eq(current.code.as_str()))
        .count(&txn)
        .await?;
    if rules > 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::Referenced,
            message: format!(
                "{rules} orientation rules of this model version name {}; delete them first",
                current.code
            ),
        });
    }
    let unmapped = mapping::Entity::delete_many()
        .filter(mapping::Column::NodeId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    closure::Entity::delete_many()
        .filter(closure::Column::DescendantId.eq(id))
        .exec(&txn)
        .await?;
    node::Entity::delete_by_id(id).exec(&txn).await?;
    model_versions::touch(&txn, current.model_version_id).await?;
    audit::commit(
        txn,
        actor
            .audit("DIMENSION_NODE_DELETE", "dimension_node", id)
            .with_detail(serde_json::json!({
                "model_version_id": current.model_version_id,
                "code": current.code,
                "mappings_removed": unmapped,
            })),
    )
    .await?;
    Ok(())
}

/// The closure rows of a tree given as (id, parent) pairs: for every node, itself at depth 0 and each
/// ancestor at its distance. For bulk loads (the demo model), where the tree is known before it is saved.
pub fn closure_of(nodes: &[(i64, Option<i64>)]) -> Vec<(i64, i64, i32)> {
    let parents: HashMap<i64, Option<i64>> = nodes.iter().copied().collect();
    let mut rows = Vec::new();
    for &(id, _) in nodes {
        let mut at = Some(id);
        let mut depth = 0;
        while let Some(a) = at {
            rows.push((a, id, depth));
            depth += 1;
            at = parents.get(&a).copied().flatten();
            // A cycle cannot be a tree; stop rather than loop.
            if depth as usize > nodes.len() {
                break;
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closure_of_a_tree_links_every_ancestor() {
        let mut rows = closure_of(&[
            (1, None),
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(1)),
            (5, None),
        ]);
        rows.sort_unstable();
        assert_eq!(
            rows,
            vec![
                (1, 1, 0),
                (1, 2, 1),
                (1, 3, 2),
                (1, 4, 1),
                (2, 2, 0),
                (2, 3, 1),
                (3, 3, 0),
                (4, 4, 0),
                (5, 5, 0),
            ]
        );
    }

    #[test]
    fn overrides_apply_to_charge_nodes_only() {
        use crate::domain::accounting::dimension::rules_for;
        let eval = rules_for("dim-doc-out-eval-1").unwrap_or_else(|e| panic!("{e}"));
        let mut errors = FieldErrors::new();
        let r = check_overrides(
            &eval,
            Some(DeptField::Executing),
            Some(BusinessTypeScope::All),
            Some(false),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            (r.dept_field, r.business_type_scope, r.splits_business_type),
            (DeptField::Executing, BusinessTypeScope::All, false)
        );
        let mut errors = FieldErrors::new();
        check_overrides(&eval, Some(DeptField::None), None, None, &mut errors);
        assert!(!errors.is_empty());

        let bed = rules_for("dim-nur-bed").unwrap_or_else(|e| panic!("{e}"));
        let mut errors = FieldErrors::new();
        // Restating the default is not an override.
        check_overrides(&bed, Some(DeptField::None), None, Some(false), &mut errors);
        assert!(errors.is_empty());
        check_overrides(
            &bed,
            Some(DeptField::Executing),
            Some(BusinessTypeScope::Inpatient),
            Some(true),
            &mut errors,
        );
        assert!(!errors.is_empty());
    }
}
