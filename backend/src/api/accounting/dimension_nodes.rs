//! The dimension tree of a model version: `/model-versions/{id}/nodes` and `/dimension-nodes/{id}`
//! (ADMIN, ANALYST).
use crate::api::{
    AppState, RemovalResult,
    accounting::model_versions::{IN_USE, NOT_FOUND, nullable},
    extract::{Analytics, Auth, Json},
    problem::Problem,
};
use crate::{
    domain::{
        accounting::dimension::{BusinessTypeScope, DeptField, NodeKind, Series, rules_for},
        foundation::money::Amount,
        foundation::text,
    },
    error::{AppError, FieldErrors},
    services::{
        Removal,
        accounting::dimension_nodes::{self as service, MAX_WEIGHT, NewNode, NodePatch, NodeView},
    },
};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::api::routes!(tree, create, update, remove);

/// A node of the tree. Series and kind follow from the code; the department field and the business-type
/// rule default from it too (a CHARGE node may override them).
#[derive(Serialize, ToSchema)]
pub struct DimensionNode {
    pub id: i64,
    pub model_version_id: i64,
    pub parent_id: Option<i64>,
    #[schema(example = "dim-doc-out-eval-1")]
    pub code: String,
    #[schema(example = "门诊诊察")]
    pub name: String,
    pub series: Series,
    pub kind: NodeKind,
    /// Which department of a charge line the node credits (NONE for workload and cost nodes).
    pub dept_field: DeptField,
    /// Business type stays part of the result's key (doctor nodes).
    pub splits_business_type: bool,
    /// Which charge lines the node counts.
    pub business_type_scope: BusinessTypeScope,
    /// A coefficient (charge nodes) or a unit price in yuan (workload nodes); four decimal places.
    #[schema(value_type = String, example = "0.3000")]
    pub weight: Decimal,
    pub sort: i32,
    /// 0 for a top-level node.
    pub depth: i32,
    pub is_leaf: bool,
    /// The drill-down can show the charge items behind it (CHARGE nodes).
    pub drillable: bool,
    pub mapping_count: u64,
}

impl From<NodeView> for DimensionNode {
    fn from(v: NodeView) -> Self {
        let n = v.node;
        let kind: NodeKind = n.kind;
        Self {
            id: n.id,
            model_version_id: n.model_version_id,
            parent_id: n.parent_id,
            code: n.code,
            name: n.name,
            series: n.series,
            kind,
            dept_field: n.dept_field,
            splits_business_type: n.splits_business_type,
            business_type_scope: n.business_type_scope,
            weight: n.weight.to_decimal(),
            sort: n.sort,
            depth: v.depth,
            is_leaf: v.is_leaf,
            drillable: kind == NodeKind::Charge,
            mapping_count: v.mapping_count,
        }
    }
}

/// The whole tree, parents before their children, siblings by `sort` then `code`.
#[derive(Serialize, ToSchema)]
pub struct NodeList {
    pub items: Vec<DimensionNode>,
    pub total: u64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeRequest {
    /// `dim-doc-…`, `dim-tech-…`, `dim-nur-…` or `dim-cost-…` (lower-case words and digits joined by
    /// single hyphens); unique in the version; decides series and kind.
    #[schema(example = "dim-doc-out-eval-1", max_length = 100)]
    pub code: String,
    #[schema(example = "门诊诊察", max_length = 255)]
    pub name: String,
    /// A node of the same version and series without item mappings; none for a top-level node.
    pub parent_id: Option<i64>,
    /// From 0 to 1000 (a coefficient, or a unit price in yuan), four decimal places; default 1.
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "0.30")]
    pub weight: Option<Decimal>,
    /// Order among siblings; default 0.
    pub sort: Option<i32>,
    /// Default from the code; may differ only on CHARGE nodes.
    #[schema(value_type = Option<DeptField>)]
    pub dept_field: Option<String>,
    /// Default from the code; may differ only on CHARGE nodes.
    #[schema(value_type = Option<BusinessTypeScope>)]
    pub business_type_scope: Option<String>,
    /// Default from the code; may differ only on CHARGE nodes.
    pub splits_business_type: Option<bool>,
}

fn weight(errors: &mut FieldErrors, raw: Decimal) -> Option<Amount> {
    let w = errors.check("weight", Amount::non_negative(raw))?;
    if w.scaled() > MAX_WEIGHT {
        errors.add(
            "weight",
            format!(
                "must be at most {}",
                Amount::from_scaled(MAX_WEIGHT).to_decimal()
            ),
        );
        return None;
    }
    Some(w)
}

/// The three overridable fields, parsed; `None` when absent.
type Overrides = (Option<DeptField>, Option<BusinessTypeScope>, Option<bool>);

fn overrides(
    errors: &mut FieldErrors,
    dept_field: Option<&str>,
    scope: Option<&str>,
    split: Option<bool>,
) -> Option<Overrides> {
    let dept_field = match dept_field {
        Some(d) => Some(errors.check("dept_field", d.parse::<DeptField>())?),
        None => None,
    };
    let scope = match scope {
        Some(s) => Some(errors.check("business_type_scope", s.parse::<BusinessTypeScope>())?),
        None => None,
    };
    Some((dept_field, scope, split))
}

