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
    /// Mark session cookies Secure and send HSTS (serve behind HTTPS). On by itself when the
    /// public URL is https.
    #[arg(long, env = "RAPPORT_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Serve /metrics to scrapers that send `Authorization: Bearer TOKEN` (without it,
    /// /metrics is off). Prefer the environment variable: flags show in `ps`.
    #[arg(
        long,
        env = "RAPPORT_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Serve /metrics on this address (e.g. 127.0.0.1:9464) instead of the main one, which
    /// then answers 404 for it. Keep the address to the scraper (loopback or a private
    /// network); the metrics token, when also set, is asked for there too.
    #[arg(long, env = "RAPPORT_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// The address of a reverse proxy in front of this server (repeatable): requests from it
    /// are counted against the client address in its X-Forwarded-For header. Requests from any
    /// other address are taken at their connection's address.
    #[arg(
        long = "trusted-proxy",
        env = "RAPPORT_TRUSTED_PROXY",
        value_name = "IP",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
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
    /// Of those, the most one organisation's jobs may hold (default: half, rounded up), so
    /// that one organisation's backlog never holds every slot.
    #[arg(long, env = "RAPPORT_JOB_CONCURRENCY_PER_ORG")]
    pub job_concurrency_per_org: Option<usize>,
    /// Minutes before a promise falls due that `promise.due_soon` is raised (0 to 10080).
    #[arg(long, env = "RAPPORT_PROMISE_DUE_SOON_MINUTES", default_value_t = 240)]
    pub promise_due_soon_minutes: i64,
    /// Minutes between the silence checks of each organisation (1 to 1440).
    #[arg(long, env = "RAPPORT_SILENCE_CHECK_MINUTES", default_value_t = 15)]
    pub silence_check_minutes: i64,
    /// Seconds a client's health waits after its last recompute before the next (0 to 3600):
    /// changes landing sooner are scored together, once, at the end of the interval.
    #[arg(long, env = "RAPPORT_HEALTH_RECOMPUTE_SECONDS", default_value_t = 60)]
    pub health_recompute_seconds: i64,
    /// Safety margin added to suggested due dates when the caller gives none (0 to 500 %).
    #[arg(long, env = "RAPPORT_SAFETY_MARGIN_PERCENT", default_value_t = 20)]
    pub safety_margin_percent: u16,
    /// Let webhooks call loopback and private addresses (refused by default: a server must
    /// not be made to call into its own network). For single-machine setups and tests.
    #[arg(long, env = "RAPPORT_WEBHOOKS_ALLOW_PRIVATE")]
    pub webhooks_allow_private: bool,
    /// Let IMAP mailboxes reach loopback and private addresses (refused by default, like
    /// webhooks). For a mail server on this machine or the internal network.
    #[arg(long, env = "RAPPORT_MAILBOXES_ALLOW_PRIVATE")]
    pub mailboxes_allow_private: bool,
    /// Let IMAP mailboxes use ports other than 143 and 993.
    #[arg(long, env = "RAPPORT_MAILBOXES_ALLOW_ANY_PORT")]
    pub mailboxes_allow_any_port: bool,
    #[command(flatten)]
    pub mail: MailArgs,
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
    let health = check(
        "health-recompute-seconds",
        args.health_recompute_seconds,
        3600,
    )?;
    Ok(rapport_app::clocks::ClockSettings {
        promise_due_soon: jiff::SignedDuration::from_mins(due_soon),
        health_every: jiff::SignedDuration::from_secs(health),
        silence_every: jiff::SignedDuration::from_mins(every),
        safety_margin_percent: margin as u16,
        ..Default::default()
    })
}

