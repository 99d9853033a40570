//! HTTP: routes, DTOs, extractors and the OpenAPI document. Handlers parse, authorize and call one service.
//!
//! Resources are grouped by context as the services are: `foundation`, `outpatient`, `accounting`; each file is
//! one resource and calls the service of the same name.
/// A handler module's `pub fn routes`, registering its handlers with the router and so with the spec.
macro_rules! routes {
    ($($handler:ident),+ $(,)?) => {
        pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg$(.service($handler))+;
        }
    };
}
pub(crate) use routes;

pub mod accounting;
pub mod edge;
pub mod extract;
pub mod foundation;
pub mod outpatient;
pub mod problem;
pub mod reference;
pub mod request_log;
pub mod resilience;
pub mod spa;
pub mod system;
pub mod upload;

use crate::{auth::jwt::JwtKeys, config::Settings, error::AppError, services};
use actix_web::{dev::ServiceRequest, web};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{
    IntoParams, Modify, OpenApi, ToSchema,
    openapi::{
        self, Content, Ref, RefOr, Response,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_actix_web::{AppExt, UtoipaApp, scope};

pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: JwtKeys,
    pub settings: Arc<Settings>,
    /// Bounds the password hashes computed at once.
    pub hashes: crate::auth::password::HashGate,
    /// Whether the database is known to be unreachable.
    pub health: crate::db::Health,
    /// Sessions checked lately; whatever changes a session, a user or a hospital's settings empties it.
    pub sessions: Arc<crate::services::foundation::auth::SessionCache>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Community hospital API",
        description = "Outpatient front office (booking, check-in, visit, billing, statistics) and department value \
accounting. Sign in with `POST /api/v1/auth/login`, then send `Authorization: Bearer <access_token>`. \
Every error is `application/problem+json` (RFC 9457) with a stable `code`. Money and quantities are decimal \
strings with up to four places.",
        version = "1.0.0"
    ),
    modifiers(&SecurityAndErrors),
    tags(
        (name = "auth", description = "Sign-in, token refresh, sign-out"),
        (name = "departments", description = "Departments (科室)"),
        (name = "doctors", description = "Doctors (医生)"),
        (name = "patients", description = "Patients (患者) and their identity documents; document numbers and phones are masked in lists"),
        (name = "charge-items", description = "The charge-item catalogue (收费项目)"),
        (name = "diagnoses", description = "The diagnosis dictionary (诊断字典): codes and names, one by one or as CSV"),
        (name = "insurance-types", description = "Insurance types (医保类型): the national ones and the hospital's own"),
        (name = "insurance-policies", description = "What the insurance fund of each type pays (医保政策), from a date on"),
        (name = "users", description = "Staff accounts (ADMIN)"),
        (name = "schedules", description = "Doctors' schedules (排班) and their places"),
        (name = "appointments", description = "Booking, walk-ins, check-in, cancellation, no-shows"),
        (name = "waitlist", description = "The waitlist of a full schedule (候补): booked in order as places free up"),
        (name = "booking-rules", description = "The hospital's booking rules: release days and time (放号), cutoff, bookings per patient, no-shows"),
        (name = "queue-board", description = "The waiting-room screen (叫号屏) and the display links that open it without a staff login"),
        (name = "medical-records", description = "The doctor's queue and the visit records (就诊记录)"),
        (name = "billings", description = "Bills, idempotent payment, refunds (结算)"),
        (name = "settlements", description = "The cashier's day (收费日结) by cashier and payment method, and its close"),
        (name = "statistics", description = "Outpatient statistics"),
        (name = "audit-logs", description = "The tamper-evident audit trail (ADMIN)"),
        (name = "model-versions", description = "Versions of the accounting model (核算模型): copy, activate; frozen once tasks ran on them"),
        (name = "dimension-nodes", description = "The dimension tree of a model version (核算维度)"),
        (name = "item-mappings", description = "Which charge items feed which dimension leaf (项目对照), one by one or as CSV"),
        (name = "orientation-rules", description = "Orientation rules and their ladders (导向规则)"),
        (name = "imports", description = "CSV imports of charge lines and monthly inputs, all or nothing (ANALYST, ADMIN)"),
        (name = "monthly-inputs", description = "Imported workload, cost and orientation values (ANALYST, ADMIN)"),
        (name = "accounting-periods", description = "A period's life (核算期间): reviewed on one run, published to the departments, locked; reopened with a reason"),
        (name = "system", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// Adds the bearer scheme, and to every operation the error responses any request can meet: 400/413/415/422
/// for its body and parameters, 404 when its path names a record, 401/403 when it needs a token, 500 always.
/// Operation-specific errors (409, 429, …) are declared on the handlers.
struct SecurityAndErrors;

impl Modify for SecurityAndErrors {
    fn modify(&self, api: &mut openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "display",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dsp_ display-link token")
                    .description(Some("A display link's token (`POST /display-links`): opens the queue board and nothing else"))
                    .build(),
            ),
        );
        let problem = |description: &str| -> RefOr<Response> {
            RefOr::T(
                Response::builder()
                    .description(description)
                    .content(
                        problem::PROBLEM_JSON,
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            )
        };
        for (path, item) in api.paths.paths.iter_mut() {
            let names_a_record = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                // Handler names repeat across resources (`list`, `create`): qualify them by tag so
                // operation ids are unique, as generated clients need.
                if let (Some(tag), Some(id)) = (
                    op.tags.as_ref().and_then(|t| t.first()),
                    op.operation_id.as_mut(),
                ) {
                    *id = operation_id(tag, id);
                }
                for response in op.responses.responses.values_mut() {
                    if let RefOr::T(r) = response
                        && r.description.is_empty()
                    {
                        r.description = "Success".into();
                    }
                }
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = op.request_body.is_some();
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, description: &str| {
                    responses
                        .entry(code.to_owned())
                        .or_insert_with(|| problem(description));
                };
                if has_body {
                    add("400", "Malformed JSON (`MALFORMED_JSON`)");
                    add("413", "Body too large (`PAYLOAD_TOO_LARGE`)");
                    add("415", "Not `application/json` (`UNSUPPORTED_MEDIA_TYPE`)");
                }
                if has_body || has_params {
                    add(
                        "422",
                        "Invalid fields or parameters (`VALIDATION_FAILED`, with `errors`)",
                    );
                }
                if names_a_record {
                    add("404", "No such record in your hospital (`NOT_FOUND`)");
                }
                if secured {
                    add(
                        "401",
                        "Missing, invalid or expired token, or an ended session (`UNAUTHORIZED`)",
                    );
                    add(
                        "403",
                        "The role may not do this (`FORBIDDEN`), or the password must be changed first (`PASSWORD_EXPIRED`)",
                    );
                }
                add(
                    "500",
                    "Unexpected error (`INTERNAL_ERROR`); details are logged, never returned",
                );
            }
        }
    }
}

/// `charge-items` + `list` → `chargeItemsList`.
fn operation_id(tag: &str, handler: &str) -> String {
    let mut out = String::new();
    for (i, word) in tag.split('-').chain(handler.split('_')).enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    out
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An Excel workbook (.xlsx).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

impl XlsxFile {
    /// A download: the file name is ours (ASCII, no quotes), so it needs no escaping.
    pub fn attachment(self, filename: &str) -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok()
            .content_type(XLSX)
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.0)
    }
}

