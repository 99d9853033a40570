//! The server's edge, as a browser, a proxy or a load balancer meets it: `HEAD` wherever `GET` is,
//! compressed answers, cache headers that suit the web app's files, CORS for listed origins only, and a
//! per-address rate limit answered 429 with `Retry-After`.
use crate::helpers::{Backend, TestApp};
use hospital::config::Settings;
use reqwest::{Method, header};

async fn spawn(tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    TestApp::spawn_with(Backend::Sqlite, tweak).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn head_is_answered_wherever_get_is() {
    let Some(app) = spawn(|_| {}).await else {
        return;
    };
    let client = reqwest::Client::new();
    let token = app.admin().await;
    for path in ["/health", "/api/v1/departments", "/api-docs/openapi.json"] {
        let resp = client
            .head(app.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "HEAD {path}");
        assert!(
            resp.headers().contains_key(header::CONTENT_TYPE),
            "HEAD {path}"
        );
        assert!(
            resp.bytes().await.unwrap().is_empty(),
            "HEAD {path} sends no body"
        );
    }
    // A path with only other methods names HEAD among them when GET is one.
    let resp = app.call(Method::DELETE, "/health", None, None).await;
    resp.assert_problem(405, "METHOD_NOT_ALLOWED");
    assert_eq!(resp.headers[header::ALLOW], "GET, HEAD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn answers_are_compressed_when_the_client_accepts_it() {
    let Some(app) = spawn(|_| {}).await else {
        return;
    };
    let client = reqwest::Client::new();
    for (accepts, encoding) in [("gzip", "gzip"), ("br", "br"), ("br, gzip", "br")] {
        let resp = client
            .get(app.url("/api-docs/openapi.json"))
            .header(header::ACCEPT_ENCODING, accepts)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()[header::CONTENT_ENCODING],
            encoding,
            "{accepts}"
        );
        let compressed = resp.bytes().await.unwrap().len();
        let plain = client
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap();
        assert!(!plain.headers().contains_key(header::CONTENT_ENCODING));
        let plain = plain.bytes().await.unwrap().len();
        assert!(
            compressed * 4 < plain,
            "{accepts}: {compressed} of {plain} bytes"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_web_apps_hashed_assets_are_cached_for_good_and_its_page_never() {
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(web.path().join("assets")).unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>门诊</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("assets/index-3f9a1c.js"), "console.log(1)").unwrap();
    std::fs::write(web.path().join("favicon.ico"), "icon").unwrap();
    let root = web.path().to_path_buf();
    let Some(app) = spawn(move |s| s.static_dir = root).await else {
        return;
    };
    let cache_control = |resp: &crate::helpers::Resp| {
        resp.headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let asset = app
        .call(Method::GET, "/assets/index-3f9a1c.js", None, None)
        .await;
    assert_eq!(asset.status, 200);
    assert_eq!(
        cache_control(&asset).as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    for page in ["/", "/front-desk/check-in", "/favicon.ico"] {
        let resp = app.call(Method::GET, page, None, None).await;
        assert_eq!(resp.status, 200, "{page}");
        assert_eq!(cache_control(&resp).as_deref(), Some("no-cache"), "{page}");
    }
}

/// A preflight from `origin` for a GET of the departments: the origin the server allows, if any.
async fn preflight(app: &TestApp, origin: &str) -> Option<String> {
    let resp = reqwest::Client::new()
        .request(Method::OPTIONS, app.url("/api/v1/departments"))
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .send()
        .await
        .unwrap();
    resp.headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cross_origin_calls_are_allowed_for_listed_origins_only() {
    let Some(closed) = spawn(|_| {}).await else {
        return;
    };
    assert_eq!(preflight(&closed, "https://his.example.org").await, None);

    let Some(app) = spawn(|s| s.cors_origins = vec!["https://his.example.org".into()]).await else {
        return;
    };
    assert_eq!(
        preflight(&app, "https://his.example.org").await.as_deref(),
        Some("https://his.example.org")
    );
    assert_eq!(preflight(&app, "https://evil.example.net").await, None);

    let token = app.admin().await;
    let listed = reqwest::Client::new()
        .get(app.url("/api/v1/departments"))
        .bearer_auth(&token)
        .header(header::ORIGIN, "https://his.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(
        listed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://his.example.org"
    );
    let exposed = listed.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");

    // The server's own web app sends its own origin on writes: always allowed.
    let own_origin = app.url("");
    let own = reqwest::Client::new()
        .post(app.url("/api/v1/departments"))
        .bearer_auth(&token)
        .header(header::ORIGIN, own_origin)
        .json(&serde_json::json!({"code": "INT", "name": "内科"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_past_its_rate_is_answered_429_with_retry_after() {
    let Some(app) = spawn(|s| {
        s.rate_limit.per_second = 1;
        s.rate_limit.burst = 5;
    })
    .await
    else {
        return;
    };
    let client = reqwest::Client::new();
    let get = |path: &str, from: &str| {
        client
            .get(app.url(path))
            .header("x-forwarded-for", from)
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            get("/ready", "203.0.113.7")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..5], &[200; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");

    let refused = TestApp::read(get("/ready", "203.0.113.7").await.unwrap()).await;
    refused.assert_problem(429, "RATE_LIMITED");
    let retry: u64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert!(refused.headers.contains_key("x-request-id"));

    // Another address has its own allowance; liveness probes are never limited.
    assert_eq!(get("/ready", "203.0.113.8").await.unwrap().status(), 200);
    for _ in 0..10 {
        assert_eq!(get("/health", "203.0.113.7").await.unwrap().status(), 200);
    }
}

/// The samples of a Prometheus text exposition: `name{labels}` to value; every line must parse.
fn samples(text: &str) -> std::collections::HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (series, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("sample line {l:?}"));
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {l:?}"));
            (series.to_owned(), value)
        })
        .collect()
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(app.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_are_scraped_with_their_token_only() {
    let Some(closed) = spawn(|_| {}).await else {
        return;
    };
    TestApp::read(scrape(&closed, Some("anything")).await)
        .await
        .assert_problem(404, "NOT_FOUND");

    const TOKEN: &str = "scrape-token-for-prometheus-0001";
    let Some(app) = spawn(|s| {
        s.metrics_token = Some(TOKEN.to_owned().into());
        s.auth.max_failures_per_account = 2;
    })
    .await
    else {
        return;
    };
    for token in [None, Some("wrong-token")] {
        TestApp::read(scrape(&app, token).await)
            .await
            .assert_problem(401, "UNAUTHORIZED");
    }
    let before = samples(&scrape(&app, Some(TOKEN)).await.text().await.unwrap());
    let count = |s: &std::collections::HashMap<String, f64>, series: &str| {
        s.get(series).copied().unwrap_or(0.0)
    };

    let token = app.admin().await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/departments", &token).await.status, 200);
    }
    let admin_name = crate::helpers::username('a', hospital::domain::foundation::role::Role::Admin);
    for _ in 0..2 {
        assert_eq!(
            app.login(&admin_name, "not-the-password-1").await.status,
            401
        );
    }

    let resp = scrape(&app, Some(TOKEN)).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let after = samples(&resp.text().await.unwrap());
    let requests =
        r#"hospital_http_requests_total{method="GET",route="/api/v1/departments",status="200"}"#;
    assert!(
        count(&after, requests) - count(&before, requests) >= 3.0,
        "{after:?}"
    );
    let latency =
        r#"hospital_http_request_duration_seconds_count{method="GET",route="/api/v1/departments"}"#;
    assert!(count(&after, latency) - count(&before, latency) >= 3.0);
    for (series, at_least) in [
        ("hospital_login_failures_total", 2.0),
        ("hospital_login_lockouts_total", 1.0),
        // Each list read and each sign-in sends at least one statement.
        (r#"hospital_db_statements_total{outcome="ok"}"#, 5.0),
    ] {
        assert!(
            count(&after, series) - count(&before, series) >= at_least,
            "{series}"
        );
    }
    for series in [
        "hospital_audit_entries_unsealed",
        r#"hospital_db_pool_connections{state="in_use"}"#,
        r#"hospital_db_pool_connections{state="idle"}"#,
    ] {
        assert!(after.contains_key(series), "{series} in {after:?}");
    }
    // No identity of anyone in the exposition.
    assert!(!after.keys().any(|k| k.contains(&admin_name)));
}
