//! Use cases. Each public function is one action of one user, inside the transaction it needs, calling the
//! domain rules; every write leaves an audit entry in the same transaction.
//!
//! Grouped by context: `foundation` (hospitals' staff, sign-in, audit, reference data), `outpatient` (the
//! front office, from schedules to statistics) and `accounting` (department value accounting).
pub mod accounting;
pub mod csv_table;
pub mod foundation;
pub mod outpatient;

use crate::{domain::foundation::role::Role, entities::HospitalScoped, error::AppError};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Order, PaginatorTrait,
    PrimaryKeyTrait, QueryFilter, QueryOrder, Select,
};

/// Who is acting, from where. Every service call is scoped to `hospital_id`.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub hospital_id: i64,
    pub username: String,
    pub role: Role,
    pub session_id: i64,
    pub password_expired: bool,
    pub client_ip: Option<String>,
    /// The hospital's settings as read with the session: its clock and its booking rules.
    pub hospital: std::sync::Arc<HospitalSettings>,
}

/// What a request needs of its hospital besides the id, read with the session (and cached with it).
#[derive(Debug, Clone)]
pub struct HospitalSettings {
    pub timezone: chrono_tz::Tz,
    pub booking_rules: crate::domain::outpatient::booking_rules::BookingRules,
}

impl HospitalSettings {
    /// The hospital's settings from its row (which the caller has read) and its booking rules.
    pub async fn load(
        conn: &impl ConnectionTrait,
        hospital: &crate::entities::foundation::hospital::Model,
    ) -> Result<Self, AppError> {
        Ok(Self {
            timezone: zone_of(hospital),
            booking_rules: outpatient::booking_rules::get(conn, hospital.id).await?,
        })
    }

    /// The settings of hospital `hospital_id`, for work no session asked for (seeding, benchmarks).
    pub async fn read(conn: &impl ConnectionTrait, hospital_id: i64) -> Result<Self, AppError> {
        let hospital = crate::entities::foundation::hospital::Entity::find_by_id(hospital_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound("hospital"))?;
        Self::load(conn, &hospital).await
    }

    /// The hospital's local time now.
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now()
            .with_timezone(&self.timezone)
            .naive_local()
    }
}

impl Actor {
    /// The local time now in the actor's hospital: schedule dates, "today" and payment dates are local.
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        self.hospital.local_now()
    }

    /// A successful action by this actor on a resource, for the audit log.
    pub fn audit(
        &self,
        action: &'static str,
        resource_type: &'static str,
        resource_id: impl ToString,
    ) -> foundation::audit::Entry {
        foundation::audit::Entry {
            hospital_id: Some(self.hospital_id),
            actor_user_id: Some(self.user_id),
            actor_username: Some(self.username.clone()),
            action,
            resource_type: Some(resource_type),
            resource_id: Some(resource_id.to_string()),
            outcome: foundation::audit::Outcome::Success,
            client_ip: self.client_ip.clone(),
            detail: None,
        }
    }
}

/// A row of the actor's hospital by id, or `NOT_FOUND` naming what was looked for.
pub async fn find_owned<E>(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<E::Model, AppError>
where
    E: HospitalScoped,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    E::find_by_id(id)
        .filter(E::hospital_column().eq(actor.hospital_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound(E::NOUN))
}

/// Selects every column of `E` as `{prefix}{column}`, as SeaORM's own joins do, so that one row of a join can
/// be read back as several models with `FromQueryResult::from_query_result(&row, prefix)`.
pub(crate) fn select_all_as<E: EntityTrait>(
    q: &mut sea_orm::sea_query::SelectStatement,
    prefix: &str,
) {
    use sea_orm::{IdenStatic, Iterable};
    for c in E::Column::iter() {
        q.expr_as(
            c.select_as(c.into_expr()),
            sea_orm::sea_query::Alias::new(format!("{prefix}{}", c.as_str())),
        );
    }
}

/// The row a request's `field` refers to, of the actor's hospital; a missing one is that field's error.
pub async fn referenced<E>(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    field: &'static str,
) -> Result<E::Model, AppError>
where
    E: HospitalScoped,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i64>,
{
    match find_owned::<E>(conn, actor, id).await {
        Err(AppError::NotFound(noun)) => Err(AppError::invalid(field, format!("no such {noun}"))),
        found => found,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub page_size: u64,
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            page_size: self.page_size,
        }
    }
}

