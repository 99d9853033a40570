//! Failed sign-ins, counted per client address and per (account, client address). Locking the pair rather
//! than the account means an attacker can lock an account out only from their own address, never for
//! everybody; the per-address counter stops them trying many accounts.
use crate::{config::AuthSettings, entities::login_throttle as lt};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    Set,
    sea_query::{Expr, ExprTrait},
};

pub fn address_key(ip: &str) -> String {
    format!("addr:{}", crate::auth::sha256_hex(ip))
}

/// Hashed, so neither a long username nor a long address can overflow the column.
pub fn account_key(username: &str, ip: &str) -> String {
    format!(
        "acct:{}",
        crate::auth::sha256_hex(&format!("{}\n{ip}", username.to_lowercase()))
    )
}

/// Seconds until the longest lock among `keys` ends, if any is locked.
pub async fn locked_for(
    db: &impl ConnectionTrait,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<Option<u64>, DbErr> {
    let rows = lt::Entity::find()
        .filter(lt::Column::ClientKey.is_in(keys.iter().cloned()))
        .filter(lt::Column::LockedUntil.gt(now))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.locked_until)
        .max()
        .map(|until| Ord::max((until - now).num_seconds(), 1) as u64))
}

/// Counts one failure against `key`; locks it once `max` failures fall within the window. Each statement is
/// an atomic compare-and-set, so concurrent failures are all counted.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    key: &str,
    max: u32,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let window = Duration::from_std(settings.failure_window).unwrap_or(Duration::minutes(15));
    let lock = Duration::from_std(settings.lock_duration).unwrap_or(Duration::minutes(15));
    // A window that has run out starts again.
    lt::Entity::update_many()
        .col_expr(lt::Column::Failures, Expr::value(0))
        .col_expr(lt::Column::WindowStartedAt, Expr::value(now))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::WindowStartedAt.lt(now - window))
        .filter(
            Condition::any()
                .add(lt::Column::LockedUntil.is_null())
                .add(lt::Column::LockedUntil.lte(now)),
        )
        .exec(db)
        .await?;
    if !increment(db, key).await? {
        let inserted = lt::ActiveModel {
            client_key: Set(key.to_owned()),
            failures: Set(1),
            window_started_at: Set(now),
            locked_until: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Ok(_) => {}
            // Another request inserted the row first: count on it.
            Err(e) if e.sql_err().is_some() => {
                increment(db, key).await?;
            }
            Err(e) => return Err(e),
        }
    }
    lt::Entity::update_many()
        .col_expr(lt::Column::LockedUntil, Expr::value(now + lock))
        .col_expr(lt::Column::Failures, Expr::value(0))
        .col_expr(lt::Column::WindowStartedAt, Expr::value(now))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::Failures.gte(max as i32))
        .exec(db)
        .await?;
    Ok(())
}

async fn increment(db: &impl ConnectionTrait, key: &str) -> Result<bool, DbErr> {
    let result = lt::Entity::update_many()
        .col_expr(lt::Column::Failures, Expr::col(lt::Column::Failures).add(1))
        .filter(lt::Column::ClientKey.eq(key))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    lt::Entity::delete_many()
        .filter(lt::Column::ClientKey.eq(key))
        .exec(db)
        .await
        .map(|_| ())
}
