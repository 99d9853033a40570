//! The waiting-room screen (叫号屏): one card per room of the session open now (the first of the day's time
//! slots that has not ended), with the number called last and the next three waiting, names masked; for the
//! whole hospital, one department, or the rooms of one area (a floor, a wing: the start of the departments'
//! location).
use crate::services::local_now;
use crate::{
    domain::{
        foundation::masking::mask_name,
        outpatient::appointment::AppointmentStatus,
        outpatient::schedule::{ScheduleStatus, TimeSlot, has_ended},
    },
    entities::{
        foundation::department, foundation::doctor, foundation::hospital, foundation::patient,
        outpatient::appointment, outpatient::schedule,
    },
    error::AppError,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// How many waiting patients a card shows.
pub const NEXT_SHOWN: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    pub department_id: Option<i64>,
    /// Rooms of departments whose location starts with this.
    pub area: Option<String>,
}

/// A patient as a public screen shows them.
#[derive(Debug, Clone)]
pub struct Called {
    pub queue_no: i32,
    pub masked_name: String,
    /// When they were called (again): a screen announces each new one.
    pub called_at: Option<DateTime<Utc>>,
}

/// One room on the waiting-room screen.
#[derive(Debug, Clone)]
pub struct RoomBoard {
    pub room_no: String,
    pub location: Option<String>,
    pub department_name: String,
    pub doctor_name: String,
    pub current: Option<Called>,
    /// The next ones to be called, in order (at most [`NEXT_SHOWN`]).
    pub next: Vec<Called>,
    /// Everyone checked in and not yet called.
    pub waiting_count: u32,
}

#[derive(Debug, Clone)]
pub struct Board {
    pub hospital_name: String,
    pub local_time: NaiveDateTime,
    /// The session shown; none once the day's last has ended.
    pub time_slot: Option<TimeSlot>,
    pub rooms: Vec<RoomBoard>,
}

/// Where a patient stands among those waiting: those never skipped by queue number, then the skipped ones in
/// the order they were skipped.
pub fn waiting_order(a: &appointment::Model) -> (bool, Option<DateTime<Utc>>, i32) {
    (a.requeued_at.is_some(), a.requeued_at, a.queue_no)
}

/// The board of the hospital's session open now.
#[tracing::instrument(skip_all)]
pub async fn board(
    db: &DatabaseConnection,
    hospital_id: i64,
    filter: &BoardFilter,
) -> Result<Board, AppError> {
    let (_, now) = local_now(db, hospital_id).await?;
    let hospital_name = hospital::Entity::find_by_id(hospital_id)
        .one(db)
        .await?
        .map(|h| h.name)
        .unwrap_or_default();
    let session = TimeSlot::ALL
        .iter()
        .copied()
        .find(|s| !has_ended(now.date(), *s, now));
    let Some(session) = session else {
        return Ok(Board {
            hospital_name,
            local_time: now,
            time_slot: None,
            rooms: Vec::new(),
        });
    };
    let mut departments =
        department::Entity::find().filter(department::Column::HospitalId.eq(hospital_id));
    if let Some(d) = filter.department_id {
        departments = departments.filter(department::Column::Id.eq(d));
    }
    let area = filter.area.as_deref().unwrap_or_default();
    let departments: HashMap<i64, department::Model> = departments
        .all(db)
        .await?
        .into_iter()
        .filter(|d| d.location.as_deref().unwrap_or_default().starts_with(area))
        .map(|d| (d.id, d))
        .collect();
    let slots = schedule::Entity::find()
        .filter(schedule::Column::HospitalId.eq(hospital_id))
        .filter(schedule::Column::ScheduleDate.eq(now.date()))
        .filter(schedule::Column::TimeSlot.eq(session))
        .filter(schedule::Column::Status.ne(ScheduleStatus::Cancelled))
        .filter(schedule::Column::DepartmentId.is_in(departments.keys().copied()))
        .all(db)
        .await?;
    let doctors: HashMap<i64, String> = doctor::Entity::find()
        .filter(doctor::Column::Id.is_in(slots.iter().map(|s| s.doctor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let mut seen: HashMap<i64, Vec<(appointment::Model, String)>> = HashMap::new();
    for (a, p) in appointment::Entity::find()
        .filter(appointment::Column::ScheduleId.is_in(slots.iter().map(|s| s.id)))
        .filter(appointment::Column::Status.is_in([
            AppointmentStatus::Completed,
            AppointmentStatus::Billed,
            AppointmentStatus::Paid,
        ]))
        .find_also_related(patient::Entity)
        .all(db)
        .await?
    {
        let name = p.map(|p| mask_name(&p.name)).unwrap_or_default();
        seen.entry(a.schedule_id).or_default().push((a, name));
    }
    let called = |(a, name): &(appointment::Model, String)| Called {
        queue_no: a.queue_no,
        masked_name: name.clone(),
        called_at: a.called_at,
    };
    // One card per room: a room shared by two schedules of the session shows both doctors' patients.
    let mut rooms: BTreeMap<String, RoomBoard> = BTreeMap::new();
    let mut queues: BTreeMap<String, Vec<(appointment::Model, String)>> = BTreeMap::new();
    for slot in &slots {
        let dept = departments.get(&slot.department_id);
        let doctor = doctors.get(&slot.doctor_id).cloned().unwrap_or_default();
        let card = rooms
            .entry(slot.room_no.clone())
            .or_insert_with(|| RoomBoard {
                room_no: slot.room_no.clone(),
                location: dept.and_then(|d| d.location.clone()),
                department_name: dept.map(|d| d.name.clone()).unwrap_or_default(),
                doctor_name: String::new(),
                current: None,
                next: Vec::new(),
                waiting_count: 0,
            });
        if !card.doctor_name.is_empty() {
            card.doctor_name.push('、');
        }
        card.doctor_name.push_str(&doctor);
        queues
            .entry(slot.room_no.clone())
            .or_default()
            .extend(seen.remove(&slot.id).unwrap_or_default());
    }
    for (room, mut patients) in queues {
        let Some(card) = rooms.get_mut(&room) else {
            continue;
        };
        card.current = patients
            .iter()
            .filter(|(a, _)| a.called_at.is_some())
            .max_by_key(|(a, _)| a.called_at)
            .map(called);
        patients.retain(|(a, _)| a.called_at.is_none() && a.status == AppointmentStatus::Completed);
        patients.sort_by_key(|(a, _)| waiting_order(a));
        card.waiting_count = u32::try_from(patients.len()).unwrap_or(u32::MAX);
        card.next = patients.iter().take(NEXT_SHOWN).map(called).collect();
    }
    Ok(Board {
        hospital_name,
        local_time: now,
        time_slot: Some(session),
        rooms: rooms.into_values().collect(),
    })
}
