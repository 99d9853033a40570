//! Insurance policies (医保政策): what the fund of each insurance type pays at this hospital, from a date on.
//! A bill is drawn under the policy in force on the hospital's local date and keeps it: a change is a new
//! policy from a later date, and a policy that bills were drawn under can no longer be edited or removed.
use crate::services::{
    Actor, Page, PageRequest, find_owned, foundation::audit, foundation::insurance_types,
};
use crate::{
    db::begin_write,
    domain::{
        foundation::money::Amount,
        foundation::vocab::{InsuranceType, ItemCategory},
        outpatient::insurance::{self, Policy},
    },
    entities::{
        foundation::insurance_policy as policy, foundation::insurance_policy_rate as rate,
        outpatient::billing,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct PolicyInput {
    pub insurance_type: InsuranceType,
    pub effective_from: NaiveDate,
    pub ratio: Amount,
    /// At most one per category.
    pub categories: Vec<(ItemCategory, Amount)>,
    pub deductible: Option<Amount>,
    pub visit_cap: Option<Amount>,
}

#[derive(Debug, Default, Clone)]
pub struct PolicyFilter {
    pub insurance_type: Option<InsuranceType>,
    /// Only the policies in force on this date (one per insurance type at most).
    pub in_force_on: Option<NaiveDate>,
}

/// A policy with its category ratios, whether it is in force today and whether bills were drawn under it.
#[derive(Debug, Clone)]
pub struct PolicyView {
    pub policy: policy::Model,
    pub rates: Vec<rate::Model>,
    pub in_force: bool,
    pub used: bool,
}

impl PolicyView {
    /// The rules a bill needs.
    pub fn rules(&self) -> Policy {
        rules(&self.policy, &self.rates)
    }
}

fn rules(p: &policy::Model, rates: &[rate::Model]) -> Policy {
    Policy {
        ratio: p.ratio,
        categories: rates.iter().map(|r| (r.item_category, r.ratio)).collect(),
        deductible: p.deductible,
        cap: p.visit_cap,
    }
}

const UNIQUE: &[(&str, &str)] = &[(
    "effective_from",
    "another policy of this insurance type starts on this date",
)];

/// `POLICY_IN_USE`, naming the policy and how many bills were drawn under it.
fn in_use(policy: &policy::Model, bills: u64) -> AppError {
    AppError::Conflict {
        code: ErrorCode::PolicyInUse,
        message: format!(
            "bills were drawn under insurance policy {}; add a policy from a later date instead",
            policy.id
        ),
    }
    .collided(Conflict {
        code: Some(policy.insurance_type.to_string()),
        day: Some(policy.effective_from),
        bills: Some(bills),
        ..Conflict::new(ConflictResource::InsurancePolicy, policy.id)
    })
}

/// The hospital's policies, of each insurance type the latest first.
#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    f: PolicyFilter,
    page: PageRequest,
) -> Result<Page<PolicyView>, AppError> {
    let now = actor.local_now();
    let mut select = policy::Entity::find()
        .filter(policy::Column::HospitalId.eq(actor.hospital_id))
        .order_by_asc(policy::Column::InsuranceType)
        .order_by_desc(policy::Column::EffectiveFrom);
    if let Some(t) = f.insurance_type {
        select = select.filter(policy::Column::InsuranceType.eq(t));
    }
    let all = select.all(db).await?;
    let in_force_today = in_force(&all, now.date());
    let wanted: Vec<policy::Model> = match f.in_force_on {
        Some(day) => {
            let ids = in_force(&all, day);
            all.into_iter().filter(|p| ids.contains(&p.id)).collect()
        }
        None => all,
    };
    let total = wanted.len() as u64;
    let skip = page.page.saturating_sub(1).saturating_mul(page.page_size);
    let shown: Vec<policy::Model> = wanted
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(page.page_size).unwrap_or(usize::MAX))
        .collect();
    let items = views(db, shown, &in_force_today).await?;
    Ok(Page {
        items,
        total,
        page: page.page,
        page_size: page.page_size,
    })
}

