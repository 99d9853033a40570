//! Staff accounts (ADMIN only). Accounts are never deleted: the audit log names them.
use crate::services::{
    Actor, Page, PageRequest, fetch_page, find_owned, foundation::audit,
    foundation::auth::revoke_user_sessions, search, sort_by,
};
use crate::{
    auth::password,
    db::begin_write,
    domain::{foundation::password::PasswordPolicy, foundation::role::Role},
    entities::foundation::app_user as user,
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct UserChanges {
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    /// A new password set by the administrator; the user's sessions end.
    pub password: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub sort: Option<String>,
}

const UNIQUE: &[(&str, &str)] = &[("username", "is already taken")];

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: UserFilter,
    page: PageRequest,
) -> Result<Page<user::Model>, AppError> {
    let order = sort_by(
        f.sort.as_deref(),
        &[
            ("username", user::Column::Username),
            ("display_name", user::Column::DisplayName),
            ("created_at", user::Column::CreatedAt),
        ],
    )?;
    let mut select = search::<user::Entity>(
        actor,
        f.q.as_deref(),
        &[user::Column::Username, user::Column::DisplayName],
    )?;
    if let Some(r) = f.role {
        select = select.filter(user::Column::Role.eq(r.as_str()));
    }
    if let Some(active) = f.is_active {
        select = select.filter(user::Column::IsActive.eq(active));
    }
    let order = order.or(Some((user::Column::Username, sea_orm::Order::Asc)));
    fetch_page(db, select, order, user::Column::Id, page).await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<user::Model, AppError> {
    find_owned::<user::Entity>(conn, actor, id).await
}

fn check_password(policy: PasswordPolicy, password: &str, username: &str) -> Result<(), AppError> {
    policy
        .check(password, username)
        .map_err(|e| AppError::invalid("password", e.to_string()))
}

/// Creates an account in `hospital_id`; used by the API (the admin's hospital) and by `hospital user create`.
#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    input: NewUser,
    password_hash: String,
) -> Result<user::Model, AppError> {
    let now = Utc::now();
    user::ActiveModel {
        hospital_id: Set(hospital_id),
        username: Set(input.username),
        display_name: Set(input.display_name),
        role: Set(input.role),
        password_hash: Set(password_hash),
        password_changed_at: Set(now),
        is_active: Set(true),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(AppError::unique(UNIQUE))
}

/// A taken username, with the account that has it when it is one of the actor's hospital (usernames are
/// unique across hospitals, and another hospital's staff are not named).
async fn with_holder(
    db: &DatabaseConnection,
    actor: &Actor,
    err: AppError,
    username: &str,
) -> AppError {
    if !err.is_duplicate_of("username") {
        return err;
    }
    let holder = user::Entity::find()
        .filter(user::Column::HospitalId.eq(actor.hospital_id))
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await;
    match holder {
        Ok(Some(u)) => err.collided(Conflict::named(
            ConflictResource::User,
            u.id,
            Some(&u.username),
            &u.display_name,
        )),
        _ => err,
    }
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    policy: PasswordPolicy,
    actor: &Actor,
    input: NewUser,
) -> Result<user::Model, AppError> {
    check_password(policy, &input.password, &input.username)?;
    let hash = password::hash(input.password.clone()).await?;
    let txn = begin_write(db).await?;
    let username = input.username.clone();
    let created = match insert(&txn, actor.hospital_id, input, hash).await {
        Ok(created) => created,
        Err(e) => {
            drop(txn);
            return Err(with_holder(db, actor, e, &username).await);
        }
    };
    audit::commit(
        txn,
        actor
            .audit("USER_CREATE", "user", created.id)
            .with_detail(serde_json::json!({"role": created.role})),
    )
    .await?;
    Ok(created)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    policy: PasswordPolicy,
    actor: &Actor,
    id: i64,
    changes: UserChanges,
) -> Result<user::Model, AppError> {
    // An administrator cannot lock themselves out of administration.
    if id == actor.user_id && (!changes.is_active || changes.role != Role::Admin) {
        return Err(AppError::Conflict {
            code: ErrorCode::SelfLockout,
            message: "you cannot disable your own account or remove your own ADMIN role".into(),
        });
    }
    let existing = get(db, actor, id).await?;
    let hash = match &changes.password {
        Some(p) => {
            check_password(policy, p, &existing.username)?;
            Some(password::hash(p.clone()).await?)
        }
        None => None,
    };
    let txn = begin_write(db).await?;
    let existing = get(&txn, actor, id).await?;
    let (old_role, was_active) = (existing.role, existing.is_active);
    let mut row: user::ActiveModel = existing.into();
    let now = Utc::now();
    row.display_name = Set(changes.display_name);
    row.role = Set(changes.role);
    row.is_active = Set(changes.is_active);
    row.updated_at = Set(now);
    let password_reset = hash.is_some();
    if let Some(hash) = hash {
        row.password_hash = Set(hash);
        row.password_changed_at = Set(now);
    }
    let updated = row.update(&txn).await?;
    if password_reset || (was_active && !updated.is_active) {
        revoke_user_sessions(
            &txn,
            id,
            None,
            if password_reset {
                "PASSWORD_RESET"
            } else {
                "USER_DISABLED"
            },
        )
        .await?;
    }
    let detail = serde_json::json!({
        "role": [old_role, updated.role],
        "is_active": [was_active, updated.is_active],
        "password_reset": password_reset,
    });
    audit::commit(
        txn,
        actor.audit("USER_UPDATE", "user", id).with_detail(detail),
    )
    .await?;
    Ok(updated)
}
