//! A period's life (`accounting_period`): where each period of a hospital stands (DRAFT, REVIEWED, PUBLISHED,
//! LOCKED) and which task's run was reviewed and published; a period without a row is DRAFT. Each transition is
//! kept in `accounting_period_event` with who made it, when and why.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PERIOD: &str = "accounting_period";
const EVENT: &str = "accounting_period_event";
const STATUSES: [&str; 4] = ["DRAFT", "REVIEWED", "PUBLISHED", "LOCKED"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        manager
            .create_table(
                table(b, PERIOD)
                    .col(id())
                    .col(hospital_id())
                    .col(string("period", 7))
                    .col(string("status", 16))
                    .col(big_null("task_id"))
                    .col(int_null("run_no"))
                    .col(big("updated_by"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .check(enum_check(PERIOD, "status", &STATUSES))
                    .foreign_key(&mut fk_hospital(PERIOD))
                    .foreign_key(&mut fk(PERIOD, "task_id", "calculation_task"))
                    .foreign_key(&mut fk(PERIOD, "updated_by", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table(b, EVENT)
                    .col(id())
                    .col(hospital_id())
                    .col(string("period", 7))
                    .col(string("action", 16))
                    .col(string("from_status", 16))
                    .col(string("to_status", 16))
                    .col(big_null("task_id"))
                    .col(int_null("run_no"))
                    .col(string_null("reason", 500))
                    .col(big("user_id"))
                    .col(ts(b, "at"))
                    .check(enum_check(
                        EVENT,
                        "action",
                        &["REVIEW", "PUBLISH", "LOCK", "REOPEN"],
                    ))
                    .check(enum_check(EVENT, "from_status", &STATUSES))
                    .check(enum_check(EVENT, "to_status", &STATUSES))
                    .foreign_key(&mut fk_hospital(EVENT))
                    .foreign_key(&mut fk(EVENT, "task_id", "calculation_task"))
                    .foreign_key(&mut fk(EVENT, "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique(PERIOD, &["hospital_id", "period"]),
                index(EVENT, &["hospital_id", "period"]),
                index(EVENT, &["task_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table(EVENT)).await?;
        manager.drop_table(drop_table(PERIOD)).await
    }
}
