//! A hospital's booking rules: when a day's slots open (days ahead, at the release time 放号时间), when booking
//! closes before a slot (the cutoff), how many bookings a patient may hold, and the no-show rule (N no-shows
//! within a rolling period bar booking for M days). Walk-ins are not bound by the window, the cutoff, the
//! limit or the ban: the patient is at the desk.
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

pub const MAX_OPEN_DAYS_AHEAD: u32 = 90;
pub const MAX_CUTOFF_DAYS_BEFORE: u32 = 30;
pub const MAX_ACTIVE_BOOKINGS: u32 = 100;
pub const MAX_NO_SHOW_DAYS: u32 = 365;
pub const MAX_WAITLIST: u32 = 200;
pub const DEFAULT_WAITLIST: u32 = 20;

/// Booking closes `days_before` the slot's date at `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoff {
    pub days_before: u32,
    pub time: NaiveTime,
}

/// `limit` no-shows within `window_days` days bar booking for `ban_days` days after the last of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoShowRule {
    pub limit: u32,
    pub window_days: u32,
    pub ban_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRules {
    /// A slot opens this many days before its date, at `release_time`; `None`: as soon as it is scheduled.
    pub open_days_ahead: Option<u32>,
    pub release_time: NaiveTime,
    pub cutoff: Option<Cutoff>,
    /// Booked appointments a patient may hold at once (today's and later).
    pub max_active_bookings: Option<u32>,
    pub no_show: Option<NoShowRule>,
    /// How many patients one schedule's waitlist takes; 0: no waitlist.
    pub waitlist_limit: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            open_days_ahead: None,
            release_time: NaiveTime::MIN,
            cutoff: None,
            max_active_bookings: None,
            no_show: None,
            waitlist_limit: DEFAULT_WAITLIST,
        }
    }
}

/// Why the window refuses a booking, with the local time that decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowRefusal {
    /// Booking this slot opens at the time given.
    NotOpenYet(NaiveDateTime),
    /// Booking this slot closed at the time given.
    Closed(NaiveDateTime),
}

/// A running ban: `count` no-shows within the window, the last on `last`, booking barred through `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ban {
    pub count: u32,
    pub last: NaiveDate,
    pub until: NaiveDate,
}

impl BookingRules {
    /// When booking a slot on `date` opens, local time; `None`: it is open once scheduled.
    pub fn opens_at(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        self.open_days_ahead
            .map(|days| (date - Duration::days(i64::from(days))).and_time(self.release_time))
    }

    /// When booking a slot on `date` closes by the cutoff, local time (the slot's end closes it anyway).
    pub fn closes_at(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        self.cutoff
            .map(|c| (date - Duration::days(i64::from(c.days_before))).and_time(c.time))
    }

    /// Whether a slot on `date` may be booked at local time `now`: from its opening (inclusive) to its
    /// cutoff (exclusive).
    pub fn window(&self, date: NaiveDate, now: NaiveDateTime) -> Result<(), WindowRefusal> {
        if let Some(opens) = self.opens_at(date).filter(|opens| now < *opens) {
            return Err(WindowRefusal::NotOpenYet(opens));
        }
        if let Some(closed) = self.closes_at(date).filter(|closes| now >= *closes) {
            return Err(WindowRefusal::Closed(closed));
        }
        Ok(())
    }

    /// The earliest date a booking may be for at local time `now`, by the cutoff (for listing bookable slots).
    pub fn first_open_date(&self, now: NaiveDateTime) -> Option<NaiveDate> {
        self.cutoff.map(|c| {
            let passed_today = now.time() >= c.time;
            now.date() + Duration::days(i64::from(c.days_before) + i64::from(passed_today))
        })
    }

    /// The latest date a booking may be for at local time `now` (for listing bookable slots).
    pub fn last_open_date(&self, now: NaiveDateTime) -> Option<NaiveDate> {
        self.open_days_ahead.map(|days| {
            let released_today = now.time() >= self.release_time;
            now.date() + Duration::days(i64::from(days) - i64::from(!released_today))
        })
    }
}

impl NoShowRule {
    /// The ban running on `today` given the dates of the patient's no-shows, if any: the latest run of
    /// `limit` no-shows within `window_days` days, barring booking through `ban_days` days after its last.
    pub fn ban(&self, no_shows: &[NaiveDate], today: NaiveDate) -> Option<Ban> {
        let limit = usize::try_from(self.limit.max(1)).ok()?;
        let mut dates = no_shows.to_vec();
        dates.sort_unstable();
        let window = Duration::days(i64::from(self.window_days));
        (limit - 1..dates.len())
            .filter(|&i| dates[i] - dates[i + 1 - limit] < window)
            .map(|i| {
                let last = dates[i];
                let count = dates[..=i].iter().filter(|d| last - **d < window).count();
                Ban {
                    count: u32::try_from(count).unwrap_or(u32::MAX),
                    last,
                    until: last + Duration::days(i64::from(self.ban_days)),
                }
            })
            .filter(|ban| today <= ban.until)
            .max_by_key(|ban| ban.until)
    }

