//! The role matrix, enforced by the server: which roles may call which endpoint. The table below is the
//! documentation; the tests hold the server to it, check that it names every endpoint the API serves, and
//! that every refusal is written to the audit log.
use crate::{
    db_tests,
    helpers::{TestApp, username},
};
use hospital::{
    domain::foundation::role::Role,
    entities::{foundation::app_user, foundation::audit_log},
};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::collections::BTreeSet;

const EVERYONE: &[Role] = Role::ALL;
const ADMIN: &[Role] = &[Role::Admin];
const FRONT_OFFICE: &[Role] = &[Role::Admin, Role::FrontDesk];
const DOCTOR: &[Role] = &[Role::Doctor];
const CLINICAL: &[Role] = &[Role::Admin, Role::FrontDesk, Role::Doctor];
const ANALYTICS: &[Role] = &[Role::Admin, Role::Analyst];

/// (method, path, roles allowed). `{id}` stands for an id no record has, so an allowed call may answer 404;
/// POST and PUT send an empty object, so an allowed one may answer 422. A refused one must answer 403.
pub const MATRIX: &[(&str, &str, &[Role])] = &[
    ("GET", "/api/v1/departments", EVERYONE),
    ("GET", "/api/v1/departments/{id}", EVERYONE),
    ("POST", "/api/v1/departments", ADMIN),
    ("PUT", "/api/v1/departments/{id}", ADMIN),
    ("DELETE", "/api/v1/departments/{id}", ADMIN),
    ("GET", "/api/v1/doctors", EVERYONE),
    ("GET", "/api/v1/doctors/{id}", EVERYONE),
    ("POST", "/api/v1/doctors", ADMIN),
    ("PUT", "/api/v1/doctors/{id}", ADMIN),
    ("DELETE", "/api/v1/doctors/{id}", ADMIN),
    ("GET", "/api/v1/charge-items", EVERYONE),
    ("GET", "/api/v1/charge-items/{id}", EVERYONE),
    ("POST", "/api/v1/charge-items", ADMIN),
    ("PUT", "/api/v1/charge-items/{id}", ADMIN),
    ("DELETE", "/api/v1/charge-items/{id}", ADMIN),
    ("GET", "/api/v1/diagnoses", CLINICAL),
    ("GET", "/api/v1/diagnoses/{id}", CLINICAL),
    ("POST", "/api/v1/diagnoses", ADMIN),
    ("PUT", "/api/v1/diagnoses/{id}", ADMIN),
    ("DELETE", "/api/v1/diagnoses/{id}", ADMIN),
    ("POST", "/api/v1/diagnoses/import", ADMIN),
    ("GET", "/api/v1/insurance-types", EVERYONE),
    ("GET", "/api/v1/insurance-types/{id}", EVERYONE),
    ("POST", "/api/v1/insurance-types", ADMIN),
    ("PUT", "/api/v1/insurance-types/{id}", ADMIN),
    ("DELETE", "/api/v1/insurance-types/{id}", ADMIN),
    ("GET", "/api/v1/insurance-policies", FRONT_OFFICE),
    ("GET", "/api/v1/insurance-policies/{id}", FRONT_OFFICE),
    ("POST", "/api/v1/insurance-policies", ADMIN),
    ("PUT", "/api/v1/insurance-policies/{id}", ADMIN),
    ("DELETE", "/api/v1/insurance-policies/{id}", ADMIN),
    ("GET", "/api/v1/settlements", FRONT_OFFICE),
    ("GET", "/api/v1/settlements.xlsx", FRONT_OFFICE),
    ("POST", "/api/v1/settlements/close", ADMIN),
    ("GET", "/api/v1/patients", FRONT_OFFICE),
    ("GET", "/api/v1/patients/{id}", FRONT_OFFICE),
    ("POST", "/api/v1/patients", FRONT_OFFICE),
    ("PUT", "/api/v1/patients/{id}", FRONT_OFFICE),
    ("DELETE", "/api/v1/patients/{id}", ADMIN),
    ("GET", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{id}", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("PUT", "/api/v1/users/{id}", ADMIN),
    ("GET", "/api/v1/schedules", EVERYONE),
    ("GET", "/api/v1/schedules/{id}", EVERYONE),
    ("POST", "/api/v1/schedules", ADMIN),
    ("POST", "/api/v1/schedules/week", ADMIN),
    ("POST", "/api/v1/schedules/{id}/close", ADMIN),
    ("POST", "/api/v1/schedules/{id}/cancel", ADMIN),
    ("PUT", "/api/v1/schedules/{id}/capacity", FRONT_OFFICE),
    ("GET", "/api/v1/schedules/{id}/waitlist", FRONT_OFFICE),
    ("POST", "/api/v1/schedules/{id}/waitlist", FRONT_OFFICE),
    ("POST", "/api/v1/waitlist/{id}/cancel", FRONT_OFFICE),
    ("GET", "/api/v1/booking-rules", EVERYONE),
    ("PUT", "/api/v1/booking-rules", ADMIN),
    ("POST", "/api/v1/patients/{id}/no-show-pardon", ADMIN),
    ("POST", "/api/v1/appointments/{id}/move", FRONT_OFFICE),
    ("GET", "/api/v1/appointments", FRONT_OFFICE),
    ("GET", "/api/v1/appointments/today", FRONT_OFFICE),
    ("GET", "/api/v1/appointments/{id}", FRONT_OFFICE),
    ("POST", "/api/v1/appointments", FRONT_OFFICE),
    ("POST", "/api/v1/appointments/walk-in", FRONT_OFFICE),
    ("POST", "/api/v1/appointments/{id}/check-in", FRONT_OFFICE),
    ("POST", "/api/v1/appointments/{id}/cancel", FRONT_OFFICE),
    ("POST", "/api/v1/appointments/{id}/no-show", FRONT_OFFICE),
    ("GET", "/api/v1/doctor/queue", DOCTOR),
    ("POST", "/api/v1/doctor/queue/call-next", DOCTOR),
    ("POST", "/api/v1/doctor/queue/{id}/recall", DOCTOR),
    ("POST", "/api/v1/doctor/queue/{id}/skip", DOCTOR),
    ("GET", "/api/v1/queue-board", EVERYONE),
    ("GET", "/api/v1/display-links", ADMIN),
    ("POST", "/api/v1/display-links", ADMIN),
    ("DELETE", "/api/v1/display-links/{id}", ADMIN),
    ("GET", "/api/v1/medical-records/{id}", CLINICAL),
    ("PUT", "/api/v1/medical-records/{id}", DOCTOR),
    (
        "GET",
        "/api/v1/medical-records/{id}/bill-preview",
        FRONT_OFFICE,
    ),
    ("GET", "/api/v1/billings", FRONT_OFFICE),
    ("GET", "/api/v1/billings/{id}", FRONT_OFFICE),
    ("POST", "/api/v1/billings", FRONT_OFFICE),
    ("POST", "/api/v1/billings/{id}/pay", FRONT_OFFICE),
    ("POST", "/api/v1/billings/{id}/refund", ADMIN),
    ("GET", "/api/v1/statistics/outpatient", ANALYTICS),
    ("GET", "/api/v1/statistics/outpatient.xlsx", ANALYTICS),
    ("GET", "/api/v1/calculation-workflows", ANALYTICS),
    ("GET", "/api/v1/calculation-tasks", ANALYTICS),
    ("POST", "/api/v1/calculation-tasks", ANALYTICS),
    ("GET", "/api/v1/calculation-tasks/{id}", ANALYTICS),
    ("POST", "/api/v1/calculation-tasks/{id}/run", ANALYTICS),
    ("GET", "/api/v1/calculation-tasks/compare", ANALYTICS),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/departments/{department_id}/report",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/departments/{department_id}/report.xlsx",
        ANALYTICS,
    ),
    ("GET", "/api/v1/auto-calculation", ANALYTICS),
    ("PUT", "/api/v1/auto-calculation", ANALYTICS),
    ("GET", "/api/v1/calculation-batches", ANALYTICS),
    ("POST", "/api/v1/calculation-batches", ANALYTICS),
    ("GET", "/api/v1/calculation-batches/{id}", ANALYTICS),
    (
        "GET",
        "/api/v1/calculation-batches/{id}/value-summaries.xlsx",
        ANALYTICS,
    ),
    ("GET", "/api/v1/calculation-tasks/compare.xlsx", ANALYTICS),
    ("GET", "/api/v1/calculation-tasks/{id}/results", ANALYTICS),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/results.xlsx",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/value-summary",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/value-summary.xlsx",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/orientation-adjustments",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/orientation-adjustments.xlsx",
        ANALYTICS,
    ),
    (
        "GET",
        "/api/v1/calculation-tasks/{id}/drill-down",
        ANALYTICS,
    ),
    ("GET", "/api/v1/audit-logs", ADMIN),
    ("GET", "/api/v1/audit-logs/verify", ADMIN),
    ("GET", "/api/v1/model-versions", ANALYTICS),
    ("POST", "/api/v1/model-versions", ANALYTICS),
    ("GET", "/api/v1/model-versions/{id}", ANALYTICS),
    ("PATCH", "/api/v1/model-versions/{id}", ANALYTICS),
    ("DELETE", "/api/v1/model-versions/{id}", ANALYTICS),
    ("POST", "/api/v1/model-versions/{id}/copy", ANALYTICS),
    ("POST", "/api/v1/model-versions/{id}/activate", ANALYTICS),
    ("GET", "/api/v1/model-versions/{id}/nodes", ANALYTICS),
    ("POST", "/api/v1/model-versions/{id}/nodes", ANALYTICS),
    ("PATCH", "/api/v1/dimension-nodes/{id}", ANALYTICS),
    ("DELETE", "/api/v1/dimension-nodes/{id}", ANALYTICS),
    ("GET", "/api/v1/model-versions/{id}/mappings", ANALYTICS),
    ("POST", "/api/v1/model-versions/{id}/mappings", ANALYTICS),
    (
        "POST",
        "/api/v1/model-versions/{id}/mappings/import",
        ANALYTICS,
    ),
    ("GET", "/api/v1/model-versions/{id}/mappings.csv", ANALYTICS),
    ("DELETE", "/api/v1/dimension-item-mappings/{id}", ANALYTICS),
    (
        "GET",
        "/api/v1/model-versions/{id}/orientation-rules",
        ANALYTICS,
    ),
    (
        "POST",
        "/api/v1/model-versions/{id}/orientation-rules",
        ANALYTICS,
    ),
    ("PUT", "/api/v1/orientation-rules/{id}", ANALYTICS),
    ("DELETE", "/api/v1/orientation-rules/{id}", ANALYTICS),
    ("GET", "/api/v1/imports", ANALYTICS),
    ("POST", "/api/v1/imports/charges", ANALYTICS),
    ("POST", "/api/v1/imports/workload", ANALYTICS),
    ("POST", "/api/v1/imports/costs", ANALYTICS),
    ("POST", "/api/v1/imports/orientation-values", ANALYTICS),
    ("GET", "/api/v1/workload-records", ANALYTICS),
    ("GET", "/api/v1/cost-records", ANALYTICS),
    ("GET", "/api/v1/orientation-values", ANALYTICS),
    ("GET", "/api/v1/accounting-periods", ANALYTICS),
    ("GET", "/api/v1/accounting-periods/{period}", ANALYTICS),
    (
        "POST",
        "/api/v1/accounting-periods/{period}/review",
        ANALYTICS,
    ),
    ("POST", "/api/v1/accounting-periods/{period}/publish", ADMIN),
    ("POST", "/api/v1/accounting-periods/{period}/lock", ADMIN),
    (
        "POST",
        "/api/v1/accounting-periods/{period}/reopen",
        ANALYTICS,
    ),
];