/// The ids of the policies in force on `day`.
fn in_force(all: &[policy::Model], day: NaiveDate) -> Vec<i64> {
    insurance::in_force(
        all.iter()
            .map(|p| (p.id, p.insurance_type.clone(), p.effective_from)),
        day,
    )
}

async fn views(
    conn: &impl ConnectionTrait,
    policies: Vec<policy::Model>,
    in_force_today: &[i64],
) -> Result<Vec<PolicyView>, AppError> {
    let ids: Vec<i64> = policies.iter().map(|p| p.id).collect();
    let mut rates: HashMap<i64, Vec<rate::Model>> = HashMap::new();
    for r in rate::Entity::find()
        .filter(rate::Column::PolicyId.is_in(ids.clone()))
        .order_by_asc(rate::Column::ItemCategory)
        .all(conn)
        .await?
    {
        rates.entry(r.policy_id).or_default().push(r);
    }
    let used: Vec<Option<i64>> = billing::Entity::find()
        .select_only()
        .column(billing::Column::InsurancePolicyId)
        .filter(billing::Column::InsurancePolicyId.is_in(ids))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(policies
        .into_iter()
        .map(|p| PolicyView {
            rates: rates.remove(&p.id).unwrap_or_default(),
            in_force: in_force_today.contains(&p.id),
            used: used.contains(&Some(p.id)),
            policy: p,
        })
        .collect())
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<PolicyView, AppError> {
    let found = find_owned::<policy::Entity>(conn, actor, id).await?;
    let now = actor.local_now();
    let same_type = policy::Entity::find()
        .filter(policy::Column::HospitalId.eq(actor.hospital_id))
        .filter(policy::Column::InsuranceType.eq(found.insurance_type.clone()))
        .all(conn)
        .await?;
    let today = in_force(&same_type, now.date());
    Ok(views(conn, vec![found], &today).await?.remove(0))
}

/// The policy a bill of `insurance_type` drawn on `day` falls under, locked against change until the bill
/// is saved (FOR SHARE).
///
/// It is found by a plain read and then locked by its primary key alone: a locking read of the range would
/// lock the (hospital, type, effective_from) index before the row, the opposite order of a removal (row, then
/// index), and MySQL would deadlock the two. Removed meanwhile, it is looked for again by a locking read,
/// which sees past MySQL's snapshot.
pub async fn in_force_on(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    insurance_type: &InsuranceType,
    day: NaiveDate,
) -> Result<Option<(policy::Model, Policy)>, AppError> {
    let latest = || {
        policy::Entity::find()
            .filter(policy::Column::HospitalId.eq(hospital_id))
            .filter(policy::Column::InsuranceType.eq(insurance_type.clone()))
            .filter(policy::Column::EffectiveFrom.lte(day))
            .order_by_desc(policy::Column::EffectiveFrom)
    };
    let Some(seen) = latest().one(conn).await? else {
        return Ok(None);
    };
    let locked = policy::Entity::find_by_id(seen.id)
        .lock_shared()
        .one(conn)
        .await?;
    let found = match locked {
        Some(found) => found,
        None => match latest().lock_shared().one(conn).await? {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let rates = rate::Entity::find()
        .filter(rate::Column::PolicyId.eq(found.id))
        .all(conn)
        .await?;
    let rules = rules(&found, &rates);
    Ok(Some((found, rules)))
}

/// Saves a new policy of the actor's hospital with its category ratios, in the caller's transaction.
pub async fn insert(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    input: &PolicyInput,
) -> Result<policy::Model, AppError> {
    insurance_types::require_usable(conn, hospital_id, &input.insurance_type, None).await?;
    let mut row = policy::ActiveModel {
        hospital_id: Set(hospital_id),
        ..Default::default()
    };
    fill(&mut row, input);
    let saved = row.insert(conn).await.map_err(AppError::unique(UNIQUE))?;
    insert_rates(conn, saved.id, &input.categories).await?;
    Ok(saved)
}

/// What a create and an update write alike (the category ratios are rows of their own).
fn fill(row: &mut policy::ActiveModel, input: &PolicyInput) {
    row.insurance_type = Set(input.insurance_type.clone());
    row.effective_from = Set(input.effective_from);
    row.ratio = Set(input.ratio);
    row.deductible = Set(input.deductible);
    row.visit_cap = Set(input.visit_cap);
    row.updated_at = Set(Utc::now());
}

async fn insert_rates(
    conn: &impl ConnectionTrait,
    policy_id: i64,
    categories: &[(ItemCategory, Amount)],
) -> Result<(), AppError> {
    if categories.is_empty() {
        return Ok(());
    }
    rate::Entity::insert_many(
        categories
            .iter()
            .map(|(category, ratio)| rate::ActiveModel {
                policy_id: Set(policy_id),
                item_category: Set(*category),
                ratio: Set(*ratio),
                ..Default::default()
            }),
    )
    .exec(conn)
    .await?;
    Ok(())
}

fn detail(input: &PolicyInput) -> serde_json::Value {
    json!({
        "insurance_type": input.insurance_type,
        "effective_from": input.effective_from,
        "ratio": input.ratio.to_decimal(),
        "categories": input.categories.iter()
            .map(|(c, r)| json!({"item_category": c, "ratio": r.to_decimal()}))
            .collect::<Vec<_>>(),
        "deductible": input.deductible.map(Amount::to_decimal),
        "visit_cap": input.visit_cap.map(Amount::to_decimal),
    })
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: PolicyInput,
) -> Result<PolicyView, AppError> {
    let txn = begin_write(db).await?;
    let saved = insert(&txn, actor.hospital_id, &input).await?;
    audit::commit(
        txn,
        actor
            .audit("INSURANCE_POLICY_CREATE", "insurance_policy", saved.id)
            .with_detail(detail(&input)),
    )
    .await?;
    get(db, actor, saved.id).await
}

/// The policy, locked (FOR UPDATE) so that no bill is drawn under it meanwhile, if no bill was yet.
async fn unused(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<policy::Model, AppError> {
    let found = policy::Entity::find_by_id(id)
        .filter(policy::Column::HospitalId.eq(actor.hospital_id))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("insurance policy"))?;
    let bills = billing::Entity::find()
        .filter(billing::Column::InsurancePolicyId.eq(id))
        .count(conn)
        .await?;
    if bills > 0 {
        return Err(in_use(&found, bills));
    }
    Ok(found)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: PolicyInput,
) -> Result<PolicyView, AppError> {
    let txn = begin_write(db).await?;
    let before = unused(&txn, actor, id).await?;
    insurance_types::require_usable(
        &txn,
        actor.hospital_id,
        &input.insurance_type,
        Some(&before.insurance_type),
    )
    .await?;
    let mut row: policy::ActiveModel = before.into();
    fill(&mut row, &input);
    row.update(&txn).await.map_err(AppError::unique(UNIQUE))?;
    rate::Entity::delete_many()
        .filter(rate::Column::PolicyId.eq(id))
        .exec(&txn)
        .await?;
    insert_rates(&txn, id, &input.categories).await?;
    audit::commit(
        txn,
        actor
            .audit("INSURANCE_POLICY_UPDATE", "insurance_policy", id)
            .with_detail(detail(&input)),
    )
    .await?;
    get(db, actor, id).await
}

#[tracing::instrument(skip_all)]
pub async fn remove(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    unused(&txn, actor, id).await?;
    policy::Entity::delete_by_id(id).exec(&txn).await?;
    audit::commit(
        txn,
        actor.audit("INSURANCE_POLICY_DELETE", "insurance_policy", id),
    )
    .await?;
    Ok(())
}
