//! Every claim of a calculation task takes a run number of its own: `last_run_no` is the latest one handed out,
//! so a runner that lost its lease and the one that took the task over never write or delete the same rows.
use crate::columns::int;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .add_column(int("last_run_no").default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE calculation_task SET last_run_no = run_no")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("calculation_task")
                    .drop_column("last_run_no")
                    .to_owned(),
            )
            .await
    }
}
