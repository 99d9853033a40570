//! `/queue-board` (any staff): the waiting-room screen, names masked.
use crate::api::{
    AppState,
    extract::{AnyStaff, Auth},
};
use crate::{
    domain::outpatient::schedule::TimeSlot, error::AppError,
    services::outpatient::queue_board as service,
};
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

crate::api::routes!(board);

/// One consulting room on the waiting-room screen.
#[derive(Serialize, ToSchema)]
pub struct BoardRoom {
    pub room_no: String,
    pub department_name: String,
    pub doctor_name: String,
    pub time_slot: TimeSlot,
    /// The patient called in last, or null.
    pub current: Option<BoardPatient>,
    /// Checked-in patients not yet called, in queue order (at most five).
    pub waiting: Vec<BoardPatient>,
}

/// A patient as a public screen may show them.
#[derive(Serialize, ToSchema)]
pub struct BoardPatient {
    pub queue_no: i32,
    #[schema(example = "王*英")]
    pub masked_name: String,
}

/// The waiting-room screen (叫号屏): per room of today, the number called last and the next ones waiting.
/// Names are masked. Poll it every few seconds.
#[utoipa::path(tag = "appointments", summary = "Queue board", responses((status = 200, body = Vec<BoardRoom>)), security(("bearer" = [])))]
#[get("/queue-board")]
async fn board(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
) -> Result<web::Json<Vec<BoardRoom>>, AppError> {
    let rooms = service::board(&state.db, &user).await?;
    let patient = |(queue_no, masked_name): (i32, String)| BoardPatient {
        queue_no,
        masked_name,
    };
    let out = rooms
        .into_iter()
        .map(|r| BoardRoom {
            room_no: r.room_no,
            department_name: r.department_name,
            doctor_name: r.doctor_name,
            time_slot: r.time_slot,
            current: r.current.map(patient),
            waiting: r.waiting.into_iter().map(patient).collect(),
        })
        .collect();
    Ok(web::Json(out))
}
