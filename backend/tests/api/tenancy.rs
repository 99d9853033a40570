//! Every query is scoped by the caller's hospital. Records of hospital A do not exist for hospital B: not
//! to read, replace or delete (404, and A's record is untouched), not in lists or searches, and not as a
//! reference from B's doctors and catalogue items. Codes and identity numbers are unique per hospital, so
//! B may reuse A's.
use crate::{
    db_tests,
    fixtures::{
        assert_invalid, charge_item, create_charge_item, create_department, create_doctor,
        create_patient, create_user, doctor, enc, ids, male_id, my_id, patient, phone,
    },
    helpers::TestApp,
};
use hospital::domain::foundation::role::Role;
use serde_json::{Value, json};

db_tests!(
    records_of_another_hospital_cannot_be_read_replaced_or_deleted,
    lists_and_searches_never_show_another_hospitals_records,
    codes_identity_numbers_and_phones_are_unique_per_hospital,
    another_hospitals_department_or_account_cannot_be_referenced,
    another_hospitals_administrator_cannot_disable_our_admin,
);

/// One record of each kind in hospital A.
struct HospitalA {
    department: i64,
    doctor: i64,
    patient: i64,
    charge_item: i64,
    user: i64,
}

const DOCTOR_NAME: &str = "甲院刘医生";
const PATIENT_NAME: &str = "甲院王秀英";

async fn seed_hospital_a(app: &TestApp) -> HospitalA {
    let a = app.token('a', Role::Admin).await;
    let department = create_department(app, &a, "INT", "甲院内科").await;
    let user = create_user(app, &a, "a-dr-liu", "DOCTOR").await;
    let mut body = doctor(DOCTOR_NAME, department, 1);
    body["user_id"] = json!(user);
    let doctor = create_doctor(app, &a, body).await;
    let patient = create_patient(app, &a, patient(PATIENT_NAME, 1)).await;
    let mut body = charge_item("LAB-0001", "甲院血常规", "LAB", "20");
    body["executing_department_id"] = json!(department);
    let charge_item = create_charge_item(app, &a, body).await;
    HospitalA {
        department,
        doctor,
        patient,
        charge_item,
        user,
    }
}

async fn records_of_another_hospital_cannot_be_read_replaced_or_deleted(app: TestApp) {
    let seeded = seed_hospital_a(&app).await;
    let a = app.token('a', Role::Admin).await;
    let b = app.token('b', Role::Admin).await;
    // B's own department, so B's replacement bodies are valid in B's eyes.
    let b_department = create_department(&app, &b, "B-INT", "乙院内科").await;
    let cases: [(&str, i64, Value, bool); 5] = [
        (
            "departments",
            seeded.department,
            json!({"code": "HACK", "name": "hacked", "is_active": false}),
            true,
        ),
        (
            "doctors",
            seeded.doctor,
            doctor("hacked", b_department, 9),
            true,
        ),
        ("patients", seeded.patient, patient("hacked", 9), true),
        (
            "charge-items",
            seeded.charge_item,
            charge_item("HACK", "hacked", "OTHER", "0"),
            true,
        ),
        (
            "users",
            seeded.user,
            json!({"display_name": "hacked", "role": "ADMIN", "is_active": false, "password": "Hacked-password-1"}),
            false,
        ),
    ];
    for (resource, id, body, deletable) in cases {
        let path = format!("/api/v1/{resource}/{id}");
        let before = app.get(&path, &a).await;
        assert_eq!(before.status, 200, "A reads {path}: {:?}", before.body);

        app.get(&path, &b).await.assert_problem(404, "NOT_FOUND");
        app.put(&path, &b, body)
            .await
            .assert_problem(404, "NOT_FOUND");
        if deletable {
            app.delete(&path, &b).await.assert_problem(404, "NOT_FOUND");
        }

        let after = app.get(&path, &a).await;
        assert_eq!(after.body, before.body, "{path} is untouched");
    }
    // B's front desk cannot see A's patient either.
    let desk = app.token('b', Role::FrontDesk).await;
    app.get(&format!("/api/v1/patients/{}", seeded.patient), &desk)
        .await
        .assert_problem(404, "NOT_FOUND");
    // A's doctor account still signs in with its own password: B's reset did not happen.
    assert_eq!(
        app.login("a-dr-liu", crate::fixtures::NEW_PASSWORD)
            .await
            .status,
        200
    );
}

