//! Bills: lines at catalogue prices, the insurance / self-pay split, and the bill's own status machine
//! (PENDING → PAID → REFUNDED).
use crate::domain::{
    foundation::money::Amount,
    foundation::vocab::{DoctorTitle, vocabulary},
};
use rust_decimal::{Decimal, RoundingStrategy};

vocabulary!(BillingStatus {
    Pending,
    Paid,
    Refunded
});

vocabulary!(PaymentMethod {
    Cash,
    Card,
    Wechat,
    Alipay,
    InsuranceCard
});

/// The catalogue code of the registration fee for a doctor's title.
pub fn registration_item_code(title: DoctorTitle) -> &'static str {
    match title {
        DoctorTitle::Chief => "REG-CHIEF",
        DoctorTitle::AssociateChief => "REG-ASSOC",
        DoctorTitle::Attending => "REG-ATTEND",
        DoctorTitle::Resident => "REG-RES",
    }
}

/// The consultation fee every visit carries.
pub const CONSULTATION_ITEM_CODE: &str = "CONS-GEN";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("a line amount is out of range")]
    Overflow,
    #[error("the insurance share must be between 0 and the total")]
    InsuranceOutOfRange,
}

/// unit price × quantity, rounded half away from zero to four places.
pub fn line_amount(unit_price: Amount, quantity: Amount) -> Result<Amount, BillingError> {
    let exact = unit_price
        .to_decimal()
        .checked_mul(quantity.to_decimal())
        .ok_or(BillingError::Overflow)?;
    Amount::round_from(exact).map_err(|_| BillingError::Overflow)
}

pub fn total(lines: impl IntoIterator<Item = Amount>) -> Result<Amount, BillingError> {
    lines
        .into_iter()
        .try_fold(0_i64, |acc, a| acc.checked_add(a.scaled()))
        .map(Amount::from_scaled)
        .ok_or(BillingError::Overflow)
}

/// The insurance share for a ratio (ten-thousandths of the whole), rounded to the fen (0.01 yuan) half away
/// from zero, as cashiers settle.
pub fn insurance_share(total: Amount, ratio: Amount) -> Amount {
    let share = total.to_decimal() * ratio.to_decimal();
    let rounded = share.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Amount::from_decimal(rounded.min(total.to_decimal()).max(Decimal::ZERO)).unwrap_or(Amount::ZERO)
}

/// (insurance, self-pay) for an insurance amount chosen at the desk: it must lie within the total, and the two
/// always add up to it.
pub fn split(total: Amount, insurance: Amount) -> Result<(Amount, Amount), BillingError> {
    if insurance < Amount::ZERO || insurance > total {
        return Err(BillingError::InsuranceOutOfRange);
    }
    Ok((
        insurance,
        Amount::from_scaled(total.scaled() - insurance.scaled()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn yuan(s: &str) -> Amount {
        Amount::from_decimal(Decimal::from_str(s).expect("decimal")).expect("amount")
    }

    #[test]
    fn lines_totals_and_shares() {
        assert_eq!(line_amount(yuan("12.35"), yuan("3")), Ok(yuan("37.05")));
        assert_eq!(line_amount(yuan("0.3333"), yuan("0.5")), Ok(yuan("0.1667")));
        assert_eq!(
            total([yuan("30"), yuan("10"), yuan("37.05")]),
            Ok(yuan("77.05"))
        );
        // 77.05 × 0.7 = 53.935 → 53.94 (half away from zero).
        assert_eq!(insurance_share(yuan("77.05"), yuan("0.7")), yuan("53.94"));
        assert_eq!(insurance_share(yuan("77.05"), yuan("0")), yuan("0"));
        assert_eq!(
            split(yuan("77.05"), yuan("53.94")),
            Ok((yuan("53.94"), yuan("23.11")))
        );
        assert_eq!(
            split(yuan("77.05"), yuan("77.06")),
            Err(BillingError::InsuranceOutOfRange)
        );
    }

    proptest! {
        #[test]
        fn the_split_always_adds_up_and_stays_within_the_total(total in 0i64..10_000_000_000, ratio in 0i64..=10_000) {
            let total = Amount::from_scaled(total);
            let insurance = insurance_share(total, Amount::from_scaled(ratio));
            let (ins, own) = split(total, insurance).expect("share within total");
            prop_assert_eq!(ins.scaled() + own.scaled(), total.scaled());
            prop_assert!(ins >= Amount::ZERO && own >= Amount::ZERO);
        }
    }
}
