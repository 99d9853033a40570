//! The `schedule` table.
use crate::domain::outpatient::schedule::{ScheduleStatus, TimeSlot};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub doctor_id: i64,
    pub department_id: i64,
    /// The hospital's local calendar date.
    pub schedule_date: Date,
    pub time_slot: TimeSlot,
    pub room_no: String,
    pub capacity: i32,
    pub booked_count: i32,
    /// The last queue number handed out; it never goes back, so a cancellation frees a place, not a number.
    pub last_queue_no: i32,
    pub status: ScheduleStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
