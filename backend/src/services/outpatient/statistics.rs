//! Outpatient statistics (门诊统计): visits, appointments, no-shows, revenue, refunds per day, ISO week or
//! month and per department, grouped in the database; and the same table as an Excel workbook.
//!
//! Three grouped queries — appointments by their schedule's date, payments by `paid_on`, refunds by
//! `refunded_on` — each `GROUP BY (bucket, department)` in SQL; Rust only merges their rows by key. The bucket
//! is a `YYYY-MM-DD` string built in SQL, with a different expression per backend.
use crate::services::Actor;
use crate::{
    domain::{foundation::money::Amount, outpatient::appointment::AppointmentStatus},
    entities::{
        foundation::department, outpatient::appointment, outpatient::billing, outpatient::schedule,
    },
    error::{AppError, FieldErrors},
};
use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy, prelude::ToPrimitive};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement},
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The width of a bucket: a calendar day, an ISO week (Monday first) or a calendar month.
// Written out rather than with `vocabulary!`: utoipa does not see that macro's `serde(rename)`, so its
// schema would list `Day`, `Week`, `Month` instead of what the API takes and sends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 3] = [Self::Day, Self::Week, Self::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

impl std::str::FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|g| g.as_str()).collect();
                format!("must be one of: {}", names.join(", "))
            })
    }
}

/// Days a daily report may cover: a leap year.
const MAX_DAYS_BY_DAY: i64 = 366;
/// Years a weekly or monthly report may cover.
const MAX_YEARS: u32 = 5;
/// The default range: the 30 days ending on `date_to`.
const DEFAULT_DAYS_BEFORE: u64 = 29;
/// The rate's decimal places.
const RATE_PLACES: u32 = 4;

/// What the caller asked for; what is missing takes its default (the 30 days to today, by day).
#[derive(Debug, Clone, Default)]
pub struct OutpatientParams {
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub granularity: Option<Granularity>,
    /// Only this department; one of another hospital simply matches nothing.
    pub department_id: Option<i64>,
}

/// The figures of one bucket and department, or their totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Checked-in appointments (COMPLETED, BILLED or PAID) on the schedule's date.
    pub visits: i64,
    /// Appointments not cancelled, on the schedule's date.
    pub appointments: i64,
    pub no_shows: i64,
    /// Bills paid in the bucket (by payment date), refunded later or not.
    pub revenue: Amount,
    pub insurance: Amount,
    pub self_pay: Amount,
    /// Bills refunded in the bucket (by refund date).
    pub refunds: Amount,
}

impl Figures {
    pub fn net_revenue(&self) -> Amount {
        Amount::from_scaled(self.revenue.scaled() - self.refunds.scaled())
    }

    /// no-shows ÷ appointments, four places rounded half away from zero; none without appointments.
    pub fn no_show_rate(&self) -> Option<Decimal> {
        let mut rate = Decimal::from(self.no_shows)
            .checked_div(Decimal::from(self.appointments))?
            .round_dp_with_strategy(RATE_PLACES, RoundingStrategy::MidpointAwayFromZero);
        rate.rescale(RATE_PLACES);
        Some(rate)
    }

