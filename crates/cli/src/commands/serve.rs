//! `rapport serve`: open (and migrate) the database, then serve HTTP until told to stop.

use std::path::PathBuf;

use clap::Args;
use rapport_app::{App, Settings};
use rapport_web::{AppState, WebConfig};

use crate::config::{self, DEFAULT_LISTEN, DbArgs, FileConfig};
use crate::failure::{CmdResult, Failure};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on.
    #[arg(long, env = "RAPPORT_LISTEN")]
    pub listen: Option<String>,
    /// Fill a fresh database with the demo workspace first (default file: rapport-demo.db,
    /// recreated on every start), and print how to sign in.
    #[arg(long)]
    pub demo: bool,
    /// Where people reach this server, for links in mail (password resets, sign-in links,
    /// rating invitations). Default: http://<listen address>.
    #[arg(long, env = "RAPPORT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mark session cookies Secure (serve behind HTTPS).
    #[arg(long, env = "RAPPORT_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log format: text or json.
    #[arg(long, env = "RAPPORT_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, e.g. info or rapport_web=debug.
    #[arg(long, env = "RAPPORT_LOG")]
    pub log_level: Option<String>,
    /// Requests per second one API token or session may make (bursts up to 30 s worth);
    /// 0 turns the limit off.
    #[arg(long, env = "RAPPORT_API_RATE_LIMIT", default_value_t = 20.0)]
    pub api_rate_limit: f64,
    /// Connections served at once; more wait in the listen backlog.
    #[arg(long, env = "RAPPORT_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a worker holds a job before another may take it over.
    #[arg(long, env = "RAPPORT_JOB_LEASE_SECS", default_value_t = 60)]
    pub job_lease_secs: u64,
    /// Jobs this process runs at once (0: run no job worker in this process).
    #[arg(long, env = "RAPPORT_JOB_CONCURRENCY", default_value_t = 4)]
    pub job_concurrency: usize,
    /// Minutes before a promise falls due that `promise.due_soon` is raised (0 to 10080).
    #[arg(long, env = "RAPPORT_PROMISE_DUE_SOON_MINUTES", default_value_t = 240)]
    pub promise_due_soon_minutes: i64,
    /// Minutes between the silence checks of each organisation (1 to 1440).
    #[arg(long, env = "RAPPORT_SILENCE_CHECK_MINUTES", default_value_t = 15)]
    pub silence_check_minutes: i64,
    /// Safety margin added to suggested due dates when the caller gives none (0 to 500 %).
    #[arg(long, env = "RAPPORT_SAFETY_MARGIN_PERCENT", default_value_t = 20)]
    pub safety_margin_percent: u16,
}

/// The clock settings from the flags, each checked against its range.
fn clock_settings(args: &ServeArgs) -> Result<rapport_app::clocks::ClockSettings, Failure> {
    let check = |flag: &str, value: i64, max: i64| {
        if (0..=max).contains(&value) {
            Ok(value)
        } else {
            Err(Failure::Usage(format!(
                "--{flag} must be between 0 and {max}, got {value}"
            )))
        }
    };
    let due_soon = check(
        "promise-due-soon-minutes",
        args.promise_due_soon_minutes,
        7 * 24 * 60,
    )?;
    let every = check("silence-check-minutes", args.silence_check_minutes, 24 * 60)?;
    if every == 0 {
        return Err(Failure::Usage(
            "--silence-check-minutes must be at least 1".into(),
        ));
    }
    let margin = check(
        "safety-margin-percent",
        i64::from(args.safety_margin_percent),
        i64::from(rapport_core::capacity::MAX_SAFETY_MARGIN_PERCENT),
    )?;
    Ok(rapport_app::clocks::ClockSettings {
        promise_due_soon: jiff::SignedDuration::from_mins(due_soon),
        silence_every: jiff::SignedDuration::from_mins(every),
        safety_margin_percent: margin as u16,
        ..Default::default()
    })
}