/// Mail in and out.
#[derive(Debug, Args)]
pub struct MailArgs {
    /// SMTP server for outgoing mail: smtp://USER:PASSWORD@HOST:PORT?tls=starttls|tls|none
    /// (prefer the environment variable: a password on the command line shows in `ps`).
    #[arg(long, env = "RAPPORT_SMTP", value_name = "URL", hide_env_values = true)]
    pub smtp: Option<String>,
    /// The From of outgoing mail, e.g. "Northwind Support <support@northwind.example>";
    /// required with --smtp. Its domain ends our Message-IDs.
    #[arg(long, env = "RAPPORT_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Accept mail by LMTP on this address (e.g. 127.0.0.1:2424) from the local mail server.
    #[arg(long, env = "RAPPORT_LMTP", value_name = "ADDR")]
    pub lmtp: Option<String>,
    /// The org (slug) that receives LMTP mail for recipients no --lmtp-route names.
    #[arg(long, env = "RAPPORT_LMTP_ORG", value_name = "SLUG")]
    pub lmtp_org: Option<String>,
    /// Route an LMTP recipient to an org: ADDRESS=SLUG or @DOMAIN=SLUG (repeatable).
    #[arg(long = "lmtp-route", value_name = "ADDRESS=SLUG")]
    pub lmtp_routes: Vec<String>,
    /// Received messages larger than this go to triage with their headers only.
    #[arg(long, env = "RAPPORT_MAX_MAIL_SIZE", value_name = "BYTES", default_value_t = rapport_mail::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_mail_size: usize,
}

impl MailArgs {
    /// Mail settings from the flags (the LMTP routes are resolved once the store is open).
    fn settings(&self) -> Result<rapport_app::mail::MailSettings, Failure> {
        let mut mail = rapport_app::mail::MailSettings::default();
        if let Some(from) = &self.mail_from {
            mail = mail.with_from(from).map_err(Failure::Usage)?;
        }
        mail.max_message_bytes = self.max_mail_size.max(1024);
        if let Some(url) = &self.smtp {
            let config = rapport_mail::smtp::SmtpConfig::parse(url)
                .map_err(|e| Failure::Usage(format!("--smtp: {e}")))?;
            if self.mail_from.is_none() {
                return Err(Failure::Usage(
                    "--smtp needs --mail-from (the From of outgoing mail)".into(),
                ));
            }
            let transport = rapport_mail::smtp::SmtpTransport::new(&config, &mail.domain)
                .map_err(|e| Failure::Usage(format!("--smtp: {e}")))?;
            tracing::info!(smtp = %config.redacted(), from = %mail.from.address, "sending mail by SMTP");
            mail.transport = Some(std::sync::Arc::new(transport));
        }
        if self.lmtp.is_some() && self.lmtp_org.is_none() && self.lmtp_routes.is_empty() {
            return Err(Failure::Usage(
                "--lmtp needs --lmtp-org SLUG or --lmtp-route ADDRESS=SLUG (which org gets the mail)".into(),
            ));
        }
        Ok(mail)
    }

