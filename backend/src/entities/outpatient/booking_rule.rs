//! The `booking_rule` table: one hospital's booking rules; no row means no rule beyond the slot's end.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "booking_rule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub hospital_id: i64,
    pub open_days_ahead: Option<i32>,
    /// Minutes after local midnight.
    pub release_minute: i32,
    pub cutoff_days_before: Option<i32>,
    pub cutoff_minute: Option<i32>,
    pub max_active_bookings: Option<i32>,
    pub no_show_limit: Option<i32>,
    pub no_show_window_days: Option<i32>,
    pub no_show_ban_days: Option<i32>,
    pub waitlist_limit: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
