//! The value formulas of the accounting pipeline, on integer ten-thousandths.
//!
//! The pipeline computes these in SQL; these functions are their definition, used by the orientation step (a few
//! rows, computed here) and by the tests that hold the SQL to them. Every division rounds half away from zero.
/// 1.0 in ten-thousandths.
pub const ONE: i64 = 10_000;

/// The largest node weight: a coefficient, or a unit price in yuan per unit of workload.
pub const MAX_WEIGHT: i64 = 1_000 * ONE;
/// The largest intensity of an orientation band: at most ten times the node's weight.
pub const MAX_INTENSITY: i64 = 10 * ONE;
/// The largest magnitude of an imported amount or quantity (one line, one record), as `import_layout` reads it.
pub const MAX_AMOUNT: i64 = crate::domain::accounting::import_layout::MAX_UNITS * ONE;
/// The largest whole a ratio is computed of, exactly, by the pipeline's SQL ([`ratio_in_i64`]): 92 trillion yuan.
/// A single line at [`MAX_AMOUNT`] valued at [`MAX_WEIGHT`] × [`MAX_INTENSITY`] (10 trillion yuan) is a ninth of it.
pub const MAX_RATIO_WHOLE: i64 = i64::MAX / 10;

/// `numerator ÷ denominator`, rounded half away from zero; `None` when the denominator is zero.
pub fn div_round(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (numerator.abs(), denominator.abs());
    let q = (2 * n + d) / (2 * d);
    Some(if (numerator < 0) != (denominator < 0) {
        -q
    } else {
        q
    })
}

/// `a × b` of two ten-thousandths values, in ten-thousandths (a value from an amount and a weight).
pub fn mul(a: i64, b: i64) -> i64 {
    let product = div_round(i128::from(a) * i128::from(b), i128::from(ONE)).unwrap_or_default();
    i64::try_from(product).unwrap_or(if product < 0 { i64::MIN } else { i64::MAX })
}

/// `part ÷ whole` in ten-thousandths (a ratio to four places); `None` when `whole` is zero.
pub fn ratio(part: i64, whole: i64) -> Option<i64> {
    div_round(i128::from(part) * i128::from(ONE), i128::from(whole))
        .and_then(|r| i64::try_from(r).ok())
}

/// The relative change from `previous` to `current` ((current − previous) ÷ |previous|), in ten-thousandths.
pub fn change(current: i64, previous: i64) -> Option<i64> {
    ratio(current - previous, previous.abs())
}

/// [`mul`] the way the pipeline's SQL computes it, in 64-bit integers (`None` where an intermediate overflows):
/// `a = q·10000 + r` (truncated, so `q` and `r` share `a`'s sign), `a × w ÷ 10000 = q·w + r·w ÷ 10000`, and only
/// the second term needs rounding. Never wider than the result itself, where `a × w` would overflow past
/// ±922 billion yuan × 1.
pub fn mul_in_i64(a: i64, w: i64) -> Option<i64> {
    let (q, r) = (a / ONE, a % ONE);
    let rw = r.checked_mul(w)?;
    let rounded = if rw >= 0 {
        (rw + ONE / 2) / ONE
    } else {
        -((ONE / 2 - rw) / ONE)
    };
    q.checked_mul(w)?.checked_add(rounded)
}

/// [`ratio`] the way the pipeline's SQL computes it, in 64-bit integers (`None` where an intermediate
/// overflows): long division of |part| by |whole|, the integer part and then four decimal digits one at a time
/// (a remainder times 10 stays below 10·|whole|), rounded half away from zero by comparing the last remainder
/// with what is left of the whole. Exact for every |whole| up to [`MAX_RATIO_WHOLE`].
pub fn ratio_in_i64(part: i64, whole: i64) -> Option<i64> {
    if whole == 0 {
        return None;
    }
    let (p, w) = (part.checked_abs()?, whole.checked_abs()?);
    let mut q = (p / w).checked_mul(ONE)?;
    let mut r = p % w;
    for place in [1_000, 100, 10, 1] {
        let t = r.checked_mul(10)?;
        q = q.checked_add(t / w * place)?;
        r = t % w;
    }
    if r >= w - r {
        q = q.checked_add(1)?;
    }
    Some(if (part < 0) != (whole < 0) && part != 0 {
        -q
    } else {
        q
    })
}

/// A rung of an orientation ladder: `[lower, upper)` of the ratio actual ÷ benchmark (ten-thousandths), open
/// upwards when `upper` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    pub lower: i64,
    pub upper: Option<i64>,
    pub intensity: i64,
}

