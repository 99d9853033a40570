//! Departmental performance accounting: charge facts, dimension models, calculation runs and results.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::columns::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BUSINESS_TYPES: &[&str] = &["OUTPATIENT", "INPATIENT"];
const SERIES: &[&str] = &["DOCTOR", "TECH", "NURSING", "COST"];
const NODE_KINDS: &[&str] = &["CHARGE", "WORKLOAD", "COST"];
const DEPT_FIELDS: &[&str] = &["PRESCRIBING", "EXECUTING", "NONE"];
const BUSINESS_TYPE_SCOPES: &[&str] = &["ALL", "OUTPATIENT", "INPATIENT"];
const STEP_KINDS: &[&str] = &[
    "PREPARE",
    "GENERATE_DETAILS",
    "AGGREGATE_RESULTS",
    "APPLY_WEIGHTS",
    "SUMMARIZE_VALUE",
];
const TASK_STATUSES: &[&str] = &["PENDING", "RUNNING", "SUCCEEDED", "FAILED"];

/// The three monthly per-department inputs (workload, cost, orientation actuals) share one shape:
/// one value per (hospital, period, department, node).
fn period_input(b: DbBackend, name: &'static str, value: &'static str) -> TableCreateStatement {
    let mut stmt = table(b, name);
    stmt.col(id())
        .col(hospital_id())
        .col(string("period", 7))
        .col(code(b, "department_code", 32))
        .col(code(b, "node_code", 100))
        .col(big(value))
        .col(created_at(b))
        .foreign_key(&mut fk_hospital(name));
    stmt
}

