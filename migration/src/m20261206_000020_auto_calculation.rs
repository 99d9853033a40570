//! Calculations after imports: a hospital's `auto_calculation` (whether a charge import, or the last kind of
//! monthly input, queues a calculation of its periods, and on which model version and workflow), and each
//! task's `origin` (MANUAL, BATCH or AUTO).
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "auto_calculation";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, TABLE)
                    .col(id())
                    .col(hospital_id())
                    .col(string("run_after", 16))
                    .col(big_null("model_version_id"))
                    .col(big_null("workflow_id"))
                    .col(big("updated_by"))
                    .col(updated_at(b))
                    .check(enum_check(
                        TABLE,
                        "run_after",
                        &["NEVER", "CHARGES", "ALL_INPUTS"],
                    ))
                    .foreign_key(&mut fk_hospital(TABLE))
                    .foreign_key(&mut fk(TABLE, "model_version_id", "model_version"))
                    .foreign_key(&mut fk(TABLE, "workflow_id", "calculation_workflow"))
                    .foreign_key(&mut fk(TABLE, "updated_by", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(TABLE, &["hospital_id"]))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .add_column(
                        ColumnDef::new("origin")
                            .string_len(16)
                            .not_null()
                            .default("MANUAL")
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .drop_column("origin")
                    .to_owned(),
            )
            .await?;
        manager.drop_table(drop_table(TABLE)).await
    }
}
