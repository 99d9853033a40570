//! A patient is registered by one of several identity documents, each number checked by its own rule and unique
//! in the hospital per document type; a newborn with none yet is registered with a guardian.
use crate::{
    clinic::{self, Clinic, all},
    db_tests,
    fixtures::{assert_duplicate, assert_invalid, create_patient, id_card, ids, patient, phone},
    helpers::TestApp,
};
use serde_json::{Value, json};

db_tests!(
    each_document_type_registers_by_its_own_rule,
    the_number_is_unique_per_document_type,
    a_newborn_without_a_document_is_registered_with_a_guardian,
    check_in_finds_a_patient_by_any_document,
    many_registrations_of_one_passport_at_once_create_one_patient,
);

/// Patient `n`'s body with the given document; birth date and gender left to the caller where the number does
/// not carry them.
fn with_document(name: &str, n: u32, kind: &str, number: Value) -> Value {
    let mut body = patient(name, n);
    body.as_object_mut().unwrap().remove("document_no");
    body["document_type"] = json!(kind);
    body["document_no"] = number;
    body
}

async fn each_document_type_registers_by_its_own_rule(app: TestApp) {
    let desk = app.front_desk().await;
    // The 2017 permanent residence ID: 9, province, nationality (410), birth date, sequence, sex digit, check.
    let permanent = id_card("933410", "19900708", 11);
    let residence = id_card("810000", "19830512", 3);
    let cases = [
        (
            "PERMANENT_RESIDENCE",
            permanent.clone(),
            "1990-07-08",
            "MALE",
        ),
        ("RESIDENCE_PERMIT", residence.clone(), "1983-05-12", "MALE"),
    ];
    for (n, (kind, number, born, gender)) in (1..).zip(cases) {
        let mut body = with_document("金敏俊", n, kind, json!(number));
        body["gender"] = json!(gender);
        let created = app.post("/api/v1/patients", &desk, body).await;
        assert_eq!(created.status, 201, "{kind}: {:?}", created.body);
        assert_eq!(created.body["document_type"], kind);
        assert_eq!(created.body["document_no"], json!(number));
        // The birth date comes from the number.
        assert_eq!(created.body["dob"], born, "{kind}");
    }
    // The same numbers' sex digit says a man.
    let mut woman = with_document(
        "金敏",
        9,
        "PERMANENT_RESIDENCE",
        json!(id_card("933410", "19900708", 13)),
    );
    woman["gender"] = json!("FEMALE");
    assert_invalid(&app.post("/api/v1/patients", &desk, woman).await, "gender");
    // A wrong check digit, a residence permit outside the three regions, an ID card number as a permanent ID.
    let last = if permanent.ends_with('0') { '1' } else { '0' };
    for (kind, number, says) in [
        (
            "PERMANENT_RESIDENCE",
            format!("{}{last}", &permanent[..17]),
            "check digit",
        ),
        (
            "RESIDENCE_PERMIT",
            id_card("840000", "19830512", 3),
            "810000",
        ),
        (
            "PERMANENT_RESIDENCE",
            id_card("110105", "19800101", 3),
            "starts with 9",
        ),
        ("PASSPORT", "E-123".to_owned(), "passport"),
        ("HK_MACAO_PERMIT", "A12345678".to_owned(), "H or M"),
        ("TAIWAN_PERMIT", "1234567".to_owned(), "8 or 10 digits"),
        ("DRIVING_LICENCE", "1".to_owned(), "must be one of"),
    ] {
        let resp = app
            .post(
                "/api/v1/patients",
                &desk,
                with_document("某人", 20, kind, json!(number)),
            )
            .await;
        let field = if kind == "DRIVING_LICENCE" {
            "document_type"
        } else {
            "document_no"
        };
        let message = assert_invalid(&resp, field);
        assert!(message.contains(says), "{kind} {number}: {message}");
    }

    // The documents without a birth date need one; their numbers are kept upper case.
    for (n, kind, number) in [
        (30, "PASSPORT", "e12345678"),
        (31, "HK_MACAO_PERMIT", "h60321457"),
        (32, "TAIWAN_PERMIT", "08124567"),
    ] {
        let body = with_document("陈嘉欣", n, kind, json!(number));
        assert_invalid(
            &app.post("/api/v1/patients", &desk, body.clone()).await,
            "dob",
        );
        let mut body = body;
        body["dob"] = json!("1995-02-11");
        let created = app.post("/api/v1/patients", &desk, body).await;
        assert_eq!(created.status, 201, "{kind}: {:?}", created.body);
        assert_eq!(created.body["document_no"], number.to_uppercase());
    }
    let list = app
        .get("/api/v1/patients?q=陈嘉欣&sort=created_at", &desk)
        .await;
    let masked: Vec<&Value> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["document_masked"])
        .collect();
    assert_eq!(
        masked,
        [&json!("E*****678"), &json!("H*****457"), &json!("0****567")]
    );

    // A client that still sends `id_card` registers an ID card.
    let mut old = patient("王秀英", 40);
    let number = old.as_object_mut().unwrap().remove("document_no").unwrap();
    old["id_card"] = number.clone();
    let created = app.post("/api/v1/patients", &desk, old).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        (&created.body["document_type"], &created.body["document_no"]),
        (&json!("ID_CARD"), &number)
    );
}

