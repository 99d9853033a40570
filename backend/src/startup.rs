//! The one application factory: used by `hospital serve` and by the integration tests.
use crate::api::edge::{self, RateLimit};
use crate::{
    api::{self, AppState, RouteTable},
    auth::{jwt::JwtKeys, password::HashGate},
    config::Settings,
    db,
    seed::demo,
    services::{
        accounting::calculation_tasks, accounting::charge_import, foundation::audit,
        foundation::auth::SessionCache, outpatient::appointments,
    },
};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use sea_orm::DatabaseConnection;
use std::{net::TcpListener, sync::Arc};
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::SwaggerUi;

pub struct Application {
    port: u16,
    server: Server,
    pub db: DatabaseConnection,
    sessions: Arc<SessionCache>,
}

impl Application {
    /// Connects, migrates, loads the demo data when asked to and the database is empty, and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::open(&settings).await?;
        if settings.demo && demo::is_empty(&db).await? {
            let summary = demo::load(&db, settings.demo_timezone.as_deref()).await?;
            tracing::info!(?summary, "loaded the demo data");
        }
        Self::with_database(settings, db).await
    }

    pub async fn with_database(settings: Settings, db: DatabaseConnection) -> anyhow::Result<Self> {
        let keys = JwtKeys::new(&settings.signing_secret()?);
        let removed = api::upload::clean_leftovers(&settings.upload_dir).with_context(|| {
            format!(
                "preparing the upload directory {}",
                settings.upload_dir.display()
            )
        })?;
        if removed > 0 {
            tracing::info!(removed, dir = %settings.upload_dir.display(), "removed uploads a stopped server left");
        }
        // The charge imports a stopped server (or command) left half written: their lines never counted.
        let abandoned = charge_import::clean_abandoned(&db)
            .await
            .context("removing abandoned charge imports")?;
        if abandoned > 0 {
            tracing::info!(
                abandoned,
                "removed charge imports a stopped server left unfinished"
            );
        }
        // One killed just before this start still held its lease: look again once it has run out.
        let sweeper = db.clone();
        tokio::spawn(async move {
            tokio::time::sleep(charge_import::LEASE).await;
            match charge_import::clean_abandoned(&sweeper).await {
                Ok(0) => {}
                Ok(abandoned) => tracing::info!(abandoned, "removed abandoned charge imports"),
                Err(e) => tracing::warn!(error = %e, "removing abandoned charge imports failed"),
            }
        });
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let seal_every = settings.audit_seal_interval;
        let sweep_every = settings.no_show_sweep_interval;
        let hashes = HashGate::new(settings.auth.hash_concurrency, settings.auth.hash_wait);
        let run_calculations = settings.run_calculations;
        let sessions = Arc::new(SessionCache::new(settings.auth.session_cache));
        let state = web::Data::new(AppState {
            sessions: sessions.clone(),
            db: db.clone(),
            keys,
            settings: Arc::new(settings),
            hashes,
            health: db::Health::watch(&db),
        });
        let routes = web::Data::new(RouteTable::from_openapi(&api::openapi()));
        let rate_limit = RateLimit::new(&state.settings.rate_limit, state.settings.trust_proxy);
        if let Some(limit) = &rate_limit {
            limit.spawn_cleaner();
        }
        let rate_limit = rate_limit.map(web::Data::from);
        let cors_origins = state.settings.cors_origins.clone();
        let server = HttpServer::new(move || {
            let (app, spec) = api::build(App::new());
            let app = match &rate_limit {
                Some(limit) => app.app_data(limit.clone()),
                None => app,
            };
            // Outermost last: compression, CORS, HEAD, the request id and log line, the rate limit, the
            // database guard, authentication.
            app.wrap(from_fn(api::extract::authenticate))
                .wrap(from_fn(api::resilience::guard))
                .wrap(from_fn(edge::rate_limit))
                .wrap(TracingLogger::<api::request_log::RequestSpan>::new())
                .wrap(from_fn(api::request_log::assign))
                .wrap(from_fn(edge::head_as_get))
                .wrap(edge::cors(&cors_origins))
                .wrap(Compress::default())
                .app_data(state.clone())
                .app_data(routes.clone())
                .configure(api::configure_extractors)
                .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", spec))
                .default_service(web::to(api::spa::fallback))
        })
        .listen(listener)?
        .run();
        spawn_audit_sealer(db.clone(), seal_every);
        if let Some(every) = sweep_every {
            spawn_no_show_sweeper(db.clone(), every);
        }
        if run_calculations {
            calculation_tasks::spawn_runner(db.clone());
        }
        Ok(Self {
            port,
            server,
            db,
            sessions,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's session cache: a test that changes users or hospitals in the database by hand empties it,
    /// as the cache's expiry would.
    pub fn sessions(&self) -> Arc<SessionCache> {
        self.sessions.clone()
    }

    /// Stops the server from elsewhere (benchmarks start several in one process).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, then lets running requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Marks booked appointments whose slot has ended as no-shows, once a minute by default. Safe with several servers: the
/// update is a compare-and-set on BOOKED.
fn spawn_no_show_sweeper(db: DatabaseConnection, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            match appointments::sweep_no_shows(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(marked = n, "marked no-shows"),
                Err(e) => tracing::warn!(error = %e, "the no-show sweep failed; will retry"),
            }
        }
    });
}

/// Links new audit entries onto the hash chain in the background, so writers never wait for it.
fn spawn_audit_sealer(db: DatabaseConnection, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            if let Err(e) = audit::seal(&db).await {
                tracing::warn!(error = %e, "sealing the audit log failed; will retry");
            }
        }
    });
}
