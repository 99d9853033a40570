//! Display links: an administrator opens the queue board on a waiting-room screen without a staff login. A
//! link is a long random token scoped to one hospital (and optionally a department or an area), able to read
//! the board and nothing else; it is listed, and revoked at once. Only its SHA-256 is stored.
use crate::services::{Actor, find_owned, foundation::audit, referenced};
use crate::{
    auth::sha256_hex,
    db::begin_write,
    entities::{foundation::department, outpatient::display_link},
    error::AppError,
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde_json::json;

/// What every display token starts with, so a screen's token is never mistaken for a session's.
pub const PREFIX: &str = "dsp_";

#[derive(Debug, Clone)]
pub struct NewLink {
    pub name: String,
    pub department_id: Option<i64>,
    pub area: Option<String>,
}

/// A created link with its token, shown this once.
#[derive(Debug, Clone)]
pub struct Created {
    pub link: display_link::Model,
    pub token: String,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewLink,
) -> Result<Created, AppError> {
    let txn = begin_write(db).await?;
    if let Some(d) = new.department_id {
        referenced::<department::Entity>(&txn, actor, d, "department_id").await?;
    }
    let token = format!("{PREFIX}{}", crate::auth::random_token());
    let link = display_link::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        name: Set(new.name),
        token_hash: Set(sha256_hex(&token)),
        token_hint: Set(token.chars().take(8).collect()),
        department_id: Set(new.department_id),
        area: Set(new.area),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::commit(
        txn,
        actor
            .audit("DISPLAY_LINK_CREATE", "display_link", link.id)
            .with_detail(
                json!({"name": link.name, "department_id": link.department_id, "area": link.area}),
            ),
    )
    .await?;
    Ok(Created { link, token })
}

/// The hospital's links, newest first, revoked ones included.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<Vec<display_link::Model>, AppError> {
    Ok(display_link::Entity::find()
        .filter(display_link::Column::HospitalId.eq(actor.hospital_id))
        .order_by_desc(display_link::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a link: the screen showing it gets 401 on its next poll.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> Result<display_link::Model, AppError> {
    let txn = begin_write(db).await?;
    find_owned::<display_link::Entity>(&txn, actor, id).await?;
    display_link::Entity::update_many()
        .col_expr(display_link::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(display_link::Column::Id.eq(id))
        .filter(display_link::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(&txn, actor.audit("DISPLAY_LINK_REVOKE", "display_link", id)).await?;
    let revoked = find_owned::<display_link::Entity>(&txn, actor, id).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// The live link a token opens, or 401. Notes when it was last used (at most once a minute).
#[tracing::instrument(skip_all)]
pub async fn open(db: &DatabaseConnection, token: &str) -> Result<display_link::Model, AppError> {
    let refused = || AppError::Unauthorized("the display link is unknown or revoked".into());
    if !token.starts_with(PREFIX) {
        return Err(refused());
    }
    let link = display_link::Entity::find()
        .filter(display_link::Column::TokenHash.eq(sha256_hex(token)))
        .filter(display_link::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(refused)?;
    let now = Utc::now();
    if link
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        display_link::Entity::update_many()
            .col_expr(display_link::Column::LastUsedAt, Expr::value(now))
            .filter(display_link::Column::Id.eq(link.id))
            .exec(db)
            .await?;
    }
    Ok(link)
}
