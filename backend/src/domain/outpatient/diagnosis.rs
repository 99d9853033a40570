//! A record's coded diagnoses (诊断): entries of the hospital's dictionary, at most ten, each once, one of them
//! the primary (主要诊断), kept as they were when the record was written.
use serde::{Deserialize, Serialize};

/// The most coded diagnoses one record has.
pub const MAX_DIAGNOSES: usize = 10;

/// A coded diagnosis of a record, as the dictionary had it when the record was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = RecordDiagnosis)]
pub struct CodedDiagnosis {
    pub diagnosis_id: i64,
    #[schema(example = "J06.9")]
    pub code: String,
    #[schema(example = "急性上呼吸道感染")]
    pub name: String,
    /// The main diagnosis (主要诊断); the others are secondary.
    pub primary: bool,
}

/// What is wrong with a doctor's choice of (dictionary id, primary): each problem with the field it concerns
/// (`diagnoses`, or `diagnoses[i].diagnosis_id` for a repeated one).
pub fn problems(chosen: &[(i64, bool)]) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    if chosen.len() > MAX_DIAGNOSES {
        found.push(("diagnoses".to_owned(), "must have at most 10 diagnoses"));
    }
    let primaries = chosen.iter().filter(|(_, primary)| *primary).count();
    if !chosen.is_empty() && primaries != 1 {
        found.push((
            "diagnoses".to_owned(),
            "exactly one must be the primary diagnosis",
        ));
    }
    for (i, (id, _)) in chosen.iter().enumerate() {
        if chosen[..i].iter().any(|(other, _)| other == id) {
            found.push((format!("diagnoses[{i}].diagnosis_id"), "is listed twice"));
        }
    }
    found
}

/// The primary first, the others in the order the doctor listed them.
pub fn primary_first(mut diagnoses: Vec<CodedDiagnosis>) -> Vec<CodedDiagnosis> {
    diagnoses.sort_by_key(|d| !d.primary);
    diagnoses
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn coded(id: i64, primary: bool) -> CodedDiagnosis {
        CodedDiagnosis {
            diagnosis_id: id,
            code: format!("C{id}"),
            name: format!("诊断{id}"),
            primary,
        }
    }

    #[test]
    fn names_each_problem_where_it_is() {
        assert!(problems(&[]).is_empty());
        assert!(problems(&[(1, true), (2, false)]).is_empty());
        assert_eq!(
            problems(&[(1, false), (2, false)]),
            [(
                "diagnoses".to_owned(),
                "exactly one must be the primary diagnosis"
            )]
        );
        assert_eq!(
            problems(&[(1, true), (2, false), (1, false)]),
            [("diagnoses[2].diagnosis_id".to_owned(), "is listed twice")]
        );
        let eleven: Vec<(i64, bool)> = (0..11).map(|i| (i, i == 0)).collect();
        assert_eq!(problems(&eleven).len(), 1);
    }

    proptest! {
        #[test]
        fn the_primary_leads_and_the_rest_keep_their_order(n in 1usize..10, at in 0usize..10) {
            let at = at % n;
            let listed: Vec<CodedDiagnosis> = (0..n as i64).map(|i| coded(i, i as usize == at)).collect();
            let ordered = primary_first(listed.clone());
            prop_assert_eq!(&ordered[0], &listed[at]);
            let rest: Vec<i64> = ordered[1..].iter().map(|d| d.diagnosis_id).collect();
            let expected: Vec<i64> = listed.iter().filter(|d| !d.primary).map(|d| d.diagnosis_id).collect();
            prop_assert_eq!(rest, expected);
        }
    }
}
