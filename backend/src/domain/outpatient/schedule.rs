//! Schedules (排班): a doctor's half-day slot with a room and a number of places.
use crate::domain::foundation::vocab::vocabulary;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

vocabulary!(
    /// Morning 08:00–12:00, afternoon 13:30–17:30, evening 18:00–21:00, local time.
    TimeSlot { Morning, Afternoon, Evening }
);

vocabulary!(ScheduleStatus {
    Open,
    Closed,
    Cancelled
});

pub const MAX_CAPACITY: i32 = 500;

impl TimeSlot {
    pub fn hours(self) -> (NaiveTime, NaiveTime) {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        match self {
            TimeSlot::Morning => (t(8, 0), t(12, 0)),
            TimeSlot::Afternoon => (t(13, 30), t(17, 30)),
            TimeSlot::Evening => (t(18, 0), t(21, 0)),
        }
    }

    /// When the slot on `date` ends, in the hospital's local time.
    pub fn ends_at(self, date: NaiveDate) -> NaiveDateTime {
        date.and_time(self.hours().1)
    }
}

/// A slot can be booked until it ends (a patient may still be seen in the last hour).
pub fn has_ended(date: NaiveDate, slot: TimeSlot, local_now: NaiveDateTime) -> bool {
    local_now >= slot.ends_at(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_ends_at_its_closing_hour() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let at = |h, m| day.and_hms_opt(h, m, 0).expect("time");
        assert!(!has_ended(day, TimeSlot::Morning, at(11, 59)));
        assert!(has_ended(day, TimeSlot::Morning, at(12, 0)));
        assert!(!has_ended(day, TimeSlot::Evening, at(20, 0)));
        assert!(has_ended(
            day.pred_opt().expect("date"),
            TimeSlot::Evening,
            at(0, 0)
        ));
    }
}
