//! CRUD as a user sees it, over HTTP, for departments, doctors, patients, charge items and users: what
//! create, read, replace, list (paging, filters, search, sort) and delete return; patients masked in lists
//! and whole when read one at a time; accounts that can and cannot sign in; and concurrent writes that the
//! database, not luck, keeps consistent.
use crate::{
    db_tests,
    fixtures::{
        NEW_PASSWORD, assert_duplicate, assert_invalid, charge_item, column, create_charge_item,
        create_department, create_doctor, create_patient, create_user, doctor, enc, female_id,
        id_card, ids, male_id, my_id, patient, phone,
    },
    helpers::{Resp, TestApp},
};
use futures_util::future::join_all;
use serde_json::json;
use std::collections::HashSet;

db_tests!(
    department_create_read_and_replace,
    department_list_pages_never_overlap,
    department_list_filters_by_activity_and_searches_code_and_name,
    like_wildcards_in_q_match_only_themselves,
    department_list_sorts_by_the_sort_key,
    unknown_sort_key_is_a_validation_error_on_every_list,
    deleting_an_unreferenced_department_deletes_it,
    deleting_a_department_with_a_doctor_deactivates_it_and_keeps_the_doctor,
    doctor_create_read_replace_filter_and_delete,
    patient_create_read_replace_and_delete,
    patient_list_masks_identity_and_phone,
    patient_search_by_name_fragment_whole_id_number_or_phone,
    patient_list_filters_and_sorts,
    charge_item_prices_come_back_with_four_decimals,
    charge_item_replace_filter_sort_and_delete,
    user_created_with_a_good_password_can_sign_in,
    disabled_user_can_no_longer_sign_in_or_use_their_token,
    admin_cannot_disable_themselves_or_drop_their_own_admin_role,
    user_list_filters_by_role_and_activity_and_never_shows_a_hash,
    concurrent_registrations_of_one_id_card_create_exactly_one_patient,
    concurrent_departments_with_one_code_create_exactly_one,
    concurrent_delete_of_a_department_and_a_doctor_joining_it_stay_consistent,
);

/// GET a path and assert 200.
async fn get_ok(app: &TestApp, path: &str, token: &str) -> Resp {
    let resp = app.get(path, token).await;
    assert_eq!(resp.status, 200, "GET {path}: {:?}", resp.body);
    resp
}

