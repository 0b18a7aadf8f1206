//! Sending by SMTP (lettre over tokio and rustls): `smtp://user:pass@host:port?tls=starttls`.

use std::fmt;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rapport_core::inbox::TlsMode;

use crate::transport::{BoxFuture, MailTransport, SendError};

/// Where and how to send. The password never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.redacted())
    }
}

impl SmtpConfig {
    /// `smtp://[user[:password]@]host[:port][?tls=starttls|tls|none]`. The default TLS mode is
    /// `starttls` on port 587 (and `tls` on 465); user and password are percent-decoded.
    pub fn parse(url: &str) -> Result<SmtpConfig, String> {
        let rest = url
            .trim()
            .strip_prefix("smtp://")
            .ok_or("the SMTP URL must start with smtp://")?;
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(percent_decode(user)?), Some(percent_decode(pass)?)),
                None => (Some(percent_decode(u)?), None),
            },
        };
        let mut tls = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("tls", v)) => {
                    tls = Some(
                        v.parse::<TlsMode>()
                            .map_err(|e| format!("tls in the SMTP URL: {e}"))?,
                    )
                }
                _ => return Err(format!("unknown SMTP URL parameter {pair:?}; only tls=")),
            }
        }
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| format!("port {p:?} in the SMTP URL is not a number"))?,
                ),
            ),
            _ => (hostport, None),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err("the SMTP URL names no host".into());
        }
        let tls = tls.unwrap_or(if port == Some(465) {
            TlsMode::Tls
        } else {
            TlsMode::Starttls
        });
        let port = port.unwrap_or(match tls {
            TlsMode::Tls => 465,
            TlsMode::Starttls => 587,
            TlsMode::None => 25,
        });
        Ok(SmtpConfig {
            host: host.to_string(),
            port,
            tls,
            username,
            password,
        })
    }

    /// The URL with the password replaced by `***` (for logs).
    pub fn redacted(&self) -> String {
        let user = match (&self.username, &self.password) {
            (Some(u), Some(_)) => format!("{u}:***@"),
            (Some(u), None) => format!("{u}@"),
            _ => String::new(),
        };
        format!("smtp://{user}{}:{}?tls={}", self.host, self.port, self.tls)
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("bad percent-escape in the SMTP URL")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the SMTP URL's user or password is not UTF-8".into())
}

/// An SMTP client.
pub struct SmtpTransport {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    redacted: String,
}

impl fmt::Debug for SmtpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpTransport({})", self.redacted)
    }
}

impl SmtpTransport {
    /// `hello_name`: the name we give in EHLO (our mail domain).
    pub fn new(config: &SmtpConfig, hello_name: &str) -> Result<SmtpTransport, String> {
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(Duration::from_secs(60)))
            .hello_name(ClientId::Domain(hello_name.to_string()));
        let params = || {
            TlsParameters::new(config.host.clone())
                .map_err(|e| format!("TLS for {}: {e}", config.host))
        };
        builder = match config.tls {
            TlsMode::None => builder.tls(Tls::None),
            TlsMode::Starttls => builder.tls(Tls::Required(params()?)),
            TlsMode::Tls => builder.tls(Tls::Wrapper(params()?)),
        };
        if let Some(user) = &config.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                config.password.clone().unwrap_or_default(),
            ));
        }
        Ok(SmtpTransport {
            transport: builder.build(),
            redacted: config.redacted(),
        })
    }
}

impl MailTransport for SmtpTransport {
    fn send<'a>(
        &'a self,
        from: &'a str,
        to: &'a [String],
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let bad = |what: &str, e: String| SendError {
                permanent: true,
                message: format!("{what}: {e}"),
            };
            let from = from
                .parse()
                .map_err(|e: lettre::address::AddressError| bad(from, e.to_string()))?;
            let to = to
                .iter()
                .map(|a| {
                    a.parse()
                        .map_err(|e: lettre::address::AddressError| bad(a, e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let envelope =
                Envelope::new(Some(from), to).map_err(|e| bad("envelope", e.to_string()))?;
            self.transport
                .send_raw(&envelope, message)
                .await
                .map(|_| ())
                .map_err(|e| SendError {
                    permanent: e.is_permanent(),
                    message: format!("{}: {e}", self.redacted),
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_defaults_and_never_print_the_password() {
        let c = SmtpConfig::parse("smtp://ann%40x:p%3Ass@mail.example.com:2525?tls=none").unwrap();
        assert_eq!(c.host, "mail.example.com");
        assert_eq!(c.port, 2525);
        assert_eq!(c.tls, TlsMode::None);
        assert_eq!(c.username.as_deref(), Some("ann@x"));
        assert_eq!(c.password.as_deref(), Some("p:ss"));
        assert!(!format!("{c:?}").contains("p:ss"));
        assert_eq!(
            c.redacted(),
            "smtp://ann@x:***@mail.example.com:2525?tls=none"
        );
        let c = SmtpConfig::parse("smtp://mail.example.com").unwrap();
        assert_eq!((c.port, c.tls), (587, TlsMode::Starttls));
        let c = SmtpConfig::parse("smtp://mail.example.com:465").unwrap();
        assert_eq!(c.tls, TlsMode::Tls);
        let c = SmtpConfig::parse("smtp://127.0.0.1:25?tls=tls").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.tls),
            ("127.0.0.1", 25, TlsMode::Tls)
        );
        for bad in [
            "http://x",
            "smtp://",
            "smtp://h:port",
            "smtp://h?tls=maybe",
            "smtp://h?x=1",
        ] {
            assert!(SmtpConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
