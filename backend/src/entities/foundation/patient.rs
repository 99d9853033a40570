//! The `patient` table.
use crate::domain::foundation::vocab::{DocumentType, Gender, GuardianRelation, InsuranceType};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patient")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub name: String,
    pub document_type: DocumentType,
    /// None only for `NONE_YET`.
    pub document_no: Option<String>,
    pub phone: String,
    pub dob: Date,
    pub gender: Gender,
    pub insurance_type: InsuranceType,
    pub address: Option<String>,
    /// Someone to reach for the patient (a child's parent, say): all three or none.
    pub guardian_name: Option<String>,
    pub guardian_relation: Option<GuardianRelation>,
    pub guardian_phone: Option<String>,
    pub is_active: bool,
    /// No-shows before this instant no longer count against booking (an administrator's pardon).
    pub no_show_pardoned_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// The document number as lists show it; None for a patient with no document yet.
    pub fn document_masked(&self) -> Option<String> {
        let number = self.document_no.as_deref()?;
        Some(crate::domain::foundation::masking::mask_document(
            self.document_type,
            number,
        ))
    }
}

impl ActiveModelBehavior for ActiveModel {}
