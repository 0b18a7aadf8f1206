//! Working fast: canned replies, rules and webhooks, and the events that drive the last two.
//!
//! Events are recorded by [`crate::events`], below every use case; the jobs they queue are run
//! here.

pub mod canned;
pub mod rules;
pub mod webhooks;

/// Webhook delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow targets on loopback and private networks (off by default: a server must not be
    /// made to call into its own network). Tests and single-machine setups turn it on.
    pub allow_private: bool,
    /// How long one delivery attempt may take.
    pub timeout: std::time::Duration,
    /// Attempts per delivery before it is marked failed (backoff between them grows from 15 s).
    pub max_attempts: i64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private: false,
            timeout: std::time::Duration::from_secs(10),
            max_attempts: <crate::events::Deliver as crate::jobs::JobKind>::MAX_ATTEMPTS,
        }
    }
}
