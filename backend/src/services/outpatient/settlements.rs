//! The cashier's day (收费日结): a day's payments and refunds by cashier and payment method, and its close.
//! Once an administrator closes a day, it takes no new payment or refund: closing takes the hospital's row
//! exclusively (FOR UPDATE) and every payment and refund takes it shared (FOR SHARE) before it checks the day,
//! so a payment either lands before the close, and in its totals, or is refused after it.
use crate::services::{Actor, foundation::audit, xlsx_number};
use crate::{
    db::begin_write,
    domain::{foundation::money::Amount, outpatient::billing::PaymentMethod},
    entities::{
        foundation::app_user, foundation::hospital, outpatient::billing, outpatient::settlement_day,
    },
    error::{AppError, Conflict, ConflictResource, ErrorCode},
};
use chrono::{NaiveDate, Utc};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// Payments and refunds, counted and summed (yuan, ten-thousandths).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub payments: u64,
    pub paid: Amount,
    pub paid_self_pay: Amount,
    pub refunds: u64,
    pub refunded: Amount,
    pub refunded_self_pay: Amount,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        let plus = |a: Amount, b: Amount| Amount::from_scaled(a.scaled() + b.scaled());
        self.payments += other.payments;
        self.paid = plus(self.paid, other.paid);
        self.paid_self_pay = plus(self.paid_self_pay, other.paid_self_pay);
        self.refunds += other.refunds;
        self.refunded = plus(self.refunded, other.refunded);
        self.refunded_self_pay = plus(self.refunded_self_pay, other.refunded_self_pay);
    }

    /// Payments less refunds.
    pub fn net(&self) -> Amount {
        Amount::from_scaled(self.paid.scaled() - self.refunded.scaled())
    }

    /// What the patients paid less what they got back: the money at the desk.
    pub fn net_self_pay(&self) -> Amount {
        Amount::from_scaled(self.paid_self_pay.scaled() - self.refunded_self_pay.scaled())
    }
}

/// One cashier's takings by one payment method (no cashier: bills from before cashiers were recorded).
#[derive(Debug, Clone)]
pub struct Row {
    pub cashier_id: Option<i64>,
    pub cashier_name: Option<String>,
    pub method: PaymentMethod,
    pub figures: Figures,
}

#[derive(Debug, Clone)]
pub struct Settlement {
    pub day: NaiveDate,
    pub rows: Vec<Row>,
    pub totals: Figures,
    /// By payment method, all cashiers together.
    pub by_method: Vec<(PaymentMethod, Figures)>,
    pub closed: Option<(settlement_day::Model, String)>,
}

/// `DAY_CLOSED`, naming who closed the day and when.
async fn day_closed(conn: &impl ConnectionTrait, closed: &settlement_day::Model) -> AppError {
    let error = AppError::Conflict {
        code: ErrorCode::DayClosed,
        message: format!("the cashier's day {} is closed", closed.day),
    };
    let closer = app_user::Entity::find_by_id(closed.closed_by)
        .one(conn)
        .await;
    error.collided(Conflict {
        day: Some(closed.day),
        closed_by: closer.ok().flatten().map(|u| u.display_name),
        closed_at: Some(closed.closed_at),
        ..Conflict::new(ConflictResource::SettlementDay, closed.id)
    })
}

/// The close of the hospital's `day`, if it was closed.
async fn closed_day(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    day: NaiveDate,
) -> Result<Option<settlement_day::Model>, AppError> {
    Ok(settlement_day::Entity::find()
        .filter(settlement_day::Column::HospitalId.eq(hospital_id))
        .filter(settlement_day::Column::Day.eq(day))
        .one(conn)
        .await?)
}

/// Refuses a payment or refund on a closed day; called first in its transaction (see the module).
pub async fn ensure_open(
    conn: &impl ConnectionTrait,
    hospital_id: i64,
    day: NaiveDate,
) -> Result<(), AppError> {
    hospital::Entity::find_by_id(hospital_id)
        .lock_shared()
        .one(conn)
        .await?;
    // A locking read: it sees the latest close, whatever the transaction read before (MySQL's snapshot).
    let closed = settlement_day::Entity::find()
        .filter(settlement_day::Column::HospitalId.eq(hospital_id))
        .filter(settlement_day::Column::Day.eq(day))
        .lock_shared()
        .one(conn)
        .await?;
    match closed {
        Some(closed) => Err(day_closed(conn, &closed).await),
        None => Ok(()),
    }
}

