//! The cashier's day (收费日结): who took each payment and refund (`billing.paid_by`, `refunded_by`; NULL on
//! bills from before), and `settlement_day`, one row per hospital and local date an administrator closed,
//! with the day's totals as they stood. A closed day takes no new payment or refund.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "settlement_day";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        for column in [big_null("paid_by"), big_null("refunded_by")] {
            manager
                .alter_table(
                    Table::alter()
                        .table("billing")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                table(b, TABLE)
                    .col(id())
                    .col(hospital_id())
                    .col(date("day"))
                    .col(big("closed_by"))
                    .col(ts(b, "closed_at"))
                    .col(big("paid_total"))
                    .col(big("refunded_total"))
                    .foreign_key(&mut fk_hospital(TABLE))
                    .foreign_key(&mut fk(TABLE, "closed_by", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(TABLE, &["hospital_id", "day"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table(TABLE)).await?;
        for column in ["paid_by", "refunded_by"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("billing")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
