//! Whether the receiving mail server could verify who sent a message: the SPF, DKIM and DMARC
//! results it wrote into an `Authentication-Results` header (RFC 8601), and what an
//! organisation asks of them.
//!
//! Rapport does not check signatures itself: the server that took the mail from the internet
//! did, and said so in the header. A sender can write such a header too, so the one to believe
//! is the topmost from the organisation's own server (named by its authserv-id), or the topmost
//! at all when none is named (fine when the receiving server strips incoming ones, as most do).

use serde::{Deserialize, Serialize};

use crate::validate::Violations;

/// One method's result: `pass`, `fail`, `softfail`, `none`, ... and the domain it speaks for
/// (`header.d` for DKIM, `smtp.mailfrom` for SPF, `header.from` for DMARC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodResult {
    pub result: String,
    pub domain: Option<String>,
}

/// One `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuthReport {
    /// The server that wrote it.
    pub authserv_id: String,
    pub spf: Option<MethodResult>,
    pub dkim: Vec<MethodResult>,
    pub dmarc: Option<MethodResult>,
}

/// The header value without `(comments)`, which may hold anything, `;` and `=` included.
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The domain of an address or a bare domain (`user@example.net` -> `example.net`).
fn domain_of(value: &str) -> String {
    let v = value.trim().trim_matches(['<', '>', '"']);
    v.rsplit_once('@')
        .map_or(v, |(_, d)| d)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Parse one `Authentication-Results` value; `None` when it has no authserv-id.
pub fn parse_header(value: &str) -> Option<AuthReport> {
    let clean = strip_comments(value);
    let mut parts = clean.split(';');
    // The authserv-id, optionally followed by a version number.
    let id = parts
        .next()?
        .split_whitespace()
        .next()?
        .to_ascii_lowercase();
    let mut report = AuthReport {
        authserv_id: id,
        ..AuthReport::default()
    };
    for resinfo in parts {
        let mut words = resinfo.split_whitespace();
        let Some((method, result)) = words.next().and_then(|w| w.split_once('=')) else {
            continue;
        };
        let method = method.trim().to_ascii_lowercase();
        let result = MethodResult {
            result: result.trim().trim_matches('"').to_ascii_lowercase(),
            domain: None,
        };
        let props: Vec<(String, String)> = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .collect();
        let prop = |names: &[&str]| {
            names.iter().find_map(|n| {
                props
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| domain_of(v))
            })
        };
        match method.as_str() {
            "spf" if report.spf.is_none() => {
                report.spf = Some(MethodResult {
                    domain: prop(&["smtp.mailfrom", "smtp.helo"]),
                    ..result
                });
            }
            "dkim" => report.dkim.push(MethodResult {
                domain: prop(&["header.d", "header.i"]),
                ..result
            }),
            "dmarc" if report.dmarc.is_none() => {
                report.dmarc = Some(MethodResult {
                    domain: prop(&["header.from"]),
                    ..result
                });
            }
            _ => {}
        }
    }
    Some(report)
}

/// The report to believe among a message's headers (topmost first): the topmost from
/// `trusted` (an authserv-id) when one is named, else the topmost.
pub fn pick(headers: &[String], trusted: Option<&str>) -> Option<AuthReport> {
    headers
        .iter()
        .filter_map(|h| parse_header(h))
        .find(|r| trusted.is_none_or(|t| r.authserv_id.eq_ignore_ascii_case(t)))
}

