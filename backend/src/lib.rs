//! Community hospital outpatient front office and department value accounting.
pub mod api;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod entities;
pub mod error;
pub mod metrics;
pub mod seed;
pub mod services;
pub mod startup;
pub mod telemetry;
