//! rapport-mail: RFC 5322/MIME in (parse, sanitise) and out (compose).
//!
//! No I/O here: callers hand in bytes and get values back. Transport (IMAP, LMTP, SMTP) is built
//! on top of this crate elsewhere.

mod address;
mod attachment;
pub mod auto;
mod body;
mod compose;
mod encode;
mod error;
pub mod html;
mod parse;
mod prescan;
pub mod reftoken;
mod structure;
mod words;

pub use address::Mailbox;
pub use attachment::Attachment;
pub use compose::{ComposeError, OutgoingMessage, compose, reply_subject, thread_headers};
pub use error::{NotAMessage, ParseError};
pub use parse::{
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_RECIPIENTS, ParseLimits,
    ParsedMessage, parse,
};