    fn add(&mut self, other: &Figures) {
        let sum = |a: Amount, b: Amount| Amount::from_scaled(a.scaled() + b.scaled());
        self.visits += other.visits;
        self.appointments += other.appointments;
        self.no_shows += other.no_shows;
        self.revenue = sum(self.revenue, other.revenue);
        self.insurance = sum(self.insurance, other.insurance);
        self.self_pay = sum(self.self_pay, other.self_pay);
        self.refunds = sum(self.refunds, other.refunds);
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// The first day of the bucket: the day, the Monday of the ISO week, the first of the month. It may
    /// precede `date_from` when the range starts inside a week or month; only days in the range count.
    pub period_start: NaiveDate,
    pub department_id: i64,
    pub department_code: String,
    pub department_name: String,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub granularity: Granularity,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    /// (bucket, department) pairs with any figure not zero, by bucket then department code.
    pub rows: Vec<Row>,
    pub totals: Figures,
}

/// A file to download.
#[derive(Debug, Clone)]
pub struct Export {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A validated request.
struct Range {
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
    department_id: Option<i64>,
}

fn validate(p: OutpatientParams, today: NaiveDate) -> Result<Range, AppError> {
    let granularity = p.granularity.unwrap_or(Granularity::Day);
    let to = p.date_to.unwrap_or(today);
    let from = p
        .date_from
        .or_else(|| to.checked_sub_days(Days::new(DEFAULT_DAYS_BEFORE)))
        .unwrap_or(to);
    let mut errors = FieldErrors::new();
    // Excel's calendar, and more than enough for any hospital's records.
    let supported = |d: NaiveDate| (1900..=9999).contains(&d.year());
    for (field, date) in [("date_from", from), ("date_to", to)] {
        if !supported(date) {
            errors.add(field, "must be between 1900-01-01 and 9999-12-31");
        }
    }
    if errors.is_empty() {
        if from > to {
            errors.add("date_from", "must not be after date_to");
        } else if granularity == Granularity::Day {
            if to.signed_duration_since(from).num_days() >= MAX_DAYS_BY_DAY {
                errors.add(
                    "date_to",
                    format!(
                        "a daily report covers at most {MAX_DAYS_BY_DAY} days; choose week or month for longer ranges"
                    ),
                );
            }
        } else if from
            .checked_add_months(Months::new(12 * MAX_YEARS))
            .is_some_and(|limit| to >= limit)
        {
            errors.add(
                "date_to",
                format!("a report covers at most {MAX_YEARS} years"),
            );
        }
    }
    errors.finish(|| {
        Some(Range {
            from,
            to,
            granularity,
            department_id: p.department_id,
        })
    })
}

/// The outpatient figures of the caller's hospital by bucket and department, with their totals.
#[tracing::instrument(skip_all, fields(hospital_id = actor.hospital_id))]
pub async fn outpatient(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    params: OutpatientParams,
) -> Result<Report, AppError> {
    let now = actor.local_now();
    let range = validate(params, now.date())?;
    let sql = Sql {
        backend: conn.get_database_backend(),
        hospital_id: actor.hospital_id,
        range: &range,
    };

    let mut cells: BTreeMap<(NaiveDate, i64), Figures> = BTreeMap::new();
    for c in Visits::find_by_statement(sql.build(&sql.visits()?))
        .all(conn)
        .await?
    {
        let f = cells
            .entry((bucket_date(&c.period_start)?, c.department_id))
            .or_default();
        f.visits = c.visits;
        f.appointments = c.appointments;
        f.no_shows = c.no_shows;
    }
    for c in Payments::find_by_statement(sql.build(&sql.payments()?))
        .all(conn)
        .await?
    {
        let f = cells
            .entry((bucket_date(&c.period_start)?, c.department_id))
            .or_default();
        f.revenue = Amount::from_scaled(c.revenue);
        f.insurance = Amount::from_scaled(c.insurance);
        f.self_pay = Amount::from_scaled(c.self_pay);
    }
    for c in Refunds::find_by_statement(sql.build(&sql.refunds()?))
        .all(conn)
        .await?
    {
        let f = cells
            .entry((bucket_date(&c.period_start)?, c.department_id))
            .or_default();
        f.refunds = Amount::from_scaled(c.refunds);
    }
    cells.retain(|_, f| *f != Figures::default());

    let ids: BTreeSet<i64> = cells.keys().map(|(_, id)| *id).collect();
    let departments: HashMap<i64, department::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        department::Entity::find()
            .filter(department::Column::HospitalId.eq(actor.hospital_id))
            .filter(department::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect()
    };
    let mut totals = Figures::default();
    let mut rows = Vec::with_capacity(cells.len());
    for ((period_start, department_id), figures) in cells {
        // Schedules refer to departments of their own hospital; anything else is a broken invariant.
        let dept = departments.get(&department_id).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "department {department_id} of a statistics row is not in hospital {}",
                actor.hospital_id
            ))
        })?;
        totals.add(&figures);
        rows.push(Row {
            period_start,
            department_id,
            department_code: dept.code.clone(),
            department_name: dept.name.clone(),
            figures,
        });
    }
    rows.sort_by(|a, b| {
        (a.period_start, &a.department_code, a.department_id).cmp(&(
            b.period_start,
            &b.department_code,
            b.department_id,
        ))
    });
    Ok(Report {
        granularity: range.granularity,
        date_from: range.from,
        date_to: range.to,
        rows,
        totals,
    })
}

