//! Data that is not a user's action: the demo hospital (`demo`) and the deterministic charge-line generator
//! for large data sets (`charge_generator`). Outside the use cases; it writes through entities and services.
pub mod charge_generator;
pub mod demo;
mod random;
