//! What the insurance fund pays of a bill (医保报销): a hospital's policy for an insurance type gives the share
//! the fund pays, per item category where it says so; the deductible (起付线) of a visit is the patient's own,
//! and the fund pays at most the cap (封顶线) per visit. The fund's share is settled to the fen and spread over
//! the lines so that they add up to it exactly.
use crate::domain::foundation::{
    money::Amount,
    vocab::{InsuranceType, ItemCategory, vocabulary},
};
use chrono::NaiveDate;
use std::collections::HashMap;

vocabulary!(
    /// Where a line's insurance share comes from: the policy's ratio for the insurance type, its ratio for the
    /// line's item category, or an amount the cashier set for the whole bill.
    InsuranceRule { Default, Category, Desk }
);

/// A whole share, in ten-thousandths.
pub const WHOLE: i64 = 10_000;
/// One fen (0.01 yuan), in ten-thousandths.
const FEN: i64 = 100;

/// The rules of an insurance type's policy that a bill needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The share the fund pays of an item without a ratio of its own category.
    pub ratio: Amount,
    pub categories: Vec<(ItemCategory, Amount)>,
    /// What the patient pays first in a visit, of the items the fund covers.
    pub deductible: Option<Amount>,
    /// The most the fund pays for one visit.
    pub cap: Option<Amount>,
}

impl Policy {
    /// The ratio for an item category, and whether it is the category's own.
    pub fn ratio_for(&self, category: ItemCategory) -> (Amount, InsuranceRule) {
        match self.categories.iter().find(|(c, _)| *c == category) {
            Some((_, ratio)) => (*ratio, InsuranceRule::Category),
            None => (self.ratio, InsuranceRule::Default),
        }
    }
}

/// The policies in force on `day`, of `(id, insurance type, effective from)`: of each type, the latest that
/// starts by then.
pub fn in_force(
    policies: impl IntoIterator<Item = (i64, InsuranceType, NaiveDate)>,
    day: NaiveDate,
) -> Vec<i64> {
    let mut latest: HashMap<InsuranceType, (NaiveDate, i64)> = HashMap::new();
    for (id, kind, from) in policies.into_iter().filter(|(_, _, from)| *from <= day) {
        let slot = latest.entry(kind).or_insert((from, id));
        if from > slot.0 {
            *slot = (from, id);
        }
    }
    latest.values().map(|(_, id)| *id).collect()
}

/// A ratio is a share of the whole: 0 to 1.
pub fn is_ratio(value: Amount) -> bool {
    (0..=WHOLE).contains(&value.scaled())
}

/// One line's part of the fund's payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineShare {
    pub ratio: Amount,
    pub rule: InsuranceRule,
    /// The part of the line that went to the deductible.
    pub deducted: Amount,
    pub insurance: Amount,
}

/// The fund's payment for a bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub lines: Vec<LineShare>,
    pub insurance: Amount,
    /// How much of the deductible the visit used.
    pub deducted: Amount,
    /// How much the cap took off the fund's share.
    pub capped: Amount,
}

