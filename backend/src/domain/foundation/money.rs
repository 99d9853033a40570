//! Money and quantities: exact decimals with four places, stored as integer ten-thousandths.
//!
//! Every database sums integers exactly, so totals never depend on summation order; only this
//! module knows the scale.
use rust_decimal::{Decimal, RoundingStrategy};

pub const SCALE: u32 = 4;
const FACTOR: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must have at most 4 decimal places")]
    TooPrecise,
    #[error("is out of range")]
    OutOfRange,
    #[error("must not be negative")]
    Negative,
}

/// Ten-thousandths of a unit (yuan, or one of whatever a quantity counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub const fn from_scaled(raw: i64) -> Self {
        Self(raw)
    }

    pub fn scaled(self) -> i64 {
        self.0
    }

    /// Exact conversion: a value with more than four decimal places is refused, never rounded silently.
    pub fn from_decimal(value: Decimal) -> Result<Self, AmountError> {
        let normalized = value.normalize();
        if normalized.scale() > SCALE {
            return Err(AmountError::TooPrecise);
        }
        let scaled = normalized
            .checked_mul(Decimal::from(FACTOR))
            .ok_or(AmountError::OutOfRange)?;
        i64::try_from(scaled)
            .map(Self)
            .map_err(|_| AmountError::OutOfRange)
    }

    pub fn non_negative(value: Decimal) -> Result<Self, AmountError> {
        let amount = Self::from_decimal(value)?;
        if amount.0 < 0 {
            Err(AmountError::Negative)
        } else {
            Ok(amount)
        }
    }

    /// Rounds half away from zero to four places first, as every computed value in the system does.
    pub fn round_from(value: Decimal) -> Result<Self, AmountError> {
        Self::from_decimal(
            value.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero),
        )
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, SCALE)
    }
}

/// The same amount the other way (a refund's reversal of a charge line).
impl std::ops::Neg for Amount {
    type Output = Amount;
    fn neg(self) -> Amount {
        Amount(-self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal literal")
    }

    #[test]
    fn converts_exactly_and_refuses_extra_precision() {
        assert_eq!(Amount::from_decimal(dec("12.5")), Ok(Amount(125_000)));
        assert_eq!(Amount::from_decimal(dec("0.00010")), Ok(Amount(1)));
        assert_eq!(
            Amount::from_decimal(dec("0.00001")),
            Err(AmountError::TooPrecise)
        );
        assert_eq!(Amount::non_negative(dec("-1")), Err(AmountError::Negative));
        assert_eq!(Amount(125_000).to_decimal().to_string(), "12.5000");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(Amount::round_from(dec("0.00005")), Ok(Amount(1)));
        assert_eq!(Amount::round_from(dec("-0.00005")), Ok(Amount(-1)));
        assert_eq!(Amount::round_from(dec("0.00015")), Ok(Amount(2)));
    }

    proptest! {
        #[test]
        fn round_trips_through_decimal(raw in -1_000_000_000_000i64..1_000_000_000_000) {
            let a = Amount::from_scaled(raw);
            prop_assert_eq!(Amount::from_decimal(a.to_decimal()), Ok(a));
        }
    }
}
