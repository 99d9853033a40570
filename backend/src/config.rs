//! Typed settings from the environment, with safe defaults for the embedded (SQLite) mode.
use crate::domain::foundation::password::PasswordPolicy;
use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use std::{path::PathBuf, str::FromStr, time::Duration};

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretString,
    pub bind: String,
    pub data_dir: PathBuf,
    pub static_dir: PathBuf,
    pub demo: bool,
    /// The demo hospitals' time zone (default Asia/Shanghai).
    pub demo_timezone: Option<String>,
    pub jwt_secret: Option<SecretString>,
    pub auth: AuthSettings,
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    /// The largest CSV upload the import endpoints accept (default 512 MiB).
    pub max_upload_bytes: usize,
    /// Where uploads are kept while they are imported (default `<data dir>/uploads`); the server owns it and
    /// removes what a stopped server left there when it starts.
    pub upload_dir: PathBuf,
    pub db_max_connections: u32,
    /// A CA certificate (PEM) that the database server's certificate must chain to (`APP_DB_CA_FILE`).
    pub db_ca_file: Option<PathBuf>,
    /// How long a SQLite writer waits for the write lock before it fails with SQLITE_BUSY (default 30 s).
    pub sqlite_busy_timeout: Duration,
    pub audit_seal_interval: Duration,
    /// How often BOOKED appointments whose slot has ended become no-shows; `None` turns the sweep off (tests
    /// sweep by hand, so a background sweep cannot change what they count).
    pub no_show_sweep_interval: Option<Duration>,
    /// Whether this server runs queued calculation tasks (default yes). Off for an instance that only serves
    /// the API while others calculate, and in tests that run calculations on runners of their own.
    pub run_calculations: bool,
    /// Requests per client address (`APP_RATE_LIMIT_PER_SECOND`, `APP_RATE_LIMIT_BURST`).
    pub rate_limit: RateLimitSettings,
    /// The bearer token a Prometheus server scrapes `/metrics` with (`APP_METRICS_TOKEN`); none: not served.
    pub metrics_token: Option<SecretString>,
    /// Other origins whose web pages may call the API (`APP_CORS_ORIGINS`, comma-separated); none by default.
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct RateLimitSettings {
    /// The steady rate; 0 turns the limit off.
    pub per_second: u32,
    /// How many requests may come at once above the steady rate.
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        // Generous: a whole front office behind one NAT address shares it.
        Self {
            per_second: 50,
            burst: 200,
        }
    }
}

/// An origin as browsers send it: scheme and host (and port), nothing after.
fn origin(raw: &str) -> anyhow::Result<String> {
    let raw = raw.trim().trim_end_matches('/');
    let valid = ["http://", "https://"].iter().any(|scheme| {
        raw.strip_prefix(scheme)
            .is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', ' ', '*']))
    });
    if !valid {
        bail!("APP_CORS_ORIGINS: {raw:?} is not an origin such as https://his.example.org");
    }
    Ok(raw.to_owned())
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub session_ttl: Duration,
    pub password_policy: PasswordPolicy,
    /// Failures of one account from one client address before that pair is locked.
    pub max_failures_per_account: u32,
    /// Failures from one client address, whatever the accounts, before the address is locked.
    pub max_failures_per_address: u32,
    pub failure_window: Duration,
    pub lock_duration: Duration,
    /// Password hashes computed at once (each takes 19 MiB and a core for a moment).
    pub hash_concurrency: usize,
    /// How long a sign-in waits for a hashing slot before it is answered 503 `BUSY`.
    pub hash_wait: Duration,
    /// How long a checked session is trusted without reading it again (0: read it on every request).
    pub session_cache: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(7 * 24 * 3600),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            password_policy: PasswordPolicy::Asvs,
            max_failures_per_account: 5,
            max_failures_per_address: 30,
            failure_window: Duration::from_secs(15 * 60),
            lock_duration: Duration::from_secs(15 * 60),
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
            hash_wait: Duration::from_secs(5),
            session_cache: Duration::from_secs(5),
        }
    }
}