/// The fund's share of a bill with lines of (category, amount), under `policy` (none: the fund pays nothing).
/// Lines consume the deductible in their order; the share is rounded to the fen half away from zero, kept
/// within the total and the cap, then spread over the lines in proportion to what each would get.
pub fn cover(policy: Option<&Policy>, lines: &[(ItemCategory, Amount)]) -> Coverage {
    let Some(policy) = policy else {
        return uncovered(lines);
    };
    let mut deductible = policy.deductible.map_or(0, Amount::scaled);
    let mut shares = Vec::with_capacity(lines.len());
    // Exact shares, in ten-thousandths of ten-thousandths.
    let mut exact = Vec::with_capacity(lines.len());
    for &(category, amount) in lines {
        let (ratio, rule) = policy.ratio_for(category);
        let deducted = if ratio.scaled() > 0 {
            amount.scaled().clamp(0, deductible)
        } else {
            0
        };
        deductible -= deducted;
        exact.push(i128::from(amount.scaled() - deducted) * i128::from(ratio.scaled()));
        shares.push(LineShare {
            ratio,
            rule,
            deducted: Amount::from_scaled(deducted),
            insurance: Amount::ZERO,
        });
    }
    let total: i64 = lines.iter().map(|(_, a)| a.scaled()).sum();
    let sum: i128 = exact.iter().sum();
    let due = round_to_fen(sum).min(i128::from(total)).max(0) as i64;
    let paid = policy.cap.map_or(due, |cap| due.min(cap.scaled()));
    let limits: Vec<i64> = lines.iter().map(|(_, a)| a.scaled()).collect();
    for (share, part) in shares.iter_mut().zip(allocate(paid, &exact, &limits)) {
        share.insurance = Amount::from_scaled(part);
    }
    Coverage {
        deducted: Amount::from_scaled(shares.iter().map(|s| s.deducted.scaled()).sum()),
        lines: shares,
        insurance: Amount::from_scaled(paid),
        capped: Amount::from_scaled(due - paid),
    }
}

/// The bill with the cashier's amount for the fund instead of the policy's (within the total): it is spread
/// over the lines as the policy's share would have been, or by amount where the policy gives nothing.
pub fn at_desk(policy: &Coverage, lines: &[(ItemCategory, Amount)], insurance: Amount) -> Coverage {
    let limits: Vec<i64> = lines.iter().map(|(_, a)| a.scaled()).collect();
    let by_policy: Vec<i128> = policy
        .lines
        .iter()
        .map(|s| i128::from(s.insurance.scaled()))
        .collect();
    let weights = if by_policy.iter().any(|w| *w > 0) {
        by_policy
    } else {
        limits.iter().map(|a| i128::from(*a)).collect()
    };
    let parts = allocate(insurance.scaled(), &weights, &limits);
    Coverage {
        lines: policy
            .lines
            .iter()
            .zip(parts)
            .map(|(s, part)| LineShare {
                rule: InsuranceRule::Desk,
                insurance: Amount::from_scaled(part),
                ..*s
            })
            .collect(),
        insurance,
        deducted: policy.deducted,
        capped: Amount::ZERO,
    }
}

fn uncovered(lines: &[(ItemCategory, Amount)]) -> Coverage {
    Coverage {
        lines: lines
            .iter()
            .map(|_| LineShare {
                ratio: Amount::ZERO,
                rule: InsuranceRule::Default,
                deducted: Amount::ZERO,
                insurance: Amount::ZERO,
            })
            .collect(),
        insurance: Amount::ZERO,
        deducted: Amount::ZERO,
        capped: Amount::ZERO,
    }
}

/// Ten-thousandths of ten-thousandths → ten-thousandths, at whole fens, half away from zero.
fn round_to_fen(exact: i128) -> i128 {
    let fen = i128::from(WHOLE * FEN);
    let fens = (exact.abs() + fen / 2) / fen;
    exact.signum() * fens * i128::from(FEN)
}