/// The same report as an Excel workbook.
#[tracing::instrument(skip_all, fields(hospital_id = actor.hospital_id))]
pub async fn outpatient_workbook(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    params: OutpatientParams,
) -> Result<Export, AppError> {
    let report = outpatient(conn, actor, params).await?;
    let bytes = workbook(&report)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing the workbook")))?;
    Ok(Export {
        filename: format!(
            "outpatient-statistics-{}-{}.xlsx",
            report.date_from, report.date_to
        ),
        bytes,
    })
}

fn bucket_date(raw: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "the database returned the bucket {raw:?}: {e}"
        ))
    })
}

#[derive(Debug, FromQueryResult)]
struct Visits {
    period_start: String,
    department_id: i64,
    appointments: i64,
    visits: i64,
    no_shows: i64,
}

#[derive(Debug, FromQueryResult)]
struct Payments {
    period_start: String,
    department_id: i64,
    revenue: i64,
    insurance: i64,
    self_pay: i64,
}

#[derive(Debug, FromQueryResult)]
struct Refunds {
    period_start: String,
    department_id: i64,
    refunds: i64,
}

/// Builds the three grouped queries for one backend, hospital and range. Every value is a bound parameter;
/// the bucket expressions are constant SQL around column references, so the SELECT and the GROUP BY hold
/// the very same text (PostgreSQL matches them textually).
struct Sql<'a> {
    backend: DbBackend,
    hospital_id: i64,
    range: &'a Range,
}

fn sch(c: schedule::Column) -> Expr {
    Expr::col((schedule::Entity, c))
}

fn apt(c: appointment::Column) -> Expr {
    Expr::col((appointment::Entity, c))
}

fn bill(c: billing::Column) -> Expr {
    Expr::col((billing::Entity, c))
}

