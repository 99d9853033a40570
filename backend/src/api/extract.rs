//! Request extractors: JSON bodies and query strings that fail as problem JSON naming the field, the
//! caller's address, and authentication and authorization as types (`CurrentUser`, `Auth<Policy>`).
use super::AppState;
use crate::{
    domain::foundation::role::Role,
    error::{AppError, ErrorCode, FieldError},
    services::{Actor, foundation::audit, foundation::auth},
};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use futures_util::{StreamExt, future::LocalBoxFuture};
use serde::de::DeserializeOwned;
use std::{marker::PhantomData, ops::Deref};

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// The field a serde error is about: its path, plus the missing field's name when serde reports one.
fn field_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> FieldError {
    let path = err.path().to_string();
    let message = err.inner().to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned);
    let field = match (path.as_str(), missing) {
        (".", Some(m)) => m,
        (p, Some(m)) => format!("{p}.{m}"),
        (".", None) => String::new(),
        (p, None) => p.to_owned(),
    };
    // serde's positions describe the body as a whole, not the field: drop them.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    FieldError { field, message }
}

/// A JSON request body. Wrong media type → 415, too large → 413, not JSON → 400 `MALFORMED_JSON`,
/// well-formed but wrong types or missing fields → 422 `VALIDATION_FAILED` with the field.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = matches!(req.mime_type(), Ok(Some(m)) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")));
        let limit = state(req)
            .map(|s| s.settings.max_body_bytes)
            .unwrap_or(1024 * 1024);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(AppError::request(
                    415,
                    ErrorCode::UnsupportedMediaType,
                    "the body must be JSON (Content-Type: application/json)",
                ));
            }
            let too_large = || {
                AppError::request(
                    413,
                    ErrorCode::PayloadTooLarge,
                    format!("the body must be at most {limit} bytes"),
                )
            };
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::request(
                        400,
                        ErrorCode::BadRequest,
                        format!("the body could not be read: {e}"),
                    )
                })?;
                if body.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            // Every body is an object: serde would also fill a struct from an array, by position.
            let first = body.iter().find(|b| !b.is_ascii_whitespace());
            if first.is_some_and(|b| *b != b'{') {
                return Err(
                    match serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
                        Ok(_) => AppError::invalid("", "the body must be a JSON object"),
                        Err(e) => AppError::request(
                            400,
                            ErrorCode::MalformedJson,
                            format!("the body is not valid JSON: {e}"),
                        ),
                    },
                );
            }
            let mut de = serde_json::Deserializer::from_slice(&body);
            let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                if e.inner().is_data() {
                    AppError::Validation(vec![field_error(e)])
                } else {
                    AppError::request(
                        400,
                        ErrorCode::MalformedJson,
                        format!("the body is not valid JSON: {}", e.inner()),
                    )
                }
            })?;
            de.end().map_err(|e| {
                AppError::request(
                    400,
                    ErrorCode::MalformedJson,
                    format!("the body is not valid JSON: {e}"),
                )
            })?;
            Ok(Json(value))
        })
    }
}

/// Query parameters; a wrong type → 422 naming the parameter. Unknown parameters are ignored, so a
/// handler can take two of these (paging and filters) from one query string.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = form_urlencoded::parse(req.query_string().as_bytes());
        // No parameter has a use for control characters, and PostgreSQL cannot even compare a NUL.
        if let Some((name, _)) = pairs.clone().find(|(_, v)| v.chars().any(char::is_control)) {
            let error = AppError::invalid(name.into_owned(), "must not contain control characters");
            return std::future::ready(Err(error));
        }
        let de = serde_urlencoded::Deserializer::new(pairs);
        std::future::ready(
            serde_path_to_error::deserialize(de)
                .map(Query)
                .map_err(|e| AppError::Validation(vec![field_error(e)])),
        )
    }
}

/// The client's address: the peer's, or with `APP_TRUST_PROXY` the one the (single, trusted) reverse proxy
/// appended: the last entry of `Forwarded: for=` or else of `X-Forwarded-For`. Entries before it were sent by
/// the client and prove nothing; an entry that is not an IP address is ignored.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> Option<String> {
    let forwarded = trust_proxy
        .then(|| proxied_address(req.headers()))
        .flatten();
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .map(|ip| ip.to_string())
}

fn proxied_address(headers: &header::HeaderMap) -> Option<std::net::IpAddr> {
    let last = |name: header::HeaderName| -> Option<String> {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .last()
            .map(str::to_owned)
    };
    if let Some(element) = last(header::FORWARDED) {
        // `for=192.0.2.60;proto=http;by=203.0.113.43`, `for="[2001:db8::1]:4711"`
        let node = element.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("for")
                .then(|| value.trim().trim_matches('"').to_owned())
        })?;
        return parse_node(&node);
    }
    last(header::X_FORWARDED_FOR).and_then(|v| parse_node(&v))
}

/// An address as proxies write it: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_node(node: &str) -> Option<std::net::IpAddr> {
    node.parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| node.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            node.strip_prefix('[')
                .and_then(|rest| rest.split(']').next())
                .and_then(|ip| ip.parse().ok())
        })
}

/// The outcome of authenticating the request's bearer token, left by [`authenticate`] for the extractors.
struct Authentication(Result<Actor, AppError>);

