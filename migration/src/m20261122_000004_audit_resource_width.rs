//! Audit entries name endpoints by method and path ("GET /api/v1/calculation-tasks/7/orientation-adjustments.xlsx"),
//! which outgrew 64 characters: resource_id holds 255. SQLite does not enforce VARCHAR lengths.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn resource_id(len: u32) -> TableAlterStatement {
    Table::alter()
        .table("audit_log")
        .modify_column(ColumnDef::new("resource_id").string_len(len).null())
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return Ok(());
        }
        manager.alter_table(resource_id(255)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            return Ok(());
        }
        manager.alter_table(resource_id(64)).await
    }
}
