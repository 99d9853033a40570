//! A charge line as the HIS exports it (docs/imports.md): the documented CSV columns, parsed and checked
//! into a value that can go straight into `charge_details`.
use crate::domain::{
    accounting::import_layout::{FieldProblem, Problems, decimal, optional_text, strict_text},
    foundation::money::Amount,
    foundation::period::Period,
};
use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub use crate::domain::accounting::dimension::BusinessType;

impl BusinessType {
    /// The stored names in any ASCII case, or the Chinese ones HIS exports use (门诊, 住院).
    pub fn parse_lenient(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "门诊" => Ok(Self::Outpatient),
            "住院" => Ok(Self::Inpatient),
            s if s.eq_ignore_ascii_case("OUTPATIENT") => Ok(Self::Outpatient),
            s if s.eq_ignore_ascii_case("INPATIENT") => Ok(Self::Inpatient),
            _ => Err("must be OUTPATIENT or INPATIENT (门诊 or 住院)".to_owned()),
        }
    }
}

crate::domain::foundation::vocab::vocabulary!(
    /// Where a charge line comes from. Each source has an id space of its own (the key is hospital, source
    /// and source_line_id), so an imported line can never take the id of a line this system wrote: a bill's
    /// payment (`OP-<line>`) or refund (`OP-<line>-R`), or a line imported from another system (HIS), or
    /// generated like one.
    ChargeSource { Outpatient, Import }
);

crate::domain::foundation::vocab::vocabulary!(
    /// A charge import's lines count for readers only once it is COMPLETE.
    ImportStatus { Pending, Complete }
);

/// The columns of a charge file, in the documented order (the file may order them otherwise).
pub const COLUMNS: [&str; 10] = [
    "source_line_id",
    "business_type",
    "prescribing_dept_code",
    "executing_dept_code",
    "item_code",
    "item_name",
    "item_category",
    "quantity",
    "amount",
    "charged_at",
];

/// Column lengths, as the `charge_details` table has them.
pub const SOURCE_LINE_ID_MAX: usize = 64;
pub const DEPT_CODE_MAX: usize = 32;
pub const ITEM_CODE_MAX: usize = 64;
pub const ITEM_NAME_MAX: usize = 200;
pub const ITEM_CATEGORY_MAX: usize = 64;

/// A valid charge line. Quantity and amount never have opposite signs: a refund is negative in both (or
/// has quantity 0), a charge positive in both.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChargeLine {
    pub source_line_id: String,
    pub business_type: BusinessType,
    pub prescribing_dept_code: String,
    pub executing_dept_code: String,
    pub item_code: String,
    pub item_name: String,
    pub item_category: Option<String>,
    pub quantity: Amount,
    pub amount: Amount,
    pub charged_at: DateTime<Utc>,
    /// The hospital-local month of `charged_at`.
    pub period: Period,
}

/// The local wall-clock layout of `charged_at`; fractions of a second are allowed.
pub const LOCAL_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// `YYYY-MM-DD HH:MM:SS` in the hospital's time zone, or an RFC 3339 instant with its offset. A local
/// time that occurs twice (the end of summer time) means the first; one that never occurs is refused.
pub fn parse_charged_at(raw: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| {
        "must be YYYY-MM-DD HH:MM:SS (hospital time) or RFC 3339 with an offset".to_owned()
    })?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| format!("does not exist in the hospital's time zone ({tz})"))
}

/// The raw fields of one row, in [`COLUMNS`] order.
pub type RawFields<'a> = [&'a str; 10];

/// Parses one row; every problem of the row is reported, each naming its column.
pub fn parse(fields: &RawFields<'_>, tz: Tz) -> Result<ChargeLine, Vec<FieldProblem>> {
    let mut problems = Problems::default();
    let [
        id,
        business,
        presc,
        exec,
        item,
        name,
        category,
        quantity,
        amount,
        at,
    ] = fields;
    let source_line_id = problems.check(COLUMNS[0], strict_text(id, SOURCE_LINE_ID_MAX));
    let business_type = problems.check(COLUMNS[1], BusinessType::parse_lenient(business));
    let prescribing = problems.check(COLUMNS[2], strict_text(presc, DEPT_CODE_MAX));
    let executing = problems.check(COLUMNS[3], strict_text(exec, DEPT_CODE_MAX));
    let item_code = problems.check(COLUMNS[4], strict_text(item, ITEM_CODE_MAX));
    let item_name = problems.check(COLUMNS[5], strict_text(name, ITEM_NAME_MAX));
    let item_category = problems.check(COLUMNS[6], optional_text(category, ITEM_CATEGORY_MAX));
    let quantity = problems.check(COLUMNS[7], decimal(quantity));
    let amount = problems.check(COLUMNS[8], decimal(amount));
    let charged_at = problems.check(COLUMNS[9], parse_charged_at(at, tz));
    let period = charged_at.and_then(|at| {
        let local = at.with_timezone(&tz).date_naive();
        problems.check(
            COLUMNS[9],
            Period::new(local.year(), local.month())
                .map_err(|_| "must be a date between the years 1900 and 9999"),
        )
    });
    if let (Some(q), Some(a)) = (quantity, amount)
        && q.scaled().signum() * a.scaled().signum() < 0
    {
        problems.check(
            COLUMNS[7],
            Err::<(), _>(
                "must not have the opposite sign of amount (a refund is negative in both)",
            ),
        );
    }
    if !problems.0.is_empty() {
        return Err(problems.0);
    }
    match (
        source_line_id,
        business_type,
        prescribing,
        executing,
        item_code,
        item_name,
        item_category,
        quantity,
        amount,
        charged_at,
        period,
    ) {
        (
            Some(source_line_id),
            Some(business_type),
            Some(prescribing_dept_code),
            Some(executing_dept_code),
            Some(item_code),
            Some(item_name),
            Some(item_category),
            Some(quantity),
            Some(amount),
            Some(charged_at),
            Some(period),
        ) => Ok(ChargeLine {
            source_line_id: source_line_id.to_owned(),
            business_type,
            prescribing_dept_code: prescribing_dept_code.to_owned(),
            executing_dept_code: executing_dept_code.to_owned(),
            item_code: item_code.to_owned(),
            item_name: item_name.to_owned(),
            item_category: item_category.map(str::to_owned),
            quantity,
            amount,
            charged_at,
            period,
        }),
        _ => Err(vec![FieldProblem::new("", "the row could not be read")]),
    }
}

