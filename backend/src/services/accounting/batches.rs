//! Calculation batches: a quarter or a year of periods queued in one request, one task per period, run in period
//! order (the runner holds a month back while an earlier month of its batch is queued or running, and fails it
//! when an earlier month failed), so each month's month-on-month change compares against the fresh month before;
//! and their value summaries as one workbook.
use super::{
    calculation_tasks, periods,
    results::{self, SheetFill, SummaryRow, book},
};
use crate::{
    db::begin_write,
    domain::{
        accounting::calculation::{self, TaskStatus},
        foundation::money::Amount,
        foundation::period::Period,
    },
    entities::accounting::{calculation_batch, calculation_task},
    error::AppError,
    services::{Actor, Page, PageRequest, fetch_page, find_owned, foundation::audit},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct NewBatch {
    pub from: Period,
    pub to: Period,
    pub model_version_id: Option<i64>,
    pub workflow_id: Option<i64>,
}

/// A batch with its tasks in period order.
#[derive(Debug, Clone)]
pub struct BatchView {
    pub batch: calculation_batch::Model,
    pub tasks: Vec<calculation_task::Model>,
}

impl BatchView {
    /// The batch's status, as `domain::accounting::calculation::batch_status` reads its months'.
    pub fn status(&self) -> TaskStatus {
        calculation::batch_status(&self.tasks.iter().map(|t| t.status).collect::<Vec<_>>())
    }

    /// The mean of the months' progress, 0–100.
    pub fn progress(&self) -> i32 {
        let n = i32::try_from(self.tasks.len()).unwrap_or(1).max(1);
        self.tasks.iter().map(|t| t.progress).sum::<i32>() / n
    }
}

/// Queues a batch: one task per period, every period DRAFT, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewBatch,
) -> Result<BatchView, AppError> {
    let months =
        calculation::batch_periods(input.from, input.to).map_err(|e| AppError::invalid("to", e))?;
    let on =
        calculation_tasks::resolve(db, actor, input.model_version_id, input.workflow_id).await?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    periods::ensure_open(&txn, actor.hospital_id, &months).await?;
    let batch = calculation_batch::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        from_period: Set(input.from),
        to_period: Set(input.to),
        model_version_id: Set(on.0),
        workflow_id: Set(on.1),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut tasks = Vec::with_capacity(months.len());
    for period in &months {
        tasks.push(
            calculation_tasks::queued(actor, *period, on, Some(batch.id), now)
                .insert(&txn)
                .await?,
        );
    }
    audit::commit(
        txn,
        actor
            .audit("calculation_batch.create", "calculation_batch", batch.id)
            .with_detail(json!({
                "from": input.from.to_string(),
                "to": input.to.to_string(),
                "tasks": tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
            })),
    )
    .await?;
    calculation_tasks::wake();
    Ok(BatchView { batch, tasks })
}

async fn tasks_of(
    conn: &impl ConnectionTrait,
    batch_ids: &[i64],
) -> Result<BTreeMap<i64, Vec<calculation_task::Model>>, AppError> {
    let mut out: BTreeMap<i64, Vec<calculation_task::Model>> = BTreeMap::new();
    if batch_ids.is_empty() {
        return Ok(out);
    }
    for t in calculation_task::Entity::find()
        .filter(calculation_task::Column::BatchId.is_in(batch_ids.iter().copied()))
        .order_by_asc(calculation_task::Column::Period)
        .all(conn)
        .await?
    {
        if let Some(b) = t.batch_id {
            out.entry(b).or_default().push(t);
        }
    }
    Ok(out)
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<BatchView, AppError> {
    let batch = find_owned::<calculation_batch::Entity>(conn, actor, id).await?;
    let tasks = tasks_of(conn, &[batch.id])
        .await?
        .remove(&batch.id)
        .unwrap_or_default();
    Ok(BatchView { batch, tasks })
}

/// The hospital's batches, newest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    page: PageRequest,
) -> Result<Page<BatchView>, AppError> {
    let found = fetch_page(
        conn,
        calculation_batch::Entity::find()
            .filter(calculation_batch::Column::HospitalId.eq(actor.hospital_id)),
        Some((calculation_batch::Column::Id, sea_orm::Order::Desc)),
        calculation_batch::Column::Id,
        page,
    )
    .await?;
    let ids: Vec<i64> = found.items.iter().map(|b| b.id).collect();
    let mut tasks = tasks_of(conn, &ids).await?;
    Ok(found.map(|batch| BatchView {
        tasks: tasks.remove(&batch.id).unwrap_or_default(),
        batch,
    }))
}

/// The value summaries of a batch's months: a sheet per month with a finished run (as the task's own workbook),
/// and a first sheet of every department's net value per month with its total.
#[tracing::instrument(skip_all)]
pub async fn summaries_xlsx(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<(calculation_batch::Model, Vec<u8>), AppError> {
    let view = get(conn, actor, id).await?;
    let mut months: Vec<(Period, Vec<SummaryRow>)> = Vec::new();
    for t in view.tasks.iter().filter(|t| t.run_no > 0) {
        let (_, rows) = results::summary(conn, actor, t.id).await?;
        months.push((t.period, rows));
    }
    // Department code → (name, net value per month).
    let mut nets: BTreeMap<String, (String, BTreeMap<Period, Amount>)> = BTreeMap::new();
    for (period, rows) in &months {
        for r in rows {
            nets.entry(r.department.code.clone())
                .or_insert_with(|| (r.department.name.clone(), BTreeMap::new()))
                .1
                .insert(*period, r.row.net_value);
        }
    }
    let names: Vec<String> = months.iter().map(|(p, _)| p.to_string()).collect();
    let mut sheets: Vec<SheetFill<'_>> = vec![(
        "汇总",
        Box::new(|s| {
            let mut header = vec!["科室编码", "科室"];
            header.extend(names.iter().map(String::as_str));
            header.push("合计");
            s.header(&header)?;
            for (code, (name, by_month)) in &nets {
                s.text(0, code)?;
                s.text(1, name)?;
                let mut total = 0i64;
                for (i, (period, _)) in months.iter().enumerate() {
                    let v = by_month.get(period).copied();
                    total += v.map_or(0, Amount::scaled);
                    s.number(2 + i as u16, v)?;
                }
                s.number(2 + months.len() as u16, Some(Amount::from_scaled(total)))?;
                s.row += 1;
            }
            Ok(())
        }),
    )];
    for ((_, rows), name) in months.iter().zip(&names) {
        sheets.push((
            name.as_str(),
            Box::new(move |s| results::fill_summary(s, rows)),
        ));
    }
    Ok((view.batch, book(sheets)?))
}
