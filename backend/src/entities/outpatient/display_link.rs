//! The `display_link` table: a read-only link that opens one hospital's queue board on a screen without a
//! staff login. Only the token's SHA-256 is kept.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "display_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    pub name: String,
    pub token_hash: String,
    /// The token's first characters, to tell links apart in the list.
    pub token_hint: String,
    /// Only this department's rooms.
    pub department_id: Option<i64>,
    /// Only rooms of departments whose location starts with this (a floor, a wing).
    pub area: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
