//! A hospital's reference data (departments, doctors, patients, the catalogue, the diagnosis dictionary): rows
//! created, replaced and removed one at a time, each with its audit entry in the same transaction. `DELETE`
//! deletes a row, or deactivates it while history refers to it. The database is the arbiter of uniqueness; a
//! duplicate is answered with the row it collided with.
use crate::services::{Actor, Removal, find_owned, foundation::audit};
use crate::{
    db::begin_write,
    entities::HospitalScoped,
    error::{AppError, Conflict},
};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseConnection,
    DatabaseTransaction, IntoActiveModel, ModelTrait, PrimaryKeyTrait, QueryFilter,
    TransactionTrait, sea_query::Expr,
};
use std::future::Future;

/// A table of reference data: how the audit log names it, and its bookkeeping columns.
pub trait Retirable: HospitalScoped {
    /// How the audit log names the resource and the three actions on it.
    const RESOURCE: &'static str;
    const CREATE_ACTION: &'static str;
    const UPDATE_ACTION: &'static str;
    const DELETE_ACTION: &'static str;
    /// The id, `is_active`, `created_at` and `updated_at` columns.
    fn columns() -> [Self::Column; 4];
}

macro_rules! retirable {
    ($($table:ident => $action:literal, $resource:literal;)*) => {$(
        impl Retirable for crate::entities::foundation::$table::Entity {
            const RESOURCE: &'static str = $resource;
            const CREATE_ACTION: &'static str = concat!($action, "_CREATE");
            const UPDATE_ACTION: &'static str = concat!($action, "_UPDATE");
            const DELETE_ACTION: &'static str = concat!($action, "_DELETE");
            fn columns() -> [Self::Column; 4] {
                use crate::entities::foundation::$table::Column;
                [Column::Id, Column::IsActive, Column::CreatedAt, Column::UpdatedAt]
            }
        }
    )*};
}

retirable!(
    charge_item => "CHARGE_ITEM", "charge_item";
    department => "DEPARTMENT", "department";
    diagnosis => "DIAGNOSIS", "diagnosis";
    doctor => "DOCTOR", "doctor";
    insurance_type => "INSURANCE_TYPE", "insurance_type";
    patient => "PATIENT", "patient";
);

/// A unique key beside the hospital: the request field a duplicate is reported on, what its error says, and
/// the key's columns.
pub struct UniqueKey<C: 'static> {
    pub field: &'static str,
    pub message: &'static str,
    pub columns: &'static [C],
}

impl<C> UniqueKey<C> {
    pub const fn new(field: &'static str, message: &'static str, columns: &'static [C]) -> Self {
        Self {
            field,
            message,
            columns,
        }
    }
}

/// How one kind of reference data is written from a request.
pub trait Reference: Retirable {
    /// The request, validated.
    type Input: Send;
    /// The table's unique keys, each naming the request field a duplicate is reported on.
    fn unique_keys() -> &'static [UniqueKey<Self::Column>];
    /// What a create and a replace write alike.
    fn fill(row: &mut Self::ActiveModel, input: Self::Input);
    /// What must hold beside the row's own fields (references into the hospital, dates), checked in the
    /// write's transaction before the row is written; `before` is the row a replace replaces.
    fn check(
        _txn: &DatabaseTransaction,
        _actor: &Actor,
        _before: Option<&Self::Model>,
        _input: &Self::Input,
    ) -> impl Future<Output = Result<(), AppError>> + Send {
        async { Ok(()) }
    }
    /// The audit entry's detail for a saved row, given the row as it was before a replace.
    fn audit_detail(
        _before: Option<&Self::Model>,
        _saved: &Self::Model,
    ) -> Option<serde_json::Value> {
        None
    }
    /// The row a duplicate collided with, as the problem names it.
    fn conflict(holder: &Self::Model) -> Conflict;
}

/// Creates a row of the actor's hospital.
#[tracing::instrument(skip_all, fields(resource = E::RESOURCE))]
pub async fn create<E>(
    db: &DatabaseConnection,
    actor: &Actor,
    input: E::Input,
) -> Result<E::Model, AppError>
where
    E: Reference,
    E::ActiveModel: ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let txn = begin_write(db).await?;
    E::check(&txn, actor, None, &input).await?;
    let [_, _, created_at, _] = E::columns();
    let mut row = E::ActiveModel::default();
    row.set(E::hospital_column(), actor.hospital_id.into());
    row.set(created_at, chrono::Utc::now().into());
    save::<E>(db, txn, actor, row, None, input).await
}

