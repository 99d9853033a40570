//! The `appointment` table.
use crate::domain::outpatient::appointment::AppointmentStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub patient_id: i64,
    pub schedule_id: i64,
    pub queue_no: i32,
    pub status: AppointmentStatus,
    pub check_in_time: Option<DateTimeUtc>,
    /// When the doctor called the patient in (叫号).
    pub called_at: Option<DateTimeUtc>,
    pub assigned_room: Option<String>,
    pub is_walk_in: bool,
    /// Booked by the waitlist when a place freed up.
    pub from_waitlist: bool,
    /// When a doctor skipped the patient, who then waits behind those not yet skipped.
    pub requeued_at: Option<DateTimeUtc>,
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
    #[sea_orm(
        belongs_to = "crate::entities::outpatient::schedule::Entity",
        from = "Column::ScheduleId",
        to = "crate::entities::outpatient::schedule::Column::Id"
    )]
    Schedule,
}

impl Related<crate::entities::foundation::patient::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Patient.def()
    }
}

impl Related<crate::entities::outpatient::schedule::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Schedule.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
