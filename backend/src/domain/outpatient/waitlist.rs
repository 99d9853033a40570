//! The waitlist of a full schedule (候补): patients in the order they joined, booked one by one as places
//! free up.
use crate::domain::foundation::vocab::vocabulary;

vocabulary!(
    /// WAITING until a place frees up (PROMOTED, with the appointment made), the patient leaves the list
    /// or the schedule is closed or cancelled (CANCELLED), or the session ends (EXPIRED).
    WaitlistStatus {
        Waiting,
        Promoted,
        Cancelled,
        Expired
    }
);
