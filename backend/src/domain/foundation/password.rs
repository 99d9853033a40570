//! Password policy. `Asvs` (default): OWASP ASVS — length and a common-password check, no forced
//! composition or rotation. `Strict`: adds the composition and 90-day rotation that MLPS 2.0 level 3 asks of
//! hospital systems.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::{collections::HashSet, str::FromStr, sync::LazyLock};

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;
pub const STRICT_MAX_AGE_DAYS: i64 = 90;

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PasswordPolicy {
    #[default]
    Asvs,
    Strict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("must be at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("must be at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("is one of the most common passwords")]
    Common,
    #[error("must not contain the username")]
    ContainsUsername,
    #[error("must mix at least three of: lower-case, upper-case, digits, symbols")]
    Composition,
}

impl FromStr for PasswordPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "asvs" | "default" => Ok(Self::Asvs),
            "strict" | "mlps" => Ok(Self::Strict),
            other => Err(format!(
                "unknown password policy {other:?} (asvs or strict)"
            )),
        }
    }
}

impl PasswordPolicy {
    pub fn check(self, password: &str, username: &str) -> Result<(), PasswordError> {
        let length = password.chars().count();
        if length < MIN_LENGTH {
            return Err(PasswordError::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(PasswordError::TooLong);
        }
        let lower = password.to_lowercase();
        if COMMON.contains(&lower) {
            return Err(PasswordError::Common);
        }
        if username.chars().count() >= 3 && lower.contains(&username.to_lowercase()) {
            return Err(PasswordError::ContainsUsername);
        }
        if self == Self::Strict {
            let classes = [
                password.chars().any(|c| c.is_lowercase()),
                password.chars().any(|c| c.is_uppercase()),
                password.chars().any(|c| c.is_ascii_digit()),
                password.chars().any(|c| !c.is_alphanumeric()),
            ];
            if classes.iter().filter(|&&present| present).count() < 3 {
                return Err(PasswordError::Composition);
            }
        }
        Ok(())
    }

    /// Whether a password set at `changed_at` must be changed before anything else is done.
    pub fn is_expired(self, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self == Self::Strict && now - changed_at > Duration::days(STRICT_MAX_AGE_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asvs_checks_length_and_common_passwords_only() {
        let p = PasswordPolicy::Asvs;
        assert_eq!(p.check("short7!", "zhang"), Err(PasswordError::TooShort));
        assert_eq!(p.check("Password123", "zhang"), Err(PasswordError::Common));
        assert_eq!(p.check("woaini1314", "zhang"), Err(PasswordError::Common));
        assert_eq!(
            p.check("zhangsan-secret", "zhangsan"),
            Err(PasswordError::ContainsUsername)
        );
        assert_eq!(
            p.check(&"长".repeat(129), "zhang"),
            Err(PasswordError::TooLong)
        );
        assert_eq!(p.check("correct horse battery", "zhang"), Ok(()));
        assert_eq!(p.check("门诊挂号很方便啊", "zhang"), Ok(()));
    }

    #[test]
    fn strict_adds_composition_and_rotation() {
        let p = PasswordPolicy::Strict;
        assert_eq!(
            p.check("correct horse battery", "zhang"),
            Err(PasswordError::Composition)
        );
        assert_eq!(p.check("Correct horse battery 9", "zhang"), Ok(()));
        let now = Utc::now();
        assert!(p.is_expired(now - Duration::days(91), now));
        assert!(!p.is_expired(now - Duration::days(89), now));
        assert!(!PasswordPolicy::Asvs.is_expired(now - Duration::days(900), now));
    }
}
