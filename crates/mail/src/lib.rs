//! rapport-mail: RFC 5322/MIME in (parse, sanitise) and out (compose), and the protocol
//! adapters that move mail: an SMTP client ([`smtp`]), an IMAP reader ([`imap`]) and an LMTP
//! server ([`lmtp`]).
//!
//! Parsing and composing do no I/O: callers hand in bytes and get values back. The adapters do
//! only protocol work; what a message means is decided by the application, which sees them
//! through the traits in [`transport`].

mod address;
mod attachment;
pub mod auto;
mod body;
mod compose;
mod encode;
mod error;
pub mod guard;
pub mod html;
pub mod imap;
pub mod lmtp;
mod parse;
mod prescan;
pub mod reftoken;
pub mod smtp;
mod structure;
mod tls;
pub mod transport;
mod words;

pub use address::Mailbox;
pub use attachment::Attachment;
pub use compose::{ComposeError, OutgoingMessage, compose, reply_subject, thread_headers};
pub use error::{NotAMessage, ParseError};
pub use parse::{
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_RECIPIENTS, ParseLimits,
    ParsedMessage, parse,
};
