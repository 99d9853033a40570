//! Patients (患者): the identity number unique per hospital, the phone not (a family may share one); reading the
//! full identity is audited.
use crate::services::{
    Actor, Page, PageRequest, Removal, fetch_page, find_owned, foundation::audit, like_pattern,
    remove_owned, sort_by,
};
use crate::{
    db::begin_write,
    domain::foundation::masking::mask_id_card,
    domain::{
        foundation::id_card::IdCard,
        foundation::phone::MobilePhone,
        foundation::vocab::{Gender, GuardianRelation, InsuranceType},
    },
    entities::foundation::patient,
    error::{AppError, Conflict, ConflictResource},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set,
};

#[derive(Debug, Clone)]
pub struct PatientInput {
    pub name: String,
    pub id_card: IdCard,
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
    /// A name fragment, or a whole identity number or phone.
    pub q: Option<String>,
    pub insurance_type: Option<InsuranceType>,
    pub gender: Option<Gender>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

const UNIQUE: &[(&str, &str)] = &[("id_card", "is already registered to another patient")];

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
                .add(patient::Column::IdCard.eq(q.to_ascii_uppercase()))
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

fn dob_matches(input: &PatientInput) -> Result<(), AppError> {
    match input.id_card.birth_date() {
        Some(born) if born != input.dob => Err(AppError::invalid(
            "dob",
            "does not match the birth date in the identity number",
        )),
        _ => Ok(()),
    }
}

/// A duplicate identity number, with the patient registered under it.
async fn with_holder(
    db: &DatabaseConnection,
    actor: &Actor,
    err: AppError,
    id_card: &str,
) -> AppError {
    if !err.is_duplicate_of("id_card") {
        return err;
    }
    let holder = patient::Entity::find()
        .filter(patient::Column::HospitalId.eq(actor.hospital_id))
        .filter(patient::Column::IdCard.eq(id_card))
        .one(db)
        .await;
    match holder {
        Ok(Some(p)) => err.collided(Conflict {
            patient_name: Some(p.name),
            id_card_masked: Some(mask_id_card(&p.id_card)),
            ..Conflict::new(ConflictResource::Patient, p.id)
        }),
        _ => err,
    }
}

/// What a create and an update write alike.
fn fill(row: &mut patient::ActiveModel, input: PatientInput) {
    row.name = Set(input.name);
    row.id_card = Set(input.id_card.to_string());
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
    dob_matches(&input)?;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let mut row = patient::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        created_at: Set(now),
        ..Default::default()
    };
    let id_card = input.id_card.to_string();
    fill(&mut row, input);
    let created = match row.insert(&txn).await.map_err(AppError::unique(UNIQUE)) {
        Ok(created) => created,
        Err(e) => {
            drop(txn);
            return Err(with_holder(db, actor, e, &id_card).await);
        }
    };
    audit::commit(txn, actor.audit("PATIENT_CREATE", "patient", created.id)).await?;
    Ok(created)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: PatientInput,
) -> Result<patient::Model, AppError> {
    dob_matches(&input)?;
    let txn = begin_write(db).await?;
    let mut row: patient::ActiveModel = get(&txn, actor, id).await?.into();
    let id_card = input.id_card.to_string();
    fill(&mut row, input);
    let updated = match row.update(&txn).await.map_err(AppError::unique(UNIQUE)) {
        Ok(updated) => updated,
        Err(e) => {
            drop(txn);
            return Err(with_holder(db, actor, e, &id_card).await);
        }
    };
    audit::commit(txn, actor.audit("PATIENT_UPDATE", "patient", id)).await?;
    Ok(updated)
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Removal, AppError> {
    remove_owned::<patient::Entity>(db, actor, id).await
}