/// The last page a list may be asked for: the offset it makes stays far inside every database's integer
/// range (an unbounded page overflowed it and brought the query builder down).
pub const MAX_PAGE: u64 = 1_000_000;

/// How a decimal is sent in a request: a string (`"12.50"`) or a JSON number, with at most four decimal places
/// (answers always carry strings). Documented as such so that the spec and the server agree.
pub struct DecimalInput;

impl utoipa::PartialSchema for DecimalInput {
    fn schema() -> RefOr<openapi::schema::Schema> {
        use openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .description(Some(
                "A decimal as a string (\"12.50\") or a number, at most four decimal places",
            ))
            .into()
    }
}

impl ToSchema for DecimalInput {}

/// `?page=1&page_size=20` (at most 200).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1, at most 1000000).
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    /// Items per page, 1–200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<u64>,
}

impl TryFrom<PageParams> for services::PageRequest {
    type Error = AppError;
    fn try_from(p: PageParams) -> Result<Self, AppError> {
        let page = p.page.unwrap_or(1);
        let page_size = p.page_size.unwrap_or(20);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::invalid(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        if !(1..=200).contains(&page_size) {
            return Err(AppError::invalid("page_size", "must be between 1 and 200"));
        }
        Ok(Self { page, page_size })
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// Matching items over all pages.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T> PageOf<T> {
    pub fn from_page<M>(page: services::Page<M>, f: impl FnMut(M) -> T) -> Self {
        let page = page.map(f);
        Self {
            items: page.items,
            total: page.total,
            page: page.page,
            page_size: page.page_size,
        }
    }
}

/// The answer to `DELETE`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RemovalResult {
    pub id: i64,
    /// `DELETED`, or `DEACTIVATED` when history refers to the record.
    pub outcome: services::Removal,
}

fn api_v1(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(foundation::routes)
        .configure(outpatient::routes)
        .configure(accounting::routes);
}

/// The application's routes, and the OpenAPI document they describe. Used by the server, the tests and
/// `hospital openapi`, so the router and the spec cannot disagree.
pub fn build<T>(app: actix_web::App<T>) -> (actix_web::App<T>, openapi::OpenApi)
where
    T: actix_web::dev::ServiceFactory<
            ServiceRequest,
            Config = (),
            Error = actix_web::Error,
            InitError = (),
        >,
{
    let app: UtoipaApp<T> = app
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(api_v1))
        .configure(system::routes);
    let (app, mut api) = app.split_for_parts();
    SecurityAndErrors.modify(&mut api);
    (app, api)
}

