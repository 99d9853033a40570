//! What every CSV import checks the same way: the header against the documented columns, strict text
//! fields, and exact decimals read straight into ten-thousandths.
use crate::domain::{foundation::money::Amount, foundation::text::TextError};

/// One problem with one field of a row (or with the row or header as a whole when `field` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub reason: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Collects the problems of one row while its fields are parsed, so one report names them all.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldProblem>);

impl Problems {
    /// Keeps the value, or records the problem under `field`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldProblem::new(field, e.to_string()));
                None
            }
        }
    }
}

/// The position of each `expected` column in the file's header. Names are matched trimmed and without
/// regard to ASCII case, in any order; a missing, unknown, blank or repeated column is refused, naming it.
pub fn map_header(found: &[&str], expected: &[&str]) -> Result<Vec<usize>, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut positions = vec![None; expected.len()];
    for (i, raw) in found.iter().enumerate() {
        let name = raw.trim();
        if name.is_empty() {
            problems.push(FieldProblem::new(
                format!("column {}", i + 1),
                "the header has a blank column name",
            ));
            continue;
        }
        match expected.iter().position(|e| e.eq_ignore_ascii_case(name)) {
            Some(at) if positions[at].is_some() => {
                problems.push(FieldProblem::new(name, "the column appears twice"));
            }
            Some(at) => positions[at] = Some(i),
            None => problems.push(FieldProblem::new(
                name,
                format!("unknown column; the layout is {}", expected.join(",")),
            )),
        }
    }
    for (name, at) in expected.iter().zip(&positions) {
        if at.is_none() {
            problems.push(FieldProblem::new(*name, "the column is missing"));
        }
    }
    if problems.is_empty() {
        Ok(positions.into_iter().flatten().collect())
    } else {
        Err(problems)
    }
}

/// A trimmed, non-empty value of at most `max` characters with no control characters at all (not even
/// tabs or line breaks, which a quoted CSV field could carry).
pub fn strict_text(raw: &str, max: usize) -> Result<&str, TextError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(TextError::Empty);
    }
    optional_text(value, max).map(|v| v.unwrap_or_default())
}

/// Like [`strict_text`], blank meaning absent.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<&str>, TextError> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().any(char::is_control) {
        return Err(TextError::Control);
    }
    if value.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(Some(value))
}

/// The largest magnitude an imported amount or quantity may have, in whole units: far above any real
/// charge line, and low enough that the sum of a hundred million lines still fits the BIGINT columns.
pub const MAX_UNITS: i64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("must not be empty")]
    Empty,
    #[error("must be a decimal number such as 12.5 or -3 (no exponent, no thousands separator)")]
    Syntax,
    #[error("must have at most 4 decimal places")]
    TooPrecise,
    #[error("must be between -1000000000 and 1000000000")]
    OutOfRange,
}

/// `[+-]digits[.digits]` read exactly into ten-thousandths. Zeros past the fourth decimal place are
/// harmless (`1.50000`); any other digit there is refused, never rounded.
pub fn decimal(raw: &str) -> Result<Amount, DecimalError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (negative, digits) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || digits.ends_with('.') {
        return Err(DecimalError::Syntax);
    }
    let int = int.trim_start_matches('0');
    if int.len() > 10 {
        return Err(DecimalError::OutOfRange);
    }
    let mut units: i64 = 0;
    for b in int.bytes() {
        units = units * 10 + i64::from(b - b'0');
    }
    let mut scaled = units * 10_000;
    for (i, b) in frac.bytes().enumerate() {
        let d = i64::from(b - b'0');
        if i < 4 {
            scaled += d * 10_i64.pow(3 - i as u32);
        } else if d != 0 {
            return Err(DecimalError::TooPrecise);
        }
    }
    if scaled > MAX_UNITS * 10_000 {
        return Err(DecimalError::OutOfRange);
    }
    Ok(Amount::from_scaled(if negative { -scaled } else { scaled }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[&str] = &["period", "department_code", "quantity"];

    #[test]
    fn header_in_any_order_and_case() {
        assert_eq!(
            map_header(&[" Quantity", "PERIOD", "department_code "], COLS),
            Ok(vec![1, 2, 0])
        );
    }

    #[test]
    fn header_problems_are_named() {
        let problems = map_header(&["period", "period", "dept", ""], COLS).expect_err("invalid");
        let named: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.reason.split(';').next().unwrap_or("")))
            .collect();
        assert_eq!(
            named,
            [
                ("period", "the column appears twice"),
                ("dept", "unknown column"),
                ("column 4", "the header has a blank column name"),
                ("department_code", "the column is missing"),
                ("quantity", "the column is missing"),
            ]
        );
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(strict_text(" A01 ", 3), Ok("A01"));
        assert_eq!(strict_text("  ", 3), Err(TextError::Empty));
        assert_eq!(strict_text("内科门诊", 3), Err(TextError::TooLong(3)));
        assert_eq!(strict_text("a\tb", 3), Err(TextError::Control));
        assert_eq!(optional_text(" ", 3), Ok(None));
    }

    #[test]
    fn decimals_are_exact() {
        let ok = |s: &str| decimal(s).map(Amount::scaled);
        assert_eq!(ok("12.5"), Ok(125_000));
        assert_eq!(ok("-0.0001"), Ok(-1));
        assert_eq!(ok("+3"), Ok(30_000));
        assert_eq!(ok("007.12340000"), Ok(71_234));
        assert_eq!(ok("1000000000"), Ok(10_000_000_000_000));
        assert_eq!(ok("1.00001"), Err(DecimalError::TooPrecise));
        assert_eq!(ok("1000000000.0001"), Err(DecimalError::OutOfRange));
        assert_eq!(ok("99999999999"), Err(DecimalError::OutOfRange));
        assert_eq!(ok(""), Err(DecimalError::Empty));
        for bad in [
            "1e3", "1,000", "1_000", ".5", "5.", "-", "--1", "1.2.3", "١٢", "NaN",
        ] {
            assert_eq!(ok(bad), Err(DecimalError::Syntax), "{bad}");
        }
    }
}