/// Named `_key` like the other wide keys: spelling out the four columns would take
/// `uq_orientation_value_...` past the identifier limit.
fn period_input_key(name: &'static str) -> IndexCreateStatement {
    unique_named(
        &format!("uq_{name}_key"),
        name,
        &["hospital_id", "period", "department_code", "node_code"],
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let b = manager.get_database_backend();

        // One row per source charge line (outpatient billing lines or imported inpatient lines).
        // amount may be negative for refunds; billing_id has no foreign key because imported
        // lines have no local bill.
        manager
            .create_table(
                table(b, "charge_details")
                    .col(id())
                    .col(hospital_id())
                    .col(code(b, "source_line_id", 64))
                    .col(string("business_type", 16))
                    .col(code(b, "prescribing_dept_code", 32))
                    .col(code(b, "executing_dept_code", 32))
                    .col(code(b, "item_code", 64))
                    .col(string("item_name", 200))
                    .col(string_null("item_category", 64))
                    .col(big("quantity"))
                    .col(big("amount"))
                    .col(ts(b, "charged_at"))
                    .col(string("period", 7))
                    .col(big_null("billing_id"))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("charge_details"))
                    .check(enum_check(
                        "charge_details",
                        "business_type",
                        BUSINESS_TYPES,
                    ))
                    .to_owned(),
            )
            .await?;
        // Re-importing a line is idempotent thanks to the source key; the two period indexes serve
        // the executing- and prescribing-department aggregations.
        create_indexes(
            manager,
            [
                unique("charge_details", &["hospital_id", "source_line_id"]),
                index_named(
                    "ix_charge_details_exec",
                    "charge_details",
                    &["hospital_id", "period", "executing_dept_code", "item_code"],
                ),
                index_named(
                    "ix_charge_details_presc",
                    "charge_details",
                    &[
                        "hospital_id",
                        "period",
                        "prescribing_dept_code",
                        "item_code",
                    ],
                ),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "model_version")
                    .col(id())
                    .col(hospital_id())
                    .col(string("name", 64))
                    .col(string_null("description", 255))
                    .col(flag("is_active", false))
                    .col(big_null("copied_from_id"))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("model_version"))
                    .foreign_key(&mut fk("model_version", "copied_from_id", "model_version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("model_version", &["hospital_id", "name"]))
            .await?;

        // weight is in ten-thousandths (10000 = 1.0).
        manager
            .create_table(
                table(b, "dimension_node")
                    .col(id())
                    .col(hospital_id())
                    .col(big("model_version_id"))
                    .col(big_null("parent_id"))
                    .col(code(b, "code", 100))
                    .col(string("name", 255))
                    .col(string("series", 16))
                    .col(string("kind", 16))
                    .col(string("dept_field", 16))
                    .col(flag("splits_business_type", false))
                    .col(string("business_type_scope", 16).default("ALL"))
                    .col(big("weight").default(10_000))
                    .col(int("sort").default(0))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("dimension_node"))
                    .foreign_key(&mut fk(
                        "dimension_node",
                        "model_version_id",
                        "model_version",
                    ))
                    .foreign_key(&mut fk("dimension_node", "parent_id", "dimension_node"))
                    .check(enum_check("dimension_node", "series", SERIES))
                    .check(enum_check("dimension_node", "kind", NODE_KINDS))
                    .check(enum_check("dimension_node", "dept_field", DEPT_FIELDS))
                    .check(enum_check(
                        "dimension_node",
                        "business_type_scope",
                        BUSINESS_TYPE_SCOPES,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("dimension_node", &["model_version_id", "code"]),
                index("dimension_node", &["parent_id"]),
            ],
        )
        .await?;

        // Closure table of the node tree (every ancestor/descendant pair, depth 0 = itself), so
        // subtree queries need no recursive SQL.
        manager
            .create_table(
                table(b, "dimension_closure")
                    .col(big("ancestor_id"))
                    .col(big("descendant_id"))
                    .col(big("model_version_id"))
                    .col(int("depth"))
                    .primary_key(
                        Index::create()
                            .name("pk_dimension_closure")
                            .col("ancestor_id")
                            .col("descendant_id"),
                    )
                    .foreign_key(&mut fk(
                        "dimension_closure",
                        "ancestor_id",
                        "dimension_node",
                    ))
                    .foreign_key(&mut fk(
                        "dimension_closure",
                        "descendant_id",
                        "dimension_node",
                    ))
                    .foreign_key(&mut fk(
                        "dimension_closure",
                        "model_version_id",
                        "model_version",
                    ))
                    .check(non_negative("dimension_closure", "depth"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                index("dimension_closure", &["descendant_id"]),
                index("dimension_closure", &["model_version_id"]),
            ],
        )
        .await?;

        manager
            .create_table(
                table(b, "dimension_item_mapping")
                    .col(id())
                    .col(hospital_id())
                    .col(big("model_version_id"))
                    .col(big("node_id"))
                    .col(code(b, "item_code", 64))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("dimension_item_mapping"))
                    .foreign_key(&mut fk(
                        "dimension_item_mapping",
                        "model_version_id",
                        "model_version",
                    ))
                    .foreign_key(&mut fk(
                        "dimension_item_mapping",
                        "node_id",
                        "dimension_node",
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                unique("dimension_item_mapping", &["node_id", "item_code"]),
                index("dimension_item_mapping", &["model_version_id", "item_code"]),
            ],
        )
        .await?;

        manager
            .create_table(
                period_input(b, "workload_record", "quantity")
                    .check(non_negative("workload_record", "quantity"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(period_input_key("workload_record"))
            .await?;
        manager
            .create_table(
                period_input(b, "cost_record", "amount")
                    .check(non_negative("cost_record", "amount"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(period_input_key("cost_record"))
            .await?;
        // No sign check: an orientation actual is an indicator, not an amount, and may be negative.
        manager
            .create_table(period_input(b, "orientation_value", "actual_value"))
            .await?;
        manager
            .create_index(period_input_key("orientation_value"))
            .await?;

        manager
            .create_table(
                table(b, "calculation_workflow")
                    .col(id())
                    .col(hospital_id())
                    .col(string("name", 64))
                    .col(string_null("description", 255))
                    .col(flag("is_default", false))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("calculation_workflow"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("calculation_workflow", &["hospital_id", "name"]))
            .await?;

        manager
            .create_table(
                table(b, "calculation_step")
                    .col(id())
                    .col(big("workflow_id"))
                    .col(int("step_order"))
                    .col(string("kind", 32))
                    .col(string("name", 64))
                    .foreign_key(&mut fk(
                        "calculation_step",
                        "workflow_id",
                        "calculation_workflow",
                    ))
                    .check(enum_check("calculation_step", "kind", STEP_KINDS))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique("calculation_step", &["workflow_id", "step_order"]))
            .await?;

        // A task is claimed by a worker under a lease (lease_until, claimed_by) so a crashed worker's
        // task can be taken over. Each run writes its rows under a new run_no and then flips
        // run_no here: readers see the last complete run, never a half-built one.
        manager
            .create_table(
                table(b, "calculation_task")
                    .col(id())
                    .col(hospital_id())
                    .col(string("period", 7))
                    .col(big("model_version_id"))
                    .col(big("workflow_id"))
                    .col(string("status", 16).default("PENDING"))
                    .col(int("progress").default(0))
                    .col(text_null("log"))
                    .col(text_null("error"))
                    .col(flag("has_details", false))
                    .col(int("run_no").default(0))
                    .col(ts_null(b, "lease_until"))
                    .col(string_null("claimed_by", 64))
                    .col(big_null("created_by"))
                    .col(created_at(b))
                    .col(ts_null(b, "started_at"))
                    .col(ts_null(b, "finished_at"))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("calculation_task"))
                    .foreign_key(&mut fk(
                        "calculation_task",
                        "model_version_id",
                        "model_version",
                    ))
                    .foreign_key(&mut fk(
                        "calculation_task",
                        "workflow_id",
                        "calculation_workflow",
                    ))
                    .foreign_key(&mut fk("calculation_task", "created_by", "app_user"))
                    .check(enum_check("calculation_task", "status", TASK_STATUSES))
                    .check(check(
                        "calculation_task",
                        "progress",
                        Expr::col("progress").between(0, 100),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "calculation_task",
                &["hospital_id", "period", "status"],
            ))
            .await?;

        // Codes and names are copied in so a finished run reads the same after the model or the
        // department list is edited. business_type is '' when the node does not split by it:
        // an empty string rather than NULL keeps it usable in the unique key on every backend.
        manager
            .create_table(
                table(b, "calculation_details")
                    .col(id())
                    .col(hospital_id())
                    .col(big("task_id"))
                    .col(int("run_no"))
                    .col(big("department_id"))
                    .col(code(b, "department_code", 32))
                    .col(big("node_id"))
                    .col(code(b, "node_code", 100))
                    .col(string("node_name", 255))
                    .col(big_null("parent_id"))
                    .col(code(b, "item_code", 64))
                    .col(string_null("item_name", 200))
                    .col(string_null("item_category", 64))
                    .col(string("business_type", 16).default(""))
                    .col(big("amount").default(0))
                    .col(big("quantity").default(0))
                    .col(string("period", 7))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("calculation_details"))
                    .foreign_key(&mut fk(
                        "calculation_details",
                        "task_id",
                        "calculation_task",
                    ))
                    .foreign_key(&mut fk(
                        "calculation_details",
                        "department_id",
                        "department",
                    ))
                    .foreign_key(&mut fk("calculation_details", "node_id", "dimension_node"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_named(
                "uq_calc_details_key",
                "calculation_details",
                &[
                    "hospital_id",
                    "task_id",
                    "run_no",
                    "department_id",
                    "node_id",
                    "item_code",
                    "business_type",
                ],
            ))
            .await?;

        manager
            .create_table(
                table(b, "calculation_results")
                    .col(id())
                    .col(hospital_id())
                    .col(big("task_id"))
                    .col(int("run_no"))
                    .col(big("department_id"))
                    .col(big("node_id"))
                    .col(big_null("parent_id"))
                    .col(string("business_type", 16).default(""))
                    .col(big("amount").default(0))
                    .col(big_null("quantity"))
                    .col(big_null("weight"))
                    .col(big_null("value"))
                    .col(big_null("ratio"))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("calculation_results"))
                    .foreign_key(&mut fk(
                        "calculation_results",
                        "task_id",
                        "calculation_task",
                    ))
                    .foreign_key(&mut fk(
                        "calculation_results",
                        "department_id",
                        "department",
                    ))
                    .foreign_key(&mut fk("calculation_results", "node_id", "dimension_node"))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            [
                // The column list would exceed the identifier limit, hence the short name.
                unique_named(
                    "uq_calc_results_key",
                    "calculation_results",
                    &[
                        "task_id",
                        "run_no",
                        "department_id",
                        "node_id",
                        "business_type",
                    ],
                ),
                index("calculation_results", &["task_id", "run_no", "node_id"]),
            ],
        )
        .await?;

        // department_code NULL means the rule applies to every department.
        manager
            .create_table(
                table(b, "orientation_rule")
                    .col(id())
                    .col(hospital_id())
                    .col(big("model_version_id"))
                    .col(code(b, "node_code", 100))
                    .col(string("name", 128))
                    .col(code_null(b, "department_code", 32))
                    .col(big("benchmark"))
                    .col(flag("is_active", true))
                    .col(created_at(b))
                    .col(updated_at(b))
                    .foreign_key(&mut fk_hospital("orientation_rule"))
                    .foreign_key(&mut fk(
                        "orientation_rule",
                        "model_version_id",
                        "model_version",
                    ))
                    .check(positive("orientation_rule", "benchmark"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "orientation_rule",
                &["model_version_id", "node_code"],
            ))
            .await?;

        // upper_bound NULL is an open-ended top rung.
        manager
            .create_table(
                table(b, "orientation_ladder")
                    .col(id())
                    .col(big("rule_id"))
                    .col(big("lower_bound"))
                    .col(big_null("upper_bound"))
                    .col(big("intensity"))
                    .col(int("sort").default(0))
                    .foreign_key(&mut fk("orientation_ladder", "rule_id", "orientation_rule"))
                    .check(check(
                        "orientation_ladder",
                        "bounds",
                        Expr::col("upper_bound")
                            .is_null()
                            .or(Expr::col("upper_bound").gt(Expr::col("lower_bound"))),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("orientation_ladder", &["rule_id"]))
            .await?;

        // An explanation of each weight adjustment of a run; rule_id has no foreign key so the
        // record survives later edits of the rules.
        manager
            .create_table(
                table(b, "orientation_adjustment_detail")
                    .col(id())
                    .col(hospital_id())
                    .col(big("task_id"))
                    .col(int("run_no"))
                    .col(big("department_id"))
                    .col(big("node_id"))
                    .col(big_null("rule_id"))
                    .col(big_null("actual_value"))
                    .col(big_null("benchmark"))
                    .col(big_null("ratio"))
                    .col(big_null("intensity"))
                    .col(big("original_weight"))
                    .col(big("adjusted_weight"))
                    .col(string_null("skip_reason", 64))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("orientation_adjustment_detail"))
                    .foreign_key(&mut fk(
                        "orientation_adjustment_detail",
                        "task_id",
                        "calculation_task",
                    ))
                    .foreign_key(&mut fk(
                        "orientation_adjustment_detail",
                        "department_id",
                        "department",
                    ))
                    .foreign_key(&mut fk(
                        "orientation_adjustment_detail",
                        "node_id",
                        "dimension_node",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "orientation_adjustment_detail",
                &["task_id", "run_no", "department_id"],
            ))
            .await?;

        // share, changes and rank are NULL when there is nothing to compare against.
        manager
            .create_table(
                table(b, "value_summary")
                    .col(id())
                    .col(hospital_id())
                    .col(big("task_id"))
                    .col(int("run_no"))
                    .col(big("department_id"))
                    .col(big("doctor_value").default(0))
                    .col(big("nursing_value").default(0))
                    .col(big("tech_value").default(0))
                    .col(big("cost_value").default(0))
                    .col(big("net_value").default(0))
                    .col(big_null("share"))
                    .col(int_null("value_rank"))
                    .col(big_null("mom_change"))
                    .col(big_null("yoy_change"))
                    .col(created_at(b))
                    .foreign_key(&mut fk_hospital("value_summary"))
                    .foreign_key(&mut fk("value_summary", "task_id", "calculation_task"))
                    .foreign_key(&mut fk("value_summary", "department_id", "department"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique(
                "value_summary",
                &["task_id", "run_no", "department_id"],
            ))
            .await?;

        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            &[
                "value_summary",
                "orientation_adjustment_detail",
                "orientation_ladder",
                "orientation_rule",
                "calculation_results",
                "calculation_details",
                "calculation_task",
                "calculation_step",
                "calculation_workflow",
                "orientation_value",
                "cost_record",
                "workload_record",
                "dimension_item_mapping",
                "dimension_closure",
                "dimension_node",
                "model_version",
                "charge_details",
            ],
        )
        .await
    }
}
