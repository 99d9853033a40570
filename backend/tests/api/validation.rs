//! Every validation rule as the client meets it: a 422 `VALIDATION_FAILED` problem whose `errors` name the
//! offending field (all of them when several are wrong), and a 409 `DUPLICATE` naming the field that
//! collides. Each rule is checked next to a value that passes, so the boundary is where the docs say.
use crate::{
    db_tests,
    fixtures::{
        NEW_PASSWORD, assert_duplicate, assert_invalid, charge_item, create_charge_item,
        create_department, create_doctor, create_patient, create_user, doctor, female_id, id_card,
        male_id, patient, phone, with_wrong_check_digit,
    },
    helpers::{Resp, TestApp},
};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};

db_tests!(
    patient_identity_number_must_be_well_formed,
    patient_dob_and_gender_must_agree_with_the_identity_number,
    phones_must_be_mainland_mobiles,
    names_must_be_present_and_at_most_64_characters,
    closed_vocabularies_list_their_allowed_values,
    several_bad_fields_are_reported_together,
    department_codes_are_ascii_words,
    charge_item_prices_are_exact_non_negative_and_bounded,
    doctor_slots_per_day_are_between_0_and_500,
    doctor_department_must_be_an_active_department_of_the_hospital,
    doctor_user_must_be_a_doctor_account_of_the_hospital,
    usernames_are_at_least_3_characters_without_spaces,
    passwords_follow_the_policy,
    paging_parameters_are_bounded,
    an_overflowing_page_is_refused_on_every_list,
    duplicates_name_the_colliding_field,
);

/// POSTs `body` to `path` as the admin.
async fn post(app: &TestApp, path: &str, body: Value) -> Resp {
    let token = app.admin().await;
    app.post(path, &token, body).await
}

/// A patient body with one field changed.
fn patient_with(field: &str, value: Value) -> Value {
    let mut body = patient("王秀英", 1);
    body[field] = value;
    body
}

