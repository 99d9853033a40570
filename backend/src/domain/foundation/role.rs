//! Staff roles. What each may do is decided per endpoint; this is only the vocabulary.
use crate::domain::foundation::vocab::vocabulary;

vocabulary!(Role {
    Admin,
    FrontDesk,
    Doctor,
    Analyst
});
