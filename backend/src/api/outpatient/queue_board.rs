//! The waiting-room screen: `/queue-board` for staff, `/display/board` for a screen opened with a display
//! link, and `/display-links` (ADMIN) to create, list and revoke those links. Names are masked.
use crate::api::{
    AppState,
    extract::{AdminOnly, AnyStaff, Auth, Json, Query, bearer},
    problem::Problem,
};
use crate::{
    domain::{foundation::text, outpatient::schedule::TimeSlot},
    entities::outpatient::display_link,
    error::{AppError, FieldErrors},
    services::outpatient::{
        display_links,
        queue_board::{self as service, BoardFilter},
    },
};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(
    staff_board,
    display_board,
    list_links,
    create_link,
    revoke_link
);

/// The board of the session open now.
#[derive(Serialize, ToSchema)]
pub struct QueueBoard {
    #[schema(example = "阳光社区卫生服务中心")]
    pub hospital_name: String,
    /// The hospital's local time.
    #[schema(value_type = String, example = "2026-12-07T09:30:00")]
    pub local_time: NaiveDateTime,
    /// The session shown (the first of the day's not over); null after the last one.
    pub time_slot: Option<TimeSlot>,
    /// One per room, by room number.
    pub rooms: Vec<BoardRoom>,
}

/// One consulting room on the waiting-room screen.
#[derive(Serialize, ToSchema)]
pub struct BoardRoom {
    #[schema(example = "2诊室")]
    pub room_no: String,
    /// The department's location, said before the room when a patient is called.
    #[schema(example = "门诊楼1层B区")]
    pub location: Option<String>,
    pub department_name: String,
    /// The doctors of the room's schedules, joined with 、.
    pub doctor_name: String,
    /// The patient called in last, or null.
    pub current: Option<BoardPatient>,
    /// The next patients to be called, in order (at most three).
    pub next: Vec<BoardPatient>,
    /// Everyone checked in and not yet called.
    pub waiting_count: u32,
}

/// A patient as a public screen may show them.
#[derive(Serialize, ToSchema)]
pub struct BoardPatient {
    pub queue_no: i32,
    #[schema(example = "王*英")]
    pub masked_name: String,
    /// When the patient was called (again); a screen announces each new value once.
    pub called_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// Only this department's rooms.
    pub department_id: Option<i64>,
    /// Only rooms of departments whose location starts with this, e.g. `门诊楼1层`.
    pub area: Option<String>,
}

fn board_out(b: service::Board) -> QueueBoard {
    let patient = |c: service::Called| BoardPatient {
        queue_no: c.queue_no,
        masked_name: c.masked_name,
        called_at: c.called_at,
    };
    QueueBoard {
        hospital_name: b.hospital_name,
        local_time: b.local_time,
        time_slot: b.time_slot,
        rooms: b
            .rooms
            .into_iter()
            .map(|r| BoardRoom {
                room_no: r.room_no,
                location: r.location,
                department_name: r.department_name,
                doctor_name: r.doctor_name,
                current: r.current.map(patient),
                next: r.next.into_iter().map(patient).collect(),
                waiting_count: r.waiting_count,
            })
            .collect(),
    }
}

/// The waiting-room screen (叫号屏) for signed-in staff: per room of the session open now, the number called
/// last and the next three. Poll it every few seconds.
#[utoipa::path(tag = "queue-board", summary = "Queue board", params(BoardQuery), responses((status = 200, body = QueueBoard)), security(("bearer" = [])))]
#[get("/queue-board")]
async fn staff_board(
    state: web::Data<AppState>,
    user: Auth<AnyStaff>,
    query: Query<BoardQuery>,
) -> Result<web::Json<QueueBoard>, AppError> {
    let filter = BoardFilter {
        department_id: query.0.department_id,
        area: query.0.area,
    };
    let board = service::board(&state.db, user.hospital_id, &filter).await?;
    Ok(web::Json(board_out(board)))
}

