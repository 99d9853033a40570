//! The doctor's workstation: `/doctor/queue` and `/medical-records` (a doctor reaches only their own).
use crate::api::{
    AppState,
    extract::{Auth, Clinical, DoctorOnly, Json},
    problem::Problem,
};
use crate::{
    domain::{
        foundation::money::Amount,
        foundation::text,
        outpatient::appointment::AppointmentStatus,
        outpatient::diagnosis::{self, CodedDiagnosis},
        outpatient::prescription::{Frequency, MAX_DAYS, Route, Usage},
        outpatient::schedule::TimeSlot,
    },
    entities::outpatient::medical_record,
    error::{AppError, FieldErrors},
    services::outpatient::medical_records::{self as service, LineInput, RecordInput},
};
use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(queue, call_next, recall, skip, read, update);

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
    /// When the doctor skipped the patient (过号), who then waits behind those never skipped; null otherwise.
    pub requeued_at: Option<DateTime<Utc>>,
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

/// Calls the same patient once more: the waiting-room board announces them again.
#[utoipa::path(tag = "medical-records", summary = "Call a patient again", responses((status = 200, body = QueueEntry),
    (status = 404, description = "Not one of your patients today (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not called, or no longer being seen (`INVALID_TRANSITION`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/doctor/queue/{id}/recall")]
async fn recall(
    state: web::Data<AppState>,
    user: Auth<DoctorOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<QueueEntry>, AppError> {
    let called = service::recall(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(called.into()))
}

#[derive(Serialize, ToSchema)]
pub struct SkipOutcome {
    /// The patient who did not come, now at the back of the waiting line.
    pub skipped: QueueEntry,
    /// The patient called instead; null when nobody else waits.
    pub called: Option<QueueEntry>,
}

/// The called patient did not come (过号): they go to the back of the waiting line and the next is called.
#[utoipa::path(tag = "medical-records", summary = "Skip a patient who did not come", responses((status = 200, body = SkipOutcome),
    (status = 404, description = "Not one of your patients today (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not called, or no longer being seen (`INVALID_TRANSITION`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/doctor/queue/{id}/skip")]
async fn skip(
    state: web::Data<AppState>,
    user: Auth<DoctorOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<SkipOutcome>, AppError> {
    let (skipped, called) = service::skip(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(SkipOutcome {
        skipped: skipped.into(),
        called: called.map(QueueEntry::from),
    }))
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
            requeued_at: e.appointment.requeued_at,
            medical_record_id: e.record.map(|r| r.id),
        }
    }
}

/// How a drug is to be taken (用法用量): 0.5 g, orally, three times a day, for 5 days.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageRequest {
    /// Greater than zero, at most four decimal places.
    #[schema(value_type = crate::api::DecimalInput, example = "500")]
    pub dose: Decimal,
    #[schema(example = "mg", max_length = 16)]
    pub dose_unit: String,
    #[schema(value_type = Route)]
    pub route: String,
    #[schema(value_type = Frequency)]
    pub frequency: String,
    /// 1 to 90.
    #[schema(example = 5)]
    pub days: u32,
}

/// A prescribed item as sent: the catalogue item, how much of it, and for a drug how it is to be taken.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrescriptionLine {
    pub charge_item_id: i64,
    /// At most four decimal places, greater than zero. May be left out for a drug with a `usage` whose
    /// catalogue item has a packing: the packs the course needs are counted (whole units per dose, whole
    /// packs).
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "2")]
    pub quantity: Option<Decimal>,
    pub usage: Option<UsageRequest>,
}

/// How a drug is to be taken, as prescribed.
#[derive(Serialize, ToSchema)]
pub struct UsageView {
    #[schema(value_type = String, example = "500")]
    pub dose: Decimal,
    pub dose_unit: String,
    pub route: Route,
    pub frequency: Frequency,
    pub days: u32,
}

impl From<Usage> for UsageView {
    fn from(u: Usage) -> Self {
        Self {
            dose: Amount::from_scaled(u.dose).to_decimal().normalize(),
            dose_unit: u.dose_unit,
            route: u.route,
            frequency: u.frequency,
            days: u.days,
        }
    }
}

