//! The workspace and the portal in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver against the demo workspace served on 127.0.0.1,
//! and a new firm set up from an empty database, its invitations mailed to an SMTP sink.
//!
//! Without chromedriver the test fails when `CI=true` and is skipped, saying why, elsewhere.
//! Screenshots go to `RAPPORT_SCREENSHOT_DIR` (docs/screenshots to refresh the committed ones)
//! or, by default, under the target directory; a failing step leaves `failure-*.png` there.
//!
//! One module per journey; `support` holds the browser, the servers and the page helpers.

#[path = "../mail_servers/mod.rs"]
mod mail_servers;
mod support;

mod account;
mod admin;
mod collide;
mod contact_roles;
mod daily_work;
mod demo_journey;
mod first_week;
mod oversight;
mod rating_link;