    async fn routes(&self, app: &App) -> Result<rapport_app::mail::intake::Routes, Failure> {
        let org = |slug: String| async move {
            app.org_by_slug(&slug)
                .await
                .map_err(config::app_failure)?
                .map(|o| o.id)
                .ok_or_else(|| Failure::Usage(format!("no org with slug {slug:?}")))
        };
        let mut routes = rapport_app::mail::intake::Routes::default();
        if let Some(slug) = &self.lmtp_org {
            routes.default = Some(org(slug.clone()).await?);
        }
        for r in &self.lmtp_routes {
            let (address, slug) = r.split_once('=').ok_or_else(|| {
                Failure::Usage(format!("--lmtp-route {r:?}: expected ADDRESS=SLUG"))
            })?;
            routes.addresses.insert(
                address.trim().to_lowercase(),
                org(slug.trim().to_string()).await?,
            );
        }
        Ok(routes)
    }
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
    crate::memory::cap_malloc_arenas();
    let clocks = clock_settings(&args)?;
    if args
        .metrics_token
        .as_deref()
        .is_some_and(|t| t.trim().len() < 16)
    {
        return Err(Failure::Usage(
            "--metrics-token must be at least 16 characters (e.g. from `rapport secret-key`)"
                .into(),
        ));
    }
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
        settings.mail = args.mail.settings()?;
        settings.webhooks.allow_private = args.webhooks_allow_private;
        settings.mail.allow_private_hosts = args.mailboxes_allow_private;
        settings.mail.allow_any_port = args.mailboxes_allow_any_port;
        let app = App::new(store, settings);
        if args.demo {
            let rep = rapport_seed::demo::seed(&app).await.map_err(|e| match e {
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
        let lmtp = match &args.mail.lmtp {
            Some(at) => {
                let routes = args.mail.routes(&app).await?;
                let lmtp_listener = tokio::net::TcpListener::bind(at)
                    .await
                    .map_err(|e| Failure::Runtime(anyhow::anyhow!("cannot listen for LMTP on {at}: {e}")))?;
                let lmtp_addr = lmtp_listener
                    .local_addr()
                    .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
                let handler = std::sync::Arc::new(rapport_app::mail::intake::LmtpIntake {
                    app: app.clone(),
                    routes,
                });
                tracing::info!(%lmtp_addr, "accepting mail by LMTP");
                Some((
                    lmtp_addr,
                    tokio::spawn(rapport_mail::lmtp::serve(
                        lmtp_listener,
                        handler,
                        app.settings.mail.max_message_bytes,
                        stop_jobs.subscribe(),
                    )),
                ))
            }
            None => None,
        };
        if args.job_concurrency > 0 {
            match app.ensure_mail_polls().await {
                Ok(n) if n > 0 => tracing::info!(mailboxes = n, "polling IMAP mailboxes"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not queue mailbox polls"),
            }
        }
        let worker = (args.job_concurrency > 0).then(|| {
            let mut cfg = rapport_app::jobs::WorkerConfig::new(worker_id());
            cfg.lease = jiff::SignedDuration::from_secs(args.job_lease_secs.max(1) as i64);
            cfg.concurrency = args.job_concurrency;
            cfg.per_org = args
                .job_concurrency_per_org
                .unwrap_or(args.job_concurrency.div_ceil(2))
                .clamp(1, args.job_concurrency);
            tokio::spawn(std::sync::Arc::new(app.clone()).run_worker(cfg, jobs_stopped))
        });
        let metrics_listener = match &args.metrics_addr {
            Some(at) => Some(tokio::net::TcpListener::bind(at).await.map_err(|e| {
                Failure::Runtime(anyhow::anyhow!("cannot listen for metrics on {at}: {e}"))
            })?),
            None => None,
        };
        let state = AppState::new(
            app,
            WebConfig {
                secure_cookies,
                metrics_token: args.metrics_token.clone().filter(|t| !t.trim().is_empty()),
                metrics_own_address: metrics_listener.is_some(),
                trusted_proxies: args.trusted_proxies.clone(),
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
        if let Some((lmtp_addr, _)) = &lmtp {
            println!("Rapport accepts LMTP at {lmtp_addr}");
        }
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics_server = match metrics_listener {
            Some(l) => {
                let metrics_addr = l
                    .local_addr()
                    .map_err(|e| Failure::Runtime(anyhow::anyhow!("{e}")))?;
                // Second line on stdout, for scripts and tests; a reader that kept only the
                // first (and closed the pipe) must not bring the server down, hence no println.
                {
                    use std::io::Write as _;
                    let mut out = std::io::stdout();
                    let _ = writeln!(out, "Rapport serves metrics at http://{metrics_addr}/metrics");
                    let _ = out.flush();
                }
                tracing::info!(%metrics_addr, "serving /metrics on its own address");
                Some(tokio::spawn(rapport_web::serve_metrics(l, state.clone(), async move {
                    let _ = metrics_stopped.await;
                })))
            }
            None => None,
        };
        tracing::info!(%addr, engine = state.app.engine().name(), "serving");
        rapport_web::serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("server error: {e}")))?;
        let _ = stop_metrics.send(());
        if let Some(m) = metrics_server {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), m).await;
        }
        // Stop taking jobs and let the ones in flight finish (bounded by the lease).
        let _ = stop_jobs.send(true);
        if let Some((_, l)) = lmtp {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), l).await;
        }
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
