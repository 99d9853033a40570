//! `TestApp`: the real server on a fresh database of its own (SQLite always; PostgreSQL and MariaDB/MySQL
//! when `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` name a server), driven over real HTTP.
use hospital::{
    auth::password,
    config::Settings,
    db,
    domain::foundation::role::Role,
    services::foundation::{
        hospitals,
        users::{self, NewUser},
    },
    startup::Application,
};
use reqwest::{Method, header::HeaderMap};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use std::{collections::HashMap, sync::OnceLock};
use tokio::sync::Mutex;

pub const PASSWORD: &str = "Test-password-2026";
pub const JWT_SECRET: &str = "test-secret-that-is-at-least-32-characters-long";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// Runs each named `async fn name(app: TestApp)` once per backend, as `name::sqlite`, `name::postgres` and
/// `name::mysql`. The server backends run only when their URL is set (CI sets both).
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::{Backend, TestApp};
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() { if let Some(app) = TestApp::spawn(Backend::Sqlite).await { super::$name(app).await } }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() { if let Some(app) = TestApp::spawn(Backend::Postgres).await { super::$name(app).await } }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mysql() { if let Some(app) = TestApp::spawn(Backend::MySql).await { super::$name(app).await } }
        }
    )*};
}

/// Like `db_tests!`, for tests that need adjusted settings: `name => tweak` runs `async fn name(app)` on every
/// backend against a server spawned with `fn tweak(&mut Settings)`.
#[macro_export]
macro_rules! db_tests_with {
    ($($name:ident => $tweak:ident),* $(,)?) => {$(
        mod $name {
            use $crate::helpers::{Backend, TestApp};
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                if let Some(app) = TestApp::spawn_with(Backend::Sqlite, super::$tweak).await { super::$name(app).await }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, super::$tweak).await { super::$name(app).await }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn mysql() {
                if let Some(app) = TestApp::spawn_with(Backend::MySql, super::$tweak).await { super::$name(app).await }
            }
        }
    )*};
}

/// A response: status, JSON body (Null when empty or not JSON) and headers.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The messages of the field errors, by field.
    pub fn field_errors(&self) -> HashMap<String, String> {
        self.body["errors"]
            .as_array()
            .map(|errs| {
                errs.iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_owned(),
                            e["message"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts an RFC 9457 problem with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "status of {:?}", self.body);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "content type of {:?}",
            self.body
        );
        assert_eq!(self.code(), code, "code of {:?}", self.body);
        assert_eq!(
            self.body["status"], status,
            "status field of {:?}",
            self.body
        );
        assert!(
            self.body["title"].is_string() && self.body["detail"].is_string(),
            "{:?}",
            self.body
        );
    }
}

pub struct Cleanup {
    admin_url: String,
    name: String,
    backend: Backend,
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// The test database's own URL (not a relay's a tweak may put in front of it), for command-line tools.
    pub database_url: String,
    /// The two hospitals every test starts with, `HA` and `HB`, each with one user per role.
    pub hospital_a: i64,
    pub hospital_b: i64,
    tokens: Mutex<HashMap<String, String>>,
    sessions: std::sync::Arc<hospital::services::foundation::auth::SessionCache>,
    cleanup: Option<Cleanup>,
    _dir: tempfile::TempDir,
}

pub fn server_url(var: &str) -> Option<String> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            // Keep scheme://user@host:port and drop any database path or query.
            let v = v.trim().split('?').next().unwrap_or_default().to_owned();
            match v.find("://").map(|i| i + 3) {
                Some(start) => match v[start..].find('/') {
                    Some(slash) => v[..start + slash].to_owned(),
                    None => v,
                },
                None => v,
            }
        })
}

fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash_blocking(PASSWORD).expect("hash"))
        .clone()
}

/// The server's warnings and errors (`TEST_LOG` filters otherwise) go to the test's captured output, so a
/// failing test shows the cause of a 500 it received.
fn log_to_test_output() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "warn,sqlx=error".to_owned());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

/// The username of the test user with `role` in hospital `HA` (`a`) or `HB` (`b`).
pub fn username(hospital: char, role: Role) -> String {
    format!("{hospital}_{}", role.as_str().to_lowercase())
}

