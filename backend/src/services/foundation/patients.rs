//! Patients (患者): the document number unique per hospital and document type, the phone not (a family may
//! share one); reading the full identity is audited.
use crate::services::{
    Actor, Page, PageRequest, Removal, commit_saved, fetch_page, find_owned, foundation::audit,
    like_pattern, local_now, remove_owned, sort_by,
};
use crate::{
    db::begin_write,
    domain::{
        foundation::document::Document,
        foundation::phone::MobilePhone,
        foundation::vocab::{Gender, GuardianRelation, InsuranceType},
    },
    entities::foundation::patient,
    error::{AppError, Conflict, ConflictResource},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};

#[derive(Debug, Clone)]
pub struct PatientInput {
    pub name: String,
    pub document: Document,
    pub phone: MobilePhone,
    /// Someone to reach for the patient, beside the phone.
    pub guardian: Option<Guardian>,
    pub dob: NaiveDate,
    pub gender: Gender,
    pub insurance_type: InsuranceType,
    pub address: Option<String>,
    pub is_active: bool,
}

/// Someone to reach for the patient.
#[derive(Debug, Clone)]
pub struct Guardian {
    pub name: String,
    pub relation: GuardianRelation,
    pub phone: MobilePhone,
}

#[derive(Debug, Default, Clone)]
pub struct PatientFilter {
    /// A name fragment, or a whole document number (of any type) or phone.
    pub q: Option<String>,
    pub insurance_type: Option<InsuranceType>,
    pub gender: Option<Gender>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

const UNIQUE: &[(&str, &str)] = &[("document_no", "is already registered to another patient")];

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: PatientFilter,
    page: PageRequest,
) -> Result<Page<patient::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("name", patient::Column::Name),
            ("dob", patient::Column::Dob),
            ("created_at", patient::Column::CreatedAt),
        ],
    )?;
    let mut select =
        patient::Entity::find().filter(patient::Column::HospitalId.eq(actor.hospital_id));
    if let Some(t) = f.insurance_type {
        select = select.filter(patient::Column::InsuranceType.eq(t.as_str()));
    }
    if let Some(g) = f.gender {
        select = select.filter(patient::Column::Gender.eq(g.as_str()));
    }
    if let Some(active) = f.is_active {
        select = select.filter(patient::Column::IsActive.eq(active));
    }
    if let Some(q) = crate::services::search_term(f.q.as_deref())? {
        select = select.filter(
            Condition::any()
                .add(patient::Column::Name.like(like_pattern(q)))
                .add(patient::Column::DocumentNo.eq(q.to_ascii_uppercase()))
                .add(patient::Column::Phone.eq(q)),
        );
    }
    fetch_page(db, select, order, patient::Column::Id, page).await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<patient::Model, AppError> {
    find_owned::<patient::Entity>(conn, actor, id).await
}

/// The full record, identity number and phone unmasked: the read is written to the audit log first.
#[tracing::instrument(skip_all)]
pub async fn read_identity(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<patient::Model, AppError> {
    let found = get(db, actor, id).await?;
    audit::record(db, actor.audit("PATIENT_IDENTITY_READ", "patient", id)).await?;
    Ok(found)
}

/// The birth date agrees with the document's and is not after the hospital's today: a baby born before 08:00 in
/// Beijing has a birth date that UTC still calls tomorrow.
async fn dob_checks(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &PatientInput,
) -> Result<(), AppError> {
    if let Some(born) = input.document.birth_date()
        && born != input.dob
    {
        return Err(AppError::invalid(
            "dob",
            "does not match the birth date in the document number",
        ));
    }
    let (_, now) = local_now(conn, actor.hospital_id).await?;
    if input.dob > now.date() {
        return Err(AppError::invalid("dob", "must not be in the future"));
    }
    Ok(())
}

/// A duplicate document, with the patient registered under it.
async fn with_holder(
    db: &DatabaseConnection,
    actor: &Actor,
    err: AppError,
    document: &Document,
) -> AppError {
    if !err.is_duplicate_of("document_no") {
        return err;
    }
    let holder = patient::Entity::find()
        .filter(patient::Column::HospitalId.eq(actor.hospital_id))
        .filter(patient::Column::DocumentType.eq(document.kind()))
        .filter(patient::Column::DocumentNo.eq(document.number()))
        .one(db)
        .await;
    match holder {
        Ok(Some(p)) => err.collided(Conflict {
            document_masked: p.document_masked(),
            patient_name: Some(p.name),
            document_type: Some(p.document_type),
            ..Conflict::new(ConflictResource::Patient, p.id)
        }),
        _ => err,
    }
}

/// What a create and an update write alike.
fn fill(row: &mut patient::ActiveModel, input: PatientInput) {
    row.name = Set(input.name);
    row.document_type = Set(input.document.kind());
    row.document_no = Set(input.document.number().map(str::to_owned));
    row.phone = Set(input.phone.to_string());
    row.dob = Set(input.dob);
    row.gender = Set(input.gender);
    row.insurance_type = Set(input.insurance_type);
    row.address = Set(input.address);
    row.guardian_name = Set(input.guardian.as_ref().map(|g| g.name.clone()));
    row.guardian_relation = Set(input.guardian.as_ref().map(|g| g.relation));
    row.guardian_phone = Set(input.guardian.as_ref().map(|g| g.phone.to_string()));
    row.is_active = Set(input.is_active);
    row.updated_at = Set(Utc::now());
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: PatientInput,
) -> Result<patient::Model, AppError> {
    let txn = begin_write(db).await?;
    dob_checks(&txn, actor, &input).await?;
    let row = patient::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    save(db, txn, actor, row, input).await
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: PatientInput,
) -> Result<patient::Model, AppError> {
    let txn = begin_write(db).await?;
    dob_checks(&txn, actor, &input).await?;
    let row: patient::ActiveModel = get(&txn, actor, id).await?.into();
    save(db, txn, actor, row, input).await
}

/// Fills and commits the row; a taken document names the patient who holds it.
async fn save(
    db: &DatabaseConnection,
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    mut row: patient::ActiveModel,
    input: PatientInput,
) -> Result<patient::Model, AppError> {
    let document = input.document.clone();
    fill(&mut row, input);
    match commit_saved::<patient::Entity>(txn, actor, row, UNIQUE, |_| None).await {
        Ok(saved) => Ok(saved),
        Err(e) => Err(with_holder(db, actor, e, &document).await),
    }
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Removal, AppError> {
    remove_owned::<patient::Entity>(db, actor, id).await
}
