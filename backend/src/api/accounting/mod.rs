//! Department value accounting: the model, imports, calculation tasks and their results.
pub mod auto_calculation;
pub mod batches;
pub mod calculation_tasks;
pub mod comparison;
pub mod department_report;
pub mod dimension_nodes;
pub mod imports;
pub mod mappings;
pub mod model_versions;
pub mod monthly_inputs;
pub mod orientation_rules;
pub mod periods;
pub mod results;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(model_versions::routes)
        .configure(dimension_nodes::routes)
        .configure(mappings::routes)
        .configure(orientation_rules::routes)
        .configure(imports::routes)
        .configure(monthly_inputs::routes)
        // Before the tasks: `/calculation-tasks/{id}` would take `compare`.
        .configure(comparison::routes)
        .configure(calculation_tasks::routes)
        .configure(batches::routes)
        .configure(auto_calculation::routes)
        .configure(periods::routes)
        .configure(results::routes)
        .configure(department_report::routes);
}