/// A refusal for [`authenticate`] to write to the audit log once the response is ready.
struct Refusal(audit::Entry);

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Middleware: authenticates the bearer token before any extractor runs, so `CurrentUser` and `Auth<P>`
/// answer at once and their 401/403 comes before any complaint about the body (actix polls a handler's
/// extractors together and returns the first error); and writes the refusals `Auth<P>` reports to the
/// audit log before the response leaves.
pub async fn authenticate(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // The metrics endpoint's and a display link's bearer are their own tokens, not a session's.
    let token = bearer(req.request()).filter(|t| {
        req.path() != "/metrics"
            && !t.starts_with(crate::services::outpatient::display_links::PREFIX)
    });
    if let (Some(state), Some(token)) = (&state, token) {
        let ip = client_ip(req.request(), state.settings.trust_proxy);
        let outcome = auth::authenticate(
            &state.db,
            &state.sessions,
            &state.keys,
            state.settings.auth.password_policy,
            &token,
            ip,
        )
        .await;
        if let Ok(actor) = &outcome {
            super::request_log::record_caller(&req, actor.user_id, actor.hospital_id);
        }
        req.extensions_mut().insert(Authentication(outcome));
    }
    let response = next.call(req).await?;
    let refusal = response.request().extensions_mut().remove::<Refusal>();
    if let (Some(Refusal(entry)), Some(state)) = (refusal, &state)
        && let Err(e) = audit::record(&state.db, entry).await
    {
        tracing::error!(error = %e, "writing a refused authorization to the audit log failed");
    }
    Ok(response)
}

/// An authenticated caller whose password may have expired: enough to see who they are, change the
/// password and sign out.
pub struct CurrentUser(pub Actor);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let outcome = match req.extensions_mut().remove::<Authentication>() {
            Some(Authentication(outcome)) => outcome.map(CurrentUser),
            None => Err(AppError::Unauthorized(
                "a bearer access token is required".into(),
            )),
        };
        std::future::ready(outcome)
    }
}

impl Deref for CurrentUser {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// Who may call an endpoint.
pub trait Policy {
    const ROLES: &'static [Role];
}

macro_rules! policy {
    ($(#[$meta:meta])* $name:ident: $($role:ident),+) => {
        $(#[$meta])*
        pub struct $name;
        impl Policy for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
        }
    };
}

policy!(/// Every signed-in staff member.
    AnyStaff: Admin, FrontDesk, Doctor, Analyst);
policy!(/// Administration: users, the department list, doctors, the catalogue.
    AdminOnly: Admin);
policy!(/// Registering and looking after patients at the front desk.
    FrontOffice: Admin, FrontDesk);
policy!(/// A doctor at their workstation.
    DoctorOnly: Doctor);
policy!(/// Reading visits: the front desk (to bill them), doctors (their own) and administrators.
    Clinical: Admin, FrontDesk, Doctor);
policy!(/// Statistics and the accounting module.
    Analytics: Admin, Analyst);

/// An authenticated caller whose role the policy `P` admits. A refusal is audited and answers 403.
pub struct Auth<P>(pub Actor, PhantomData<P>);

impl<P: Policy + 'static> FromRequest for Auth<P> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let authorized = CurrentUser::from_request(req, payload)
            .into_inner()
            .and_then(|CurrentUser(actor)| {
                if actor.password_expired {
                    return Err(AppError::PasswordExpired);
                }
                if !P::ROLES.contains(&actor.role) {
                    let entry = actor
                        .audit(
                            "AUTHORIZATION",
                            "endpoint",
                            format!("{} {}", req.method(), req.path()),
                        )
                        .with_outcome(audit::Outcome::Denied)
                        .with_detail(serde_json::json!({ "role": actor.role }));
                    req.extensions_mut().insert(Refusal(entry));
                    return Err(AppError::Forbidden);
                }
                Ok(Auth(actor, PhantomData))
            });
        std::future::ready(authorized)
    }
}

impl<P> Deref for Auth<P> {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(headers: &[(&str, &str)], trust_proxy: bool) -> Option<String> {
        let mut req = TestRequest::default().peer_addr("10.0.0.2:50000".parse().expect("addr"));
        for (name, value) in headers {
            req = req.append_header((*name, *value));
        }
        client_ip(&req.to_http_request(), trust_proxy)
    }

    #[test]
    fn the_proxy_appended_address_is_taken_not_the_clients() {
        let spoofed = [("X-Forwarded-For", "1.2.3.4, 203.0.113.7")];
        assert_eq!(ip(&spoofed, true).as_deref(), Some("203.0.113.7"));
        assert_eq!(ip(&spoofed, false).as_deref(), Some("10.0.0.2"));
        let lines = [
            ("X-Forwarded-For", "1.2.3.4"),
            ("X-Forwarded-For", "198.51.100.9"),
        ];
        assert_eq!(ip(&lines, true).as_deref(), Some("198.51.100.9"));
        let forwarded = [(
            "Forwarded",
            "for=1.2.3.4, for=\"[2001:db8::1]:4711\";proto=https",
        )];
        assert_eq!(ip(&forwarded, true).as_deref(), Some("2001:db8::1"));
        let port = [("X-Forwarded-For", "192.0.2.60:4711")];
        assert_eq!(ip(&port, true).as_deref(), Some("192.0.2.60"));
    }

    #[test]
    fn an_entry_that_is_no_address_is_ignored() {
        for junk in ["unknown", "_hidden", "1.2.3.4, evil", "' OR 1=1"] {
            assert_eq!(
                ip(&[("X-Forwarded-For", junk)], true).as_deref(),
                Some("10.0.0.2")
            );
        }
        assert_eq!(
            ip(&[("Forwarded", "for=unknown")], true).as_deref(),
            Some("10.0.0.2")
        );
    }
}
