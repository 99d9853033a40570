//! What an operator sees: request ids on every answer, one log line per request (JSON or plain text, with
//! the request's id, user and hospital, never a secret or an identity number), and a server that says so
//! when its web app is missing. The log tests run the `hospital` binary as a deployment would.
use crate::helpers::{Backend, TestApp};
use reqwest::Method;
use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

const ID_NUMBER: &str = "11010519491231002X";
const PASSWORD: &str = "Clinic-Passw0rd-2026";
const WRONG_PASSWORD: &str = "Wr0ng-Secret-77x";
const FILE_JWT_SECRET: &str = "a-signing-key-from-a-docker-secret-file-0042";

fn request_id(resp: &crate::helpers::Resp) -> String {
    resp.headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_carries_a_request_id() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let client = reqwest::Client::new();
    let send = |path: &str, id: Option<&str>| {
        let mut req = client.get(app.url(path));
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        req.send()
    };
    let echoed = send("/health", Some("lb-7f3a.42:1_x")).await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "lb-7f3a.42:1_x");

    // Refusals and unknown routes carry one too, made by the server when the client sent none.
    for path in ["/api/v1/departments", "/api/v1/no-such-thing"] {
        let resp = TestApp::read(send(path, None).await.unwrap()).await;
        assert!(
            resp.status == 401 || resp.status == 404,
            "{path}: {}",
            resp.status
        );
        let id = request_id(&resp);
        assert_eq!(id.len(), 32, "{path}: generated id {id:?}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    let first = request_id(&TestApp::read(send("/health", None).await.unwrap()).await);
    let second = request_id(&TestApp::read(send("/health", None).await.unwrap()).await);
    assert_ne!(first, second, "each request gets its own id");

    // An id that could forge a log line or is too long is replaced, not echoed.
    let long = "a".repeat(129);
    for hostile in ["two words", "x\"}{\"level\":\"ERROR", long.as_str()] {
        let resp = TestApp::read(send("/health", Some(hostile)).await.unwrap()).await;
        let id = request_id(&resp);
        assert_ne!(id, hostile);
        assert_eq!(id.len(), 32);
    }
    let resp = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(request_id(&resp).len(), 32);
}

/// A `hospital serve` process on its own SQLite database, its standard output collected line by line.
struct Server {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// The command with its secrets in files, as Docker secrets give them.
    fn command(dir: &std::path::Path, format: &str) -> Command {
        let secrets = dir.join("secrets");
        std::fs::create_dir_all(&secrets).unwrap();
        let url = format!("sqlite://{}/db.sqlite\n", dir.display());
        std::fs::write(secrets.join("database_url"), url).unwrap();
        std::fs::write(secrets.join("jwt_secret"), format!("{FILE_JWT_SECRET}\n")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hospital"));
        cmd.env("DATABASE_URL_FILE", secrets.join("database_url"))
            .env("JWT_SECRET_FILE", secrets.join("jwt_secret"))
            .env_remove("DATABASE_URL")
            .env_remove("JWT_SECRET")
            .env("APP_DATA_DIR", dir)
            .env("APP_STATIC_DIR", dir.join("no-web-app"))
            .env("APP_BIND", "127.0.0.1:0")
            .env("APP_DEMO", "false")
            .env("APP_LOG_FORMAT", format)
            .env("RUST_LOG", "info");
        cmd
    }

    /// Runs another command of the binary beside the server, on its database.
    fn cli(&self, args: &[&str]) -> std::process::Output {
        Self::command(self._dir.path(), "text")
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts a server with one ADMIN (`ops`) in hospital `OPS`.
    fn start(format: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let created = Self::command(dir.path(), format)
            .args([
                "user",
                "create",
                "--hospital",
                "OPS",
                "--hospital-name",
                "运维测试医院",
            ])
            .args([
                "--username",
                "ops",
                "--display-name",
                "运维",
                "--role",
                "ADMIN",
            ])
            .env("HOSPITAL_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");

        let mut child = Self::command(dir.path(), format)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let collected = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find("http://127.0.0.1:") {
                    let digits: String = line[at + 17..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    let _ = port_tx.send(digits.parse::<u16>().unwrap());
                }
                collected.lock().unwrap().push(line);
            }
        });
        let port = port_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no address logged: {:?}", lines.lock().unwrap()));
        Self {
            child,
            port,
            lines,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Signs in as `ops`, lists patients by an identity number, fails a sign-in; answers the output so far.
    async fn exercise(&self) -> Vec<String> {
        let client = reqwest::Client::new();
        let login = |password: &'static str| {
            client
                .post(self.url("/api/v1/auth/login"))
                .json(&serde_json::json!({"username": "ops", "password": password}))
                .send()
        };
        let signed_in: Value = login(PASSWORD).await.unwrap().json().await.unwrap();
        let token = signed_in["access_token"].as_str().unwrap().to_owned();
        // Signed with the key from JWT_SECRET_FILE.
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(
            &token,
            &jsonwebtoken::DecodingKey::from_secret(FILE_JWT_SECRET.as_bytes()),
            &validation,
        )
        .expect("the token is signed with the secret file's key");
        let listed = client
            .get(self.url(&format!("/api/v1/patients?q={ID_NUMBER}")))
            .bearer_auth(&token)
            .header("x-request-id", "ops-list-1")
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        // A hospital the command line made starts with the national insurance types.
        let mut patient = crate::fixtures::patient("运维患者", 1);
        patient["insurance_type"] = Value::from("RESIDENT");
        let registered = client
            .post(self.url("/api/v1/patients"))
            .bearer_auth(&token)
            .json(&patient)
            .send()
            .await
            .unwrap();
        assert_eq!(registered.status(), 201);
        let refused = login(WRONG_PASSWORD).await.unwrap();
        assert_eq!(refused.status(), 401);
        // The request line is written as the answer leaves; give the collector a moment to read it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let lines = self.lines.lock().unwrap().clone();
        let output = lines.join("\n");
        for secret in [ID_NUMBER, PASSWORD, WRONG_PASSWORD, token.as_str()] {
            assert!(
                !output.contains(secret),
                "the log shows {secret}:\n{output}"
            );
        }
        lines
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `request` span's fields of a JSON log line, when the line was logged inside a request.
fn request_span(line: &Value) -> Option<&Value> {
    line["spans"]
        .as_array()?
        .iter()
        .find(|s| s["name"] == "request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_have_one_line_per_request_with_its_id_user_and_hospital() {
    let server = Server::start("json");
    let lines = server.exercise().await;
    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = parsed
        .iter()
        .filter(|l| l["message"] == "request")
        .collect();

    let listed: Vec<&&Value> = requests
        .iter()
        .filter(|l| request_span(l).is_some_and(|s| s["request_id"] == "ops-list-1"))
        .collect();
    assert_eq!(listed.len(), 1, "one line for the request: {lines:#?}");
    let (line, span) = (listed[0], request_span(listed[0]).unwrap());
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["status"], 200);
    assert!(
        line["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    assert_eq!(span["method"], "GET");
    assert_eq!(span["route"], "/api/v1/patients");
    assert!(span["user_id"].as_i64().is_some(), "{span}");
    assert!(span["hospital_id"].as_i64().is_some(), "{span}");

    let refused: Vec<&&Value> = requests.iter().filter(|l| l["status"] == 401).collect();
    assert_eq!(refused.len(), 1, "{lines:#?}");
    let span = request_span(refused[0]).unwrap();
    assert_eq!(span["route"], "/api/v1/auth/login");
    assert_eq!(span["method"], "POST");
    assert_eq!(span["request_id"].as_str().map(str::len), Some(32));
    assert!(span.get("user_id").is_none(), "nobody signed in: {span}");

    // The binary checks the server's health for a container, and the demo data is never loaded over it.
    let port = server.port.to_string();
    let healthy = server.cli(&["health", "--address", &format!("127.0.0.1:{port}")]);
    assert!(healthy.status.success(), "{healthy:?}");
    let nobody = server.cli(&["health", "--address", "127.0.0.1:1"]);
    assert!(!nobody.status.success());
    let seeded = server.cli(&["seed", "--if-empty"]);
    assert!(seeded.status.success(), "{seeded:?}");
    assert!(
        String::from_utf8_lossy(&seeded.stdout).contains("not loaded"),
        "{seeded:?}"
    );

    // The missing web app is announced at start.
    assert!(
        parsed.iter().any(|l| l["level"] == "WARN"
            && l["message"].as_str().is_some_and(|m| m.contains("web app"))),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_written_to_a_pipe_have_no_colour_codes() {
    let server = Server::start("text");
    let lines = server.exercise().await;
    let output = lines.join("\n");
    assert!(!output.contains('\u{1b}'), "{output}");
    let listed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("request_id=ops-list-1"))
        .collect();
    assert_eq!(listed.len(), 1, "{output}");
    for field in [
        "INFO",
        "route=/api/v1/patients",
        "status=200",
        "duration_ms=",
        "user_id=",
        "hospital_id=",
    ] {
        assert!(listed[0].contains(field), "{field} in {}", listed[0]);
    }
}

#[test]
fn an_unknown_log_format_stops_the_server_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = Server::command(dir.path(), "yaml")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("APP_LOG_FORMAT"), "{stderr}");
}

/// Several instances started at once on an empty database: each migrates (or finds the work done) and
/// comes up; every migration is applied once.
async fn concurrent_starts(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let Some((url, _cleanup)) = crate::helpers::scratch_database(backend, dir.path(), &name).await
    else {
        return;
    };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let db = hospital::db::connect_with(&url, 2, hospital::db::SQLITE_BUSY_TIMEOUT)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                hospital::db::migrate(&db)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                Ok::<_, String>(db)
            })
        })
        .collect();
    let mut dbs = Vec::new();
    for start in starts {
        dbs.push(
            start
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend:?}: {e}")),
        );
    }
    use sea_orm::{ConnectionTrait, Statement};
    let applied = dbs[0]
        .query_one_raw(Statement::from_string(
            dbs[0].get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    use migration::MigratorTrait;
    assert_eq!(applied as usize, migration::Migrator::migrations().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_started_at_once_on_an_empty_sqlite_database_all_come_up() {
    concurrent_starts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_started_at_once_on_an_empty_postgres_database_all_come_up() {
    concurrent_starts(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_started_at_once_on_an_empty_mysql_database_all_come_up() {
    concurrent_starts(Backend::MySql).await;
}

/// Whether the connection's session is encrypted, as the PostgreSQL server sees it.
async fn postgres_session_uses_tls(url: &str) -> Result<bool, String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = hospital::db::connect_with(url, 2, hospital::db::SQLITE_BUSY_TIMEOUT)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no pg_stat_ssl row")?;
    row.try_get::<bool>("", "ssl").map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_use_tls_when_the_url_requires_it() {
    let Some(server) = crate::helpers::server_url("TEST_POSTGRES_URL") else {
        return;
    };
    let plain = postgres_session_uses_tls(&format!("{server}/postgres?sslmode=disable")).await;
    assert_eq!(plain, Ok(false));
    let required = postgres_session_uses_tls(&format!("{server}/postgres?sslmode=require")).await;
    assert_eq!(required, Ok(true), "the local server has ssl = on");

    // Verification against a CA file given by the setting: the server's own (self-signed, Debian's
    // "snakeoil") certificate passes; the public CAs, which did not sign it, are refused.
    let server_cert = std::path::Path::new("/etc/ssl/certs/ssl-cert-snakeoil.pem");
    let public_cas = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
    if server_cert.is_file() && public_cas.is_file() {
        let url = format!("{server}/postgres?sslmode=verify-ca");
        let trusted = hospital::db::with_ca_file(&url, Some(server_cert));
        assert_eq!(postgres_session_uses_tls(&trusted).await, Ok(true));
        let refused =
            postgres_session_uses_tls(&hospital::db::with_ca_file(&url, Some(public_cas))).await;
        assert!(refused.is_err(), "{refused:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_connections_can_ask_for_tls() {
    let Some(server) = crate::helpers::server_url("TEST_MYSQL_URL") else {
        return;
    };
    // The local MariaDB runs without TLS: asking for it must fail as a TLS refusal, not as a driver
    // built without TLS.
    let result = hospital::db::connect_with(
        &format!("{server}/mysql?ssl-mode=REQUIRED"),
        2,
        hospital::db::SQLITE_BUSY_TIMEOUT,
    )
    .await;
    if let Err(e) = result {
        let message = format!("{e:#}");
        assert!(!message.contains("without TLS support"), "{message}");
    }
}
