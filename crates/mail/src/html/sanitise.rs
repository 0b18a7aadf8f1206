//! Mail HTML made safe to show inside our own pages.
//!
//! Scripts, event handlers and forms are removed by ammonia's allow-list; inline styles are cut
//! down to presentational declarations (see `css`). Remote images are tracking beacons as often as not, so they are dropped until the
//! reader asks for them; `cid:` images are parts of the message itself and stay (the web layer
//! maps them to attachment URLs).

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ammonia::{Builder, UrlRelative};

/// Sanitised HTML and how many remote images were held back (to offer "show images").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitised {
    pub html: String,
    pub remote_images_blocked: usize,
}

/// Sanitise mail HTML for display. With `allow_remote_images` false, `<img>` elements that point
/// at `http(s)` URLs lose their `src` (they stay as empty images with their `alt` text).
/// `style` attributes keep only presentational declarations that load nothing.
pub fn sanitise(html: &str, allow_remote_images: bool) -> String {
    sanitise_report(html, allow_remote_images).html
}

/// As [`sanitise`], also counting the remote images that were blocked.
pub fn sanitise_report(html: &str, allow_remote_images: bool) -> Sanitised {
    let blocked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&blocked);
    let mut builder = Builder::default();
    builder
        .link_rel(Some("noopener noreferrer nofollow"))
        // A relative URL in mail has no base; resolved against our origin it would make the
        // reader's browser call our own server.
        .url_relative(UrlRelative::Deny)
        .url_schemes(
            ["http", "https", "mailto", "tel", "cid"]
                .into_iter()
                .collect(),
        )
        // Their text is not content: a <title> would show up as a stray line.
        .add_clean_content_tags(["title", "noscript"])
        .add_tags(["font"])
        .add_tag_attributes("font", ["color", "face", "size"])
        .add_tag_attributes("img", ["title"])
        .add_tag_attributes("td", ["width", "height", "bgcolor", "colspan", "rowspan"])
        .add_tag_attributes("th", ["width", "height", "bgcolor", "colspan", "rowspan"])
        .add_tag_attributes(
            "table",
            ["width", "border", "cellpadding", "cellspacing", "bgcolor"],
        )
        .add_generic_attributes(["style", "align", "dir"])
        .attribute_filter(move |element, attribute, value| {
            filter_attribute(element, attribute, value, allow_remote_images, &counter)
        });
    // Whitespace around the document (left where <head> was) means nothing in HTML.
    let html = builder.clean(html).to_string().trim().to_string();
    Sanitised {
        html,
        remote_images_blocked: blocked.load(Ordering::Relaxed),
    }
}

fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    allow_remote_images: bool,
    blocked: &AtomicUsize,
) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("img", "src") => {
            let lower = value.trim().to_ascii_lowercase();
            if lower.starts_with("cid:") || allow_remote_images {
                Some(Cow::Borrowed(value))
            } else {
                if lower.starts_with("http:")
                    || lower.starts_with("https:")
                    || lower.starts_with("//")
                {
                    blocked.fetch_add(1, Ordering::Relaxed);
                }
                None
            }
        }
        // Only presentational declarations survive (see `css`): no CSS ever loads anything,
        // whatever the reader allows for images, so the HTML is safe wherever it is shown.
        (_, "style") => super::css::filter_style(value).map(Cow::Owned),
        _ => Some(Cow::Borrowed(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let out = sanitise(
            "<p onclick=\"steal()\">Hi<script>alert(1)</script></p><a href=\"javascript:x()\">x</a>",
            false,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("<p>Hi</p>"), "{out}");
    }

    #[test]
    fn remote_image_is_blocked_unless_allowed() {
        let html = "<img src=\"https://tracker.example/p.gif\" alt=\"logo\">";
        let blocked = sanitise_report(html, false);
        assert_eq!(blocked.html, "<img alt=\"logo\">");
        assert_eq!(blocked.remote_images_blocked, 1);
        let allowed = sanitise_report(html, true);
        assert_eq!(
            allowed.html,
            "<img src=\"https://tracker.example/p.gif\" alt=\"logo\">"
        );
        assert_eq!(allowed.remote_images_blocked, 0);
    }

    #[test]
    fn cid_image_is_kept() {
        let out = sanitise("<img src=\"cid:logo@acme\" alt=\"Acme\">", false);
        assert_eq!(out, "<img src=\"cid:logo@acme\" alt=\"Acme\">");
    }

    #[test]
    fn links_get_rel() {
        let out = sanitise("<a href=\"https://acme.example/\">Acme</a>", false);
        assert_eq!(
            out,
            "<a href=\"https://acme.example/\" rel=\"noopener noreferrer nofollow\">Acme</a>"
        );
    }

    #[test]
    fn relative_urls_are_dropped() {
        let out = sanitise(
            "<a href=\"/admin/delete\">x</a><img src=\"//evil.example/x.png\">",
            true,
        );
        assert!(!out.contains("/admin"), "{out}");
        assert!(!out.contains("evil"), "{out}");
    }

    #[test]
    fn css_that_fetches_is_blocked_but_plain_css_stays() {
        let out = sanitise(
            "<td style=\"background:url(https://t.example/x)\">a</td><p style=\"color: red\">b</p>",
            false,
        );
        assert!(!out.contains("t.example"), "{out}");
        assert!(out.contains("<p style=\"color: red\">b</p>"), "{out}");
        // Not even when the reader shows images: CSS never loads anything.
        let allowed = sanitise(
            "<p style=\"background:url(https://t.example/x)\">a</p>",
            true,
        );
        assert_eq!(allowed, "<p>a</p>");
        let escaped = sanitise(
            "<p style=\"background:u\\72l(https://t.example/x)\">a</p>",
            false,
        );
        assert_eq!(escaped, "<p>a</p>");
        let scripted = sanitise("<p style=\"width: expression(alert(1))\">a</p>", true);
        assert_eq!(scripted, "<p>a</p>");
    }

    #[test]
    fn style_elements_and_forms_go() {
        let out = sanitise(
            "<style>body{display:none}</style><form action=\"https://x\"><input name=p></form>ok",
            true,
        );
        assert_eq!(out, "ok");
    }
}
