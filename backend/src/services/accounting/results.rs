//! Reading a task's visible run: the results matrix (departments × the dimension tree), the value summary and
//! the orientation adjustments, as data and as Excel workbooks.
use super::{calculation_tasks, pipeline::Tree};
use crate::{
    domain::{accounting::benchmark::BenchmarkMethod, foundation::money::Amount},
    entities::{
        accounting::calculation_result, accounting::calculation_task, accounting::dimension_node,
        accounting::orientation_adjustment_detail, accounting::orientation_rule,
        accounting::value_summary, foundation::department,
    },
    error::AppError,
    services::{Actor, accounting::dimension_nodes::rules_of, xlsx_number},
};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// A node as the matrix shows it: in display order (parents before their children), with its depth.
#[derive(Debug, Clone)]
pub struct MatrixNode {
    pub node: dimension_node::Model,
    pub depth: usize,
    pub is_leaf: bool,
    /// The domain's rule: CHARGE nodes have items behind them.
    pub drillable: bool,
}

#[derive(Debug, Clone)]
pub struct Matrix {
    pub task: calculation_task::Model,
    pub departments: Vec<department::Model>,
    pub nodes: Vec<MatrixNode>,
    pub cells: Vec<calculation_result::Model>,
}

/// The tree in display order: depth first, siblings by sort then code.
pub fn display_order(tree: &Tree) -> Vec<MatrixNode> {
    let mut children: HashMap<Option<i64>, Vec<&dimension_node::Model>> = HashMap::new();
    for n in &tree.nodes {
        children.entry(n.parent_id).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| (a.sort, &a.code).cmp(&(b.sort, &b.code)));
    }
    let mut out = Vec::with_capacity(tree.nodes.len());
    let mut stack: Vec<(&dimension_node::Model, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|n| (*n, 0)).collect())
        .unwrap_or_default();
    while let Some((node, depth)) = stack.pop() {
        out.push(MatrixNode {
            node: node.clone(),
            depth,
            is_leaf: tree.is_leaf(node.id),
            drillable: rules_of(node).drillable(),
        });
        if let Some(kids) = children.get(&Some(node.id)) {
            stack.extend(kids.iter().rev().map(|n| (*n, depth + 1)));
        }
    }
    out
}

#[tracing::instrument(skip_all)]
pub async fn matrix(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task_id: i64,
) -> Result<Matrix, AppError> {
    let task = calculation_tasks::get(conn, actor, task_id).await?;
    let tree = Tree::load(conn, task.model_version_id)
        .await
        .map_err(AppError::Internal)?;
    let cells = calculation_result::Entity::find()
        .filter(calculation_result::Column::TaskId.eq(task.id))
        .filter(calculation_result::Column::RunNo.eq(task.run_no))
        .order_by_asc(calculation_result::Column::DepartmentId)
        .order_by_asc(calculation_result::Column::NodeId)
        .order_by_asc(calculation_result::Column::BusinessType)
        .all(conn)
        .await?;
    let mut ids: Vec<i64> = cells.iter().map(|c| c.department_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let departments = department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .order_by_asc(department::Column::Code)
        .all(conn)
        .await?;
    Ok(Matrix {
        nodes: display_order(&tree),
        task,
        departments,
        cells,
    })
}

#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub row: value_summary::Model,
    pub department: department::Model,
}

#[tracing::instrument(skip_all)]
pub async fn summary(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task_id: i64,
) -> Result<(calculation_task::Model, Vec<SummaryRow>), AppError> {
    let task = calculation_tasks::get(conn, actor, task_id).await?;
    let rows = value_summary::Entity::find()
        .filter(value_summary::Column::TaskId.eq(task.id))
        .filter(value_summary::Column::RunNo.eq(task.run_no))
        .order_by_asc(value_summary::Column::ValueRank)
        .order_by_asc(value_summary::Column::DepartmentId)
        .all(conn)
        .await?;
    let departments = departments_of(conn, actor).await?;
    let out = rows
        .into_iter()
        .filter_map(|row| {
            Some(SummaryRow {
                department: departments.get(&row.department_id)?.clone(),
                row,
            })
        })
        .collect();
    Ok((task, out))
}

