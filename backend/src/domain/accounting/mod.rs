//! The accounting rules: dimension nodes and their rules, charge lines and import layouts, monthly inputs, the
//! value formulas, calculation steps and task statuses.
pub mod benchmark;
pub mod calculation;
pub mod charge_line;
pub mod comparison;
pub mod dimension;
pub mod import_layout;
pub mod period_close;
pub mod period_value;
pub mod valuation;