impl Band {
    pub fn contains(&self, ratio: i64) -> bool {
        ratio >= self.lower && self.upper.is_none_or(|u| ratio < u)
    }
}

/// Why an orientation rule did not change a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// No orientation value was imported for the department, node and period.
    NoActualValue,
    /// The ratio falls in no band of the ladder.
    NoMatchingBand,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::NoActualValue => "NO_ACTUAL_VALUE",
            Skip::NoMatchingBand => "NO_MATCHING_BAND",
        }
    }
}

/// The outcome of one rule for one department.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjustment {
    pub ratio: Option<i64>,
    pub intensity: Option<i64>,
    pub adjusted_weight: i64,
    pub skipped: Option<Skip>,
}

/// weight = node weight × the intensity of the band that actual ÷ benchmark (rounded to four places first) falls
/// in. `benchmark` is positive (the database checks it).
pub fn orient(weight: i64, actual: Option<i64>, benchmark: i64, ladder: &[Band]) -> Adjustment {
    let skip = |ratio, reason| Adjustment {
        ratio,
        intensity: None,
        adjusted_weight: weight,
        skipped: Some(reason),
    };
    let Some(actual) = actual else {
        return skip(None, Skip::NoActualValue);
    };
    let Some(r) = ratio(actual, benchmark) else {
        return skip(None, Skip::NoMatchingBand);
    };
    match ladder.iter().find(|b| b.contains(r)) {
        Some(band) => Adjustment {
            ratio: Some(r),
            intensity: Some(band.intensity),
            adjusted_weight: mul(weight, band.intensity),
            skipped: None,
        },
        None => skip(Some(r), Skip::NoMatchingBand),
    }
}

