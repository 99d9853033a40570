//! `/patients` (ADMIN and FRONT_DESK; delete: ADMIN). Lists mask document numbers and phones; reading one
//! patient shows them in full and is audited.
use crate::api::{
    AppState, PageOf, PageParams, RemovalResult,
    extract::{AdminOnly, Auth, FrontOffice, Json, Query},
    problem::Problem,
    reference,
};
use crate::{
    domain::{
        foundation::document::Document,
        foundation::masking::mask_phone,
        foundation::phone::MobilePhone,
        foundation::text,
        foundation::vocab::{DocumentType, Gender, GuardianRelation, InsuranceType},
    },
    entities::foundation::patient,
    error::{AppError, FieldErrors},
    services::foundation::patients::{
        self as service, Guardian as GuardianInput, PatientFilter, PatientInput,
    },
};
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::api::routes!(list, read, create, update, remove);

/// A patient as lists show them: document number and phone masked, no address.
#[derive(Serialize, ToSchema)]
pub struct PatientSummary {
    pub id: i64,
    #[schema(example = "王秀英")]
    pub name: String,
    pub document_type: DocumentType,
    /// None for a patient with no document yet.
    #[schema(example = "330102********123X")]
    pub document_masked: Option<String>,
    #[schema(example = "138****5678")]
    pub phone_masked: String,
    pub dob: NaiveDate,
    pub gender: Gender,
    pub insurance_type: InsuranceType,
    /// The guardian's name, if the patient has one.
    pub guardian_name: Option<String>,
    pub is_active: bool,
}

/// Someone to reach for the patient (a child's parent, say).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Guardian {
    #[schema(example = "王建国", max_length = 64)]
    pub name: String,
    #[schema(value_type = GuardianRelation)]
    pub relation: String,
    /// Mainland mobile number.
    #[schema(example = "13812345678")]
    pub phone: String,
}

