//! The `waitlist_entry` table: a patient waiting for a place on a full schedule (候补), in the order of `id`.
use crate::domain::outpatient::waitlist::WaitlistStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "waitlist_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub schedule_id: i64,
    pub patient_id: i64,
    pub status: WaitlistStatus,
    /// The appointment the entry became when a place freed up.
    pub appointment_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "crate::entities::foundation::patient::Entity",
        from = "Column::PatientId",
        to = "crate::entities::foundation::patient::Column::Id"
    )]
    Patient,
}

impl Related<crate::entities::foundation::patient::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
