//! Where an orientation rule's benchmark comes from: a fixed value, or a figure computed from the actuals — the
//! department's own over the previous N periods (average, median, highest, lowest), or the mean of every
//! department's actual in the same period. A computed benchmark that has nothing to be computed from, or is not
//! positive, falls back to the rule's fixed value, so a new department is measured against it. Values are
//! ten-thousandths; every division rounds half away from zero, as everywhere in the pipeline.
use super::valuation::div_round;
use crate::domain::foundation::{period::Period, vocab::vocabulary};

vocabulary!(
    /// How a rule's benchmark is found.
    BenchmarkMethod {
        Fixed,
        HistoryAverage,
        HistoryMedian,
        HistoryMax,
        HistoryMin,
        HospitalAverage
    }
);

/// The most periods a history benchmark looks back.
pub const MAX_LOOKBACK: i32 = 36;

impl BenchmarkMethod {
    /// Whether the benchmark comes from the department's own previous periods (and needs a look-back).
    pub fn looks_back(self) -> bool {
        matches!(
            self,
            Self::HistoryAverage | Self::HistoryMedian | Self::HistoryMax | Self::HistoryMin
        )
    }
}

/// A look-back fit for `method`: 1 to [`MAX_LOOKBACK`] periods for a history method, none otherwise.
pub fn lookback(method: BenchmarkMethod, periods: Option<i32>) -> Result<Option<i32>, String> {
    match (method.looks_back(), periods) {
        (true, Some(n)) if (1..=MAX_LOOKBACK).contains(&n) => Ok(Some(n)),
        (true, _) => Err(format!(
            "is required for {method}: 1 to {MAX_LOOKBACK} previous periods"
        )),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(format!("is only for the HISTORY_* methods, not {method}")),
    }
}

/// The benchmark a rule measured a department against, and how many actuals it was computed from (0: the rule's
/// fixed value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Benchmark {
    pub value: i64,
    pub basis: u32,
}

/// The `n` periods before `period`, oldest first.
pub fn window(period: Period, n: i32) -> Vec<Period> {
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or_default());
    let mut p = period;
    for _ in 0..n.max(0) {
        p = p.previous();
        out.push(p);
    }
    out.reverse();
    out
}

/// The statistic of `method` over `values`; `None` for FIXED or when there are none.
pub fn statistic(method: BenchmarkMethod, values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mean = |vs: &[i64]| {
        let sum: i128 = vs.iter().map(|&v| i128::from(v)).sum();
        div_round(sum, vs.len() as i128).and_then(|m| i64::try_from(m).ok())
    };
    match method {
        BenchmarkMethod::Fixed => None,
        BenchmarkMethod::HistoryAverage | BenchmarkMethod::HospitalAverage => mean(values),
        BenchmarkMethod::HistoryMax => values.iter().copied().max(),
        BenchmarkMethod::HistoryMin => values.iter().copied().min(),
        BenchmarkMethod::HistoryMedian => {
            let mut sorted = values.to_vec();
            sorted.sort_unstable();
            let mid = sorted.len() / 2;
            if sorted.len() % 2 == 1 {
                Some(sorted[mid])
            } else {
                mean(&sorted[mid - 1..=mid])
            }
        }
    }
}

