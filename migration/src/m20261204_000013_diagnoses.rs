//! The diagnosis dictionary (诊断字典): each hospital's codes (ICD-10, or its own) and names, imported from CSV and
//! searched by the doctor. A medical record keeps the coded diagnoses it was written with
//! (`medical_record.diagnoses`, JSON like its prescription: id, code, name and which is primary), so a later
//! correction of the dictionary never rewrites a record.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "diagnosis";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, TABLE)
                    .col(id())
                    .col(hospital_id())
                    .col(code(b, "code", 20))
                    .col(string("name", 128))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital(TABLE))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique(TABLE, &["hospital_id", "code"]),
                index(TABLE, &["hospital_id", "name"]),
            ],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("medical_record")
                    .add_column(text_null("diagnoses"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("medical_record")
                    .drop_column("diagnoses")
                    .to_owned(),
            )
            .await?;
        manager.drop_table(drop_table(TABLE)).await
    }
}
