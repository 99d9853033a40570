//! Calculation workflows: every hospital gets the standard one (all five steps) and the legacy one (no
//! calculation_details: results and drill-downs come straight from the charge lines).
use crate::{
    domain::accounting::calculation::StepKind,
    entities::{accounting::calculation_step, accounting::calculation_workflow},
    error::AppError,
    services::Actor,
};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

pub const STANDARD: &str = "标准核算流程";
pub const LEGACY: &str = "旧版核算流程（不生成核算明细）";

#[derive(Debug, Clone)]
pub struct Workflow {
    pub workflow: calculation_workflow::Model,
    pub steps: Vec<calculation_step::Model>,
}

fn step_name(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Prepare => "数据准备",
        StepKind::GenerateDetails => "生成核算明细",
        StepKind::AggregateResults => "维度汇总",
        StepKind::ApplyWeights => "导向调整",
        StepKind::SummarizeValue => "价值汇总",
    }
}

/// Creates the two built-in workflows of a hospital unless it has workflows already. Callers racing here meet
/// on the unique (hospital, name) key (or, on MySQL, in a deadlock on it): the losers roll back and find the
/// winner's.
#[tracing::instrument(skip_all)]
pub async fn ensure_defaults<C>(conn: &C, hospital_id: i64) -> Result<(), AppError>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let mut attempts = 0;
    loop {
        let existing = calculation_workflow::Entity::find()
            .filter(calculation_workflow::Column::HospitalId.eq(hospital_id))
            .one(conn)
            .await?;
        if existing.is_some() {
            return Ok(());
        }
        match insert_builtins(conn, hospital_id).await {
            Ok(()) => return Ok(()),
            Err(e)
                if attempts < 8
                    && (matches!(
                        e.sql_err(),
                        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                    ) || crate::db::is_retryable(&e)) =>
            {
                // Concurrent first requests of a hospital deadlock on MariaDB's gap locks; retried at once they
                // meet again, so each waits a random, growing moment (by then one of them has committed).
                attempts += 1;
                let pause = rand::random_range(5..=25) * attempts;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn insert_builtins<C>(conn: &C, hospital_id: i64) -> Result<(), sea_orm::DbErr>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    let txn = conn.begin().await?;
    let builtins: [(&str, &str, bool, Vec<StepKind>); 2] = [
        (
            STANDARD,
            "数据准备 → 生成核算明细 → 维度汇总 → 导向调整 → 价值汇总",
            true,
            StepKind::ALL.to_vec(),
        ),
        (
            LEGACY,
            "不生成核算明细：维度汇总与下钻直接读取收费明细",
            false,
            StepKind::ALL
                .iter()
                .copied()
                .filter(|k| *k != StepKind::GenerateDetails)
                .collect(),
        ),
    ];
    for (name, description, is_default, steps) in builtins {
        let id = calculation_workflow::Entity::insert(calculation_workflow::ActiveModel {
            hospital_id: Set(hospital_id),
            name: Set(name.to_owned()),
            description: Set(Some(description.to_owned())),
            is_default: Set(is_default),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        let rows = steps
            .iter()
            .enumerate()
            .map(|(i, kind)| calculation_step::ActiveModel {
                workflow_id: Set(id),
                step_order: Set(i as i32 + 1),
                kind: Set(*kind),
                name: Set(step_name(*kind).to_owned()),
                ..Default::default()
            });
        calculation_step::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}

#[tracing::instrument(skip_all)]
pub async fn list<C>(conn: &C, actor: &Actor) -> Result<Vec<Workflow>, AppError>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    ensure_defaults(conn, actor.hospital_id).await?;
    let workflows = calculation_workflow::Entity::find()
        .filter(calculation_workflow::Column::HospitalId.eq(actor.hospital_id))
        .order_by_desc(calculation_workflow::Column::IsDefault)
        .order_by_asc(calculation_workflow::Column::Id)
        .all(conn)
        .await?;
    let mut steps = calculation_step::Entity::find()
        .filter(calculation_step::Column::WorkflowId.is_in(workflows.iter().map(|w| w.id)))
        .order_by_asc(calculation_step::Column::StepOrder)
        .all(conn)
        .await?;
    Ok(workflows
        .into_iter()
        .map(|workflow| {
            let (mine, rest) = steps.drain(..).partition(|s| s.workflow_id == workflow.id);
            steps = rest;
            Workflow {
                workflow,
                steps: mine,
            }
        })
        .collect())
}

/// A workflow of the actor's hospital, with its steps; the default one when `id` is `None`.
#[tracing::instrument(skip_all)]
pub async fn get<C>(conn: &C, actor: &Actor, id: Option<i64>) -> Result<Workflow, AppError>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>,
{
    list(conn, actor)
        .await?
        .into_iter()
        .find(|w| match id {
            Some(id) => w.workflow.id == id,
            None => w.workflow.is_default,
        })
        .ok_or(AppError::NotFound("workflow"))
}
