//! Calculation batches: a run of consecutive periods (a quarter, a year) asked for in one request, one task per
//! period (`calculation_task.batch_id`), run in period order.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BATCH: &str = "calculation_batch";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, BATCH)
                    .col(id())
                    .col(hospital_id())
                    .col(string("from_period", 7))
                    .col(string("to_period", 7))
                    .col(big("model_version_id"))
                    .col(big("workflow_id"))
                    .col(big("created_by"))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital(BATCH))
                    .foreign_key(&mut fk(BATCH, "model_version_id", "model_version"))
                    .foreign_key(&mut fk(BATCH, "workflow_id", "calculation_workflow"))
                    .foreign_key(&mut fk(BATCH, "created_by", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(BATCH, &["hospital_id", "id"]))
            .await?;
        // SQLite adds no foreign key to a table in place; the application keeps `batch_id` to batches of the
        // task's hospital there.
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .add_column(big_null("batch_id"))
                    .to_owned(),
            )
            .await?;
        if b != DbBackend::Sqlite {
            manager
                .create_foreign_key(fk("calculation_task", "batch_id", BATCH).to_owned())
                .await?;
        }
        manager
            .create_index(index("calculation_task", &["batch_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        // The foreign key before its index: MySQL refuses to drop an index a foreign key needs.
        if b != DbBackend::Sqlite {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name("fk_calculation_task_batch_id")
                        .table("calculation_task")
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_calculation_task_batch_id")
                    .table("calculation_task")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .drop_column("batch_id")
                    .to_owned(),
            )
            .await?;
        manager.drop_table(drop_table(BATCH)).await
    }
}
