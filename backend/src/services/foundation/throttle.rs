//! Failed sign-ins, counted per client address and per (account, client address). Locking the pair rather
//! than the account means an attacker can lock an account out only from their own address, never for
//! everybody; the per-address counter stops them trying many accounts.
use crate::{config::AuthSettings, entities::foundation::login_throttle as lt};
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

/// Takes one attempt from `key`'s allowance before the password is checked: the attempt counts as a failure
/// until it proves right ([`release`]). So parallel guesses cannot all pass the lock check before any failure
/// is recorded: at most `max` are ever in flight or failed within the window. `Err(seconds)` when the key is
/// locked, or its allowance is taken by attempts still being checked.
#[tracing::instrument(skip_all)]
pub async fn reserve(
    db: &impl ConnectionTrait,
    key: &str,
    max: u32,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<Result<(), u64>, DbErr> {
    let window = Duration::from_std(settings.failure_window).unwrap_or(Duration::minutes(15));
    // A window that has run out starts again.
    lt::Entity::update_many()
        .col_expr(lt::Column::Failures, Expr::value(0))
        .col_expr(lt::Column::WindowStartedAt, Expr::value(now))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::WindowStartedAt.lt(now - window))
        .filter(unlocked(now))
        .exec(db)
        .await?;
    let inserted = lt::ActiveModel {
        client_key: Set(key.to_owned()),
        failures: Set(0),
        window_started_at: Set(now),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        // Another request inserted the row first, or it was there already.
        Ok(_) => {}
        Err(e) if e.sql_err().is_some() => {}
        Err(e) => return Err(e),
    }
    let taken = lt::Entity::update_many()
        .col_expr(lt::Column::Failures, Expr::col(lt::Column::Failures).add(1))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::Failures.lt(max as i32))
        .filter(unlocked(now))
        .exec(db)
        .await?
        .rows_affected
        > 0;
    if taken {
        return Ok(Ok(()));
    }
    let locked_until = lt::Entity::find()
        .filter(lt::Column::ClientKey.eq(key))
        .one(db)
        .await?
        .and_then(|r| r.locked_until)
        .filter(|until| *until > now);
    Ok(Err(locked_until.map_or(1, |until| {
        Ord::max((until - now).num_seconds(), 1) as u64
    })))
}

/// The reserved attempt failed: it stays counted, and once `max` are counted the key is locked.
#[tracing::instrument(skip_all)]
pub async fn fail(
    db: &impl ConnectionTrait,
    key: &str,
    max: u32,
    settings: &AuthSettings,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let lock = Duration::from_std(settings.lock_duration).unwrap_or(Duration::minutes(15));
    let locked = lt::Entity::update_many()
        .col_expr(lt::Column::LockedUntil, Expr::value(now + lock))
        .col_expr(lt::Column::Failures, Expr::value(0))
        .col_expr(lt::Column::WindowStartedAt, Expr::value(now))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::Failures.gte(max as i32))
        .filter(unlocked(now))
        .exec(db)
        .await?;
    if locked.rows_affected > 0 {
        crate::metrics::get().login_lockouts.inc();
    }
    Ok(())
}

/// The reserved attempt was right: it gives back what it took.
#[tracing::instrument(skip_all)]
pub async fn release(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    lt::Entity::update_many()
        .col_expr(lt::Column::Failures, Expr::col(lt::Column::Failures).sub(1))
        .filter(lt::Column::ClientKey.eq(key))
        .filter(lt::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

fn unlocked(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(lt::Column::LockedUntil.is_null())
        .add(lt::Column::LockedUntil.lte(now))
}

#[tracing::instrument(skip_all)]
pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    lt::Entity::delete_many()
        .filter(lt::Column::ClientKey.eq(key))
        .exec(db)
        .await
        .map(|_| ())
}
