//! A phone may be shared (a child's or an elderly parent's is often a family member's), so it is no longer
//! unique per hospital, only indexed for finding; a patient may have a guardian (name, relation, phone).
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "patient";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(TABLE, &["hospital_id", "phone"]))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_patient_hospital_id_phone")
                    .table(TABLE)
                    .to_owned(),
            )
            .await?;
        for column in [
            string_null("guardian_name", 64),
            string_null("guardian_relation", 16),
            string_null("guardian_phone", 20),
        ] {
            manager
                .alter_table(Table::alter().table(TABLE).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["guardian_name", "guardian_relation", "guardian_phone"] {
            manager
                .alter_table(Table::alter().table(TABLE).drop_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(unique(TABLE, &["hospital_id", "phone"]))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_patient_hospital_id_phone")
                    .table(TABLE)
                    .to_owned(),
            )
            .await
    }
}