fn usage_of(u: &UsageRequest, at: &str, errors: &mut FieldErrors) -> Option<Usage> {
    let dose = errors.check(&format!("{at}.dose"), Amount::non_negative(u.dose));
    if dose.is_some_and(|d| d.scaled() == 0) {
        errors.add(&format!("{at}.dose"), "must be greater than zero");
    }
    let dose_unit = errors.check(&format!("{at}.dose_unit"), text::required(&u.dose_unit, 16));
    let route = errors.check(&format!("{at}.route"), u.route.parse::<Route>());
    let frequency = errors.check(&format!("{at}.frequency"), u.frequency.parse::<Frequency>());
    if !(1..=MAX_DAYS).contains(&u.days) {
        errors.add(
            &format!("{at}.days"),
            format!("must be between 1 and {MAX_DAYS}"),
        );
    }
    Some(Usage {
        dose: dose?.scaled(),
        dose_unit: dose_unit?,
        route: route?,
        frequency: frequency?,
        days: u.days,
    })
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
    pub usage: Option<UsageView>,
}

#[derive(Serialize, ToSchema)]
pub struct MedicalRecord {
    pub id: i64,
    pub appointment_id: i64,
    pub doctor_id: i64,
    pub patient_id: i64,
    /// Free text, beside or instead of the coded diagnoses.
    pub diagnosis: Option<String>,
    /// The primary first.
    pub diagnoses: Vec<CodedDiagnosis>,
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
                usage: p.usage.map(UsageView::from),
            })
            .collect();
        let diagnoses = service::diagnoses_of(&m);
        Self {
            id: m.id,
            appointment_id: m.appointment_id,
            doctor_id: m.doctor_id,
            patient_id: m.patient_id,
            diagnosis: m.diagnosis,
            diagnoses,
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
    /// Free text, beside or instead of the coded diagnoses.
    #[schema(example = "急性上呼吸道感染", max_length = 2000)]
    pub diagnosis: Option<String>,
    /// Active entries of the diagnosis dictionary, at most 10, each once; exactly one is primary when there
    /// are any.
    #[serde(default)]
    pub diagnoses: Vec<DiagnosisChoice>,
    #[schema(example = "多饮水，注意休息", max_length = 4000)]
    pub treatment: Option<String>,
    /// Catalogue items (drugs, tests, examinations) and quantities; at most 50.
    #[serde(default)]
    pub prescription: Vec<PrescriptionLine>,
}

/// A diagnosis chosen from the dictionary.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisChoice {
    pub diagnosis_id: i64,
    /// Default false.
    #[serde(default)]
    pub primary: bool,
}

impl TryFrom<RecordRequest> for RecordInput {
    type Error = AppError;
    fn try_from(r: RecordRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let diagnosis = errors.check("diagnosis", text::optional(r.diagnosis.as_deref(), 2000));
        let diagnoses: Vec<(i64, bool)> = r
            .diagnoses
            .iter()
            .map(|d| (d.diagnosis_id, d.primary))
            .collect();
        for (field, message) in diagnosis::problems(&diagnoses) {
            errors.add(&field, message);
        }
        let treatment = errors.check("treatment", text::optional(r.treatment.as_deref(), 4000));
        if r.prescription.len() > 50 {
            errors.add("prescription", "must have at most 50 items");
        }
        let mut prescription = Vec::new();
        for (i, p) in r.prescription.iter().enumerate() {
            let field = format!("prescription[{i}].quantity");
            let quantity = match p.quantity.map(Amount::non_negative) {
                None => None,
                Some(Err(e)) => {
                    errors.add(&field, e.to_string());
                    None
                }
                Some(Ok(q)) if q.scaled() == 0 => {
                    errors.add(&field, "must be greater than zero");
                    None
                }
                Some(Ok(q)) if q.to_decimal() > Decimal::from(10_000) => {
                    errors.add(&field, "must be at most 10000");
                    None
                }
                Some(Ok(q)) => Some(q),
            };
            let usage = p
                .usage
                .as_ref()
                .and_then(|u| usage_of(u, &format!("prescription[{i}].usage"), &mut errors));
            prescription.push(LineInput {
                charge_item_id: p.charge_item_id,
                quantity,
                usage,
            });
        }
        errors.finish(|| {
            Some(Self {
                diagnosis: diagnosis?,
                diagnoses,
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