async fn patient_identity_number_must_be_well_formed(app: TestApp) {
    let good = male_id(1);
    let cases = [
        (with_wrong_check_digit(&good), "check digit"),
        (good[..17].to_owned(), "18 characters"),
        (format!("{}A{}", &good[..10], &good[11..]), "18 characters"),
        (format!("{}Y", &good[..17]), "18 characters"),
        (id_card("110105", "19800230", 11), "not a real date"),
        (id_card("110105", "19811301", 11), "not a real date"),
        (String::new(), "is required"),
    ];
    for (id, expected) in cases {
        let resp = post(
            &app,
            "/api/v1/patients",
            patient_with("document_no", json!(id)),
        )
        .await;
        let message = assert_invalid(&resp, "document_no");
        assert!(message.contains(expected), "{id:?}: {message}");
    }
    let ok = post(
        &app,
        "/api/v1/patients",
        patient_with("document_no", json!(good)),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

async fn patient_dob_and_gender_must_agree_with_the_identity_number(app: TestApp) {
    let wrong_dob = post(
        &app,
        "/api/v1/patients",
        patient_with("dob", json!("1980-01-02")),
    )
    .await;
    let message = assert_invalid(&wrong_dob, "dob");
    assert!(message.contains("birth date"), "{message}");

    // The 17th digit of a man's number is odd.
    let wrong_gender = post(
        &app,
        "/api/v1/patients",
        patient_with("gender", json!("FEMALE")),
    )
    .await;
    let message = assert_invalid(&wrong_gender, "gender");
    assert!(message.contains("sex digit"), "{message}");
    let mut woman_as_man = patient_with("document_no", json!(female_id(1)));
    woman_as_man["gender"] = json!("MALE");
    let resp = post(&app, "/api/v1/patients", woman_as_man).await;
    assert_invalid(&resp, "gender");

    let future = post(
        &app,
        "/api/v1/patients",
        patient_with("document_no", json!(id_card("110105", "20991231", 11))),
    )
    .await;
    assert_invalid(&future, "dob");

    let matching = post(
        &app,
        "/api/v1/patients",
        patient_with("dob", json!("1980-01-01")),
    )
    .await;
    assert_eq!(matching.status, 201, "{:?}", matching.body);
}

async fn phones_must_be_mainland_mobiles(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    for bad in [
        "010-88886666",
        "01088886666",
        "1381234567",
        "138123456789",
        "12812345678",
        "23812345678",
        "1381234567a",
        "",
    ] {
        let resp = post(&app, "/api/v1/patients", patient_with("phone", json!(bad))).await;
        let message = assert_invalid(&resp, "phone");
        assert!(message.contains("mobile"), "{bad}: {message}");
        let mut body = doctor("刘佳怡", dept, 1);
        body["phone"] = json!(bad);
        let resp = post(&app, "/api/v1/doctors", body).await;
        assert_invalid(&resp, "phone");
    }
    let ok = post(
        &app,
        "/api/v1/patients",
        patient_with("phone", json!("+86 19912345678")),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(
        ok.body["phone"], "19912345678",
        "the country code is dropped"
    );
}

async fn names_must_be_present_and_at_most_64_characters(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    let sixty_four = "王".repeat(64);
    let sixty_five = "王".repeat(65);
    for (bad, expected) in [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("\u{3000}\t", "must not be empty"),
        (sixty_five.as_str(), "at most 64"),
    ] {
        let resp = post(&app, "/api/v1/patients", patient_with("name", json!(bad))).await;
        let message = assert_invalid(&resp, "name");
        assert!(message.contains(expected), "{bad:?}: {message}");
        let resp = post(
            &app,
            "/api/v1/departments",
            json!({"code": "X", "name": bad}),
        )
        .await;
        assert_invalid(&resp, "name");
        let resp = post(&app, "/api/v1/doctors", doctor(bad, dept, 1)).await;
        assert_invalid(&resp, "name");
        if expected == "must not be empty" {
            let resp = post(
                &app,
                "/api/v1/charge-items",
                charge_item("X-1", bad, "OTHER", "1"),
            )
            .await;
            assert_invalid(&resp, "item_name");
        }
    }
    // 64 characters, counted as characters rather than bytes, fit on every database.
    let ok = post(
        &app,
        "/api/v1/patients",
        patient_with("name", json!(sixty_four)),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["name"], sixty_four);
    let ok = post(
        &app,
        "/api/v1/departments",
        json!({"code": "LONG", "name": sixty_four}),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

async fn closed_vocabularies_list_their_allowed_values(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    let mut bad_title = doctor("刘佳怡", dept, 1);
    bad_title["title"] = json!("chief");
    let cases = [
        (
            "/api/v1/patients",
            patient_with("insurance_type", json!("PUBLIC")),
            "insurance_type",
            "EMPLOYEE, RESIDENT, SELF_PAY",
        ),
        (
            "/api/v1/patients",
            patient_with("gender", json!("M")),
            "gender",
            "MALE, FEMALE",
        ),
        (
            "/api/v1/doctors",
            bad_title,
            "title",
            "CHIEF, ASSOCIATE_CHIEF, ATTENDING, RESIDENT",
        ),
        (
            "/api/v1/charge-items",
            charge_item("X-1", "项目", "lab", "1"),
            "item_category",
            "REGISTRATION, CONSULTATION, DRUG, LAB",
        ),
        (
            "/api/v1/users",
            json!({"username": "newbie", "display_name": "新人", "role": "SUPERUSER", "password": NEW_PASSWORD}),
            "role",
            "ADMIN, FRONT_DESK, DOCTOR, ANALYST",
        ),
    ];
    for (path, body, field, allowed) in cases {
        let resp = post(&app, path, body).await;
        let message = assert_invalid(&resp, field);
        assert!(message.contains(allowed), "{path} {field}: {message}");
    }
    // Vocabularies in query filters are checked too.
    for (path, field) in [
        ("/api/v1/patients?insurance_type=public", "insurance_type"),
        ("/api/v1/patients?gender=M", "gender"),
        ("/api/v1/doctors?title=chief", "title"),
        ("/api/v1/charge-items?item_category=lab", "item_category"),
        ("/api/v1/users?role=ROOT", "role"),
    ] {
        let resp = app.get(path, &token).await;
        assert_invalid(&resp, field);
    }
}

async fn several_bad_fields_are_reported_together(app: TestApp) {
    let resp = post(
        &app,
        "/api/v1/patients",
        json!({
            "name": " ",
            "document_no": "123",
            "phone": "12345",
            "gender": "X",
            "insurance_type": "none",
            "address": "路".repeat(256),
        }),
    )
    .await;
    resp.assert_problem(422, "VALIDATION_FAILED");
    let errors = resp.field_errors();
    let mut fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "address",
            "document_no",
            "gender",
            "insurance_type",
            "name",
            "phone"
        ]
    );

    let token = app.admin().await;
    let resp = app
        .post(
            "/api/v1/doctors",
            &token,
            json!({"name": "", "department_id": 1, "title": "BOSS", "phone": "1", "available_slots_per_day": 999}),
        )
        .await;
    let errors = resp.field_errors();
    for field in ["name", "title", "phone", "available_slots_per_day"] {
        assert!(errors.contains_key(field), "{field} in {:?}", resp.body);
    }
    let resp = app
        .post(
            "/api/v1/charge-items",
            &token,
            json!({"item_code": "a b", "item_name": "", "item_category": "?", "unit_price": "-1.00001"}),
        )
        .await;
    let errors = resp.field_errors();
    for field in ["item_code", "item_name", "item_category", "unit_price"] {
        assert!(errors.contains_key(field), "{field} in {:?}", resp.body);
    }
}

async fn department_codes_are_ascii_words(app: TestApp) {
    for bad in [
        "A B",
        "内科",
        " ",
        "INT/2",
        "A;DROP",
        "ÄRZTE",
        &"C".repeat(33),
    ] {
        let resp = post(
            &app,
            "/api/v1/departments",
            json!({"code": bad, "name": "内科"}),
        )
        .await;
        assert_invalid(&resp, "code");
        if bad.chars().count() <= 32 {
            let resp = post(
                &app,
                "/api/v1/charge-items",
                charge_item(bad, "项目", "OTHER", "1"),
            )
            .await;
            assert_invalid(&resp, "item_code");
        }
    }
    let resp = post(
        &app,
        "/api/v1/charge-items",
        charge_item(&"C".repeat(65), "项目", "OTHER", "1"),
    )
    .await;
    assert_invalid(&resp, "item_code");
    for (n, good) in ["INT", "int", "A-1_b.2", &"C".repeat(32)]
        .iter()
        .enumerate()
    {
        let resp = post(
            &app,
            "/api/v1/departments",
            json!({"code": good, "name": format!("科室{n}")}),
        )
        .await;
        assert_eq!(resp.status, 201, "{good}: {:?}", resp.body);
        assert_eq!(resp.body["code"], *good, "case is kept");
    }
}

async fn charge_item_prices_are_exact_non_negative_and_bounded(app: TestApp) {
    for (price, expected) in [
        (json!("0.12345"), "4 decimal places"),
        (json!(0.12345), "4 decimal places"),
        (json!("-1"), "negative"),
        (json!(-0.01), "negative"),
        (json!("10000000.0001"), "at most 10000000"),
        (json!("99999999999999999999999999"), "out of range"),
    ] {
        let mut body = charge_item("X-1", "项目", "OTHER", "0");
        body["unit_price"] = price.clone();
        let resp = post(&app, "/api/v1/charge-items", body).await;
        let message = assert_invalid(&resp, "unit_price");
        assert!(message.contains(expected), "{price}: {message}");
    }
    let mut body = charge_item("X-1", "项目", "OTHER", "0");
    body["unit_price"] = json!("abc");
    let resp = post(&app, "/api/v1/charge-items", body).await;
    assert_invalid(&resp, "unit_price");

    let ok = post(
        &app,
        "/api/v1/charge-items",
        charge_item("X-1", "项目", "OTHER", "9999999.9999"),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["unit_price"], "9999999.9999");
}

async fn doctor_slots_per_day_are_between_0_and_500(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    for bad in [-1, 501, i32::MIN, i32::MAX] {
        let mut body = doctor("刘佳怡", dept, 1);
        body["available_slots_per_day"] = json!(bad);
        let resp = app.post("/api/v1/doctors", &token, body).await;
        let message = assert_invalid(&resp, "available_slots_per_day");
        assert!(message.contains("between 0 and 500"), "{bad}: {message}");
    }
    let mut body = doctor("刘佳怡", dept, 1);
    body["available_slots_per_day"] = json!(i64::from(i32::MAX) + 1);
    let resp = app.post("/api/v1/doctors", &token, body).await;
    assert_invalid(&resp, "available_slots_per_day");

    for (n, good) in [0, 500].into_iter().enumerate() {
        let mut body = doctor("刘佳怡", dept, n as u32);
        body["available_slots_per_day"] = json!(good);
        let resp = app.post("/api/v1/doctors", &token, body).await;
        assert_eq!(resp.status, 201, "{good}: {:?}", resp.body);
        assert_eq!(resp.body["available_slots_per_day"], good);
    }
}

async fn doctor_department_must_be_an_active_department_of_the_hospital(app: TestApp) {
    let token = app.admin().await;
    let other = app.token('b', Role::Admin).await;
    let theirs = create_department(&app, &other, "INT", "内科").await;
    let closed = app
        .post(
            "/api/v1/departments",
            &token,
            json!({"code": "OLD", "name": "旧科室", "is_active": false}),
        )
        .await;
    assert_eq!(closed.status, 201, "{:?}", closed.body);
    let closed = closed.body["id"].as_i64().expect("id");

    for (dept, expected) in [
        (theirs, "no such department"),
        (999_999, "no such department"),
        (-1, "no such department"),
        (closed, "inactive"),
    ] {
        let resp = app
            .post("/api/v1/doctors", &token, doctor("刘佳怡", dept, 1))
            .await;
        let message = assert_invalid(&resp, "department_id");
        assert!(message.contains(expected), "{dept}: {message}");
        let mut item = charge_item("X-1", "项目", "LAB", "1");
        item["executing_department_id"] = json!(dept);
        let resp = app.post("/api/v1/charge-items", &token, item).await;
        assert_invalid(&resp, "executing_department_id");
    }

    // A doctor cannot be moved into such a department either.
    let mine = create_department(&app, &token, "INT", "内科").await;
    let doc = create_doctor(&app, &token, doctor("刘佳怡", mine, 1)).await;
    let resp = app
        .put(
            &format!("/api/v1/doctors/{doc}"),
            &token,
            doctor("刘佳怡", closed, 1),
        )
        .await;
    assert_invalid(&resp, "department_id");
    let item = create_charge_item(&app, &token, charge_item("X-1", "项目", "LAB", "1")).await;
    let mut body = charge_item("X-1", "项目", "LAB", "1");
    body["executing_department_id"] = json!(theirs);
    let resp = app
        .put(&format!("/api/v1/charge-items/{item}"), &token, body)
        .await;
    assert_invalid(&resp, "executing_department_id");
}

async fn doctor_user_must_be_a_doctor_account_of_the_hospital(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;
    let desk_user = create_user(&app, &token, "desk-2", "FRONT_DESK").await;
    let other = app.token('b', Role::Admin).await;
    let their_doctor = create_user(&app, &other, "b-doctor-2", "DOCTOR").await;

    for (user_id, expected) in [
        (desk_user, "not DOCTOR"),
        (their_doctor, "no such user"),
        (999_999, "no such user"),
    ] {
        let mut body = doctor("刘佳怡", dept, 1);
        body["user_id"] = json!(user_id);
        let resp = app.post("/api/v1/doctors", &token, body).await;
        let message = assert_invalid(&resp, "user_id");
        assert!(message.contains(expected), "{user_id}: {message}");
    }
    let mine = create_user(&app, &token, "dr-liu", "DOCTOR").await;
    let mut body = doctor("刘佳怡", dept, 1);
    body["user_id"] = json!(mine);
    let ok = app.post("/api/v1/doctors", &token, body).await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
    assert_eq!(ok.body["user_id"], mine);
}

async fn usernames_are_at_least_3_characters_without_spaces(app: TestApp) {
    for (bad, expected) in [
        ("ab", "at least 3"),
        ("zhang min", "only letters"),
        ("张敏敏", "only letters"),
        ("", "empty"),
        (&"u".repeat(65), "at most 64"),
    ] {
        let resp = post(
            &app,
            "/api/v1/users",
            json!({"username": bad, "display_name": "张敏", "role": "FRONT_DESK", "password": NEW_PASSWORD}),
        )
        .await;
        let message = assert_invalid(&resp, "username");
        assert!(message.contains(expected), "{bad:?}: {message}");
    }
    let resp = post(
        &app,
        "/api/v1/users",
        json!({"username": "zhm", "display_name": " ", "role": "FRONT_DESK", "password": NEW_PASSWORD}),
    )
    .await;
    assert_invalid(&resp, "display_name");
    let ok = post(
        &app,
        "/api/v1/users",
        json!({"username": "zhm", "display_name": "张敏", "role": "FRONT_DESK", "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

async fn passwords_follow_the_policy(app: TestApp) {
    for (password, expected) in [
        ("Ab1-xyz", "at least 8"),
        ("", "at least 8"),
        ("password123", "common"),
        ("Password123", "common"),
        ("zhangmin-2026!", "username"),
        ("my-ZHANGMIN-pass", "username"),
        (&"长".repeat(129), "at most 128"),
    ] {
        let resp = post(
            &app,
            "/api/v1/users",
            json!({"username": "zhangmin", "display_name": "张敏", "role": "FRONT_DESK", "password": password}),
        )
        .await;
        let message = assert_invalid(&resp, "password");
        assert!(message.contains(expected), "{password:?}: {message}");
    }
    // Nothing was created by the refusals.
    let token = app.admin().await;
    let list = app.get("/api/v1/users?q=zhangmin", &token).await;
    assert_eq!(list.body["total"], 0, "{:?}", list.body);

    // A reset through PUT is checked against the same policy.
    let id = create_user(&app, &token, "zhangmin", "FRONT_DESK").await;
    let resp = app
        .put(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"display_name": "张敏", "role": "FRONT_DESK", "is_active": true, "password": "password123"}),
        )
        .await;
    assert_invalid(&resp, "password");
    assert_eq!(
        app.login("zhangmin", NEW_PASSWORD).await.status,
        200,
        "the old password still works"
    );
}

async fn paging_parameters_are_bounded(app: TestApp) {
    let token = app.admin().await;
    for list in [
        "departments",
        "doctors",
        "patients",
        "charge-items",
        "users",
    ] {
        for (query, field) in [
            ("page=0", "page"),
            ("page_size=0", "page_size"),
            ("page_size=201", "page_size"),
            ("page=-1", "page"),
            ("page_size=abc", "page_size"),
        ] {
            let resp = app.get(&format!("/api/v1/{list}?{query}"), &token).await;
            assert_invalid(&resp, field);
        }
        let max = app
            .get(&format!("/api/v1/{list}?page=1&page_size=200"), &token)
            .await;
        assert_eq!(max.status, 200, "{list}: {:?}", max.body);
        assert_eq!(max.body["page_size"], 200);
    }
    let last = app
        .get("/api/v1/departments?page=1000000&page_size=200", &token)
        .await;
    assert_eq!(last.status, 200, "the last page allowed: {:?}", last.body);
    assert_eq!(last.body["items"], json!([]));
}

/// Every list the API documents, asked for a page whose offset overflows a 64-bit integer (it once brought
/// the query builder down and the client got an empty reply): 422 naming `page`, on every database.
async fn an_overflowing_page_is_refused_on_every_list(app: TestApp) {
    let spec = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap();
    let spec: serde_json::Value = spec.json().await.unwrap();
    let admin = app.admin().await;
    let doctor = app
        .token('a', hospital::domain::foundation::role::Role::Doctor)
        .await;
    let mut lists = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let takes_page = get["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "page"));
        if !takes_page {
            continue;
        }
        lists += 1;
        let path = path.replace("{id}", "1");
        for page in ["9223372036854775807", "1000001", "18446744073709551616"] {
            let url = format!("{path}?page={page}&page_size=200");
            let mut resp = app.get(&url, &admin).await;
            if resp.status == 403 {
                resp = app.get(&url, &doctor).await;
            }
            assert_eq!(resp.status, 422, "{url}: {:?}", resp.body);
            assert!(
                resp.field_errors().contains_key("page"),
                "{url} names the page: {:?}",
                resp.body
            );
        }
    }
    assert!(lists >= 10, "the spec lists the paged endpoints ({lists})");
}

async fn duplicates_name_the_colliding_field(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "INT", "内科").await;

    let resp = post(
        &app,
        "/api/v1/departments",
        json!({"code": "INT", "name": "另一个"}),
    )
    .await;
    assert_duplicate(&resp, "code");
    let resp = post(
        &app,
        "/api/v1/departments",
        json!({"code": "INT2", "name": "内科"}),
    )
    .await;
    assert_duplicate(&resp, "name");
    // Renaming another department onto a taken name collides too.
    let surgery = create_department(&app, &token, "SUR", "外科").await;
    let resp = app
        .put(
            &format!("/api/v1/departments/{surgery}"),
            &token,
            json!({"code": "INT", "name": "外科"}),
        )
        .await;
    assert_duplicate(&resp, "code");

    create_patient(&app, &token, patient("王秀英", 1)).await;
    let mut same_id = patient("李明", 2);
    same_id["document_no"] = json!(male_id(1));
    assert_duplicate(
        &post(&app, "/api/v1/patients", same_id).await,
        "document_no",
    );
    // A phone is not a person's: a family may share one.
    let mut same_phone = patient("李明", 2);
    same_phone["phone"] = json!(phone(1));
    create_patient(&app, &token, same_phone).await;

    create_doctor(&app, &token, doctor("刘佳怡", dept, 1)).await;
    let resp = post(&app, "/api/v1/doctors", doctor("王强", dept, 1)).await;
    assert_duplicate(&resp, "phone");
    let account = create_user(&app, &token, "dr-wang", "DOCTOR").await;
    let mut first = doctor("王强", dept, 2);
    first["user_id"] = json!(account);
    create_doctor(&app, &token, first).await;
    let mut second = doctor("张伟", dept, 3);
    second["user_id"] = json!(account);
    assert_duplicate(&post(&app, "/api/v1/doctors", second).await, "user_id");

    create_charge_item(&app, &token, charge_item("LAB-1", "血常规", "LAB", "20")).await;
    let resp = post(
        &app,
        "/api/v1/charge-items",
        charge_item("LAB-1", "尿常规", "LAB", "10"),
    )
    .await;
    assert_duplicate(&resp, "item_code");

    // Usernames are unique across hospitals.
    let resp = post(
        &app,
        "/api/v1/users",
        json!({"username": "dr-wang", "display_name": "王", "role": "DOCTOR", "password": NEW_PASSWORD}),
    )
    .await;
    assert_duplicate(&resp, "username");
    let resp = post(
        &app,
        "/api/v1/users",
        json!({"username": "b_admin", "display_name": "王", "role": "DOCTOR", "password": NEW_PASSWORD}),
    )
    .await;
    assert_duplicate(&resp, "username");
}
