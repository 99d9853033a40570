//! The dimension rules of the value-accounting model: what a node's code says about where its numbers come from.
//!
//! The seed's table, as one function: a code's prefix names the series, and within a series its segments decide
//! the kind (charges, workload records, cost records), which department field of a charge line credits a
//! department, whether business type stays part of the key, and whether the node can be drilled into.
use crate::domain::foundation::vocab::vocabulary;

vocabulary!(
    /// 医生 / 医技 / 护理 / 成本.
    Series { Doctor, Tech, Nursing, Cost }
);

vocabulary!(
    /// Where a leaf's numbers come from: charge lines, imported workload or imported cost.
    NodeKind { Charge, Workload, Cost }
);

vocabulary!(
    /// Which department of a charge line a CHARGE node credits: 开单科室 or 执行科室.
    DeptField { Prescribing, Executing, None }
);

vocabulary!(
    /// Which charge lines a node counts by business type.
    BusinessTypeScope { All, Outpatient, Inpatient }
);

vocabulary!(
    /// 门诊 / 住院.
    BusinessType { Outpatient, Inpatient }
);

/// What the code of a node implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRules {
    pub series: Series,
    pub kind: NodeKind,
    pub dept_field: DeptField,
    /// Business type is kept in the key of details and results (doctor nodes).
    pub splits_business_type: bool,
    pub business_type_scope: BusinessTypeScope,
}

impl NodeRules {
    /// Only charge nodes have items behind them; workload and cost come from per-department records.
    pub fn drillable(&self) -> bool {
        self.kind == NodeKind::Charge
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("must be 1 to 100 characters")]
    Length,
    #[error("may contain only lower-case letters, digits and single hyphens between them")]
    Characters,
    #[error("must start with dim-doc, dim-tech, dim-nur or dim-cost")]
    UnknownSeries,
}

const MAX_CODE_LEN: usize = 100;
/// 床日, 转运, 门诊治疗, 手术室, 监护: nursing work counted, not charged.
const NURSING_WORKLOAD: &[&str] = &["bed", "trans", "op", "or", "mon"];

/// The rules a code implies (the seed's table):
///
/// | series | codes | department | business type |
/// |---|---|---|---|
/// | doctor | diagnosis `dim-doc-*-eval-*` | prescribing | split |
/// | doctor | surgery `dim-doc-sur-*` | executing | split |
/// | doctor | other `dim-doc-*` | executing | split |
/// | tech | `dim-tech-*` | executing | not split |
/// | nursing | charge `dim-nur-base`, `-collab`, `-tr-*`, `-other` | executing | not split |
/// | nursing | workload `dim-nur-bed/trans/op/or/mon` | — | — |
/// | cost | `dim-cost-*` | — | — |
///
/// A doctor code with an `out` segment counts only outpatient charges, one with `in` only inpatient ones.
/// Series roots (`dim-doc`, `dim-nur`, …) follow their series' charge rule; a parent drills into its charge leaves.
pub fn rules_for(code: &str) -> Result<NodeRules, CodeError> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(CodeError::Length);
    }
    let segments: Vec<&str> = code.split('-').collect();
    let well_formed = segments.iter().all(|s| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !well_formed {
        return Err(CodeError::Characters);
    }
    let (series, rest) = match segments.as_slice() {
        ["dim", "doc", rest @ ..] => (Series::Doctor, rest),
        ["dim", "tech", rest @ ..] => (Series::Tech, rest),
        ["dim", "nur", rest @ ..] => (Series::Nursing, rest),
        ["dim", "cost", rest @ ..] => (Series::Cost, rest),
        _ => return Err(CodeError::UnknownSeries),
    };
    let not_split = |kind, dept_field| NodeRules {
        series,
        kind,
        dept_field,
        splits_business_type: false,
        business_type_scope: BusinessTypeScope::All,
    };
    Ok(match series {
        Series::Doctor => NodeRules {
            series,
            kind: NodeKind::Charge,
            dept_field: if rest.contains(&"eval") {
                DeptField::Prescribing
            } else {
                DeptField::Executing
            },
            splits_business_type: true,
            business_type_scope: if rest.contains(&"out") {
                BusinessTypeScope::Outpatient
            } else if rest.contains(&"in") {
                BusinessTypeScope::Inpatient
            } else {
                BusinessTypeScope::All
            },
        },
        Series::Tech => not_split(NodeKind::Charge, DeptField::Executing),
        Series::Nursing => match rest.first() {
            Some(first) if NURSING_WORKLOAD.contains(first) => {
                not_split(NodeKind::Workload, DeptField::None)
            }
            _ => not_split(NodeKind::Charge, DeptField::Executing),
        },
        Series::Cost => not_split(NodeKind::Cost, DeptField::None),
    })
}

