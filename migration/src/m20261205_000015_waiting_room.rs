//! The waiting room and the booking rules: each hospital's booking rules (how far ahead and until when a slot
//! can be booked, how many bookings a patient may hold, the no-show rule, the waitlist's length), the waitlist
//! of a full slot (候补), the display links that open the queue board without a staff login, and on the
//! appointment whether it came from the waitlist and when a skipped patient went to the back of the queue.
use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RULE: &str = "booking_rule";
const WAITLIST: &str = "waitlist_entry";
const DISPLAY: &str = "display_link";

/// One column per statement: SQLite's `ALTER TABLE` adds one at a time.
async fn add_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: &'static str,
    col: &'static str,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();
        // No row: no rule beyond the slot's own end, and a waitlist of 20.
        manager
            .create_table(
                table(b, RULE)
                    .col(big("hospital_id").primary_key())
                    .col(int_null("open_days_ahead"))
                    .col(int("release_minute"))
                    .col(int_null("cutoff_days_before"))
                    .col(int_null("cutoff_minute"))
                    .col(int_null("max_active_bookings"))
                    .col(int_null("no_show_limit"))
                    .col(int_null("no_show_window_days"))
                    .col(int_null("no_show_ban_days"))
                    .col(int("waitlist_limit"))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital(RULE))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table(b, WAITLIST)
                    .col(id())
                    .col(hospital_id())
                    .col(big("schedule_id"))
                    .col(big("patient_id"))
                    .col(string("status", 16))
                    .col(big_null("appointment_id"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital(WAITLIST))
                    .foreign_key(&mut fk(WAITLIST, "schedule_id", "schedule"))
                    .foreign_key(&mut fk(WAITLIST, "patient_id", "patient"))
                    .foreign_key(&mut fk(WAITLIST, "appointment_id", "appointment"))
                    .check(enum_check(
                        WAITLIST,
                        "status",
                        &["WAITING", "PROMOTED", "CANCELLED", "EXPIRED"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                table(b, DISPLAY)
                    .col(id())
                    .col(hospital_id())
                    .col(string("name", 64))
                    .col(code(b, "token_hash", 64))
                    .col(string("token_hint", 8))
                    .col(big_null("department_id"))
                    .col(string_null("area", 64))
                    .col(big("created_by"))
                    .col(created_at(b))
                    .col(ts_null(b, "last_used_at"))
                    .col(ts_null(b, "revoked_at"))
                    .foreign_key(&mut fk_hospital(DISPLAY))
                    .foreign_key(&mut fk(DISPLAY, "department_id", "department"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index(WAITLIST, &["schedule_id", "status"]),
                index(WAITLIST, &["patient_id"]),
                unique(DISPLAY, &["token_hash"]),
                index(DISPLAY, &["hospital_id"]),
            ],
        )
        .await?;
        add_column(manager, "appointment", flag("from_waitlist", false)).await?;
        add_column(manager, "appointment", ts_null(b, "requeued_at")).await?;
        add_column(manager, "patient", ts_null(b, "no_show_pardoned_at")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_column(manager, "patient", "no_show_pardoned_at").await?;
        drop_column(manager, "appointment", "requeued_at").await?;
        drop_column(manager, "appointment", "from_waitlist").await?;
        for t in [DISPLAY, WAITLIST, RULE] {
            manager.drop_table(drop_table(t)).await?;
        }
        Ok(())
    }
}
