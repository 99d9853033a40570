//! The waiting-room screen (叫号屏): per room open today, who was called last and who waits next.
use crate::services::{Actor, local_now};
use crate::{
    domain::{
        foundation::masking::mask_name,
        outpatient::appointment::AppointmentStatus,
        outpatient::schedule::{ScheduleStatus, TimeSlot},
    },
    entities::{
        foundation::department, foundation::doctor, foundation::patient, outpatient::appointment,
        outpatient::schedule,
    },
    error::AppError,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// One room on the waiting-room screen: who was called last and who waits next.
#[derive(Debug, Clone)]
pub struct RoomBoard {
    pub room_no: String,
    pub department_name: String,
    pub doctor_name: String,
    pub time_slot: TimeSlot,
    /// The patient called last: (queue number, masked name).
    pub current: Option<(i32, String)>,
    /// Checked-in patients not yet called, by queue number (at most five).
    pub waiting: Vec<(i32, String)>,
}

/// Today's rooms of the hospital for the queue board (叫号屏).
#[tracing::instrument(skip_all)]
pub async fn board(db: &DatabaseConnection, actor: &Actor) -> Result<Vec<RoomBoard>, AppError> {
    let (_, now) = local_now(db, actor.hospital_id).await?;
    let slots = schedule::Entity::find()
        .filter(schedule::Column::HospitalId.eq(actor.hospital_id))
        .filter(schedule::Column::ScheduleDate.eq(now.date()))
        .filter(schedule::Column::Status.ne(ScheduleStatus::Cancelled))
        .all(db)
        .await?;
    let mut rooms = Vec::with_capacity(slots.len());
    for slot in slots {
        let seen = appointment::Entity::find()
            .filter(appointment::Column::ScheduleId.eq(slot.id))
            .filter(appointment::Column::Status.is_in([
                AppointmentStatus::Completed,
                AppointmentStatus::Billed,
                AppointmentStatus::Paid,
            ]))
            .order_by_asc(appointment::Column::QueueNo)
            .find_also_related(patient::Entity)
            .all(db)
            .await?;
        let named = |(a, p): &(appointment::Model, Option<patient::Model>)| {
            (
                a.queue_no,
                p.as_ref().map(|p| mask_name(&p.name)).unwrap_or_default(),
            )
        };
        let current = seen
            .iter()
            .filter(|(a, _)| a.called_at.is_some())
            .max_by_key(|(a, _)| a.called_at)
            .map(named);
        let waiting: Vec<_> = seen
            .iter()
            .filter(|(a, _)| a.called_at.is_none() && a.status == AppointmentStatus::Completed)
            .take(5)
            .map(named)
            .collect();
        let doctor = doctor::Entity::find_by_id(slot.doctor_id).one(db).await?;
        let dept = department::Entity::find_by_id(slot.department_id)
            .one(db)
            .await?;
        rooms.push(RoomBoard {
            room_no: slot.room_no,
            department_name: dept.map(|d| d.name).unwrap_or_default(),
            doctor_name: doctor.map(|d| d.name).unwrap_or_default(),
            time_slot: slot.time_slot,
            current,
            waiting,
        });
    }
    rooms.sort_by(|a, b| (a.time_slot, &a.room_no).cmp(&(b.time_slot, &b.room_no)));
    Ok(rooms)
}