/// Replaces a row of the actor's hospital.
#[tracing::instrument(skip_all, fields(resource = E::RESOURCE, id = id))]
pub async fn update<E>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: E::Input,
) -> Result<E::Model, AppError>
where
    E: Reference,
    E::ActiveModel: ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    let txn = begin_write(db).await?;
    let before = find_owned::<E>(&txn, actor, id).await?;
    E::check(&txn, actor, Some(&before), &input).await?;
    let row = before.clone().into_active_model();
    save::<E>(db, txn, actor, row, Some(before), input).await
}

/// Fills the row, writes it (inserted when it has no id yet, updated otherwise) and commits it with its audit
/// entry; a duplicate names the row that holds the value.
async fn save<E>(
    db: &DatabaseConnection,
    txn: DatabaseTransaction,
    actor: &Actor,
    mut row: E::ActiveModel,
    before: Option<E::Model>,
    input: E::Input,
) -> Result<E::Model, AppError>
where
    E: Reference,
    E::ActiveModel: ActiveModelBehavior + Send,
    E::Model: IntoActiveModel<E::ActiveModel>,
{
    let [id_col, _, _, updated_at] = E::columns();
    E::fill(&mut row, input);
    row.set(updated_at, chrono::Utc::now().into());
    let attempted = row.clone();
    let written = if before.is_none() {
        row.insert(&txn).await
    } else {
        row.update(&txn).await
    };
    let saved = match written {
        Ok(saved) => saved,
        Err(err) => {
            drop(txn);
            let fields: Vec<(&str, &str)> = E::unique_keys()
                .iter()
                .map(|k| (k.field, k.message))
                .collect();
            return Err(with_holder::<E>(
                db,
                actor,
                AppError::from_unique(err, &fields),
                &attempted,
            )
            .await);
        }
    };
    let id = match saved.get(id_col) {
        sea_orm::Value::BigInt(Some(id)) => id,
        other => return Err(anyhow::anyhow!("an id that is not a number: {other:?}").into()),
    };
    let action = match before {
        None => E::CREATE_ACTION,
        Some(_) => E::UPDATE_ACTION,
    };
    let mut entry = actor.audit(action, E::RESOURCE, id);
    if let Some(detail) = E::audit_detail(before.as_ref(), &saved) {
        entry = entry.with_detail(detail);
    }
    audit::commit(txn, entry).await?;
    Ok(saved)
}

/// A duplicate, with the row of the hospital that holds the key's value; any other error as it is.
async fn with_holder<E: Reference>(
    db: &DatabaseConnection,
    actor: &Actor,
    err: AppError,
    attempted: &E::ActiveModel,
) -> AppError {
    let AppError::Duplicate { field, .. } = &err else {
        return err;
    };
    let Some(key) = E::unique_keys().iter().find(|k| k.field == field) else {
        return err;
    };
    let mut select = E::find().filter(E::hospital_column().eq(actor.hospital_id));
    for &column in key.columns {
        match attempted.get(column) {
            ActiveValue::Set(value) | ActiveValue::Unchanged(value) => {
                select = select.filter(column.eq(value));
            }
            ActiveValue::NotSet => return err,
        }
    }
    match select.one(db).await {
        Ok(Some(holder)) => err.collided(E::conflict(&holder)),
        _ => err,
    }
}

/// Removes a row of the caller's hospital: deletes it or, when a foreign key (RESTRICT) says history refers
/// to it, marks it inactive. The database decides, so a reference added concurrently is never lost.
#[tracing::instrument(skip_all, fields(resource = E::RESOURCE, id = id))]
pub async fn remove<E>(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<Removal, AppError>
where
    E: Retirable,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    find_owned::<E>(db, actor, id).await?;
    // The removal and its audit entry commit together, or neither does.
    let txn = begin_write(db).await?;
    let removal = deactivate_if_referenced::<E>(&txn, id).await?;
    let entry = actor
        .audit(E::DELETE_ACTION, E::RESOURCE, id)
        .with_detail(serde_json::json!({ "removal": removal }));
    audit::commit(txn, entry).await?;
    Ok(removal)
}

async fn deactivate_if_referenced<E: Retirable>(
    txn: &DatabaseTransaction,
    id: i64,
) -> Result<Removal, AppError> {
    let [id_col, is_active, _, updated_at] = E::columns();
    // A refused DELETE aborts a PostgreSQL transaction: it runs in a savepoint of its own.
    let attempt = txn.begin().await?;
    match E::delete_many().filter(id_col.eq(id)).exec(&attempt).await {
        Ok(_) => {
            attempt.commit().await?;
            Ok(Removal::Deleted)
        }
        Err(err) if crate::error::is_foreign_key_violation(&err) => {
            attempt.rollback().await?;
            E::update_many()
                .col_expr(is_active, Expr::value(false))
                .col_expr(updated_at, Expr::value(chrono::Utc::now()))
                .filter(id_col.eq(id))
                .exec(txn)
                .await?;
            Ok(Removal::Deactivated)
        }
        Err(err) => Err(err.into()),
    }
}
