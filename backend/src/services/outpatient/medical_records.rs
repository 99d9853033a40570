//! Medical records (就诊记录): a doctor's queue for today and the record of each visit — diagnosis, treatment
//! and a structured prescription of catalogue items. A doctor sees only their own patients; a billed record
//! is locked.
use crate::services::{
    Actor, find_owned, foundation::audit, foundation::diagnoses, outpatient::appointments,
};
use crate::{
    db::begin_write,
    domain::{
        foundation::money::Amount,
        foundation::role::Role,
        outpatient::appointment::AppointmentStatus,
        outpatient::diagnosis::{CodedDiagnosis, primary_first},
        outpatient::prescription::{Packing, Usage, packs},
        outpatient::schedule::ScheduleStatus,
    },
    entities::{
        foundation::charge_item, foundation::doctor, foundation::patient, outpatient::appointment,
        outpatient::medical_record, outpatient::schedule,
    },
    error::{AppError, ErrorCode},
};
use chrono::{SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

/// One prescribed item as stored in the record: the catalogue link plus what the doctor saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionLine {
    pub charge_item_id: i64,
    pub item_code: String,
    pub item_name: String,
    /// Ten-thousandths, as every quantity.
    pub quantity: i64,
    /// How a drug is to be taken (none on lines without, and on records from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// A prescribed item as the doctor gives it: the quantity may be left to the catalogue's packing.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub charge_item_id: i64,
    pub quantity: Option<Amount>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone)]
pub struct RecordInput {
    pub diagnosis: Option<String>,
    /// Dictionary ids, and which is the primary (exactly one, when there are any).
    pub diagnoses: Vec<(i64, bool)>,
    pub treatment: Option<String>,
    pub prescription: Vec<LineInput>,
}

/// The quantity of a line: as given, or counted from its usage and the item's packing.
fn quantity_of(line: &LineInput, item: &charge_item::Model, at: usize) -> Result<Amount, AppError> {
    if let Some(q) = line.quantity {
        return Ok(q);
    }
    let packing = match (&item.dose_unit, item.unit_dose, item.pack_units) {
        (Some(dose_unit), Some(unit_dose), Some(units)) => Some(Packing {
            dose_unit,
            unit_dose,
            pack_units: u32::try_from(units).unwrap_or(0),
        }),
        _ => None,
    };
    line.usage
        .as_ref()
        .zip(packing)
        .and_then(|(usage, packing)| packs(usage, &packing))
        .ok_or_else(|| {
            AppError::invalid(
                format!("prescription[{at}].quantity"),
                "is required: it cannot be counted from the usage and the catalogue's packing",
            )
        })
}

pub fn prescription_of(record: &medical_record::Model) -> Vec<PrescriptionLine> {
    from_json(record.prescription.as_deref())
}

/// The record's coded diagnoses, the primary first.
pub fn diagnoses_of(record: &medical_record::Model) -> Vec<CodedDiagnosis> {
    from_json(record.diagnoses.as_deref())
}

fn from_json<T: serde::de::DeserializeOwned + Default>(column: Option<&str>) -> T {
    column
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

/// The doctor profile of a DOCTOR account.
#[tracing::instrument(skip_all)]
pub async fn doctor_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<doctor::Model, AppError> {
    doctor::Entity::find()
        .filter(doctor::Column::HospitalId.eq(actor.hospital_id))
        .filter(doctor::Column::UserId.eq(actor.user_id))
        .one(conn)
        .await?
        .ok_or(AppError::Conflict {
            code: ErrorCode::NoDoctorProfile,
            message: "this account is not linked to a doctor".into(),
        })
}

/// A record in the caller's hospital; a doctor reaches only their own (another's answers 404).
#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<medical_record::Model, AppError> {
    let mut select = medical_record::Entity::find_by_id(id)
        .filter(medical_record::Column::HospitalId.eq(actor.hospital_id));
    if actor.role == Role::Doctor {
        select =
            select.filter(medical_record::Column::DoctorId.eq(doctor_of(conn, actor).await?.id));
    }
    select
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("medical record"))
}

/// The record as last committed, read under a shared lock: after the caller has taken its appointment (the
/// lock a doctor's edit takes first), no edit can be in flight, and on MySQL a plain read would still answer
/// from the transaction's older snapshot.
#[tracing::instrument(skip_all)]
pub async fn get_latest(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<medical_record::Model, AppError> {
    medical_record::Entity::find_by_id(id)
        .filter(medical_record::Column::HospitalId.eq(actor.hospital_id))
        .lock_shared()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("medical record"))
}

#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub appointment: appointment::Model,
    pub schedule: schedule::Model,
    pub patient: patient::Model,
    pub record: Option<medical_record::Model>,
}

