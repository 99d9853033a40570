//! Mainland resident identity numbers (GB 11643-1999): 18 characters with an ISO 7064 MOD 11-2 check digit.
use chrono::NaiveDate;
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdCard(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdCardError {
    #[error("must be 18 characters: 17 digits and a check digit (0-9 or X)")]
    Format,
    #[error("the birth date inside the number is not a real date")]
    BirthDate,
    #[error("the check digit does not match")]
    CheckDigit,
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

impl IdCard {
    pub fn parse(raw: &str) -> Result<Self, IdCardError> {
        let value = raw.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        if bytes.len() != 18 {
            return Err(IdCardError::Format);
        }
        let (body, last) = bytes.split_at(17);
        if !body.iter().all(u8::is_ascii_digit) || !(last[0].is_ascii_digit() || last[0] == b'X') {
            return Err(IdCardError::Format);
        }
        NaiveDate::parse_from_str(&value[6..14], "%Y%m%d").map_err(|_| IdCardError::BirthDate)?;
        if check_char(body) != Some(char::from(last[0])) {
            return Err(IdCardError::CheckDigit);
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }

    /// The 17th digit is odd for men and even for women.
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }
}

impl fmt::Display for IdCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_a_valid_number_and_normalises_the_x() {
        let id = IdCard::parse("11010519491231002x").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert!(!id.is_male());
    }

    #[test]
    fn rejects_wrong_check_digit_length_letters_and_dates() {
        assert_eq!(
            IdCard::parse("110105194912310021"),
            Err(IdCardError::CheckDigit)
        );
        assert_eq!(IdCard::parse("1101051949123100"), Err(IdCardError::Format));
        assert_eq!(
            IdCard::parse("11010519491231002Y"),
            Err(IdCardError::Format)
        );
        assert_eq!(
            IdCard::parse("1101051949A231002X"),
            Err(IdCardError::Format)
        );
        assert_eq!(
            IdCard::parse("110105194902300010"),
            Err(IdCardError::BirthDate)
        );
    }

    proptest! {
        #[test]
        fn exactly_one_check_char_is_accepted(body in "[1-6][0-9]{5}(19[5-9][0-9]|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}") {
            let good = check_char(body.as_bytes()).expect("17 digits");
            for c in "0123456789X".chars() {
                let parsed = IdCard::parse(&format!("{body}{c}"));
                prop_assert_eq!(parsed.is_ok(), c == good);
            }
        }
    }
}
