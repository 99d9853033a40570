//! Calculation workflows and tasks: the step kinds and the task status machine.
use crate::domain::foundation::vocab::vocabulary;

vocabulary!(
    /// The five steps of the accounting pipeline, in the order a workflow runs them.
    StepKind { Prepare, GenerateDetails, AggregateResults, ApplyWeights, SummarizeValue }
);

vocabulary!(
    /// PENDING → RUNNING → SUCCEEDED | FAILED; a finished task can be queued again (PENDING).
    TaskStatus { Pending, Running, Succeeded, Failed }
);

vocabulary!(
    /// How a task came to be queued: by hand, in a batch, or after an import (a hospital's `auto_calculation`).
    TaskOrigin { Manual, Batch, Auto }
);

vocabulary!(
    /// When a hospital's imports queue a calculation of their periods: never; when a charge import adds lines;
    /// or when an import leaves the period with all four inputs (charge lines, workload, costs, orientation
    /// actuals).
    RunAfter { Never, Charges, AllInputs }
);

impl TaskStatus {
    /// A task can be queued (again) only when nothing is running it.
    pub fn can_queue(self) -> bool {
        matches!(self, TaskStatus::Succeeded | TaskStatus::Failed)
    }
}

/// A workflow's steps must start with PREPARE, keep the pipeline's order and never repeat a step; without
/// GENERATE_DETAILS the results come straight from the charge lines (and drill-downs read them too).
pub fn valid_order(steps: &[StepKind]) -> bool {
    let position = |k: &StepKind| StepKind::ALL.iter().position(|s| s == k);
    steps.first() == Some(&StepKind::Prepare)
        && steps.windows(2).all(|w| position(&w[0]) < position(&w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepKind::*;

    #[test]
    fn workflows_keep_the_pipeline_order() {
        assert!(valid_order(StepKind::ALL));
        assert!(valid_order(&[
            Prepare,
            AggregateResults,
            ApplyWeights,
            SummarizeValue
        ]));
        assert!(!valid_order(&[AggregateResults, Prepare]));
        assert!(!valid_order(&[Prepare, ApplyWeights, AggregateResults]));
        assert!(!valid_order(&[Prepare, Prepare]));
        assert!(!valid_order(&[]));
    }

    #[test]
    fn only_finished_tasks_are_queued_again() {
        assert!(TaskStatus::Succeeded.can_queue());
        assert!(TaskStatus::Failed.can_queue());
        assert!(!TaskStatus::Pending.can_queue());
        assert!(!TaskStatus::Running.can_queue());
    }
}
