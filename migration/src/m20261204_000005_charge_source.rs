//! Charge lines are keyed by their source as well: the lines this system writes when a bill is paid or
//! refunded (`OUTPATIENT`, ids `OP-<line>` and `OP-<line>-R`) and the lines imported from other systems
//! (`IMPORT`) live in separate id spaces, so no imported file can block a payment or be skipped because of
//! one. Existing rows with a bill are the outpatient ones.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "charge_details";
const OLD_KEY: &str = "uq_charge_details_hospital_id_source_line_id";
const NEW_KEY: &str = "uq_charge_details_hospital_id_source_source_line_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .add_column(
                        ColumnDef::new("source")
                            .string_len(16)
                            .not_null()
                            .default("IMPORT"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(TABLE)
                    .value("source", "OUTPATIENT")
                    .and_where(Expr::col("billing_id").is_not_null())
                    .to_owned(),
            )
            .await?;
        // The new key first: on MySQL an index must always serve the hospital foreign key.
        manager
            .create_index(unique_named(
                NEW_KEY,
                TABLE,
                &["hospital_id", "source", "source_line_id"],
            ))
            .await?;
        manager
            .drop_index(Index::drop().name(OLD_KEY).table(TABLE).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(unique_named(
                OLD_KEY,
                TABLE,
                &["hospital_id", "source_line_id"],
            ))
            .await?;
        manager
            .drop_index(Index::drop().name(NEW_KEY).table(TABLE).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(TABLE).drop_column("source").to_owned())
            .await
    }
}
