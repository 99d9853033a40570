//! The `refresh_token` table.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub session_id: i64,
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "crate::entities::foundation::auth_session::Entity",
        from = "Column::SessionId",
        to = "crate::entities::foundation::auth_session::Column::Id"
    )]
    Session,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<crate::entities::foundation::auth_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}