impl ChargeLine {
    /// The row as the import layout writes it ([`COLUMNS`] order), `charged_at` in hospital time.
    pub fn to_record(&self, tz: Tz) -> [String; 10] {
        [
            self.source_line_id.clone(),
            self.business_type.as_str().to_owned(),
            self.prescribing_dept_code.clone(),
            self.executing_dept_code.clone(),
            self.item_code.clone(),
            self.item_name.clone(),
            self.item_category.clone().unwrap_or_default(),
            self.quantity.to_decimal().to_string(),
            self.amount.to_decimal().to_string(),
            self.charged_at
                .with_timezone(&tz)
                .format(LOCAL_FORMAT)
                .to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: Tz = chrono_tz::Asia::Shanghai;

    fn row<'a>(overrides: &[(usize, &'a str)]) -> RawFields<'a> {
        let mut f = [
            "HIS-1",
            "住院",
            "INT",
            "LAB",
            "LAB-001",
            "血常规",
            "LAB",
            "2",
            "40.50",
            "2026-03-01 07:30:00",
        ];
        for (i, v) in overrides {
            f[*i] = v;
        }
        f
    }

    fn problems(fields: RawFields<'_>) -> Vec<(String, String)> {
        parse(&fields, TZ)
            .expect_err("invalid")
            .into_iter()
            .map(|p| (p.field, p.reason))
            .collect()
    }

    #[test]
    fn a_good_line() {
        let line = parse(&row(&[]), TZ).expect("valid");
        assert_eq!(line.business_type, BusinessType::Inpatient);
        assert_eq!(line.quantity.scaled(), 20_000);
        assert_eq!(line.amount.scaled(), 405_000);
        assert_eq!(line.charged_at.to_rfc3339(), "2026-02-28T23:30:00+00:00");
        // The period is the hospital's month, not UTC's.
        assert_eq!(line.period.to_string(), "2026-03");
        assert_eq!(line.item_category.as_deref(), Some("LAB"));
        assert_eq!(line.to_record(TZ)[9], "2026-03-01 07:30:00");
        assert_eq!(line.to_record(TZ)[8], "40.5000");
    }

    #[test]
    fn business_types_in_both_languages() {
        for (raw, bt) in [
            ("OUTPATIENT", BusinessType::Outpatient),
            ("outpatient", BusinessType::Outpatient),
            ("门诊", BusinessType::Outpatient),
            (" INPATIENT ", BusinessType::Inpatient),
        ] {
            assert_eq!(BusinessType::parse_lenient(raw), Ok(bt));
        }
        assert!(BusinessType::parse_lenient("急诊").is_err());
    }

    #[test]
    fn rfc3339_and_local_times() {
        let utc = |s| parse_charged_at(s, TZ).map(|t| t.to_rfc3339());
        assert_eq!(
            utc("2026-03-01T07:30:00+08:00"),
            Ok("2026-02-28T23:30:00+00:00".into())
        );
        assert_eq!(
            utc("2026-03-01T00:00:00Z"),
            Ok("2026-03-01T00:00:00+00:00".into())
        );
        assert_eq!(
            utc("2026-03-01 07:30:00.25"),
            Ok("2026-02-28T23:30:00.250+00:00".into())
        );
        assert!(utc("2026-03-01").is_err());
        assert!(utc("2026-02-30 10:00:00").is_err());
        // 02:30 on the day New York springs forward never happens.
        assert!(parse_charged_at("2026-03-08 02:30:00", chrono_tz::America::New_York).is_err());
    }

    #[test]
    fn refunds_are_negative_in_both() {
        let refund = parse(&row(&[(7, "-2"), (8, "-40.5")]), TZ).expect("refund");
        assert_eq!(refund.amount.scaled(), -405_000);
        assert!(parse(&row(&[(7, "0"), (8, "-40.5")]), TZ).is_ok());
        assert_eq!(
            problems(row(&[(7, "2"), (8, "-40.5")])),
            [(
                "quantity".into(),
                "must not have the opposite sign of amount (a refund is negative in both)".into()
            )]
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let long = "x".repeat(65);
        let got = problems(row(&[
            (0, " "),
            (1, "ER"),
            (3, &long),
            (5, "a\u{7}b"),
            (7, "1e2"),
            (8, "1.00005"),
            (9, "yesterday"),
        ]));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "source_line_id",
                "business_type",
                "executing_dept_code",
                "item_name",
                "quantity",
                "amount",
                "charged_at"
            ]
        );
        assert_eq!(got[2].1, "must be at most 32 characters");
        assert_eq!(got[5].1, "must have at most 4 decimal places");
    }

    #[test]
    fn category_is_optional() {
        let line = parse(&row(&[(6, "")]), TZ).expect("valid");
        assert_eq!(line.item_category, None);
    }
}
