//! What `GET /metrics` reports, in Prometheus' text format: requests by route and status with their
//! latency, sign-in failures and lockouts, imported rows, calculation step durations, SQL statements sent to
//! the database (counted as they happen, by this process), and, read from the database at each scrape, calculation tasks by status,
//! audit entries waiting to be sealed and the connection pool's use.
use crate::error::AppError;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::sync::OnceLock;

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub login_failures: IntCounter,
    pub login_lockouts: IntCounter,
    pub imported_rows: IntCounterVec,
    pub step_duration: HistogramVec,
    db_statements: IntCounterVec,
    tasks: IntGaugeVec,
    audit_unsealed: IntGauge,
    pool: IntGaugeVec,
}

/// The process's metrics (one registry per process, as Prometheus clients keep them).
pub fn get() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Self {
        let registry =
            Registry::new_custom(Some("hospital".into()), None).unwrap_or_else(|_| Registry::new());
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "Requests answered, by route pattern and status.",
            ),
            &["method", "route", "status"],
        );
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its answer, by route pattern.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["method", "route"],
        );
        let login_failures = IntCounter::new(
            "login_failures_total",
            "Sign-ins refused for an unknown user, a wrong password or a disabled account.",
        );
        let login_lockouts = IntCounter::new(
            "login_lockouts_total",
            "Locks set on an account (from one address) or an address after repeated failures.",
        );
        let imported_rows = IntCounterVec::new(
            Opts::new("imported_rows_total", "Rows of imported files, by kind."),
            &["kind"],
        );
        let step_duration = HistogramVec::new(
            HistogramOpts::new(
                "calculation_step_duration_seconds",
                "How long each step of a calculation run took.",
            )
            .buckets(prometheus::exponential_buckets(0.01, 2.0, 16).unwrap_or_default()),
            &["step"],
        );
        let db_statements = IntCounterVec::new(
            Opts::new(
                "db_statements_total",
                "SQL statements this process sent to the database (transaction BEGIN and COMMIT not counted), by outcome.",
            ),
            &["outcome"],
        );
        let tasks = IntGaugeVec::new(
            Opts::new(
                "calculation_tasks",
                "Calculation tasks of all hospitals, by status.",
            ),
            &["status"],
        );
        let audit_unsealed = IntGauge::new(
            "audit_entries_unsealed",
            "Audit entries written but not yet sealed into the hash chain.",
        );
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections of this process, by state.",
            ),
            &["state"],
        );
        // The names and labels above are fixed and valid: registration cannot fail.
        let metrics = Self {
            registry,
            http_requests: http_requests.expect("valid metric"),
            http_duration: http_duration.expect("valid metric"),
            login_failures: login_failures.expect("valid metric"),
            login_lockouts: login_lockouts.expect("valid metric"),
            imported_rows: imported_rows.expect("valid metric"),
            step_duration: step_duration.expect("valid metric"),
            db_statements: db_statements.expect("valid metric"),
            tasks: tasks.expect("valid metric"),
            audit_unsealed: audit_unsealed.expect("valid metric"),
            pool: pool.expect("valid metric"),
        };
        let collectors: [Box<dyn prometheus::core::Collector>; 10] = [
            Box::new(metrics.http_requests.clone()),
            Box::new(metrics.http_duration.clone()),
            Box::new(metrics.login_failures.clone()),
            Box::new(metrics.login_lockouts.clone()),
            Box::new(metrics.imported_rows.clone()),
            Box::new(metrics.step_duration.clone()),
            Box::new(metrics.db_statements.clone()),
            Box::new(metrics.tasks.clone()),
            Box::new(metrics.audit_unsealed.clone()),
            Box::new(metrics.pool.clone()),
        ];
        for collector in collectors {
            let _ = metrics.registry.register(collector);
        }
        metrics
    }

    /// Counts one statement sent to the database.
    pub fn db_statement(&self, failed: bool) {
        self.db_statements
            .with_label_values(&[if failed { "error" } else { "ok" }])
            .inc();
    }

    /// Statements this process has sent to the database so far.
    pub fn db_statements_sent(&self) -> u64 {
        ["ok", "error"]
            .iter()
            .map(|o| self.db_statements.with_label_values(&[o]).get())
            .sum()
    }

    /// Counts one answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: Option<f64>) {
        self.http_requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        if let Some(seconds) = seconds {
            self.http_duration
                .with_label_values(&[method, route])
                .observe(seconds);
        }
    }

    /// The text a scrape gets: the database-side gauges read now, then everything encoded.
    pub async fn render(&self, db: &DatabaseConnection) -> Result<String, AppError> {
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT status, COUNT(*) AS n FROM calculation_task GROUP BY status",
            ))
            .await?;
        self.tasks.reset();
        for row in rows {
            let status: String = row.try_get("", "status")?;
            let n: i64 = row.try_get("", "n")?;
            self.tasks.with_label_values(&[&status]).set(n);
        }
        let unsealed = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM audit_log WHERE chain_seq IS NULL",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        self.audit_unsealed.set(unsealed);
        let (size, idle) = pool_use(db);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["in_use"]).set(size - idle);

        let mut text = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut text)
            .map_err(|e| AppError::Internal(e.into()))?;
        String::from_utf8(text).map_err(|e| AppError::Internal(e.into()))
    }
}

/// The pool's open and idle connections.
fn pool_use(db: &DatabaseConnection) -> (i64, i64) {
    use sea_orm::DbBackend;
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DbBackend::MySql => {
            let pool = db.get_mysql_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    (i64::from(size), idle as i64)
}

/// The Prometheus text format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
