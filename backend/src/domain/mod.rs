//! Pure business rules: no database, no HTTP. Parsed values that are valid by construction.
pub mod appointment;
pub mod billing;
pub mod charge_line;
pub mod id_card;
pub mod import_layout;
pub mod masking;
pub mod money;
pub mod password;
pub mod period;
pub mod period_value;
pub mod phone;
pub mod role;
pub mod schedule;
pub mod text;
pub mod vocab;
