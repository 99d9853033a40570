//! The vocabularies stored as strings: the closed ones (doctor titles, genders, item categories, …) and the
//! insurance types, which each hospital extends with its own.

/// A string-backed enum: `as_str` is what the database stores and the API sends.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        // Ordered as the variants are declared (a day's time slots, say). The text of a variant is its name in
        // SCREAMING_SNAKE_CASE, the same for serde, utoipa and `as_str`.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema, strum::IntoStaticStr,
        )]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let texts: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("must be one of: {}", texts.join(", "))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// A doctor's professional title; it decides the registration fee.
    DoctorTitle { Chief, AssociateChief, Attending, Resident }
);

vocabulary!(Gender { Male, Female });

/// An insurance type, by its code: the national ones every hospital starts with (城镇职工医保 `EMPLOYEE`,
/// 城乡居民医保 `RESIDENT`, 自费 `SELF_PAY`) and the hospital's own (a commercial plan, a staff scheme). A code is
/// 1 to 32 capital letters, digits and `_`, starting with a letter; which codes a hospital has is its own list.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct InsuranceType(String);

impl utoipa::PartialSchema for InsuranceType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "An insurance type's code: EMPLOYEE, RESIDENT, SELF_PAY, or one the hospital added \
                 (GET /insurance-types lists them).",
            ))
            .pattern(Some(InsuranceType::PATTERN))
            .examples([serde_json::json!("EMPLOYEE")])
            .into()
    }
}

impl utoipa::ToSchema for InsuranceType {}

impl InsuranceType {
    /// The national types, with their Chinese names.
    pub const NATIONAL: [(&'static str, &'static str); 3] = [
        ("EMPLOYEE", "城镇职工医保"),
        ("RESIDENT", "城乡居民医保"),
        ("SELF_PAY", "自费"),
    ];
    /// The national types as codes, with their names.
    pub fn national() -> impl Iterator<Item = (Self, &'static str)> {
        Self::NATIONAL
            .iter()
            .map(|(code, name)| (Self((*code).to_owned()), *name))
    }

    pub const PATTERN: &'static str = "^[A-Z][A-Z0-9_]{0,31}$";

    /// 城镇职工医保.
    pub fn employee() -> Self {
        Self("EMPLOYEE".to_owned())
    }

    /// 城乡居民医保.
    pub fn resident() -> Self {
        Self("RESIDENT".to_owned())
    }

    /// 自费: whoever pays the whole bill.
    pub fn self_pay() -> Self {
        Self("SELF_PAY".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for InsuranceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        let well_formed = chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && s.len() <= 32;
        if well_formed {
            Ok(Self(s.to_owned()))
        } else {
            Err("must be 1 to 32 capital letters, digits or _, starting with a letter".to_owned())
        }
    }
}

impl TryFrom<String> for InsuranceType {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<InsuranceType> for String {
    fn from(t: InsuranceType) -> Self {
        t.0
    }
}

impl std::fmt::Display for InsuranceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

vocabulary!(
    /// The identity document a patient is registered by: 居民身份证, 护照, 港澳居民来往内地通行证,
    /// 台湾居民来往大陆通行证, 港澳台居民居住证, 外国人永久居留身份证, and none yet (a newborn, with a guardian).
    DocumentType {
        IdCard,
        Passport,
        HkMacaoPermit,
        TaiwanPermit,
        ResidencePermit,
        PermanentResidence,
        NoneYet,
    }
);

vocabulary!(
    /// How a guardian is related to the patient: 父母, 配偶, 子女, 兄弟姐妹, (外)祖父母, 其他亲属, 其他.
    GuardianRelation { Parent, Spouse, Child, Sibling, Grandparent, Relative, Other }
);

vocabulary!(ItemCategory {
    Registration,
    Consultation,
    Drug,
    Lab,
    Imaging,
    Exam,
    Treatment,
    Surgery,
    Nursing,
    Material,
    Other,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_names_the_choices() {
        for t in DoctorTitle::ALL {
            assert_eq!(t.as_str().parse::<DoctorTitle>(), Ok(*t));
        }
        assert_eq!(
            "chief".parse::<DoctorTitle>(),
            Err("must be one of: CHIEF, ASSOCIATE_CHIEF, ATTENDING, RESIDENT".to_owned())
        );
        assert_eq!(
            serde_json::to_string(&InsuranceType::self_pay())
                .ok()
                .as_deref(),
            Some("\"SELF_PAY\"")
        );
    }

    #[test]
    fn an_insurance_type_is_a_code_of_capitals_digits_and_underscores() {
        for good in ["EMPLOYEE", "SELF_PAY", "PICC2", "A"] {
            assert_eq!(
                good.parse::<InsuranceType>().map(String::from),
                Ok(good.to_owned())
            );
        }
        for bad in [
            "",
            "employee",
            "2PLAN",
            "_X",
            "SELF-PAY",
            "职工",
            &"A".repeat(33),
        ] {
            assert!(bad.parse::<InsuranceType>().is_err(), "{bad:?}");
        }
        assert!(serde_json::from_str::<InsuranceType>("\"self_pay\"").is_err());
    }
}
