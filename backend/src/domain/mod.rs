//! Pure business rules: no database, no HTTP. Parsed values that are valid by construction.
//!
//! Grouped by context as the other layers are: `foundation` (the values every part shares: money, periods,
//! roles, the vocabularies, identity numbers, phones, passwords, text, masking), `outpatient` (the appointment
//! status machine, schedules, the bill split) and `accounting` (dimensions, charge lines and import layouts,
//! monthly inputs, the value formulas, tasks).
pub mod accounting;
pub mod foundation;
pub mod outpatient;