/// The board as a display link shows it: `Authorization: Bearer dsp_…` (the link's token), the link's own
/// department or area. The token opens this and nothing else.
#[utoipa::path(tag = "queue-board", summary = "Queue board for a display link", responses((status = 200, body = QueueBoard),
    (status = 401, description = "No token, or an unknown or revoked one (`UNAUTHORIZED`)", body = Problem, content_type = "application/problem+json")),
    security(("display" = [])))]
#[get("/display/board")]
async fn display_board(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<web::Json<QueueBoard>, AppError> {
    let token = bearer(&req)
        .ok_or_else(|| AppError::Unauthorized("a display link's token is required".into()))?;
    let link = display_links::open(&state.db, &token).await?;
    let filter = BoardFilter {
        department_id: link.department_id,
        area: link.area,
    };
    let board = service::board(&state.db, link.hospital_id, &filter).await?;
    Ok(web::Json(board_out(board)))
}

/// A display link as listed (its token is shown only when it is created).
#[derive(Serialize, ToSchema)]
pub struct DisplayLink {
    pub id: i64,
    #[schema(example = "门诊楼1层大厅")]
    pub name: String,
    /// The token's first characters.
    #[schema(example = "dsp_3f9a")]
    pub token_hint: String,
    pub department_id: Option<i64>,
    pub area: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once revoked: the link opens nothing any more.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<display_link::Model> for DisplayLink {
    fn from(m: display_link::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            token_hint: m.token_hint,
            department_id: m.department_id,
            area: m.area,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A new display link with its token, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedDisplayLink {
    pub link: DisplayLink,
    /// Send as `Authorization: Bearer <token>` to `/display/board`; the SPA opens it as `/display?token=<token>`.
    pub token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisplayLinkRequest {
    /// What the screen is, for the list: 1 to 64 characters.
    #[schema(example = "门诊楼1层大厅", max_length = 64)]
    pub name: String,
    /// Only this department's rooms.
    pub department_id: Option<i64>,
    /// Only rooms of departments whose location starts with this (up to 64 characters).
    #[schema(example = "门诊楼1层", max_length = 64)]
    pub area: Option<String>,
}

#[utoipa::path(tag = "queue-board", summary = "List display links", responses((status = 200, body = Vec<DisplayLink>)), security(("bearer" = [])))]
#[get("/display-links")]
async fn list_links(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
) -> Result<web::Json<Vec<DisplayLink>>, AppError> {
    let links = display_links::list(&state.db, &user).await?;
    Ok(web::Json(
        links.into_iter().map(DisplayLink::from).collect(),
    ))
}

/// Creates a read-only link for a waiting-room screen; the answer holds its token, shown this once.
#[utoipa::path(tag = "queue-board", summary = "Create a display link", request_body = DisplayLinkRequest,
    responses((status = 201, body = CreatedDisplayLink),
    (status = 422, description = "Invalid fields (`VALIDATION_FAILED`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/display-links")]
async fn create_link(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    body: Json<DisplayLinkRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", text::required(&b.name, 64));
    let area = errors.check("area", text::optional(b.area.as_deref(), 64));
    let new = errors.finish(|| {
        Some(display_links::NewLink {
            name: name?,
            department_id: b.department_id,
            area: area?,
        })
    })?;
    let created = display_links::create(&state.db, &user, new).await?;
    Ok(HttpResponse::Created().json(CreatedDisplayLink {
        link: created.link.into(),
        token: created.token,
    }))
}

/// Revokes a display link: the screen showing it is refused on its next poll.
#[utoipa::path(tag = "queue-board", summary = "Revoke a display link", responses((status = 200, body = DisplayLink),
    (status = 404, description = "No such link in your hospital (`NOT_FOUND`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/display-links/{id}")]
async fn revoke_link(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<DisplayLink>, AppError> {
    let revoked = display_links::revoke(&state.db, &user, id.into_inner()).await?;
    Ok(web::Json(revoked.into()))
}
