//! Calculations after imports: a hospital may have its imports queue a calculation of the periods they fed —
//! when a charge import adds lines (CHARGES), or when an import leaves a period with all four inputs: charge
//! lines, workload, costs and orientation actuals (ALL_INPUTS). The task is queued in the import's own
//! transaction, so it exists exactly when the import does, and runs like any other (origin AUTO).
use super::{calculation_tasks, workflows};
use crate::{
    domain::{
        accounting::calculation::{RunAfter, TaskOrigin, TaskStatus},
        foundation::period::Period,
    },
    entities::accounting::{
        auto_calculation, calculation_task, charge_detail, cost_record, model_version,
        orientation_value, workload_record,
    },
    error::AppError,
    services::{Actor, foundation::audit},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};
use serde_json::json;

/// What an import brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fed {
    Charges,
    MonthlyInputs,
}

/// The hospital's setting (NEVER when it has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub run_after: RunAfter,
    pub model_version_id: Option<i64>,
    pub workflow_id: Option<i64>,
}

pub async fn get(conn: &impl ConnectionTrait, hospital_id: i64) -> Result<Setting, AppError> {
    Ok(auto_calculation::Entity::find()
        .filter(auto_calculation::Column::HospitalId.eq(hospital_id))
        .one(conn)
        .await?
        .map_or(
            Setting {
                run_after: RunAfter::Never,
                model_version_id: None,
                workflow_id: None,
            },
            |s| Setting {
                run_after: s.run_after,
                model_version_id: s.model_version_id,
                workflow_id: s.workflow_id,
            },
        ))
}

/// Replaces the setting. A named model version must be the hospital's; the workflow is the named one or, when
/// none is named, the default one (kept by id, so a later change of the default does not move it).
#[tracing::instrument(skip_all)]
pub async fn put(
    db: &DatabaseConnection,
    actor: &Actor,
    input: Setting,
) -> Result<Setting, AppError> {
    if let Some(id) = input.model_version_id {
        model_version::Entity::find_by_id(id)
            .filter(model_version::Column::HospitalId.eq(actor.hospital_id))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("model_version_id", "no such model version"))?;
    }
    let workflow = workflows::get(db, actor, input.workflow_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid("workflow_id", "no such workflow"),
            other => other,
        })?;
    let setting = Setting {
        workflow_id: Some(workflow.workflow.id),
        ..input
    };
    let txn = crate::db::begin_write(db).await?;
    let current = auto_calculation::Entity::find()
        .filter(auto_calculation::Column::HospitalId.eq(actor.hospital_id))
        .one(&txn)
        .await?;
    let mut row = match current {
        Some(c) => c.into(),
        None => auto_calculation::ActiveModel {
            hospital_id: Set(actor.hospital_id),
            ..Default::default()
        },
    };
    row.run_after = Set(setting.run_after);
    row.model_version_id = Set(setting.model_version_id);
    row.workflow_id = Set(setting.workflow_id);
    row.updated_by = Set(actor.user_id);
    row.updated_at = Set(Utc::now());
    row.save(&txn).await.map_err(AppError::unique(&[(
        "hospital_id",
        "was set by someone else at the same moment; try again",
    )]))?;
    audit::commit(
        txn,
        actor
            .audit(
                "AUTO_CALCULATION_UPDATE",
                "auto_calculation",
                actor.hospital_id,
            )
            .with_detail(json!({
                "run_after": setting.run_after,
                "model_version_id": setting.model_version_id,
                "workflow_id": setting.workflow_id,
            })),
    )
    .await?;
    Ok(setting)
}

/// Whether the hospital has each input of `period`.
async fn has_all_inputs(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    period: Period,
) -> Result<bool, AppError> {
    let p = period.to_string();
    let charges = charge_detail::Entity::find()
        .filter(charge_detail::Column::HospitalId.eq(hospital_id))
        .filter(charge_detail::Column::Period.eq(p.clone()))
        .count(conn)
        .await?;
    let workload = workload_record::Entity::find()
        .filter(workload_record::Column::HospitalId.eq(hospital_id))
        .filter(workload_record::Column::Period.eq(p.clone()))
        .count(conn)
        .await?;
    let costs = cost_record::Entity::find()
        .filter(cost_record::Column::HospitalId.eq(hospital_id))
        .filter(cost_record::Column::Period.eq(p.clone()))
        .count(conn)
        .await?;
    let actuals = orientation_value::Entity::find()
        .filter(orientation_value::Column::HospitalId.eq(hospital_id))
        .filter(orientation_value::Column::Period.eq(p))
        .count(conn)
        .await?;
    Ok(charges > 0 && workload > 0 && costs > 0 && actuals > 0)
}

/// Queues, in the import's transaction, a calculation of each of `periods` the setting asks for: not when one of
/// the period is already queued (it will read what this import brought), nor when the hospital has no model
/// version to run (the import still completes; the log says why). Answers the tasks queued; call
/// [`calculation_tasks::wake`] once the transaction has committed.
pub async fn queue_after_import(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    user_id: Option<i64>,
    fed: Fed,
    periods: &[Period],
) -> Result<Vec<i64>, AppError> {
    let setting = get(conn, hospital_id).await?;
    let wanted = match setting.run_after {
        RunAfter::Never => false,
        RunAfter::Charges => fed == Fed::Charges,
        RunAfter::AllInputs => true,
    };
    if !wanted || periods.is_empty() {
        return Ok(Vec::new());
    }
    let version = match setting.model_version_id {
        Some(id) => Some(id),
        None => model_version::Entity::find()
            .filter(model_version::Column::HospitalId.eq(hospital_id))
            .filter(model_version::Column::IsActive.eq(true))
            .one(conn)
            .await?
            .map(|v| v.id),
    };
    let (Some(version), Some(workflow)) = (version, setting.workflow_id) else {
        tracing::warn!(
            hospital_id,
            "no model version is active: an import queued no calculation"
        );
        return Ok(Vec::new());
    };
    let now = Utc::now();
    let mut queued = Vec::new();
    for period in periods {
        if setting.run_after == RunAfter::AllInputs
            && !has_all_inputs(conn, hospital_id, *period).await?
        {
            continue;
        }
        let waiting = calculation_task::Entity::find()
            .filter(calculation_task::Column::HospitalId.eq(hospital_id))
            .filter(calculation_task::Column::Period.eq(period.to_string()))
            .filter(calculation_task::Column::Status.eq(TaskStatus::Pending))
            .count(conn)
            .await?;
        if waiting > 0 {
            continue;
        }
        let task = calculation_tasks::queued_for(
            hospital_id,
            user_id,
            *period,
            (version, workflow),
            TaskOrigin::Auto,
            now,
        )
        .insert(conn)
        .await?;
        queued.push(task.id);
    }
    Ok(queued)
}
