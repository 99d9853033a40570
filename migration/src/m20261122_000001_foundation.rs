//! Tenants, users, sessions and the tamper-evident audit log: what every later table hangs off.

use sea_orm_migration::prelude::*;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ROLES: &[&str] = &["ADMIN", "FRONT_DESK", "DOCTOR", "ANALYST"];
const AUDIT_OUTCOMES: &[&str] = &["SUCCESS", "FAILURE", "DENIED"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();

        manager
            .create_table(
                table(b, "hospital")
                    .col(id())
                    .col(code(b, "code", 32))
                    .col(string("name", 128))
                    .col(string("timezone", 64).default("Asia/Shanghai"))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .to_owned(),
            )
            .await?;
        manager.create_index(unique("hospital", &["code"])).await?;

        manager
            .create_table(
                table(b, "app_user")
                    .col(id())
                    .col(hospital_id())
                    .col(code(b, "username", 64))
                    .col(string("display_name", 64))
                    .col(string("role", 16))
                    .col(string("password_hash", 255))
                    .col(ts(b, "password_changed_at"))
                    .col(flag("is_active", true))
                    .col(ts_null(b, "last_login_at"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("app_user"))
                    .check(enum_check("app_user", "role", ROLES))
                    .to_owned(),
            )
            .await?;
        // Usernames are unique across hospitals because login happens before the tenant is known.
        create_indexes(
            manager,
            [
                unique("app_user", &["username"]),
                index("app_user", &["hospital_id"]),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "auth_session")
                    .col(id())
                    .col(hospital_id())
                    .col(big("user_id"))
                    .col(created_at(b))
                    .col(ts(b, "expires_at"))
                    .col(ts_null(b, "revoked_at"))
                    .col(string_null("revoked_reason", 32))
                    .col(string_null("client_ip", 64))
                    .foreign_key(&mut fk_hospital("auth_session"))
                    .foreign_key(&mut fk("auth_session", "user_id", "app_user"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("auth_session", &["user_id"]))
            .await?;

        manager
            .create_table(
                table(b, "refresh_token")
                    .col(id())
                    .col(big("session_id"))
                    .col(string("token_hash", 64))
                    .col(ts(b, "expires_at"))
                    .col(ts_null(b, "used_at"))
                    .col(created_at(b))
                    // Tokens are worthless without their session, so purging sessions may take them along.
                    .foreign_key(
                        fk("refresh_token", "session_id", "auth_session")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("refresh_token", &["token_hash"]))
            .await?;

        // Keyed by client address, not by tenant: throttling happens before we know the hospital.
        manager
            .create_table(
                table(b, "login_throttle")
                    .col(id())
                    .col(string("client_key", 128))
                    .col(int("failures").default(0))
                    .col(ts(b, "window_started_at"))
                    .col(ts_null(b, "locked_until"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("login_throttle", &["client_key"]))
            .await?;

        // hospital_id is nullable: a failed login for an unknown user belongs to no tenant.
        // actor_user_id has no foreign key so audit rows outlive the users they mention.
        manager
            .create_table(
                table(b, "audit_log")
                    .col(id())
                    .col(big_null("hospital_id"))
                    .col(big_null("actor_user_id"))
                    .col(string_null("actor_username", 64))
                    .col(string("action", 64))
                    .col(string_null("resource_type", 64))
                    .col(string_null("resource_id", 64))
                    .col(string("outcome", 16))
                    .col(string_null("client_ip", 64))
                    .col(text_null("detail"))
                    .col(created_at(b))
                    .col(big_null("chain_seq"))
                    .col(string_null("prev_hash", 64))
                    .col(string_null("hash", 64))
                    .foreign_key(&mut fk_hospital("audit_log"))
                    .check(enum_check("audit_log", "outcome", AUDIT_OUTCOMES))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("audit_log", &["chain_seq"]),
                index("audit_log", &["hospital_id", "created_at"]),
                index("audit_log", &["action"]),
            ],
        )
        .await?;

        // A single row (id = 1) that serialises appends to the hash chain; hence no auto increment.
        manager
            .create_table(
                table(b, "audit_chain_head")
                    .col(ColumnDef::new("id").big_integer().not_null().primary_key())
                    .col(big("last_seq"))
                    .col(string("last_hash", 64))
                    .col(updated_at(b))
                    .to_owned(),
            )
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "audit_chain_head",
                "audit_log",
                "login_throttle",
                "refresh_token",
                "auth_session",
                "app_user",
                "hospital",
            ],
        )
        .await
    }
}