/// Today's patients of the signed-in doctor, slot by slot, by queue number; cancelled ones left out.
#[tracing::instrument(skip_all)]
pub async fn queue(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<QueueEntry>, AppError> {
    let me = doctor_of(db, actor).await?;
    let now = actor.local_now();
    let slots = schedule::Entity::find()
        .filter(schedule::Column::DoctorId.eq(me.id))
        .filter(schedule::Column::ScheduleDate.eq(now.date()))
        .filter(schedule::Column::Status.ne(ScheduleStatus::Cancelled))
        .all(db)
        .await?;
    let mut entries = Vec::new();
    for slot in slots {
        let rows = appointment::Entity::find()
            .filter(appointment::Column::ScheduleId.eq(slot.id))
            .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
            .order_by_asc(appointment::Column::QueueNo)
            .find_also_related(patient::Entity)
            .all(db)
            .await?;
        for (appt, patient) in rows {
            let Some(patient) = patient else { continue };
            let record = medical_record::Entity::find()
                .filter(medical_record::Column::AppointmentId.eq(appt.id))
                .one(db)
                .await?;
            entries.push(QueueEntry {
                appointment: appt,
                schedule: slot.clone(),
                patient,
                record,
            });
        }
    }
    entries.sort_by_key(|e| {
        (
            e.schedule.time_slot,
            crate::services::outpatient::queue_board::waiting_order(&e.appointment),
        )
    });
    Ok(entries)
}

/// Writes the doctor's part of the record. The appointment row is touched with a compare-and-set on
/// COMPLETED first: it holds the row against a concurrent billing, and fails once the visit is billed.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: RecordInput,
) -> Result<medical_record::Model, AppError> {
    let txn = begin_write(db).await?;
    let record = get(&txn, actor, id).await?;
    if actor.role == Role::Doctor && record.doctor_id != doctor_of(&txn, actor).await?.id {
        return Err(AppError::NotFound("medical record"));
    }
    let open = appointment::Entity::update_many()
        .col_expr(appointment::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(appointment::Column::Id.eq(record.appointment_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Completed))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !open {
        let current = appointments::get(&txn, actor, record.appointment_id).await?;
        return Err(AppError::Conflict {
            code: ErrorCode::RecordLocked,
            message: format!(
                "the visit is {}; its record can no longer change",
                current.status
            ),
        });
    }
    let mut lines = Vec::with_capacity(input.prescription.len());
    for (i, line) in input.prescription.iter().enumerate() {
        let field = format!("prescription[{i}].charge_item_id");
        let item = match find_owned::<charge_item::Entity>(&txn, actor, line.charge_item_id).await {
            Ok(item) if item.is_active => item,
            Ok(_) => return Err(AppError::invalid(field, "the item is no longer offered")),
            Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid(field, "no such catalogue item"));
            }
            Err(e) => return Err(e),
        };
        let quantity = quantity_of(line, &item, i)?;
        lines.push(PrescriptionLine {
            charge_item_id: item.id,
            item_code: item.item_code,
            item_name: item.item_name,
            quantity: quantity.scaled(),
            usage: line.usage.clone(),
        });
    }
    let ids: Vec<i64> = input.diagnoses.iter().map(|(id, _)| *id).collect();
    let coded: Vec<CodedDiagnosis> = diagnoses::active_by_id(&txn, actor, &ids, |i| {
        format!("diagnoses[{i}].diagnosis_id")
    })
    .await?
    .into_iter()
    .zip(&input.diagnoses)
    .map(|(d, &(_, primary))| CodedDiagnosis {
        diagnosis_id: d.id,
        code: d.code,
        name: d.name,
        primary,
    })
    .collect();
    let coded = primary_first(coded);
    let now = Utc::now();
    medical_record::Entity::update_many()
        .col_expr(
            medical_record::Column::Diagnosis,
            Expr::value(input.diagnosis),
        )
        .col_expr(
            medical_record::Column::Diagnoses,
            Expr::value(serde_json::to_string(&coded).map_err(anyhow::Error::from)?),
        )
        .col_expr(
            medical_record::Column::Treatment,
            Expr::value(input.treatment),
        )
        .col_expr(
            medical_record::Column::Prescription,
            Expr::value(serde_json::to_string(&lines).map_err(anyhow::Error::from)?),
        )
        .col_expr(
            medical_record::Column::VisitTime,
            Expr::value(record.visit_time.unwrap_or(now)),
        )
        .col_expr(medical_record::Column::UpdatedAt, Expr::value(now))
        .filter(medical_record::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor.audit("MEDICAL_RECORD_UPDATE", "medical_record", id),
    )
    .await?;
    let updated = get(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Calls the next checked-in patient of the signed-in doctor (叫号): the lowest queue number not yet called,
/// morning before afternoon. A compare-and-set on `called_at`, so two clicks never call one patient twice.
#[tracing::instrument(skip_all)]
pub async fn call_next(db: &DatabaseConnection, actor: &Actor) -> Result<QueueEntry, AppError> {
    call_next_but(db, actor, None).await
}

/// Calls the next waiting patient other than `except`.
async fn call_next_but(
    db: &DatabaseConnection,
    actor: &Actor,
    except: Option<i64>,
) -> Result<QueueEntry, AppError> {
    let me = doctor_of(db, actor).await?;
    for _ in 0..5 {
        let waiting = queue(db, actor).await?.into_iter().find(|e| {
            e.appointment.status == AppointmentStatus::Completed
                && e.appointment.called_at.is_none()
                && Some(e.appointment.id) != except
        });
        let Some(mut next) = waiting else {
            return Err(AppError::Conflict {
                code: ErrorCode::QueueEmpty,
                message: "no checked-in patient is waiting".into(),
            });
        };
        let now = Utc::now().trunc_subsecs(6);
        // The call and its audit entry commit together.
        let txn = begin_write(db).await?;
        let called = appointment::Entity::update_many()
            .col_expr(appointment::Column::CalledAt, Expr::value(now))
            .filter(appointment::Column::Id.eq(next.appointment.id))
            .filter(appointment::Column::CalledAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if called {
            let detail =
                serde_json::json!({"doctor_id": me.id, "queue_no": next.appointment.queue_no});
            audit::commit(
                txn,
                actor
                    .audit("QUEUE_CALL", "appointment", next.appointment.id)
                    .with_detail(detail),
            )
            .await?;
            next.appointment.called_at = Some(now);
            return Ok(next);
        }
        txn.rollback().await?;
    }
    Err(AppError::Conflict {
        code: ErrorCode::ConcurrentUpdate,
        message: "the queue changed while calling; try again".into(),
    })
}

/// One of the doctor's called patients who has not been billed yet, or the reason it is not.
async fn called_patient(
    db: &DatabaseConnection,
    actor: &Actor,
    appointment_id: i64,
) -> Result<QueueEntry, AppError> {
    let entry = queue(db, actor)
        .await?
        .into_iter()
        .find(|e| e.appointment.id == appointment_id)
        .ok_or(AppError::NotFound("appointment"))?;
    if entry.appointment.status != AppointmentStatus::Completed
        || entry.appointment.called_at.is_none()
    {
        return Err(AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: format!(
                "only a called patient who is still being seen can be called again or skipped (this one is {}{})",
                entry.appointment.status,
                if entry.appointment.called_at.is_none() {
                    ", not called"
                } else {
                    ""
                }
            ),
        });
    }
    Ok(entry)
}

/// Calls the same patient again (the board announces it once more).
#[tracing::instrument(skip_all)]
pub async fn recall(
    db: &DatabaseConnection,
    actor: &Actor,
    appointment_id: i64,
) -> Result<QueueEntry, AppError> {
    let mut entry = called_patient(db, actor, appointment_id).await?;
    // As stored: the board compares call times, and the databases keep microseconds.
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    appointment::Entity::update_many()
        .col_expr(appointment::Column::CalledAt, Expr::value(now))
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CalledAt.is_not_null())
        .exec(&txn)
        .await?;
    let detail = serde_json::json!({"queue_no": entry.appointment.queue_no});
    audit::commit(
        txn,
        actor
            .audit("QUEUE_RECALL", "appointment", appointment_id)
            .with_detail(detail),
    )
    .await?;
    entry.appointment.called_at = Some(now);
    Ok(entry)
}

