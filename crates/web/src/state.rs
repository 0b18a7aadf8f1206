//! What every handler can reach.

use std::sync::Arc;

use rapport_app::App;

use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when Rapport is served over HTTPS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Version string reported by /healthz.
    pub version: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            body_limit: 5 * 1024 * 1024,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Self {
        AppState {
            app,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
