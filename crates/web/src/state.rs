//! What every handler can reach.

use std::sync::Arc;

use rapport_app::App;

use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS. Also on whenever the public URL is https (see
    /// [`AppState::new`]).
    pub secure_cookies: bool,
    /// The bearer token `/metrics` asks for; `None`: `/metrics` is not served on the main
    /// address, and served without a token on its own address (see `metrics_own_address`).
    pub metrics_token: Option<String>,
    /// `/metrics` is served on an address of its own ([`crate::metrics_router`]) and not on
    /// the main one.
    pub metrics_own_address: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client. A request from any other
    /// peer is taken at its connection's address, whatever headers it sends.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Version string reported by /healthz.
    pub version: String,
    /// Requests per second (sustained, and burst) one API token or session may make;
    /// `None` turns the limit off.
    pub api_rate: Option<(f64, f64)>,
    pub limits: crate::server::ServerLimits,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            metrics_token: None,
            metrics_own_address: false,
            trusted_proxies: Vec::new(),
            body_limit: 5 * 1024 * 1024,
            version: env!("CARGO_PKG_VERSION").to_string(),
            api_rate: Some((20.0, 600.0)),
            limits: crate::server::ServerLimits::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
    pub limiter: Option<Arc<crate::rate_limit::RateLimiter>>,
}

impl AppState {
    pub fn new(app: App, mut config: WebConfig) -> Self {
        // A server people reach over https keeps its cookies off plain http, whatever the flag.
        if app
            .settings
            .public_url
            .to_ascii_lowercase()
            .starts_with("https://")
        {
            config.secure_cookies = true;
        }
        let limiter = config
            .api_rate
            .map(|(rate, burst)| Arc::new(crate::rate_limit::RateLimiter::new(rate, burst)));
        AppState {
            app,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            limiter,
        }
    }
}