async fn lists_and_searches_never_show_another_hospitals_records(app: TestApp) {
    let seeded = seed_hospital_a(&app).await;
    let b = app.token('b', Role::Admin).await;
    let b_department = create_department(&app, &b, "SUR", "乙院外科").await;
    let b_doctor = create_doctor(&app, &b, doctor("乙院张医生", b_department, 2)).await;
    let b_patient = create_patient(&app, &b, patient("乙院李明", 2)).await;
    let b_item =
        create_charge_item(&app, &b, charge_item("IMG-1", "乙院胸片", "IMAGING", "80")).await;

    let expectations: [(&str, Vec<String>, i64); 5] = [
        (
            "departments",
            vec!["INT".into(), "甲院内科".into(), "甲院".into()],
            b_department,
        ),
        (
            "doctors",
            vec![DOCTOR_NAME.into(), "13900000001".into(), "甲院".into()],
            b_doctor,
        ),
        (
            "patients",
            vec![PATIENT_NAME.into(), male_id(1), phone(1), "甲院".into()],
            b_patient,
        ),
        (
            "charge-items",
            vec!["LAB-0001".into(), "甲院血常规".into(), "LAB".into()],
            b_item,
        ),
        ("users", vec!["a-dr-liu".into(), "a_".into()], 0),
    ];
    for (resource, queries, b_own) in expectations {
        let all = app
            .get(&format!("/api/v1/{resource}?page_size=200"), &b)
            .await;
        let listed = ids(&all);
        if b_own != 0 {
            assert_eq!(listed, vec![b_own], "B lists only its own {resource}");
        }
        let a_own = match resource {
            "departments" => seeded.department,
            "doctors" => seeded.doctor,
            "patients" => seeded.patient,
            "charge-items" => seeded.charge_item,
            _ => seeded.user,
        };
        assert!(!listed.contains(&a_own), "{resource}: {:?}", all.body);
        for q in queries {
            let found = app
                .get(&format!("/api/v1/{resource}?q={}", enc(&q)), &b)
                .await;
            assert_eq!(
                found.body["total"], 0,
                "B searches {resource} for {q:?}: {:?}",
                found.body
            );
        }
    }
    // B's users are only B's four seeded accounts.
    let users = app.get("/api/v1/users?page_size=200", &b).await;
    assert_eq!(users.body["total"], 4, "{:?}", users.body);
    assert!(
        users.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|u| u["username"].as_str().is_some_and(|n| n.starts_with("b_"))),
        "{:?}",
        users.body
    );
    // Filters by A's ids find nothing in B.
    let by_department = app
        .get(
            &format!("/api/v1/doctors?department_id={}", seeded.department),
            &b,
        )
        .await;
    assert_eq!(by_department.body["total"], 0);
    let by_executor = app
        .get(
            &format!(
                "/api/v1/charge-items?executing_department_id={}",
                seeded.department
            ),
            &b,
        )
        .await;
    assert_eq!(by_executor.body["total"], 0);
    // And B's front desk sees only B's patients.
    let desk = app.token('b', Role::FrontDesk).await;
    let patients = app
        .get(&format!("/api/v1/patients?q={}", male_id(1)), &desk)
        .await;
    assert_eq!(patients.body["total"], 0);
}

