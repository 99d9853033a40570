//! Pure business rules: no database, no HTTP. Parsed values that are valid by construction.
pub mod appointment;
pub mod billing;
pub mod calculation;
pub mod dimension;
pub mod id_card;
pub mod masking;
pub mod money;
pub mod password;
pub mod phone;
pub mod role;
pub mod schedule;
pub mod text;
pub mod valuation;
pub mod vocab;
