//! The appointment status machine: one type, one transition function, through which every write goes.
//!
//! ```text
//! BOOKED ──check-in──▶ COMPLETED ──bill──▶ BILLED ──pay──▶ PAID
//!   │ │ └──cancel──▶ CANCELLED (releases the place)
//!   │ └──no-show──▶ NO_SHOW
//!   └──move──▶ BOOKED (on another schedule; releases the old place)
//! ```
use crate::domain::foundation::vocab::vocabulary;

vocabulary!(AppointmentStatus {
    Booked,
    Completed,
    Billed,
    Paid,
    Cancelled,
    NoShow
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentAction {
    CheckIn,
    Bill,
    Pay,
    Cancel,
    MarkNoShow,
    Move,
}

impl AppointmentAction {
    pub const ALL: [AppointmentAction; 6] = [
        Self::CheckIn,
        Self::Bill,
        Self::Pay,
        Self::Cancel,
        Self::MarkNoShow,
        Self::Move,
    ];

    /// The state the action leads to when it is allowed.
    pub fn target(self) -> AppointmentStatus {
        match self {
            Self::CheckIn => AppointmentStatus::Completed,
            Self::Bill => AppointmentStatus::Billed,
            Self::Pay => AppointmentStatus::Paid,
            Self::Cancel => AppointmentStatus::Cancelled,
            Self::MarkNoShow => AppointmentStatus::NoShow,
            Self::Move => AppointmentStatus::Booked,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an appointment that is {from} cannot become {to}")]
pub struct InvalidTransition {
    pub from: AppointmentStatus,
    pub to: AppointmentStatus,
}

impl AppointmentStatus {
    /// Whether the appointment holds a place on its slot (everything but a cancellation does).
    pub fn holds_place(self) -> bool {
        self != Self::Cancelled
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Paid | Self::Cancelled | Self::NoShow)
    }
}

/// The one transition function.
pub fn transition(
    from: AppointmentStatus,
    action: AppointmentAction,
) -> Result<AppointmentStatus, InvalidTransition> {
    use AppointmentAction as A;
    use AppointmentStatus as S;
    let allowed = matches!(
        (from, action),
        (S::Booked, A::CheckIn)
            | (S::Booked, A::Cancel)
            | (S::Booked, A::MarkNoShow)
            | (S::Booked, A::Move)
            | (S::Completed, A::Bill)
            | (S::Billed, A::Pay)
    );
    if allowed {
        Ok(action.target())
    } else {
        Err(InvalidTransition {
            from,
            to: action.target(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentAction as A;
    use AppointmentStatus as S;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_and_the_side_exits() {
        let mut s = S::Booked;
        for a in [A::CheckIn, A::Bill, A::Pay] {
            s = transition(s, a).expect("allowed");
        }
        assert_eq!(s, S::Paid);
        assert_eq!(transition(S::Booked, A::Cancel), Ok(S::Cancelled));
        assert_eq!(transition(S::Booked, A::MarkNoShow), Ok(S::NoShow));
    }

    #[test]
    fn every_other_transition_is_refused_naming_both_states() {
        let allowed = [
            (S::Booked, A::CheckIn),
            (S::Booked, A::Cancel),
            (S::Booked, A::MarkNoShow),
            (S::Booked, A::Move),
            (S::Completed, A::Bill),
            (S::Billed, A::Pay),
        ];
        for from in S::ALL {
            for action in A::ALL {
                let result = transition(*from, action);
                if allowed.contains(&(*from, action)) {
                    assert_eq!(result, Ok(action.target()));
                } else {
                    assert_eq!(
                        result,
                        Err(InvalidTransition {
                            from: *from,
                            to: action.target()
                        })
                    );
                }
            }
        }
        assert_eq!(
            transition(S::Paid, A::Cancel).map_err(|e| e.to_string()),
            Err("an appointment that is PAID cannot become CANCELLED".to_owned())
        );
    }

    fn action() -> impl Strategy<Value = AppointmentAction> {
        prop::sample::select(A::ALL.to_vec())
    }

    proptest! {
        /// Whatever is attempted, an appointment only ever walks the drawn graph: final states stay final,
        /// and PAID is reached only through COMPLETED and BILLED, in that order.
        #[test]
        fn no_sequence_of_actions_leaves_the_graph(actions in prop::collection::vec(action(), 0..40)) {
            let mut state = S::Booked;
            let mut path = vec![state];
            for a in actions {
                match transition(state, a) {
                    Ok(next) => {
                        prop_assert!(!state.is_final());
                        if next != state {
                            path.push(next);
                        }
                        state = next;
                    }
                    Err(e) => prop_assert_eq!(e.from, state),
                }
            }
            let allowed_paths: [&[S]; 6] = [
                &[S::Booked],
                &[S::Booked, S::Cancelled],
                &[S::Booked, S::NoShow],
                &[S::Booked, S::Completed],
                &[S::Booked, S::Completed, S::Billed],
                &[S::Booked, S::Completed, S::Billed, S::Paid],
            ];
            prop_assert!(allowed_paths.contains(&path.as_slice()), "{:?}", path);
        }
    }
}
