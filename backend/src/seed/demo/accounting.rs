//! The demo's monthly accounting inputs and its first calculations: workload (bed-days, transfers, monitoring),
//! costs derived from each department's income, orientation actuals, and a queued calculation per month (plus
//! one with the legacy workflow for the latest month), which the server's runner computes at start.
use crate::domain::foundation::period::Period;
use crate::{
    domain::accounting::calculation::TaskStatus,
    entities::{
        accounting::calculation_task, accounting::calculation_workflow, accounting::model_version,
        foundation::department,
    },
    services::accounting::{sql::Dialect, workflows},
};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set, Value};

/// Departments with beds (their nursing is counted in bed-days) and their beds.
const WARDS: &[(&str, i64)] = &[
    ("INT", 40),
    ("SUR", 30),
    ("PED", 20),
    ("OBG", 16),
    ("GP", 24),
    ("REH", 12),
];

#[derive(Debug, Default)]
pub struct Counts {
    pub workload_records: u64,
    pub cost_records: u64,
    pub orientation_values: u64,
    pub calculation_tasks: u64,
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

pub async fn load(
    txn: &DatabaseTransaction,
    hospital_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Counts> {
    let d = Dialect::of(txn);
    let mut counts = Counts::default();
    let periods: Vec<Period> = d
        .all(
            txn,
            "SELECT DISTINCT period FROM charge_details WHERE hospital_id = ? ORDER BY period",
            vec![v(hospital_id)],
        )
        .await?
        .iter()
        .filter_map(|r| r.try_get("", "period").ok())
        .collect();
    let departments: Vec<department::Model> = department::Entity::find()
        .filter(department::Column::HospitalId.eq(hospital_id))
        .order_by_asc(department::Column::Code)
        .all(txn)
        .await?;
    let nodes: Vec<String> = d
        .all(
            txn,
            "SELECT n.code FROM dimension_node n JOIN model_version m ON m.id = n.model_version_id \
             WHERE m.hospital_id = ? AND m.is_active = ?",
            vec![v(hospital_id), v(true)],
        )
        .await?
        .iter()
        .filter_map(|r| r.try_get("", "code").ok())
        .collect();
    let has = |code: &str| nodes.iter().any(|n| n == code);

    for (p, period) in periods.iter().enumerate() {
        // Workload: occupancy varies by department and month, deterministically.
        for (i, dept) in departments.iter().enumerate() {
            let Some((_, beds)) = WARDS.iter().find(|(code, _)| *code == dept.code) else {
                continue;
            };
            let occupancy = 70 + ((i * 7 + p * 11) % 25) as i64; // percent
            let bed_days = beds * 30 * occupancy / 100;
            for (node, quantity) in [
                ("dim-nur-bed", bed_days),
                ("dim-nur-trans", bed_days / 12),
                ("dim-nur-mon", bed_days / 9),
            ] {
                if !has(node) {
                    continue;
                }
                counts.workload_records += d
                    .exec(
                        txn,
                        "INSERT INTO workload_record (hospital_id, period, department_code, node_code, quantity, \
                         created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        vec![
                            v(hospital_id),
                            v(*period),
                            v(dept.code.clone()),
                            v(node),
                            v(quantity * 10_000),
                            v(now),
                        ],
                    )
                    .await?
                    .rows_affected();
            }
            if has("dim-nur-bed") {
                // The bed-day orientation: actual bed-days against the rule's benchmark.
                counts.orientation_values += d
                    .exec(
                        txn,
                        "INSERT INTO orientation_value (hospital_id, period, department_code, node_code, actual_value, \
                         created_at) VALUES (?, ?, ?, 'dim-nur-bed', ?, ?)",
                        vec![v(hospital_id), v(*period), v(dept.code.clone()), v(bed_days * 10_000), v(now)],
                    )
                    .await?
                    .rows_affected();
            }
        }
        // Costs from income, sized against the value the model credits (its weights turn income into value at
        // 0.15–0.5 of it, and drugs into none): labour 10 % of what a department executed, drugs 5 % and
        // materials 20 % of the drugs and materials it prescribed (they sell at cost under zero mark-up; what
        // stays with the department is handling, storage and loss). So most departments and the hospital end a
        // month with a positive net value, and a department that mostly dispenses drugs does not.
        for (node, column, share, category) in [
            ("dim-cost-labor", "executing_dept_code", 10, None),
            ("dim-cost-drug", "prescribing_dept_code", 5, Some("DRUG")),
            (
                "dim-cost-material",
                "prescribing_dept_code",
                20,
                Some("MATERIAL"),
            ),
        ] {
            if !has(node) {
                continue;
            }
            let filter = if category.is_some() {
                " AND c.item_category = ?"
            } else {
                ""
            };
            let mut values = vec![
                v(hospital_id),
                v(*period),
                v(node),
                v(now),
                v(hospital_id),
                v(*period),
            ];
            if let Some(c) = category {
                values.push(v(c));
            }
            counts.cost_records += d
                .exec(
                    txn,
                    &format!(
                        "INSERT INTO cost_record (hospital_id, period, department_code, node_code, amount, created_at) \
                         SELECT ?, ?, c.{column}, ?, {amount}, ? FROM charge_details c \
                         JOIN department dep ON dep.hospital_id = c.hospital_id AND dep.code = c.{column} \
                         WHERE c.hospital_id = ? AND c.period = ?{filter} \
                         GROUP BY c.{column} HAVING SUM(c.amount) > 0",
                        amount = d.int(&format!("SUM(c.amount) * {share} / 100"))
                    ),
                    values,
                )
                .await?
                .rows_affected();
        }
        // The outpatient orientation: visits (registration lines) per department.
        if has("dim-doc-out-eval-1") {
            counts.orientation_values += d
                .exec(
                    txn,
                    &format!(
                        "INSERT INTO orientation_value (hospital_id, period, department_code, node_code, actual_value, \
                         created_at) \
                         SELECT ?, ?, c.prescribing_dept_code, 'dim-doc-out-eval-1', {}, ? FROM charge_details c \
                         JOIN department dep ON dep.hospital_id = c.hospital_id AND dep.code = c.prescribing_dept_code \
                         WHERE c.hospital_id = ? AND c.period = ? AND c.item_category = 'REGISTRATION' AND c.amount > 0 \
                         GROUP BY c.prescribing_dept_code",
                        d.int("COUNT(*) * 10000")
                    ),
                    vec![v(hospital_id), v(*period), v(now), v(hospital_id), v(*period)],
                )
                .await?
                .rows_affected();
        }
    }

    // A calculation per month, oldest first (each compares with the one before), and the latest month again with
    // the legacy workflow: its drill-downs read the charge lines.
    let Some(version) = model_version::Entity::find()
        .filter(model_version::Column::HospitalId.eq(hospital_id))
        .filter(model_version::Column::IsActive.eq(true))
        .one(txn)
        .await?
    else {
        return Ok(counts);
    };
    workflows::ensure_defaults(txn, hospital_id).await?;
    let flows = calculation_workflow::Entity::find()
        .filter(calculation_workflow::Column::HospitalId.eq(hospital_id))
        .all(txn)
        .await?;
    let standard = flows.iter().find(|w| w.is_default).map(|w| w.id);
    let legacy = flows.iter().find(|w| !w.is_default).map(|w| w.id);
    let mut queue: Vec<(Period, Option<i64>)> = periods.iter().map(|p| (*p, standard)).collect();
    if let Some(latest) = periods.last() {
        queue.push((*latest, legacy));
    }
    for (period, workflow) in queue {
        let Some(workflow) = workflow else { continue };
        calculation_task::Entity::insert(calculation_task::ActiveModel {
            hospital_id: Set(hospital_id),
            period: Set(period),
            model_version_id: Set(version.id),
            workflow_id: Set(workflow),
            status: Set(TaskStatus::Pending),
            progress: Set(0),
            has_details: Set(false),
            run_no: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        counts.calculation_tasks += 1;
    }
    Ok(counts)
}
