//! Department value accounting (科室价值核算): workflows and tasks, the five-step pipeline, results and
//! drill-down. The model (versions, dimension tree, mappings, orientation rules) and the imports have their own
//! services.
pub mod drill_down;
pub mod pipeline;
pub mod results;
pub mod sql;
pub mod tasks;
pub mod workflows;
