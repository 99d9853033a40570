//! The `medical_record` table.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "medical_record")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub appointment_id: i64,
    pub doctor_id: i64,
    pub patient_id: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub diagnosis: Option<String>,
    /// JSON: the coded diagnoses, the primary first (see `services::outpatient::medical_records`).
    #[sea_orm(column_type = "Text", nullable)]
    pub diagnoses: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub treatment: Option<String>,
    /// JSON: the ordered catalogue items and quantities (see `services::outpatient::medical_records`).
    #[sea_orm(column_type = "Text", nullable)]
    pub prescription: Option<String>,
    pub visit_time: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
