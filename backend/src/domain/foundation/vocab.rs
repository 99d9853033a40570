//! The closed vocabularies stored as strings: doctor titles, genders, insurance types, item categories.

/// A string-backed enum: `as_str` is what the database stores and the API sends.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        // Ordered as the variants are declared (a day's time slots, say).
        // The texts are the variant names in SCREAMING_SNAKE_CASE (a unit test holds them to it): utoipa does
        // not see a `rename` whose literal comes through a macro, but it does see `rename_all`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "must be one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
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
    DoctorTitle { Chief = "CHIEF", AssociateChief = "ASSOCIATE_CHIEF", Attending = "ATTENDING", Resident = "RESIDENT" }
);

vocabulary!(Gender { Male = "MALE", Female = "FEMALE" });

vocabulary!(
    /// 城镇职工医保, 城乡居民医保, 自费.
    InsuranceType { Employee = "EMPLOYEE", Resident = "RESIDENT", SelfPay = "SELF_PAY" }
);

vocabulary!(ItemCategory {
    Registration = "REGISTRATION",
    Consultation = "CONSULTATION",
    Drug = "DRUG",
    Lab = "LAB",
    Imaging = "IMAGING",
    Exam = "EXAM",
    Treatment = "TREATMENT",
    Surgery = "SURGERY",
    Nursing = "NURSING",
    Material = "MATERIAL",
    Other = "OTHER",
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
