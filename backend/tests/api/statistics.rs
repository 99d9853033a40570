//! Outpatient statistics: figures computed by hand over rows written straight to the database (two
//! departments, three days across a month boundary, a refund days after its payment, a no-show, a
//! cancellation, another hospital's bill), by day, ISO week and month; roles, validation and the Excel export.
use crate::{db_tests, helpers::TestApp};
use chrono::{NaiveDate, Utc};
use hospital::domain::foundation::vocab::DoctorTitle;
use hospital::domain::foundation::vocab::DocumentType;
use hospital::domain::foundation::vocab::Gender;
use hospital::domain::foundation::vocab::InsuranceType;
use hospital::domain::outpatient::billing::PaymentMethod;
use hospital::domain::outpatient::schedule::ScheduleStatus;
use hospital::domain::outpatient::schedule::TimeSlot;
use hospital::{
    domain::{foundation::money::Amount, foundation::role::Role},
    entities::{
        foundation::department, foundation::doctor, foundation::patient, outpatient::appointment,
        outpatient::billing, outpatient::medical_record, outpatient::schedule,
    },
};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use std::{io::Read, str::FromStr};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const RANGE: &str = "date_from=2026-01-30&date_to=2026-02-02";

fn day(s: &str) -> NaiveDate {
    NaiveDate::from_str(s).unwrap()
}

fn amount(s: &str) -> Amount {
    Amount::from_decimal(Decimal::from_str(s).unwrap()).unwrap()
}

/// Writes one hospital's rows through the entities, numbering what must be unique.
struct Clinic<'a> {
    app: &'a TestApp,
    hospital_id: i64,
    serial: u32,
}

impl<'a> Clinic<'a> {
    fn new(app: &'a TestApp, hospital_id: i64) -> Self {
        Self {
            app,
            hospital_id,
            serial: 0,
        }
    }

