//! The demo accounting model (`seeds/demo/accounting_*.csv`, `orientation_*.csv`): per hospital one active
//! version with doctor, tech, nursing and cost nodes, the catalogue's items mapped to the charge leaves, and
//! a few orientation rules. Checked by the same rules as the API, then inserted in bulk.
use super::rows;
use crate::{
    domain::{
        accounting::dimension::{NodeKind, NodeRules, rules_for, scopes_overlap},
        accounting::valuation::{Band, overlapping},
        foundation::money::Amount,
    },
    entities::{
        accounting::dimension_closure as closure, accounting::dimension_item_mapping as mapping,
        accounting::dimension_node as node, accounting::model_version as version,
        accounting::orientation_ladder as ladder, accounting::orientation_rule as rule,
        foundation::charge_item,
    },
    services::accounting::dimension_nodes::closure_of,
};
use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The name of the demo's active version.
pub const VERSION_NAME: &str = "2026 版核算模型";

#[derive(Deserialize)]
struct NodeRow {
    hospital_code: String,
    code: String,
    name: String,
    parent_code: Option<String>,
    weight: Decimal,
    sort: i32,
}
#[derive(Deserialize)]
struct MappingRow {
    hospital_code: String,
    node_code: String,
    item_code: String,
}
#[derive(Deserialize)]
struct RuleRow {
    hospital_code: String,
    node_code: String,
    name: String,
    department_code: Option<String>,
    benchmark: Decimal,
}
#[derive(Deserialize)]
struct LadderRow {
    hospital_code: String,
    rule_name: String,
    lower_bound: Decimal,
    upper_bound: Option<Decimal>,
    intensity: Decimal,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub model_versions: usize,
    pub dimension_nodes: usize,
    pub item_mappings: usize,
    pub orientation_rules: usize,
}

/// A parsed node of one hospital's tree.
struct Planned {
    row: NodeRow,
    rules: NodeRules,
    depth: usize,
}

fn amount(what: &str, value: Decimal) -> anyhow::Result<Amount> {
    Amount::from_decimal(value).map_err(|e| anyhow::anyhow!("{what} {value}: {e}"))
}

/// Loads the model of every hospital in `hospitals` (code → id) that the seed files name.
pub(super) async fn load(
    txn: &impl ConnectionTrait,
    hospitals: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    let mut nodes: HashMap<String, Vec<NodeRow>> = HashMap::new();
    for n in rows::<NodeRow>(
        "accounting_nodes.csv",
        include_str!("../../../../seeds/demo/accounting_nodes.csv"),
    )? {
        nodes.entry(n.hospital_code.clone()).or_default().push(n);
    }
    let mut mappings: HashMap<String, Vec<MappingRow>> = HashMap::new();
    for m in rows::<MappingRow>(
        "accounting_mappings.csv",
        include_str!("../../../../seeds/demo/accounting_mappings.csv"),
    )? {
        mappings.entry(m.hospital_code.clone()).or_default().push(m);
    }
    let mut rules: HashMap<String, Vec<RuleRow>> = HashMap::new();
    for r in rows::<RuleRow>(
        "orientation_rules.csv",
        include_str!("../../../../seeds/demo/orientation_rules.csv"),
    )? {
        rules.entry(r.hospital_code.clone()).or_default().push(r);
    }
    let mut ladders: HashMap<(String, String), Vec<LadderRow>> = HashMap::new();
    for l in rows::<LadderRow>(
        "orientation_ladders.csv",
        include_str!("../../../../seeds/demo/orientation_ladders.csv"),
    )? {
        ladders
            .entry((l.hospital_code.clone(), l.rule_name.clone()))
            .or_default()
            .push(l);
    }

    let mut counts = Counts::default();
    let mut codes: Vec<String> = nodes.keys().cloned().collect();
    codes.sort();
    for code in &codes {
        let hospital_id = *hospitals
            .get(code)
            .with_context(|| format!("accounting_nodes.csv: unknown hospital {code}"))?;
        let tree = nodes.remove(code).unwrap_or_default();
        let hospital_rules = rules.remove(code).unwrap_or_default();
        let hospital_mappings = mappings.remove(code).unwrap_or_default();
        let c = load_hospital(
            txn,
            hospital_id,
            tree,
            hospital_mappings,
            hospital_rules,
            &mut ladders,
            now,
        )
        .await
        .with_context(|| format!("the demo model of {code}"))?;
        counts.model_versions += c.model_versions;
        counts.dimension_nodes += c.dimension_nodes;
        counts.item_mappings += c.item_mappings;
        counts.orientation_rules += c.orientation_rules;
    }
    ensure!(
        mappings.is_empty() && rules.is_empty() && ladders.is_empty(),
        "mappings, rules or ladders without their model or rule"
    );
    Ok(counts)
}

