//! The `charge_import` table: one charge import (or generated batch) whose lines are written in chunks; its
//! lines count for readers only once it is COMPLETE (see `services::accounting::charge_import`).
use crate::domain::accounting::charge_line::ImportStatus;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "charge_import")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub hospital_id: i64,
    /// `PENDING` while its lines are written, `COMPLETE` once they all are.
    pub status: ImportStatus,
    /// The hospital while PENDING (one pending import per hospital), NULL once complete.
    pub pending_hospital_id: Option<i64>,
    /// Handed out in order as imports complete.
    pub completed_seq: Option<i64>,
    pub lease_until: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
