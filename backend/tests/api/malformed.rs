//! No request, however malformed, gets a 500: broken or mistyped bodies, wrong media types, oversized
//! payloads (declared or chunked), unknown routes and methods, unparsable ids and query parameters, and
//! hostile strings each get a problem JSON with a stable code; hostile but valid text is stored verbatim.
//! Paths outside the API serve the single-page app, whose deep links survive a reload.
use crate::{
    db_tests,
    fixtures::{create_department, doctor, enc, ids, patient},
    helpers::{Backend, Resp, TestApp},
};
use reqwest::Method;
use serde_json::json;
use std::io::{Read, Write};

db_tests!(
    malformed_bodies_get_problem_json_on_every_write_endpoint,
    wrong_field_types_missing_and_unknown_fields_are_named,
    a_body_that_is_not_an_object_is_refused,
    a_body_of_exactly_one_mebibyte_is_read_and_one_byte_more_is_refused,
    a_chunked_body_over_one_mebibyte_is_refused,
    unknown_routes_and_wrong_methods_are_problems,
    unparsable_or_huge_ids_are_not_found,
    bad_query_parameter_types_name_the_parameter,
    hostile_search_strings_never_fail_the_server,
    hostile_but_valid_text_is_stored_verbatim,
    hostile_sign_in_attempts_are_refused_not_crashed,
    the_spa_fallback_without_a_build_is_a_not_found_problem,
);

/// Sends raw bytes with an optional Content-Type.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Resp {
    let mut req = app.client.request(method, app.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ct) = content_type {
        req = req.header(reqwest::header::CONTENT_TYPE, ct);
    }
    TestApp::read(req.send().await.expect("request")).await
}

const JSON: Option<&str> = Some("application/json");
const TEXT: Option<&str> = Some("text/plain");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");
const XML: Option<&str> = Some("application/xml");
const MALFORMED: &str = "MALFORMED_JSON";
const INVALID: &str = "VALIDATION_FAILED";
const UNSUPPORTED: &str = "UNSUPPORTED_MEDIA_TYPE";