async fn load_hospital(
    txn: &impl ConnectionTrait,
    hospital_id: i64,
    tree: Vec<NodeRow>,
    mapping_rows: Vec<MappingRow>,
    rule_rows: Vec<RuleRow>,
    ladders: &mut HashMap<(String, String), Vec<LadderRow>>,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    // The tree: parents listed before their children, a child in its parent's series.
    let mut planned: Vec<Planned> = Vec::with_capacity(tree.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    for row in tree {
        let rules = rules_for(&row.code).map_err(|e| anyhow::anyhow!("node {}: {e}", row.code))?;
        let depth = match row.parent_code.as_deref().filter(|p| !p.is_empty()) {
            None => 0,
            Some(p) => {
                let parent = at.get(p).map(|i| &planned[*i]).with_context(|| {
                    format!("node {}: parent {p} is not listed above it", row.code)
                })?;
                ensure!(
                    parent.rules.series == rules.series,
                    "node {}: its parent {p} is of another series",
                    row.code
                );
                parent.depth + 1
            }
        };
        ensure!(
            at.insert(row.code.clone(), planned.len()).is_none(),
            "node {} twice",
            row.code
        );
        planned.push(Planned { row, rules, depth });
    }

    let saved = version::ActiveModel {
        hospital_id: Set(hospital_id),
        name: Set(VERSION_NAME.into()),
        description: Set(Some(
            "演示用核算模型：医生、医技、护理、成本四个系列，对照本院收费目录".into(),
        )),
        is_active: Set(true),
        copied_from_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;

    // One multi-row insert per level, each under the ids of the level above.
    let mut ids: HashMap<String, i64> = HashMap::new();
    let levels = planned.iter().map(|p| p.depth).max().unwrap_or_default();
    for level in 0..=levels {
        let mut batch = Vec::new();
        for p in planned.iter().filter(|p| p.depth == level) {
            let parent_id = match p.row.parent_code.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => Some(*ids.get(c).context("parent saved")?),
                None => None,
            };
            let r = p.rules;
            batch.push(node::ActiveModel {
                hospital_id: Set(hospital_id),
                model_version_id: Set(saved.id),
                parent_id: Set(parent_id),
                code: Set(p.row.code.clone()),
                name: Set(p.row.name.clone()),
                series: Set(r.series),
                kind: Set(r.kind),
                dept_field: Set(r.dept_field),
                splits_business_type: Set(r.splits_business_type),
                business_type_scope: Set(r.business_type_scope),
                weight: Set(Amount::non_negative(p.row.weight)
                    .map_err(|e| anyhow::anyhow!("node {} weight: {e}", p.row.code))?),
                sort: Set(p.row.sort),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        if batch.is_empty() {
            continue;
        }
        node::Entity::insert_many(batch).exec(txn).await?;
        let saved_ids: Vec<(i64, String)> = node::Entity::find()
            .select_only()
            .column(node::Column::Id)
            .column(node::Column::Code)
            .filter(node::Column::ModelVersionId.eq(saved.id))
            .into_tuple()
            .all(txn)
            .await?;
        ids = saved_ids.into_iter().map(|(id, code)| (code, id)).collect();
    }
    let links: Vec<(i64, Option<i64>)> = planned
        .iter()
        .map(|p| {
            let id = ids.get(&p.row.code).copied().context("node saved")?;
            let parent = match p.row.parent_code.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => Some(ids.get(c).copied().context("parent saved")?),
                None => None,
            };
            Ok((id, parent))
        })
        .collect::<anyhow::Result<_>>()?;
    let closure_rows: Vec<closure::ActiveModel> = closure_of(&links)
        .into_iter()
        .map(|(a, d, depth)| closure::ActiveModel {
            ancestor_id: Set(a),
            descendant_id: Set(d),
            model_version_id: Set(saved.id),
            depth: Set(depth),
        })
        .collect();
    for chunk in closure_rows.chunks(200) {
        closure::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }

    // Mappings: to CHARGE leaves, items of the hospital's catalogue, one leaf per series and scope.
    let parents: HashSet<&str> = planned
        .iter()
        .filter_map(|p| p.row.parent_code.as_deref())
        .collect();
    let catalogue: HashSet<String> = charge_item::Entity::find()
        .select_only()
        .column(charge_item::Column::ItemCode)
        .filter(charge_item::Column::HospitalId.eq(hospital_id))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut fed: HashMap<&str, Vec<(&str, NodeRules)>> = HashMap::new();
    let mut rows = Vec::with_capacity(mapping_rows.len());
    for m in &mapping_rows {
        let p = at
            .get(&m.node_code)
            .map(|i| &planned[*i])
            .with_context(|| format!("mapping to unknown node {}", m.node_code))?;
        ensure!(
            p.rules.kind == NodeKind::Charge && !parents.contains(m.node_code.as_str()),
            "mapping to {}, which is not a charge leaf",
            m.node_code
        );
        ensure!(
            catalogue.contains(&m.item_code),
            "mapping of {}, which is not in the catalogue",
            m.item_code
        );
        let feeds = fed.entry(m.item_code.as_str()).or_default();
        if let Some((other, _)) = feeds.iter().find(|(other, r)| {
            *other == m.node_code
                || (r.series == p.rules.series
                    && scopes_overlap(r.business_type_scope, p.rules.business_type_scope))
        }) {
            bail!("{} mapped to both {other} and {}", m.item_code, m.node_code);
        }
        feeds.push((m.node_code.as_str(), p.rules));
        rows.push(mapping::ActiveModel {
            hospital_id: Set(hospital_id),
            model_version_id: Set(saved.id),
            node_id: Set(*ids.get(&m.node_code).context("node saved")?),
            item_code: Set(m.item_code.clone()),
            created_at: Set(now),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(200) {
        mapping::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }

    let mut rule_count = 0;
    for r in rule_rows {
        ensure!(
            at.contains_key(&r.node_code),
            "rule {}: no node {}",
            r.name,
            r.node_code
        );
        let bands = ladders
            .remove(&(r.hospital_code.clone(), r.name.clone()))
            .with_context(|| format!("rule {} has no ladder", r.name))?;
        let saved_rule = rule::ActiveModel {
            hospital_id: Set(hospital_id),
            model_version_id: Set(saved.id),
            node_code: Set(r.node_code.clone()),
            name: Set(r.name.clone()),
            department_code: Set(r.department_code.filter(|d| !d.is_empty())),
            benchmark: Set(amount("benchmark", r.benchmark)?),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let parsed = bands
            .iter()
            .map(|b| {
                Ok(Band {
                    lower: amount("lower_bound", b.lower_bound)?.scaled(),
                    upper: b
                        .upper_bound
                        .map(|u| amount("upper_bound", u).map(Amount::scaled))
                        .transpose()?,
                    intensity: amount("intensity", b.intensity)?.scaled(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        ensure!(!overlapping(&parsed), "rule {}: its bands overlap", r.name);
        let mut band_rows = Vec::with_capacity(bands.len());
        for (i, b) in bands.into_iter().enumerate() {
            band_rows.push(ladder::ActiveModel {
                rule_id: Set(saved_rule.id),
                lower_bound: Set(amount("lower_bound", b.lower_bound)?),
                upper_bound: Set(b
                    .upper_bound
                    .map(|u| amount("upper_bound", u))
                    .transpose()?),
                intensity: Set(amount("intensity", b.intensity)?),
                sort: Set(i32::try_from(i)?),
                ..Default::default()
            });
        }
        ladder::Entity::insert_many(band_rows).exec(txn).await?;
        rule_count += 1;
    }

    Ok(Counts {
        model_versions: 1,
        dimension_nodes: planned.len(),
        item_mappings: rows.len(),
        orientation_rules: rule_count,
    })
}