/// The benchmark of a rule with `method` and fixed value `fixed`, computed from `values` (the department's actuals
/// of the look-back window, or every department's actual of the period): the fixed value when the method is FIXED
/// or the statistic is missing or not positive.
pub fn benchmark(method: BenchmarkMethod, fixed: i64, values: &[i64]) -> Benchmark {
    match statistic(method, values) {
        Some(value) if value > 0 => Benchmark {
            value,
            basis: u32::try_from(values.len()).unwrap_or(u32::MAX),
        },
        _ => Benchmark {
            value: fixed,
            basis: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BenchmarkMethod::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    #[test]
    fn each_statistic_on_a_small_history() {
        let v = [8_000, 12_000, 9_000, 11_000];
        assert_eq!(statistic(HistoryAverage, &v), Some(10_000));
        assert_eq!(statistic(HistoryMedian, &v), Some(10_000));
        assert_eq!(statistic(HistoryMax, &v), Some(12_000));
        assert_eq!(statistic(HistoryMin, &v), Some(8_000));
        assert_eq!(statistic(HistoryMedian, &[3, 1, 2]), Some(2));
        // (1 + 2) ÷ 2 = 1.5 ten-thousandths, rounded half away from zero.
        assert_eq!(statistic(HistoryAverage, &[1, 2]), Some(2));
        assert_eq!(statistic(HistoryMedian, &[-1, -2]), Some(-2));
        assert_eq!(statistic(Fixed, &v), None);
        assert_eq!(statistic(HistoryAverage, &[]), None);
    }

    #[test]
    fn without_a_positive_statistic_the_fixed_value_holds() {
        assert_eq!(
            benchmark(HistoryAverage, 7, &[]),
            Benchmark { value: 7, basis: 0 }
        );
        assert_eq!(
            benchmark(HistoryMax, 7, &[-5, 0]),
            Benchmark { value: 7, basis: 0 }
        );
        assert_eq!(
            benchmark(Fixed, 7, &[100]),
            Benchmark { value: 7, basis: 0 }
        );
        assert_eq!(
            benchmark(HospitalAverage, 7, &[100, 300]),
            Benchmark {
                value: 200,
                basis: 2
            }
        );
    }

    #[test]
    fn the_window_is_the_periods_just_before() {
        let p: Period = "2026-02".parse().expect("a period");
        let names: Vec<String> = window(p, 3).iter().map(Period::to_string).collect();
        assert_eq!(names, ["2025-11", "2025-12", "2026-01"]);
        assert!(window(p, 0).is_empty());
    }

    #[test]
    fn a_lookback_goes_with_the_history_methods_only() {
        assert_eq!(lookback(HistoryMedian, Some(6)), Ok(Some(6)));
        assert!(lookback(HistoryMedian, None).is_err());
        assert!(lookback(HistoryMin, Some(0)).is_err());
        assert!(lookback(HistoryMin, Some(MAX_LOOKBACK + 1)).is_err());
        assert_eq!(lookback(Fixed, None), Ok(None));
        assert!(lookback(HospitalAverage, Some(3)).is_err());
    }

    proptest! {
        #[test]
        fn statistics_lie_between_the_extremes_and_ignore_order(
            mut values in prop::collection::vec(-10_000_000_000_000i64..10_000_000_000_000, 1..40),
            seed in any::<u64>(),
        ) {
            let (lo, hi) = (*values.iter().min().expect("one value"), *values.iter().max().expect("one value"));
            let before: Vec<Option<i64>> =
                BenchmarkMethod::ALL.iter().map(|m| statistic(*m, &values)).collect();
            for m in [HistoryAverage, HistoryMedian, HistoryMax, HistoryMin, HospitalAverage] {
                let s = statistic(m, &values).expect("a statistic");
                prop_assert!(lo <= s && s <= hi, "{m}: {s} outside [{lo}, {hi}]");
            }
            prop_assert_eq!(statistic(HistoryMax, &values), Some(hi));
            prop_assert_eq!(statistic(HistoryMin, &values), Some(lo));
            // Shuffled, every statistic is the same.
            let n = values.len();
            for i in (1..n).rev() {
                values.swap(i, (seed as usize ^ i.wrapping_mul(2_654_435_761)) % (i + 1));
            }
            let after: Vec<Option<i64>> =
                BenchmarkMethod::ALL.iter().map(|m| statistic(*m, &values)).collect();
            prop_assert_eq!(before, after);
        }

        #[test]
        fn the_average_is_the_exact_mean_rounded_half_away_from_zero(
            values in prop::collection::vec(-10_000_000_000_000i64..10_000_000_000_000, 1..40),
        ) {
            let sum: Decimal = values.iter().map(|&v| Decimal::from(v)).sum();
            let exact = sum / Decimal::from(values.len());
            let rounded = exact.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(statistic(HistoryAverage, &values).map(Decimal::from), Some(rounded));
        }

        #[test]
        fn a_constant_history_is_its_own_benchmark(v in 1i64..10_000_000_000, n in 1usize..30, fixed in 1i64..100) {
            for m in [HistoryAverage, HistoryMedian, HistoryMax, HistoryMin, HospitalAverage] {
                prop_assert_eq!(benchmark(m, fixed, &vec![v; n]), Benchmark { value: v, basis: n as u32 });
            }
        }
    }
}
