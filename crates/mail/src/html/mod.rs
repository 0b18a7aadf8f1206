//! HTML bodies: plain text for search, previews and text-only readers; sanitised HTML for display.

mod css;
mod sanitise;
mod text;

pub use sanitise::{Sanitised, sanitise, sanitise_report};
pub use text::to_text;
