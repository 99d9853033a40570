//! Signing in and out: the token pair, refresh-token rotation with reuse detection, lockout, password changes.
use crate::services::{
    Actor, HospitalSettings,
    foundation::audit::{self, Entry, Outcome},
    foundation::throttle,
};
use crate::{
    auth::{
        jwt::{Claims, JwtKeys},
        new_refresh_token,
        password::HashGate,
        sha256_hex,
    },
    config::AuthSettings,
    db::begin_write,
    domain::foundation::password::PasswordPolicy,
    entities::{
        foundation::app_user, foundation::auth_session, foundation::hospital,
        foundation::refresh_token,
    },
    error::AppError,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, sea_query::Expr,
};
use serde_json::json;

/// What a successful sign-in or refresh hands out.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub password_expired: bool,
}

fn wrong_credentials() -> AppError {
    AppError::Unauthorized("wrong username or password".into())
}

fn session_ended() -> AppError {
    AppError::Unauthorized("the session has ended; sign in again".into())
}

/// A username as the audit log may record it: printable, at most 64 characters.
fn printable(username: &str) -> String {
    username
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect()
}

fn anonymous(action: &'static str, username: &str, ip: &str) -> Entry {
    Entry {
        hospital_id: None,
        actor_user_id: None,
        actor_username: Some(printable(username)),
        action,
        resource_type: Some("session"),
        resource_id: None,
        outcome: Outcome::Failure,
        client_ip: Some(ip.to_owned()),
        detail: None,
    }
}

fn for_user(action: &'static str, user: &app_user::Model, ip: &str) -> Entry {
    Entry {
        hospital_id: Some(user.hospital_id),
        actor_user_id: Some(user.id),
        ..anonymous(action, &user.username, ip)
    }
}

/// A username as typed at sign-in, the way it is looked up, throttled and audited: without surrounding
/// blanks (MariaDB's PAD SPACE collations would otherwise match `"admin   "` to `admin` under another
/// throttle key). `None` for what no account can be called.
fn sign_in_name(raw: &str) -> Option<&str> {
    let name = raw.trim();
    (!name.is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control))
        .then_some(name)
}