/// `host:pid`: names this process in job leases.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "rapport".into());
    format!("{host}:{}", std::process::id())
}

pub const DEMO_FILE: &str = "rapport-demo.db";

pub fn run(args: ServeArgs) -> CmdResult {
    let clocks = clock_settings(&args)?;
    let file = FileConfig::load(args.db.config.as_deref())?;
    config::init_logging(
        args.log_format
            .as_deref()
            .or(file.log_format.as_deref())
            .unwrap_or("text"),
        args.log_level
            .as_deref()
            .or(file.log_level.as_deref())
            .unwrap_or("info"),
    )?;
    let mut db = args.db.resolve(&file, true);
    if args.demo && args.db.db.is_none() && file.db.is_none() {
        db.url = format!("sqlite://{DEMO_FILE}");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(PathBuf::from(format!("{DEMO_FILE}{suffix}")));
        }
    }
    let listen = args
        .listen
        .clone()
        .or(file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let secure_cookies = args.secure_cookies || file.secure_cookies.unwrap_or(false);
    let mut settings = Settings {
        public_url: format!("http://{listen}"),
        ..Settings::default()
    };
    if let Some(url) = args.public_url.clone().or(file.public_url.clone()) {
        settings.public_url = url.trim().trim_end_matches('/').to_string();
    }
    config::runtime()?.block_on(async move {
        let mut settings = settings;
        let store = config::open_store(&db).await?;
        let report = store
            .migrate()
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        if !report.applied.is_empty() {
            tracing::info!(applied = ?report.applied, version = report.current_version, "migrated");
        }
        settings.secrets = rapport_app::secrets::SecretBox::from_env().map_err(Failure::Usage)?;
        if !settings.secrets.is_configured() {
            tracing::warn!(
                "RAPPORT_SECRET_KEY is not set: features that store secrets (two-factor sign-in, mailbox passwords) \
                 are unavailable; create a key with `rapport secret-key`"
            );
        }
        settings.clocks = clocks;
        let app = App::new(store, settings);
        if args.demo {
            let rep = app.seed_demo().await.map_err(|e| match e {
                rapport_app::AppError::Conflict { .. } => Failure::Usage(format!(
                    "--demo needs a fresh database, and {} already holds the demo; drop --db to use a fresh {DEMO_FILE}",
                    db.url
                )),
                other => config::app_failure(other),
            })?;
            eprintln!(
                "Demo workspace ready: {} requests for {} clients.\n  Team sign-in:   {} / {} (org {})\n  Portal sign-in: {} / {}",
                rep.requests, rep.clients, rep.sign_in, rep.password, rep.org, rep.portal_sign_in, rep.password
            );
        }
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot listen on {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
        let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
        let worker = (args.job_concurrency > 0).then(|| {
            let mut cfg = rapport_app::jobs::WorkerConfig::new(worker_id());
            cfg.lease = jiff::SignedDuration::from_secs(args.job_lease_secs.max(1) as i64);
            cfg.concurrency = args.job_concurrency;
            tokio::spawn(std::sync::Arc::new(app.clone()).run_worker(cfg, jobs_stopped))
        });
        let state = AppState::new(
            app,
            WebConfig {
                secure_cookies,
                api_rate: (args.api_rate_limit > 0.0).then_some((args.api_rate_limit, args.api_rate_limit * 30.0)),
                limits: rapport_web::server::ServerLimits {
                    max_connections: args.max_connections,
                    ..Default::default()
                },
                ..WebConfig::default()
            },
        );
        // The first line on stdout is the address: scripts and tests read it.
        println!("Rapport is serving at http://{addr}");
        tracing::info!(%addr, engine = state.app.store.engine().name(), "serving");
        rapport_web::serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("server error: {e}")))?;
        // Stop taking jobs and let the ones in flight finish (bounded by the lease).
        let _ = stop_jobs.send(true);
        if let Some(w) = worker {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(args.job_lease_secs.max(1)), w).await;
        }
        tracing::info!("stopped");
        Ok(())
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
