//! Drill-down (下钻): the charge items behind one cell of a task's results.
//!
//! From `calculation_details` when the run made them; otherwise from the charge lines (their totals per
//! department pair, item and business type) under the node's rules
//! (its department field, business-type scope and split), so tasks of a workflow without details stay
//! drillable without being recomputed. A parent drills into the CHARGE leaves under it (closure table); the
//! two sources give the same items and totals for the same data.
use super::sql::{Dialect, KEPT_BUSINESS_TYPE, TAKES_BUSINESS_TYPE, credited_leaf, dept_column};
use crate::domain::foundation::money::Amount;
use crate::{
    domain::accounting::dimension::{BusinessType, DeptField},
    entities::{accounting::calculation_task, accounting::dimension_node, foundation::department},
    error::{AppError, ErrorCode},
    services::{Actor, PageRequest, accounting::dimension_nodes::rules_of, referenced},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    CalculationDetails,
    ChargeDetails,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::CalculationDetails => "calculation_details",
            Source::ChargeDetails => "charge_details",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Amount,
    Quantity,
    ItemCode,
    ItemName,
}

#[derive(Debug, Clone, Copy)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Self {
            key: SortKey::Amount,
            descending: true,
        }
    }
}

impl std::str::FromStr for Sort {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let key = match name {
            "amount" => SortKey::Amount,
            "quantity" => SortKey::Quantity,
            "item_code" => SortKey::ItemCode,
            "item_name" => SortKey::ItemName,
            _ => {
                return Err(
                    "must be amount, quantity, item_code or item_name, with - for descending",
                );
            }
        };
        Ok(Self { key, descending })
    }
}

#[derive(Debug, Clone)]
pub struct DrillRequest {
    pub task_id: i64,
    /// `None`: the whole hospital.
    pub department_id: Option<i64>,
    pub node_id: i64,
    pub business_type: Option<BusinessType>,
    pub sort: Sort,
    pub page: PageRequest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub item_code: String,
    pub item_name: Option<String>,
    pub item_category: Option<String>,
    /// `None` when the node does not keep business type.
    pub business_type: Option<String>,
    pub amount: Amount,
    pub quantity: Amount,
}

#[derive(Debug, Clone)]
pub struct DrillDown {
    pub source: Source,
    pub node: dimension_node::Model,
    pub items: Vec<Item>,
    /// Items in all pages.
    pub total: u64,
    pub total_amount: Amount,
    pub total_quantity: Amount,
    pub page: PageRequest,
}

pub fn not_drillable(node: &dimension_node::Model) -> AppError {
    AppError::request(
        422,
        ErrorCode::NodeNotDrillable,
        format!(
            "{} ({}) is a {} node: its numbers come from per-department records, not charge items",
            node.name,
            node.code,
            node.kind.as_str().to_lowercase()
        ),
    )
}

/// The task (with a finished run) and the node of its model version, or why the cell cannot be drilled.
#[tracing::instrument(skip_all)]
pub async fn cell_context(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    task_id: i64,
    node_id: i64,
) -> Result<(calculation_task::Model, dimension_node::Model), AppError> {
    let task = super::calculation_tasks::get(conn, actor, task_id).await?;
    if task.run_no == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::TaskNotReady,
            message: "the task has no finished run yet".into(),
        });
    }
    let node = dimension_node::Entity::find_by_id(node_id)
        .filter(dimension_node::Column::ModelVersionId.eq(task.model_version_id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid("node_id", "no such node in the task's model version"))?;
    Ok((task, node))
}

