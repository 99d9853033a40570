//! Computed orientation benchmarks: a rule's `benchmark_method` (FIXED, or computed from the actuals: the
//! department's own over `lookback_periods` previous periods, or every department's in the same period), its
//! `benchmark` staying the value used when there is nothing to compute from; and in each adjustment the method and
//! how many actuals the benchmark came from (`benchmark_basis`, 0: the fixed value).
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RULE: &str = "orientation_rule";
const DETAIL: &str = "orientation_adjustment_detail";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (
                RULE,
                ColumnDef::new("benchmark_method")
                    .string_len(24)
                    .not_null()
                    .default("FIXED")
                    .to_owned(),
            ),
            (RULE, int_null("lookback_periods")),
            (DETAIL, string_null("benchmark_method", 24)),
            (DETAIL, int_null("benchmark_basis")),
        ] {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            (DETAIL, "benchmark_basis"),
            (DETAIL, "benchmark_method"),
            (RULE, "lookback_periods"),
            (RULE, "benchmark_method"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
