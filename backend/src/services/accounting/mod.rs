//! Department value accounting (科室价值核算): the model (versions, dimension tree, item mappings, orientation
//! rules), the imports of charge lines and monthly inputs, workflows and tasks, the five-step pipeline, results
//! and drill-down.
pub mod auto_runs;
pub mod batches;
pub mod calculation_tasks;
pub mod charge_import;
pub mod charge_totals;
pub mod comparison;
pub mod department_report;
pub mod dimension_nodes;
pub mod drill_down;
pub mod import_history;
pub mod imports;
pub mod mappings;
pub mod model_versions;
pub mod orientation_rules;
pub mod periods;
pub mod pipeline;
pub mod results;
pub mod sql;
pub mod workflows;
