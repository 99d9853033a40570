//! A patient is registered by an identity document of one of several types, not only the mainland ID card:
//! `document_type` and `document_no` replace `id_card`. The number is unique per hospital and type, and may be
//! missing (a newborn's, registered with a guardian): NULLs never collide in a unique index.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "patient";
const DOCUMENT_TYPES: &[&str] = &[
    "ID_CARD",
    "PASSPORT",
    "HK_MACAO_PERMIT",
    "TAIWAN_PERMIT",
    "RESIDENCE_PERMIT",
    "PERMANENT_RESIDENCE",
    "NONE_YET",
];

async fn add(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(TABLE).add_column(column).to_owned())
        .await
}

async fn drop_column(manager: &SchemaManager<'_>, column: &'static str) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(TABLE).drop_column(column).to_owned())
        .await
}

async fn drop_index(manager: &SchemaManager<'_>, name: &'static str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(TABLE).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        add(
            manager,
            string("document_type", 24)
                .default("ID_CARD")
                .check(Expr::col("document_type").is_in(DOCUMENT_TYPES.iter().copied()))
                .to_owned(),
        )
        .await?;
        add(manager, code_null(b, "document_no", 32)).await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE patient SET document_no = id_card")
            .await?;
        drop_index(manager, "uq_patient_hospital_id_id_card").await?;
        drop_column(manager, "id_card").await?;
        create_indexes(
            manager,
            [
                unique(TABLE, &["hospital_id", "document_type", "document_no"]),
                // Finding a patient by a number whatever its type (check-in).
                index(TABLE, &["hospital_id", "document_no"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(manager, string_null("id_card", 18)).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE patient SET id_card = document_no WHERE document_type = 'ID_CARD'",
            )
            .await?;
        drop_index(manager, "uq_patient_hospital_id_document_type_document_no").await?;
        drop_index(manager, "ix_patient_hospital_id_document_no").await?;
        drop_column(manager, "document_no").await?;
        drop_column(manager, "document_type").await?;
        manager
            .create_index(unique(TABLE, &["hospital_id", "id_card"]))
            .await
    }
}