#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    settings: &AuthSettings,
    hashes: &HashGate,
    username: &str,
    password_attempt: String,
    ip: &str,
) -> Result<Tokens, AppError> {
    let now = Utc::now();
    let name = sign_in_name(username);
    let username = name.unwrap_or(username);
    let address_key = throttle::address_key(ip);
    let account_key = throttle::account_key(username, ip);
    let limits = [
        (&address_key, settings.max_failures_per_address),
        (&account_key, settings.max_failures_per_account),
    ];
    // Each attempt is counted before the password is checked, and given back if it proves right.
    let mut reserved = Vec::with_capacity(limits.len());
    for (key, max) in limits {
        match throttle::reserve(db, key, max, settings, now).await? {
            Ok(()) => reserved.push(key),
            Err(retry_after_secs) => {
                for key in reserved {
                    throttle::release(db, key).await?;
                }
                audit::record(
                    db,
                    anonymous("LOGIN", username, ip).with_detail(json!({"reason": "locked"})),
                )
                .await?;
                return Err(AppError::TooManyAttempts { retry_after_secs });
            }
        }
    }

    let user = match name {
        Some(name) => {
            app_user::Entity::find()
                .filter(app_user::Column::Username.eq(name))
                .one(db)
                .await?
        }
        None => None,
    };
    // Looked up for an unknown user too (no hospital has id 0), so both cost the same queries.
    let hospital_active =
        hospital_is_active(db, user.as_ref().map_or(0, |u| u.hospital_id)).await? && user.is_some();
    // Known or not, the attempt costs one full hash: the time taken does not tell which usernames exist.
    let checked = hashes
        .verify(
            password_attempt,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await;
    let password_ok = match checked {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked (the server is busy): the attempt does not count.
            for (key, _) in limits {
                throttle::release(db, key).await?;
            }
            return Err(e);
        }
    };

    let user = match user {
        Some(u) if password_ok && u.is_active && hospital_active => u,
        other => {
            crate::metrics::get().login_failures.inc();
            for (key, max) in limits {
                throttle::fail(db, key, max, settings, now).await?;
            }
            let reason = match &other {
                None => "unknown user",
                Some(_) if !password_ok => "wrong password",
                Some(_) => "account disabled",
            };
            let entry = match &other {
                Some(u) => for_user("LOGIN", u, ip),
                None => anonymous("LOGIN", username, ip),
            };
            audit::record(db, entry.with_detail(json!({ "reason": reason }))).await?;
            return Err(wrong_credentials());
        }
    };

    throttle::release(db, &address_key).await?;
    throttle::clear(db, &account_key).await?;
    let txn = begin_write(db).await?;
    let session = auth_session::ActiveModel {
        hospital_id: Set(user.hospital_id),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now + duration(settings.session_ttl)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        client_ip: Set(Some(ip.to_owned())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::LastLoginAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let tokens = issue(&txn, keys, settings, &user, session.id, now).await?;
    audit::commit(
        txn,
        for_user("LOGIN", &user, ip)
            .with_outcome(Outcome::Success)
            .with_detail(json!({"session_id": session.id})),
    )
    .await?;
    Ok(tokens)
}

async fn issue(
    conn: &impl ConnectionTrait,
    keys: &JwtKeys,
    settings: &AuthSettings,
    user: &app_user::Model,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<Tokens, AppError> {
    let refresh = new_refresh_token();
    refresh_token::ActiveModel {
        session_id: Set(session_id),
        token_hash: Set(sha256_hex(&refresh)),
        expires_at: Set(now + duration(settings.refresh_ttl)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let claims = Claims {
        sub: user.id.to_string(),
        hid: user.hospital_id,
        sid: session_id,
        role: user.role.as_str().to_owned(),
        iat: now.timestamp(),
        exp: (now + duration(settings.access_ttl)).timestamp(),
    };
    Ok(Tokens {
        access_token: keys.issue(&claims)?,
        refresh_token: refresh,
        expires_in: settings.access_ttl.as_secs(),
        password_expired: settings
            .password_policy
            .is_expired(user.password_changed_at, now),
    })
}

/// Trades a refresh token for a new pair. A refresh token works once: presenting a used one means it was
/// copied, so the whole session (every token descended from the same sign-in) is revoked.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &JwtKeys,
    settings: &AuthSettings,
    presented: &str,
    ip: &str,
) -> Result<Tokens, AppError> {
    let now = Utc::now();
    let Some((token, Some(session))) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(presented)))
        .find_also_related(auth_session::Entity)
        .one(db)
        .await?
    else {
        return Err(session_ended());
    };
    let user = app_user::Entity::find_by_id(session.user_id)
        .one(db)
        .await?
        .ok_or_else(session_ended)?;

    let txn = begin_write(db).await?;
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(token.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_session(&txn, session.id, "REFRESH_TOKEN_REUSED", now).await?;
        audit::commit(txn, for_user("TOKEN_REFRESH", &user, ip).with_detail(json!({"reason": "refresh token reused; session revoked", "session_id": session.id}))).await?;
        return Err(session_ended());
    }
    let usable = token.expires_at > now
        && session.revoked_at.is_none()
        && session.expires_at > now
        && user.is_active
        && hospital_is_active(&txn, user.hospital_id).await?;
    if !usable {
        txn.rollback().await?;
        return Err(session_ended());
    }
    let tokens = issue(&txn, keys, settings, &user, session.id, now).await?;
    audit::commit(
        txn,
        for_user("TOKEN_REFRESH", &user, ip).with_outcome(Outcome::Success),
    )
    .await?;
    Ok(tokens)
}

async fn revoke_session(
    conn: &impl ConnectionTrait,
    session_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(now))
        .col_expr(auth_session::Column::RevokedReason, Expr::value(reason))
        .filter(auth_session::Column::Id.eq(session_id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every live session of a user but `keep` (after a password change or when the user is disabled).
#[tracing::instrument(skip_all)]
pub async fn revoke_user_sessions(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<i64>,
    reason: &str,
) -> Result<(), AppError> {
    let mut update = auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(auth_session::Column::RevokedReason, Expr::value(reason))
        .filter(auth_session::Column::UserId.eq(user_id))
        .filter(auth_session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(auth_session::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn logout(db: &DatabaseConnection, actor: &Actor) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    revoke_session(&txn, actor.session_id, "LOGOUT", Utc::now()).await?;
    audit::commit(txn, actor.audit("LOGOUT", "session", actor.session_id)).await?;
    Ok(())
}

/// Whether the hospital still works with the system: a deactivated one's sessions end at once.
async fn hospital_is_active(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
) -> Result<bool, AppError> {
    Ok(hospital::Entity::find_by_id(hospital_id)
        .one(conn)
        .await?
        .is_some_and(|h| h.is_active))
}

/// Sessions checked lately, so that a burst of requests does not read the session, the user, the hospital
/// and its settings every time. An entry lives `ttl`; every change this server makes to sessions, users or a
/// hospital's settings (sign-out, refresh, password, role, disabling, booking rules) empties the cache at
/// once. A change made elsewhere (another instance, the command line, the database by hand) takes effect
/// within `ttl`.
pub struct SessionCache {
    ttl: std::time::Duration,
    inner: std::sync::Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    /// Bumped by every `forget_all`: a check that started before it must not store what it read.
    generation: u64,
    entries: std::collections::HashMap<i64, Checked>,
}

/// A live session as last read: what the actor is made of.
#[derive(Clone)]
struct Checked {
    at: std::time::Instant,
    user_id: i64,
    hospital_id: i64,
    username: String,
    role: crate::domain::foundation::role::Role,
    password_changed_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    hospital: std::sync::Arc<HospitalSettings>,
}

/// More entries than this and the expired ones are dropped on the next store.
const CACHE_PRUNE_AT: usize = 10_000;

impl SessionCache {
    /// A cache whose entries live `ttl`; zero keeps nothing.
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            inner: Default::default(),
        }
    }

    /// Forgets every session: the next request of each reads it again.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, session_id: i64) -> Option<Checked> {
        self.lock()
            .entries
            .get(&session_id)
            .filter(|c| c.at.elapsed() < self.ttl)
            .cloned()
    }

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn store(&self, session_id: i64, checked: Checked, read_in: u64) {
        if self.ttl.is_zero() {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != read_in {
            return;
        }
        if inner.entries.len() >= CACHE_PRUNE_AT {
            let ttl = self.ttl;
            inner.entries.retain(|_, c| c.at.elapsed() < ttl);
        }
        inner.entries.insert(session_id, checked);
    }
}

/// The caller behind an access token: valid signature and expiry, a live session, an active user and
/// hospital. Role and hospital come from the database (or the cache, which every change here empties), so a
/// demotion takes effect at once.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &DatabaseConnection,
    cache: &SessionCache,
    keys: &JwtKeys,
    policy: PasswordPolicy,
    token: &str,
    client_ip: Option<String>,
) -> Result<Actor, AppError> {
    let invalid = || AppError::Unauthorized("the access token is invalid or has expired".into());
    let claims = keys.verify(token).map_err(|_| invalid())?;
    let user_id: i64 = claims.sub.parse().map_err(|_| invalid())?;
    let now = Utc::now();
    let checked = match cache.get(claims.sid) {
        Some(checked) => checked,
        None => {
            let generation = cache.generation();
            let checked = check_session(db, claims.sid).await?.ok_or_else(invalid)?;
            cache.store(claims.sid, checked.clone(), generation);
            checked
        }
    };
    if checked.user_id != user_id || checked.hospital_id != claims.hid {
        return Err(invalid());
    }
    if checked.expires_at <= now {
        return Err(session_ended());
    }
    Ok(Actor {
        user_id,
        hospital_id: checked.hospital_id,
        username: checked.username,
        role: checked.role,
        session_id: claims.sid,
        password_expired: policy.is_expired(checked.password_changed_at, now),
        client_ip,
        hospital: checked.hospital,
    })
}

/// Reads a session with its user, hospital and the hospital's settings; `None` for no such session, and
/// `SESSION_ENDED` for one revoked, a disabled user or a deactivated hospital.
async fn check_session(
    db: &DatabaseConnection,
    session_id: i64,
) -> Result<Option<Checked>, AppError> {
    let Some((session, Some(user))) = auth_session::Entity::find_by_id(session_id)
        .find_also_related(app_user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.user_id != user.id {
        return Ok(None);
    }
    if session.revoked_at.is_some() || !user.is_active {
        return Err(session_ended());
    }
    let hospital = hospital::Entity::find_by_id(user.hospital_id)
        .one(db)
        .await?
        .filter(|h| h.is_active)
        .ok_or_else(session_ended)?;
    Ok(Some(Checked {
        at: std::time::Instant::now(),
        user_id: user.id,
        hospital_id: user.hospital_id,
        username: user.username,
        role: user.role,
        password_changed_at: user.password_changed_at,
        expires_at: session.expires_at,
        hospital: std::sync::Arc::new(HospitalSettings::load(db, &hospital).await?),
    }))
}

#[tracing::instrument(skip_all)]
pub async fn change_password(
    db: &DatabaseConnection,
    policy: PasswordPolicy,
    hashes: &HashGate,
    actor: &Actor,
    current: String,
    new: String,
) -> Result<(), AppError> {
    let user = app_user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if !hashes
        .verify(current.clone(), Some(user.password_hash.clone()))
        .await?
    {
        return Err(AppError::invalid(
            "current_password",
            "is not the current password",
        ));
    }
    policy
        .check(&new, &user.username)
        .map_err(|e| AppError::invalid("new_password", e.to_string()))?;
    if new == current {
        return Err(AppError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let hash = hashes.hash(new).await?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    app_user::Entity::update_many()
        .col_expr(app_user::Column::PasswordHash, Expr::value(hash))
        .col_expr(app_user::Column::PasswordChangedAt, Expr::value(now))
        .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
        .filter(app_user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    revoke_user_sessions(&txn, user.id, Some(actor.session_id), "PASSWORD_CHANGED").await?;
    audit::commit(txn, actor.audit("PASSWORD_CHANGE", "user", user.id)).await?;
    Ok(())
}

fn duration(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// The signed-in user's account and hospital.
#[tracing::instrument(skip_all)]
pub async fn profile(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<(app_user::Model, hospital::Model), AppError> {
    let account = app_user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let hospital = hospital::Entity::find_by_id(actor.hospital_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("hospital"))?;
    Ok((account, hospital))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    fn checked() -> Checked {
        Checked {
            at: std::time::Instant::now(),
            user_id: 1,
            hospital_id: 1,
            username: "a".into(),
            role: crate::domain::foundation::role::Role::FrontDesk,
            password_changed_at: Utc::now(),
            expires_at: Utc::now() + Duration::hours(1),
            hospital: std::sync::Arc::new(HospitalSettings {
                timezone: chrono_tz::Asia::Shanghai,
                booking_rules: Default::default(),
            }),
        }
    }

    #[test]
    fn a_check_that_started_before_a_change_is_not_kept() {
        let cache = SessionCache::new(Std::from_secs(60));
        let before = cache.generation();
        cache.forget_all();
        cache.store(7, checked(), before);
        assert!(
            cache.get(7).is_none(),
            "read before the change, stored after it"
        );
        cache.store(7, checked(), cache.generation());
        assert!(cache.get(7).is_some());
        cache.forget_all();
        assert!(cache.get(7).is_none());
    }

    #[test]
    fn an_entry_lives_its_time_and_a_zero_cache_keeps_nothing() {
        let cache = SessionCache::new(Std::ZERO);
        cache.store(7, checked(), cache.generation());
        assert!(cache.get(7).is_none());
        let cache = SessionCache::new(Std::from_secs(60));
        let mut old = checked();
        old.at -= Std::from_secs(61);
        cache.store(7, old, cache.generation());
        assert!(cache.get(7).is_none(), "an entry past its time");
    }
}
