//! Two runs side by side (before and after a mapping change, this month and last): per department and node, the
//! value in each run and the change, largest first; and the totals, which are the runs' own totals.
//!
//! Nodes and departments are matched by code, so runs on different model versions compare. A department's value
//! is the sum of its root nodes' values (the net value SUMMARIZE_VALUE ranks); the hospital's is the sum of its
//! departments'. Values are ten-thousandths, as everywhere.
use super::valuation::change as relative_change;
use std::collections::{BTreeMap, BTreeSet};

/// (department code, node code).
pub type Key = (String, String);

/// One department and node in both runs: a run without the cell has `None` (counted as 0 in the change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub department_code: String,
    pub node_code: String,
    pub base: Option<i64>,
    pub other: Option<i64>,
    /// other − base.
    pub change: i64,
    /// change ÷ |base|, in ten-thousandths; `None` when base is 0 or missing.
    pub ratio: Option<i64>,
}

/// A total in both runs and its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub base: i64,
    pub other: i64,
    pub change: i64,
    pub ratio: Option<i64>,
}

impl Totals {
    pub fn of(base: i64, other: i64) -> Self {
        Self {
            base,
            other,
            change: other - base,
            ratio: relative_change(other, base),
        }
    }
}

/// The largest change first (by magnitude), then by department and node code.
fn by_size<T>(
    change: impl Fn(&T) -> i64,
    key: impl Fn(&T) -> (&str, &str),
) -> impl Fn(&T, &T) -> std::cmp::Ordering {
    move |a, b| {
        change(b)
            .unsigned_abs()
            .cmp(&change(a).unsigned_abs())
            .then_with(|| key(a).cmp(&key(b)))
    }
}

/// Every key of either run, with both values and the change, largest change first.
pub fn compare(base: &BTreeMap<Key, i64>, other: &BTreeMap<Key, i64>) -> Vec<Compared> {
    let keys: BTreeSet<&Key> = base.keys().chain(other.keys()).collect();
    let mut rows: Vec<Compared> = keys
        .into_iter()
        .map(|k| {
            let (b, o) = (base.get(k).copied(), other.get(k).copied());
            let t = Totals::of(b.unwrap_or(0), o.unwrap_or(0));
            Compared {
                department_code: k.0.clone(),
                node_code: k.1.clone(),
                base: b,
                other: o,
                change: t.change,
                ratio: b.and(t.ratio),
            }
        })
        .collect();
    rows.sort_by(by_size(
        |r: &Compared| r.change,
        |r| (&r.department_code, &r.node_code),
    ));
    rows
}

/// Each department's total (the sum of its roots' values) in both runs, largest change first; and the hospital's.
pub fn department_totals(
    base_roots: &BTreeMap<Key, i64>,
    other_roots: &BTreeMap<Key, i64>,
) -> (Vec<(String, Totals)>, Totals) {
    let sum = |roots: &BTreeMap<Key, i64>| {
        let mut by_department: BTreeMap<String, i64> = BTreeMap::new();
        for ((department, _), value) in roots {
            *by_department.entry(department.clone()).or_default() += value;
        }
        by_department
    };
    let (b, o) = (sum(base_roots), sum(other_roots));
    let departments: BTreeSet<&String> = b.keys().chain(o.keys()).collect();
    let mut rows: Vec<(String, Totals)> = departments
        .into_iter()
        .map(|d| {
            let t = Totals::of(
                b.get(d).copied().unwrap_or(0),
                o.get(d).copied().unwrap_or(0),
            );
            (d.clone(), t)
        })
        .collect();
    rows.sort_by(by_size(|r: &(String, Totals)| r.1.change, |r| (&r.0, "")));
    let hospital = Totals::of(b.values().sum(), o.values().sum());
    (rows, hospital)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(d: &str, n: &str) -> Key {
        (d.to_owned(), n.to_owned())
    }

    #[test]
    fn cells_of_one_run_only_count_as_zero_in_the_other() {
        let base = BTreeMap::from([(key("INT", "doc"), 1_000_000), (key("LAB", "tech"), 50_000)]);
        let other = BTreeMap::from([(key("INT", "doc"), 800_000), (key("SUR", "doc"), 300_000)]);
        let rows = compare(&base, &other);
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.department_code.as_str(),
                    r.node_code.as_str(),
                    r.base,
                    r.other,
                    r.change,
                    r.ratio,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("SUR", "doc", None, Some(300_000), 300_000, None),
                (
                    "INT",
                    "doc",
                    Some(1_000_000),
                    Some(800_000),
                    -200_000,
                    Some(-2_000)
                ),
                ("LAB", "tech", Some(50_000), None, -50_000, Some(-10_000)),
            ]
        );
    }

    #[test]
    fn equal_changes_keep_the_code_order() {
        let base = BTreeMap::from([(key("B", "x"), 0), (key("A", "x"), 0), (key("A", "w"), 0)]);
        let other = BTreeMap::from([(key("B", "x"), -5), (key("A", "x"), 5), (key("A", "w"), 5)]);
        let order: Vec<_> = compare(&base, &other)
            .into_iter()
            .map(|r| (r.department_code, r.node_code))
            .collect();
        assert_eq!(order, vec![key("A", "w"), key("A", "x"), key("B", "x")]);
    }

    fn values() -> impl Strategy<Value = BTreeMap<Key, i64>> {
        prop::collection::btree_map(
            (
                prop::sample::select(vec!["INT", "SUR", "LAB", "PED"]),
                prop::sample::select(vec!["doc", "nur", "tech", "cost"]),
            )
                .prop_map(|(d, n)| key(d, n)),
            -1_000_000_000_000i64..1_000_000_000_000,
            0..16,
        )
    }

    proptest! {
        /// The totals of a comparison are the difference of the two runs' totals, department by department
        /// and for the hospital; every row's change is other − base; rows come largest change first.
        #[test]
        fn totals_are_the_difference_of_the_runs_totals(base in values(), other in values()) {
            let rows = compare(&base, &other);
            let (departments, hospital) = department_totals(&base, &other);
            prop_assert_eq!(hospital.base, base.values().sum::<i64>());
            prop_assert_eq!(hospital.other, other.values().sum::<i64>());
            prop_assert_eq!(hospital.change, hospital.other - hospital.base);
            prop_assert_eq!(rows.iter().map(|r| r.change).sum::<i64>(), hospital.change);
            prop_assert_eq!(departments.iter().map(|(_, t)| t.change).sum::<i64>(), hospital.change);
            for (d, t) in &departments {
                let of = |m: &BTreeMap<Key, i64>| m.iter().filter(|(k, _)| &k.0 == d).map(|(_, v)| v).sum::<i64>();
                prop_assert_eq!((t.base, t.other), (of(&base), of(&other)));
            }
            for r in &rows {
                prop_assert_eq!(r.change, r.other.unwrap_or(0) - r.base.unwrap_or(0));
            }
            for w in rows.windows(2) {
                prop_assert!(w[0].change.unsigned_abs() >= w[1].change.unsigned_abs());
            }
        }

        #[test]
        fn a_run_compared_with_itself_changes_nothing(base in values()) {
            prop_assert!(compare(&base, &base).iter().all(|r| r.change == 0 && r.base == r.other));
        }
    }
}
