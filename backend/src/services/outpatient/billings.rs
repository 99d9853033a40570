//! Billing (结算): a bill drawn from a medical record at catalogue prices, the insurance / self-pay split,
//! idempotent payment that writes the paid lines to `charge_details`, and refunds that reverse them.
use crate::services::{
    Actor, Page, PageRequest, fetch_page, find_owned, foundation::audit,
    foundation::insurance_policies, outpatient::appointments, outpatient::medical_records,
    outpatient::settlements,
};
use crate::{
    auth::sha256_hex,
    db::begin_write,
    domain::{
        accounting::charge_line::ChargeSource,
        accounting::dimension::BusinessType,
        foundation::money::Amount,
        foundation::period::Period,
        foundation::vocab::ItemCategory,
        outpatient::appointment::AppointmentAction,
        outpatient::billing::{self as rules, BillingStatus, PaymentMethod},
        outpatient::insurance::{self, Coverage},
    },
    entities::{
        accounting::charge_detail, foundation::charge_item, foundation::department,
        foundation::doctor, foundation::patient, outpatient::billing, outpatient::billing_line,
        outpatient::medical_record, outpatient::payment_request,
    },
    error::{AppError, ErrorCode},
};
use chrono::{SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, QueryFilter,
    QueryOrder, Set, SqlErr,
    sea_query::{Expr, Query},
};
use serde_json::{Value, json};
use std::collections::HashMap;

/// A bill line before it is saved: `id` and `billing_id` are 0, `sort` its place in the bill.
pub type DraftLine = billing_line::Model;

/// The draft line as a row of bill `billing_id` (its `id` is the database's to give).
pub fn line_row(line: &DraftLine, billing_id: i64) -> billing_line::ActiveModel {
    let mut row = sea_orm::IntoActiveModel::into_active_model(line.clone());
    row.id = sea_orm::ActiveValue::NotSet;
    row.billing_id = Set(billing_id);
    row
}

/// A bill before it is saved: what the cashier sees and may adjust (the insurance amount).
#[derive(Debug, Clone)]
pub struct Draft {
    pub record: medical_record::Model,
    pub patient: patient::Model,
    pub lines: Vec<DraftLine>,
    pub total: Amount,
    /// The policy in force for the patient's insurance type, if the hospital has one.
    pub policy_id: Option<i64>,
    /// The policy's ratio for items without one of their category's.
    pub ratio: Amount,
    pub insurance: Amount,
    /// What the fund pays of each line, as the lines' insurance fields say.
    pub coverage: Coverage,
}

impl Draft {
    fn priced(&self) -> Vec<(ItemCategory, Amount)> {
        self.lines
            .iter()
            .map(|l| (l.item_category, l.amount))
            .collect()
    }

    /// The bill with the fund paying `insurance` instead of the policy's share (the cashier's amount).
    pub fn at_desk(&mut self, insurance: Amount) {
        if insurance != self.insurance {
            self.coverage = insurance::at_desk(&self.coverage, &self.priced(), insurance);
            self.insurance = insurance;
            self.share_out();
        }
    }

    fn share_out(&mut self) {
        for (line, share) in self.lines.iter_mut().zip(&self.coverage.lines) {
            line.insurance_ratio = Some(share.ratio);
            line.insurance_rule = Some(share.rule);
            line.insurance_amount = Some(share.insurance);
        }
    }
}

fn catalogue_missing(code: &str) -> AppError {
    AppError::Conflict {
        code: ErrorCode::CatalogueIncomplete,
        message: format!("the catalogue has no active item {code}"),
    }
}