impl Sql<'_> {
    fn build(&self, query: &SelectStatement) -> sea_orm::Statement {
        self.backend.build(query)
    }

    /// The first day of the bucket holding the date `col`, as `YYYY-MM-DD` text on every backend.
    fn bucket(&self, col: Expr) -> Result<Expr, AppError> {
        use Granularity::{Day, Month, Week};
        use sea_orm::DatabaseBackend::{MySql, Postgres, Sqlite};
        // Placeholders: `$1` on PostgreSQL, `?` (one per use) elsewhere; they take the column, never a value.
        let (template, uses) = match (self.backend, self.range.granularity) {
            (Postgres, Day) => ("to_char($1, 'YYYY-MM-DD')", 1),
            (Postgres, Week) => (
                "to_char(date_trunc('week', CAST($1 AS TIMESTAMP)), 'YYYY-MM-DD')",
                1,
            ),
            (Postgres, Month) => ("to_char($1, 'YYYY-MM-01')", 1),
            (MySql, Day) => ("DATE_FORMAT(?, '%Y-%m-%d')", 1),
            (MySql, Week) => (
                "DATE_FORMAT(DATE_SUB(?, INTERVAL WEEKDAY(?) DAY), '%Y-%m-%d')",
                2,
            ),
            (MySql, Month) => ("DATE_FORMAT(?, '%Y-%m-01')", 1),
            (Sqlite, Day) => ("date(?)", 1),
            // strftime('%w') counts from Sunday = 0; step back to the Monday.
            (Sqlite, Week) => (
                "date(?, '-' || ((CAST(strftime('%w', ?) AS INTEGER) + 6) % 7) || ' days')",
                2,
            ),
            (Sqlite, Month) => ("strftime('%Y-%m-01', ?)", 1),
            (backend, _) => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "statistics do not support {backend:?}"
                )));
            }
        };
        Ok(Expr::cust_with_exprs(
            template,
            std::iter::repeat_n(col, uses),
        ))
    }

    /// `CAST(x AS BIGINT)`: SUM of integers is NUMERIC on PostgreSQL and DECIMAL on MySQL; this makes every
    /// backend answer a 64-bit integer.
    fn int64(&self, e: impl Into<Expr>) -> Expr {
        let ty = if self.backend == DbBackend::MySql {
            "SIGNED"
        } else {
            "BIGINT"
        };
        Func::cast_as(e.into(), ty).into()
    }

    /// `SELECT bucket, department_id … GROUP BY bucket, department_id` over the schedule joined so far.
    fn grouped(
        &self,
        date: Expr,
        joins: impl FnOnce(&mut SelectStatement),
    ) -> Result<SelectStatement, AppError> {
        let bucket = self.bucket(date.clone())?;
        let r = self.range;
        let mut q = Query::select();
        q.expr_as(bucket.clone(), "period_start")
            .expr_as(sch(schedule::Column::DepartmentId), "department_id");
        joins(&mut q);
        q.and_where(sch(schedule::Column::HospitalId).eq(self.hospital_id))
            .and_where(date.between(r.from, r.to))
            .add_group_by([bucket, sch(schedule::Column::DepartmentId)]);
        if let Some(id) = r.department_id {
            q.and_where(sch(schedule::Column::DepartmentId).eq(id));
        }
        Ok(q)
    }

    /// Appointments, visits and no-shows by their schedule's date; cancellations do not count.
    fn visits(&self) -> Result<SelectStatement, AppError> {
        use AppointmentStatus as S;
        let status = || apt(appointment::Column::Status);
        let count_if = |cond: Expr| self.int64(Func::sum(Expr::case(cond, 1).finally(0)));
        let mut q = self.grouped(sch(schedule::Column::ScheduleDate), |q| {
            q.from(appointment::Entity).inner_join(
                schedule::Entity,
                sch(schedule::Column::Id)
                    .equals((appointment::Entity, appointment::Column::ScheduleId)),
            );
        })?;
        q.expr_as(self.int64(Func::count(Expr::col(Asterisk))), "appointments")
            .expr_as(
                count_if(status().is_in([
                    S::Completed.as_str(),
                    S::Billed.as_str(),
                    S::Paid.as_str(),
                ])),
                "visits",
            )
            .expr_as(count_if(status().eq(S::NoShow.as_str())), "no_shows")
            .and_where(apt(appointment::Column::HospitalId).eq(self.hospital_id))
            .and_where(status().ne(S::Cancelled.as_str()));
        Ok(q)
    }

    /// Bills by a date of theirs, with the department of their appointment's schedule.
    fn bills_by(&self, date: billing::Column) -> Result<SelectStatement, AppError> {
        let mut q = self.grouped(bill(date), |q| {
            q.from(billing::Entity)
                .inner_join(
                    appointment::Entity,
                    apt(appointment::Column::Id)
                        .equals((billing::Entity, billing::Column::AppointmentId)),
                )
                .inner_join(
                    schedule::Entity,
                    sch(schedule::Column::Id)
                        .equals((appointment::Entity, appointment::Column::ScheduleId)),
                );
        })?;
        q.and_where(bill(billing::Column::HospitalId).eq(self.hospital_id));
        Ok(q)
    }

    fn payments(&self) -> Result<SelectStatement, AppError> {
        let sum = |c| self.int64(Func::sum(bill(c)));
        let mut q = self.bills_by(billing::Column::PaidOn)?;
        q.expr_as(sum(billing::Column::TotalAmount), "revenue")
            .expr_as(sum(billing::Column::InsuranceAmount), "insurance")
            .expr_as(sum(billing::Column::SelfPayAmount), "self_pay");
        Ok(q)
    }

    fn refunds(&self) -> Result<SelectStatement, AppError> {
        let mut q = self.bills_by(billing::Column::RefundedOn)?;
        q.expr_as(
            self.int64(Func::sum(bill(billing::Column::TotalAmount))),
            "refunds",
        );
        Ok(q)
    }
}

const HEADERS: [&str; 12] = [
    "日期",
    "科室编码",
    "科室",
    "就诊人次",
    "预约数",
    "爽约数",
    "爽约率",
    "收入",
    "医保",
    "自费",
    "退费",
    "净收入",
];
const WIDTHS: [f64; 12] = [
    12.0, 12.0, 16.0, 10.0, 10.0, 10.0, 10.0, 14.0, 14.0, 14.0, 14.0, 14.0,
];

/// The number formats of the figure columns, plain or bold (the totals row).
struct Formats {
    count: Format,
    rate: Format,
    money: Format,
}

