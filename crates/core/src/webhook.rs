//! Webhooks: subscriptions of a URL to events. The checks that need no network: the URL's
//! shape, and whether an address is one a server must not be made to call (loopback, private,
//! link-local...: server-side request forgery).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{OrgId, WebhookDeliveryId, WebhookId};
use crate::label_enum;
use crate::rule::Event;
use crate::validate::Violations;

/// The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>` of
/// `"<t>.<body>"` with the subscription's secret.
pub const SIGNATURE_HEADER: &str = "Rapport-Signature";
/// Most URLs are far shorter; this bounds what we store and log.
pub const MAX_URL: usize = 2000;

label_enum!(DeliveryStatus {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: WebhookId,
    pub org_id: OrgId,
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub events: Vec<Event>,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new subscription. The secret signs every payload; it is shown once (when Rapport makes
/// it) and stored sealed.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub events: Vec<Event>,
    /// 16-200 characters; omitted: Rapport makes one and returns it once.
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub org_id: OrgId,
    pub webhook_id: WebhookId,
    pub event: String,
    /// The JSON body sent.
    pub payload: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// A target URL taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    pub host: String,
    pub port: u16,
}

/// Check the shape of a webhook URL: `http` or `https`, a host, an optional port, no
/// credentials, no fragment.
pub fn parse_url(url: &str) -> Result<Target, String> {
    if url.len() > MAX_URL {
        return Err(format!("at most {MAX_URL} characters"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("must start with https:// or http://".into());
    };
    if url.contains('#') {
        return Err("must not have a #fragment".into());
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("must not carry credentials (user@host); use the signing secret".into());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or("an IPv6 host must be closed with ]")?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err("has no host".into());
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
    {
        return Err(format!("host {host:?} is not a valid host name"));
    }
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("port {p:?} is not a port number"))?,
    };
    Ok(Target {
        https,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// The address classification shared with mailboxes (see [`crate::netaddr`]).
pub use crate::netaddr::{is_public, literal_ip};

impl WebhookInput {
    pub fn validate(self) -> Result<(WebhookInput, Target), Violations> {
        let mut v = Violations::new();
        let target = v.check("url", parse_url(self.url.trim()));
        if self.events.is_empty() {
            v.add(
                "events",
                format!("subscribe to at least one of: {}", Event::expected()),
            );
        }
        if let Some(s) = &self.secret {
            let n = s.chars().count();
            if !(16..=200).contains(&n) {
                v.add("secret", "must be 16 to 200 characters");
            }
        }
        let mut events = self.events;
        events.sort();
        events.dedup();
        let url = self.url.trim().to_string();
        v.finish(|| {
            (
                WebhookInput {
                    url,
                    events,
                    secret: self.secret,
                    enabled: self.enabled,
                },
                target.expect("checked"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart_or_refused() {
        assert_eq!(
            parse_url("https://hooks.example.com/in?x=1").unwrap(),
            Target {
                https: true,
                host: "hooks.example.com".into(),
                port: 443
            }
        );
        assert_eq!(parse_url("http://127.0.0.1:9000/h").unwrap().port, 9000);
        assert_eq!(parse_url("http://[::1]:81/").unwrap().host, "::1");
        for bad in [
            "ftp://x.example/",
            "https://user:pw@x.example/",
            "https:///path",
            "https://x.example:0/",
            "https://x.example:99999/",
            "https://x.example/#frag",
            "https://bad host/",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn inputs_are_checked() {
        let e = WebhookInput {
            url: "gopher://x".into(),
            events: vec![],
            secret: Some("short".into()),
            enabled: true,
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["url", "events", "secret"]);
    }
}
