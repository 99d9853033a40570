//! Two tasks' visible runs compared (`domain::accounting::comparison`), and what differs between the model versions
//! they ran on: nodes, weights, item mappings and orientation rules, matched by code.
use super::{
    calculation_tasks,
    results::{SheetFill, book},
};
use crate::{
    domain::{
        accounting::comparison::{self as rules, Compared, Key, Totals},
        foundation::money::Amount,
    },
    entities::{
        accounting::calculation_result, accounting::calculation_task,
        accounting::dimension_item_mapping, accounting::dimension_node,
        accounting::orientation_ladder, accounting::orientation_rule, foundation::department,
    },
    error::{AppError, ErrorCode},
    services::Actor,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A node of either run: its code, name and depth (the other run's, where both have it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeName {
    pub code: String,
    pub name: String,
    pub depth: usize,
}

/// One difference between the two model versions: what (`NODE`, `MAPPING`, `RULE`), which (a node code, an item
/// code → node code, a rule's node and department), the field, and its text in each version (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelChange {
    pub kind: &'static str,
    pub subject: String,
    pub field: &'static str,
    pub base: Option<String>,
    pub other: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub base: calculation_task::Model,
    pub other: calculation_task::Model,
    pub rows: Vec<Compared>,
    pub departments: Vec<(String, Totals)>,
    pub totals: Totals,
    /// Department codes → names, of both runs.
    pub department_names: BTreeMap<String, String>,
    /// The nodes of both runs: the other run's tree in display order, then the base's nodes it lacks.
    pub nodes: Vec<NodeName>,
    /// Empty when both ran on one version.
    pub model: Vec<ModelChange>,
}

/// A run's values by (department code, node code), its roots' values, and its tree in display order.
struct Side {
    values: BTreeMap<Key, i64>,
    roots: BTreeMap<Key, i64>,
    tree: Vec<dimension_node::Model>,
    depth: HashMap<i64, usize>,
}

async fn side(
    conn: &impl ConnectionTrait,
    task: &calculation_task::Model,
    departments: &HashMap<i64, department::Model>,
) -> Result<Side, AppError> {
    let tree = super::pipeline::Tree::load(conn, task.model_version_id)
        .await
        .map_err(AppError::Internal)?;
    let ordered = super::results::display_order(&tree);
    let depth = ordered.iter().map(|n| (n.node.id, n.depth)).collect();
    let nodes: HashMap<i64, &dimension_node::Model> =
        tree.nodes.iter().map(|n| (n.id, n)).collect();
    let cells = calculation_result::Entity::find()
        .filter(calculation_result::Column::TaskId.eq(task.id))
        .filter(calculation_result::Column::RunNo.eq(task.run_no))
        .filter(calculation_result::Column::BusinessType.eq(""))
        .all(conn)
        .await?;
    let mut values = BTreeMap::new();
    let mut roots = BTreeMap::new();
    for c in cells {
        let (Some(d), Some(n), Some(value)) = (
            departments.get(&c.department_id),
            nodes.get(&c.node_id),
            c.value,
        ) else {
            continue;
        };
        let key = (d.code.clone(), n.code.clone());
        if n.parent_id.is_none() {
            roots.insert(key.clone(), value.scaled());
        }
        values.insert(key, value.scaled());
    }
    Ok(Side {
        values,
        roots,
        tree: ordered.into_iter().map(|n| n.node).collect(),
        depth,
    })
}

/// A task with a finished run to compare, named by its query parameter.
async fn finished(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    field: &str,
    id: i64,
) -> Result<calculation_task::Model, AppError> {
    let task = match calculation_tasks::get(conn, actor, id).await {
        Err(AppError::NotFound(_)) => {
            return Err(AppError::invalid(field, "no such calculation task"));
        }
        other => other?,
    };
    if task.run_no == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::TaskNotReady,
            message: format!("task {id} has no finished run to compare"),
        });
    }
    Ok(task)
}