async fn the_number_is_unique_per_document_type(app: TestApp) {
    let desk = app.front_desk().await;
    let mut passport = with_document("苏菲·马丁", 1, "PASSPORT", json!("18CK52931"));
    passport["dob"] = json!("1988-06-15");
    passport["gender"] = json!("FEMALE");
    let sophie = create_patient(&app, &desk, passport.clone()).await;
    // Another country's passport may carry the same number: as a Taiwan permit it is another document...
    let mut permit = with_document("林志明", 2, "TAIWAN_PERMIT", json!("12345678"));
    permit["dob"] = json!("1979-09-30");
    create_patient(&app, &desk, permit.clone()).await;
    let mut also_passport = permit.clone();
    also_passport["document_type"] = json!("PASSPORT");
    also_passport["phone"] = json!(phone(3));
    create_patient(&app, &desk, also_passport).await;
    // ...but the same passport again names the patient who holds it.
    let mut again = passport.clone();
    again["name"] = json!("苏菲");
    let resp = app.post("/api/v1/patients", &desk, again).await;
    assert_duplicate(&resp, "document_no");
    assert_eq!(
        resp.body["conflict"],
        json!({"resource": "PATIENT", "id": sophie, "patient_name": "苏菲·马丁",
            "document_type": "PASSPORT", "document_masked": "1*****931"}),
    );
}

async fn a_newborn_without_a_document_is_registered_with_a_guardian(app: TestApp) {
    let desk = app.front_desk().await;
    let today = clinic::today(&app).await;
    let mut baby = with_document("楼小满", 1, "NONE_YET", Value::Null);
    baby["dob"] = json!(today);
    baby["gender"] = json!("FEMALE");
    baby["insurance_type"] = json!("SELF_PAY");
    assert_invalid(
        &app.post("/api/v1/patients", &desk, baby.clone()).await,
        "guardian",
    );
    // A number with no document type to check it by is refused, not dropped.
    let mut numbered = baby.clone();
    numbered["document_no"] = json!("H12345678");
    assert_invalid(
        &app.post("/api/v1/patients", &desk, numbered).await,
        "document_no",
    );

    baby["guardian"] = json!({"name": "楼建华", "relation": "PARENT", "phone": phone(1)});
    // Born today by the hospital's calendar (which may be tomorrow in UTC), but not tomorrow.
    let mut unborn = baby.clone();
    unborn["dob"] = json!(today.succ_opt().unwrap());
    assert_invalid(&app.post("/api/v1/patients", &desk, unborn).await, "dob");
    let twins = all([
        app.post("/api/v1/patients", &desk, baby.clone()),
        app.post("/api/v1/patients", &desk, {
            let mut twin = baby.clone();
            twin["name"] = json!("楼小雪");
            twin
        }),
    ])
    .await;
    for twin in &twins {
        assert_eq!(twin.status, 201, "{:?}", twin.body);
        assert_eq!(twin.body["document_no"], Value::Null);
    }
    let list = app.get("/api/v1/patients?q=楼", &desk).await;
    assert_eq!(ids(&list).len(), 2);
    for item in list.body["items"].as_array().unwrap() {
        assert_eq!(
            (&item["document_type"], &item["document_masked"]),
            (&json!("NONE_YET"), &Value::Null)
        );
    }
    // Once the birth is registered, the baby gets its ID card.
    let id = twins[0].body["id"].as_i64().unwrap();
    let mut registered = baby.clone();
    registered["document_type"] = json!("ID_CARD");
    registered["document_no"] = json!(id_card("330106", &today.format("%Y%m%d").to_string(), 2));
    let updated = app
        .put(&format!("/api/v1/patients/{id}"), &desk, registered)
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["document_type"], "ID_CARD");
}

async fn check_in_finds_a_patient_by_any_document(app: TestApp) {
    let clinic = Clinic::open(&app).await;
    let desk = app.front_desk().await;
    let mut body = with_document("陈嘉欣", 1, "HK_MACAO_PERMIT", json!("H60321457"));
    body["dob"] = json!("1995-02-11");
    let chen = create_patient(&app, &desk, body).await;
    let other = create_patient(&app, &desk, patient("王秀英", 2)).await;
    let (schedule, _) = clinic::today_schedule(&app, clinic.doctor_id, 10).await;
    let booked = clinic::booked(&app, chen, schedule).await;
    clinic::booked(&app, other, schedule).await;
    // Typed in lower case at the desk.
    let today = app
        .get("/api/v1/appointments/today?q=h60321457", &desk)
        .await;
    assert_eq!(ids(&today), [booked]);
    assert_eq!(
        today.body["items"][0]["patient_document_type"],
        "HK_MACAO_PERMIT"
    );
    assert_eq!(
        today.body["items"][0]["patient_document_masked"],
        "H*****457"
    );
    assert_eq!(
        ids(&app.get("/api/v1/patients?q=H60321457", &desk).await),
        [chen]
    );
}

async fn many_registrations_of_one_passport_at_once_create_one_patient(app: TestApp) {
    let desk = app.front_desk().await;
    let bodies = (0..8).map(|n| {
        let mut body = with_document(&format!("同号{n}"), n, "PASSPORT", json!("E12345678"));
        body["dob"] = json!("1980-01-01");
        body
    });
    let results = all(bodies.map(|b| app.post("/api/v1/patients", &desk, b))).await;
    let created: Vec<_> = results.iter().filter(|r| r.status == 201).collect();
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
        assert_eq!(resp.body["conflict"]["id"], created[0].body["id"]);
    }
}
