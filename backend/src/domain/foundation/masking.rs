//! How identity numbers and phones appear in lists: enough to recognise, not enough to reuse.
use super::{document::carries_birth_and_sex, vocab::DocumentType};

/// `110105********1234`: region code and last four kept.
pub fn mask_id_card(id: &str) -> String {
    mask_middle(id, 6, 4)
}

/// A document number as lists show it: an ID card's layout as [`mask_id_card`], others (`E*****678`) with their
/// first character and last three.
pub fn mask_document(kind: DocumentType, number: &str) -> String {
    if carries_birth_and_sex(kind) {
        mask_id_card(number)
    } else {
        mask_middle(number, 1, 3)
    }
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// `王*英`, `李*`: how a waiting-room screen names a patient.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

fn mask_middle(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.push_str(&"*".repeat(hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_front_desk_expects() {
        assert_eq!(mask_id_card("11010519491231002X"), "110105********002X");
        assert_eq!(
            mask_document(DocumentType::PermanentResidence, "915611198506150019"),
            "915611********0019"
        );
        assert_eq!(
            mask_document(DocumentType::Passport, "E12345678"),
            "E*****678"
        );
        assert_eq!(
            mask_document(DocumentType::TaiwanPermit, "12345678"),
            "1****678"
        );
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
        assert_eq!(mask_name("王秀英"), "王*英");
        assert_eq!(mask_name("李娜"), "李*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
    }
}