async fn codes_identity_numbers_and_phones_are_unique_per_hospital(app: TestApp) {
    let seeded = seed_hospital_a(&app).await;
    let a = app.token('a', Role::Admin).await;
    let b = app.token('b', Role::Admin).await;

    let b_department = create_department(&app, &b, "INT", "甲院内科").await;
    assert_ne!(b_department, seeded.department);
    let b_patient = create_patient(&app, &b, patient(PATIENT_NAME, 1)).await;
    assert_ne!(b_patient, seeded.patient);
    let b_doctor = create_doctor(&app, &b, doctor(DOCTOR_NAME, b_department, 1)).await;
    let b_item =
        create_charge_item(&app, &b, charge_item("LAB-0001", "甲院血常规", "LAB", "30")).await;

    // Each hospital finds exactly its own twin.
    for (token, department, patient, doctor, item) in [
        (
            &a,
            seeded.department,
            seeded.patient,
            seeded.doctor,
            seeded.charge_item,
        ),
        (&b, b_department, b_patient, b_doctor, b_item),
    ] {
        let found = app.get("/api/v1/departments?q=INT", token).await;
        assert_eq!(ids(&found), vec![department]);
        let found = app
            .get(&format!("/api/v1/patients?q={}", male_id(1)), token)
            .await;
        assert_eq!(ids(&found), vec![patient]);
        let found = app.get("/api/v1/doctors?q=13900000001", token).await;
        assert_eq!(ids(&found), vec![doctor]);
        let found = app.get("/api/v1/charge-items?q=LAB-0001", token).await;
        assert_eq!(ids(&found), vec![item]);
    }
    let a_item = app
        .get(&format!("/api/v1/charge-items/{}", seeded.charge_item), &a)
        .await;
    assert_eq!(a_item.body["unit_price"], "20.0000", "A's price is A's");

    // Within B the usual uniqueness still holds.
    let again = app
        .post(
            "/api/v1/departments",
            &b,
            json!({"code": "INT", "name": "乙院内科"}),
        )
        .await;
    crate::fixtures::assert_duplicate(&again, "code");
}

async fn another_hospitals_department_or_account_cannot_be_referenced(app: TestApp) {
    let seeded = seed_hospital_a(&app).await;
    let b = app.token('b', Role::Admin).await;

    let resp = app
        .post(
            "/api/v1/doctors",
            &b,
            doctor("乙院张医生", seeded.department, 2),
        )
        .await;
    assert_invalid(&resp, "department_id");
    let mut item = charge_item("LAB-9", "乙院尿常规", "LAB", "10");
    item["executing_department_id"] = json!(seeded.department);
    let resp = app.post("/api/v1/charge-items", &b, item.clone()).await;
    assert_invalid(&resp, "executing_department_id");

    // Nor by replacing one of B's own records.
    let b_department = create_department(&app, &b, "SUR", "乙院外科").await;
    let b_doctor = create_doctor(&app, &b, doctor("乙院张医生", b_department, 2)).await;
    let resp = app
        .put(
            &format!("/api/v1/doctors/{b_doctor}"),
            &b,
            doctor("乙院张医生", seeded.department, 2),
        )
        .await;
    assert_invalid(&resp, "department_id");
    let b_item =
        create_charge_item(&app, &b, charge_item("LAB-9", "乙院尿常规", "LAB", "10")).await;
    let resp = app
        .put(&format!("/api/v1/charge-items/{b_item}"), &b, item)
        .await;
    assert_invalid(&resp, "executing_department_id");

    // A's doctor account cannot be linked to B's doctor.
    let mut body = doctor("乙院王医生", b_department, 3);
    body["user_id"] = json!(seeded.user);
    let resp = app.post("/api/v1/doctors", &b, body).await;
    assert_invalid(&resp, "user_id");

    // B's doctor is still where B put it.
    let read = app.get(&format!("/api/v1/doctors/{b_doctor}"), &b).await;
    assert_eq!(read.body["department_id"], b_department);
    // A's department has no doctors from B.
    let a = app.token('a', Role::Admin).await;
    let a_doctors = app
        .get(
            &format!("/api/v1/doctors?department_id={}", seeded.department),
            &a,
        )
        .await;
    assert_eq!(ids(&a_doctors), vec![seeded.doctor]);
}

async fn another_hospitals_administrator_cannot_disable_our_admin(app: TestApp) {
    let a = app.token('a', Role::Admin).await;
    let b = app.token('b', Role::Admin).await;
    let a_admin = my_id(&app, &a).await;
    let resp = app
        .put(
            &format!("/api/v1/users/{a_admin}"),
            &b,
            json!({"display_name": "x", "role": "ANALYST", "is_active": false}),
        )
        .await;
    resp.assert_problem(404, "NOT_FOUND");
    let me = app.get("/api/v1/auth/me", &a).await;
    assert_eq!(me.status, 200, "A's admin still works: {:?}", me.body);
    assert_eq!(me.body["role"], "ADMIN");
    assert_eq!(me.body["hospital"]["id"], app.hospital_a);
}