    fn next(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    async fn department(&mut self, code: &str, name: &str) -> i64 {
        let now = Utc::now();
        department::ActiveModel {
            hospital_id: Set(self.hospital_id),
            code: Set(code.into()),
            name: Set(name.into()),
            location: Set(None),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }

    async fn doctor(&mut self, department_id: i64) -> i64 {
        let n = self.next();
        let now = Utc::now();
        doctor::ActiveModel {
            hospital_id: Set(self.hospital_id),
            department_id: Set(department_id),
            user_id: Set(None),
            name: Set(format!("医生{n}")),
            title: Set(DoctorTitle::Attending),
            phone: Set(format!("139{:04}{n:04}", self.hospital_id)),
            available_slots_per_day: Set(30),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }

    async fn patient(&mut self) -> i64 {
        let n = self.next();
        let now = Utc::now();
        patient::ActiveModel {
            hospital_id: Set(self.hospital_id),
            name: Set(format!("患者{n}")),
            document_type: Set(DocumentType::IdCard),
            document_no: Set(Some(format!("11010519800101{n:04}"))),
            phone: Set(format!("138{:04}{n:04}", self.hospital_id)),
            dob: Set(day("1980-01-01")),
            gender: Set(Gender::Male),
            insurance_type: Set(InsuranceType::employee()),
            address: Set(None),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }

    async fn schedule(&mut self, doctor_id: i64, department_id: i64, date: &str) -> i64 {
        let now = Utc::now();
        schedule::ActiveModel {
            hospital_id: Set(self.hospital_id),
            doctor_id: Set(doctor_id),
            department_id: Set(department_id),
            schedule_date: Set(day(date)),
            time_slot: Set(TimeSlot::Morning),
            room_no: Set("101".into()),
            capacity: Set(20),
            booked_count: Set(0),
            last_queue_no: Set(20),
            status: Set(ScheduleStatus::Open),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }

    async fn appointment(&mut self, patient_id: i64, schedule_id: i64, status: &str) -> i64 {
        let queue_no = self.next() as i32;
        let now = Utc::now();
        appointment::ActiveModel {
            hospital_id: Set(self.hospital_id),
            patient_id: Set(patient_id),
            schedule_id: Set(schedule_id),
            queue_no: Set(queue_no),
            status: Set(status.parse().unwrap()),
            check_in_time: Set(None),
            assigned_room: Set(None),
            is_walk_in: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }

    /// A bill for the appointment (with its medical record): PENDING, PAID on `paid_on`, or REFUNDED on
    /// `refunded_on` as well.
    #[allow(clippy::too_many_arguments)]
    async fn bill(
        &mut self,
        appointment_id: i64,
        doctor_id: i64,
        patient_id: i64,
        total: &str,
        insurance: &str,
        paid_on: Option<&str>,
        refunded_on: Option<&str>,
    ) -> i64 {
        let now = Utc::now();
        let record = medical_record::ActiveModel {
            hospital_id: Set(self.hospital_id),
            appointment_id: Set(appointment_id),
            doctor_id: Set(doctor_id),
            patient_id: Set(patient_id),
            diagnosis: Set(None),
            treatment: Set(None),
            prescription: Set(None),
            visit_time: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap();
        let status = match (paid_on, refunded_on) {
            (_, Some(_)) => "REFUNDED",
            (Some(_), None) => "PAID",
            (None, None) => "PENDING",
        };
        billing::ActiveModel {
            hospital_id: Set(self.hospital_id),
            medical_record_id: Set(record.id),
            appointment_id: Set(appointment_id),
            total_amount: Set(amount(total)),
            insurance_amount: Set(amount(insurance)),
            self_pay_amount: Set(Amount::from_scaled(
                amount(total).scaled() - amount(insurance).scaled(),
            )),
            status: Set(status.parse().unwrap()),
            payment_method: Set(paid_on.map(|_| PaymentMethod::Cash)),
            paid_at: Set(paid_on.map(|_| now)),
            paid_on: Set(paid_on.map(day)),
            refunded_at: Set(refunded_on.map(|_| now)),
            refunded_on: Set(refunded_on.map(day)),
            refund_reason: Set(refunded_on.map(|_| "测试退费".into())),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.app.db)
        .await
        .unwrap()
        .id
    }
}

struct Seeded {
    int: i64,
    sur: i64,
    /// A department of hospital B.
    foreign: i64,
}

/// Hospital A: 内科 (INT) and 外科 (SUR); 2026-01-30 is a Friday, 02-01 a Sunday, 02-02 a Monday, so the ISO
/// week of 01-26 crosses the month boundary and February spans two weeks. Hospital B: one paid bill.
async fn seed(app: &TestApp) -> Seeded {
    let mut a = Clinic::new(app, app.hospital_a);
    let int = a.department("INT", "内科").await;
    let sur = a.department("SUR", "外科").await;
    let (d_int, d_sur) = (a.doctor(int).await, a.doctor(sur).await);
    let mut p = Vec::new();
    for _ in 0..6 {
        p.push(a.patient().await);
    }

    // 01-29, before the range: paid then, refunded on 01-30 (a refund of INT on 01-30).
    let s0 = a.schedule(d_int, int, "2026-01-29").await;
    let a0 = a.appointment(p[5], s0, "PAID").await;
    a.bill(
        a0,
        d_int,
        p[5],
        "10.0000",
        "0",
        Some("2026-01-29"),
        Some("2026-01-30"),
    )
    .await;

    // 01-30 INT: a paid visit, a no-show, a cancellation (counts nowhere), one still booked.
    let s1 = a.schedule(d_int, int, "2026-01-30").await;
    let a1 = a.appointment(p[0], s1, "PAID").await;
    a.bill(
        a1,
        d_int,
        p[0],
        "100.0000",
        "60.0000",
        Some("2026-01-30"),
        None,
    )
    .await;
    a.appointment(p[1], s1, "NO_SHOW").await;
    a.appointment(p[2], s1, "CANCELLED").await;
    a.appointment(p[3], s1, "BOOKED").await;

    // 01-30 SUR: paid that day, refunded on 02-02.
    let s2 = a.schedule(d_sur, sur, "2026-01-30").await;
    let a5 = a.appointment(p[0], s2, "PAID").await;
    a.bill(
        a5,
        d_sur,
        p[0],
        "123.4500",
        "23.4500",
        Some("2026-01-30"),
        Some("2026-02-02"),
    )
    .await;

    // 02-01 INT: three visits; one bill still pending, one paid the next day.
    let s3 = a.schedule(d_int, int, "2026-02-01").await;
    let a6 = a.appointment(p[1], s3, "BILLED").await;
    a.bill(a6, d_int, p[1], "50.0000", "20.0000", None, None)
        .await;
    a.appointment(p[2], s3, "COMPLETED").await;
    let a8 = a.appointment(p[4], s3, "PAID").await;
    a.bill(a8, d_int, p[4], "80.0000", "0", Some("2026-02-02"), None)
        .await;

    // 02-02 SUR: a no-show and a cancellation.
    let s4 = a.schedule(d_sur, sur, "2026-02-02").await;
    a.appointment(p[3], s4, "NO_SHOW").await;
    a.appointment(p[4], s4, "CANCELLED").await;

    let mut b = Clinic::new(app, app.hospital_b);
    let foreign = b.department("INT", "B内科").await;
    let d_b = b.doctor(foreign).await;
    let p_b = b.patient().await;
    let s_b = b.schedule(d_b, foreign, "2026-01-30").await;
    let a_b = b.appointment(p_b, s_b, "PAID").await;
    b.bill(
        a_b,
        d_b,
        p_b,
        "777.0000",
        "700.0000",
        Some("2026-01-30"),
        None,
    )
    .await;

    Seeded { int, sur, foreign }
}

/// The JSON of a row: counts, rate, then revenue, insurance, self-pay, refunds and net revenue.
fn row(
    period: &str,
    (id, code, name): (i64, &str, &str),
    (visits, appointments, no_shows): (i64, i64, i64),
    rate: Option<&str>,
    money: [&str; 5],
) -> Value {
    json!({
        "period_start": period,
        "department_id": id,
        "department_code": code,
        "department_name": name,
        "visits": visits,
        "appointments": appointments,
        "no_shows": no_shows,
        "no_show_rate": rate,
        "revenue": money[0],
        "insurance": money[1],
        "self_pay": money[2],
        "refunds": money[3],
        "net_revenue": money[4],
    })
}

fn totals(
    (visits, appointments, no_shows): (i64, i64, i64),
    rate: Option<&str>,
    money: [&str; 5],
) -> Value {
    json!({
        "visits": visits,
        "appointments": appointments,
        "no_shows": no_shows,
        "no_show_rate": rate,
        "revenue": money[0],
        "insurance": money[1],
        "self_pay": money[2],
        "refunds": money[3],
        "net_revenue": money[4],
    })
}

const ZERO: &str = "0.0000";

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let resp = app
        .get(&format!("/api/v1/statistics/outpatient?{query}"), token)
        .await;
    assert_eq!(resp.status, 200, "{query}: {:?}", resp.body);
    resp.body
}

#[track_caller]
fn assert_rows(body: &Value, expected: &[Value]) {
    let rows = body["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), expected.len(), "{:#}", body["rows"]);
    for (got, want) in rows.iter().zip(expected) {
        assert_eq!(got, want);
    }
}

async fn figures_by_day_week_and_month(app: TestApp) {
    let s = seed(&app).await;
    let (int, sur) = ((s.int, "INT", "内科"), (s.sur, "SUR", "外科"));
    let analyst = app.token('a', Role::Analyst).await;
    let all = totals(
        (5, 8, 2),
        Some("0.2500"),
        ["303.4500", "83.4500", "220.0000", "133.4500", "170.0000"],
    );
    let int_0130 = ["100.0000", "60.0000", "40.0000", "10.0000", "90.0000"];
    let sur_0130 = ["123.4500", "23.4500", "100.0000", ZERO, "123.4500"];
    let int_0202 = ["80.0000", ZERO, "80.0000", ZERO, "80.0000"];
    let sur_0202 = [ZERO, ZERO, ZERO, "123.4500", "-123.4500"];

    let body = report(&app, &analyst, &format!("{RANGE}&granularity=day")).await;
    assert_eq!(body["granularity"], "day");
    assert_eq!(body["date_from"], "2026-01-30");
    assert_eq!(body["date_to"], "2026-02-02");
    assert_rows(
        &body,
        &[
            row("2026-01-30", int, (1, 3, 1), Some("0.3333"), int_0130),
            row("2026-01-30", sur, (1, 1, 0), Some("0.0000"), sur_0130),
            row("2026-02-01", int, (3, 3, 0), Some("0.0000"), [ZERO; 5]),
            row("2026-02-02", int, (0, 0, 0), None, int_0202),
            row("2026-02-02", sur, (0, 1, 1), Some("1.0000"), sur_0202),
        ],
    );
    assert_eq!(body["totals"], all);

    let body = report(&app, &analyst, &format!("{RANGE}&granularity=week")).await;
    assert_eq!(body["granularity"], "week");
    assert_rows(
        &body,
        &[
            row("2026-01-26", int, (4, 6, 1), Some("0.1667"), int_0130),
            row("2026-01-26", sur, (1, 1, 0), Some("0.0000"), sur_0130),
            row("2026-02-02", int, (0, 0, 0), None, int_0202),
            row("2026-02-02", sur, (0, 1, 1), Some("1.0000"), sur_0202),
        ],
    );
    assert_eq!(body["totals"], all);

    let body = report(&app, &analyst, &format!("{RANGE}&granularity=month")).await;
    assert_rows(
        &body,
        &[
            row("2026-01-01", int, (1, 3, 1), Some("0.3333"), int_0130),
            row("2026-01-01", sur, (1, 1, 0), Some("0.0000"), sur_0130),
            row("2026-02-01", int, (3, 3, 0), Some("0.0000"), int_0202),
            row("2026-02-01", sur, (0, 1, 1), Some("1.0000"), sur_0202),
        ],
    );
    assert_eq!(body["totals"], all);

    // One department.
    let body = report(
        &app,
        &analyst,
        &format!("{RANGE}&granularity=month&department_id={}", s.sur),
    )
    .await;
    assert_rows(
        &body,
        &[
            row("2026-01-01", sur, (1, 1, 0), Some("0.0000"), sur_0130),
            row("2026-02-01", sur, (0, 1, 1), Some("1.0000"), sur_0202),
        ],
    );
    assert_eq!(
        body["totals"],
        totals(
            (1, 2, 1),
            Some("0.5000"),
            ["123.4500", "23.4500", "100.0000", "123.4500", ZERO]
        )
    );

    // Payments and refunds count by their own dates: 01-30 alone has the refund of a bill paid on 01-29.
    let body = report(&app, &analyst, "date_from=2026-01-30&date_to=2026-01-30").await;
    assert_eq!(
        body["totals"],
        totals(
            (2, 4, 1),
            Some("0.2500"),
            ["223.4500", "83.4500", "140.0000", "10.0000", "213.4500"]
        )
    );

    // Another hospital's department matches nothing; that hospital sees only its own bill.
    let body = report(
        &app,
        &analyst,
        &format!("{RANGE}&department_id={}", s.foreign),
    )
    .await;
    assert_rows(&body, &[]);
    assert_eq!(body["totals"], totals((0, 0, 0), None, [ZERO; 5]));
    let body = report(&app, &app.token('b', Role::Analyst).await, RANGE).await;
    assert_rows(
        &body,
        &[row(
            "2026-01-30",
            (s.foreign, "INT", "B内科"),
            (1, 1, 0),
            Some("0.0000"),
            ["777.0000", "700.0000", "77.0000", ZERO, "777.0000"],
        )],
    );

    // ADMIN may read them too.
    report(&app, &app.admin().await, RANGE).await;
}

async fn defaults_to_the_last_thirty_days_by_day(app: TestApp) {
    let body = report(&app, &app.token('a', Role::Analyst).await, "").await;
    assert_eq!(body["granularity"], "day");
    let from = day(body["date_from"].as_str().unwrap());
    let to = day(body["date_to"].as_str().unwrap());
    assert_eq!((to - from).num_days(), 29);
    // The hospital's local today, within a day of UTC's.
    assert!((to - Utc::now().date_naive()).num_days().abs() <= 1, "{to}");
    assert_rows(&body, &[]);
    assert_eq!(body["totals"], totals((0, 0, 0), None, [ZERO; 5]));
}

async fn only_analysts_and_admins(app: TestApp) {
    for path in [
        "/api/v1/statistics/outpatient",
        "/api/v1/statistics/outpatient.xlsx",
    ] {
        // Authorization comes first, whatever the parameters.
        let invalid = format!("{path}?department_id=abc&granularity=year");
        for role in [Role::FrontDesk, Role::Doctor] {
            for p in [path, invalid.as_str()] {
                app.get(p, &app.token('a', role).await)
                    .await
                    .assert_problem(403, "FORBIDDEN");
            }
        }
        for p in [path, invalid.as_str()] {
            app.call(reqwest::Method::GET, p, None, None)
                .await
                .assert_problem(401, "UNAUTHORIZED");
        }
        for role in [Role::Analyst, Role::Admin] {
            let resp = app.get(path, &app.token('a', role).await).await;
            assert_eq!(resp.status, 200, "{path} as {role}");
        }
    }
}

async fn invalid_parameters_answer_422(app: TestApp) {
    let analyst = app.token('a', Role::Analyst).await;
    let cases = [
        (
            "date_from=2026-02-02&date_to=2026-01-30",
            "date_from",
            "after",
        ),
        ("granularity=year", "granularity", "day, week, month"),
        (
            "date_from=2024-01-01&date_to=2025-01-01",
            "date_to",
            "366 days",
        ),
        (
            "date_from=2020-01-01&date_to=2025-01-01&granularity=month",
            "date_to",
            "5 years",
        ),
        ("date_from=2026-02-30", "date_from", "YYYY-MM-DD"),
        ("date_to=yesterday", "date_to", "YYYY-MM-DD"),
        ("department_id=abc", "department_id", "integer"),
    ];
    for path in [
        "/api/v1/statistics/outpatient",
        "/api/v1/statistics/outpatient.xlsx",
    ] {
        for (query, field, message) in cases {
            let resp = app.get(&format!("{path}?{query}"), &analyst).await;
            resp.assert_problem(422, "VALIDATION_FAILED");
            let errors = resp.field_errors();
            let got = errors
                .get(field)
                .unwrap_or_else(|| panic!("{query}: no error on {field}: {:?}", resp.body));
            assert!(got.contains(message), "{query}: {got}");
        }
    }
    // The longest ranges allowed: a leap year by day, five years by week or month.
    report(&app, &analyst, "date_from=2024-01-01&date_to=2024-12-31").await;
    report(
        &app,
        &analyst,
        "date_from=2020-01-01&date_to=2024-12-31&granularity=week",
    )
    .await;
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

async fn exports_the_table_to_excel(app: TestApp) {
    seed(&app).await;
    let analyst = app.token('a', Role::Analyst).await;
    let resp = app
        .client
        .get(app.url(&format!(
            "/api/v1/statistics/outpatient.xlsx?{RANGE}&granularity=week"
        )))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), XLSX);
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"outpatient-statistics-2026-01-30-2026-02-02.xlsx\""
    );
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "not a ZIP archive");

    let strings = unzip(&bytes, "xl/sharedStrings.xml");
    for text in [
        "日期",
        "科室编码",
        "就诊人次",
        "爽约率",
        "净收入",
        "合计",
        "内科",
        "外科",
        "SUR",
    ] {
        assert!(strings.contains(text), "{text} missing: {strings}");
    }
    let sheet = unzip(&bytes, "xl/worksheets/sheet1.xml");
    // A frozen header, a header and four rows and the totals; money as numbers.
    assert!(sheet.contains(r#"ySplit="1""#), "{sheet}");
    assert!(sheet.contains(r#"<row r="6""#) && !sheet.contains(r#"<row r="7""#));
    for number in [
        "<v>123.45</v>",
        "<v>-123.45</v>",
        "<v>303.45</v>",
        "<v>170</v>",
    ] {
        assert!(sheet.contains(number), "{number} missing: {sheet}");
    }
}

db_tests!(
    figures_by_day_week_and_month,
    defaults_to_the_last_thirty_days_by_day,
    only_analysts_and_admins,
    invalid_parameters_answer_422,
    exports_the_table_to_excel,
);
