//! Calculation workflows and tasks: the step kinds and the task status machine.
use crate::domain::foundation::{period::Period, vocab::vocabulary};

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

/// The most periods one batch runs: two years.
pub const MAX_BATCH_PERIODS: usize = 24;

/// A batch's periods from `from` to `to`, in order: at least one, at most [`MAX_BATCH_PERIODS`].
pub fn batch_periods(from: Period, to: Period) -> Result<Vec<Period>, String> {
    if to < from {
        return Err("must not be before from".into());
    }
    let mut out = vec![to];
    let mut p = to;
    while p > from {
        p = p.previous();
        out.push(p);
        if out.len() > MAX_BATCH_PERIODS {
            return Err(format!("a batch runs at most {MAX_BATCH_PERIODS} periods"));
        }
    }
    out.reverse();
    Ok(out)
}

/// A batch's status from its months': SUCCEEDED when every month did, FAILED when one failed and none is left to
/// run, RUNNING while one runs or some have run and others wait, PENDING before any started.
pub fn batch_status(months: &[TaskStatus]) -> TaskStatus {
    let any = |s: TaskStatus| months.contains(&s);
    if any(TaskStatus::Running) {
        TaskStatus::Running
    } else if any(TaskStatus::Pending) {
        if months.iter().any(|s| *s != TaskStatus::Pending) {
            TaskStatus::Running
        } else {
            TaskStatus::Pending
        }
    } else if any(TaskStatus::Failed) {
        TaskStatus::Failed
    } else {
        TaskStatus::Succeeded
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
    fn a_batch_spans_one_to_twenty_four_periods_in_order() {
        let p = |s: &str| s.parse::<Period>().expect("a period");
        let names = |v: Vec<Period>| v.iter().map(Period::to_string).collect::<Vec<_>>();
        assert_eq!(
            batch_periods(p("2025-11"), p("2026-02")).map(names),
            Ok(vec![
                "2025-11".into(),
                "2025-12".into(),
                "2026-01".into(),
                "2026-02".into()
            ])
        );
        assert_eq!(
            batch_periods(p("2026-03"), p("2026-03")).map(|v| v.len()),
            Ok(1)
        );
        assert_eq!(
            batch_periods(p("2024-01"), p("2025-12")).map(|v| v.len()),
            Ok(24)
        );
        assert!(batch_periods(p("2024-01"), p("2026-01")).is_err());
        assert!(batch_periods(p("2026-05"), p("2026-04")).is_err());
    }

    #[test]
    fn a_batch_is_as_far_as_its_months() {
        use TaskStatus::*;
        assert_eq!(batch_status(&[Pending, Pending]), Pending);
        assert_eq!(batch_status(&[Succeeded, Pending]), Running);
        assert_eq!(batch_status(&[Failed, Running]), Running);
        assert_eq!(batch_status(&[Succeeded, Failed]), Failed);
        assert_eq!(batch_status(&[Succeeded, Succeeded]), Succeeded);
    }

    #[test]
    fn only_finished_tasks_are_queued_again() {
        assert!(TaskStatus::Succeeded.can_queue());
        assert!(TaskStatus::Failed.can_queue());
        assert!(!TaskStatus::Pending.can_queue());
        assert!(!TaskStatus::Running.can_queue());
    }
}
