//! Identity documents (证件), each number checked by its own rule. Three share the 18-character layout of the
//! mainland ID card (GB 11643, ISO 7064 MOD 11-2 check digit, birth date and sex digit inside): the ID card itself,
//! the Hong Kong / Macao / Taiwan residence permit (region code 810000, 820000 or 830000) and the foreigner's
//! permanent residence ID of 2017 (first digit 9). The others carry neither birth date nor sex.
use super::id_card::{IdCard, IdCardError};
use super::vocab::DocumentType;
use chrono::NaiveDate;

/// A patient's document: its type and, unless none yet, its number (normalised: trimmed, upper case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Document {
    kind: DocumentType,
    number: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("{0}")]
    Layout(IdCardError),
    #[error(
        "a residence permit number starts with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan)"
    )]
    ResidencePermitRegion,
    #[error("a permanent residence ID (2017) starts with 9")]
    PermanentResidenceLead,
    #[error("a passport number is 5 to 17 letters and digits")]
    Passport,
    #[error("a Hong Kong / Macao travel permit number is H or M and 8 digits, or 10 digits")]
    HkMacaoPermit,
    #[error("a Taiwan travel permit number is 8 or 10 digits")]
    TaiwanPermit,
    #[error("is required for this document type")]
    Missing,
    #[error("must be empty when the patient has no document yet")]
    Unexpected,
}

const RESIDENCE_PERMIT_REGIONS: [&str; 3] = ["810000", "820000", "830000"];

impl Document {
    pub fn parse(kind: DocumentType, raw: Option<&str>) -> Result<Self, DocumentError> {
        let number = raw
            .map(|r| r.trim().to_ascii_uppercase())
            .filter(|n| !n.is_empty());
        let number = match (kind, number) {
            (DocumentType::NoneYet, None) => None,
            (DocumentType::NoneYet, Some(_)) => return Err(DocumentError::Unexpected),
            (_, None) => return Err(DocumentError::Missing),
            (_, Some(n)) => Some(check(kind, n)?),
        };
        Ok(Self { kind, number })
    }

    pub fn kind(&self) -> DocumentType {
        self.kind
    }

    pub fn number(&self) -> Option<&str> {
        self.number.as_deref()
    }

    /// The number read as the ID card's layout, where the document has that layout.
    fn gb11643(&self) -> Option<IdCard> {
        let n = self
            .number
            .as_deref()
            .filter(|_| carries_birth_and_sex(self.kind))?;
        IdCard::parse(n).ok()
    }

    /// The birth date inside the number, where the document carries one.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.gb11643()?.birth_date()
    }

    /// The sex inside the number (the 17th digit, odd for men), where the document carries one.
    pub fn is_male(&self) -> Option<bool> {
        Some(self.gb11643()?.is_male())
    }
}

/// Whether numbers of this type hold the birth date and the sex digit.
pub fn carries_birth_and_sex(kind: DocumentType) -> bool {
    matches!(
        kind,
        DocumentType::IdCard | DocumentType::ResidencePermit | DocumentType::PermanentResidence
    )
}

