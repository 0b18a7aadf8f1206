//! Storage errors, engine-neutral: callers never see a rusqlite or postgres type.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique key already holds this value. `key` is the key as the engine names it
    /// (PostgreSQL: the constraint or unique index; SQLite: its columns, `table.column, ...`).
    /// `unique` says which input it protects, once the write that broke it has said which keys
    /// it expects ([`StoreError::on_unique`]); a key nobody expected stays `None`.
    #[error("{}", conflict_text(key, unique))]
    Conflict {
        key: String,
        unique: Option<UniqueKey>,
    },
    /// A reference to a row that does not exist (in this org).
    #[error("reference to a missing row ({detail})")]
    MissingReference { detail: String },
    /// A CHECK constraint or NOT NULL failed: input the domain should have rejected.
    #[error("constraint failed: {0}")]
    Constraint(String),
    #[error("not found")]
    NotFound,
    /// The database cannot be reached or opened (bad URL, network, auth, permissions).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The schema is not what this binary expects (newer, half-applied, tampered).
    #[error("schema: {0}")]
    Schema(String),
    /// A stored value could not be read back as the domain type.
    #[error("stored data could not be read: {0}")]
    Decode(String),
    /// A row was read by a name its query does not select: a mistake in the SQL beside the
    /// code that reads it (an expression left without `AS name`, a column dropped from a list).
    #[error("no column {column:?} in the row (selected: {selected})")]
    NoColumn { column: String, selected: String },
    /// A row was read by a name its query selects more than once (a join's two `id`s).
    #[error("column {0:?} is selected more than once; alias one of them")]
    AmbiguousColumn(String),
    /// A statement used against its own shape (a second row where one was expected, a wrong
    /// number of parameters): a mistake in the SQL beside the caller, not in the database.
    #[error("statement misused: {0}")]
    Misuse(String),
    /// Any other engine error. `code` is the engine's own name for it (PostgreSQL's SQLSTATE,
    /// SQLite's extended result code), so a caller can tell kinds apart without reading the
    /// text; `cause` keeps the driver's error for the log.
    #[error("database error: {message}")]
    Backend {
        message: String,
        code: Option<String>,
        #[source]
        cause: Option<Cause>,
    },
}

/// The error an engine or the runtime gave, kept behind a [`StoreError`] as its source. Shared,
/// so the error stays `Clone`; two causes are equal when they say the same thing.
#[derive(Debug, Clone)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>);

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for Cause {}

impl StoreError {
    /// An engine or runtime error with no more particular meaning, keeping it as the cause.
    pub fn backend(
        message: impl Into<String>,
        code: Option<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Backend {
            message: message.into(),
            code,
            cause: Some(Cause(std::sync::Arc::new(cause))),
        }
    }

    /// The engine's code for an error it raised (PostgreSQL's SQLSTATE, such as `40P01` for a
    /// deadlock; SQLite's extended result code), when it gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            StoreError::Backend { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub fn decode(what: impl std::fmt::Display) -> Self {
        StoreError::Decode(what.to_string())
    }

    /// A conflict on one of `keys` names the field that key protects; any other error, or a
    /// conflict on a key not listed, is returned as it was. Called at each write that can break
    /// a unique key a person chose a value for (a name, an email), so the mapping lives beside
    /// the SQL that can raise it.
    pub fn on_unique(self, keys: &[UniqueKey]) -> Self {
        match self {
            StoreError::Conflict { key, unique: None } => {
                let unique = keys.iter().find(|k| k.is(&key)).copied();
                StoreError::Conflict { key, unique }
            }
            other => other,
        }
    }
}

/// A unique key of the schema that a person's input can break, and the input field it protects.
/// Each engine names a broken key its own way, so both names are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    /// PostgreSQL's name: the constraint (`clients_org_id_name_key`) or unique index.
    pub constraint: &'static str,
    /// SQLite's: the columns its error message lists (`clients.org_id, clients.name`).
    pub columns: &'static str,
    /// The input field whose value is taken.
    pub field: &'static str,
    /// What that means, to the person who typed it.
    pub message: &'static str,
}

impl UniqueKey {
    fn is(&self, key: &str) -> bool {
        key == self.constraint || key == self.columns
    }
}

fn conflict_text(key: &str, unique: &Option<UniqueKey>) -> String {
    match unique {
        Some(u) => format!("{} ({}: {key})", u.message, u.field),
        None => format!("duplicate value ({key})"),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match &e {
            rusqlite::Error::SqliteFailure(f, msg) => {
                let text = msg.clone().unwrap_or_else(|| e.to_string());
                match (f.code, f.extended_code) {
                    (ErrorCode::ConstraintViolation, 2067 | 1555) => {
                        // "UNIQUE constraint failed: members.org_id, members.email"
                        let cols = text.rsplit(": ").next().unwrap_or("").to_string();
                        StoreError::Conflict {
                            key: cols,
                            unique: None,
                        }
                    }
                    (ErrorCode::ConstraintViolation, 787) => {
                        StoreError::MissingReference { detail: text }
                    }
                    (ErrorCode::ConstraintViolation, _) => StoreError::Constraint(text),
                    (
                        ErrorCode::CannotOpen
                        | ErrorCode::PermissionDenied
                        | ErrorCode::NotADatabase
                        | ErrorCode::ReadOnly,
                        _,
                    ) => StoreError::Unavailable(text),
                    _ => StoreError::backend(text, Some(f.extended_code.to_string()), e),
                }
            }
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            // Its Display quotes the whole SQL text (a migration is hundreds of lines): keep
            // the message, which names the problem.
            rusqlite::Error::SqlInputError { msg, error, .. } => {
                StoreError::backend(msg.clone(), Some(error.extended_code.to_string()), *error)
            }
            _ => StoreError::backend(e.to_string(), None, e),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            let detail = db
                .constraint()
                .map(str::to_string)
                .or_else(|| db.detail().map(str::to_string))
                .unwrap_or_else(|| db.message().to_string());
            if *code == SqlState::UNIQUE_VIOLATION {
                return StoreError::Conflict {
                    key: detail,
                    unique: None,
                };
            }
            if *code == SqlState::FOREIGN_KEY_VIOLATION {
                return StoreError::MissingReference { detail };
            }
            if *code == SqlState::CHECK_VIOLATION || *code == SqlState::NOT_NULL_VIOLATION {
                return StoreError::Constraint(db.message().to_string());
            }
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
                || *code == SqlState::INVALID_CATALOG_NAME
            {
                return StoreError::Unavailable(db.message().to_string());
            }
            let message = format!("{}: {}", code.code(), db.message());
            let code = Some(code.code().to_string());
            return StoreError::backend(message, code, e);
        }
        if e.is_closed() {
            return StoreError::Unavailable(format!("connection closed: {e}"));
        }
        // Errors without a server answer are connection-level: refused, DNS, TLS, timeout.
        let text = std::error::Error::source(&e)
            .map(|s| format!("{e}: {s}"))
            .unwrap_or_else(|| e.to_string());
        StoreError::Unavailable(text)
    }
}