/// Whether a charge line of `business_type` counts for a node with this scope.
pub fn scope_admits(scope: BusinessTypeScope, business_type: BusinessType) -> bool {
    match scope {
        BusinessTypeScope::All => true,
        BusinessTypeScope::Outpatient => business_type == BusinessType::Outpatient,
        BusinessTypeScope::Inpatient => business_type == BusinessType::Inpatient,
    }
}

/// Whether two nodes' scopes would both count a charge line: an item may feed one leaf per series and
/// business type, so two leaves of a series whose scopes overlap may not share an item.
pub fn scopes_overlap(a: BusinessTypeScope, b: BusinessTypeScope) -> bool {
    a == BusinessTypeScope::All || b == BusinessTypeScope::All || a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(code: &str) -> NodeRules {
        rules_for(code).unwrap_or_else(|e| panic!("{code}: {e}"))
    }

    fn doctor(dept_field: DeptField, scope: BusinessTypeScope) -> NodeRules {
        NodeRules {
            series: Series::Doctor,
            kind: NodeKind::Charge,
            dept_field,
            splits_business_type: true,
            business_type_scope: scope,
        }
    }

    fn flat(series: Series, kind: NodeKind, dept_field: DeptField) -> NodeRules {
        NodeRules {
            series,
            kind,
            dept_field,
            splits_business_type: false,
            business_type_scope: BusinessTypeScope::All,
        }
    }

    /// Row 1: diagnosis `dim-doc-*-eval-*` → prescribing department, split by business type, drillable.
    #[test]
    fn doctor_diagnosis_credits_the_prescribing_department() {
        use BusinessTypeScope::*;
        assert_eq!(
            rules("dim-doc-out-eval-1"),
            doctor(DeptField::Prescribing, Outpatient)
        );
        assert_eq!(
            rules("dim-doc-in-eval-2"),
            doctor(DeptField::Prescribing, Inpatient)
        );
        assert_eq!(
            rules("dim-doc-gen-eval-3"),
            doctor(DeptField::Prescribing, All)
        );
        assert!(rules("dim-doc-out-eval-1").drillable());
    }

    /// Row 2: surgery `dim-doc-sur-*` → executing department, split, drillable.
    #[test]
    fn doctor_surgery_credits_the_executing_department() {
        use BusinessTypeScope::*;
        assert_eq!(
            rules("dim-doc-sur-out-2"),
            doctor(DeptField::Executing, Outpatient)
        );
        assert_eq!(
            rules("dim-doc-sur-in-1"),
            doctor(DeptField::Executing, Inpatient)
        );
        assert_eq!(rules("dim-doc-sur"), doctor(DeptField::Executing, All));
        assert!(rules("dim-doc-sur-in-1").drillable());
    }

    /// Row 3: other `dim-doc-*` → executing department, split, drillable.
    #[test]
    fn other_doctor_nodes_credit_the_executing_department() {
        use BusinessTypeScope::*;
        assert_eq!(rules("dim-doc-treat"), doctor(DeptField::Executing, All));
        assert_eq!(
            rules("dim-doc-out-treat"),
            doctor(DeptField::Executing, Outpatient)
        );
        assert_eq!(rules("dim-doc"), doctor(DeptField::Executing, All));
        // `in` and `out` are segments, not substrings.
        assert_eq!(rules("dim-doc-inject"), doctor(DeptField::Executing, All));
        assert_eq!(rules("dim-doc-outer"), doctor(DeptField::Executing, All));
    }

    /// Row 4: tech `dim-tech-*` → executing department, not split, drillable.
    #[test]
    fn tech_nodes_credit_the_executing_department_without_business_type() {
        let expected = flat(Series::Tech, NodeKind::Charge, DeptField::Executing);
        for code in [
            "dim-tech",
            "dim-tech-lab",
            "dim-tech-img-ct",
            "dim-tech-out-lab",
        ] {
            assert_eq!(rules(code), expected, "{code}");
            assert!(rules(code).drillable());
        }
    }

    /// Row 5: nursing charge `dim-nur-base/collab/tr-*/other` → executing department, not split, drillable.
    #[test]
    fn nursing_charge_nodes_credit_the_executing_department() {
        let expected = flat(Series::Nursing, NodeKind::Charge, DeptField::Executing);
        for code in [
            "dim-nur",
            "dim-nur-base",
            "dim-nur-collab",
            "dim-nur-tr",
            "dim-nur-tr-1",
            "dim-nur-tr-iv",
            "dim-nur-other",
        ] {
            assert_eq!(rules(code), expected, "{code}");
            assert!(rules(code).drillable());
        }
    }

    /// Row 6: nursing workload `dim-nur-bed/trans/op/or/mon` → workload records, not drillable.
    #[test]
    fn nursing_workload_nodes_come_from_workload_records() {
        let expected = flat(Series::Nursing, NodeKind::Workload, DeptField::None);
        for code in [
            "dim-nur-bed",
            "dim-nur-trans",
            "dim-nur-op",
            "dim-nur-or",
            "dim-nur-mon",
            "dim-nur-bed-icu",
        ] {
            assert_eq!(rules(code), expected, "{code}");
            assert!(!rules(code).drillable());
        }
        // A longer word that merely starts like a workload code is a charge node.
        assert_eq!(rules("dim-nur-orth").kind, NodeKind::Charge);
    }

    /// Row 7: cost, every code → cost records, not drillable.
    #[test]
    fn cost_nodes_come_from_cost_records() {
        let expected = flat(Series::Cost, NodeKind::Cost, DeptField::None);
        for code in ["dim-cost", "dim-cost-labor", "dim-cost-drug-1"] {
            assert_eq!(rules(code), expected, "{code}");
            assert!(!rules(code).drillable());
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        assert_eq!(rules_for(""), Err(CodeError::Length));
        assert_eq!(rules_for(&"a".repeat(101)), Err(CodeError::Length));
        assert_eq!(rules_for("dim-Doc-1"), Err(CodeError::Characters));
        assert_eq!(rules_for("dim--doc"), Err(CodeError::Characters));
        assert_eq!(rules_for("dim-doc-"), Err(CodeError::Characters));
        assert_eq!(rules_for("dim-doc 1"), Err(CodeError::Characters));
        assert_eq!(rules_for("dim-drug-1"), Err(CodeError::UnknownSeries));
        assert_eq!(rules_for("doc-1"), Err(CodeError::UnknownSeries));
        assert_eq!(rules_for("dim"), Err(CodeError::UnknownSeries));
    }

    #[test]
    fn scopes_overlap_unless_they_name_different_business_types() {
        use BusinessTypeScope::*;
        for (a, b, overlap) in [
            (All, All, true),
            (All, Outpatient, true),
            (Inpatient, All, true),
            (Outpatient, Outpatient, true),
            (Inpatient, Inpatient, true),
            (Outpatient, Inpatient, false),
            (Inpatient, Outpatient, false),
        ] {
            assert_eq!(scopes_overlap(a, b), overlap, "{a} / {b}");
        }
    }

    #[test]
    fn scopes_admit_their_business_types() {
        use BusinessType::*;
        assert!(scope_admits(BusinessTypeScope::All, Inpatient));
        assert!(scope_admits(BusinessTypeScope::Outpatient, Outpatient));
        assert!(!scope_admits(BusinessTypeScope::Outpatient, Inpatient));
        assert!(!scope_admits(BusinessTypeScope::Inpatient, Outpatient));
    }
}