/// The day's payments and refunds of the actor's hospital.
#[tracing::instrument(skip_all)]
pub async fn of_day(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    day: NaiveDate,
) -> Result<Settlement, AppError> {
    let bills = billing::Entity::find()
        .filter(billing::Column::HospitalId.eq(actor.hospital_id))
        .filter(
            Condition::any()
                .add(billing::Column::PaidOn.eq(day))
                .add(billing::Column::RefundedOn.eq(day)),
        )
        .all(conn)
        .await?;
    let mut grouped: BTreeMap<(Option<i64>, PaymentMethod), Figures> = BTreeMap::new();
    for b in &bills {
        let Some(method) = b.payment_method else {
            continue;
        };
        if b.paid_on == Some(day) {
            grouped
                .entry((b.paid_by, method))
                .or_default()
                .add(&Figures {
                    payments: 1,
                    paid: b.total_amount,
                    paid_self_pay: b.self_pay_amount,
                    ..Figures::default()
                });
        }
        if b.refunded_on == Some(day) {
            grouped
                .entry((b.refunded_by, method))
                .or_default()
                .add(&Figures {
                    refunds: 1,
                    refunded: b.total_amount,
                    refunded_self_pay: b.self_pay_amount,
                    ..Figures::default()
                });
        }
    }
    let closed = closed_day(conn, actor.hospital_id, day).await?;
    let mut staff: Vec<i64> = grouped.keys().filter_map(|(id, _)| *id).collect();
    staff.extend(closed.as_ref().map(|c| c.closed_by));
    let names: HashMap<i64, String> = app_user::Entity::find()
        .select_only()
        .columns([app_user::Column::Id, app_user::Column::DisplayName])
        .filter(app_user::Column::Id.is_in(staff))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut totals = Figures::default();
    let mut by_method: BTreeMap<PaymentMethod, Figures> = BTreeMap::new();
    let rows = grouped
        .into_iter()
        .map(|((cashier_id, method), figures)| {
            totals.add(&figures);
            by_method.entry(method).or_default().add(&figures);
            Row {
                cashier_id,
                cashier_name: cashier_id.and_then(|id| names.get(&id).cloned()),
                method,
                figures,
            }
        })
        .collect();
    Ok(Settlement {
        day,
        rows,
        totals,
        by_method: by_method.into_iter().collect(),
        closed: closed.map(|c| {
            let name = names.get(&c.closed_by).cloned().unwrap_or_default();
            (c, name)
        }),
    })
}

/// Closes a day (ADMIN): today or before, once; its totals are kept as they stand.
#[tracing::instrument(skip_all)]
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    day: NaiveDate,
) -> Result<Settlement, AppError> {
    let txn = begin_write(db).await?;
    // The lock before any other read: on MySQL the first plain read fixes what the transaction sees, and it
    // must see every payment that went through before the lock.
    hospital::Entity::find_by_id(actor.hospital_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let now = actor.local_now();
    if day > now.date() {
        return Err(AppError::invalid("day", "must be today or earlier"));
    }
    let settlement = of_day(&txn, actor, day).await?;
    if let Some((closed, _)) = &settlement.closed {
        return Err(day_closed(&txn, closed).await);
    }
    let inserted = settlement_day::ActiveModel {
        hospital_id: Set(actor.hospital_id),
        day: Set(day),
        closed_by: Set(actor.user_id),
        closed_at: Set(Utc::now()),
        paid_total: Set(settlement.totals.paid),
        refunded_total: Set(settlement.totals.refunded),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    if let Err(e) = inserted {
        drop(txn);
        return Err(match AppError::from(e) {
            // Closed by another administrator meanwhile.
            AppError::Duplicate { .. } => match closed_day(db, actor.hospital_id, day).await? {
                Some(closed) => day_closed(db, &closed).await,
                None => AppError::Busy {
                    retry_after_secs: 1,
                },
            },
            other => other,
        });
    }
    audit::commit(
        txn,
        actor
            .audit("SETTLEMENT_CLOSE", "settlement_day", day)
            .with_detail(json!({
                "paid": settlement.totals.paid.to_decimal(),
                "refunded": settlement.totals.refunded.to_decimal(),
            })),
    )
    .await?;
    of_day(db, actor, day).await
}

fn method_label(m: PaymentMethod) -> &'static str {
    match m {
        PaymentMethod::Cash => "现金",
        PaymentMethod::Card => "银行卡",
        PaymentMethod::Wechat => "微信",
        PaymentMethod::Alipay => "支付宝",
        PaymentMethod::InsuranceCard => "医保卡",
    }
}

/// The settlement as a workbook: one row per cashier and payment method, then the totals.
pub fn xlsx(s: &Settlement) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("日结")?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    sheet.write_string_with_format(0, 0, format!("收费日结 {}", s.day), &bold)?;
    let header = [
        "收费员",
        "支付方式",
        "收费笔数",
        "收费金额",
        "其中自付",
        "退费笔数",
        "退费金额",
        "其中自付",
        "净额",
        "自付净额",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(2, c as u16, *h, &bold)?;
    }
    let mut r = 3;
    let mut line = |r: u32, who: &str, method: &str, f: &Figures| -> Result<(), XlsxError> {
        sheet.write_string(r, 0, who)?;
        sheet.write_string(r, 1, method)?;
        sheet.write_number(r, 2, f.payments as f64)?;
        sheet.write_number(r, 5, f.refunds as f64)?;
        for (c, a) in [
            (3, f.paid),
            (4, f.paid_self_pay),
            (6, f.refunded),
            (7, f.refunded_self_pay),
            (8, f.net()),
            (9, f.net_self_pay()),
        ] {
            sheet.write_number_with_format(r, c, xlsx_number(a), &money)?;
        }
        Ok(())
    };
    for row in &s.rows {
        let who = row.cashier_name.as_deref().unwrap_or("—");
        line(r, who, method_label(row.method), &row.figures)?;
        r += 1;
    }
    line(r, "合计", "", &s.totals)?;
    book.save_to_buffer()
}
