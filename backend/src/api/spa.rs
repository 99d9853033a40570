//! Whatever no route took: 405 for a known path with another method, problem 404 under the API, and
//! otherwise the SPA's files, with `index.html` for its client-side routes so deep links survive a reload.
use super::{AppState, RouteTable};
use crate::error::{AppError, ErrorCode};
use actix_files::NamedFile;
use actix_web::{HttpRequest, HttpResponse, ResponseError, http::Method, http::header, web};

const API_PREFIXES: &[&str] = &["/api/", "/api-docs/", "/swagger-ui", "/health", "/ready"];

/// 405 `METHOD_NOT_ALLOWED` with the `Allow` header.
pub fn method_not_allowed(method: &Method, allowed: &[String]) -> HttpResponse {
    let mut response = AppError::request(
        405,
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed here; use {}", allowed.join(", ")),
    )
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

pub async fn fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
    routes: web::Data<RouteTable>,
) -> HttpResponse {
    let path = req.path();
    if let Some(allowed) = routes.allowed(path) {
        return method_not_allowed(req.method(), &allowed);
    }
    let not_found = || {
        AppError::request(
            404,
            ErrorCode::NotFound,
            format!("no route for {} {path}", req.method()),
        )
        .error_response()
    };
    if path == "/api" || API_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return not_found();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return not_found();
    }
    let root = &state.settings.static_dir;
    let relative = path.trim_start_matches('/');
    let safe = relative
        .split('/')
        .all(|seg| !seg.starts_with('.') && !seg.contains('\\'));
    if safe
        && !relative.is_empty()
        && let Ok(file) = NamedFile::open(root.join(relative))
    {
        // The build names its assets by their content: a changed file is a new name, so they never go stale.
        let cache = if relative.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return with_cache_control(file.into_response(&req), cache);
    }
    match NamedFile::open(root.join("index.html")) {
        // Always revalidated, so a new release's asset names reach the browser at once.
        Ok(index) => with_cache_control(index.into_response(&req), "no-cache"),
        Err(_) => not_found(),
    }
}

fn with_cache_control(mut response: HttpResponse, value: &'static str) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(value),
    );
    response
}
