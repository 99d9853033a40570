//! The charge lines' totals per hospital, period, department pair, item and business type: what the drill-down
//! of a task without details reads instead of every line of the period. Kept in the transactions that make lines
//! visible (a payment, a refund, an import's completion) and filled here from the visible lines already there.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TOTALS: &str = "charge_item_total";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, TOTALS)
                    .col(id())
                    .col(hospital_id())
                    .col(string("period", 7))
                    .col(code(b, "prescribing_dept_code", 32))
                    .col(code(b, "executing_dept_code", 32))
                    .col(code(b, "item_code", 64))
                    .col(string("business_type", 16))
                    .col(string("item_name", 200))
                    .col(string_null("item_category", 64))
                    .col(big("amount"))
                    .col(big("quantity"))
                    .foreign_key(&mut fk_hospital(TOTALS))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique_named(
                    "uq_charge_item_total_key",
                    TOTALS,
                    &[
                        "hospital_id",
                        "period",
                        "prescribing_dept_code",
                        "executing_dept_code",
                        "item_code",
                        "business_type",
                    ],
                ),
                index_named(
                    "ix_charge_item_total_exec",
                    TOTALS,
                    &["hospital_id", "period", "executing_dept_code", "item_code"],
                ),
            ],
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO charge_item_total (hospital_id, period, prescribing_dept_code, executing_dept_code, \
                 item_code, business_type, item_name, item_category, amount, quantity) \
                 SELECT c.hospital_id, c.period, c.prescribing_dept_code, c.executing_dept_code, c.item_code, \
                 c.business_type, MAX(c.item_name), MAX(c.item_category), SUM(c.amount), SUM(c.quantity) \
                 FROM charge_details c \
                 WHERE c.import_id IS NULL OR c.import_id IN \
                 (SELECT ci.id FROM charge_import ci WHERE ci.completed_seq IS NOT NULL) \
                 GROUP BY c.hospital_id, c.period, c.prescribing_dept_code, c.executing_dept_code, c.item_code, \
                 c.business_type",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table(TOTALS)).await
    }
}