/// A new, empty database on `backend` (a file in `dir` for SQLite), dropped with its `Cleanup`; `None`
/// when that backend's server is not configured.
pub async fn scratch_database(
    backend: Backend,
    dir: &std::path::Path,
    name: &str,
) -> Option<(String, Option<Cleanup>)> {
    Some(match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            let server = server_url("TEST_POSTGRES_URL")?;
            let admin_url = format!("{server}/postgres");
            admin(&admin_url, &format!("CREATE DATABASE \"{name}\"")).await;
            (
                format!("{server}/{name}"),
                Some(Cleanup {
                    admin_url,
                    name: name.to_owned(),
                    backend,
                }),
            )
        }
        Backend::MySql => {
            let server = server_url("TEST_MYSQL_URL")?;
            let admin_url = format!("{server}/mysql");
            admin(
                &admin_url,
                &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            )
            .await;
            (
                format!("{server}/{name}"),
                Some(Cleanup {
                    admin_url,
                    name: name.to_owned(),
                    backend,
                }),
            )
        }
    })
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns with settings adjusted by `tweak` (lockout thresholds, password policy, ...).
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<Self> {
        log_to_test_output();
        let dir = tempfile::tempdir().expect("temp dir");
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let (url, cleanup) = scratch_database(backend, dir.path(), &name).await?;
        let database_url = url.clone();
        let mut settings = Settings::embedded(dir.path().to_path_buf());
        settings.database_url = url.clone().into();
        settings.bind = "127.0.0.1:0".into();
        settings.jwt_secret = Some(JWT_SECRET.to_owned().into());
        settings.static_dir = dir.path().join("no-spa");
        // Tests play several client addresses through X-Forwarded-For.
        settings.trust_proxy = true;
        settings.db_max_connections = 10;
        // Tests sweep no-shows by hand; a background sweep would change what they count mid-test.
        settings.no_show_sweep_interval = None;
        // Races send hundreds of requests from one address at once; the limit has tests of its own.
        settings.rate_limit.per_second = 0;
        tweak(&mut settings);
        // A tweak may send the server through something else (a proxy standing in for the network).
        let url = secrecy::ExposeSecret::expose_secret(&settings.database_url).to_owned();

        let db = db::connect_with(
            &url,
            settings.db_max_connections,
            settings.sqlite_busy_timeout,
        )
        .await
        .expect("connect");
        db::migrate(&db).await.expect("migrate");
        let hospital_a = seed_hospital(&db, 'a').await;
        let hospital_b = seed_hospital(&db, 'b').await;
        let app = Application::with_database(settings, db.clone())
            .await
            .expect("start the server");
        let address = format!("http://127.0.0.1:{}", app.port());
        let sessions = app.sessions();
        tokio::spawn(app.run_until_stopped());
        Some(Self {
            backend,
            address,
            client: reqwest::Client::new(),
            db,
            database_url,
            hospital_a,
            hospital_b,
            tokens: Mutex::new(HashMap::new()),
            sessions,
            cleanup,
            _dir: dir,
        })
    }

    /// After a change to users or hospitals made in the database by hand: the server's session cache forgets
    /// what it read, as its expiry would a few seconds later.
    pub fn forget_sessions(&self) {
        self.sessions.forget_all();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request; `body` is sent as JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn read(response: reqwest::Response) -> Resp {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            body,
            headers,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// `POST /auth/login` from a client address (sent as X-Forwarded-For).
    pub async fn login_from(&self, username: &str, password: &str, ip: &str) -> Resp {
        let req = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&serde_json::json!({ "username": username, "password": password }));
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.login_from(username, password, "10.0.0.1").await
    }

    /// An access token for the test user with `role` in hospital `a` or `b` (signed in once per test).
    pub async fn token(&self, hospital: char, role: Role) -> String {
        let name = username(hospital, role);
        let mut tokens = self.tokens.lock().await;
        if let Some(t) = tokens.get(&name) {
            return t.clone();
        }
        let resp = self.login(&name, PASSWORD).await;
        assert_eq!(resp.status, 200, "login {name}: {:?}", resp.body);
        let token = resp.body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned();
        tokens.insert(name, token.clone());
        token
    }

    pub async fn admin(&self) -> String {
        self.token('a', Role::Admin).await
    }

    pub async fn front_desk(&self) -> String {
        self.token('a', Role::FrontDesk).await
    }

    /// Runs a raw statement on the test database (to tamper with the audit log, say).
    pub async fn execute(&self, sql: &str) {
        self.db.execute_unprepared(sql).await.expect(sql);
    }
}

async fn seed_hospital(db: &DatabaseConnection, letter: char) -> i64 {
    let hospital = hospitals::create(
        db,
        format!("H{}", letter.to_ascii_uppercase()),
        format!("测试医院{letter}"),
        "Asia/Shanghai",
    )
    .await
    .expect("hospital");
    for role in Role::ALL {
        let input = NewUser {
            username: username(letter, *role),
            display_name: format!("{letter} {role}"),
            role: *role,
            password: String::new(),
        };
        users::insert(db, hospital.id, input, password_hash())
            .await
            .expect("user");
    }
    hospital.id
}

pub async fn admin(url: &str, sql: &str) {
    let conn = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    conn.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let Some(c) = self.cleanup.take() else { return };
        let db = self.db.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its own runtime
        // closes the pool and drops the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let _ = db.close().await;
                let sql = match c.backend {
                    Backend::Postgres => {
                        format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", c.name)
                    }
                    _ => format!("DROP DATABASE IF EXISTS `{}`", c.name),
                };
                admin(&c.admin_url, &sql).await;
            });
        })
        .join();
    }
}
