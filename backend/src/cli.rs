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
    services::{foundation::audit, foundation::users},
    startup::Application,
};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::io::BufRead;

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
        Command::Seed(args) if args.generates_charges() => accounting::seed_charges(args).await,
        Command::Import { command } => accounting::import(command).await,
        Command::Seed(_) => {
            let settings = Settings::from_env()?;
            let db = db::open(&settings).await?;
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
    let created = hospital::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name),
        timezone: Set("Asia/Shanghai".into()),
        is_active: Set(true),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created.id)
}