/// The visible runs of tasks `base` and `other` compared.
#[tracing::instrument(skip_all)]
pub async fn compare(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    base: i64,
    other: i64,
) -> Result<Comparison, AppError> {
    let base = finished(conn, actor, "base", base).await?;
    let other = finished(conn, actor, "other", other).await?;
    let departments: HashMap<i64, department::Model> = department::Entity::find()
        .filter(department::Column::HospitalId.eq(actor.hospital_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let b = side(conn, &base, &departments).await?;
    let o = side(conn, &other, &departments).await?;
    let rows = rules::compare(&b.values, &o.values);
    let (department_totals, totals) = rules::department_totals(&b.roots, &o.roots);
    let seen: BTreeSet<&String> = department_totals.iter().map(|(d, _)| d).collect();
    let department_names = departments
        .values()
        .filter(|d| seen.contains(&d.code))
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect();
    let mut nodes: Vec<NodeName> = Vec::new();
    let mut named = BTreeSet::new();
    for (s, tree) in [(&o, &o.tree), (&b, &b.tree)] {
        for n in tree {
            if named.insert(n.code.clone()) {
                nodes.push(NodeName {
                    code: n.code.clone(),
                    name: n.name.clone(),
                    depth: s.depth.get(&n.id).copied().unwrap_or(0),
                });
            }
        }
    }
    let model = if base.model_version_id == other.model_version_id {
        Vec::new()
    } else {
        model_changes(
            conn,
            &b.tree,
            &o.tree,
            base.model_version_id,
            other.model_version_id,
        )
        .await?
    };
    Ok(Comparison {
        base,
        other,
        rows,
        departments: department_totals,
        totals,
        department_names,
        nodes,
        model,
    })
}

fn amount(a: Amount) -> String {
    a.to_decimal().to_string()
}

/// A node's fields as the comparison names them.
fn node_fields(
    n: &dimension_node::Model,
    codes: &HashMap<i64, String>,
) -> [(&'static str, String); 8] {
    [
        ("name", n.name.clone()),
        (
            "parent",
            n.parent_id
                .and_then(|p| codes.get(&p).cloned())
                .unwrap_or_default(),
        ),
        ("weight", amount(n.weight)),
        ("series", n.series.to_string()),
        ("kind", n.kind.to_string()),
        ("dept_field", n.dept_field.to_string()),
        ("business_type_scope", n.business_type_scope.to_string()),
        ("splits_business_type", n.splits_business_type.to_string()),
    ]
}

/// What differs between two versions' trees, mappings and active orientation rules, by code.
async fn model_changes(
    conn: &impl ConnectionTrait,
    base_tree: &[dimension_node::Model],
    other_tree: &[dimension_node::Model],
    base_version: i64,
    other_version: i64,
) -> Result<Vec<ModelChange>, AppError> {
    let mut out = Vec::new();
    let codes = |tree: &[dimension_node::Model]| -> HashMap<i64, String> {
        tree.iter().map(|n| (n.id, n.code.clone())).collect()
    };
    let (base_codes, other_codes) = (codes(base_tree), codes(other_tree));
    let fields = |tree: &[dimension_node::Model], codes: &HashMap<i64, String>| {
        tree.iter()
            .map(|n| (n.code.clone(), node_fields(n, codes)))
            .collect::<BTreeMap<_, _>>()
    };
    let (b, o) = (
        fields(base_tree, &base_codes),
        fields(other_tree, &other_codes),
    );
    let all: BTreeSet<&String> = b.keys().chain(o.keys()).collect();
    for code in all {
        match (b.get(code), o.get(code)) {
            (Some(bf), Some(of)) => {
                for ((field, bv), (_, ov)) in bf.iter().zip(of.iter()) {
                    if bv != ov {
                        out.push(ModelChange {
                            kind: "NODE",
                            subject: code.clone(),
                            field,
                            base: Some(bv.clone()),
                            other: Some(ov.clone()),
                        });
                    }
                }
            }
            (bf, of) => out.push(ModelChange {
                kind: "NODE",
                subject: code.clone(),
                field: "node",
                base: bf.map(|f| f[0].1.clone()),
                other: of.map(|f| f[0].1.clone()),
            }),
        }
    }
    let mappings = async |version: i64,
                          codes: &HashMap<i64, String>|
           -> Result<BTreeSet<(String, String)>, AppError> {
        Ok(dimension_item_mapping::Entity::find()
            .filter(dimension_item_mapping::Column::ModelVersionId.eq(version))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|m| Some((m.item_code, codes.get(&m.node_id)?.clone())))
            .collect())
    };
    let (bm, om) = (
        mappings(base_version, &base_codes).await?,
        mappings(other_version, &other_codes).await?,
    );
    for (item, node) in bm.symmetric_difference(&om) {
        let in_base = bm.contains(&(item.clone(), node.clone()));
        let leaf = Some(node.clone());
        out.push(ModelChange {
            kind: "MAPPING",
            subject: item.clone(),
            field: "leaf",
            base: if in_base { leaf.clone() } else { None },
            other: if in_base { None } else { leaf },
        });
    }
    let (br, or) = (
        rules_of(conn, base_version).await?,
        rules_of(conn, other_version).await?,
    );
    let all: BTreeSet<&(String, String)> = br.keys().chain(or.keys()).collect();
    for key in all {
        let subject = format!(
            "{} / {}",
            key.0,
            if key.1.is_empty() { "*" } else { &key.1 }
        );
        let (bv, ov) = (br.get(key), or.get(key));
        let benchmarks = (bv.map(|r| r.0.clone()), ov.map(|r| r.0.clone()));
        let ladders = (bv.map(|r| r.1.clone()), ov.map(|r| r.1.clone()));
        for (field, (x, y)) in [("benchmark", benchmarks), ("ladder", ladders)] {
            if x != y {
                out.push(ModelChange {
                    kind: "RULE",
                    subject: subject.clone(),
                    field,
                    base: x,
                    other: y,
                });
            }
        }
    }
    Ok(out)
}

/// A version's active orientation rules by (node code, department code or ""): the benchmark, and the ladder as
/// text (`[lower, upper) ×intensity; …`).
async fn rules_of(
    conn: &impl ConnectionTrait,
    version: i64,
) -> Result<BTreeMap<(String, String), (String, String)>, AppError> {
    let found = orientation_rule::Entity::find()
        .filter(orientation_rule::Column::ModelVersionId.eq(version))
        .filter(orientation_rule::Column::IsActive.eq(true))
        .all(conn)
        .await?;
    let ladders = orientation_ladder::Entity::find()
        .filter(orientation_ladder::Column::RuleId.is_in(found.iter().map(|r| r.id)))
        .order_by_asc(orientation_ladder::Column::Sort)
        .all(conn)
        .await?;
    let mut bands: HashMap<i64, Vec<String>> = HashMap::new();
    for l in ladders {
        let upper = l.upper_bound.map(amount).unwrap_or_else(|| "∞".into());
        bands.entry(l.rule_id).or_default().push(format!(
            "[{}, {upper}) ×{}",
            amount(l.lower_bound),
            amount(l.intensity)
        ));
    }
    Ok(found
        .into_iter()
        .map(|r| {
            let ladder = bands.remove(&r.id).unwrap_or_default().join("; ");
            let benchmark = match r.lookback_periods {
                Some(n) => format!("{} {} ({n})", r.benchmark_method, amount(r.benchmark)),
                None => format!("{} {}", r.benchmark_method, amount(r.benchmark)),
            };
            (
                (r.node_code, r.department_code.unwrap_or_default()),
                (benchmark, ladder),
            )
        })
        .collect())
}

/// The comparison as a workbook: the changes, the departments' totals, and the model's differences.
pub fn xlsx(c: &Comparison) -> Result<Vec<u8>, AppError> {
    let node_names: HashMap<&str, &str> = c
        .nodes
        .iter()
        .map(|n| (n.code.as_str(), n.name.as_str()))
        .collect();
    let department = |code: &str| c.department_names.get(code).cloned().unwrap_or_default();
    let base_name = format!("任务{}（{}）", c.base.id, c.base.period);
    let other_name = format!("任务{}（{}）", c.other.id, c.other.period);
    let money = |v: Option<i64>| v.map(Amount::from_scaled);
    let sheets: Vec<SheetFill<'_>> = vec![
        (
            "变化明细",
            Box::new(|s| {
                s.header(&[
                    "科室编码",
                    "科室",
                    "维度编码",
                    "维度",
                    &base_name,
                    &other_name,
                    "变化",
                    "变化率",
                ])?;
                for r in &c.rows {
                    s.text(0, &r.department_code)?;
                    s.text(1, &department(&r.department_code))?;
                    s.text(2, &r.node_code)?;
                    s.text(
                        3,
                        node_names
                            .get(r.node_code.as_str())
                            .copied()
                            .unwrap_or_default(),
                    )?;
                    s.number(4, money(r.base))?;
                    s.number(5, money(r.other))?;
                    s.number(6, money(Some(r.change)))?;
                    s.number(7, money(r.ratio))?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
        (
            "科室合计",
            Box::new(|s| {
                s.header(&[
                    "科室编码",
                    "科室",
                    &base_name,
                    &other_name,
                    "变化",
                    "变化率",
                ])?;
                for (code, t) in c.departments.iter().chain([&("合计".to_owned(), c.totals)]) {
                    s.text(0, code)?;
                    s.text(1, &department(code))?;
                    s.number(2, money(Some(t.base)))?;
                    s.number(3, money(Some(t.other)))?;
                    s.number(4, money(Some(t.change)))?;
                    s.number(5, money(t.ratio))?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
        (
            "模型差异",
            Box::new(|s| {
                s.header(&["类别", "对象", "字段", &base_name, &other_name])?;
                for m in &c.model {
                    s.text(0, m.kind)?;
                    s.text(1, &m.subject)?;
                    s.text(2, m.field)?;
                    s.text(3, m.base.as_deref().unwrap_or("—"))?;
                    s.text(4, m.other.as_deref().unwrap_or("—"))?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
    ];
    book(sheets)
}
