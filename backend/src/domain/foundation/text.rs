//! Free-text fields: trimmed, non-empty where required, bounded in length (in characters, not bytes).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters")]
    Control,
    #[error("may contain only letters, digits, '-', '_' and '.'")]
    Charset,
}

pub fn required(raw: &str, max: usize) -> Result<String, TextError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(TextError::Empty);
    }
    bounded(value, max)
}

/// `None` and blank both mean "absent".
pub fn optional(raw: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => bounded(value, max).map(Some),
    }
}

/// Codes: letters, digits, `-`, `_` and `.`, as HIS systems write them; case is kept.
pub fn code(raw: &str, max: usize) -> Result<String, TextError> {
    let value = required(raw, max)?;
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(value)
    } else {
        Err(TextError::Charset)
    }
}

fn bounded(value: &str, max: usize) -> Result<String, TextError> {
    if value.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TextError::Control);
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_bounds_and_rejects_blank() {
        assert_eq!(required("  内科 ", 4), Ok("内科".into()));
        assert_eq!(required("   ", 4), Err(TextError::Empty));
        assert_eq!(required("一二三四五", 4), Err(TextError::TooLong(4)));
        assert_eq!(optional(Some(" "), 4), Ok(None));
        assert_eq!(required("a\u{0}b", 4), Err(TextError::Control));
    }

    #[test]
    fn codes_are_ascii_words() {
        assert_eq!(code("REG-CHIEF", 16), Ok("REG-CHIEF".into()));
        assert!(code("内科", 16).is_err());
        assert!(code("A B", 16).is_err());
    }
}
