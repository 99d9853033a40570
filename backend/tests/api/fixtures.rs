//! Fixtures for the resource tests: valid identity numbers and phones built on demand, request bodies
//! that pass validation, and one-call creators that assert the 201 and hand back the id.
use crate::helpers::{Resp, TestApp};
use serde_json::{Value, json};

/// A password the default (ASVS) policy accepts for any test username.
pub const NEW_PASSWORD: &str = "Ward-round-at-nine";

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// A valid 18-character identity number: `region` (6 digits), `birth` (`YYYYMMDD`), a 3-digit `seq`
/// (its last digit odd for a man, even for a woman) and the GB 11643 check character.
pub fn id_card(region: &str, birth: &str, seq: u32) -> String {
    let body = format!("{region}{birth}{seq:03}");
    assert!(
        body.len() == 17 && body.bytes().all(|b| b.is_ascii_digit()),
        "17 digits: {body}"
    );
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = char::from(b"10X98765432"[(sum % 11) as usize]);
    format!("{body}{check}")
}

/// The same number with a wrong check character.
pub fn with_wrong_check_digit(id: &str) -> String {
    let last = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &id[..17])
}

/// A man born on 1980-01-01, the `n`th of a test (n < 500).
pub fn male_id(n: u32) -> String {
    id_card("110105", "19800101", 2 * n + 1)
}

/// A woman born on 1992-06-15, the `n`th of a test (n < 500).
pub fn female_id(n: u32) -> String {
    id_card("330102", "19920615", 2 * n)
}

/// A mainland mobile number, distinct for each `n`.
pub fn phone(n: u32) -> String {
    format!("138{n:08}")
}

/// A valid patient body: a man born 1980-01-01, identity and phone distinct for each `n`.
pub fn patient(name: &str, n: u32) -> Value {
    json!({
        "name": name,
        "document_no": male_id(n),
        "phone": phone(n),
        "gender": "MALE",
        "insurance_type": "EMPLOYEE",
    })
}

/// A valid doctor body in `department_id`, phone distinct for each `n`.
pub fn doctor(name: &str, department_id: i64, n: u32) -> Value {
    json!({
        "name": name,
        "department_id": department_id,
        "title": "ATTENDING",
        "phone": format!("139{n:08}"),
        "available_slots_per_day": 30,
    })
}

/// A valid catalogue item body.
pub fn charge_item(code: &str, name: &str, category: &str, price: &str) -> Value {
    json!({
        "item_code": code,
        "item_name": name,
        "item_category": category,
        "unit": "次",
        "unit_price": price,
    })
}

#[track_caller]
fn created_id(resp: &Resp, what: &str) -> i64 {
    assert_eq!(resp.status, 201, "create {what}: {:?}", resp.body);
    resp.body["id"].as_i64().expect("id of the created record")
}

pub async fn create_department(app: &TestApp, token: &str, code: &str, name: &str) -> i64 {
    let resp = app
        .post(
            "/api/v1/departments",
            token,
            json!({"code": code, "name": name}),
        )
        .await;
    created_id(&resp, "department")
}

pub async fn create_doctor(app: &TestApp, token: &str, body: Value) -> i64 {
    let resp = app.post("/api/v1/doctors", token, body).await;
    created_id(&resp, "doctor")
}

pub async fn create_patient(app: &TestApp, token: &str, body: Value) -> i64 {
    let resp = app.post("/api/v1/patients", token, body).await;
    created_id(&resp, "patient")
}

pub async fn create_charge_item(app: &TestApp, token: &str, body: Value) -> i64 {
    let resp = app.post("/api/v1/charge-items", token, body).await;
    created_id(&resp, "charge item")
}

/// A staff account with [`NEW_PASSWORD`].
pub async fn create_user(app: &TestApp, token: &str, username: &str, role: &str) -> i64 {
    let resp = app
        .post(
            "/api/v1/users",
            token,
            json!({"username": username, "display_name": username, "role": role, "password": NEW_PASSWORD}),
        )
        .await;
    created_id(&resp, "user")
}

/// The id of the signed-in caller.
pub async fn my_id(app: &TestApp, token: &str) -> i64 {
    let me = app.get("/api/v1/auth/me", token).await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    me.body["id"].as_i64().expect("id")
}

/// The ids of a list page, in order.
pub fn ids(list: &Resp) -> Vec<i64> {
    assert_eq!(list.status, 200, "list: {:?}", list.body);
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("item id"))
        .collect()
}

/// One field of every item of a list page, as strings.
pub fn column(list: &Resp, field: &str) -> Vec<String> {
    assert_eq!(list.status, 200, "list: {:?}", list.body);
    list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| match &item[field] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Asserts a 422 `VALIDATION_FAILED` that names `field`, and returns its message.
#[track_caller]
pub fn assert_invalid(resp: &Resp, field: &str) -> String {
    resp.assert_problem(422, "VALIDATION_FAILED");
    resp.field_errors()
        .remove(field)
        .unwrap_or_else(|| panic!("no error for {field:?} in {:?}", resp.body))
}

/// Asserts a 409 `DUPLICATE` that names `field`.
#[track_caller]
pub fn assert_duplicate(resp: &Resp, field: &str) {
    resp.assert_problem(409, "DUPLICATE");
    assert!(
        resp.field_errors().contains_key(field),
        "no duplicate error for {field:?} in {:?}",
        resp.body
    );
}

/// Percent-encodes a query-string value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