impl TryFrom<NodeRequest> for NewNode {
    type Error = AppError;
    fn try_from(r: NodeRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let rules = errors.check("code", rules_for(&r.code));
        let name = errors.check("name", text::required(&r.name, 255));
        let weight = match r.weight {
            Some(w) => weight(&mut errors, w),
            None => Some(Amount::from_scaled(10_000)),
        };
        let given = overrides(
            &mut errors,
            r.dept_field.as_deref(),
            r.business_type_scope.as_deref(),
            r.splits_business_type,
        );
        let rules = match (rules, given) {
            (Some(rules), Some((d, s, split))) => {
                Some(service::check_overrides(&rules, d, s, split, &mut errors))
            }
            _ => None,
        };
        errors.finish(|| {
            Some(Self {
                code: r.code,
                rules: rules?,
                name: name?,
                parent_id: r.parent_id,
                weight: weight?,
                sort: r.sort.unwrap_or(0),
            })
        })
    }
}

/// Absent fields stay as they are. `parent_id` moves the node with its subtree (`null`: to the top level);
/// the code never changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodePatchRequest {
    /// Accepted only unchanged: a node's code is fixed (create a new node for another code).
    pub code: Option<String>,
    #[schema(max_length = 255)]
    pub name: Option<String>,
    #[schema(value_type = Option<crate::api::DecimalInput>, example = "1.20")]
    pub weight: Option<Decimal>,
    pub sort: Option<i32>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[schema(value_type = Option<DeptField>)]
    pub dept_field: Option<String>,
    #[schema(value_type = Option<BusinessTypeScope>)]
    pub business_type_scope: Option<String>,
    pub splits_business_type: Option<bool>,
}

impl TryFrom<NodePatchRequest> for NodePatch {
    type Error = AppError;
    fn try_from(r: NodePatchRequest) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = match r.name.as_deref() {
            Some(n) => errors.check("name", text::required(n, 255)).map(Some),
            None => Some(None),
        };
        let weight = match r.weight {
            Some(w) => weight(&mut errors, w).map(Some),
            None => Some(None),
        };
        let given = overrides(
            &mut errors,
            r.dept_field.as_deref(),
            r.business_type_scope.as_deref(),
            r.splits_business_type,
        );
        errors.finish(|| {
            let (dept_field, business_type_scope, splits_business_type) = given?;
            Some(Self {
                code: r.code,
                name: name?,
                weight: weight?,
                sort: r.sort,
                parent_id: r.parent_id,
                dept_field,
                business_type_scope,
                splits_business_type,
            })
        })
    }
}

const NODE_NOT_FOUND: &str = "No such node in your hospital (`NOT_FOUND`)";

#[utoipa::path(tag = "dimension-nodes", summary = "The dimension tree of a model version", responses(
    (status = 200, body = NodeList),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/model-versions/{id}/nodes")]
async fn tree(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
) -> Result<web::Json<NodeList>, AppError> {
    let nodes = service::tree(&state.db, &user, id.into_inner()).await?;
    let items = nodes
        .into_iter()
        .map(DimensionNode::from)
        .collect::<Vec<_>>();
    Ok(web::Json(NodeList {
        total: items.len() as u64,
        items,
    }))
}

/// Adds a node; a code that follows none of the seed's patterns is refused on `code`.
#[utoipa::path(tag = "dimension-nodes", summary = "Add a node to a model version", request_body = NodeRequest,
    responses((status = 201, body = DimensionNode),
    (status = 404, description = NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Code already used in the version (`DUPLICATE`), or the version is in use (`MODEL_VERSION_IN_USE`)",
        body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/model-versions/{id}/nodes")]
async fn create(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<NodeRequest>,
) -> Result<HttpResponse, AppError> {
    let created = service::create(&state.db, &user, id.into_inner(), body.0.try_into()?).await?;
    Ok(HttpResponse::Created().json(DimensionNode::from(created)))
}

#[utoipa::path(tag = "dimension-nodes", summary = "Change or move a node", request_body = NodePatchRequest,
    responses((status = 200, body = DimensionNode),
    (status = 404, description = NODE_NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = IN_USE, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[patch("/dimension-nodes/{id}")]
async fn update(
    state: web::Data<AppState>,
    user: Auth<Analytics>,
    id: web::Path<i64>,
    body: Json<NodePatchRequest>,
) -> Result<web::Json<DimensionNode>, AppError> {
    let updated = service::update(&state.db, &user, id.into_inner(), body.0.try_into()?).await?;
    Ok(web::Json(updated.into()))
}

/// Deletes a leaf and its item mappings.
#[utoipa::path(tag = "dimension-nodes", summary = "Delete a leaf node", responses(
    (status = 200, body = RemovalResult),
    (status = 404, description = NODE_NOT_FOUND, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The version is in use (`MODEL_VERSION_IN_USE`), or orientation rules name the node (`REFERENCED`)",
        body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/dimension-nodes/{id}")]
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
