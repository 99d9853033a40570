//! Orientation rules (导向规则): a node's weight is scaled by the intensity of the ladder band that the
//! department's actual ÷ benchmark falls in. Rules belong to a model version and name nodes by code.
use crate::services::{
    Actor, Page, PageRequest, accounting::model_versions, foundation::audit, like_pattern,
};
use crate::{
    db::begin_write,
    domain::{
        accounting::{benchmark::BenchmarkMethod, valuation::Band},
        foundation::money::Amount,
    },
    entities::{
        accounting::dimension_node as node, accounting::orientation_ladder as ladder,
        accounting::orientation_rule as rule, foundation::department,
    },
    error::AppError,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

/// A rule as a request gives it, parsed: amounts in ten-thousandths, bands sorted and not overlapping.
#[derive(Debug, Clone)]
pub struct RuleInput {
    pub node_code: String,
    pub name: String,
    /// `None`: every department.
    pub department_code: Option<String>,
    pub benchmark: Amount,
    pub benchmark_method: BenchmarkMethod,
    pub lookback_periods: Option<i32>,
    pub is_active: bool,
    pub ladder: Vec<Band>,
}

#[derive(Debug, Default, Clone)]
pub struct RuleFilter {
    pub node_code: Option<String>,
    pub q: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RuleView {
    pub rule: rule::Model,
    /// By lower bound.
    pub ladder: Vec<ladder::Model>,
}

async fn ladders(
    conn: &impl ConnectionTrait,
    rule_ids: &[i64],
) -> Result<HashMap<i64, Vec<ladder::Model>>, AppError> {
    let mut out: HashMap<i64, Vec<ladder::Model>> = HashMap::new();
    if rule_ids.is_empty() {
        return Ok(out);
    }
    for l in ladder::Entity::find()
        .filter(ladder::Column::RuleId.is_in(rule_ids.iter().copied()))
        .order_by_asc(ladder::Column::Sort)
        .order_by_asc(ladder::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(l.rule_id).or_default().push(l);
    }
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    f: RuleFilter,
    page: PageRequest,
) -> Result<Page<RuleView>, AppError> {
    model_versions::find(db, actor, version_id).await?;
    let mut select = rule::Entity::find().filter(rule::Column::ModelVersionId.eq(version_id));
    if let Some(code) = f
        .node_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        select = select.filter(rule::Column::NodeCode.eq(code));
    }
    if let Some(q) = crate::services::search_term(f.q.as_deref())? {
        let pattern = like_pattern(q);
        select = select.filter(
            Condition::any()
                .add(rule::Column::Name.like(pattern.clone()))
                .add(rule::Column::NodeCode.like(pattern)),
        );
    }
    let page = crate::services::fetch_page(
        db,
        select,
        Some((rule::Column::NodeCode, sea_orm::Order::Asc)),
        rule::Column::Id,
        page,
    )
    .await?;
    let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
    let mut bands = ladders(db, &ids).await?;
    Ok(page.map(|r| RuleView {
        ladder: bands.remove(&r.id).unwrap_or_default(),
        rule: r,
    }))
}

/// The checks a rule's references need the database for; `except` is the rule being replaced.
async fn check(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    version_id: i64,
    input: &RuleInput,
    except: Option<i64>,
) -> Result<(), AppError> {
    let nodes = node::Entity::find()
        .filter(node::Column::ModelVersionId.eq(version_id))
        .filter(node::Column::Code.eq(input.node_code.as_str()))
        .count(conn)
        .await?;
    if nodes == 0 {
        return Err(AppError::invalid(
            "node_code",
            "no node with this code in the model version",
        ));
    }
    if let Some(code) = &input.department_code {
        let found = department::Entity::find()
            .filter(department::Column::HospitalId.eq(actor.hospital_id))
            .filter(department::Column::Code.eq(code.as_str()))
            .count(conn)
            .await?;
        if found == 0 {
            return Err(AppError::invalid(
                "department_code",
                "no department with this code in your hospital",
            ));
        }
    }
    if input.is_active {
        let mut same = rule::Entity::find()
            .filter(rule::Column::ModelVersionId.eq(version_id))
            .filter(rule::Column::NodeCode.eq(input.node_code.as_str()))
            .filter(rule::Column::IsActive.eq(true))
            .filter(match &input.department_code {
                Some(code) => rule::Column::DepartmentCode.eq(code.as_str()),
                None => rule::Column::DepartmentCode.is_null(),
            });
        if let Some(id) = except {
            same = same.filter(rule::Column::Id.ne(id));
        }
        if let Some(other) = same.one(conn).await? {
            let whom = input
                .department_code
                .as_deref()
                .map(|d| format!("department {d}"))
                .unwrap_or_else(|| "every department".into());
            return Err(AppError::Duplicate {
                field: "node_code".into(),
                message: format!(
                    "already has an active rule for {whom} in this model version (\"{}\", id {}); deactivate it first",
                    other.name, other.id
                ),
            });
        }
    }
    Ok(())
}

async fn save_ladder(
    conn: &impl ConnectionTrait,
    rule_id: i64,
    bands: &[Band],
) -> Result<(), AppError> {
    let rows: Vec<ladder::ActiveModel> = bands
        .iter()
        .enumerate()
        .map(|(i, b)| ladder::ActiveModel {
            rule_id: Set(rule_id),
            lower_bound: Set(Amount::from_scaled(b.lower)),
            upper_bound: Set(b.upper.map(Amount::from_scaled)),
            intensity: Set(Amount::from_scaled(b.intensity)),
            sort: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        ladder::Entity::insert_many(rows).exec(conn).await?;
    }
    Ok(())
}

async fn view(conn: &impl ConnectionTrait, r: rule::Model) -> Result<RuleView, AppError> {
    let mut bands = ladders(conn, &[r.id]).await?;
    Ok(RuleView {
        ladder: bands.remove(&r.id).unwrap_or_default(),
        rule: r,
    })
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    version_id: i64,
    input: RuleInput,
) -> Result<RuleView, AppError> {
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    check(&txn, actor, version_id, &input, None).await?;
    let now = Utc::now();
    let created = rule::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        model_version_id: Set(version_id),
        node_code: Set(input.node_code),
        name: Set(input.name),
        department_code: Set(input.department_code),
        benchmark: Set(input.benchmark),
        benchmark_method: Set(input.benchmark_method),
        lookback_periods: Set(input.lookback_periods),
        is_active: Set(input.is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    save_ladder(&txn, created.id, &input.ladder).await?;
    model_versions::touch(&txn, version_id).await?;
    audit::record(
        &txn,
        actor
            .audit("ORIENTATION_RULE_CREATE", "orientation_rule", created.id)
            .with_detail(serde_json::json!({ "model_version_id": version_id })),
    )
    .await?;
    let view = view(&txn, created).await?;
    txn.commit().await?;
    Ok(view)
}

/// Opens the write transaction of an edit of a rule: its version's edit lock first (see
/// `dimension_nodes::begin_node_edit`), then the rule as it is now.
async fn begin_rule_edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<(sea_orm::DatabaseTransaction, rule::Model), AppError> {
    let query = rule::Entity::find_by_id(id).filter(rule::Column::HospitalId.eq(actor.hospital_id));
    let version_id = query
        .clone()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("orientation rule"))?
        .model_version_id;
    let txn = begin_write(db).await?;
    model_versions::lock_editable(&txn, actor, version_id).await?;
    let current = query
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("orientation rule"))?;
    Ok((txn, current))
}

/// Replaces a rule, its ladder whole.
#[tracing::instrument(skip_all)]
pub async fn replace(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: RuleInput,
) -> Result<RuleView, AppError> {
    let (txn, current) = begin_rule_edit(db, actor, id).await?;
    let version_id = current.model_version_id;
    check(&txn, actor, version_id, &input, Some(id)).await?;
    let mut row: rule::ActiveModel = current.into();
    row.node_code = Set(input.node_code);
    row.name = Set(input.name);
    row.department_code = Set(input.department_code);
    row.benchmark = Set(input.benchmark);
    row.benchmark_method = Set(input.benchmark_method);
    row.lookback_periods = Set(input.lookback_periods);
    row.is_active = Set(input.is_active);
    row.updated_at = Set(Utc::now());
    let updated = row.update(&txn).await?;
    ladder::Entity::delete_many()
        .filter(ladder::Column::RuleId.eq(id))
        .exec(&txn)
        .await?;
    save_ladder(&txn, id, &input.ladder).await?;
    model_versions::touch(&txn, version_id).await?;
    audit::record(
        &txn,
        actor.audit("ORIENTATION_RULE_UPDATE", "orientation_rule", id),
    )
    .await?;
    let view = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(view)
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let (txn, current) = begin_rule_edit(db, actor, id).await?;
    ladder::Entity::delete_many()
        .filter(ladder::Column::RuleId.eq(id))
        .exec(&txn)
        .await?;
    rule::Entity::delete_by_id(id).exec(&txn).await?;
    model_versions::touch(&txn, current.model_version_id).await?;
    audit::commit(
        txn,
        actor
            .audit("ORIENTATION_RULE_DELETE", "orientation_rule", id)
            .with_detail(serde_json::json!({
                "model_version_id": current.model_version_id,
                "node_code": current.node_code,
            })),
    )
    .await?;
    Ok(())
}
