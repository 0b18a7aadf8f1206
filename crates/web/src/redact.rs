//! What the logs may say about a request. Some URLs carry a credential: calendar feeds and
//! rating invitations in the path, password-reset and portal sign-in links in the query. A
//! request's URI is logged only with those parts replaced, at every log level.

use axum::http::Uri;

const HIDDEN: &str = "[redacted]";

/// Path segments that follow one of these are credentials.
const SECRET_AFTER: [&str; 3] = ["feeds", "invitations", "rate"];

/// Whether `s` looks like one of our random secrets (or any long opaque token): long, and
/// only the characters base64url, hex and our prefixes use.
fn opaque(s: &str) -> bool {
    s.len() >= 20
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '%' | '='))
}

/// `uri` fit for a log line.
pub fn uri(uri: &Uri) -> String {
    let mut out = String::new();
    let mut previous = "";
    for (i, segment) in uri.path().split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if SECRET_AFTER.contains(&previous) || opaque(segment) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(segment);
        }
        previous = segment;
    }
    if let Some(query) = uri.query() {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if k.to_ascii_lowercase().contains("token") || opaque(v) => {
                    format!("{k}={HIDDEN}")
                }
                Some(_) => pair.to_string(),
                None if opaque(pair) => HIDDEN.to_string(),
                None => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(u: &str) -> String {
        uri(&u.parse().unwrap())
    }

    #[test]
    fn credentials_in_urls_are_hidden() {
        let secret = "rpt_12_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHE";
        assert_eq!(
            r(&format!("/api/v1/feeds/{secret}.ics")),
            "/api/v1/feeds/[redacted]"
        );
        assert_eq!(r("/api/v1/feeds/short"), "/api/v1/feeds/[redacted]");
        assert_eq!(
            r("/api/v1/ratings/invitations/abc"),
            "/api/v1/ratings/invitations/[redacted]"
        );
        assert_eq!(r("/rate/abc"), "/rate/[redacted]");
        assert_eq!(
            r(&format!("/app/reset?token={secret}&next=%2Fapp")),
            "/app/reset?token=[redacted]&next=%2Fapp"
        );
        assert_eq!(r("/portal/link?token=x"), "/portal/link?token=[redacted]");
        assert_eq!(r(&format!("/x?{secret}")), "/x?[redacted]");
    }

    #[test]
    fn ordinary_urls_are_kept() {
        for u in [
            "/api/v1/requests/42/messages",
            "/api/v1/requests?status=open&limit=50",
            "/api/v1/search?q=quarterly+report",
            "/",
        ] {
            assert_eq!(r(u), u);
        }
    }
}