impl Settings {
    /// The embedded defaults: a SQLite file under `data/`.
    pub fn embedded(data_dir: PathBuf) -> Self {
        let db = data_dir.join("hospital.db");
        let upload_dir = data_dir.join("uploads");
        Self {
            database_url: format!("sqlite://{}?mode=rwc", db.display()).into(),
            bind: "127.0.0.1:8080".into(),
            data_dir,
            static_dir: PathBuf::from("frontend/dist"),
            demo: false,
            demo_timezone: None,
            jwt_secret: None,
            auth: AuthSettings::default(),
            trust_proxy: false,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 512 * 1024 * 1024,
            upload_dir,
            db_max_connections: 16,
            db_ca_file: None,
            sqlite_busy_timeout: crate::db::SQLITE_BUSY_TIMEOUT,
            audit_seal_interval: Duration::from_secs(2),
            no_show_sweep_interval: Some(Duration::from_secs(60)),
            run_calculations: true,
            rate_limit: RateLimitSettings::default(),
            cors_origins: Vec::new(),
            metrics_token: None,
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("APP_DATA_DIR").unwrap_or_else(|| "data".into()));
        let mut s = Self::embedded(data_dir);
        if let Some(url) = secret("DATABASE_URL")? {
            s.database_url = url.into();
        }
        if let Some(password) = secret("DATABASE_PASSWORD")? {
            s.database_url = with_password(s.database_url.expose_secret(), &password)?.into();
        }
        s.bind = var("APP_BIND").unwrap_or(s.bind);
        s.static_dir = var("APP_STATIC_DIR")
            .map(PathBuf::from)
            .unwrap_or(s.static_dir);
        s.demo = parse("APP_DEMO", s.demo)?;
        s.demo_timezone = var("APP_DEMO_TIMEZONE");
        s.jwt_secret = secret("JWT_SECRET")?.map(SecretString::from);
        s.metrics_token = secret("APP_METRICS_TOKEN")?.map(SecretString::from);
        s.trust_proxy = parse("APP_TRUST_PROXY", s.trust_proxy)?;
        s.max_body_bytes = parse("APP_MAX_BODY_BYTES", s.max_body_bytes)?;
        s.max_upload_bytes = parse("APP_MAX_UPLOAD_BYTES", s.max_upload_bytes)?;
        s.upload_dir = var("APP_UPLOAD_DIR")
            .map(PathBuf::from)
            .unwrap_or(s.upload_dir);
        s.db_max_connections = parse("APP_DB_MAX_CONNECTIONS", s.db_max_connections)?;
        s.db_ca_file = var("APP_DB_CA_FILE").map(PathBuf::from);
        s.rate_limit.per_second = parse("APP_RATE_LIMIT_PER_SECOND", s.rate_limit.per_second)?;
        s.rate_limit.burst = parse("APP_RATE_LIMIT_BURST", s.rate_limit.burst)?;
        s.cors_origins = var("APP_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .filter(|o| !o.trim().is_empty())
            .map(origin)
            .collect::<anyhow::Result<_>>()?;
        if s.db_max_connections < 2 {
            // Migrations hold their lock on one connection while they run on another.
            bail!("APP_DB_MAX_CONNECTIONS must be at least 2");
        }
        s.sqlite_busy_timeout = Duration::from_millis(parse(
            "APP_SQLITE_BUSY_TIMEOUT_MS",
            s.sqlite_busy_timeout.as_millis() as u64,
        )?);
        s.run_calculations = parse("APP_RUN_CALCULATIONS", s.run_calculations)?;
        let a = &mut s.auth;
        a.access_ttl = secs("APP_ACCESS_TOKEN_TTL_SECS", a.access_ttl)?;
        a.refresh_ttl = secs("APP_REFRESH_TOKEN_TTL_SECS", a.refresh_ttl)?;
        a.session_ttl = secs("APP_SESSION_TTL_SECS", a.session_ttl)?;
        a.password_policy = parse("APP_PASSWORD_POLICY", a.password_policy)?;
        a.max_failures_per_account = parse("APP_LOGIN_MAX_FAILURES", a.max_failures_per_account)?;
        a.max_failures_per_address = parse(
            "APP_LOGIN_MAX_FAILURES_PER_ADDRESS",
            a.max_failures_per_address,
        )?;
        a.failure_window = secs("APP_LOGIN_FAILURE_WINDOW_SECS", a.failure_window)?;
        a.lock_duration = secs("APP_LOGIN_LOCK_SECS", a.lock_duration)?;
        a.hash_concurrency = parse("APP_HASH_CONCURRENCY", a.hash_concurrency)?;
        a.hash_wait = millis("APP_HASH_WAIT_MS", a.hash_wait)?;
        a.session_cache = millis("APP_SESSION_CACHE_MS", a.session_cache)?;
        Ok(s)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }

    /// The JWT signing key: configured, or on the embedded default generated once into `data/` and reused,
    /// so tokens survive a restart. A server database without a configured secret is refused.
    pub fn signing_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(secret) = &self.jwt_secret {
            if secret.expose_secret().len() < 32 {
                bail!("JWT_SECRET must be at least 32 characters");
            }
            return Ok(secret.clone());
        }
        if !self.is_sqlite() {
            bail!("JWT_SECRET is required when DATABASE_URL is not SQLite");
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= 32 {
                return Ok(existing.into());
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
        Ok(secret.into())
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A secret from `NAME`, or from the file `NAME_FILE` names (Docker and Kubernetes secrets), its final line
/// break dropped.
fn secret(name: &str) -> anyhow::Result<Option<String>> {
    if let Some(value) = var(name) {
        return Ok(Some(value));
    }
    let file_var = format!("{name}_FILE");
    let Some(file) = var(&file_var) else {
        return Ok(None);
    };
    let value =
        std::fs::read_to_string(&file).with_context(|| format!("reading {file_var}={file}"))?;
    let value = value.trim_end_matches(['\r', '\n']).to_owned();
    Ok((!value.is_empty()).then_some(value))
}

/// The server database URL with `password` set (percent-encoded) for its user, so the password can come
/// from a secret file of its own instead of sitting inside `DATABASE_URL`.
fn with_password(url: &str, password: &str) -> anyhow::Result<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!("DATABASE_PASSWORD needs a DATABASE_URL such as postgres://hospital@db/hospital");
    };
    let Some((user_info, host)) = rest.split_once('@') else {
        bail!("DATABASE_PASSWORD needs a user in DATABASE_URL (postgres://hospital@db/hospital)");
    };
    if scheme.starts_with("sqlite") {
        bail!("DATABASE_PASSWORD is for a server database, not SQLite");
    }
    let user = user_info.split(':').next().unwrap_or_default();
    // Everything but RFC 3986's unreserved characters is escaped.
    const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(password, USERINFO);
    Ok(format!("{scheme}://{user}:{encoded}@{host}"))
}

fn parse<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={raw:?} is not valid: {e}")),
    }
}