/// Items without an executing department of their own (registration, consultation) are performed by the
/// doctor's department.
fn line(
    item: &charge_item::Model,
    quantity: Amount,
    doctor_department: i64,
    sort: usize,
) -> Result<DraftLine, AppError> {
    let amount = rules::line_amount(item.unit_price, quantity)
        .map_err(|e| AppError::invalid("prescription", e.to_string()))?;
    Ok(DraftLine {
        id: 0,
        billing_id: 0,
        charge_item_id: Some(item.id),
        item_code: item.item_code.clone(),
        item_name: item.item_name.clone(),
        item_category: item.item_category,
        insurance_ratio: None,
        insurance_rule: None,
        insurance_amount: None,
        unit_price: item.unit_price,
        quantity,
        amount,
        executing_department_id: Some(item.executing_department_id.unwrap_or(doctor_department)),
        sort: sort as i32,
    })
}

/// Registration (by the doctor's title) and consultation, then the prescribed items, at today's prices.
#[tracing::instrument(skip_all)]
pub async fn draft(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    record_id: i64,
) -> Result<Draft, AppError> {
    draft_of(
        conn,
        actor,
        medical_records::get(conn, actor, record_id).await?,
    )
    .await
}

async fn draft_of(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    record: medical_record::Model,
) -> Result<Draft, AppError> {
    let doc = doctor::Entity::find_by_id(record.doctor_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("doctor"))?;
    let patient = patient::Entity::find_by_id(record.patient_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("patient"))?;
    // Registration (by the doctor's title) and consultation, active today, and the prescribed items: one read.
    let fixed = [
        rules::registration_item_code(doc.title),
        rules::CONSULTATION_ITEM_CODE,
    ];
    let prescription = medical_records::prescription_of(&record);
    let found = charge_item::Entity::find()
        .filter(charge_item::Column::HospitalId.eq(actor.hospital_id))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(charge_item::Column::ItemCode.is_in(fixed))
                        .add(charge_item::Column::IsActive.eq(true)),
                )
                .add(charge_item::Column::Id.is_in(prescription.iter().map(|p| p.charge_item_id))),
        )
        .all(conn)
        .await?;
    let one = Amount::from_scaled(10_000);
    let mut items = fixed
        .iter()
        .map(|code| {
            found
                .iter()
                .find(|i| i.item_code == *code && i.is_active)
                .map(|i| (i.clone(), one))
                .ok_or_else(|| catalogue_missing(code))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for p in prescription {
        let item = found
            .iter()
            .find(|i| i.id == p.charge_item_id)
            .ok_or_else(|| catalogue_missing(&p.item_code))?;
        items.push((item.clone(), Amount::from_scaled(p.quantity)));
    }
    let lines = items
        .iter()
        .enumerate()
        .map(|(sort, (item, quantity))| line(item, *quantity, doc.department_id, sort))
        .collect::<Result<Vec<_>, _>>()?;
    let total = rules::total(lines.iter().map(|l| l.amount))
        .map_err(|e| AppError::invalid("prescription", e.to_string()))?;
    let now = actor.local_now();
    let policy = insurance_policies::in_force_on(
        conn,
        actor.hospital_id,
        &patient.insurance_type,
        now.date(),
    )
    .await?;
    let mut draft = Draft {
        record,
        patient,
        lines,
        total,
        policy_id: policy.as_ref().map(|(p, _)| p.id),
        ratio: policy
            .as_ref()
            .map_or(Amount::ZERO, |(_, rules)| rules.ratio),
        insurance: Amount::ZERO,
        coverage: insurance::cover(None, &[]),
    };
    draft.coverage = insurance::cover(policy.as_ref().map(|(_, rules)| rules), &draft.priced());
    draft.insurance = draft.coverage.insurance;
    draft.share_out();
    Ok(draft)
}

/// Saves the bill (PENDING) and moves the appointment COMPLETED → BILLED, in one transaction. The insurance
/// amount defaults to the policy's share and may be set anywhere within the total.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    record_id: i64,
    insurance: Option<Amount>,
) -> Result<(billing::Model, Vec<billing_line::Model>), AppError> {
    let txn = begin_write(db).await?;
    let no_record = || AppError::invalid("medical_record_id", "no such medical record");
    let appointment_id = match medical_records::get(&txn, actor, record_id).await {
        Ok(record) => record.appointment_id,
        Err(AppError::NotFound(_)) => return Err(no_record()),
        Err(e) => return Err(e),
    };
    // The appointment first, as a doctor's edit takes it: an edit in flight finishes before the bill is
    // drafted, and none can start after (the visit is BILLED), so the bill is of the record as it stays.
    appointments::apply(&txn, actor, appointment_id, AppointmentAction::Bill).await?;
    // The record as last committed (see `medical_records::get_latest`).
    let draft = match medical_records::get_latest(&txn, actor, record_id).await {
        Ok(record) => draft_of(&txn, actor, record).await,
        Err(e) => Err(e),
    };
    let mut draft = match draft {
        Err(AppError::NotFound(_)) => return Err(no_record()),
        other => other?,
    };
    let (insurance, self_pay) = rules::split(draft.total, insurance.unwrap_or(draft.insurance))
        .map_err(|e| AppError::invalid("insurance_amount", e.to_string()))?;
    draft.at_desk(insurance);
    let now = Utc::now().trunc_subsecs(6);
    let bill = billing::Model {
        id: 0,
        hospital_id: actor.hospital_id,
        medical_record_id: draft.record.id,
        appointment_id: draft.record.appointment_id,
        total_amount: draft.total,
        insurance_amount: insurance,
        self_pay_amount: self_pay,
        insurance_policy_id: draft.policy_id,
        status: BillingStatus::Pending,
        payment_method: None,
        paid_at: None,
        paid_on: None,
        refunded_at: None,
        refunded_on: None,
        refund_reason: None,
        paid_by: None,
        refunded_by: None,
        created_at: now,
        updated_at: now,
    };
    let mut row = sea_orm::IntoActiveModel::into_active_model(bill.clone());
    row.id = sea_orm::ActiveValue::NotSet;
    let bill = billing::Model {
        id: billing::Entity::insert(row)
            .exec(&txn)
            .await
            .map_err(AppError::unique(&[(
                "medical_record_id",
                "has already been billed",
            )]))?
            .last_insert_id,
        ..bill
    };
    let rows = draft.lines.iter().map(|l| line_row(l, bill.id));
    let lines = if txn.support_returning() {
        let mut lines = billing_line::Entity::insert_many(rows)
            .exec_with_returning(&txn)
            .await?;
        lines.sort_by_key(|l| l.sort);
        lines
    } else {
        billing_line::Entity::insert_many(rows).exec(&txn).await?;
        lines_of(&txn, bill.id).await?
    };
    audit::record(
        &txn,
        actor
            .audit("BILLING_CREATE", "billing", bill.id)
            .with_detail(
                json!({"total": draft.total.to_decimal(), "insurance": insurance.to_decimal()}),
            ),
    )
    .await?;
    txn.commit().await?;
    Ok((bill, lines))
}

