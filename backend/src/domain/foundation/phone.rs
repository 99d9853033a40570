//! Mainland mobile numbers: 11 digits starting with 1 and a network digit 3-9.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be an 11-digit mainland mobile number starting with 13-19")]
pub struct PhoneError;

impl MobilePhone {
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let value = raw.trim();
        let digits = value.strip_prefix("+86").unwrap_or(value).trim_start();
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(PhoneError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles_with_or_without_country_code() {
        assert_eq!(
            MobilePhone::parse("13812345678").map(|p| p.0),
            Ok("13812345678".into())
        );
        assert_eq!(
            MobilePhone::parse("+86 19912345678").map(|p| p.0),
            Ok("19912345678".into())
        );
    }

    #[test]
    fn rejects_landlines_short_numbers_and_other_networks() {
        for bad in [
            "12812345678",
            "1381234567",
            "138123456789",
            "010-88886666",
            "1381234567a",
            "",
        ] {
            assert_eq!(MobilePhone::parse(bad), Err(PhoneError), "{bad}");
        }
    }
}