/// Skips a called patient who did not come: they go to the back of the waiting line and the next one is
/// called. Answers the skipped patient and the one called (none when nobody else waits).
#[tracing::instrument(skip_all)]
pub async fn skip(
    db: &DatabaseConnection,
    actor: &Actor,
    appointment_id: i64,
) -> Result<(QueueEntry, Option<QueueEntry>), AppError> {
    let mut entry = called_patient(db, actor, appointment_id).await?;
    // As stored: the board compares call times, and the databases keep microseconds.
    let now = Utc::now().trunc_subsecs(6);
    let txn = begin_write(db).await?;
    let skipped = appointment::Entity::update_many()
        .col_expr(
            appointment::Column::CalledAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(appointment::Column::RequeuedAt, Expr::value(now))
        .filter(appointment::Column::Id.eq(appointment_id))
        .filter(appointment::Column::CalledAt.is_not_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if skipped == 0 {
        return Err(AppError::Conflict {
            code: ErrorCode::ConcurrentUpdate,
            message: "the patient was skipped at the same moment; refresh the queue".into(),
        });
    }
    let detail = serde_json::json!({"queue_no": entry.appointment.queue_no});
    audit::commit(
        txn,
        actor
            .audit("QUEUE_SKIP", "appointment", appointment_id)
            .with_detail(detail),
    )
    .await?;
    entry.appointment.called_at = None;
    entry.appointment.requeued_at = Some(now);
    let called = match call_next_but(db, actor, Some(appointment_id)).await {
        Ok(next) => Some(next),
        Err(AppError::Conflict {
            code: ErrorCode::QueueEmpty,
            ..
        }) => None,
        Err(e) => return Err(e),
    };
    Ok((entry, called))
}
