//! Charge imports commit in chunks under an import of their own: `charge_import` records each one (PENDING while
//! its lines are written, COMPLETE once they all are) and `charge_details.import_id` names the import a line came
//! with (NULL for payment lines and for the lines imported before). Readers take a line only when it has no
//! import or its import is COMPLETE, so an import is still all or nothing to them.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "charge_import";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, TABLE)
                    .col(id())
                    .col(hospital_id())
                    .col(string("status", 16))
                    // The hospital while the import is PENDING, NULL after: one import per hospital at a time
                    // (a unique key allows any number of NULLs on every backend, unlike a partial index).
                    .col(big_null("pending_hospital_id"))
                    // Handed out in order as imports complete; a calculation run takes the imports up to the
                    // highest one it saw when it started.
                    .col(big_null("completed_seq"))
                    // A PENDING import whose lease ran out was abandoned (its process died): anyone may remove it.
                    .col(ts(b, "lease_until"))
                    .col(created_at(b))
                    .col(ts_null(b, "completed_at"))
                    .foreign_key(&mut fk_hospital(TABLE))
                    .check(enum_check(TABLE, "status", &["PENDING", "COMPLETE"]))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique(TABLE, &["pending_hospital_id"]),
                unique(TABLE, &["completed_seq"]),
                index(TABLE, &["hospital_id"]),
            ],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("charge_details")
                    .add_column(big_null("import_id"))
                    .to_owned(),
            )
            .await?;
        // Removing a failed import's lines, in chunks.
        manager
            .create_index(index("charge_details", &["import_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_charge_details_import_id")
                    .table("charge_details")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("charge_details")
                    .drop_column("import_id")
                    .to_owned(),
            )
            .await?;
        manager.drop_table(drop_table(TABLE)).await
    }
}
