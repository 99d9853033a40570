//! `/auto-calculation` (ANALYST, ADMIN): whether the hospital's imports queue a calculation of the periods they
//! fed, and on which model version and workflow.
use crate::api::{
    AppState,
    extract::{Analytics, Auth, Json},
};
use crate::{
    domain::accounting::calculation::RunAfter,
    error::AppError,
    services::accounting::auto_runs::{self as service, Setting},
};
use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(read_auto_calculation, replace_auto_calculation);

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoCalculation {
    /// NEVER; CHARGES: a charge import that adds lines queues a calculation of each of its periods; ALL_INPUTS:
    /// any import queues one of each period it leaves with charge lines, workload, costs and orientation actuals.
    /// A period with a calculation already queued gets no second one.
    #[schema(value_type = RunAfter)]
    pub run_after: RunAfter,
    /// None: the version active when the import completes.
    pub model_version_id: Option<i64>,
    /// None in a request: the default workflow (answered by id).
    pub workflow_id: Option<i64>,
}

impl From<Setting> for AutoCalculation {
    fn from(s: Setting) -> Self {
        Self {
            run_after: s.run_after,
            model_version_id: s.model_version_id,
            workflow_id: s.workflow_id,
        }
    }
}

#[utoipa::path(tag = "calculation-tasks", summary = "Whether imports queue calculations",
    responses((status = 200, body = AutoCalculation)), security(("bearer" = [])))]
#[get("/auto-calculation")]
async fn read_auto_calculation(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
) -> Result<web::Json<AutoCalculation>, AppError> {
    Ok(web::Json(
        service::get(&state.db, user.hospital_id).await?.into(),
    ))
}

#[utoipa::path(tag = "calculation-tasks", summary = "Set whether imports queue calculations",
    request_body = AutoCalculation,
    responses((status = 200, body = AutoCalculation)), security(("bearer" = [])))]
#[put("/auto-calculation")]
async fn replace_auto_calculation(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    body: Json<AutoCalculation>,
) -> Result<web::Json<AutoCalculation>, AppError> {
    let b = body.0;
    let saved = service::put(
        &state.db,
        &user,
        Setting {
            run_after: b.run_after,
            model_version_id: b.model_version_id,
            workflow_id: b.workflow_id,
        },
    )
    .await?;
    Ok(web::Json(saved.into()))
}
