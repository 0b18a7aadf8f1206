//! What the application asks of mail servers, as traits: send a message (SMTP), fetch new mail
//! from a folder and mark it processed (IMAP). The application holds `Arc<dyn …>` of these, so
//! its use cases run in tests with fakes and in production with [`crate::smtp`] and
//! [`crate::imap`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use rapport_core::inbox::{ProcessedAction, TlsMode};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A mail server refused or could not take a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server said no for good (5xx): retrying cannot help.
    pub permanent: bool,
    pub message: String,
}

/// Sends composed messages.
pub trait MailTransport: Send + Sync {
    /// Send `message` (RFC 5322 bytes) from the envelope sender `from` to each of `to`.
    fn send<'a>(
        &'a self,
        from: &'a str,
        to: &'a [String],
        message: &'a [u8],
    ) -> BoxFuture<'a, Result<(), SendError>>;
}

/// How to reach an IMAP folder. The password is never printed.
#[derive(Clone)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: String,
    pub password: String,
    pub folder: String,
    /// Let the host be (or resolve to) a loopback or private address. Off for tenants'
    /// mailboxes unless the operator allows it: see [`crate::guard`].
    pub allow_private: bool,
}

impl fmt::Debug for ImapAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapAccount")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"***")
            .field("folder", &self.folder)
            .field("allow_private", &self.allow_private)
            .finish()
    }
}

/// One message fetched from a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMail {
    pub uid: u32,
    /// The size the server reports.
    pub size: usize,
    /// The whole message, or only its header block when it is over the size limit.
    pub raw: Vec<u8>,
    pub complete: bool,
}

/// New mail in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchBatch {
    pub uidvalidity: u32,
    /// Oldest first.
    pub messages: Vec<FetchedMail>,
    /// More new mail waits beyond this batch.
    pub more: bool,
}

/// Why a mailbox could not be read: shown to people in the mailbox's status and alert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    /// The host is not one a tenant may make the server call (see [`crate::guard`]).
    #[error("refused: {0}")]
    Refused(String),
    #[error("cannot connect to {0}")]
    Connect(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("sign-in refused: {0}")]
    Auth(String),
    #[error("folder {folder:?}: {message}")]
    Folder { folder: String, message: String },
    #[error("IMAP error: {0}")]
    Protocol(String),
    #[error("timed out: {0}")]
    Timeout(String),
}

/// What to do with processed mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub action: ProcessedAction,
    pub move_to: Option<String>,
}

/// Reads new mail from IMAP folders.
pub trait MailboxReader: Send + Sync {
    /// Messages with a UID above `after_uid`, at most `max_messages`, each fetched whole when at
    /// most `max_bytes` and as its header block otherwise. When the folder's UIDVALIDITY is not
    /// `known_uidvalidity`, UIDs were renumbered: every message is new again (from UID 1).
    fn fetch_new<'a>(
        &'a self,
        account: &'a ImapAccount,
        known_uidvalidity: Option<u32>,
        after_uid: u32,
        max_bytes: usize,
        max_messages: usize,
    ) -> BoxFuture<'a, Result<FetchBatch, MailboxError>>;

    /// Sign in and open the folder, reading and changing nothing: a connection test. Answers
    /// how many messages the folder holds.
    fn check<'a>(&'a self, account: &'a ImapAccount) -> BoxFuture<'a, Result<u32, MailboxError>>;

    /// Flag or move processed messages.
    fn mark_processed<'a>(
        &'a self,
        account: &'a ImapAccount,
        uids: &'a [u32],
        processed: &'a Processed,
    ) -> BoxFuture<'a, Result<(), MailboxError>>;
}