/// The OpenAPI document alone.
pub fn openapi() -> openapi::OpenApi {
    build(actix_web::App::new()).1
}

/// A path and its methods, to tell 405 from 404 for requests no route took.
pub struct RouteTable(Vec<(actix_web::dev::ResourceDef, Vec<String>)>);

impl RouteTable {
    pub fn from_openapi(api: &openapi::OpenApi) -> Self {
        Self(
            api.paths
                .paths
                .iter()
                .map(|(path, item)| {
                    let methods = [
                        ("GET", item.get.is_some()),
                        // `HEAD` is answered wherever `GET` is (`edge::head_as_get`).
                        ("HEAD", item.get.is_some()),
                        ("POST", item.post.is_some()),
                        ("PUT", item.put.is_some()),
                        ("DELETE", item.delete.is_some()),
                        ("PATCH", item.patch.is_some()),
                    ]
                    .into_iter()
                    .filter(|(_, present)| *present)
                    .map(|(m, _)| m.to_owned())
                    .collect();
                    (actix_web::dev::ResourceDef::new(path.as_str()), methods)
                })
                .collect(),
        )
    }

    /// The methods of the literal (parameterless) resource at exactly this path, if there is one.
    pub fn literal_methods(&self, path: &str) -> Option<Vec<String>> {
        self.0
            .iter()
            .find(|(def, _)| def.pattern() == Some(path))
            .map(|(_, methods)| methods.clone())
    }

    /// The methods the path allows, if it is a known path. A literal path (`/schedules/week`) is its own
    /// resource, not an instance of the templated one beside it (`/schedules/{id}`), as the router sees it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let matching: Vec<_> = self
            .0
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .collect();
        let literal =
            |def: &actix_web::dev::ResourceDef| def.pattern().is_some_and(|p| !p.contains('{'));
        let exact: Vec<_> = matching.iter().filter(|(def, _)| literal(def)).collect();
        let methods: Vec<String> = if exact.is_empty() {
            matching
                .iter()
                .flat_map(|(_, m)| m.iter().cloned())
                .collect()
        } else {
            exact.iter().flat_map(|(_, m)| m.iter().cloned()).collect()
        };
        (!methods.is_empty()).then_some(methods)
    }
}

pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    // A path parameter that does not parse names no record that can exist — unless the path is a literal
    // resource of its own (`/schedules/week`) asked with a method it does not have: that is a 405.
    cfg.app_data(web::PathConfig::default().error_handler(|_, req| {
        let literal = req
            .app_data::<web::Data<RouteTable>>()
            .and_then(|routes| routes.literal_methods(req.path()));
        match literal {
            Some(allowed) => actix_web::error::InternalError::from_response(
                "method not allowed",
                spa::method_not_allowed(req.method(), &allowed),
            )
            .into(),
            None => AppError::NotFound("record").into(),
        }
    }));
}