/// Picks the ORDER BY from a `sort` parameter (`name` ascending, `-name` descending) among the allowed keys.
pub fn sort_by<C: Copy>(
    raw: Option<&str>,
    allowed: &[(&str, C)],
) -> Result<Option<(C, Order)>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let (key, order) = match raw.strip_prefix('-') {
        Some(key) => (key, Order::Desc),
        None => (raw, Order::Asc),
    };
    allowed
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, col)| Some((*col, order)))
        .ok_or_else(|| {
            let keys: Vec<&str> = allowed.iter().map(|(k, _)| *k).collect();
            AppError::invalid(
                "sort",
                format!(
                    "must be one of: {} (prefix - for descending)",
                    keys.join(", ")
                ),
            )
        })
}

/// Runs a filtered, ordered select as one page; `id` breaks ties so pages never overlap.
pub async fn fetch_page<E, M>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    order: Option<(E::Column, Order)>,
    id: E::Column,
    page: PageRequest,
) -> Result<Page<M>, AppError>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
{
    let mut select = select;
    if let Some((col, ord)) = order {
        select = select.order_by(col, ord);
    }
    let paginator = select.order_by(id, Order::Asc).paginate(db, page.page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page.saturating_sub(1)).await?;
    Ok(Page {
        items,
        total,
        page: page.page,
        page_size: page.page_size,
    })
}

/// The `q` of a list: trimmed, blank meaning none, at most 100 characters.
pub fn search_term(q: Option<&str>) -> Result<Option<&str>, AppError> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 100 => {
            Err(AppError::invalid("q", "must be at most 100 characters"))
        }
        other => Ok(other),
    }
}

/// The actor's hospital's rows of `E`, narrowed (when the list's `q` is given) to those where any of `columns`
/// contains it.
pub fn search<E: HospitalScoped>(
    actor: &Actor,
    q: Option<&str>,
    columns: &[E::Column],
) -> Result<Select<E>, AppError> {
    let select = E::find().filter(E::hospital_column().eq(actor.hospital_id));
    Ok(match search_term(q)? {
        Some(q) => {
            let pattern = like_pattern(q);
            let any = columns.iter().fold(sea_orm::Condition::any(), |any, c| {
                any.add(c.like(pattern.clone()))
            });
            select.filter(any)
        }
        None => select,
    })
}

/// `%q%` for LIKE with the wildcards in `q` escaped and the escape character named: SQLite has no default
/// escape character, so without `ESCAPE` a `_` in the search would never match itself there.
pub fn like_pattern(q: &str) -> sea_orm::sea_query::LikeExpr {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    sea_orm::sea_query::LikeExpr::new(out).escape('\\')
}

/// What `DELETE` did: rows nothing refers to are deleted; rows that history refers to are deactivated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Removal {
    Deleted,
    Deactivated,
}

/// An amount as a spreadsheet number (Excel cells are doubles): only ever for a workbook's cells.
pub fn xlsx_number(amount: crate::domain::foundation::money::Amount) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    amount.to_decimal().to_f64().unwrap_or_default()
}

/// The hospital's time zone and its local "now": schedule dates, "today" and payment dates are local.
pub async fn local_now(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
) -> Result<(chrono_tz::Tz, chrono::NaiveDateTime), AppError> {
    let hospital = crate::entities::foundation::hospital::Entity::find_by_id(hospital_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("hospital"))?;
    let tz = zone_of(&hospital);
    Ok((tz, chrono::Utc::now().with_timezone(&tz).naive_local()))
}

fn zone_of(hospital: &crate::entities::foundation::hospital::Model) -> chrono_tz::Tz {
    hospital
        .timezone
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai)
}