/// A patient in full, identity included (the read is audited).
#[derive(Serialize, ToSchema)]
pub struct Patient {
    pub id: i64,
    pub name: String,
    pub document_type: DocumentType,
    /// None for a patient with no document yet.
    #[schema(example = "33010219800101123X")]
    pub document_no: Option<String>,
    #[schema(example = "13812345678")]
    pub phone: String,
    pub dob: NaiveDate,
    pub gender: Gender,
    pub insurance_type: InsuranceType,
    pub address: Option<String>,
    pub guardian: Option<Guardian>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<patient::Model> for PatientSummary {
    fn from(m: patient::Model) -> Self {
        Self {
            document_masked: m.document_masked(),
            document_type: m.document_type,
            id: m.id,
            name: m.name,
            phone_masked: mask_phone(&m.phone),
            dob: m.dob,
            gender: m.gender,
            insurance_type: m.insurance_type,
            guardian_name: m.guardian_name,
            is_active: m.is_active,
        }
    }
}

impl From<patient::Model> for Patient {
    fn from(m: patient::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            document_type: m.document_type,
            document_no: m.document_no,
            phone: m.phone,
            dob: m.dob,
            gender: m.gender,
            insurance_type: m.insurance_type,
            address: m.address,
            guardian: match (m.guardian_name, m.guardian_relation, m.guardian_phone) {
                (Some(name), Some(relation), Some(phone)) => Some(Guardian {
                    name,
                    relation: relation.as_str().to_owned(),
                    phone,
                }),
                _ => None,
            },
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientRequest {
    #[schema(example = "王秀英", max_length = 64)]
    pub name: String,
    /// Default `ID_CARD`. `NONE_YET` (a newborn, say) needs a guardian and a birth date.
    #[schema(value_type = Option<DocumentType>)]
    pub document_type: Option<String>,
    /// Checked by its type's rule: `ID_CARD` 18 characters with the GB 11643 check digit; `RESIDENCE_PERMIT`
    /// the same, starting 810000, 820000 or 830000; `PERMANENT_RESIDENCE` (2017) the same, starting 9; `PASSPORT`
    /// 5-17 letters and digits; `HK_MACAO_PERMIT` H or M and 8 or 10 digits; `TAIWAN_PERMIT` 8 or 10 digits;
    /// absent or empty for `NONE_YET`. Unique in the hospital per type. Also accepted as `id_card`.
    #[serde(alias = "id_card")]
    #[schema(example = "11010519491231002X")]
    pub document_no: Option<String>,
    /// Mainland mobile number; patients may share one (a family's).
    #[schema(example = "13812345678")]
    pub phone: String,
    /// Must agree with the birth date inside the document number, where it has one, and defaults to it;
    /// required otherwise.
    pub dob: Option<NaiveDate>,
    #[schema(value_type = Gender)]
    pub gender: String,
    #[schema(value_type = InsuranceType)]
    pub insurance_type: String,
    #[schema(max_length = 255)]
    pub address: Option<String>,
    /// None or null: no guardian.
    pub guardian: Option<Guardian>,
    /// Default true.
    pub is_active: Option<bool>,
}

impl TryFrom<PatientRequest> for PatientInput {
    type Error = AppError;
    fn try_from(r: PatientRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", text::required(&r.name, 64));
        let document_type = errors.check(
            "document_type",
            r.document_type
                .as_deref()
                .map_or(Ok(DocumentType::IdCard), str::parse::<DocumentType>),
        );
        let document = document_type.and_then(|kind| {
            errors.check(
                "document_no",
                Document::parse(kind, r.document_no.as_deref()),
            )
        });
        let phone = errors.check("phone", MobilePhone::parse(&r.phone));
        let address = errors.check("address", text::optional(r.address.as_deref(), 255));
        let gender = errors.check("gender", r.gender.parse::<Gender>());
        let insurance_type =
            errors.check("insurance_type", r.insurance_type.parse::<InsuranceType>());
        let guardian = r.guardian.as_ref().map(|g| {
            (
                errors.check("guardian.name", text::required(&g.name, 64)),
                errors.check("guardian.relation", g.relation.parse::<GuardianRelation>()),
                errors.check("guardian.phone", MobilePhone::parse(&g.phone)),
            )
        });
        if document_type == Some(DocumentType::NoneYet) && r.guardian.is_none() {
            errors.add("guardian", "is required for a patient with no document yet");
        }
        let dob = r
            .dob
            .or_else(|| document.as_ref().and_then(Document::birth_date));
        if dob.is_none() && document.is_some() {
            errors.add(
                "dob",
                "is required when the document does not carry the birth date",
            );
        }
        if let (Some(is_male), Some(gender)) =
            (document.as_ref().and_then(Document::is_male), gender)
            && is_male != (gender == Gender::Male)
        {
            errors.add(
                "gender",
                "does not match the sex digit of the document number",
            );
        }
        errors.finish(|| {
            Some(Self {
                name: name?,
                document: document?,
                phone: phone?,
                dob: dob?,
                gender: gender?,
                insurance_type: insurance_type?,
                address: address?,
                guardian: match guardian {
                    Some((name, relation, phone)) => Some(GuardianInput {
                        name: name?,
                        relation: relation?,
                        phone: phone?,
                    }),
                    None => None,
                },
                is_active: r.is_active.unwrap_or(true),
            })
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PatientQuery {
    /// A name fragment, or a whole document number (of any type) or phone.
    pub q: Option<String>,
    pub insurance_type: Option<InsuranceType>,
    pub gender: Option<Gender>,
    pub is_active: Option<bool>,
    /// `name`, `dob` or `created_at`; prefix `-` for descending.
    pub sort: Option<String>,
}

const NOT_FOUND: &str = "No such patient in your hospital (`NOT_FOUND`)";
const DUPLICATE: &str =
    "Document already registered to another patient (`DUPLICATE`, with the patient in `conflict`)";

#[utoipa::path(tag = "patients", summary = "List patients (masked)", params(PageParams, PatientQuery),
    responses((status = 200, body = PageOf<PatientSummary>)), security(("bearer" = [])))]
#[get("/patients")]
async fn list(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    page: Query<PageParams>,
    query: Query<PatientQuery>,
) -> Result<web::Json<PageOf<PatientSummary>>, AppError> {
    let Query(q) = query;
    let filter = PatientFilter {
        q: q.q,
        insurance_type: q.insurance_type,
        gender: q.gender,
        is_active: q.is_active,
        sort: q.sort,
    };
    let found = service::list(&state.db, &user, filter, page.0.try_into()?).await?;
    Ok(web::Json(PageOf::from_page(found, PatientSummary::from)))
}

/// The full record with the document number and phone; the read is written to the audit log.
#[utoipa::path(tag = "patients", summary = "Get a patient (audited)", responses((status = 200, body = Patient),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/patients/{id}")]
async fn read(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
) -> Result<web::Json<Patient>, AppError> {
    Ok(web::Json(
        service::read_identity(&state.db, &user, id.into_inner())
            .await?
            .into(),
    ))
}

#[utoipa::path(tag = "patients", summary = "Register a patient", request_body = PatientRequest, responses(
    (status = 201, body = Patient),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/patients")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    body: Json<PatientRequest>,
) -> Result<HttpResponse, AppError> {
    reference::create::<patient::Entity, Patient, _>(&state.db, &user, body).await
}

#[utoipa::path(tag = "patients", summary = "Replace a patient's record", request_body = PatientRequest, responses(
    (status = 200, body = Patient),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = DUPLICATE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/patients/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<FrontOffice>,
    id: web::Path<i64>,
    body: Json<PatientRequest>,
) -> Result<web::Json<Patient>, AppError> {
    reference::update::<patient::Entity, _, _>(&state.db, &user, id, body).await
}

/// Deletes the patient, or deactivates them when appointments or records refer to them.
#[utoipa::path(tag = "patients", summary = "Delete or deactivate a patient", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/patients/{id}")]
async fn remove(
    state: web::Data<AppState>,
    user: Auth<AdminOnly>,
    id: web::Path<i64>,
) -> Result<web::Json<RemovalResult>, AppError> {
    reference::remove::<patient::Entity>(&state.db, &user, id).await
}