/// The charge items behind one cell: a page of them grouped by item (and business type where the node keeps it),
/// with the totals of all pages.
#[tracing::instrument(skip_all)]
pub async fn drill(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    request: DrillRequest,
) -> Result<DrillDown, AppError> {
    let (task, node) = cell_context(conn, actor, request.task_id, request.node_id).await?;
    if !rules_of(&node).drillable() {
        return Err(not_drillable(&node));
    }
    let department_code = match request.department_id {
        Some(id) => Some(
            referenced::<department::Entity>(conn, actor, id, "department_id")
                .await?
                .code,
        ),
        None => None,
    };
    let d = Dialect::of(conn);
    let (source, (grouped, values)) = if task.has_details {
        (
            Source::CalculationDetails,
            from_details(d, &task, &node, &request),
        )
    } else {
        (
            Source::ChargeDetails,
            from_charge_lines(d, &task, &node, &request, department_code.as_deref()),
        )
    };
    let (items, totals) = page_of(conn, d, &grouped, values.clone(), &request).await?;
    // A page past the last has no row to carry the totals: only then are they counted on their own.
    let (total, total_amount, total_quantity) = match totals {
        Some(t) => t,
        None if request.page.page > 1 => totals_of(conn, d, &grouped, values).await?,
        None => (0, Amount::default(), Amount::default()),
    };
    Ok(DrillDown {
        source,
        node,
        items,
        total,
        total_amount,
        total_quantity,
        page: request.page,
    })
}

/// The grouped items of a cell from the run's own `calculation_details`, and the values to bind.
fn from_details(
    d: Dialect,
    task: &calculation_task::Model,
    node: &dimension_node::Model,
    request: &DrillRequest,
) -> (String, Vec<Value>) {
    let mut sql = format!(
        "SELECT cd.item_code AS item_code, MAX(cd.item_name) AS item_name, \
         MAX(cd.item_category) AS item_category, cd.business_type AS business_type, \
         {} AS amount, {} AS quantity \
         FROM calculation_details cd \
         JOIN dimension_closure cl ON cl.descendant_id = cd.node_id AND cl.ancestor_id = ? \
         WHERE cd.hospital_id = ? AND cd.task_id = ? AND cd.run_no = ?",
        d.sum("cd.amount"),
        d.sum("cd.quantity")
    );
    let mut values: Vec<Value> = vec![
        node.id.into(),
        task.hospital_id.into(),
        task.id.into(),
        task.run_no.into(),
    ];
    if let Some(id) = request.department_id {
        sql.push_str(" AND cd.department_id = ?");
        values.push(id.into());
    }
    if let Some(bt) = request.business_type {
        sql.push_str(" AND cd.business_type = ?");
        values.push(bt.as_str().into());
    }
    sql.push_str(" GROUP BY cd.item_code, cd.business_type");
    (sql, values)
}

/// The grouped items of a cell from the period's charge lines under the credit rule (for a task whose run kept
/// no details), and the values to bind. The lines are read as their totals per department pair, item and
/// business type (`charge_item_total`, kept with the lines: `services::accounting::charge_totals`), so a
/// whole-hospital cell reads thousands of rows, not millions. One branch per department field, each joining on
/// a plain column so the totals' indexes (hospital, period, department code, item) serve a department's
/// drill-down.
fn from_charge_lines(
    d: Dialect,
    task: &calculation_task::Model,
    node: &dimension_node::Model,
    request: &DrillRequest,
    department_code: Option<&str>,
) -> (String, Vec<Value>) {
    let mut branches = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for field in [DeptField::Prescribing, DeptField::Executing] {
        let col = dept_column(field);
        values.extend([task.hospital_id.into(), task.period.into()]);
        let department = match department_code {
            Some(code) => {
                values.push(code.into());
                format!("AND c.{col} = ?")
            }
            None => {
                format!("JOIN department d ON d.hospital_id = c.hospital_id AND d.code = c.{col}")
            }
        };
        let mut branch = format!(
            "SELECT c.item_code, c.item_name, c.item_category, {KEPT_BUSINESS_TYPE} AS business_type, \
             c.amount, c.quantity \
             FROM dimension_closure cl \
             JOIN dimension_node n ON n.id = cl.descendant_id AND {leaf} \
             JOIN dimension_item_mapping m ON m.node_id = n.id \
             JOIN charge_item_total c ON c.hospital_id = ? AND c.period = ? AND c.item_code = m.item_code \
             AND {TAKES_BUSINESS_TYPE} {department} \
             WHERE cl.ancestor_id = ?",
            leaf = credited_leaf(field),
        );
        values.push(node.id.into());
        if let Some(bt) = request.business_type {
            branch.push_str(&format!(" AND {KEPT_BUSINESS_TYPE} = ?"));
            values.push(bt.as_str().into());
        }
        branches.push(branch);
    }
    let sql = format!(
        "SELECT x.item_code AS item_code, MAX(x.item_name) AS item_name, MAX(x.item_category) AS item_category, \
         x.business_type AS business_type, {amount} AS amount, {quantity} AS quantity \
         FROM ({union}) x GROUP BY x.item_code, x.business_type",
        union = branches.join(" UNION ALL "),
        amount = d.sum("x.amount"),
        quantity = d.sum("x.quantity"),
    );
    (sql, values)
}

