//! Hospitals: each starts with the national insurance types, so its patients can be registered at once.
use crate::{
    entities::foundation::hospital, error::AppError, services::foundation::insurance_types,
};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

/// Creates a hospital (in `conn`'s transaction, if it is one) with the national insurance types.
pub async fn create(
    conn: &impl ConnectionTrait,
    code: String,
    name: String,
    timezone: &str,
) -> Result<hospital::Model, AppError> {
    let now = Utc::now();
    let created = hospital::ActiveModel {
        code: Set(code),
        name: Set(name),
        timezone: Set(timezone.to_owned()),
        is_active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    insurance_types::add_national(conn, created.id, now).await?;
    Ok(created)
}
