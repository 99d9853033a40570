//! The `hospital` command line.
mod accounting;

use crate::{
    api,
    auth::password,
    config::Settings,
    db,
    domain::{foundation::password::PasswordPolicy, foundation::role::Role},
    entities::foundation::hospital,
    seed::demo,
    services::{foundation::audit, foundation::hospitals, foundation::users},
    startup::Application,
};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;
use std::{io::BufRead, path::PathBuf};

#[derive(Parser)]
#[command(
    name = "hospital",
    version,
    about = "Community hospital outpatient front office and department value accounting"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Migrate, load the demo data if APP_DEMO=true and the database is empty, and serve the API, the SPA
    /// and Swagger UI.
    Serve,
    /// Apply pending migrations.
    Migrate,
    /// Copy the SQLite database to FILE while the server runs (a consistent snapshot); PostgreSQL and
    /// MySQL/MariaDB are backed up with their own tools (docs/operations.md).
    Backup { file: PathBuf },
    /// Restore a backup as the SQLite database DATABASE_URL names; stop the server first.
    Restore {
        file: PathBuf,
        /// Restore over an existing database (it is kept beside as <file>.before-restore-<time>).
        #[arg(long)]
        replace: bool,
    },
    /// Ask a running server whether it is alive (`GET /health` on APP_BIND, or --address): exit 0 when it
    /// answers 200. For container health checks: the image needs nothing else.
    Health {
        /// host:port of the server; default APP_BIND (0.0.0.0 asked as 127.0.0.1).
        #[arg(long)]
        address: Option<String>,
    },
    /// Load the demo data set into an empty database, or with --charges generate charge lines.
    Seed(accounting::SeedArgs),
    /// Import a CSV file (layouts in docs/imports.md): all rows or none.
    Import {
        #[command(subcommand)]
        command: accounting::ImportCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from HOSPITAL_PASSWORD or the first line of standard input.
    Create {
        /// The hospital's code; created when --hospital-name is given and it does not exist yet.
        #[arg(long)]
        hospital: String,
        #[arg(long)]
        hospital_name: Option<String>,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// ADMIN, FRONT_DESK, DOCTOR or ANALYST.
        #[arg(long)]
        role: Role,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Seal pending entries, then recompute the hash chain; exits non-zero when it is broken.
    Verify,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Openapi => {
            let spec = api::openapi()
                .to_pretty_json()
                .context("serialising the OpenAPI document")?;
            println!("{spec}");
            Ok(())
        }
        Command::Serve => serve().await,
        Command::Migrate => {
            db::open(&Settings::from_env()?).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Health { address } => health(address).await,
        Command::Backup { file } => {
            let settings = Settings::from_env()?;
            let db = db::connect(settings.database_url.expose_secret(), 2).await?;
            let summary = crate::backup::backup(&db, &file).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::Restore { file, replace } => {
            let settings = Settings::from_env()?;
            let summary =
                crate::backup::restore(&file, settings.database_url.expose_secret(), replace)
                    .await?;
            println!("restored {}", summary.file.display());
            Ok(())
        }
        Command::Seed(args) if args.generates_charges() => accounting::seed_charges(args).await,
        Command::Import { command } => accounting::import(command).await,
        Command::Seed(args) => {
            let settings = Settings::from_env()?;
            let db = db::open(&settings).await?;
            if args.if_empty && !demo::is_empty(&db).await? {
                println!("the database has data already: the demo data was not loaded");
                return Ok(());
            }
            let summary = demo::load(&db, settings.demo_timezone.as_deref()).await?;
            println!("loaded the demo data: {summary:?}");
            print_demo_logins();
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    hospital,
                    hospital_name,
                    username,
                    display_name,
                    role,
                },
        } => {
            let settings = Settings::from_env()?;
            let db = db::open(&settings).await?;
            let hospital_id = find_or_create_hospital(&db, &hospital, hospital_name).await?;
            let secret = read_password()?;
            let policy: PasswordPolicy = settings.auth.password_policy;
            if let Err(e) = policy.check(&secret, &username) {
                bail!("password {e}");
            }
            let hash = password::hash(secret).await?;
            let input = users::NewUser {
                username,
                display_name,
                role,
                password: String::new(),
            };
            let created = users::insert(&db, hospital_id, input, hash)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user {} ({}) in hospital {hospital}",
                created.username, created.role
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = db::open(&Settings::from_env()?).await?;
            audit::seal(&db).await?;
            let report = audit::verify(&db, None).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.intact {
                bail!("the audit chain is broken");
            }
            Ok(())
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let demo_mode = settings.demo;
    let spa_index = settings.static_dir.join("index.html");
    let app = Application::build(settings).await?;
    let port = app.port();
    tracing::info!(
        port,
        "serving on http://127.0.0.1:{port} (Swagger UI at /swagger-ui/)"
    );
    if !spa_index.is_file() {
        tracing::warn!(
            missing = %spa_index.display(),
            "the web app is not built: `/` answers 404 until it is (make run builds it; APP_STATIC_DIR names its folder)"
        );
    }
    if demo_mode {
        print_demo_logins();
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn health(address: Option<String>) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let bind = address.unwrap_or_else(|| {
        std::env::var("APP_BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
    });
    let address = bind
        .replace("0.0.0.0:", "127.0.0.1:")
        .replace("[::]:", "[::1]:");
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(&address).await?;
        let request =
            format!("GET /health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        anyhow::Ok(answer)
    };
    let answer = tokio::time::timeout(std::time::Duration::from_secs(5), ask)
        .await
        .with_context(|| format!("{address} did not answer within 5 s"))?
        .with_context(|| format!("asking {address}/health"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        bail!("{address}/health answered {status:?}");
    }
    println!("healthy");
    Ok(())
}

fn print_demo_logins() {
    println!("Demo logins (password {}):", demo::DEMO_PASSWORD);
    for (user, what) in demo::DEMO_LOGINS {
        println!("  {user:<10} {what}");
    }
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("HOSPITAL_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        bail!("no password: set HOSPITAL_PASSWORD or pipe it on standard input");
    }
    Ok(line)
}

async fn find_or_create_hospital(
    db: &sea_orm::DatabaseConnection,
    code: &str,
    name: Option<String>,
) -> anyhow::Result<i64> {
    if let Some(h) = hospital::Entity::find()
        .filter(hospital::Column::Code.eq(code))
        .one(db)
        .await?
    {
        return Ok(h.id);
    }
    let Some(name) = name else {
        bail!("no hospital {code}; pass --hospital-name to create it");
    };
    let created = hospitals::create(db, code.to_owned(), name, "Asia/Shanghai").await?;
    Ok(created.id)
}