/// `domain` is `from` or one of its parents (relaxed alignment, as DMARC uses).
fn aligned(domain: Option<&str>, from: &str) -> bool {
    domain.is_some_and(|d| {
        !d.is_empty()
            && (from == d || from.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{from}")))
    })
}

impl AuthReport {
    /// Whether the message is verified as coming from `from_domain`: DMARC passed, or (for
    /// domains without DMARC) DKIM or SPF passed for a domain aligned with the From address.
    /// `Err` says why not, for the triage queue.
    pub fn verdict(&self, from_domain: &str) -> Result<(), String> {
        let from = from_domain.to_ascii_lowercase();
        let pass = |m: &MethodResult| m.result == "pass";
        if self.dmarc.as_ref().is_some_and(pass) {
            return Ok(());
        }
        let dmarc_failed = self.dmarc.as_ref().is_some_and(|m| {
            m.result == "fail" || m.result == "quarantine" || m.result == "reject"
        });
        if !dmarc_failed {
            if self
                .dkim
                .iter()
                .any(|m| pass(m) && aligned(m.domain.as_deref(), &from))
            {
                return Ok(());
            }
            if self
                .spf
                .as_ref()
                .is_some_and(|m| pass(m) && aligned(m.domain.as_deref(), &from))
            {
                return Ok(());
            }
        }
        Err(format!(
            "{} reported {} for {from}",
            self.authserv_id,
            self.summary_words()
        ))
    }

    fn summary_words(&self) -> String {
        let one = |name: &str, m: Option<&MethodResult>| match m {
            Some(m) => match &m.domain {
                Some(d) => format!("{name}={} ({d})", m.result),
                None => format!("{name}={}", m.result),
            },
            None => format!("{name}=none"),
        };
        let dkim = if self.dkim.is_empty() {
            one("dkim", None)
        } else {
            self.dkim
                .iter()
                .map(|m| one("dkim", Some(m)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!(
            "{} {dkim} {}",
            one("spf", self.spf.as_ref()),
            one("dmarc", self.dmarc.as_ref())
        )
    }

    /// One line for the people working the request: who checked, and each result.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.authserv_id, self.summary_words())
    }
}

/// What an organisation asks of mail that does not continue one of its threads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MailPolicy {
    /// Mail from a known contact that does not reply to one of our messages (In-Reply-To or
    /// References) must be verified by the receiving server (DMARC pass, or an aligned DKIM or
    /// SPF pass); anything else waits in triage with the reason. Default off.
    #[serde(default)]
    pub require_authentication: bool,
    /// The authserv-id of your receiving mail server (the first word of the
    /// `Authentication-Results` headers it writes, e.g. `mx.example.com`). Only its verdicts
    /// count; without it the topmost header is believed, which is safe only when the server
    /// removes such headers from incoming mail.
    #[serde(default)]
    pub authserv_id: Option<String>,
}

impl MailPolicy {
    pub fn validate(mut self) -> Result<MailPolicy, Violations> {
        let mut v = Violations::new();
        if let Some(id) = self.authserv_id.take() {
            let id = id.trim().to_ascii_lowercase();
            if !id.is_empty() {
                let ok = id.len() <= 253
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
                if ok {
                    self.authserv_id = Some(id);
                } else {
                    v.add(
                        "authserv_id",
                        "a host name (letters, digits, '-', '.', '_'), at most 253 characters",
                    );
                }
            }
        }
        v.finish(|| self)
    }

    /// Why a message must wait in triage under this policy, if it must: `headers` are its
    /// `Authentication-Results` values (topmost first), `from` its sender's address.
    pub fn refusal(&self, headers: &[String], from: &str) -> Option<String> {
        if !self.require_authentication {
            return None;
        }
        let domain = domain_of(from);
        match pick(headers, self.authserv_id.as_deref()) {
            None => Some(match &self.authserv_id {
                Some(id) => format!("the message has no Authentication-Results from {id}"),
                None => "the message has no Authentication-Results header".to_string(),
            }),
            Some(report) => report.verdict(&domain).err(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GMAIL: &str = "mx.google.com; dkim=pass header.i=@example.net header.s=s1 \
        header.b=abc; spf=pass (google.com: domain of a@example.net designates 1.2.3.4 as \
        permitted sender) smtp.mailfrom=a@example.net; dmarc=pass (p=NONE sp=NONE dis=NONE) \
        header.from=example.net";

    #[test]
    fn a_real_header_parses() {
        let r = parse_header(GMAIL).unwrap();
        assert_eq!(r.authserv_id, "mx.google.com");
        assert_eq!(r.spf.as_ref().unwrap().result, "pass");
        assert_eq!(
            r.spf.as_ref().unwrap().domain.as_deref(),
            Some("example.net")
        );
        assert_eq!(r.dkim[0].domain.as_deref(), Some("example.net"));
        assert_eq!(r.dmarc.as_ref().unwrap().result, "pass");
        assert!(r.verdict("example.net").is_ok());
        assert_eq!(
            r.summary(),
            "mx.google.com: spf=pass (example.net) dkim=pass (example.net) dmarc=pass (example.net)"
        );
    }

    #[test]
    fn failures_and_misalignment_are_refused() {
        let r = parse_header("mx.acme.example; spf=softfail smtp.mailfrom=evil.example; dkim=none; dmarc=fail header.from=example.net").unwrap();
        let why = r.verdict("example.net").unwrap_err();
        assert!(
            why.contains("spf=softfail") && why.contains("dmarc=fail"),
            "{why}"
        );
        // DKIM passes, but for the attacker's own domain.
        let r = parse_header("mx.acme.example; dkim=pass header.d=evil.example").unwrap();
        assert!(r.verdict("example.net").is_err());
        // A domain without DMARC, signed by itself (or a parent): verified.
        let r =
            parse_header("mx.acme.example; dkim=pass header.d=example.net; dmarc=none").unwrap();
        assert!(r.verdict("mail.example.net").is_ok());
        // DMARC failed: an aligned SPF pass does not overrule it.
        let r = parse_header("mx.acme.example; spf=pass smtp.mailfrom=example.net; dmarc=fail")
            .unwrap();
        assert!(r.verdict("example.net").is_err());
        // A comment cannot smuggle a result in.
        let r = parse_header("mx.acme.example; dmarc=fail (dmarc=pass; spf=pass)").unwrap();
        assert!(r.verdict("example.net").is_err());
    }

    #[test]
    fn only_the_trusted_server_counts() {
        let forged = "mx.acme.example; dmarc=pass header.from=example.net".to_string();
        let ours = "mx.ours.example; dmarc=fail header.from=example.net".to_string();
        let headers = vec![ours.clone(), forged.clone()];
        let policy = MailPolicy {
            require_authentication: true,
            authserv_id: Some("mx.ours.example".into()),
        };
        assert!(policy.refusal(&headers, "a@example.net").is_some());
        assert!(
            policy
                .refusal(std::slice::from_ref(&forged), "a@example.net")
                .unwrap()
                .contains("no Authentication-Results from mx.ours.example")
        );
        let open = MailPolicy {
            require_authentication: true,
            authserv_id: None,
        };
        assert!(open.refusal(&[forged], "a@example.net").is_none());
        assert!(open.refusal(&[], "a@example.net").is_some());
        assert!(
            MailPolicy::default()
                .refusal(&[], "a@example.net")
                .is_none()
        );
    }

    #[test]
    fn policy_checks_the_server_name() {
        let bad = MailPolicy {
            require_authentication: true,
            authserv_id: Some("mx example; dmarc=pass".into()),
        };
        assert_eq!(bad.validate().unwrap_err().0[0].field, "authserv_id");
        let ok = MailPolicy {
            require_authentication: true,
            authserv_id: Some(" MX.Acme.Example ".into()),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.authserv_id.as_deref(), Some("mx.acme.example"));
    }
}