/// A malformed request body: what it is, its Content-Type, its bytes, and the status and code it gets.
struct BodyCase {
    what: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn case(
    what: &'static str,
    content_type: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> BodyCase {
    BodyCase {
        what,
        content_type,
        body: body.into(),
        status,
        code,
    }
}

async fn malformed_bodies_get_problem_json_on_every_write_endpoint(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    let targets = [
        (Method::POST, "/api/v1/departments".to_owned()),
        (Method::PUT, format!("/api/v1/departments/{dept}")),
        (Method::POST, "/api/v1/doctors".to_owned()),
        (Method::POST, "/api/v1/patients".to_owned()),
        (Method::PUT, "/api/v1/patients/1".to_owned()),
        (Method::POST, "/api/v1/charge-items".to_owned()),
        (Method::POST, "/api/v1/diagnoses".to_owned()),
        (Method::POST, "/api/v1/insurance-types".to_owned()),
        (Method::PUT, "/api/v1/insurance-types/1".to_owned()),
        (Method::POST, "/api/v1/users".to_owned()),
        (Method::POST, "/api/v1/auth/login".to_owned()),
        (Method::PUT, "/api/v1/booking-rules".to_owned()),
        (Method::POST, "/api/v1/display-links".to_owned()),
        (Method::POST, "/api/v1/schedules/1/waitlist".to_owned()),
        (Method::PUT, "/api/v1/schedules/1/capacity".to_owned()),
        (Method::POST, "/api/v1/appointments/1/move".to_owned()),
        (Method::POST, "/api/v1/patients/1/no-show-pardon".to_owned()),
        (Method::POST, "/api/v1/calculation-tasks".to_owned()),
        (Method::POST, "/api/v1/calculation-batches".to_owned()),
        (Method::PUT, "/api/v1/auto-calculation".to_owned()),
        (
            Method::POST,
            "/api/v1/accounting-periods/2026-10/review".to_owned(),
        ),
        (
            Method::POST,
            "/api/v1/accounting-periods/2026-10/reopen".to_owned(),
        ),
    ];
    let nested = "[".repeat(100_000);
    // Every body fails on its first token or its first value, so the outcome is the same whatever the
    // endpoint expects.
    let cases = [
        case("not JSON", JSON, "code=INT&name=x", 400, MALFORMED),
        case("truncated", JSON, r#"{"na"#, 400, MALFORMED),
        case("empty", JSON, "", 400, MALFORMED),
        case("whitespace only", JSON, "  \n ", 400, MALFORMED),
        case("single quotes", JSON, "{'code': 'A'}", 400, MALFORMED),
        case("invalid UTF-8", JSON, b"{\"\xff\xfe\": 1}", 400, MALFORMED),
        case("lone surrogate", JSON, r#"{"\ud800": 1}"#, 400, MALFORMED),
        case("an array", JSON, "[1, 2]", 422, INVALID),
        case("a string", JSON, r#""INT""#, 422, INVALID),
        case("null", JSON, "null", 422, INVALID),
        case("deep nesting", JSON, nested.as_str(), 400, MALFORMED),
        case("text/plain", TEXT, r#"{"code": "A"}"#, 415, UNSUPPORTED),
        case("form", FORM, "code=A", 415, UNSUPPORTED),
        case("XML", XML, "<code>A</code>", 415, UNSUPPORTED),
        case("no content type", None, "{}", 415, UNSUPPORTED),
    ];
    for (method, path) in &targets {
        for c in &cases {
            let resp = send(
                &app,
                method.clone(),
                path,
                Some(&token),
                c.content_type,
                c.body.clone(),
            )
            .await;
            assert_eq!(
                resp.status, c.status,
                "{}: {method} {path}: {:?}",
                c.what, resp.body
            );
            resp.assert_problem(c.status, c.code);
        }
    }
    // A valid value followed by garbage is still not JSON.
    let trailing = send(
        &app,
        Method::POST,
        "/api/v1/departments",
        Some(&token),
        JSON,
        br#"{"code": "T", "name": "t"} x"#.to_vec(),
    )
    .await;
    trailing.assert_problem(400, "MALFORMED_JSON");
    // A JSON media type with parameters, or a +json suffix, is JSON.
    for (code, content_type) in [
        ("UTF8", "application/json; charset=utf-8"),
        ("SUFFIX", "application/merge-patch+json"),
    ] {
        let resp = send(
            &app,
            Method::POST,
            "/api/v1/departments",
            Some(&token),
            Some(content_type),
            json!({"code": code, "name": code}).to_string(),
        )
        .await;
        assert_eq!(resp.status, 201, "{content_type}: {:?}", resp.body);
    }
    // Nothing malformed got through.
    let list = app.get("/api/v1/departments?q=INT", &token).await;
    assert_eq!(ids(&list), vec![dept]);
    let all = app.get("/api/v1/departments", &token).await;
    assert_eq!(all.body["total"], 3, "INT and the two JSON-typed ones");
    let read = app
        .get(&format!("/api/v1/departments/{dept}"), &token)
        .await;
    assert_eq!(read.body["code"], "INT");
}

async fn wrong_field_types_missing_and_unknown_fields_are_named(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = doctor("刘佳怡", dept, 1);
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = doctor("刘佳怡", dept, 1);
        body.as_object_mut().expect("object").remove(field);
        body
    };
    let cases = [
        (
            "/api/v1/doctors",
            with("available_slots_per_day", json!("x")),
            "available_slots_per_day",
        ),
        (
            "/api/v1/doctors",
            with("available_slots_per_day", json!(1.5)),
            "available_slots_per_day",
        ),
        (
            "/api/v1/doctors",
            with("department_id", json!("abc")),
            "department_id",
        ),
        (
            "/api/v1/doctors",
            with("department_id", json!(99_999_999_999_999_999_999_f64)),
            "department_id",
        ),
        (
            "/api/v1/doctors",
            with("department_id", json!(null)),
            "department_id",
        ),
        ("/api/v1/doctors", with("name", json!(["刘"])), "name"),
        (
            "/api/v1/doctors",
            with("is_active", json!("yes")),
            "is_active",
        ),
        ("/api/v1/doctors", without("title"), "title"),
        ("/api/v1/doctors", without("department_id"), "department_id"),
        ("/api/v1/doctors", with("capacity", json!(10)), "capacity"),
        ("/api/v1/doctors", with("id", json!(1)), "id"),
        ("/api/v1/departments", json!({"code": "A"}), "name"),
        (
            "/api/v1/departments",
            json!({"code": 7, "name": "x"}),
            "code",
        ),
        (
            "/api/v1/departments",
            json!({"code": "A", "name": "x", "hospital_id": 2}),
            "hospital_id",
        ),
        (
            "/api/v1/patients",
            json!({"name": "王", "document_no": "1", "phone": "1", "gender": "MALE", "insurance_type": "SELF_PAY", "dob": "1980-13-01"}),
            "dob",
        ),
        (
            "/api/v1/charge-items",
            json!({"item_code": "A", "item_name": "x", "item_category": "LAB", "unit_price": true}),
            "unit_price",
        ),
        (
            "/api/v1/users",
            json!({"username": "abc", "display_name": "x", "role": "ADMIN"}),
            "password",
        ),
    ];
    for (path, body, field) in cases {
        let resp = app.post(path, &token, body.clone()).await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            resp.field_errors().contains_key(field),
            "{path} {body}: no error for {field}: {:?}",
            resp.body
        );
    }
    let doctors = app.get("/api/v1/doctors", &token).await;
    assert_eq!(doctors.body["total"], 0);
}

/// `{"code": "BIG", "name": "xxx…"}` of exactly `len` bytes.
fn json_of_len(len: usize) -> Vec<u8> {
    let head = br#"{"code": "BIG", "name": ""#;
    let tail = br#""}"#;
    let mut body = head.to_vec();
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail);
    assert_eq!(body.len(), len);
    body
}

const MIB: usize = 1024 * 1024;

async fn a_body_of_exactly_one_mebibyte_is_read_and_one_byte_more_is_refused(app: TestApp) {
    let token = app.admin().await;
    let at_limit = send(
        &app,
        Method::POST,
        "/api/v1/departments",
        Some(&token),
        JSON,
        json_of_len(MIB),
    )
    .await;
    // Read and parsed: only then is the 1 MiB name found too long.
    let message = at_limit.field_errors().remove("name").unwrap_or_default();
    at_limit.assert_problem(422, "VALIDATION_FAILED");
    assert!(message.contains("at most 64"), "{message}");

    for path in [
        "/api/v1/departments",
        "/api/v1/patients",
        "/api/v1/auth/login",
    ] {
        let over = send(
            &app,
            Method::POST,
            path,
            Some(&token),
            JSON,
            json_of_len(MIB + 1),
        )
        .await;
        over.assert_problem(413, "PAYLOAD_TOO_LARGE");
    }
    let big = send(
        &app,
        Method::POST,
        "/api/v1/departments",
        Some(&token),
        JSON,
        json_of_len(8 * MIB),
    )
    .await;
    big.assert_problem(413, "PAYLOAD_TOO_LARGE");
    // The server is still serving.
    assert_eq!(app.get("/api/v1/departments", &token).await.status, 200);
}

/// Sends a POST with a chunked body over a raw connection and returns the status and the response text.
fn post_chunked(address: &str, path: &str, token: &str, body: &[u8]) -> (u16, String) {
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    let timeout = Some(std::time::Duration::from_secs(10));
    stream.set_read_timeout(timeout).expect("timeout");
    stream.set_write_timeout(timeout).expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    // The server may answer and close before the whole body is sent: write errors are expected.
    let _ = stream.write_all(head.as_bytes());
    for chunk in body.chunks(64 * 1024) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    (status, text)
}

async fn a_chunked_body_over_one_mebibyte_is_refused(app: TestApp) {
    let token = app.admin().await;
    for (len, status, code) in [
        (MIB + 1, 413, "PAYLOAD_TOO_LARGE"),
        (4 * MIB, 413, "PAYLOAD_TOO_LARGE"),
        (MIB, 422, "VALIDATION_FAILED"),
    ] {
        let (address, token) = (app.address.clone(), token.clone());
        let (got, text) = tokio::task::spawn_blocking(move || {
            post_chunked(&address, "/api/v1/departments", &token, &json_of_len(len))
        })
        .await
        .expect("chunked request");
        assert_eq!(got, status, "{len} bytes chunked: {text}");
        assert!(
            text.contains("application/problem+json")
                && text.contains(&format!("\"code\":\"{code}\"")),
            "{text}"
        );
    }
    // A small chunked body is read normally.
    let (address, token2) = (app.address.clone(), token.clone());
    let (got, text) = tokio::task::spawn_blocking(move || {
        post_chunked(
            &address,
            "/api/v1/departments",
            &token2,
            br#"{"code": "CHK", "name": "chunked"}"#,
        )
    })
    .await
    .expect("chunked request");
    assert_eq!(got, 201, "{text}");
    let list = app.get("/api/v1/departments", &token).await;
    assert_eq!(list.body["total"], 1);
}

async fn unknown_routes_and_wrong_methods_are_problems(app: TestApp) {
    let token = app.admin().await;
    for (method, path) in [
        (Method::GET, "/api/v1/nope"),
        (Method::GET, "/api"),
        (Method::GET, "/api/"),
        (Method::POST, "/api/v2/departments"),
        (Method::GET, "/api/v1/departments/1/doctors"),
        (Method::DELETE, "/api/v1/users/1/sessions"),
        (Method::GET, "/api-docs/nope.json"),
    ] {
        let resp = app.call(method.clone(), path, Some(&token), None).await;
        resp.assert_problem(404, "NOT_FOUND");
        assert!(
            resp.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains(path)),
            "{method} {path}: {:?}",
            resp.body
        );
    }

    for (method, path, allowed) in [
        (Method::DELETE, "/api/v1/auth/login", vec!["POST"]),
        (Method::GET, "/api/v1/auth/login", vec!["POST"]),
        (
            Method::PATCH,
            "/api/v1/departments/1",
            vec!["GET", "HEAD", "PUT", "DELETE"],
        ),
        (
            Method::POST,
            "/api/v1/departments/1",
            vec!["GET", "HEAD", "PUT", "DELETE"],
        ),
        (
            Method::PUT,
            "/api/v1/departments",
            vec!["GET", "HEAD", "POST"],
        ),
        (
            Method::DELETE,
            "/api/v1/users/1",
            vec!["GET", "HEAD", "PUT"],
        ),
        (
            Method::PATCH,
            "/api/v1/patients/abc",
            vec!["GET", "HEAD", "PUT", "DELETE"],
        ),
        // A literal path beside a templated one is its own resource.
        (
            Method::OPTIONS,
            "/api/v1/appointments/walk-in",
            vec!["POST"],
        ),
        (Method::OPTIONS, "/api/v1/schedules/week", vec!["POST"]),
        (Method::GET, "/api/v1/appointments/walk-in", vec!["POST"]),
        (Method::GET, "/api/v1/schedules/week", vec!["POST"]),
    ] {
        let resp = app.call(method.clone(), path, Some(&token), None).await;
        resp.assert_problem(405, "METHOD_NOT_ALLOWED");
        let header = resp
            .headers
            .get(reqwest::header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{method} {path}: no Allow header"));
        let mut got: Vec<&str> = header.split(',').map(str::trim).collect();
        got.sort_unstable();
        let mut expected = allowed.clone();
        expected.sort_unstable();
        assert_eq!(got, expected, "{method} {path}");
    }
    // Without a token, too: the method is wrong whoever asks.
    let anonymous = app
        .call(Method::PATCH, "/api/v1/departments/1", None, None)
        .await;
    anonymous.assert_problem(405, "METHOD_NOT_ALLOWED");
}

async fn unparsable_or_huge_ids_are_not_found(app: TestApp) {
    let token = app.admin().await;
    let body = json!({"code": "X", "name": "X"});
    for resource in [
        "departments",
        "doctors",
        "patients",
        "charge-items",
        "users",
    ] {
        for id in [
            "abc",
            "99999999999999999999",
            "9223372036854775807",
            "-1",
            "0",
            "1.5",
            "1e3",
            "%00",
            "%20",
        ] {
            let path = format!("/api/v1/{resource}/{id}");
            app.get(&path, &token)
                .await
                .assert_problem(404, "NOT_FOUND");
            let put = app.put(&path, &token, body.clone()).await;
            assert!(
                put.status == 404 || put.status == 422,
                "PUT {path}: {:?}",
                put.body
            );
            assert_eq!(put.content_type(), "application/problem+json");
            if resource != "users" {
                app.delete(&path, &token)
                    .await
                    .assert_problem(404, "NOT_FOUND");
            }
        }
    }
    // With a body that would otherwise be valid, an unparsable id is simply not found.
    app.put("/api/v1/departments/abc", &token, body)
        .await
        .assert_problem(404, "NOT_FOUND");
}

async fn bad_query_parameter_types_name_the_parameter(app: TestApp) {
    let token = app.admin().await;
    for (path, field) in [
        ("/api/v1/departments?page=abc", "page"),
        ("/api/v1/departments?page=1.5", "page"),
        ("/api/v1/departments?page=99999999999999999999999", "page"),
        ("/api/v1/departments?page_size=%00", "page_size"),
        ("/api/v1/departments?is_active=maybe", "is_active"),
        ("/api/v1/departments?is_active=1", "is_active"),
        ("/api/v1/doctors?department_id=x", "department_id"),
        ("/api/v1/doctors?is_active=", "is_active"),
        ("/api/v1/patients?is_active=TRUE", "is_active"),
        (
            "/api/v1/charge-items?executing_department_id=1.0",
            "executing_department_id",
        ),
        ("/api/v1/users?is_active=yes", "is_active"),
        // Sent blank is not a date, an integer or a granularity (left out, it is the default).
        ("/api/v1/statistics/outpatient?date_to=", "date_to"),
        ("/api/v1/statistics/outpatient?date_from=%20", "date_from"),
        (
            "/api/v1/statistics/outpatient?department_id=",
            "department_id",
        ),
        (
            "/api/v1/statistics/outpatient.xlsx?granularity=",
            "granularity",
        ),
    ] {
        let resp = app.get(path, &token).await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(
            resp.field_errors().contains_key(field),
            "{path}: no error for {field}: {:?}",
            resp.body
        );
    }
    // Unknown parameters are ignored; repeated or oddly encoded ones do not crash.
    for path in [
        "/api/v1/departments?unknown=1",
        "/api/v1/departments?q=a&q=b",
        "/api/v1/departments?q=%ZZ",
        "/api/v1/departments?&&&=&",
    ] {
        let resp = app.get(path, &token).await;
        assert!(resp.status < 500, "{path}: {:?}", resp.body);
    }
}

/// Hostile values for `q`.
fn hostile_queries() -> Vec<String> {
    vec![
        "' OR 1=1 --".into(),
        "\" OR \"\"=\"".into(),
        "1; DROP TABLE patient; --".into(),
        "%' OR '1'='1".into(),
        "\\".into(),
        "\u{0}".into(),
        "a\u{0}b".into(),
        "x".repeat(10_000),
        "x".repeat(60_000),
        "_".repeat(30_000),
        "秀".repeat(3_000),
        "😀".into(),
        "\u{202E}\u{200F}".into(),
        "\u{FEFF}".into(),
        "\u{FFFF}".into(),
    ]
}

async fn hostile_search_strings_never_fail_the_server(app: TestApp) {
    let token = app.admin().await;
    create_department(&app, &token, "INT", "内科").await;
    let dept = create_department(&app, &token, "SUR", "外科").await;
    crate::fixtures::create_doctor(&app, &token, doctor("刘佳怡", dept, 1)).await;
    crate::fixtures::create_patient(&app, &token, patient("王秀英", 1)).await;
    // Every case is tried and the failures reported together.
    let mut failures = Vec::new();
    for q in hostile_queries() {
        for list in [
            "departments",
            "doctors",
            "patients",
            "charge-items",
            "users",
        ] {
            let resp = app
                .get(&format!("/api/v1/{list}?q={}", enc(&q)), &token)
                .await;
            let shown: String = q.chars().take(12).collect();
            let case = format!("{list}?q={shown:?} ({} chars)", q.chars().count());
            let fine = match resp.status {
                200 => resp.body["total"] == 0,
                422 => resp.code() == "VALIDATION_FAILED" && resp.field_errors().contains_key("q"),
                _ => false,
            };
            if !fine {
                failures.push(format!(
                    "{case}: {} total={} code={}",
                    resp.status,
                    resp.body["total"],
                    resp.code()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "hostile searches must match nothing (200) or be refused (422 q), never fail:\n{}",
        failures.join("\n")
    );
}

async fn hostile_but_valid_text_is_stored_verbatim(app: TestApp) {
    let token = app.admin().await;
    let names = [
        "' OR 1=1 --",
        "Robert'); DROP TABLE department;--",
        "<script>alert(1)</script>",
        "急诊😀🏥",
        "\u{200F}שלום\u{200E}",
        "\u{202E}kcatta",
        "\u{FEFF}零宽",
    ];
    for (n, name) in names.iter().enumerate() {
        let created = app
            .post(
                "/api/v1/departments",
                &token,
                json!({"code": format!("H{n}"), "name": name, "location": name}),
            )
            .await;
        assert_eq!(created.status, 201, "{name:?}: {:?}", created.body);
        assert_eq!(created.body["name"], *name);
        let id = created.body["id"].as_i64().expect("id");
        let read = app.get(&format!("/api/v1/departments/{id}"), &token).await;
        assert_eq!(read.body["name"], *name, "stored verbatim");
        assert_eq!(read.body["location"], *name);
        let found = app
            .get(&format!("/api/v1/departments?q={}", enc(name)), &token)
            .await;
        assert_eq!(ids(&found), vec![id], "{name:?} finds itself only");
    }
    let all = app.get("/api/v1/departments", &token).await;
    assert_eq!(all.body["total"], names.len(), "no table was dropped");

    // The injection string as a patient name and an address.
    let mut body = patient("' OR 1=1 --", 1);
    body["address"] = json!("'; DELETE FROM patient; --");
    let created = app.post("/api/v1/patients", &token, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["name"], "' OR 1=1 --");
    assert_eq!(created.body["address"], "'; DELETE FROM patient; --");

    // Control characters are refused, never stored.
    for bad in ["\u{0}", "a\u{0}b", "a\u{7}b", "line\rbreak", "\u{1b}[31m"] {
        let resp = app
            .post(
                "/api/v1/departments",
                &token,
                json!({"code": "CTRL", "name": bad}),
            )
            .await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert!(resp.field_errors().contains_key("name"), "{:?}", resp.body);
        let mut body = patient(bad, 2);
        body["address"] = json!(bad);
        let resp = app.post("/api/v1/patients", &token, body).await;
        let errors = resp.field_errors();
        assert!(
            errors.contains_key("name") && errors.contains_key("address"),
            "{:?}",
            resp.body
        );
    }
}

async fn hostile_sign_in_attempts_are_refused_not_crashed(app: TestApp) {
    let long = "u".repeat(64);
    let far_proxy = "f".repeat(64);
    let mut failures = Vec::new();
    for (n, (username, password, ip)) in [
        ("' OR 1=1 --", "' OR 1=1 --", "10.9.0.1"),
        ("a_admin\u{0}", "x", "10.9.0.2"),
        ("\u{0}", "\u{0}", "10.9.0.3"),
        (&"长".repeat(10_000), "x", "10.9.0.4"),
        (long.as_str(), "x", far_proxy.as_str()),
        ("😀", "😀", "10.9.0.5"),
    ]
    .into_iter()
    .enumerate()
    {
        let resp = app.login_from(username, password, ip).await;
        if resp.status != 401 || resp.code() != "UNAUTHORIZED" {
            failures.push(format!(
                "case {n} ({} chars from {ip:?}): {} {}",
                username.chars().count(),
                resp.status,
                resp.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "hostile sign-ins must be a plain 401:\n{}",
        failures.join("\n")
    );
    // Malformed tokens are refused too.
    for header in [
        "Bearer",
        "Bearer ",
        "Bearer a.b.c",
        "Bearer \u{7f}",
        "Basic YTpi",
    ] {
        let resp = app
            .client
            .get(app.url("/api/v1/departments"))
            .header(reqwest::header::AUTHORIZATION, header)
            .send()
            .await;
        let Ok(resp) = resp else { continue };
        let resp = TestApp::read(resp).await;
        resp.assert_problem(401, "UNAUTHORIZED");
    }
}

async fn the_spa_fallback_without_a_build_is_a_not_found_problem(app: TestApp) {
    // The test server's static directory does not exist, so a deep link has no index.html to fall back on.
    let resp = app.call(Method::GET, "/patients/123", None, None).await;
    resp.assert_problem(404, "NOT_FOUND");
    assert!(
        resp.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/patients/123")),
        "{:?}",
        resp.body
    );
}

/// A server whose static directory holds a built SPA: deep links get `index.html`, assets are served,
/// dot-files never are, and the API still answers with problems.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spa_deep_links_serve_index_html_and_the_api_stays_json() {
    let spa = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        spa.path().join("index.html"),
        "<!doctype html><title>HIS</title>",
    )
    .expect("index");
    std::fs::create_dir(spa.path().join("assets")).expect("assets");
    std::fs::write(spa.path().join("assets").join("app.js"), "console.log(1)").expect("js");
    std::fs::write(spa.path().join(".env"), "SECRET=1").expect("dot-file");
    let dir = spa.path().to_path_buf();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, move |s| s.static_dir = dir).await else {
        return;
    };
    let text = |path: &'static str| {
        let app = &app;
        async move {
            let resp = app.client.get(app.url(path)).send().await.expect("request");
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, content_type, resp.text().await.expect("body"))
        }
    };

    for path in ["/", "/patients/123", "/patients/123/visits?tab=2", "/login"] {
        let (status, content_type, body) = text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        assert!(body.contains("<title>HIS</title>"), "{path}: {body}");
    }
    let (status, content_type, body) = text("/assets/app.js").await;
    assert_eq!((status, body.as_str()), (200, "console.log(1)"));
    assert!(content_type.contains("javascript"), "{content_type}");
    let (_, _, body) = text("/.env").await;
    assert!(
        !body.contains("SECRET"),
        "dot-files are never served: {body}"
    );

    let api = app.call(Method::GET, "/api/v1/nope", None, None).await;
    api.assert_problem(404, "NOT_FOUND");
    let post = app
        .call(Method::POST, "/patients/123", None, Some(json!({})))
        .await;
    post.assert_problem(404, "NOT_FOUND");
}

/// serde fills a struct from an array by position; the API documents objects, so anything else is refused.
async fn a_body_that_is_not_an_object_is_refused(app: TestApp) {
    let token = app.admin().await;
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/departments",
            r#"["NEU", "神经内科"]"#,
        ),
        (Method::PATCH, "/api/v1/model-versions/1", "[null, null]"),
        (Method::POST, "/api/v1/departments", r#""NEU""#),
        (Method::POST, "/api/v1/departments", "null"),
        (Method::POST, "/api/v1/departments", " 42 "),
    ] {
        let resp = send(
            &app,
            method.clone(),
            path,
            Some(&token),
            Some("application/json"),
            body,
        )
        .await;
        resp.assert_problem(422, "VALIDATION_FAILED");
        assert_eq!(
            resp.field_errors().get("").map(String::as_str),
            Some("the body must be a JSON object"),
            "{method} {path} {body}: {:?}",
            resp.body
        );
    }
    let list = app.get("/api/v1/departments", &token).await;
    assert_eq!(
        list.body["total"], 0,
        "nothing was created: {:?}",
        list.body
    );
    let broken = send(
        &app,
        Method::POST,
        "/api/v1/departments",
        Some(&token),
        Some("application/json"),
        "[1,",
    )
    .await;
    broken.assert_problem(400, "MALFORMED_JSON");
}
