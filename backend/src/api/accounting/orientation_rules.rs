//! Orientation rules of a model version: `/model-versions/{id}/orientation-rules` and
//! `/orientation-rules/{id}` (ADMIN, ANALYST).
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    accounting::model_versions::{IN_USE, NOT_FOUND},
    extract::{Analytics, Auth, Json, Query},
    problem::Problem,
};
use crate::{
    domain::{
        accounting::benchmark::{self, BenchmarkMethod},
        accounting::valuation::{Band, MAX_INTENSITY, overlapping},
        foundation::money::Amount,
        foundation::text,
    },
    entities::accounting::orientation_ladder,
    error::{AppError, FieldErrors},
    services::{
        Removal,
        accounting::orientation_rules::{self as service, RuleFilter, RuleInput, RuleView},
    },
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, create, replace, remove);

/// The most bands a ladder may have.
const MAX_BANDS: usize = 50;

/// A band `[lower_bound, upper_bound)` of actual ÷ benchmark and the intensity the weight is multiplied by.
#[derive(Serialize, ToSchema)]
pub struct LadderBand {
    /// Included; four decimal places.
    #[schema(value_type = String, example = "0.80")]
    pub lower_bound: Decimal,
    /// Excluded; none for an open top band.
    #[schema(value_type = Option<String>, example = "1.20")]
    pub upper_bound: Option<Decimal>,
    /// From 0 to 10, four decimal places.
    #[schema(value_type = String, example = "1.00")]
    pub intensity: Decimal,
}

/// A band as sent: `[lower_bound, upper_bound)` of actual ÷ benchmark and the intensity the weight is
/// multiplied by.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LadderBandInput {
    /// Included; at most four decimal places.
    #[schema(value_type = crate::api::DecimalInput, example = "0.80")]
    pub lower_bound: Decimal,
    /// Excluded; none for an open top band.
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "1.20")]
    pub upper_bound: Option<Decimal>,
    /// From 0 to 10, at most four decimal places.
    #[schema(value_type = crate::api::DecimalInput, example = "1.00")]
    pub intensity: Decimal,
}

