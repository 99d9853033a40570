//! Patients (患者): the document number unique per hospital and document type, the phone not (a family may
//! share one); reading the full identity is audited.
use crate::services::{
    Actor, Page, PageRequest, fetch_page, find_owned,
    foundation::audit,
    foundation::insurance_types,
    foundation::reference::{Reference, UniqueKey},
    like_pattern, sort_by,
};
use crate::{
    domain::{
        foundation::document::Document,
        foundation::phone::MobilePhone,
        foundation::vocab::{Gender, GuardianRelation, InsuranceType},
    },
    entities::foundation::patient,
    error::{AppError, Conflict, ConflictResource},
};
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
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

/// The full record, identity number and phone unmasked: the read is written to the audit log first.
#[tracing::instrument(skip_all)]
pub async fn read_identity(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<patient::Model, AppError> {
    let found = find_owned::<patient::Entity>(db, actor, id).await?;
    audit::record(db, actor.audit("PATIENT_IDENTITY_READ", "patient", id)).await?;
    Ok(found)
}

impl Reference for patient::Entity {
    type Input = PatientInput;

    fn unique_keys() -> &'static [UniqueKey<patient::Column>] {
        const KEYS: &[UniqueKey<patient::Column>] = &[UniqueKey::new(
            "document_no",
            "is already registered to another patient",
            &[patient::Column::DocumentType, patient::Column::DocumentNo],
        )];
        KEYS
    }

    /// The birth date agrees with the document's and is not after the hospital's today: a baby born before
    /// 08:00 in Beijing has a birth date that UTC still calls tomorrow.
    async fn check(
        txn: &DatabaseTransaction,
        actor: &Actor,
        before: Option<&patient::Model>,
        input: &PatientInput,
    ) -> Result<(), AppError> {
        insurance_types::require_usable(
            txn,
            actor.hospital_id,
            &input.insurance_type,
            before.map(|p| &p.insurance_type),
        )
        .await?;
        if let Some(born) = input.document.birth_date()
            && born != input.dob
        {
            return Err(AppError::invalid(
                "dob",
                "does not match the birth date in the document number",
            ));
        }
        let now = actor.local_now();
        if input.dob > now.date() {
            return Err(AppError::invalid("dob", "must not be in the future"));
        }
        Ok(())
    }

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
    }

    /// The patient registered under the document: name, and the document masked as lists show it.
    fn conflict(holder: &patient::Model) -> Conflict {
        Conflict {
            document_masked: holder.document_masked(),
            patient_name: Some(holder.name.clone()),
            document_type: Some(holder.document_type),
            ..Conflict::new(ConflictResource::Patient, holder.id)
        }
    }
}
