//! The one way a stored file (a mail attachment, a portal upload) leaves the server: the API,
//! the workspace and the portal all answer with [`attachment`], so none of them can echo a
//! sender's `text/html` into a page of ours.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The CSP of a download (and of any answer that carries someone else's HTML): a sandbox with
/// nothing allowed. [`crate::guard::security_headers`] keeps it rather than its page policy.
pub const SANDBOX_CSP: &str = "sandbox; default-src 'none'";

/// A stored file as a download: the stored type when it is a plausible media type, never
/// sniffed, always `attachment`, and under a sandbox CSP so that even a browser that renders it
/// runs nothing and loads nothing.
pub fn attachment(data: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let plausible = content_type.len() <= 200
        && content_type.contains('/')
        && content_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+-.".contains(&b));
    let ctype = if plausible {
        content_type
    } else {
        "application/octet-stream"
    };
    let mut res = Response::new(Body::from(data));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX_CSP),
    );
    res.into_response()
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_are_safe_and_keep_unicode() {
        assert_eq!(
            content_disposition("Q1 report.pdf"),
            "attachment; filename=\"Q1 report.pdf\"; filename*=UTF-8''Q1%20report.pdf"
        );
        let d = content_disposition("résumé \"x\"\r\n.txt");
        assert!(
            d.starts_with("attachment; filename=\"r_sum_ _x___.txt\""),
            "{d}"
        );
        assert!(
            d.ends_with("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22%0D%0A.txt"),
            "{d}"
        );
        assert!(HeaderValue::from_str(&d).is_ok());
    }
}