impl From<orientation_ladder::Model> for LadderBand {
    fn from(l: orientation_ladder::Model) -> Self {
        Self {
            lower_bound: l.lower_bound.to_decimal(),
            upper_bound: l.upper_bound.map(Amount::to_decimal),
            intensity: l.intensity.to_decimal(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrientationRule {
    pub id: i64,
    pub model_version_id: i64,
    #[schema(example = "dim-doc-out-eval-1")]
    pub node_code: String,
    #[schema(example = "门诊人次导向")]
    pub name: String,
    /// None: every department.
    pub department_code: Option<String>,
    /// The fixed benchmark; with a computed method, the one used when it has nothing to compute from.
    #[schema(value_type = String, example = "1200.0000")]
    pub benchmark: Decimal,
    #[schema(value_type = BenchmarkMethod)]
    pub benchmark_method: BenchmarkMethod,
    /// How many previous periods a HISTORY_* method looks back.
    pub lookback_periods: Option<i32>,
    pub is_active: bool,
    /// By lower bound.
    pub ladder: Vec<LadderBand>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RuleView> for OrientationRule {
    fn from(v: RuleView) -> Self {
        let r = v.rule;
        Self {
            id: r.id,
            model_version_id: r.model_version_id,
            node_code: r.node_code,
            name: r.name,
            department_code: r.department_code,
            benchmark: r.benchmark.to_decimal(),
            benchmark_method: r.benchmark_method,
            lookback_periods: r.lookback_periods,
            is_active: r.is_active,
            ladder: v.ladder.into_iter().map(LadderBand::from).collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrientationRuleRequest {
    /// A node of the version.
    #[schema(example = "dim-doc-out-eval-1", max_length = 100)]
    pub node_code: String,
    #[schema(example = "门诊人次导向", max_length = 128)]
    pub name: String,
    /// A department of the hospital; none for every department.
    #[schema(example = "INT", max_length = 32)]
    pub department_code: Option<String>,
    /// The value the imported actual is divided by: more than 0, four decimal places. With a computed method, the
    /// one used when there is nothing to compute from (a department without actuals in the look-back window).
    #[schema(value_type = crate::api::DecimalInput, example = "1200")]
    pub benchmark: Decimal,
    /// Default FIXED. HISTORY_AVERAGE / _MEDIAN / _MAX / _MIN: of the department's own actuals of the node over the
    /// previous `lookback_periods` periods; HOSPITAL_AVERAGE: the mean of every department's actual of the node in
    /// the same period. A computed benchmark that is not positive falls back to `benchmark`.
    #[schema(value_type = Option<BenchmarkMethod>)]
    pub benchmark_method: Option<BenchmarkMethod>,
    /// 1 to 36, for the HISTORY_* methods only.
    #[schema(example = 6, minimum = 1, maximum = 36)]
    pub lookback_periods: Option<i32>,
    /// Default true. At most one active rule per node and department.
    pub is_active: Option<bool>,
    /// One band at least; bands must not overlap.
    pub ladder: Vec<LadderBandInput>,
}

impl TryFrom<OrientationRuleRequest> for RuleInput {
    type Error = AppError;
    fn try_from(r: OrientationRuleRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let node_code = errors.check("node_code", text::code(&r.node_code, 100));
        let name = errors.check("name", text::required(&r.name, 128));
        let department_code = match r.department_code.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(code) => errors
                .check("department_code", text::code(code, 32))
                .map(Some),
        };
        let benchmark = errors.check("benchmark", Amount::from_decimal(r.benchmark));
        if benchmark.is_some_and(|b| b <= Amount::ZERO) {
            errors.add("benchmark", "must be greater than 0");
        }
        let benchmark_method = r.benchmark_method.unwrap_or(BenchmarkMethod::Fixed);
        let lookback_periods = errors.check(
            "lookback_periods",
            benchmark::lookback(benchmark_method, r.lookback_periods),
        );
        if r.ladder.is_empty() {
            errors.add("ladder", "needs at least one band");
        } else if r.ladder.len() > MAX_BANDS {
            errors.add("ladder", format!("may have at most {MAX_BANDS} bands"));
        }
        let mut bands = Vec::with_capacity(r.ladder.len());
        for (i, b) in r.ladder.iter().enumerate() {
            let at = |f: &str| format!("ladder[{i}].{f}");
            let lower = errors.check(&at("lower_bound"), Amount::from_decimal(b.lower_bound));
            let upper = match b.upper_bound {
                Some(u) => errors
                    .check(&at("upper_bound"), Amount::from_decimal(u))
                    .map(Some),
                None => Some(None),
            };
            let intensity = errors
                .check(&at("intensity"), Amount::non_negative(b.intensity))
                .filter(|i| {
                    let fits = i.scaled() <= MAX_INTENSITY;
                    if !fits {
                        errors.add(
                            &at("intensity"),
                            format!(
                                "must be at most {}",
                                Amount::from_scaled(MAX_INTENSITY).to_decimal()
                            ),
                        );
                    }
                    fits
                });
            if let (Some(l), Some(Some(u))) = (lower, upper)
                && u <= l
            {
                errors.add(&at("upper_bound"), "must be greater than lower_bound");
                continue;
            }
            if let (Some(lower), Some(upper), Some(intensity)) = (lower, upper, intensity) {
                bands.push(Band {
                    lower: lower.scaled(),
                    upper: upper.map(Amount::scaled),
                    intensity: intensity.scaled(),
                });
            }
        }
        if errors.is_empty() && overlapping(&bands) {
            errors.add(
                "ladder",
                "bands overlap: a ratio would fall in more than one (a band includes its lower bound and excludes its upper bound)",
            );
        }
        bands.sort_by_key(|b| b.lower);
        errors.finish(|| {
            Some(Self {
                node_code: node_code?,
                name: name?,
                department_code: department_code?,
                benchmark: benchmark?,
                benchmark_method,
                lookback_periods: lookback_periods?,
                is_active: r.is_active.unwrap_or(true),
                ladder: bands,
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrientationRuleQuery {
    /// Only the rules of this node.
    pub node_code: Option<String>,
    /// Matches the name or the node code.
    pub q: Option<String>,
}

const RULE_NOT_FOUND: &str = "No such rule in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "orientation-rules", summary = "List the orientation rules of a model version",
    params(PageParams, OrientationRuleQuery),
    responses((status = 200, body = PageOf<OrientationRule>),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/model-versions/{id}/orientation-rules")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    page: Query<PageParams>,
    query: Query<OrientationRuleQuery>,
) -> Result<web::Json<PageOf<OrientationRule>>, AppError> {
    let Query(q) = query;
    let filter = RuleFilter {
        node_code: q.node_code,
        q: q.q,
    };
    let found = service::list(
        &state.db,
        &user,
        id.into_inner(),
        filter,
        page.0.try_into()?,
    )
    .await?;
    Ok(web::Json(PageOf::from_page(found, OrientationRule::from)))
}

#[utoipa::path(tag = "orientation-rules", summary = "Add an orientation rule", request_body = OrientationRuleRequest,
    responses((status = 201, body = OrientationRule),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "An active rule for the node and department exists (`DUPLICATE`), or the version is in use \
(`MODEL_VERSION_IN_USE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/orientation-rules")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<OrientationRuleRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, id.into_inner(), body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(OrientationRule::from(created)))
}

/// Replaces the rule, its ladder whole.
#[utoipa::path(tag = "orientation-rules", summary = "Replace an orientation rule", request_body = OrientationRuleRequest,
    responses((status = 200, body = OrientationRule),
    (status = 404, description = RULE_NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "An active rule for the node and department exists (`DUPLICATE`), or the version is in use \
(`MODEL_VERSION_IN_USE`)", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/orientation-rules/{id}")]
async fn replace(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<OrientationRuleRequest>,
) -> Result<web::Json<OrientationRule>, AppError> {
    Ok(web::Json(
        service::replace(&state.db, &user, id.into_inner(), body.0.try_into()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(tag = "orientation-rules", summary = "Delete an orientation rule", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = RULE_NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = IN_USE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/orientation-rules/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    let id = id.into_inner();
    service::remove(&state.db, &user, id).await?;
    Ok(web::Json(RemovalResult {
        id,
        outcome: Removal::Deleted,
    }))
}
