//! The server's edge, before any route: `HEAD` answered wherever `GET` is, CORS for a web app served from
//! another origin, and a per-client rate limit. (Compression is actix's `Compress`; the SPA's cache
//! headers are set where its files are served.)
use super::extract::client_ip;
use crate::{config::RateLimitSettings, error::AppError};
use actix_cors::Cors;
use actix_web::{
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, header},
    middleware::Next,
    web,
};
use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};
use std::{num::NonZeroU32, sync::Arc, time::Duration};

/// Serves `HEAD` by the `GET` route: the HTTP layer, which knows the request was `HEAD`, sends the
/// headers without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// CORS for the listed origins (`APP_CORS_ORIGINS`); with none listed, no cross-origin request is
/// allowed (the browser's same-origin default). The server's own origin is always allowed: browsers send
/// `Origin` on its own web app's writes too.
pub fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_origin_fn(|origin, head| {
            let host = head
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            let origin_host = origin
                .to_str()
                .ok()
                .and_then(|o| o.split_once("://"))
                .map(|(_, host)| host);
            host.is_some() && host == origin_host
        })
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            super::request_log::HEADER,
        ])
        .expose_headers([
            super::request_log::HEADER,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::ETAG,
        ])
        .max_age(3600)
}

/// Requests per client address: a steady rate with a burst above it (`APP_RATE_LIMIT_PER_SECOND`,
/// `APP_RATE_LIMIT_BURST`). Liveness probes are not counted.
pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<String>,
    trust_proxy: bool,
}

impl RateLimit {
    /// None when the settings turn it off (a rate of 0).
    pub fn new(settings: &RateLimitSettings, trust_proxy: bool) -> Option<Arc<Self>> {
        let rate = NonZeroU32::new(settings.per_second)?;
        let burst = NonZeroU32::new(settings.burst).unwrap_or(rate);
        Some(Arc::new(Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            trust_proxy,
        }))
    }

    /// Forgets clients whose allowance is full again, so the table does not grow without bound.
    pub fn spawn_cleaner(self: &Arc<Self>) {
        let limit = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                match limit.upgrade() {
                    Some(limit) => limit.limiter.retain_recent(),
                    None => return,
                }
            }
        });
    }
}

pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<RateLimit>>()
        .filter(|_| req.path() != "/health")
        .cloned();
    if let Some(limit) = limit {
        let client = client_ip(req.request(), limit.trust_proxy).unwrap_or_default();
        if let Err(not_until) = limit.limiter.check_key(&client) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(AppError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
            .into());
        }
    }
    next.call(req).await
}
