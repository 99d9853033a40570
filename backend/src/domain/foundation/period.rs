//! Accounting periods: a calendar month of the hospital's local time, written `YYYY-MM`.
use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a month written YYYY-MM (e.g. 2026-03)")]
pub struct PeriodError;

impl Period {
    pub fn new(year: i32, month: u32) -> Result<Self, PeriodError> {
        if (1900..=9999).contains(&year) && (1..=12).contains(&month) {
            Ok(Self { year, month })
        } else {
            Err(PeriodError)
        }
    }

    /// The month a local date falls in.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The same month a year earlier: what year-on-year changes compare with.
    pub fn year_before(self) -> Self {
        Self {
            year: self.year - 1,
            month: self.month,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn days(self) -> u32 {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.map(|n| (n - self.first_day()).num_days() as u32)
            .unwrap_or(31)
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;

    /// Exactly `YYYY-MM`: four digits, a hyphen, two digits.
    fn from_str(raw: &str) -> Result<Self, PeriodError> {
        let b = raw.as_bytes();
        if b.len() != 7
            || b[4] != b'-'
            || !b
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(PeriodError);
        }
        let year = raw[..4].parse().map_err(|_| PeriodError)?;
        let month = raw[5..].parse().map_err(|_| PeriodError)?;
        Self::new(year, month)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_yyyy_mm() {
        let p: Period = "2026-03".parse().expect("period");
        assert_eq!((p.year(), p.month()), (2026, 3));
        assert_eq!(p.to_string(), "2026-03");
        for bad in [
            "2026-3",
            "2026-13",
            "2026-00",
            "26-03",
            "2026/03",
            "2026-03-01",
            " 2026-03",
            "２０２６-03",
        ] {
            assert_eq!(bad.parse::<Period>(), Err(PeriodError), "{bad}");
        }
    }

    #[test]
    fn knows_its_days() {
        assert_eq!("2024-02".parse::<Period>().map(Period::days), Ok(29));
        assert_eq!("2026-12".parse::<Period>().map(Period::days), Ok(31));
        assert_eq!(
            Period::of(NaiveDate::from_ymd_opt(2026, 4, 30).expect("date")).to_string(),
            "2026-04"
        );
    }
}
