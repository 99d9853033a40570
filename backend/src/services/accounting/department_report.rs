//! A department's page of a run, as its head reads it: its value by series against the month before, its ten
//! largest nodes, the twenty items that brought it the most, and what the orientation rules did to it.
use super::{
    calculation_tasks,
    drill_down::{self, DrillRequest, Sort},
    pipeline::Tree,
    results::{AdjustmentRow, SheetFill, book},
};
use crate::{
    domain::foundation::money::Amount,
    entities::{
        accounting::calculation_result, accounting::calculation_task, accounting::dimension_node,
        accounting::orientation_adjustment_detail, accounting::orientation_rule,
        accounting::value_summary, foundation::department,
    },
    error::{AppError, ErrorCode},
    services::{Actor, PageRequest, referenced},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// How many nodes and items the page lists.
pub const TOP_NODES: usize = 10;
pub const TOP_ITEMS: usize = 20;

#[derive(Debug, Clone)]
pub struct NodeValue {
    pub node: dimension_node::Model,
    pub value: Amount,
}

#[derive(Debug, Clone)]
pub struct ItemAmount {
    pub item_code: String,
    pub item_name: Option<String>,
    pub amount: Amount,
    pub quantity: Amount,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub task: calculation_task::Model,
    pub department: department::Model,
    /// The department's summary row in this run, and in the run of the month before it is compared with.
    pub now: Option<value_summary::Model>,
    pub before: Option<(calculation_task::Model, value_summary::Model)>,
    /// Leaves by value, largest magnitude first.
    pub nodes: Vec<NodeValue>,
    /// Charge items credited to the department, by amount.
    pub items: Vec<ItemAmount>,
    pub effects: Vec<AdjustmentRow>,
}

async fn summary_row(
    conn: &impl ConnectionTrait,
    task_id: i64,
    run_no: i32,
    department_id: i64,
) -> Result<Option<value_summary::Model>, AppError> {
    Ok(value_summary::Entity::find()
        .filter(value_summary::Column::TaskId.eq(task_id))
        .filter(value_summary::Column::RunNo.eq(run_no))
        .filter(value_summary::Column::DepartmentId.eq(department_id))
        .one(conn)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn report(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task_id: i64,
    department_id: i64,
) -> Result<Report, AppError> {
    let task = calculation_tasks::get(conn, actor, task_id).await?;
    if task.run_no == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::TaskNotReady,
            message: "the task has no finished run yet".into(),
        });
    }
    let department =
        referenced::<department::Entity>(conn, actor, department_id, "department_id").await?;
    let now = summary_row(conn, task.id, task.run_no, department.id).await?;
    let before =
        match calculation_tasks::compared_run(conn, task.hospital_id, task.period.previous())
            .await?
        {
            Some((id, run)) => match summary_row(conn, id, run, department.id).await? {
                Some(row) => Some((calculation_tasks::get(conn, actor, id).await?, row)),
                None => None,
            },
            None => None,
        };
    let tree = Tree::load(conn, task.model_version_id)
        .await
        .map_err(AppError::Internal)?;
    let by_id: HashMap<i64, &dimension_node::Model> =
        tree.nodes.iter().map(|n| (n.id, n)).collect();
    let mut nodes: Vec<NodeValue> = calculation_result::Entity::find()
        .filter(calculation_result::Column::TaskId.eq(task.id))
        .filter(calculation_result::Column::RunNo.eq(task.run_no))
        .filter(calculation_result::Column::DepartmentId.eq(department.id))
        .filter(calculation_result::Column::BusinessType.eq(""))
        .all(conn)
        .await?
        .into_iter()
        .filter(|c| tree.is_leaf(c.node_id))
        .filter_map(|c| {
            Some(NodeValue {
                node: (*by_id.get(&c.node_id)?).clone(),
                value: c.value?,
            })
        })
        .collect();
    nodes.sort_by(|a, b| {
        b.value
            .scaled()
            .unsigned_abs()
            .cmp(&a.value.scaled().unsigned_abs())
            .then_with(|| a.node.code.cmp(&b.node.code))
    });
    nodes.truncate(TOP_NODES);
    let items = top_items(conn, actor, &task, &tree, department.id).await?;
    let effects = effects(conn, &task, &department, &by_id).await?;
    Ok(Report {
        task,
        department,
        now,
        before,
        nodes,
        items,
        effects,
    })
}