#[tracing::instrument(skip_all)]
pub async fn lines_of(
    conn: &impl ConnectionTrait,
    billing_id: i64,
) -> Result<Vec<billing_line::Model>, AppError> {
    Ok(billing_line::Entity::find()
        .filter(billing_line::Column::BillingId.eq(billing_id))
        .order_by_asc(billing_line::Column::Sort)
        .all(conn)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn get(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<billing::Model, AppError> {
    find_owned::<billing::Entity>(conn, actor, id).await
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    status: Option<BillingStatus>,
    page: PageRequest,
) -> Result<Page<billing::Model>, AppError> {
    let mut select =
        billing::Entity::find().filter(billing::Column::HospitalId.eq(actor.hospital_id));
    if let Some(s) = status {
        select = select.filter(billing::Column::Status.eq(s.as_str()));
    }
    fetch_page(
        db,
        select,
        Some((billing::Column::CreatedAt, Order::Desc)),
        billing::Column::Id,
        page,
    )
    .await
}

/// What a payment request answered, kept under its idempotency key.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Pays a PENDING bill. The idempotency key is claimed in the same transaction as the payment, so the
/// same key sent twice — one after the other or at the same moment — pays once and answers the same.
/// `render` makes the response body that is stored and replayed.
#[tracing::instrument(skip_all)]
pub async fn pay(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    method: PaymentMethod,
    key: &str,
    render: impl Fn(&billing::Model, &[billing_line::Model]) -> Value,
) -> Result<Answer, AppError> {
    let request_hash = sha256_hex(&format!("pay:{id}:{}", method.as_str()));
    if let Some(answer) = replay(db, actor, key, &request_hash).await? {
        return Ok(answer);
    }
    let txn = begin_write(db).await?;
    let pending = get(&txn, actor, id).await?;
    let local = actor.local_now();
    settlements::ensure_open(&txn, actor.hospital_id, local.date()).await?;
    // At the precision every database keeps, so the bill answered is the bill stored.
    let now = Utc::now().trunc_subsecs(6);
    // The bill row is taken first, by the compare-and-set itself: every other payment of this bill waits
    // here (no lock-order deadlock with the key's insert), then finds it PAID. It names the row by its primary
    // key and status only (`get` checked the hospital): with the hospital in the condition MySQL may walk the
    // (hospital_id, status) index instead, locking its gaps, and two payments then deadlock on them.
    let paid = billing::Entity::update_many()
        .col_expr(billing::Column::Status, Expr::value(BillingStatus::Paid))
        .col_expr(billing::Column::PaymentMethod, Expr::value(method.as_str()))
        .col_expr(billing::Column::PaidAt, Expr::value(now))
        .col_expr(billing::Column::PaidOn, Expr::value(local.date()))
        .col_expr(billing::Column::PaidBy, Expr::value(actor.user_id))
        .col_expr(billing::Column::UpdatedAt, Expr::value(now))
        .filter(billing::Column::Id.eq(id))
        .filter(billing::Column::Status.eq(BillingStatus::Pending))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !paid {
        txn.rollback().await?;
        // Paid meanwhile, perhaps by this very key: then its answer is ours.
        if let Some(answer) = replay(db, actor, key, &request_hash).await? {
            return Ok(answer);
        }
        let current = get(db, actor, id).await?;
        return Err(AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: format!("a bill that is {} cannot become PAID", current.status),
        });
    }
    // Only the payment changes a PENDING bill, so it is now the bill read above as the update left it.
    let bill = billing::Model {
        status: BillingStatus::Paid,
        payment_method: Some(method),
        paid_at: Some(now),
        paid_on: Some(local.date()),
        paid_by: Some(actor.user_id),
        updated_at: now,
        ..pending
    };
    appointments::apply(&txn, actor, bill.appointment_id, AppointmentAction::Pay).await?;
    let lines = lines_of(&txn, id).await?;
    write_payment_charges(&txn, actor, &bill, &lines, now, Period::of(local.date())).await?;
    let body = render(&bill, &lines);
    // The key is claimed with its answer, last: a request with the same key for this bill waited on the
    // bill's row above, and one for another bill meets the key here.
    let claimed = payment_request::Entity::insert(payment_request::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        idempotency_key: Set(key.to_owned()),
        billing_id: Set(id),
        request_hash: Set(request_hash.clone()),
        response_status: Set(Some(200)),
        response_body: Set(Some(body.to_string())),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(&txn)
    .await;
    match claimed {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // The key was taken by another request meanwhile: answer what it answered.
            txn.rollback().await?;
            return replay(db, actor, key, &request_hash)
                .await?
                .ok_or(AppError::Conflict {
                    code: ErrorCode::IdempotencyKeyInUse,
                    message: "a request with this Idempotency-Key is still being processed".into(),
                });
        }
        Err(e) => return Err(e.into()),
    }
    audit::commit(
        txn,
        actor
            .audit("BILLING_PAY", "billing", id)
            .with_detail(json!({"method": method, "idempotency_key": key})),
    )
    .await?;
    Ok(Answer { status: 200, body })
}

async fn replay(
    db: &DatabaseConnection,
    actor: &Actor,
    key: &str,
    request_hash: &str,
) -> Result<Option<Answer>, AppError> {
    let Some(found) = payment_request::Entity::find()
        .filter(payment_request::Column::HospitalId.eq(actor.hospital_id))
        .filter(payment_request::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if found.request_hash != request_hash {
        return Err(AppError::Conflict {
            code: ErrorCode::IdempotencyKeyReused,
            message: "this Idempotency-Key was used for a different request".into(),
        });
    }
    match (found.response_status, found.response_body) {
        (Some(status), Some(body)) => Ok(Some(Answer {
            status: u16::try_from(status).unwrap_or(200),
            body: serde_json::from_str(&body).map_err(anyhow::Error::from)?,
        })),
        _ => Ok(None),
    }
}

/// A bill's payment: its lines, paid at `at` in `period`.
pub(crate) struct Payment<'a> {
    pub hospital_id: i64,
    pub billing_id: i64,
    pub lines: &'a [billing_line::Model],
    /// The doctor's department: the prescribing one, and the executing one of lines without their own.
    pub department_id: i64,
    pub at: chrono::DateTime<Utc>,
    pub period: Period,
}

/// The row that reverses a paid one at a refund: the same line, departments and item, negated, in the
/// refund's moment and period. Departments and codes are the payment's, whatever has changed since.
pub(crate) fn reversal(
    paid: &charge_detail::Model,
    at: chrono::DateTime<Utc>,
    period: Period,
) -> charge_detail::Model {
    charge_detail::Model {
        id: 0,
        source_line_id: format!("{}-R", paid.source_line_id),
        quantity: -paid.quantity,
        amount: -paid.amount,
        charged_at: at,
        period,
        ..paid.clone()
    }
}

/// A row not saved yet (its `id` is the database's to give), to insert as written `now`.
pub(crate) fn unsaved(
    row: charge_detail::Model,
    now: chrono::DateTime<Utc>,
) -> charge_detail::ActiveModel {
    let mut row = sea_orm::IntoActiveModel::into_active_model(row);
    row.id = sea_orm::ActiveValue::NotSet;
    row.created_at = Set(now);
    row
}

/// The `charge_details` rows of a payment, one per bill line (`OP-<line>`): outpatient business, the
/// doctor's department as the prescribing one, the line's executing department; `codes` maps department
/// ids to codes.
pub(crate) fn charge_rows(
    p: &Payment<'_>,
    codes: &HashMap<i64, String>,
) -> Result<Vec<charge_detail::Model>, AppError> {
    let code = |id: i64| {
        codes
            .get(&id)
            .cloned()
            .ok_or(AppError::NotFound("department"))
    };
    let prescribing = code(p.department_id)?;
    p.lines
        .iter()
        .map(|l| {
            Ok(charge_detail::Model {
                id: 0,
                hospital_id: p.hospital_id,
                source: ChargeSource::Outpatient,
                source_line_id: format!("OP-{}", l.id),
                business_type: BusinessType::Outpatient,
                prescribing_dept_code: prescribing.clone(),
                executing_dept_code: code(l.executing_department_id.unwrap_or(p.department_id))?,
                item_code: l.item_code.clone(),
                item_name: l.item_name.clone(),
                item_category: Some(l.item_category.as_str().to_owned()),
                quantity: l.quantity,
                amount: l.amount,
                charged_at: p.at,
                period: p.period,
                billing_id: Some(p.billing_id),
                import_id: None,
                created_at: p.at,
            })
        })
        .collect()
}

/// The department codes of a hospital, by id.
#[tracing::instrument(skip_all)]
pub(crate) async fn department_codes(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
) -> Result<HashMap<i64, String>, AppError> {
    Ok(department::Entity::find()
        .filter(department::Column::HospitalId.eq(hospital_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect())
}

async fn insert_rows(
    conn: &impl ConnectionTrait,
    rows: Vec<charge_detail::Model>,
) -> Result<(), AppError> {
    let now = Utc::now();
    if !rows.is_empty() {
        crate::services::accounting::charge_totals::add_rows(conn, &rows).await?;
        charge_detail::Entity::insert_many(rows.into_iter().map(|r| unsaved(r, now)))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Writes the `charge_details` rows of one bill's payment.
async fn write_payment_charges(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    bill: &billing::Model,
    lines: &[billing_line::Model],
    at: chrono::DateTime<Utc>,
    period: Period,
) -> Result<(), AppError> {
    let doc = doctor::Entity::find()
        .filter(
            doctor::Column::Id.in_subquery(
                Query::select()
                    .column(medical_record::Column::DoctorId)
                    .from(medical_record::Entity)
                    .and_where(medical_record::Column::Id.eq(bill.medical_record_id))
                    .to_owned(),
            ),
        )
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("doctor"))?;
    let payment = Payment {
        hospital_id: actor.hospital_id,
        billing_id: bill.id,
        lines,
        department_id: doc.department_id,
        at,
        period,
    };
    let rows = charge_rows(&payment, &department_codes(conn, actor.hospital_id).await?)?;
    insert_rows(conn, rows).await
}

/// Writes the rows that reverse one bill's payment: each of the payment's own rows, negated.
async fn write_refund_charges(
    conn: &impl ConnectionTrait,
    bill: &billing::Model,
    lines: &[billing_line::Model],
    at: chrono::DateTime<Utc>,
    period: Period,
) -> Result<(), AppError> {
    let paid = charge_detail::Entity::find()
        .filter(charge_detail::Column::HospitalId.eq(bill.hospital_id))
        .filter(charge_detail::Column::Source.eq(ChargeSource::Outpatient))
        .filter(
            charge_detail::Column::SourceLineId.is_in(lines.iter().map(|l| format!("OP-{}", l.id))),
        )
        .order_by_asc(charge_detail::Column::Id)
        .all(conn)
        .await?;
    if paid.len() != lines.len() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "bill {} has {} lines but its payment wrote {} charge rows",
            bill.id,
            lines.len(),
            paid.len()
        )));
    }
    let rows = paid.into_iter().map(|m| reversal(&m, at, period)).collect();
    insert_rows(conn, rows).await
}

/// Refunds a PAID bill (ADMIN, with a reason): REFUNDED, and negative charge rows reverse its income.
#[tracing::instrument(skip_all)]
pub async fn refund(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    reason: String,
) -> Result<billing::Model, AppError> {
    let txn = begin_write(db).await?;
    get(&txn, actor, id).await?;
    let local = actor.local_now();
    settlements::ensure_open(&txn, actor.hospital_id, local.date()).await?;
    let now = Utc::now();
    // By primary key and status, as in `pay`.
    let refunded = billing::Entity::update_many()
        .col_expr(
            billing::Column::Status,
            Expr::value(BillingStatus::Refunded),
        )
        .col_expr(billing::Column::RefundedAt, Expr::value(now))
        .col_expr(billing::Column::RefundedOn, Expr::value(local.date()))
        .col_expr(billing::Column::RefundedBy, Expr::value(actor.user_id))
        .col_expr(billing::Column::RefundReason, Expr::value(reason.clone()))
        .col_expr(billing::Column::UpdatedAt, Expr::value(now))
        .filter(billing::Column::Id.eq(id))
        .filter(billing::Column::Status.eq(BillingStatus::Paid))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let bill = get(&txn, actor, id).await?;
    if !refunded {
        return Err(AppError::Conflict {
            code: ErrorCode::InvalidTransition,
            message: format!("a bill that is {} cannot become REFUNDED", bill.status),
        });
    }
    let lines = lines_of(&txn, id).await?;
    write_refund_charges(&txn, &bill, &lines, now, Period::of(local.date())).await?;
    audit::commit(
        txn,
        actor
            .audit("BILLING_REFUND", "billing", id)
            .with_detail(json!({"reason": reason})),
    )
    .await?;
    Ok(bill)
}