/// How many grouped items there are, and their amount and quantity.
async fn totals_of(
    conn: &impl ConnectionTrait,
    d: Dialect,
    grouped: &str,
    values: Vec<Value>,
) -> Result<(u64, Amount, Amount), AppError> {
    let totals = d
        .one(
            conn,
            &format!(
                "SELECT COUNT(*) AS n, {} AS amount, {} AS quantity FROM ({grouped}) g",
                d.sum("g.amount"),
                d.sum("g.quantity")
            ),
            values,
        )
        .await?
        .ok_or(AppError::NotFound("drill-down totals"))?;
    let total: i64 = totals.try_get("", "n")?;
    let amount: Option<Amount> = totals.try_get("", "amount")?;
    let quantity: Option<Amount> = totals.try_get("", "quantity")?;
    Ok((
        total as u64,
        amount.unwrap_or_default(),
        quantity.unwrap_or_default(),
    ))
}

/// The requested page of the grouped items, in the requested order, with the totals of all pages (window
/// functions over the grouped rows, computed before `LIMIT`: the grouped query runs once), which are `None`
/// when the page is empty.
async fn page_of(
    conn: &impl ConnectionTrait,
    d: Dialect,
    grouped: &str,
    mut values: Vec<Value>,
    request: &DrillRequest,
) -> Result<(Vec<Item>, Option<(u64, Amount, Amount)>), AppError> {
    let direction = if request.sort.descending {
        "DESC"
    } else {
        "ASC"
    };
    let key = match request.sort.key {
        SortKey::Amount => "g.amount",
        SortKey::Quantity => "g.quantity",
        SortKey::ItemCode => "g.item_code",
        SortKey::ItemName => "g.item_name",
    };
    let page = request.page;
    values.push(Value::from(page.page_size as i64));
    values.push(Value::from(((page.page - 1) * page.page_size) as i64));
    let rows = d
        .all(
            conn,
            &format!(
                "SELECT g.item_code, g.item_name, g.item_category, g.business_type, g.amount, g.quantity, \
                 COUNT(*) OVER () AS n, {} AS total_amount, {} AS total_quantity \
                 FROM ({grouped}) g ORDER BY {key} {direction}, g.item_code, g.business_type LIMIT ? OFFSET ?",
                d.int("SUM(g.amount) OVER ()"),
                d.int("SUM(g.quantity) OVER ()"),
            ),
            values,
        )
        .await?;
    let items = rows
        .iter()
        .map(|r| {
            let business_type: String = r.try_get("", "business_type")?;
            Ok(Item {
                item_code: r.try_get("", "item_code")?,
                item_name: r.try_get("", "item_name")?,
                item_category: r.try_get("", "item_category")?,
                business_type: (!business_type.is_empty()).then_some(business_type),
                amount: r.try_get("", "amount")?,
                quantity: r.try_get("", "quantity")?,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    let totals = match rows.first() {
        Some(r) => {
            let n: i64 = r.try_get("", "n")?;
            let amount: Option<Amount> = r.try_get("", "total_amount")?;
            let quantity: Option<Amount> = r.try_get("", "total_quantity")?;
            Some((
                u64::try_from(n).unwrap_or(0),
                amount.unwrap_or_default(),
                quantity.unwrap_or_default(),
            ))
        }
        None => None,
    };
    Ok((items, totals))
}
