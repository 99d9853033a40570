//! A period's life as the finance office runs it: the results of one run are checked, then told to the
//! departments, then closed for good; until someone reopens the period, nothing may change what they were told.
//!
//! ```text
//! DRAFT ──review (a run)──▶ REVIEWED ──publish──▶ PUBLISHED ──lock──▶ LOCKED
//!   ▲                          │                      │                  │
//!   └──────────────reopen (with a reason)─────────────┴──────────────────┘
//! ```
//!
//! Only a DRAFT period takes calculations and inputs (charge lines, workload, costs, orientation actuals); the
//! others refuse them with `PERIOD_CLOSED`. Analysts review and take back their own review; publishing, locking
//! and reopening a published or locked period are an administrator's.
use crate::domain::foundation::{role::Role, vocab::vocabulary};

vocabulary!(
    /// Where a period stands; a period nobody has reviewed yet is DRAFT.
    PeriodStatus { Draft, Reviewed, Published, Locked }
);

vocabulary!(
    /// What moves a period.
    PeriodAction { Review, Publish, Lock, Reopen }
);

/// The longest reason or note kept with a transition.
pub const MAX_REASON_CHARS: usize = 500;

impl PeriodAction {
    /// The action as a past participle: "a period that is DRAFT cannot be published".
    pub fn done(self) -> &'static str {
        match self {
            Self::Review => "reviewed",
            Self::Publish => "published",
            Self::Lock => "locked",
            Self::Reopen => "reopened",
        }
    }
}

impl PeriodStatus {
    /// Whether the period takes calculations and inputs.
    pub fn is_open(self) -> bool {
        self == Self::Draft
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a period that is {from} cannot be {}", .action.done())]
pub struct InvalidTransition {
    pub from: PeriodStatus,
    pub action: PeriodAction,
}

/// The one transition function.
pub fn transition(
    from: PeriodStatus,
    action: PeriodAction,
) -> Result<PeriodStatus, InvalidTransition> {
    use PeriodAction as A;
    use PeriodStatus as S;
    match (from, action) {
        (S::Draft, A::Review) => Ok(S::Reviewed),
        (S::Reviewed, A::Publish) => Ok(S::Published),
        (S::Published, A::Lock) => Ok(S::Locked),
        (S::Reviewed | S::Published | S::Locked, A::Reopen) => Ok(S::Draft),
        _ => Err(InvalidTransition { from, action }),
    }
}

/// Whether `role` may take `action` on a period that is `from`: an analyst reviews and takes a review back, an
/// administrator does everything.
pub fn may(role: Role, from: PeriodStatus, action: PeriodAction) -> bool {
    match role {
        Role::Admin => true,
        Role::Analyst => matches!(
            (from, action),
            (_, PeriodAction::Review) | (PeriodStatus::Reviewed, PeriodAction::Reopen)
        ),
        Role::FrontDesk | Role::Doctor => false,
    }
}

/// A transition's reason, trimmed: required to reopen, optional otherwise, at most [`MAX_REASON_CHARS`].
pub fn reason(action: PeriodAction, text: Option<&str>) -> Result<Option<String>, &'static str> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        None if action == PeriodAction::Reopen => Err("is required to reopen a period"),
        Some(t) if t.chars().count() > MAX_REASON_CHARS => Err("must be at most 500 characters"),
        t => Ok(t.map(str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PeriodAction as A;
    use PeriodStatus as S;

    #[test]
    fn a_period_goes_draft_reviewed_published_locked_and_reopens_to_draft() {
        let mut s = S::Draft;
        for a in [A::Review, A::Publish, A::Lock, A::Reopen] {
            s = transition(s, a).expect("allowed");
        }
        assert_eq!(s, S::Draft);
        assert_eq!(transition(S::Reviewed, A::Reopen), Ok(S::Draft));
        assert_eq!(transition(S::Published, A::Reopen), Ok(S::Draft));
    }

    #[test]
    fn every_other_transition_is_refused_naming_the_state_and_the_action() {
        let allowed = [
            (S::Draft, A::Review),
            (S::Reviewed, A::Publish),
            (S::Published, A::Lock),
            (S::Reviewed, A::Reopen),
            (S::Published, A::Reopen),
            (S::Locked, A::Reopen),
        ];
        for from in S::ALL {
            for action in A::ALL {
                let result = transition(*from, *action);
                assert_eq!(result.is_ok(), allowed.contains(&(*from, *action)));
                if let Err(e) = result {
                    assert_eq!(
                        e.to_string(),
                        format!("a period that is {from} cannot be {}", action.done())
                    );
                }
            }
        }
    }

    #[test]
    fn only_a_draft_takes_inputs() {
        for s in S::ALL {
            assert_eq!(s.is_open(), *s == S::Draft);
        }
    }

    #[test]
    fn analysts_review_and_take_reviews_back_administrators_do_the_rest() {
        for from in S::ALL {
            for action in A::ALL {
                assert!(may(Role::Admin, *from, *action));
                assert!(!may(Role::FrontDesk, *from, *action));
                assert!(!may(Role::Doctor, *from, *action));
                let analyst =
                    *action == A::Review || (*from == S::Reviewed && *action == A::Reopen);
                assert_eq!(
                    may(Role::Analyst, *from, *action),
                    analyst,
                    "{from} {action}"
                );
            }
        }
    }

    #[test]
    fn reopening_needs_a_reason_and_reasons_are_bounded() {
        assert!(reason(A::Reopen, None).is_err());
        assert!(reason(A::Reopen, Some("  ")).is_err());
        assert_eq!(
            reason(A::Reopen, Some(" 成本数据更正 ")),
            Ok(Some("成本数据更正".into()))
        );
        assert_eq!(reason(A::Publish, Some(" ")), Ok(None));
        assert!(reason(A::Review, Some(&"长".repeat(500))).is_ok());
        assert!(reason(A::Review, Some(&"长".repeat(501))).is_err());
    }
}
