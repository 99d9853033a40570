//! Insurance policies a hospital sets itself: each applies from a date (`effective_from`), so a change never
//! reaches bills drawn before it; a policy may pay a ratio of its own per item category
//! (`insurance_policy_rate`), keep a deductible for the patient and stop at a cap per visit. A bill names the
//! policy it was drawn under and each of its lines the ratio, the rule and the share the fund pays of it
//! (NULL on bills from before).
use sea_orm_migration::prelude::*;

use crate::{columns::*, m20261122_000002_outpatient::ITEM_CATEGORIES};

#[derive(DeriveMigrationName)]
pub struct Migration;

const POLICY: &str = "insurance_policy";
const RATE: &str = "insurance_policy_rate";
/// The policies existing before: in force from the beginning.
const SINCE_ALWAYS: &str = "2000-01-01";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        for column in [
            date("effective_from").default(SINCE_ALWAYS).to_owned(),
            big_null("deductible"),
            big_null("visit_cap"),
        ] {
            manager
                .alter_table(Table::alter().table(POLICY).add_column(column).to_owned())
                .await?;
        }
        // The new key first: MySQL keeps an index on hospital_id for its foreign key.
        manager
            .create_index(unique(
                POLICY,
                &["hospital_id", "insurance_type", "effective_from"],
            ))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_insurance_policy_hospital_id_insurance_type")
                    .table(POLICY)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table(b, RATE)
                    .col(id())
                    .col(big("policy_id"))
                    .col(string("item_category", 32))
                    .col(big("ratio"))
                    .foreign_key(
                        &mut fk(RATE, "policy_id", POLICY)
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .check(enum_check(RATE, "item_category", ITEM_CATEGORIES))
                    .check(check(RATE, "ratio", Expr::col("ratio").between(0, 10_000)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(RATE, &["policy_id", "item_category"]))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("billing")
                    .add_column(big_null("insurance_policy_id"))
                    .to_owned(),
            )
            .await?;
        // Whether a policy was used, before it is changed or removed.
        manager
            .create_index(index("billing", &["insurance_policy_id"]))
            .await?;
        for column in [
            big_null("insurance_ratio"),
            string_null("insurance_rule", 16),
            big_null("insurance_amount"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("billing_line")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["insurance_ratio", "insurance_rule", "insurance_amount"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("billing_line")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_billing_insurance_policy_id")
                    .table("billing")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("billing")
                    .drop_column("insurance_policy_id")
                    .to_owned(),
            )
            .await?;
        manager.drop_table(drop_table(RATE)).await?;
        // Back to one policy per type: the latest.
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM insurance_policy WHERE EXISTS (SELECT 1 FROM insurance_policy later \
                 WHERE later.hospital_id = insurance_policy.hospital_id \
                 AND later.insurance_type = insurance_policy.insurance_type \
                 AND later.effective_from > insurance_policy.effective_from)",
            )
            .await?;
        manager
            .create_index(unique(POLICY, &["hospital_id", "insurance_type"]))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("uq_insurance_policy_hospital_id_insurance_type_effective_from")
                    .table(POLICY)
                    .to_owned(),
            )
            .await?;
        for column in ["effective_from", "deductible", "visit_cap"] {
            manager
                .alter_table(Table::alter().table(POLICY).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