async fn departments_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<HashMap<i64, department::Model>, AppError> {
    Ok(department::Entity::find()
        .filter(department::Column::HospitalId.eq(actor.hospital_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

#[derive(Debug, Clone)]
pub struct AdjustmentRow {
    pub row: orientation_adjustment_detail::Model,
    pub department: department::Model,
    pub node: dimension_node::Model,
    pub rule_name: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn adjustments(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task_id: i64,
) -> Result<(calculation_task::Model, Vec<AdjustmentRow>), AppError> {
    let task = calculation_tasks::get(conn, actor, task_id).await?;
    let rows = orientation_adjustment_detail::Entity::find()
        .filter(orientation_adjustment_detail::Column::TaskId.eq(task.id))
        .filter(orientation_adjustment_detail::Column::RunNo.eq(task.run_no))
        .order_by_asc(orientation_adjustment_detail::Column::DepartmentId)
        .order_by_asc(orientation_adjustment_detail::Column::NodeId)
        .all(conn)
        .await?;
    let departments = departments_of(conn, actor).await?;
    let nodes: HashMap<i64, dimension_node::Model> = dimension_node::Entity::find()
        .filter(dimension_node::Column::ModelVersionId.eq(task.model_version_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let rules: HashMap<i64, String> = orientation_rule::Entity::find()
        .filter(orientation_rule::Column::ModelVersionId.eq(task.model_version_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let out = rows
        .into_iter()
        .filter_map(|row| {
            Some(AdjustmentRow {
                department: departments.get(&row.department_id)?.clone(),
                node: nodes.get(&row.node_id)?.clone(),
                rule_name: row.rule_id.and_then(|id| rules.get(&id).cloned()),
                row,
            })
        })
        .collect();
    Ok((task, out))
}

pub(super) struct Sheet<'a> {
    sheet: &'a mut rust_xlsxwriter::Worksheet,
    pub(super) row: u32,
    money: Format,
}

impl Sheet<'_> {
    pub(super) fn header(&mut self, titles: &[&str]) -> Result<(), XlsxError> {
        let bold = Format::new().set_bold();
        for (c, t) in titles.iter().enumerate() {
            self.sheet
                .write_string_with_format(0, c as u16, *t, &bold)?;
            self.sheet.set_column_width(c as u16, 14)?;
        }
        self.sheet.set_freeze_panes(1, 0)?;
        self.row = 1;
        Ok(())
    }

    pub(super) fn count(&mut self, col: u16, n: i32) -> Result<(), XlsxError> {
        self.sheet
            .write_number(self.row, col, f64::from(n))
            .map(|_| ())
    }

    pub(super) fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, col, text).map(|_| ())
    }

    pub(super) fn number(&mut self, col: u16, amount: Option<Amount>) -> Result<(), XlsxError> {
        match amount {
            Some(v) => self
                .sheet
                .write_number_with_format(self.row, col, xlsx_number(v), &self.money)
                .map(|_| ()),
            None => Ok(()),
        }
    }
}

fn workbook(
    name: &str,
    fill: impl FnOnce(&mut Sheet<'_>) -> Result<(), XlsxError>,
) -> Result<Vec<u8>, AppError> {
    book(vec![(name, Box::new(fill))])
}

/// A sheet's name and what fills it.
pub(super) type SheetFill<'f> = (
    &'f str,
    Box<dyn FnOnce(&mut Sheet<'_>) -> Result<(), XlsxError> + 'f>,
);

/// A workbook of the sheets, in their order.
pub(super) fn book(sheets: Vec<SheetFill<'_>>) -> Result<Vec<u8>, AppError> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        for (name, fill) in sheets {
            let sheet = book.add_worksheet().set_name(name)?;
            let mut s = Sheet {
                sheet,
                row: 0,
                money: Format::new().set_num_format("#,##0.0000"),
            };
            fill(&mut s)?;
        }
        book.save_to_buffer()
    };
    build().map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// The matrix as a sheet: a row per department and node (business-type rows after their total row).
pub fn matrix_xlsx(m: &Matrix) -> Result<Vec<u8>, AppError> {
    let nodes: HashMap<i64, &MatrixNode> = m.nodes.iter().map(|n| (n.node.id, n)).collect();
    let order: HashMap<i64, usize> = m
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.node.id, i))
        .collect();
    let departments: HashMap<i64, &department::Model> =
        m.departments.iter().map(|d| (d.id, d)).collect();
    let mut cells: Vec<&calculation_result::Model> = m.cells.iter().collect();
    cells.sort_by_key(|c| {
        (
            departments.get(&c.department_id).map(|d| d.code.clone()),
            order.get(&c.node_id).copied(),
            c.business_type.clone(),
        )
    });
    workbook("核算结果", |s| {
        s.header(&[
            "科室编码",
            "科室",
            "维度编码",
            "维度",
            "业务类型",
            "金额",
            "数量",
            "权重",
            "价值",
            "占比",
        ])?;
        for c in cells {
            let (Some(d), Some(n)) = (departments.get(&c.department_id), nodes.get(&c.node_id))
            else {
                continue;
            };
            s.text(0, &d.code)?;
            s.text(1, &d.name)?;
            s.text(2, &n.node.code)?;
            s.text(3, &format!("{}{}", "  ".repeat(n.depth), n.node.name))?;
            s.text(4, &c.business_type)?;
            s.number(5, Some(c.amount))?;
            s.number(6, c.quantity)?;
            s.number(7, c.weight)?;
            s.number(8, c.value)?;
            s.number(9, c.ratio)?;
            s.row += 1;
        }
        Ok(())
    })
}

pub fn summary_xlsx(rows: &[SummaryRow]) -> Result<Vec<u8>, AppError> {
    workbook("价值汇总", |s| fill_summary(s, rows))
}

/// A value summary as a sheet: the ranked departments with their series, net value, share and changes.
pub(super) fn fill_summary(s: &mut Sheet<'_>, rows: &[SummaryRow]) -> Result<(), XlsxError> {
    s.header(&[
        "排名",
        "科室编码",
        "科室",
        "医生价值",
        "护理价值",
        "医技价值",
        "成本",
        "净价值",
        "占比",
        "环比",
        "同比",
    ])?;
    for r in rows {
        if let Some(rank) = r.row.value_rank {
            s.sheet.write_number(s.row, 0, rank)?;
        }
        s.text(1, &r.department.code)?;
        s.text(2, &r.department.name)?;
        s.number(3, Some(r.row.doctor_value))?;
        s.number(4, Some(r.row.nursing_value))?;
        s.number(5, Some(r.row.tech_value))?;
        s.number(6, Some(r.row.cost_value))?;
        s.number(7, Some(r.row.net_value))?;
        s.number(8, r.row.share)?;
        s.number(9, r.row.mom_change)?;
        s.number(10, r.row.yoy_change)?;
        s.row += 1;
    }
    Ok(())
}

/// A benchmark method as the workbook names it.
fn benchmark_label(m: BenchmarkMethod) -> &'static str {
    match m {
        BenchmarkMethod::Fixed => "固定值",
        BenchmarkMethod::HistoryAverage => "历史均值",
        BenchmarkMethod::HistoryMedian => "历史中位数",
        BenchmarkMethod::HistoryMax => "历史最高",
        BenchmarkMethod::HistoryMin => "历史最低",
        BenchmarkMethod::HospitalAverage => "全院均值",
    }
}

pub fn adjustments_xlsx(rows: &[AdjustmentRow]) -> Result<Vec<u8>, AppError> {
    workbook("导向调整", |s| {
        s.header(&[
            "科室编码",
            "科室",
            "维度编码",
            "维度",
            "规则",
            "实际值",
            "基准值",
            "基准来源",
            "基准依据数",
            "比值",
            "调整强度",
            "原权重",
            "调整后权重",
            "跳过原因",
        ])?;
        for r in rows {
            s.text(0, &r.department.code)?;
            s.text(1, &r.department.name)?;
            s.text(2, &r.node.code)?;
            s.text(3, &r.node.name)?;
            s.text(4, r.rule_name.as_deref().unwrap_or_default())?;
            s.number(5, r.row.actual_value)?;
            s.number(6, r.row.benchmark)?;
            s.text(
                7,
                r.row
                    .benchmark_method
                    .map(benchmark_label)
                    .unwrap_or_default(),
            )?;
            if let Some(n) = r.row.benchmark_basis {
                s.count(8, n)?;
            }
            s.number(9, r.row.ratio)?;
            s.number(10, r.row.intensity)?;
            s.number(11, Some(r.row.original_weight))?;
            s.number(12, Some(r.row.adjusted_weight))?;
            s.text(13, r.row.skip_reason.as_deref().unwrap_or_default())?;
            s.row += 1;
        }
        Ok(())
    })
}
