//! The closed vocabularies stored as strings: doctor titles, genders, insurance types, item categories.

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

vocabulary!(
    /// 城镇职工医保, 城乡居民医保, 自费.
    InsuranceType { Employee, Resident, SelfPay }
);

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
            serde_json::to_string(&InsuranceType::SelfPay)
                .ok()
                .as_deref(),
            Some("\"SELF_PAY\"")
        );
    }
}
