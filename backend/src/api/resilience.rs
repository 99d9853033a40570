//! What keeps every request answered: a panic anywhere becomes a 500 problem instead of a dropped connection,
//! and while the database is known to be unreachable, requests that need it are answered 503 at once instead
//! of waiting out the connection pool.
use super::AppState;
use crate::error::AppError;
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;

/// Paths that never touch the database: liveness, the API description and the SPA's files.
fn needs_database(path: &str) -> bool {
    path.starts_with("/api/v1/") || path == "/ready"
}

/// Errors returned from here are rendered by actix as the error's own response (problem JSON).
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let health = req
        .app_data::<web::Data<AppState>>()
        .filter(|_| needs_database(req.path()))
        .map(|state| state.health.clone());
    if health.as_ref().is_some_and(|h| h.is_down()) {
        return Err(AppError::DatabaseDown.into());
    }
    let what = format!("{} {}", req.method(), req.path());
    let handled = AssertUnwindSafe(next.call(req)).catch_unwind();
    let outcome = match &health {
        // A request waiting on the database when it goes away is answered now: nothing it does can commit.
        Some(health) => {
            tokio::select! {
                outcome = handled => outcome,
                () = health.went_down() => return Err(AppError::DatabaseDown.into()),
            }
        }
        None => handled.await,
    };
    outcome.map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        actix_web::Error::from(AppError::Internal(anyhow::anyhow!(
            "the handler of {what} panicked: {message}"
        )))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, http::StatusCode, test};

    #[actix_web::test]
    async fn a_panicking_handler_is_answered_500_problem_json() {
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(guard))
                .route(
                    "/api/v1/boom",
                    web::get().to(|| async {
                        let pages: Vec<u64> = Vec::new();
                        pages[0].to_string()
                    }),
                )
                .route("/api/v1/fine", web::get().to(|| async { "fine" })),
        )
        .await;
        // The server renders an error that reaches it with the error's own response.
        let response = match test::try_call_service(
            &app,
            test::TestRequest::get().uri("/api/v1/boom").to_request(),
        )
        .await
        {
            Ok(_) => panic!("a panic answered as if it were fine"),
            Err(error) => error.error_response(),
        };
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers().get("content-type").map(|v| v.as_bytes()),
            Some(super::super::problem::PROBLEM_JSON.as_bytes())
        );
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("problem json");
        assert_eq!(body["code"], "INTERNAL_ERROR");
        assert!(
            !body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("index out of bounds"),
            "the panic stays in the log"
        );
        // The worker lives on.
        let after = test::call_service(
            &app,
            test::TestRequest::get().uri("/api/v1/fine").to_request(),
        )
        .await;
        assert_eq!(after.status(), StatusCode::OK);
    }
}
