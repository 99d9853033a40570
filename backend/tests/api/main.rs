//! The integration suite: one binary, the real server over HTTP, a fresh database per test.
#![allow(clippy::unwrap_used, dead_code)]

mod fixtures;
mod helpers;

mod accounting;
mod audit;
mod auth;
mod backup;
mod billing;
mod booking;
mod charge_import;
mod clinic;
mod conflicts;
mod contacts;
mod demo;
mod diagnoses;
mod documents;
mod edge;
mod flow;
mod imports;
mod insurance;
mod insurance_types;
mod malformed;
mod models;
mod openapi;
mod operations;
mod outage;
mod prescriptions;
mod resources;
mod roles;
mod schedules;
mod settlement;
mod smoke;
mod statistics;
mod tenancy;
mod validation;