const MISSING_ID: &str = "987654";

/// The entry's path with an id no record has, and a period nothing was done in.
fn concrete(path: &str) -> String {
    path.replace("{id}", MISSING_ID)
        .replace("{period}", "2019-01")
        .replace("{department_id}", MISSING_ID)
}

db_tests!(
    every_endpoint_admits_exactly_the_roles_in_the_matrix,
    a_role_change_applies_to_tokens_already_issued,
    an_admin_finds_staff_by_a_username_with_an_underscore,
);

/// Sends the matrix entry's request with `token` (if any); the body is an empty object for POST and PUT.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> crate::helpers::Resp {
    let method: Method = method.parse().unwrap();
    let body = (method == Method::POST || method == Method::PUT).then(|| json!({}));
    app.call(method, &concrete(path), token, body).await
}

async fn every_endpoint_admits_exactly_the_roles_in_the_matrix(app: TestApp) {
    let mut wrong = Vec::new();
    let mut refused = Vec::new();
    for &(method, path, allowed) in MATRIX {
        let anonymous = send(&app, method, path, None).await;
        if (anonymous.status, anonymous.code()) != (401, "UNAUTHORIZED") {
            wrong.push(format!(
                "{method} {path} without a token: {} {}",
                anonymous.status, anonymous.body
            ));
        }
        for &role in Role::ALL {
            let token = app.token('a', role).await;
            let resp = send(&app, method, path, Some(&token)).await;
            if allowed.contains(&role) {
                if matches!(resp.status, 401 | 403) || resp.status >= 500 {
                    wrong.push(format!(
                        "{method} {path} as {role:?} should be allowed: {} {}",
                        resp.status, resp.body
                    ));
                }
            } else {
                refused.push((username('a', role), format!("{method} {}", concrete(path))));
                let is_forbidden_problem = resp.status == 403
                    && resp.code() == "FORBIDDEN"
                    && resp.content_type() == "application/problem+json";
                if !is_forbidden_problem {
                    wrong.push(format!(
                        "{method} {path} as {role:?} should be 403 FORBIDDEN: {} {}",
                        resp.status, resp.body
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} calls disagree with the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Every refusal, and nothing else, is in the audit log: one DENIED entry per refused call.
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("AUTHORIZATION"))
        .all(&app.db)
        .await
        .unwrap();
    for entry in &denied {
        assert_eq!(entry.outcome, "DENIED", "{entry:?}");
        assert_eq!(entry.hospital_id, Some(app.hospital_a), "{entry:?}");
        assert_eq!(
            entry.resource_type.as_deref(),
            Some("endpoint"),
            "{entry:?}"
        );
        assert!(entry.actor_user_id.is_some(), "{entry:?}");
    }
    let mut logged: Vec<(String, String)> = denied
        .into_iter()
        .map(|e| {
            (
                e.actor_username.unwrap_or_default(),
                e.resource_id.unwrap_or_default(),
            )
        })
        .collect();
    logged.sort();
    refused.sort();
    assert_eq!(logged, refused, "audited refusals vs refused calls");
}

/// What no staff role opens: the board a display link's token opens (`waiting_room` tests it).
const NOT_BY_ROLE: &[&str] = &["/api/v1/display/board"];

/// The matrix names every operation under `/api/v1` but sign-in and the display board, so a new endpoint
/// cannot go unchecked.
#[test]
fn the_matrix_names_every_endpoint() {
    let spec: serde_json::Value =
        serde_json::from_str(&hospital::api::openapi().to_json().unwrap()).unwrap();
    let served: BTreeSet<(String, String)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| {
            path.starts_with("/api/v1/")
                && !path.starts_with("/api/v1/auth/")
                && !NOT_BY_ROLE.contains(&path.as_str())
        })
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let tabled: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(tabled, served);
}

/// Roles come from the database on every request: a changed role applies to a token issued before.
async fn a_role_change_applies_to_tokens_already_issued(app: TestApp) {
    let token = app.front_desk().await;
    assert_eq!(app.get("/api/v1/patients", &token).await.status, 200);

    let id = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("a_front_desk"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let demoted = app
        .put(
            &format!("/api/v1/users/{id}"),
            &app.admin().await,
            json!({ "display_name": "a FRONT_DESK", "role": "ANALYST", "is_active": true }),
        )
        .await;
    assert_eq!(demoted.status, 200, "{:?}", demoted.body);
    assert_eq!(demoted.body["role"], "ANALYST");

    app.get("/api/v1/patients", &token)
        .await
        .assert_problem(403, "FORBIDDEN");
    assert_eq!(app.get("/api/v1/departments", &token).await.status, 200);
    let who = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(who.body["role"], "ANALYST");
}

/// `GET /users?q=` is how an administrator finds the account to change; usernames are written with
/// underscores (`a_front_desk`), which the search must match literally.
async fn an_admin_finds_staff_by_a_username_with_an_underscore(app: TestApp) {
    let found = app
        .get("/api/v1/users?q=a_front_desk", &app.admin().await)
        .await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.body["total"], 1, "{:?}", found.body);
    assert_eq!(found.body["items"][0]["username"], "a_front_desk");
    assert_eq!(found.body["items"][0]["role"], "FRONT_DESK");
}
