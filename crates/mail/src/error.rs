//! Why input was refused. Anything that *is* a message parses, with warnings for its defects.

/// The input cannot be parsed as a mail message at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("not a mail message: {0}")]
    NotAMessage(#[from] NotAMessage),
}

/// The reasons the pre-scan gives for input that is not a message (see `prescan::prescan`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAMessage {
    #[error("the input is empty")]
    Empty,
    #[error("the first line is not a header field (it starts with \"{first_bytes}\")")]
    NoHeaderLine { first_bytes: String },
    #[error(
        "the header block has no mail field (From, To, Subject, Date, Message-ID, Received, \
         MIME-Version, Content-Type, ...)"
    )]
    NoMessageFields,
}