async fn department_create_read_and_replace(app: TestApp) {
    let token = app.admin().await;
    let created = app
        .post(
            "/api/v1/departments",
            &token,
            json!({"code": "INT", "name": " 内科 ", "location": "门诊楼2层A区"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(created.body["code"], "INT");
    assert_eq!(created.body["name"], "内科", "names are trimmed");
    assert_eq!(created.body["location"], "门诊楼2层A区");
    assert_eq!(created.body["is_active"], true, "active by default");

    let read = get_ok(&app, &format!("/api/v1/departments/{id}"), &token).await;
    assert_eq!(read.body, created.body, "GET returns what POST stored");

    // PUT replaces the whole record: the omitted location is cleared.
    let replaced = app
        .put(
            &format!("/api/v1/departments/{id}"),
            &token,
            json!({"code": "INT-2", "name": "大内科", "is_active": false}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["id"], id);
    assert_eq!(replaced.body["code"], "INT-2");
    assert_eq!(replaced.body["name"], "大内科");
    assert_eq!(replaced.body["location"], serde_json::Value::Null);
    assert_eq!(replaced.body["is_active"], false);
    let read = get_ok(&app, &format!("/api/v1/departments/{id}"), &token).await;
    assert_eq!(read.body["code"], "INT-2");
    assert_eq!(read.body["location"], serde_json::Value::Null);

    let missing = app.get("/api/v1/departments/999999", &token).await;
    missing.assert_problem(404, "NOT_FOUND");
    let missing = app
        .put(
            "/api/v1/departments/999999",
            &token,
            json!({"code": "X", "name": "X"}),
        )
        .await;
    missing.assert_problem(404, "NOT_FOUND");
}

async fn department_list_pages_never_overlap(app: TestApp) {
    let token = app.admin().await;
    let mut all = HashSet::new();
    for (code, name) in [("A01", "内科"), ("A02", "外科"), ("A03", "儿科")] {
        all.insert(create_department(&app, &token, code, name).await);
    }

    let first = get_ok(&app, "/api/v1/departments?page=1&page_size=2", &token).await;
    assert_eq!(
        (
            &first.body["total"],
            &first.body["page"],
            &first.body["page_size"]
        ),
        (&json!(3), &json!(1), &json!(2))
    );
    let second = get_ok(&app, "/api/v1/departments?page=2&page_size=2", &token).await;
    assert_eq!(
        (&second.body["total"], &second.body["page"]),
        (&json!(3), &json!(2))
    );
    let (first, second) = (ids(&first), ids(&second));
    assert_eq!((first.len(), second.len()), (2, 1));
    let seen: HashSet<i64> = first.iter().chain(&second).copied().collect();
    assert_eq!(seen, all, "two pages cover all three, none twice");

    let beyond = get_ok(&app, "/api/v1/departments?page=3&page_size=2", &token).await;
    assert_eq!(beyond.body["total"], 3);
    assert!(ids(&beyond).is_empty(), "a page past the end is empty");

    let defaults = get_ok(&app, "/api/v1/departments", &token).await;
    assert_eq!(
        (&defaults.body["page"], &defaults.body["page_size"]),
        (&json!(1), &json!(20))
    );
}

async fn department_list_filters_by_activity_and_searches_code_and_name(app: TestApp) {
    let token = app.admin().await;
    let internal = create_department(&app, &token, "INT", "内科").await;
    let surgery = create_department(&app, &token, "SUR", "普通外科").await;
    let closed = app
        .post(
            "/api/v1/departments",
            &token,
            json!({"code": "OLD", "name": "旧外科", "is_active": false}),
        )
        .await;
    assert_eq!(closed.status, 201, "{:?}", closed.body);
    let closed = closed.body["id"].as_i64().expect("id");

    let active = get_ok(&app, "/api/v1/departments?is_active=true", &token).await;
    assert_eq!(ids(&active), vec![internal, surgery]);
    assert_eq!(active.body["total"], 2);
    let inactive = get_ok(&app, "/api/v1/departments?is_active=false", &token).await;
    assert_eq!(ids(&inactive), vec![closed]);

    let by_name = get_ok(
        &app,
        &format!("/api/v1/departments?q={}", enc("外科")),
        &token,
    )
    .await;
    assert_eq!(ids(&by_name), vec![closed, surgery], "code order: OLD, SUR");
    let by_code = get_ok(&app, "/api/v1/departments?q=SU", &token).await;
    assert_eq!(ids(&by_code), vec![surgery]);
    let both = get_ok(
        &app,
        &format!("/api/v1/departments?q={}&is_active=true", enc("外科")),
        &token,
    )
    .await;
    assert_eq!(ids(&both), vec![surgery], "filters combine");
    let none = get_ok(
        &app,
        &format!("/api/v1/departments?q={}", enc("眼科")),
        &token,
    )
    .await;
    assert_eq!(none.body["total"], 0);
}

async fn like_wildcards_in_q_match_only_themselves(app: TestApp) {
    let token = app.admin().await;
    let percent = create_department(&app, &token, "D1", "100%").await;
    create_department(&app, &token, "D2", "1000").await;
    let underscore = create_department(&app, &token, "D3", "A_B").await;
    create_department(&app, &token, "D4", "AXB").await;
    let backslash = create_department(&app, &token, "D5", r"C\D").await;

    let q = |value: &str| format!("/api/v1/departments?q={}", enc(value));
    let found = get_ok(&app, &q("%"), &token).await;
    assert_eq!(ids(&found), vec![percent], "q=% is a literal percent sign");
    let found = get_ok(&app, &q("0%"), &token).await;
    assert_eq!(ids(&found), vec![percent]);
    let found = get_ok(&app, &q("_"), &token).await;
    assert_eq!(ids(&found), vec![underscore], "q=_ is a literal underscore");
    let found = get_ok(&app, &q("A_"), &token).await;
    assert_eq!(ids(&found), vec![underscore]);
    let found = get_ok(&app, &q(r"\"), &token).await;
    assert_eq!(ids(&found), vec![backslash], r"q=\ is a literal backslash");
}

async fn department_list_sorts_by_the_sort_key(app: TestApp) {
    let token = app.admin().await;
    create_department(&app, &token, "C", "Alpha").await;
    create_department(&app, &token, "A", "Charlie").await;
    create_department(&app, &token, "B", "Bravo").await;

    let default = get_ok(&app, "/api/v1/departments", &token).await;
    assert_eq!(column(&default, "code"), ["A", "B", "C"], "code by default");
    let by_name = get_ok(&app, "/api/v1/departments?sort=name", &token).await;
    assert_eq!(column(&by_name, "name"), ["Alpha", "Bravo", "Charlie"]);
    let descending = get_ok(&app, "/api/v1/departments?sort=-name", &token).await;
    assert_eq!(column(&descending, "name"), ["Charlie", "Bravo", "Alpha"]);
    let by_code_desc = get_ok(&app, "/api/v1/departments?sort=-code", &token).await;
    assert_eq!(column(&by_code_desc, "code"), ["C", "B", "A"]);
}

async fn unknown_sort_key_is_a_validation_error_on_every_list(app: TestApp) {
    let token = app.admin().await;
    for path in [
        "/api/v1/departments?sort=location",
        "/api/v1/departments?sort=-hospital_id",
        "/api/v1/doctors?sort=phone",
        "/api/v1/patients?sort=id_card",
        "/api/v1/charge-items?sort=-name",
        "/api/v1/users?sort=password_hash",
    ] {
        let resp = app.get(path, &token).await;
        let message = assert_invalid(&resp, "sort");
        assert!(
            message.contains("must be one of"),
            "{path}: the message lists the keys: {message}"
        );
    }
    let resp = app.get("/api/v1/departments?sort=bogus", &token).await;
    let message = assert_invalid(&resp, "sort");
    assert!(
        ["code", "name", "created_at"]
            .iter()
            .all(|k| message.contains(k)),
        "{message}"
    );
}

async fn deleting_an_unreferenced_department_deletes_it(app: TestApp) {
    let token = app.admin().await;
    let id = create_department(&app, &token, "TMP", "临时科室").await;
    let keep = create_department(&app, &token, "KEEP", "保留科室").await;

    let deleted = app
        .delete(&format!("/api/v1/departments/{id}"), &token)
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body, json!({"id": id, "outcome": "DELETED"}));

    app.get(&format!("/api/v1/departments/{id}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    app.delete(&format!("/api/v1/departments/{id}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    let list = get_ok(&app, "/api/v1/departments", &token).await;
    assert_eq!(ids(&list), vec![keep]);
}

async fn deleting_a_department_with_a_doctor_deactivates_it_and_keeps_the_doctor(app: TestApp) {
    let token = app.admin().await;
    let dept = create_department(&app, &token, "CAR", "心内科").await;
    let doc = create_doctor(&app, &token, doctor("刘佳怡", dept, 1)).await;

    let removed = app
        .delete(&format!("/api/v1/departments/{dept}"), &token)
        .await;
    assert_eq!(removed.status, 200, "{:?}", removed.body);
    assert_eq!(removed.body, json!({"id": dept, "outcome": "DEACTIVATED"}));

    let read = get_ok(&app, &format!("/api/v1/departments/{dept}"), &token).await;
    assert_eq!(read.body["is_active"], false);
    assert_eq!(read.body["name"], "心内科");
    let kept = get_ok(&app, &format!("/api/v1/doctors/{doc}"), &token).await;
    assert_eq!(kept.body["department_id"], dept);
    assert_eq!(kept.body["name"], "刘佳怡");

    // An inactive department takes no new doctors.
    let refused = app
        .post("/api/v1/doctors", &token, doctor("王强", dept, 2))
        .await;
    assert_invalid(&refused, "department_id");
}

async fn doctor_create_read_replace_filter_and_delete(app: TestApp) {
    let token = app.admin().await;
    let internal = create_department(&app, &token, "INT", "内科").await;
    let surgery = create_department(&app, &token, "SUR", "外科").await;
    let account = create_user(&app, &token, "liujiayi", "DOCTOR").await;

    let mut body = doctor("刘佳怡", internal, 1);
    body["user_id"] = json!(account);
    body["title"] = json!("CHIEF");
    let created = app.post("/api/v1/doctors", &token, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let liu = created.body["id"].as_i64().expect("id");
    for (field, value) in [
        ("name", json!("刘佳怡")),
        ("department_id", json!(internal)),
        ("user_id", json!(account)),
        ("title", json!("CHIEF")),
        ("phone", json!("13900000001")),
        ("available_slots_per_day", json!(30)),
        ("is_active", json!(true)),
    ] {
        assert_eq!(created.body[field], value, "{field}");
    }
    let read = get_ok(&app, &format!("/api/v1/doctors/{liu}"), &token).await;
    assert_eq!(read.body, created.body);

    let wang = create_doctor(&app, &token, doctor("王强", surgery, 2)).await;
    let mut body = doctor("张伟", surgery, 3);
    body["title"] = json!("RESIDENT");
    body["is_active"] = json!(false);
    let zhang = create_doctor(&app, &token, body).await;

    // PUT replaces: another department, title and phone; the omitted user link is dropped.
    let mut body = doctor("王强", internal, 4);
    body["title"] = json!("ASSOCIATE_CHIEF");
    body["available_slots_per_day"] = json!(0);
    let replaced = app
        .put(&format!("/api/v1/doctors/{wang}"), &token, body)
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["department_id"], internal);
    assert_eq!(replaced.body["title"], "ASSOCIATE_CHIEF");
    assert_eq!(replaced.body["phone"], "13900000004");
    assert_eq!(replaced.body["available_slots_per_day"], 0);
    let list = |query: String| {
        let app = &app;
        let token = &token;
        async move { ids(&get_ok(app, &format!("/api/v1/doctors?{query}"), token).await) }
    };
    assert_eq!(
        list(format!("department_id={internal}")).await,
        vec![liu, wang]
    );
    assert_eq!(list(format!("department_id={surgery}")).await, vec![zhang]);
    assert_eq!(list("title=RESIDENT".into()).await, vec![zhang]);
    assert_eq!(list("is_active=true".into()).await, vec![liu, wang]);
    assert_eq!(list("is_active=false".into()).await, vec![zhang]);
    assert_eq!(list(format!("q={}", enc("佳"))).await, vec![liu]);
    assert_eq!(
        list("q=13900000003".into()).await,
        vec![zhang],
        "whole phone"
    );
    assert_eq!(
        list("q=1390000".into()).await,
        Vec::<i64>::new(),
        "a phone fragment finds nobody"
    );
    let sorted = get_ok(&app, "/api/v1/doctors?sort=-title", &token).await;
    assert_eq!(
        column(&sorted, "title"),
        ["RESIDENT", "CHIEF", "ASSOCIATE_CHIEF"]
    );

    let deleted = app
        .delete(&format!("/api/v1/doctors/{zhang}"), &token)
        .await;
    assert_eq!(deleted.body, json!({"id": zhang, "outcome": "DELETED"}));
    app.get(&format!("/api/v1/doctors/{zhang}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
}

async fn patient_create_read_replace_and_delete(app: TestApp) {
    let desk = app.front_desk().await;
    let mut body = patient("王秀英", 7);
    body["document_no"] = json!(female_id(7).to_lowercase());
    body["gender"] = json!("FEMALE");
    body["address"] = json!("杭州市上城区");
    let created = app.post("/api/v1/patients", &desk, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(created.body["name"], "王秀英");
    assert_eq!(
        created.body["document_no"],
        female_id(7),
        "stored upper-case, in full"
    );
    assert_eq!(created.body["phone"], phone(7));
    assert_eq!(
        created.body["dob"], "1992-06-15",
        "dob defaults to the identity number's"
    );
    assert_eq!(created.body["gender"], "FEMALE");
    assert_eq!(created.body["insurance_type"], "EMPLOYEE");
    assert_eq!(created.body["address"], "杭州市上城区");
    assert_eq!(created.body["is_active"], true);

    let read = get_ok(&app, &format!("/api/v1/patients/{id}"), &desk).await;
    assert_eq!(read.body, created.body);

    let mut body = patient("王秀英", 8);
    body["insurance_type"] = json!("SELF_PAY");
    body["dob"] = json!("1980-01-01");
    let replaced = app
        .put(&format!("/api/v1/patients/{id}"), &desk, body)
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["document_no"], male_id(8));
    assert_eq!(replaced.body["phone"], phone(8));
    assert_eq!(replaced.body["gender"], "MALE");
    assert_eq!(replaced.body["dob"], "1980-01-01");
    assert_eq!(replaced.body["insurance_type"], "SELF_PAY");
    assert_eq!(replaced.body["address"], serde_json::Value::Null);

    let admin = app.admin().await;
    let deleted = app.delete(&format!("/api/v1/patients/{id}"), &admin).await;
    assert_eq!(deleted.body, json!({"id": id, "outcome": "DELETED"}));
    app.get(&format!("/api/v1/patients/{id}"), &desk)
        .await
        .assert_problem(404, "NOT_FOUND");
}

async fn patient_list_masks_identity_and_phone(app: TestApp) {
    let desk = app.front_desk().await;
    // A woman born 1949-12-31: the fixture builds the textbook number 11010519491231002X.
    let id_card = id_card("110105", "19491231", 2);
    assert_eq!(id_card, "11010519491231002X");
    let mut body = patient("王秀英", 0);
    body["document_no"] = json!(id_card);
    body["gender"] = json!("FEMALE");
    let id = create_patient(&app, &desk, body).await;
    create_patient(&app, &desk, patient("李明", 1)).await;

    let list = get_ok(&app, "/api/v1/patients", &desk).await;
    let item = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == id)
        .expect("the patient is listed")
        .clone();
    assert_eq!(item["document_masked"], "110105********002X");
    assert_eq!(item["phone_masked"], "138****0000");
    assert_eq!(item["name"], "王秀英");
    assert!(item.get("document_no").is_none() && item.get("phone").is_none());
    assert!(item.get("address").is_none(), "lists carry no address");
    let text = list.body.to_string();
    for secret in [
        id_card.as_str(),
        &male_id(1),
        &phone(0),
        &phone(1),
        "19491231",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} appears in the list: {text}"
        );
    }

    let read = get_ok(&app, &format!("/api/v1/patients/{id}"), &desk).await;
    assert_eq!(read.body["document_no"], id_card);
    assert_eq!(read.body["phone"], phone(0));
}

async fn patient_search_by_name_fragment_whole_id_number_or_phone(app: TestApp) {
    let desk = app.front_desk().await;
    let wang = create_patient(&app, &desk, patient("王秀英", 1)).await;
    let li = create_patient(&app, &desk, patient("李秀兰", 2)).await;
    let zhao = create_patient(&app, &desk, patient("赵敏", 3)).await;
    let search = |q: String| {
        let app = &app;
        let desk = &desk;
        async move { ids(&get_ok(app, &format!("/api/v1/patients?q={}", enc(&q)), desk).await) }
    };

    assert_eq!(search("秀".into()).await, vec![wang, li], "name fragment");
    assert_eq!(search("赵敏".into()).await, vec![zhao]);
    assert_eq!(search(male_id(2)).await, vec![li], "whole identity number");
    assert_eq!(
        search(format!(" {} ", male_id(2).to_lowercase())).await,
        vec![li],
        "trimmed, any case"
    );
    assert_eq!(search(phone(3)).await, vec![zhao], "whole phone");
    assert!(
        search(male_id(2)[..10].to_owned()).await.is_empty(),
        "a fragment of an identity number finds nobody"
    );
    assert!(
        search(phone(3)[..7].to_owned()).await.is_empty(),
        "a fragment of a phone finds nobody"
    );
}

async fn patient_list_filters_and_sorts(app: TestApp) {
    let desk = app.front_desk().await;
    let mut body = patient("Alice", 1);
    body["document_no"] = json!(female_id(1));
    body["gender"] = json!("FEMALE");
    body["insurance_type"] = json!("RESIDENT");
    let alice = create_patient(&app, &desk, body).await;
    let bob = create_patient(&app, &desk, patient("Bob", 2)).await;
    let mut body = patient("Carol", 3);
    body["document_no"] = json!(female_id(3));
    body["gender"] = json!("FEMALE");
    body["insurance_type"] = json!("SELF_PAY");
    body["is_active"] = json!(false);
    let carol = create_patient(&app, &desk, body).await;
    let list = |query: &str| {
        let path = format!("/api/v1/patients?{query}");
        let app = &app;
        let desk = &desk;
        async move { ids(&get_ok(app, &path, desk).await) }
    };

    assert_eq!(list("insurance_type=RESIDENT").await, vec![alice]);
    assert_eq!(list("insurance_type=EMPLOYEE").await, vec![bob]);
    assert_eq!(list("gender=FEMALE").await, vec![alice, carol]);
    assert_eq!(list("gender=FEMALE&is_active=true").await, vec![alice]);
    assert_eq!(list("is_active=false").await, vec![carol]);
    assert_eq!(list("sort=-name").await, vec![carol, bob, alice]);
    // Bob (1980) is older than the women (1992); ties keep creation order.
    assert_eq!(list("sort=dob").await, vec![bob, alice, carol]);
    assert_eq!(list("sort=-created_at").await.len(), 3);
}

async fn charge_item_prices_come_back_with_four_decimals(app: TestApp) {
    let token = app.admin().await;
    let lab = create_department(&app, &token, "LAB", "检验科").await;
    let mut body = charge_item("LAB-0001", "血常规", "LAB", "12.5");
    body["executing_department_id"] = json!(lab);
    let created = app.post("/api/v1/charge-items", &token, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(created.body["unit_price"], "12.5000");
    assert_eq!(created.body["item_code"], "LAB-0001");
    assert_eq!(created.body["item_name"], "血常规");
    assert_eq!(created.body["item_category"], "LAB");
    assert_eq!(created.body["unit"], "次");
    assert_eq!(created.body["executing_department_id"], lab);
    assert_eq!(created.body["is_active"], true);
    let read = get_ok(&app, &format!("/api/v1/charge-items/{id}"), &token).await;
    assert_eq!(read.body, created.body);

    let mut body = charge_item("REG-01", "普通挂号", "REGISTRATION", "0");
    body["unit_price"] = json!(12.5);
    let number = app.post("/api/v1/charge-items", &token, body).await;
    assert_eq!(number.status, 201, "{:?}", number.body);
    assert_eq!(
        number.body["unit_price"], "12.5000",
        "a JSON number is accepted too"
    );
    assert_eq!(
        number.body["executing_department_id"],
        serde_json::Value::Null
    );

    for (code, price, shown) in [
        ("P1", "0.0001", "0.0001"),
        ("P2", "0", "0.0000"),
        ("P3", "10000000", "10000000.0000"),
        ("P4", "3.10000", "3.1000"),
    ] {
        let resp = app
            .post(
                "/api/v1/charge-items",
                &token,
                charge_item(code, "item", "OTHER", price),
            )
            .await;
        assert_eq!(resp.status, 201, "{price}: {:?}", resp.body);
        assert_eq!(resp.body["unit_price"], shown, "{price}");
    }
}

async fn charge_item_replace_filter_sort_and_delete(app: TestApp) {
    let token = app.admin().await;
    let lab = create_department(&app, &token, "LAB", "检验科").await;
    let imaging = create_department(&app, &token, "IMG", "影像科").await;
    let mut body = charge_item("LAB-0001", "血常规", "LAB", "20");
    body["executing_department_id"] = json!(lab);
    let blood = create_charge_item(&app, &token, body).await;
    let mut body = charge_item("IMG-0001", "胸部X线", "IMAGING", "80.5");
    body["executing_department_id"] = json!(imaging);
    let xray = create_charge_item(&app, &token, body).await;
    let drug = create_charge_item(
        &app,
        &token,
        charge_item("DRG-0001", "阿莫西林胶囊", "DRUG", "1.25"),
    )
    .await;

    let mut body = charge_item("LAB-0001", "血常规(五分类)", "LAB", "25.5");
    body["executing_department_id"] = json!(lab);
    body["unit"] = json!(null);
    let replaced = app
        .put(&format!("/api/v1/charge-items/{blood}"), &token, body)
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_eq!(replaced.body["unit_price"], "25.5000");
    assert_eq!(replaced.body["item_name"], "血常规(五分类)");
    assert_eq!(replaced.body["unit"], serde_json::Value::Null);

    let list = |query: String| {
        let app = &app;
        let token = &token;
        async move { ids(&get_ok(app, &format!("/api/v1/charge-items?{query}"), token).await) }
    };
    assert_eq!(
        list(String::new()).await,
        vec![drug, xray, blood],
        "by code"
    );
    assert_eq!(list("item_category=IMAGING".into()).await, vec![xray]);
    assert_eq!(
        list(format!("executing_department_id={lab}")).await,
        vec![blood]
    );
    assert_eq!(list("q=LAB-".into()).await, vec![blood], "code fragment");
    assert_eq!(list(format!("q={}", enc("西林"))).await, vec![drug]);
    assert_eq!(
        list("sort=unit_price".into()).await,
        vec![drug, blood, xray]
    );
    assert_eq!(
        list("sort=-unit_price".into()).await,
        vec![xray, blood, drug]
    );

    let deleted = app
        .delete(&format!("/api/v1/charge-items/{drug}"), &token)
        .await;
    assert_eq!(deleted.body, json!({"id": drug, "outcome": "DELETED"}));
    app.get(&format!("/api/v1/charge-items/{drug}"), &token)
        .await
        .assert_problem(404, "NOT_FOUND");
    assert_eq!(list("is_active=true".into()).await, vec![xray, blood]);

    // A department that executes catalogue items is only deactivated.
    let removed = app
        .delete(&format!("/api/v1/departments/{lab}"), &token)
        .await;
    assert_eq!(removed.body, json!({"id": lab, "outcome": "DEACTIVATED"}));
    let item = get_ok(&app, &format!("/api/v1/charge-items/{blood}"), &token).await;
    assert_eq!(item.body["executing_department_id"], lab);
}

/// Asserts a user body carries no password or hash of any kind.
#[track_caller]
fn assert_no_secret(resp: &Resp) {
    let text = resp.body.to_string();
    assert!(
        !text.contains("password_hash")
            && !text.contains("$argon2")
            && !text.contains(NEW_PASSWORD),
        "{text}"
    );
    assert!(!text.contains("\"password\""), "no password field: {text}");
}

async fn user_created_with_a_good_password_can_sign_in(app: TestApp) {
    let token = app.admin().await;
    let created = app
        .post(
            "/api/v1/users",
            &token,
            json!({"username": "zhangmin", "display_name": "张敏", "role": "FRONT_DESK", "password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_no_secret(&created);
    let id = created.body["id"].as_i64().expect("id");
    assert_eq!(created.body["username"], "zhangmin");
    assert_eq!(created.body["display_name"], "张敏");
    assert_eq!(created.body["role"], "FRONT_DESK");
    assert_eq!(created.body["is_active"], true);
    assert_eq!(created.body["last_login_at"], serde_json::Value::Null);

    let login = app.login("zhangmin", NEW_PASSWORD).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let own = login.body["access_token"].as_str().expect("token");
    let me = get_ok(&app, "/api/v1/auth/me", own).await;
    assert_eq!(me.body["id"], id);
    assert_eq!(me.body["role"], "FRONT_DESK");
    assert_eq!(me.body["hospital"]["id"], app.hospital_a);

    let read = get_ok(&app, &format!("/api/v1/users/{id}"), &token).await;
    assert_no_secret(&read);
    assert!(
        read.body["last_login_at"].is_string(),
        "the sign-in is recorded: {:?}",
        read.body
    );

    // PUT replaces name and role.
    let replaced = app
        .put(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"display_name": "张敏(分析)", "role": "ANALYST", "is_active": true}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{:?}", replaced.body);
    assert_no_secret(&replaced);
    assert_eq!(replaced.body["display_name"], "张敏(分析)");
    assert_eq!(replaced.body["role"], "ANALYST");
    let me = get_ok(&app, "/api/v1/auth/me", own).await;
    assert_eq!(me.body["role"], "ANALYST", "a role change applies at once");
}

async fn disabled_user_can_no_longer_sign_in_or_use_their_token(app: TestApp) {
    let token = app.admin().await;
    let id = create_user(&app, &token, "leaving", "FRONT_DESK").await;
    let login = app.login("leaving", NEW_PASSWORD).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let theirs = login.body["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    let disabled = app
        .put(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"display_name": "leaving", "role": "FRONT_DESK", "is_active": false}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    assert_eq!(disabled.body["is_active"], false);

    app.login("leaving", NEW_PASSWORD)
        .await
        .assert_problem(401, "UNAUTHORIZED");
    app.get("/api/v1/patients", &theirs)
        .await
        .assert_problem(401, "UNAUTHORIZED");

    // Enabled again, the account signs in again.
    let enabled = app
        .put(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"display_name": "leaving", "role": "FRONT_DESK", "is_active": true}),
        )
        .await;
    assert_eq!(enabled.status, 200, "{:?}", enabled.body);
    assert_eq!(app.login("leaving", NEW_PASSWORD).await.status, 200);
}

async fn admin_cannot_disable_themselves_or_drop_their_own_admin_role(app: TestApp) {
    let token = app.admin().await;
    let me = my_id(&app, &token).await;
    let path = format!("/api/v1/users/{me}");

    for (role, active) in [("ADMIN", false), ("FRONT_DESK", true), ("ANALYST", false)] {
        let resp = app
            .put(
                &path,
                &token,
                json!({"display_name": "a admin", "role": role, "is_active": active}),
            )
            .await;
        resp.assert_problem(409, "SELF_LOCKOUT");
    }
    let still = get_ok(&app, &path, &token).await;
    assert_eq!(
        (&still.body["role"], &still.body["is_active"]),
        (&json!("ADMIN"), &json!(true))
    );

    // Renaming oneself is fine.
    let renamed = app
        .put(
            &path,
            &token,
            json!({"display_name": "院办管理员", "role": "ADMIN", "is_active": true}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(renamed.body["display_name"], "院办管理员");

    // Another administrator may be demoted.
    let other = create_user(&app, &token, "second-admin", "ADMIN").await;
    let demoted = app
        .put(
            &format!("/api/v1/users/{other}"),
            &token,
            json!({"display_name": "second", "role": "ANALYST", "is_active": false}),
        )
        .await;
    assert_eq!(demoted.status, 200, "{:?}", demoted.body);
}

async fn user_list_filters_by_role_and_activity_and_never_shows_a_hash(app: TestApp) {
    let token = app.admin().await;
    let doc = create_user(&app, &token, "dr-liu", "DOCTOR").await;
    let off = create_user(&app, &token, "dr-off", "DOCTOR").await;
    let disabled = app
        .put(
            &format!("/api/v1/users/{off}"),
            &token,
            json!({"display_name": "off", "role": "DOCTOR", "is_active": false}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);

    let all = get_ok(&app, "/api/v1/users?page_size=200", &token).await;
    assert_no_secret(&all);
    assert_eq!(all.body["total"], 6, "the four seeded accounts and two new");
    assert!(
        column(&all, "username")
            .iter()
            .all(|u| !u.starts_with("b_")),
        "only hospital A's accounts"
    );

    let doctors = get_ok(&app, "/api/v1/users?role=DOCTOR", &token).await;
    assert_eq!(
        column(&doctors, "username"),
        ["a_doctor", "dr-liu", "dr-off"]
    );
    let active = get_ok(&app, "/api/v1/users?role=DOCTOR&is_active=true", &token).await;
    assert_eq!(column(&active, "username"), ["a_doctor", "dr-liu"]);
    let found = get_ok(&app, "/api/v1/users?q=liu", &token).await;
    assert_eq!(ids(&found), vec![doc]);
    let sorted = get_ok(&app, "/api/v1/users?role=DOCTOR&sort=-username", &token).await;
    assert_eq!(
        column(&sorted, "username"),
        ["dr-off", "dr-liu", "a_doctor"]
    );
}

async fn concurrent_registrations_of_one_id_card_create_exactly_one_patient(app: TestApp) {
    let desk = app.front_desk().await;
    let bodies: Vec<_> = (0..10)
        .map(|n| {
            let mut body = patient(&format!("同号患者{n}"), n);
            body["document_no"] = json!(male_id(42));
            body
        })
        .collect();
    let results = join_all(
        bodies
            .into_iter()
            .map(|body| app.post("/api/v1/patients", &desk, body)),
    )
    .await;

    let created: Vec<&Resp> = results.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    for resp in results.iter().filter(|r| r.status != 201) {
        assert_duplicate(resp, "document_no");
    }
    let found = get_ok(&app, &format!("/api/v1/patients?q={}", male_id(42)), &desk).await;
    assert_eq!(
        ids(&found),
        vec![created[0].body["id"].as_i64().expect("id")]
    );
    let all = get_ok(&app, "/api/v1/patients", &desk).await;
    assert_eq!(all.body["total"], 1);
}

async fn concurrent_departments_with_one_code_create_exactly_one(app: TestApp) {
    let token = app.admin().await;
    let results = join_all((0..10).map(|n| {
        app.post(
            "/api/v1/departments",
            &token,
            json!({"code": "ER", "name": format!("急诊科{n}")}),
        )
    }))
    .await;

    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, &r.body))
            .collect::<Vec<_>>()
    );
    for resp in results.iter().filter(|r| r.status != 201) {
        assert_duplicate(resp, "code");
    }
    let list = get_ok(&app, "/api/v1/departments?q=ER", &token).await;
    assert_eq!(list.body["total"], 1);
}

/// How many delete/join pairs race at once: enough that some land inside each other's transaction.
const RACES: u32 = 64;

async fn concurrent_delete_of_a_department_and_a_doctor_joining_it_stay_consistent(app: TestApp) {
    let token = app.admin().await;
    let mut departments = Vec::new();
    for n in 0..RACES {
        departments
            .push(create_department(&app, &token, &format!("R{n}"), &format!("科室{n}")).await);
    }
    let races = join_all(departments.iter().enumerate().map(|(n, &dept)| {
        let app = &app;
        let token = &token;
        async move {
            let path = format!("/api/v1/departments/{dept}");
            let body = doctor(&format!("医生{n}"), dept, n as u32 + 100);
            let (removed, joined) = tokio::join!(
                app.delete(&path, token),
                app.post("/api/v1/doctors", token, body)
            );
            (dept, removed, joined)
        }
    }))
    .await;

    // Each race ends one of two ways; anything else is listed.
    let mut violations = Vec::new();
    for (dept, removed, joined) in &races {
        let doctors = get_ok(
            &app,
            &format!("/api/v1/doctors?department_id={dept}"),
            &token,
        )
        .await;
        let department = app
            .get(&format!("/api/v1/departments/{dept}"), &token)
            .await;
        let outcome = removed.body["outcome"].as_str().unwrap_or_default();
        let consistent = match (removed.status, outcome, joined.status) {
            // The doctor joined first: the department is kept, inactive, with its doctor.
            (200, "DEACTIVATED", 201) => {
                department.body["is_active"] == false
                    && ids(&doctors) == vec![joined.body["id"].as_i64().unwrap_or_default()]
            }
            // The department went first: the doctor is refused for naming a department that is gone.
            (200, "DELETED", 422) => {
                department.status == 404
                    && ids(&doctors).is_empty()
                    && joined.code() == "VALIDATION_FAILED"
                    && joined.field_errors().contains_key("department_id")
            }
            _ => false,
        };
        if !consistent {
            violations.push(format!(
                "department {dept}: DELETE {} {} {} / POST doctor {} {} / department now {} / doctors {:?}",
                removed.status,
                outcome,
                removed.code(),
                joined.status,
                joined.code(),
                department.status,
                ids(&doctors)
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "{} of {RACES} races ended otherwise:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
