//! The doctor's workstation: `/doctor/queue` and `/medical-records` (a doctor reaches only their own).
use crate::api::{
    AppState,
    extract::{Auth, Clinical, DoctorOnly, Json},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::money::Amount, foundation::text, outpatient::appointment::AppointmentStatus,
        outpatient::schedule::TimeSlot,
    },
    entities::outpatient::medical_record,
    error::{AppError, FieldErrors},
    services::outpatient::medical_records::{self as service, RecordInput},
};
use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(queue, call_next, read, update);

#[derive(Serialize, ToSchema)]
pub struct QueueEntry {
    pub appointment_id: i64,
    pub queue_no: i32,
    pub status: AppointmentStatus,
    pub date: NaiveDate,
    pub time_slot: TimeSlot,
    pub room_no: String,
    pub patient_id: i64,
    pub patient_name: String,
    #[schema(value_type = crate::domain::foundation::vocab::Gender)]
    pub gender: crate::domain::foundation::vocab::Gender,
    pub dob: NaiveDate,
    pub check_in_time: Option<DateTime<Utc>>,
    /// When the doctor called the patient in; null while waiting.
    pub called_at: Option<DateTime<Utc>>,
    /// Present once the patient has checked in.
    pub medical_record_id: Option<i64>,
}

/// Today's patients of the signed-in doctor, by slot and queue number: checked-in ones wait (COMPLETED),
/// booked ones have not arrived, BILLED and PAID ones are done.
#[utoipa::path(tag = "medical-records", summary = "My queue today", responses((status = 200, body = Vec<QueueEntry>),
    (status = 409, description = "The account is not linked to a doctor (`NO_DOCTOR_PROFILE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/doctor/queue")]
async fn queue(
    state: web::Data<AppState>,
    user: Auth<DoctorOnly>,
) -> Result<web::Json<Vec<QueueEntry>>, AppError> {
    let entries = service::queue(&state.db, &user).await?;
    Ok(web::Json(
        entries.into_iter().map(QueueEntry::from).collect(),
    ))
}

/// Calls the next checked-in patient (叫号): the lowest queue number not yet called. The waiting-room board
/// shows them as the room's current patient.
#[utoipa::path(tag = "medical-records", summary = "Call the next patient", responses((status = 200, body = QueueEntry),
    (status = 409, description = "Nobody checked in is waiting (`QUEUE_EMPTY`), or no doctor profile (`NO_DOCTOR_PROFILE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/doctor/queue/call-next")]
async fn call_next(
    state: web::Data<AppState>,
    user: Auth<DoctorOnly>,
) -> Result<web::Json<QueueEntry>, AppError> {
    Ok(web::Json(
        service::call_next(&state.db, &user).await?.into(),
    ))
}

impl From<service::QueueEntry> for QueueEntry {
    fn from(e: service::QueueEntry) -> Self {
        QueueEntry {
            appointment_id: e.appointment.id,
            queue_no: e.appointment.queue_no,
            status: e.appointment.status,
            date: e.schedule.schedule_date,
            time_slot: e.schedule.time_slot,
            room_no: e.appointment.assigned_room.unwrap_or(e.schedule.room_no),
            patient_id: e.patient.id,
            patient_name: e.patient.name,
            gender: e.patient.gender,
            dob: e.patient.dob,
            check_in_time: e.appointment.check_in_time,
            called_at: e.appointment.called_at,
            medical_record_id: e.record.map(|r| r.id),
        }
    }
}

/// A prescribed item as sent: the catalogue item and how much of it.
#[derive(Deserialize, ToSchema)]
pub struct PrescriptionLine {
    pub charge_item_id: i64,
    /// At most four decimal places, greater than zero.
    #[schema(value_type = crate::api::DecimalInput, example = "2")]
    pub quantity: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct PrescriptionItem {
    pub charge_item_id: i64,
    /// From the catalogue.
    pub item_code: String,
    pub item_name: String,
    /// At most four decimal places, greater than zero.
    #[schema(value_type = String, example = "2")]
    pub quantity: Decimal,
}

#[derive(Serialize, ToSchema)]
pub struct MedicalRecord {
    pub id: i64,
    pub appointment_id: i64,
    pub doctor_id: i64,
    pub patient_id: i64,
    pub diagnosis: Option<String>,
    pub treatment: Option<String>,
    pub prescription: Vec<PrescriptionItem>,
    pub visit_time: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<medical_record::Model> for MedicalRecord {
    fn from(m: medical_record::Model) -> Self {
        let prescription = service::prescription_of(&m)
            .into_iter()
            .map(|p| PrescriptionItem {
                charge_item_id: p.charge_item_id,
                item_code: p.item_code,
                item_name: p.item_name,
                quantity: Amount::from_scaled(p.quantity).to_decimal(),
            })
            .collect();
        Self {
            id: m.id,
            appointment_id: m.appointment_id,
            doctor_id: m.doctor_id,
            patient_id: m.patient_id,
            diagnosis: m.diagnosis,
            treatment: m.treatment,
            prescription,
            visit_time: m.visit_time,
            updated_at: m.updated_at,
        }
    }
}

const NOT_FOUND: &str = "No such record in your hospital, or another doctor's (`NOT_FOUND`)";

#[utoipa::path(tag = "medical-records", summary = "Get a medical record", responses((status = 200, body = MedicalRecord),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/medical-records/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<Clinical>,
    id: web::Path<i64>,
) -> Result<web::Json<MedicalRecord>, AppError> {
    Ok(web::Json(
        service::get(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    #[schema(example = "急性上呼吸道感染", max_length = 2000)]
    pub diagnosis: Option<String>,
    #[schema(example = "多饮水，注意休息", max_length = 4000)]
    pub treatment: Option<String>,
    /// Catalogue items (drugs, tests, examinations) and quantities; at most 50.
    #[serde(default)]
    pub prescription: Vec<PrescriptionLine>,
}

impl TryFrom<RecordRequest> for RecordInput {
    type Error = AppError;
    fn try_from(r: RecordRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let diagnosis = errors.check("diagnosis", text::optional(r.diagnosis.as_deref(), 2000));
        let treatment = errors.check("treatment", text::optional(r.treatment.as_deref(), 4000));
        if r.prescription.len() > 50 {
            errors.add("prescription", "must have at most 50 items");
        }
        let mut prescription = Vec::new();
        for (i, p) in r.prescription.iter().enumerate() {
            let field = format!("prescription[{i}].quantity");
            match errors.check(&field, Amount::non_negative(p.quantity)) {
                Some(q) if q.scaled() == 0 => errors.add(&field, "must be greater than zero"),
                Some(q) if q.to_decimal() > Decimal::from(10_000) => {
                    errors.add(&field, "must be at most 10000")
                }
                Some(q) => prescription.push((p.charge_item_id, q)),
                None => {}
            }
        }
        errors.finish(|| {
            Some(Self {
                diagnosis: diagnosis?,
                treatment: treatment?,
                prescription,
            })
        })
    }
}

/// The doctor writes the record of their own patient; once billed it is locked.
#[utoipa::path(tag = "medical-records", summary = "Write a medical record", request_body = RecordRequest, responses(
    (status = 200, body = MedicalRecord),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already billed (`RECORD_LOCKED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/medical-records/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<DoctorOnly>,
    id: web::Path<i64>,
    body: Json<RecordRequest>,
) -> Result<web::Json<MedicalRecord>, AppError> {
    Ok(web::Json(
        service::update(&state.db, &user, id.into_inner(), body.0.try_into()?)
            .await?
            .into(),
    ))
}
