//! Database schema: every table, index and constraint, for SQLite, PostgreSQL and MySQL/MariaDB.
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261122_000001_foundation;
mod m20261122_000002_outpatient;
mod m20261122_000003_accounting;
mod m20261122_000004_audit_resource_width;
mod m20261204_000005_charge_source;
mod m20261204_000006_calculation_claims;
mod m20261204_000007_charge_import;
mod m20261204_000008_insurance_policies;
mod m20261204_000009_patient_contacts;
mod m20261204_000010_daily_settlement;
mod m20261204_000011_drug_packing;
mod m20261204_000012_patient_documents;
mod m20261204_000013_diagnoses;
mod m20261205_000014_insurance_types;
mod m20261205_000015_waiting_room;
mod m20261205_000016_charge_item_totals;
mod m20261206_000017_accounting_periods;
mod m20261206_000018_orientation_benchmarks;
mod m20261206_000019_calculation_batches;
mod m20261206_000020_auto_calculation;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_outpatient::Migration),
            Box::new(m20261122_000003_accounting::Migration),
            Box::new(m20261122_000004_audit_resource_width::Migration),
            Box::new(m20261204_000005_charge_source::Migration),
            Box::new(m20261204_000006_calculation_claims::Migration),
            Box::new(m20261204_000007_charge_import::Migration),
            Box::new(m20261204_000008_insurance_policies::Migration),
            Box::new(m20261204_000009_patient_contacts::Migration),
            Box::new(m20261204_000010_daily_settlement::Migration),
            Box::new(m20261204_000011_drug_packing::Migration),
            Box::new(m20261204_000012_patient_documents::Migration),
            Box::new(m20261204_000013_diagnoses::Migration),
            Box::new(m20261205_000014_insurance_types::Migration),
            Box::new(m20261205_000015_waiting_room::Migration),
            Box::new(m20261205_000016_charge_item_totals::Migration),
            Box::new(m20261206_000017_accounting_periods::Migration),
            Box::new(m20261206_000018_orientation_benchmarks::Migration),
            Box::new(m20261206_000019_calculation_batches::Migration),
            Box::new(m20261206_000020_auto_calculation::Migration),
        ]
    }
}
