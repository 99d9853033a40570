//! One log line per request, and the request id that ties every line of a request together.
//!
//! `assign` (the outermost middleware) takes the client's `x-request-id` when it is a plausible id, or makes
//! one, and returns it on every response. `RequestSpan` opens the request's span with that id; the
//! authentication middleware adds the user and hospital to it; when the answer is ready the span logs one
//! line with the method, the route (its pattern: never the path or query, which may hold identity numbers),
//! the status and the duration. Nothing of the request's headers or body is logged.
use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use std::time::Instant;
use tracing::{Span, field::Empty};
use tracing_actix_web::{RootSpan, RootSpanBuilder};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client.
const MAX_LEN: usize = 128;

/// The request's id, as logged and returned.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// When the request arrived.
#[derive(Clone, Copy)]
struct Arrived(Instant);

/// An id a client may choose: letters, digits and `-_.:` only, so it cannot forge log lines or headers.
fn plausible(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn generate() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| plausible(v))
        .map_or_else(generate, str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(Arrived(Instant::now()));
    // Handlers' and extractors' errors arrive as responses; a middleware's own error (503 while the
    // database is down, 500 for a panic) is rendered by actix later, so it carries the id itself.
    let mut response = next.call(req).await.map_err(|error| WithRequestId {
        error,
        id: id.clone(),
    })?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

/// An error answered with the request's id.
#[derive(Debug)]
struct WithRequestId {
    error: Error,
    id: String,
}

impl std::fmt::Display for WithRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl actix_web::ResponseError for WithRequestId {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.error.as_response_error().status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut response = self.error.error_response();
        if let Ok(value) = HeaderValue::from_str(&self.id) {
            response.headers_mut().insert(HEADER, value);
        }
        response
    }
}

/// Names the user and hospital of an authenticated request in its span.
pub fn record_caller(req: &ServiceRequest, user_id: i64, hospital_id: i64) {
    if let Some(span) = req.extensions().get::<RootSpan>() {
        span.record("user_id", user_id);
        span.record("hospital_id", hospital_id);
    }
}

pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route = Empty,
            user_id = Empty,
            hospital_id = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, route, duration_ms) = match outcome {
            Ok(response) => {
                let request = response.request();
                let arrived = request.extensions().get::<Arrived>().copied();
                (
                    response.status(),
                    request.match_pattern(),
                    arrived.map(|a| a.0.elapsed().as_micros() as f64 / 1000.0),
                )
            }
            Err(e) => (e.as_response_error().status_code(), None, None),
        };
        let route = route.as_deref().unwrap_or("unmatched");
        span.record("route", tracing::field::display(route));
        let status = status.as_u16();
        if let Ok(response) = outcome {
            let method = response.request().method().as_str();
            crate::metrics::get().request(method, route, status, duration_ms.map(|ms| ms / 1000.0));
        }
        span.in_scope(|| {
            if status >= 500 {
                tracing::error!(status, duration_ms, "request");
            } else {
                tracing::info!(status, duration_ms, "request");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_taken_from_clients() {
        for good in ["abc", "0f6c1d2e-93b1-4c5e-a0d2-7d1c2b3a4e5f", "lb.1:42_x"] {
            assert!(plausible(good), "{good}");
        }
        let long = "a".repeat(MAX_LEN + 1);
        for bad in ["", "a b", "x\ny", "x\"}", "身份证", long.as_str()] {
            assert!(!plausible(bad), "{bad:?}");
        }
        assert_eq!(generate().len(), 32);
        assert!(plausible(&generate()));
    }
}
