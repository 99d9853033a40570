//! The monthly per-department inputs of the accounting (workload, cost, orientation actuals): one value per
//! (period, department code, node code), as their CSV files carry them (docs/imports.md).
use crate::domain::{
    accounting::import_layout::{FieldProblem, decimal, strict_text},
    foundation::money::Amount,
    foundation::period::Period,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodInput {
    /// Nursing workload (beds, transfers, operations …): a quantity, never negative.
    Workload,
    /// A department's cost for a cost node: an amount, never negative (cost deducts by formula, not sign).
    Cost,
    /// The actual value of an orientation indicator, which may be negative.
    Orientation,
}

pub const DEPT_CODE_MAX: usize = 32;
pub const NODE_CODE_MAX: usize = 100;

impl PeriodInput {
    pub const ALL: [PeriodInput; 3] = [Self::Workload, Self::Cost, Self::Orientation];

    /// The value column, named as in the table.
    pub fn value_column(self) -> &'static str {
        match self {
            Self::Workload => "quantity",
            Self::Cost => "amount",
            Self::Orientation => "actual_value",
        }
    }

    pub fn columns(self) -> [&'static str; 4] {
        [
            "period",
            "department_code",
            "node_code",
            self.value_column(),
        ]
    }

    pub fn allows_negative(self) -> bool {
        self == Self::Orientation
    }

    /// How people call it (audit log, messages).
    pub fn name(self) -> &'static str {
        match self {
            Self::Workload => "workload",
            Self::Cost => "costs",
            Self::Orientation => "orientation-values",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeriodValue {
    pub period: Period,
    pub department_code: String,
    pub node_code: String,
    pub value: Amount,
}

impl PeriodValue {
    /// What identifies the record: a second row with the same key replaces the first's value.
    pub fn key(&self) -> (Period, &str, &str) {
        (self.period, &self.department_code, &self.node_code)
    }
}

/// Parses one row given in [`PeriodInput::columns`] order; every problem is reported, naming its column.
pub fn parse(kind: PeriodInput, fields: &[&str; 4]) -> Result<PeriodValue, Vec<FieldProblem>> {
    let [period, department, node, value] = fields;
    let cols = kind.columns();
    let mut problems = Vec::new();
    let period = period
        .trim()
        .parse::<Period>()
        .map_err(|e| problems.push(FieldProblem::new(cols[0], e.to_string())))
        .ok();
    let department = strict_text(department, DEPT_CODE_MAX)
        .map_err(|e| problems.push(FieldProblem::new(cols[1], e.to_string())))
        .ok();
    let node = strict_text(node, NODE_CODE_MAX)
        .map_err(|e| problems.push(FieldProblem::new(cols[2], e.to_string())))
        .ok();
    let value = match decimal(value) {
        Ok(v) if v.scaled() < 0 && !kind.allows_negative() => {
            problems.push(FieldProblem::new(cols[3], "must not be negative"));
            None
        }
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(FieldProblem::new(cols[3], e.to_string()));
            None
        }
    };
    match (period, department, node, value) {
        (Some(period), Some(department), Some(node), Some(value)) if problems.is_empty() => {
            Ok(PeriodValue {
                period,
                department_code: department.to_owned(),
                node_code: node.to_owned(),
                value,
            })
        }
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_row() {
        let v = parse(
            PeriodInput::Workload,
            &["2026-03", " INT ", "dim-nur-bed", "312.5"],
        )
        .expect("valid");
        assert_eq!(v.period.to_string(), "2026-03");
        assert_eq!(v.department_code, "INT");
        assert_eq!(v.value.scaled(), 3_125_000);
        assert_eq!(
            PeriodInput::Cost.columns(),
            ["period", "department_code", "node_code", "amount"]
        );
    }

    #[test]
    fn only_orientation_values_may_be_negative() {
        let row = ["2026-03", "INT", "dim-x", "-1.5"];
        assert!(parse(PeriodInput::Orientation, &row).is_ok());
        for kind in [PeriodInput::Workload, PeriodInput::Cost] {
            let problems = parse(kind, &row).expect_err("invalid");
            assert_eq!(
                problems,
                [FieldProblem::new(
                    kind.value_column(),
                    "must not be negative"
                )]
            );
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let problems = parse(PeriodInput::Cost, &["2026-13", "", &"n".repeat(101), "abc"])
            .expect_err("invalid");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["period", "department_code", "node_code", "amount"]);
    }
}