fn check(kind: DocumentType, n: String) -> Result<String, DocumentError> {
    let digits = |len: usize, s: &str| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    match kind {
        DocumentType::IdCard | DocumentType::ResidencePermit | DocumentType::PermanentResidence => {
            let id = IdCard::parse(&n).map_err(DocumentError::Layout)?;
            let n = id.as_str();
            if kind == DocumentType::ResidencePermit
                && !RESIDENCE_PERMIT_REGIONS.iter().any(|r| n.starts_with(r))
            {
                return Err(DocumentError::ResidencePermitRegion);
            }
            if kind == DocumentType::PermanentResidence && !n.starts_with('9') {
                return Err(DocumentError::PermanentResidenceLead);
            }
            Ok(id.to_string())
        }
        DocumentType::Passport => {
            let ok = (5..=17).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric());
            ok.then_some(n).ok_or(DocumentError::Passport)
        }
        DocumentType::HkMacaoPermit => {
            let ok = match n.as_bytes().first() {
                Some(b'H' | b'M') => digits(8, &n[1..]) || digits(10, &n[1..]),
                _ => false,
            };
            ok.then_some(n).ok_or(DocumentError::HkMacaoPermit)
        }
        DocumentType::TaiwanPermit => (digits(8, &n) || digits(10, &n))
            .then_some(n)
            .ok_or(DocumentError::TaiwanPermit),
        DocumentType::NoneYet => Err(DocumentError::Unexpected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::foundation::id_card::check_char;
    use proptest::prelude::*;

    fn parse(kind: DocumentType, n: &str) -> Result<Document, DocumentError> {
        Document::parse(kind, Some(n))
    }

    #[test]
    fn each_type_takes_its_own_numbers() {
        use DocumentType::*;
        let id = parse(IdCard, " 11010519491231002x ").expect("an ID card");
        assert_eq!(id.number(), Some("11010519491231002X"));
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.is_male(), Some(false));
        for ok in ["E12345678", "EA1234567", "X1234567890ABCDEF", "p1234"] {
            assert!(parse(Passport, ok).is_ok(), "{ok}");
        }
        for bad in ["E123", "E-1234567", "E 1234567", "X1234567890ABCDEFG"] {
            assert_eq!(parse(Passport, bad), Err(DocumentError::Passport), "{bad}");
        }
        assert_eq!(
            parse(Passport, "e12345678")
                .expect("a passport")
                .birth_date(),
            None
        );
        for ok in ["H12345678", "M1234567801", "h12345678"] {
            assert!(parse(HkMacaoPermit, ok).is_ok(), "{ok}");
        }
        for bad in ["A12345678", "H1234567", "H123456789", "12345678"] {
            assert_eq!(parse(HkMacaoPermit, bad), Err(DocumentError::HkMacaoPermit));
        }
        for ok in ["12345678", "1234567890"] {
            assert!(parse(TaiwanPermit, ok).is_ok(), "{ok}");
        }
        for bad in ["1234567", "123456789", "T1234567"] {
            assert_eq!(parse(TaiwanPermit, bad), Err(DocumentError::TaiwanPermit));
        }
    }

    #[test]
    fn a_newborn_has_no_number_and_every_other_type_needs_one() {
        let none = Document::parse(DocumentType::NoneYet, None).expect("none yet");
        assert_eq!(
            (none.number(), none.birth_date(), none.is_male()),
            (None, None, None)
        );
        assert_eq!(
            Document::parse(DocumentType::NoneYet, Some("H12345678")),
            Err(DocumentError::Unexpected)
        );
        assert!(Document::parse(DocumentType::NoneYet, Some("  ")).is_ok());
        for kind in DocumentType::ALL
            .iter()
            .filter(|k| **k != DocumentType::NoneYet)
        {
            assert_eq!(Document::parse(*kind, None), Err(DocumentError::Missing));
            assert_eq!(
                Document::parse(*kind, Some("")),
                Err(DocumentError::Missing)
            );
        }
    }

    #[test]
    fn the_id_card_layout_types_check_their_lead() {
        // A valid ID card number is not a residence permit or a permanent residence ID.
        assert_eq!(
            parse(DocumentType::ResidencePermit, "11010519491231002X"),
            Err(DocumentError::ResidencePermitRegion)
        );
        assert_eq!(
            parse(DocumentType::PermanentResidence, "11010519491231002X"),
            Err(DocumentError::PermanentResidenceLead)
        );
        assert_eq!(
            parse(DocumentType::PermanentResidence, "9"),
            Err(DocumentError::Layout(IdCardError::Format))
        );
    }

    fn with_check(body: &str) -> String {
        format!("{body}{}", check_char(body.as_bytes()).expect("17 digits"))
    }

    proptest! {
        /// 2017 permanent residence ID: 9, the province of issue (2), the nationality (3), the birth date (8),
        /// a sequence (2), the sex digit and the check digit.
        #[test]
        fn a_permanent_residence_id_takes_exactly_its_check_digit(
            body in "9[1-6][0-9][0-9]{3}(19[5-9][0-9]|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        ) {
            let good = with_check(&body);
            let doc = parse(DocumentType::PermanentResidence, &good).expect("valid");
            prop_assert_eq!(doc.birth_date(), NaiveDate::parse_from_str(&body[6..14], "%Y%m%d").ok());
            prop_assert_eq!(doc.is_male(), Some((body.as_bytes()[16] - b'0') % 2 == 1));
            for c in "0123456789X".chars() {
                let n = format!("{body}{c}");
                let parsed = parse(DocumentType::PermanentResidence, &n);
                prop_assert_eq!(parsed.is_ok(), n == good);
            }
        }

        #[test]
        fn a_residence_permit_takes_its_three_regions_and_its_check_digit(
            region in "8[123]0000",
            rest in "(19[5-9][0-9]|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        ) {
            let good = with_check(&format!("{region}{rest}"));
            prop_assert!(parse(DocumentType::ResidencePermit, &good).is_ok());
            let other_region = with_check(&format!("840000{rest}"));
            prop_assert_eq!(
                parse(DocumentType::ResidencePermit, &other_region),
                Err(DocumentError::ResidencePermitRegion)
            );
            let mut wrong = good.clone();
            let last = if good.ends_with('0') { "1" } else { "0" };
            wrong.replace_range(17.., last);
            prop_assert_eq!(
                parse(DocumentType::ResidencePermit, &wrong),
                Err(DocumentError::Layout(IdCardError::CheckDigit))
            );
        }
    }
}