impl Formats {
    fn new(bold: bool) -> Self {
        let base = if bold {
            Format::new().set_bold()
        } else {
            Format::new()
        };
        Self {
            count: base.clone().set_num_format("0"),
            rate: base.clone().set_num_format("0.00%"),
            money: base.set_num_format("0.00"),
        }
    }
}

/// One sheet: a bold, frozen header row, a row per bucket and department, and the totals (合计).
fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("门诊统计")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (col, (title, width)) in (0u16..).zip(HEADERS.iter().zip(WIDTHS)) {
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let plain = Formats::new(false);
    let mut line = 1u32;
    for row in &report.rows {
        let day = row.period_start;
        // validate() keeps dates in 1900–9999, so they fit these types.
        let excel = ExcelDateTime::from_ymd(
            u16::try_from(day.year()).unwrap_or(1900),
            u8::try_from(day.month()).unwrap_or(1),
            u8::try_from(day.day()).unwrap_or(1),
        )?;
        sheet.write_datetime_with_format(line, 0, &excel, &date)?;
        sheet.write_string(line, 1, &row.department_code)?;
        sheet.write_string(line, 2, &row.department_name)?;
        write_figures(sheet, line, &row.figures, &plain)?;
        line += 1;
    }
    sheet.write_string_with_format(line, 0, "合计", &bold)?;
    write_figures(sheet, line, &report.totals, &Formats::new(true))?;
    book.save_to_buffer()
}

fn write_figures(
    sheet: &mut Worksheet,
    line: u32,
    f: &Figures,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let number = |d: Decimal| d.to_f64().unwrap_or_default();
    for (col, count) in [(3, f.visits), (4, f.appointments), (5, f.no_shows)] {
        sheet.write_number_with_format(line, col, count as f64, &formats.count)?;
    }
    match f.no_show_rate() {
        Some(rate) => sheet.write_number_with_format(line, 6, number(rate), &formats.rate)?,
        None => sheet.write_blank(line, 6, &formats.rate)?,
    };
    let money = [
        f.revenue,
        f.insurance,
        f.self_pay,
        f.refunds,
        f.net_revenue(),
    ];
    for (col, amount) in (7u16..).zip(money) {
        sheet.write_number_with_format(line, col, number(amount.to_decimal()), &formats.money)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date literal")
    }

    fn params(from: &str, to: &str, g: Granularity) -> OutpatientParams {
        OutpatientParams {
            date_from: Some(date(from)),
            date_to: Some(date(to)),
            granularity: Some(g),
            department_id: None,
        }
    }

    #[test]
    fn defaults_to_the_thirty_days_to_today_by_day() {
        let r = validate(OutpatientParams::default(), date("2026-03-01")).expect("valid");
        assert_eq!((r.from, r.to), (date("2026-01-31"), date("2026-03-01")));
        assert_eq!(r.granularity, Granularity::Day);
    }

    #[test]
    fn limits_the_range_by_granularity() {
        let today = date("2026-01-01");
        assert!(validate(params("2024-01-01", "2024-12-31", Granularity::Day), today).is_ok());
        assert!(validate(params("2024-01-01", "2025-01-01", Granularity::Day), today).is_err());
        assert!(
            validate(
                params("2020-01-01", "2024-12-31", Granularity::Month),
                today
            )
            .is_ok()
        );
        assert!(validate(params("2020-01-01", "2025-01-01", Granularity::Week), today).is_err());
        assert!(validate(params("2026-01-02", "2026-01-01", Granularity::Day), today).is_err());
        assert!(validate(params("1899-12-31", "1900-01-01", Granularity::Day), today).is_err());
    }

    #[test]
    fn rates_have_four_places_and_none_without_appointments() {
        let f = |no_shows, appointments| Figures {
            no_shows,
            appointments,
            ..Default::default()
        };
        assert_eq!(
            f(1, 3).no_show_rate().map(|r| r.to_string()),
            Some("0.3333".into())
        );
        assert_eq!(
            f(1, 6).no_show_rate().map(|r| r.to_string()),
            Some("0.1667".into())
        );
        assert_eq!(
            f(2, 2).no_show_rate().map(|r| r.to_string()),
            Some("1.0000".into())
        );
        assert_eq!(f(0, 0).no_show_rate(), None);
    }
}