/// Whether two ladders' bands overlap (a ratio would pick more than one).
pub fn overlapping(bands: &[Band]) -> bool {
    bands.iter().enumerate().any(|(i, a)| {
        bands[i + 1..].iter().any(|b| {
            let a_below_b = a.upper.is_some_and(|u| u <= b.lower);
            let b_below_a = b.upper.is_some_and(|u| u <= a.lower);
            !(a_below_b || b_below_a)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn divisions_round_half_away_from_zero() {
        assert_eq!(div_round(5, 2), Some(3));
        assert_eq!(div_round(-5, 2), Some(-3));
        assert_eq!(div_round(5, -2), Some(-3));
        assert_eq!(div_round(4, 3), Some(1));
        assert_eq!(div_round(-4, 3), Some(-1));
        assert_eq!(div_round(1, 0), None);
        // 12.3456 yuan × 1.5 = 18.5184; 0.0001 × 0.5 = 0.00005 → 0.0001.
        assert_eq!(mul(123_456, 15_000), 185_184);
        assert_eq!(mul(1, 5_000), 1);
        assert_eq!(mul(-1, 5_000), -1);
        assert_eq!(ratio(1, 3), Some(3_333));
        assert_eq!(ratio(2, 3), Some(6_667));
        assert_eq!(ratio(-2, 3), Some(-6_667));
        assert_eq!(ratio(5, 0), None);
        assert_eq!(change(120, 100), Some(2_000));
        assert_eq!(change(-50, -100), Some(5_000));
        assert_eq!(change(0, 0), None);
    }

    #[test]
    fn orientation_picks_the_half_open_band() {
        let ladder = [
            Band {
                lower: 0,
                upper: Some(8_000),
                intensity: 9_000,
            },
            Band {
                lower: 8_000,
                upper: Some(12_000),
                intensity: 10_000,
            },
            Band {
                lower: 12_000,
                upper: None,
                intensity: 12_000,
            },
        ];
        // 80 ÷ 100 = 0.8 → the second band (lower bounds are inclusive).
        let a = orient(15_000, Some(800_000), 1_000_000, &ladder);
        assert_eq!(
            (a.ratio, a.intensity, a.adjusted_weight),
            (Some(8_000), Some(10_000), 15_000)
        );
        // 0.79995 rounds to 0.8000 before the band is chosen.
        let a = orient(15_000, Some(79_995), 100_000, &ladder);
        assert_eq!(a.ratio, Some(8_000));
        let a = orient(15_000, Some(2_000_000), 1_000_000, &ladder);
        assert_eq!((a.intensity, a.adjusted_weight), (Some(12_000), 18_000));
        let a = orient(15_000, None, 1_000_000, &ladder);
        assert_eq!(
            (a.skipped, a.adjusted_weight),
            (Some(Skip::NoActualValue), 15_000)
        );
        // −0.000001 rounds to 0.0000, inside the first band.
        let a = orient(15_000, Some(-1), 1_000_000, &ladder);
        assert_eq!((a.skipped, a.intensity), (None, Some(9_000)));
        let a = orient(15_000, Some(-100), 1_000_000, &ladder);
        assert_eq!((a.skipped, a.ratio), (Some(Skip::NoMatchingBand), Some(-1)));
    }

    #[test]
    fn overlapping_bands_are_found() {
        let b = |lower, upper| Band {
            lower,
            upper,
            intensity: ONE,
        };
        assert!(!overlapping(&[
            b(0, Some(10)),
            b(10, Some(20)),
            b(20, None)
        ]));
        assert!(overlapping(&[b(0, Some(11)), b(10, Some(20))]));
        assert!(overlapping(&[b(0, None), b(10, Some(20))]));
        assert!(overlapping(&[b(5, None), b(10, None)]));
    }

    /// The extremes of every accepted input, and the values around them.
    fn extreme(max: i64) -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(max),
            Just(-max),
            Just(0),
            Just(1),
            Just(-1),
            (max - 20_000)..=max,
            -max..=(-max + 20_000),
            -max..=max,
        ]
    }

    #[test]
    fn the_extremes_fit() {
        let weight = mul(MAX_WEIGHT, MAX_INTENSITY);
        assert_eq!(weight, 10_000 * ONE);
        // One line at the largest amount, at the largest weight: 10 trillion yuan, under a ninth of what a ratio
        // may be taken of.
        assert_eq!(mul_in_i64(MAX_AMOUNT, weight), Some(MAX_AMOUNT * 10_000));
        const { assert!(MAX_AMOUNT * 10_000 * 9 < MAX_RATIO_WHOLE) };
        assert_eq!(
            ratio_in_i64(i64::MAX, MAX_RATIO_WHOLE),
            ratio(i64::MAX, MAX_RATIO_WHOLE)
        );
        assert_eq!(ratio_in_i64(1, MAX_RATIO_WHOLE), Some(0));
        assert_eq!(
            ratio_in_i64(MAX_RATIO_WHOLE / 2, MAX_RATIO_WHOLE),
            Some(5_000)
        );
    }

    proptest! {
        /// The pipeline's 64-bit evaluation of a value (amount × weight) equals the exact one for every amount the
        /// BIGINT columns hold and every weight the API accepts (a node's times an intensity), whenever the
        /// value itself fits.
        #[test]
        fn values_are_exact_in_64_bits(a in extreme(i64::MAX), w in extreme(mul(MAX_WEIGHT, MAX_INTENSITY))) {
            let w = w.abs();
            let exact = div_round(i128::from(a) * i128::from(w), i128::from(ONE)).expect("ONE is not 0");
            if let Ok(exact) = i64::try_from(exact) {
                // Within a weight of the edge the product of the truncated part may not fit; no sum of lines
                // the columns can hold gets there.
                if exact.checked_abs().is_some_and(|e| e < i64::MAX - w) {
                    prop_assert_eq!(mul_in_i64(a, w), Some(exact));
                }
            }
        }

        /// A single accepted line at any accepted weight is valued without overflow.
        #[test]
        fn accepted_lines_are_valued(
            a in extreme(MAX_AMOUNT),
            w in 0..=MAX_WEIGHT,
            i in 0..=MAX_INTENSITY,
        ) {
            let weight = mul(w, i);
            prop_assert_eq!(mul_in_i64(a, weight), Some(mul(a, weight)));
        }

        /// The pipeline's 64-bit ratio equals the exact one for every whole up to the bound, whatever the part,
        /// whenever the ratio itself fits.
        #[test]
        fn ratios_are_exact_in_64_bits(part in extreme(i64::MAX), whole in extreme(MAX_RATIO_WHOLE)) {
            if let Some(exact) = ratio(part, whole) {
                prop_assert_eq!(ratio_in_i64(part, whole), Some(exact));
            } else {
                prop_assert!(whole == 0 || ratio_in_i64(part, whole).is_none());
            }
        }

        /// Rounding is symmetric: −x rounds to −(x rounded), so a cost's value mirrors the amount's.
        #[test]
        fn rounding_is_symmetric(a in -10_000_000_000i64..10_000_000_000, w in 0i64..200_000) {
            prop_assert_eq!(mul(-a, w), -mul(a, w));
        }

        /// The rounded value is within half a unit of the exact product.
        #[test]
        fn rounding_is_nearest(a in -10_000_000_000i64..10_000_000_000, w in 0i64..200_000) {
            let exact = i128::from(a) * i128::from(w);
            let err = (i128::from(mul(a, w)) * 10_000 - exact).abs();
            prop_assert!(err <= 5_000);
        }
    }
}