fn secs(name: &str, default: Duration) -> anyhow::Result<Duration> {
    parse(name, default.as_secs()).map(Duration::from_secs)
}

fn millis(name: &str, default: Duration) -> anyhow::Result<Duration> {
    parse(name, default.as_millis() as u64).map(Duration::from_millis)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{origin, with_password};

    #[test]
    fn a_database_password_is_set_in_the_url_percent_encoded() {
        assert_eq!(
            with_password(
                "postgres://hospital@db:5432/hospital?sslmode=require",
                "p@ss:w/rd 1"
            )
            .unwrap(),
            "postgres://hospital:p%40ss%3Aw%2Frd%201@db:5432/hospital?sslmode=require"
        );
        // A password already in the URL is replaced.
        assert_eq!(
            with_password("mysql://root:old@127.0.0.1/h", "new-1").unwrap(),
            "mysql://root:new-1@127.0.0.1/h"
        );
        assert!(with_password("postgres://db/hospital", "x").is_err());
        assert!(with_password("sqlite://root@data/h.db", "x").is_err());
    }

    #[test]
    fn cors_origins_are_scheme_and_host_only() {
        assert_eq!(
            origin(" https://his.example.org/ ").unwrap(),
            "https://his.example.org"
        );
        assert_eq!(
            origin("http://10.0.0.5:8080").unwrap(),
            "http://10.0.0.5:8080"
        );
        for bad in [
            "his.example.org",
            "https://",
            "https://*.example.org",
            "https://h.org/app",
            "ftp://h.org",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }
}
