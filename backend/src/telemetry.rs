//! Logs, on standard output: `RUST_LOG` filters (default `info`); `APP_LOG_FORMAT` chooses `text` (default:
//! a line a record, coloured only on a terminal) or `json` (one JSON object a line, for a log collector).
//! Every request logs one line, and every line logged while serving it names its request id
//! (see `api::request_log`).
use anyhow::bail;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            other => bail!("APP_LOG_FORMAT must be `text` or `json`, not `{other}`"),
        }
    }
}

/// Installs the process's log subscriber as the environment asks.
pub fn init() -> anyhow::Result<()> {
    let format: LogFormat = std::env::var("APP_LOG_FORMAT")
        .unwrap_or_default()
        .parse()?;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let installed = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    };
    // A subscriber installed before (a test harness) stays.
    drop(installed);
    Ok(())
}