/// The items behind the department's drillable roots, merged by code, largest amount first.
async fn top_items(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task: &calculation_task::Model,
    tree: &Tree,
    department_id: i64,
) -> Result<Vec<ItemAmount>, AppError> {
    let mut merged: BTreeMap<String, ItemAmount> = BTreeMap::new();
    let roots = tree.nodes.iter().filter(|n| n.parent_id.is_none());
    for root in roots.filter(|n| super::dimension_nodes::rules_of(n).drillable()) {
        let found = drill_down::drill(
            conn,
            actor,
            DrillRequest {
                task_id: task.id,
                department_id: Some(department_id),
                node_id: root.id,
                business_type: None,
                sort: Sort::default(),
                page: PageRequest {
                    page: 1,
                    page_size: 100,
                },
            },
        )
        .await?;
        for i in found.items {
            let e = merged
                .entry(i.item_code.clone())
                .or_insert_with(|| ItemAmount {
                    item_code: i.item_code.clone(),
                    item_name: i.item_name.clone(),
                    amount: Amount::ZERO,
                    quantity: Amount::ZERO,
                });
            e.amount = Amount::from_scaled(e.amount.scaled() + i.amount.scaled());
            e.quantity = Amount::from_scaled(e.quantity.scaled() + i.quantity.scaled());
        }
    }
    let mut items: Vec<ItemAmount> = merged.into_values().collect();
    items.sort_by(|a, b| {
        b.amount
            .cmp(&a.amount)
            .then_with(|| a.item_code.cmp(&b.item_code))
    });
    items.truncate(TOP_ITEMS);
    Ok(items)
}

async fn effects(
    conn: &impl ConnectionTrait,
    task: &calculation_task::Model,
    department: &department::Model,
    nodes: &HashMap<i64, &dimension_node::Model>,
) -> Result<Vec<AdjustmentRow>, AppError> {
    let rows = orientation_adjustment_detail::Entity::find()
        .filter(orientation_adjustment_detail::Column::TaskId.eq(task.id))
        .filter(orientation_adjustment_detail::Column::RunNo.eq(task.run_no))
        .filter(orientation_adjustment_detail::Column::DepartmentId.eq(department.id))
        .all(conn)
        .await?;
    let rules: HashMap<i64, String> = orientation_rule::Entity::find()
        .filter(orientation_rule::Column::Id.is_in(rows.iter().filter_map(|r| r.rule_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut out: Vec<AdjustmentRow> = rows
        .into_iter()
        .filter_map(|row| {
            Some(AdjustmentRow {
                department: department.clone(),
                node: (*nodes.get(&row.node_id)?).clone(),
                rule_name: row.rule_id.and_then(|id| rules.get(&id).cloned()),
                row,
            })
        })
        .collect();
    out.sort_by(|a, b| a.node.code.cmp(&b.node.code));
    Ok(out)
}

/// The page as a workbook: the overview, the nodes, the items, the orientation effects.
pub fn xlsx(r: &Report) -> Result<Vec<u8>, AppError> {
    let series = |row: &value_summary::Model| {
        [
            ("医生价值", row.doctor_value),
            ("护理价值", row.nursing_value),
            ("医技价值", row.tech_value),
            ("成本", row.cost_value),
            ("净价值", row.net_value),
        ]
    };
    let before_name = r.before.as_ref().map_or("上期".to_owned(), |(t, _)| {
        format!("上期（{}）", t.period)
    });
    let this_name = format!("本期（{}）", r.task.period);
    let sheets: Vec<SheetFill<'_>> = vec![
        (
            "概览",
            Box::new(|s| {
                s.header(&["项目", &this_name, &before_name, "变化"])?;
                let now = r.now.as_ref().map(series);
                let before = r.before.as_ref().map(|(_, row)| series(row));
                for i in 0..5 {
                    let label = now.as_ref().or(before.as_ref()).map_or("", |v| v[i].0);
                    let n = now.as_ref().map(|v| v[i].1);
                    let b = before.as_ref().map(|v| v[i].1);
                    s.text(0, label)?;
                    s.number(1, n)?;
                    s.number(2, b)?;
                    if let (Some(n), Some(b)) = (n, b) {
                        s.number(3, Some(Amount::from_scaled(n.scaled() - b.scaled())))?;
                    }
                    s.row += 1;
                }
                Ok(())
            }),
        ),
        (
            "维度前十",
            Box::new(|s| {
                s.header(&["维度编码", "维度", "价值"])?;
                for n in &r.nodes {
                    s.text(0, &n.node.code)?;
                    s.text(1, &n.node.name)?;
                    s.number(2, Some(n.value))?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
        (
            "项目前二十",
            Box::new(|s| {
                s.header(&["项目编码", "项目", "数量", "金额"])?;
                for i in &r.items {
                    s.text(0, &i.item_code)?;
                    s.text(1, i.item_name.as_deref().unwrap_or_default())?;
                    s.number(2, Some(i.quantity))?;
                    s.number(3, Some(i.amount))?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
        (
            "导向调整",
            Box::new(|s| {
                s.header(&[
                    "维度",
                    "规则",
                    "实际值",
                    "基准值",
                    "比值",
                    "原权重",
                    "调整后权重",
                    "跳过原因",
                ])?;
                for e in &r.effects {
                    s.text(0, &e.node.name)?;
                    s.text(1, e.rule_name.as_deref().unwrap_or_default())?;
                    s.number(2, e.row.actual_value)?;
                    s.number(3, e.row.benchmark)?;
                    s.number(4, e.row.ratio)?;
                    s.number(5, Some(e.row.original_weight))?;
                    s.number(6, Some(e.row.adjusted_weight))?;
                    s.text(7, e.row.skip_reason.as_deref().unwrap_or_default())?;
                    s.row += 1;
                }
                Ok(())
            }),
        ),
    ];
    book(sheets)
}
