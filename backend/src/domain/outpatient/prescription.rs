//! How a drug is to be taken (用法用量) and how much of it to dispense: a dose in a unit, a route, a frequency
//! and a number of days; from a catalogue item that knows its dose per unit and units per pack, the packs to
//! dispense follow.
use crate::domain::foundation::{money::Amount, vocab::vocabulary};

vocabulary!(
    /// 口服, 舌下, 静脉注射, 静脉滴注, 肌内注射, 皮下注射, 外用, 吸入, 滴眼, 滴鼻, 直肠, 其他.
    Route { Oral, Sublingual, Iv, Ivgtt, Im, Sc, Topical, Inhaled, Eye, Nasal, Rectal, Other }
);

vocabulary!(
    /// qd 每日一次, bid 每日两次, tid 每日三次, qid 每日四次, qn 每晚一次, q8h 每8小时, q12h 每12小时,
    /// qw 每周一次, prn 必要时, st 立即（一次）.
    Frequency { Qd, Bid, Tid, Qid, Qn, Q8h, Q12h, Qw, Prn, St }
);

impl Frequency {
    /// How many doses `days` days of it make; none for PRN, which the doctor counts.
    pub fn doses(self, days: u32) -> Option<u32> {
        let per_day = match self {
            Frequency::Qd | Frequency::Qn => 1,
            Frequency::Bid | Frequency::Q12h => 2,
            Frequency::Tid | Frequency::Q8h => 3,
            Frequency::Qid => 4,
            Frequency::Qw => return Some(days.div_ceil(7)),
            Frequency::St => return Some(1),
            Frequency::Prn => return None,
        };
        days.checked_mul(per_day)
    }
}

/// The most days a prescription may cover.
pub const MAX_DAYS: u32 = 90;

/// How a drug line is to be taken.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Ten-thousandths of `dose_unit`.
    pub dose: i64,
    pub dose_unit: String,
    pub route: Route,
    pub frequency: Frequency,
    pub days: u32,
}

/// What the catalogue knows of a drug's packing: each smallest unit (tablet, capsule, ampoule) holds
/// `unit_dose` of `dose_unit`, and a pack (the unit sold) holds `pack_units` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packing<'a> {
    pub dose_unit: &'a str,
    pub unit_dose: Amount,
    pub pack_units: u32,
}

/// The packs to dispense: whole units per dose, times the doses, in whole packs. None where it cannot be
/// known (PRN, a dose in another unit than the catalogue's, no packing).
pub fn packs(usage: &Usage, packing: &Packing) -> Option<Amount> {
    if usage.dose_unit != packing.dose_unit
        || packing.unit_dose.scaled() <= 0
        || packing.pack_units == 0
        || usage.dose <= 0
    {
        return None;
    }
    let per_dose = (usage.dose + packing.unit_dose.scaled() - 1) / packing.unit_dose.scaled();
    let units = per_dose.checked_mul(i64::from(usage.frequency.doses(usage.days)?))?;
    let packs = (units + i64::from(packing.pack_units) - 1) / i64::from(packing.pack_units);
    packs.checked_mul(10_000).map(Amount::from_scaled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usage(dose: i64, frequency: Frequency, days: u32) -> Usage {
        Usage {
            dose: dose * 10_000,
            dose_unit: "mg".into(),
            route: Route::Oral,
            frequency,
            days,
        }
    }

    const AMOXICILLIN: Packing = Packing {
        dose_unit: "mg",
        unit_dose: Amount::from_scaled(250 * 10_000),
        pack_units: 24,
    };

    #[test]
    fn packs_for_the_course() {
        // 500 mg = 2 capsules of 250 mg, three times a day for 5 days: 30 capsules, 2 boxes of 24.
        assert_eq!(
            packs(&usage(500, Frequency::Tid, 5), &AMOXICILLIN),
            Some(Amount::from_scaled(20_000))
        );
        // 300 mg is still 2 whole capsules; once a day for 7 days: 14, one box.
        assert_eq!(
            packs(&usage(300, Frequency::Qd, 7), &AMOXICILLIN),
            Some(Amount::from_scaled(10_000))
        );
        // Once, now: one capsule, one box.
        assert_eq!(
            packs(&usage(250, Frequency::St, 3), &AMOXICILLIN),
            Some(Amount::from_scaled(10_000))
        );
        assert_eq!(Frequency::Qw.doses(8), Some(2));
        // The doctor counts PRN, and another unit cannot be compared.
        assert_eq!(packs(&usage(500, Frequency::Prn, 5), &AMOXICILLIN), None);
        let mut grams = usage(1, Frequency::Bid, 5);
        grams.dose_unit = "g".into();
        assert_eq!(packs(&grams, &AMOXICILLIN), None);
    }

    proptest! {
        #[test]
        fn the_packs_hold_every_dose_and_not_a_pack_more(
            dose in 1_i64..5_000_000, unit in 1_i64..5_000_000, per_pack in 1_u32..200, days in 1_u32..=MAX_DAYS,
            frequency in prop::sample::select(Frequency::ALL.to_vec()),
        ) {
            let u = Usage { dose, dose_unit: "mg".into(), route: Route::Oral, frequency, days };
            let p = Packing { dose_unit: "mg", unit_dose: Amount::from_scaled(unit), pack_units: per_pack };
            match (packs(&u, &p), frequency.doses(days)) {
                (Some(packs), Some(doses)) => {
                    let packs = packs.scaled() / 10_000;
                    let capacity = i128::from(packs) * i128::from(per_pack) * i128::from(unit);
                    let needed = i128::from(dose) * i128::from(doses);
                    prop_assert!(capacity >= needed);
                    // One pack fewer would not do: it lacks whole units for some dose.
                    let per_dose = (dose + unit - 1) / unit;
                    prop_assert!((packs - 1) * i64::from(per_pack) < per_dose * i64::from(doses));
                }
                (None, None) => {}
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