    /// How far back no-shows can still matter on `today`.
    pub fn lookback(&self, today: NaiveDate) -> NaiveDate {
        today - Duration::days(i64::from(self.window_days) + i64::from(self.ban_days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        day(d).and_hms_opt(h, m, 0).expect("time")
    }

    fn rules() -> BookingRules {
        BookingRules {
            open_days_ahead: Some(7),
            release_time: NaiveTime::from_hms_opt(8, 0, 0).expect("time"),
            cutoff: Some(Cutoff {
                days_before: 1,
                time: NaiveTime::from_hms_opt(15, 0, 0).expect("time"),
            }),
            ..BookingRules::default()
        }
    }

    #[test]
    fn a_day_opens_at_the_release_time_days_ahead() {
        let r = rules();
        assert_eq!(
            r.window(day(20), at(13, 7, 59)),
            Err(WindowRefusal::NotOpenYet(at(13, 8, 0)))
        );
        assert_eq!(r.window(day(20), at(13, 8, 0)), Ok(()));
        assert_eq!(r.window(day(20), at(13, 8, 1)), Ok(()));
        assert_eq!(r.last_open_date(at(13, 7, 59)), Some(day(19)));
        assert_eq!(r.last_open_date(at(13, 8, 0)), Some(day(20)));
    }

    #[test]
    fn booking_closes_at_the_cutoff_the_day_before() {
        let r = rules();
        assert_eq!(r.window(day(20), at(19, 14, 59)), Ok(()));
        assert_eq!(
            r.window(day(20), at(19, 15, 0)),
            Err(WindowRefusal::Closed(at(19, 15, 0)))
        );
        assert_eq!(
            r.window(day(20), at(20, 9, 0)),
            Err(WindowRefusal::Closed(at(19, 15, 0)))
        );
    }

    #[test]
    fn no_rule_leaves_every_slot_open() {
        let r = BookingRules::default();
        assert_eq!(r.window(day(31), at(1, 0, 0)), Ok(()));
        assert_eq!(r.last_open_date(at(1, 0, 0)), None);
    }

    #[test]
    fn the_nth_no_show_within_the_window_bars_booking() {
        let rule = NoShowRule {
            limit: 3,
            window_days: 30,
            ban_days: 14,
        };
        let two = [day(1), day(10)];
        assert_eq!(rule.ban(&two, day(11)), None);
        let three = [day(1), day(10), day(12)];
        let ban = rule.ban(&three, day(12)).expect("barred");
        assert_eq!((ban.count, ban.last, ban.until), (3, day(12), day(26)));
        assert!(rule.ban(&three, day(26)).is_some());
        assert_eq!(rule.ban(&three, day(27)), None);
        // Three no-shows spread over more than the window bar nothing.
        let spread = [day(1), NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")];
        assert_eq!(rule.ban(&[spread[0], day(16), spread[1]], spread[1]), None);
    }

    proptest! {
        /// A booking is refused by the window exactly when it is before the opening or at/after the cutoff.
        #[test]
        fn the_window_is_half_open(days in 0u32..10, release in 0u32..1440, before in 0u32..3,
                                   cut in 0u32..1440, offset in -20_000i64..20_000) {
            let r = BookingRules {
                open_days_ahead: Some(days),
                release_time: NaiveTime::from_hms_opt(release / 60, release % 60, 0).expect("time"),
                cutoff: Some(Cutoff { days_before: before, time: NaiveTime::from_hms_opt(cut / 60, cut % 60, 0).expect("time") }),
                ..BookingRules::default()
            };
            let date = day(20);
            let now = at(15, 12, 0) + Duration::minutes(offset);
            let opens = r.opens_at(date).expect("opens");
            let closes = r.closes_at(date).expect("closes");
            let allowed = r.window(date, now).is_ok();
            prop_assert_eq!(allowed, now >= opens && now < closes);
            // The listing's date range agrees with the window.
            let listed = r.first_open_date(now).is_none_or(|d| date >= d)
                && r.last_open_date(now).is_none_or(|d| date <= d);
            prop_assert_eq!(listed, allowed);
        }

        /// A ban runs only when `limit` no-shows fall within the window, and never past `ban_days` after the
        /// last of them; fewer than `limit` no-shows never bar.
        #[test]
        fn a_ban_needs_the_limit_within_the_window(
            offsets in proptest::collection::vec(0i64..120, 0..8),
            limit in 1u32..5, window in 1u32..40, ban_days in 1u32..30, today in 0i64..160,
        ) {
            let rule = NoShowRule { limit, window_days: window, ban_days };
            let base = day(1);
            let dates: Vec<NaiveDate> = offsets.iter().map(|o| base + Duration::days(*o)).collect();
            let today = base + Duration::days(today);
            let expected = dates.iter().any(|last| {
                let within = dates.iter().filter(|d| **d <= *last && *last - **d < Duration::days(i64::from(window))).count();
                within >= limit as usize && today <= *last + Duration::days(i64::from(ban_days))
            });
            let ban = rule.ban(&dates, today);
            prop_assert_eq!(ban.is_some(), expected);
            if let Some(b) = ban {
                prop_assert!(b.count >= limit);
                prop_assert_eq!(b.until, b.last + Duration::days(i64::from(ban_days)));
            }
        }
    }
}