/// Splits `total` (at most the sum of `limits`) over lines in proportion to `weights`: whole fens first, the
/// largest remainders taking the fens left over, no line above its limit; what cannot go in whole fens goes
/// to the lines in order.
fn allocate(total: i64, weights: &[i128], limits: &[i64]) -> Vec<i64> {
    let mut parts = vec![0_i64; limits.len()];
    let weight: i128 = weights.iter().sum();
    if weight > 0 {
        let fens = i128::from(total / FEN);
        let mut remainders = Vec::with_capacity(limits.len());
        for (i, (w, limit)) in weights.iter().zip(limits).enumerate() {
            let quota = fens * w;
            let whole = i64::try_from(quota / weight).unwrap_or(i64::MAX);
            parts[i] = whole.min(limit / FEN) * FEN;
            remainders.push((quota % weight, i));
        }
        remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut left = total - parts.iter().sum::<i64>();
        for (_, i) in remainders {
            if left >= FEN && parts[i] + FEN <= limits[i] {
                parts[i] += FEN;
                left -= FEN;
            }
        }
    }
    let mut left = total - parts.iter().sum::<i64>();
    for (part, limit) in parts.iter_mut().zip(limits) {
        let take = (limit - *part).clamp(0, left.max(0));
        *part += take;
        left -= take;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn yuan(s: &str) -> Amount {
        Amount::from_decimal(Decimal::from_str(s).expect("decimal")).expect("amount")
    }

    fn policy(ratio: &str) -> Policy {
        Policy {
            ratio: yuan(ratio),
            categories: Vec::new(),
            deductible: None,
            cap: None,
        }
    }

    fn insurance(c: &Coverage) -> Vec<Amount> {
        c.lines.iter().map(|l| l.insurance).collect()
    }

    #[test]
    fn one_ratio_pays_the_rounded_share_of_the_total() {
        // 20 + 10 + 37.05 = 67.05; × 0.5 = 33.525 → 33.53, as the whole bill would round.
        let lines = [
            (ItemCategory::Registration, yuan("20")),
            (ItemCategory::Consultation, yuan("10")),
            (ItemCategory::Drug, yuan("37.05")),
        ];
        let c = cover(Some(&policy("0.5")), &lines);
        assert_eq!(c.insurance, yuan("33.53"));
        assert_eq!(insurance(&c), [yuan("10"), yuan("5"), yuan("18.53")]);
        assert!(c.lines.iter().all(|l| l.rule == InsuranceRule::Default));
        assert_eq!(cover(None, &lines).insurance, Amount::ZERO);
    }

    #[test]
    fn categories_deductible_and_cap() {
        let mut p = policy("0.7");
        p.categories = vec![
            (ItemCategory::Drug, yuan("0.9")),
            (ItemCategory::Registration, yuan("0")),
        ];
        p.deductible = Some(yuan("15"));
        let lines = [
            (ItemCategory::Registration, yuan("20")),
            (ItemCategory::Consultation, yuan("10")),
            (ItemCategory::Drug, yuan("50")),
        ];
        // Registration is not covered, so it does not count towards the deductible: consultation takes 10 of
        // it, the drug 5. The fund: 0 + 0 + 45 × 0.9 = 40.5.
        let c = cover(Some(&p), &lines);
        assert_eq!(c.deducted, yuan("15"));
        assert_eq!(
            c.lines.iter().map(|l| l.deducted).collect::<Vec<_>>(),
            [yuan("0"), yuan("10"), yuan("5")]
        );
        assert_eq!(insurance(&c), [yuan("0"), yuan("0"), yuan("40.5")]);
        assert_eq!(
            c.lines.iter().map(|l| l.rule).collect::<Vec<_>>(),
            [
                InsuranceRule::Category,
                InsuranceRule::Default,
                InsuranceRule::Category
            ]
        );
        p.cap = Some(yuan("30"));
        let c = cover(Some(&p), &lines);
        assert_eq!((c.insurance, c.capped), (yuan("30"), yuan("10.5")));
        assert_eq!(insurance(&c), [yuan("0"), yuan("0"), yuan("30")]);
    }

    #[test]
    fn the_latest_policy_started_by_the_day_is_in_force() {
        let day = |d: &str| d.parse::<NaiveDate>().expect("date");
        let policies = [
            (1, InsuranceType::employee(), day("2020-01-01")),
            (2, InsuranceType::employee(), day("2026-12-04")),
            (3, InsuranceType::employee(), day("2026-12-05")),
            (4, InsuranceType::resident(), day("2026-12-05")),
        ];
        assert_eq!(in_force(policies.clone(), day("2026-12-03")), [1]);
        assert_eq!(in_force(policies.clone(), day("2026-12-04")), [2]);
        let mut both = in_force(policies.clone(), day("2027-01-01"));
        both.sort_unstable();
        assert_eq!(both, [3, 4]);
    }

    #[test]
    fn the_desk_amount_is_spread_like_the_policys() {
        let lines = [
            (ItemCategory::Consultation, yuan("10")),
            (ItemCategory::Drug, yuan("30")),
        ];
        let c = cover(Some(&policy("0.5")), &lines);
        let desk = at_desk(&c, &lines, yuan("10.01"));
        assert_eq!(insurance(&desk), [yuan("2.5"), yuan("7.51")]);
        assert!(desk.lines.iter().all(|l| l.rule == InsuranceRule::Desk));
        // Nothing by policy: by amount.
        let none = cover(Some(&policy("0")), &lines);
        assert_eq!(
            insurance(&at_desk(&none, &lines, yuan("4"))),
            [yuan("1"), yuan("3")]
        );
    }

    fn arb_lines() -> impl Strategy<Value = Vec<(ItemCategory, Amount)>> {
        prop::collection::vec(
            (
                prop::sample::select(ItemCategory::ALL.to_vec()),
                0_i64..50_000_000,
            ),
            0..8,
        )
        .prop_map(|v| {
            v.into_iter()
                .map(|(c, a)| (c, Amount::from_scaled(a)))
                .collect()
        })
    }

    fn arb_policy() -> impl Strategy<Value = Policy> {
        (
            0..=WHOLE,
            prop::collection::vec(
                (prop::sample::select(ItemCategory::ALL.to_vec()), 0..=WHOLE),
                0..4,
            ),
            // Policies set the deductible and the cap in whole fens.
            prop::option::of((0_i64..100_000).prop_map(|f| f * FEN)),
            prop::option::of((0_i64..1_000_000).prop_map(|f| f * FEN)),
        )
            .prop_map(|(ratio, categories, deductible, cap)| Policy {
                ratio: Amount::from_scaled(ratio),
                categories: categories
                    .into_iter()
                    .map(|(c, r)| (c, Amount::from_scaled(r)))
                    .collect(),
                deductible: deductible.map(Amount::from_scaled),
                cap: cap.map(Amount::from_scaled),
            })
    }

    fn check(c: &Coverage, lines: &[(ItemCategory, Amount)]) -> Result<(), TestCaseError> {
        let total: i64 = lines.iter().map(|(_, a)| a.scaled()).sum();
        prop_assert_eq!(
            c.lines.iter().map(|l| l.insurance.scaled()).sum::<i64>(),
            c.insurance.scaled()
        );
        prop_assert!(c.insurance.scaled() <= total);
        for (share, (_, amount)) in c.lines.iter().zip(lines) {
            prop_assert!(share.insurance >= Amount::ZERO && share.insurance <= *amount);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn the_lines_add_up_to_the_share_within_every_limit(p in arb_policy(), lines in arb_lines()) {
            let c = cover(Some(&p), &lines);
            check(&c, &lines)?;
            if let Some(cap) = p.cap {
                prop_assert!(c.insurance <= cap);
            }
            prop_assert!(c.deducted <= p.deductible.unwrap_or(Amount::ZERO));
            // Whole fens, unless the total itself is not.
            let total: i64 = lines.iter().map(|(_, a)| a.scaled()).sum();
            prop_assert!(c.insurance.scaled() % FEN == 0 || c.insurance.scaled() == total);
        }

        #[test]
        fn one_ratio_pays_what_the_whole_bill_rounds_to(ratio in 0..=WHOLE, lines in arb_lines()) {
            let mut p = policy("0");
            p.ratio = Amount::from_scaled(ratio);
            let total = Amount::from_scaled(lines.iter().map(|(_, a)| a.scaled()).sum());
            let whole = crate::domain::outpatient::billing::insurance_share(total, p.ratio);
            prop_assert_eq!(cover(Some(&p), &lines).insurance, whole);
        }

        #[test]
        fn any_desk_amount_within_the_total_is_spread_exactly(p in arb_policy(), lines in arb_lines(), pick in 0.0f64..=1.0) {
            let total: i64 = lines.iter().map(|(_, a)| a.scaled()).sum();
            let amount = Amount::from_scaled((total as f64 * pick) as i64);
            let c = at_desk(&cover(Some(&p), &lines), &lines, amount);
            check(&c, &lines)?;
            prop_assert_eq!(c.insurance, amount);
        }
    }
}
