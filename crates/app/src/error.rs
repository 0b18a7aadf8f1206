//! What can go wrong in a use case, in terms an adapter can answer with.

use std::fmt;
use std::sync::Arc;

use rapport_core::validate::{FieldError, Violations};
use rapport_store::StoreError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The input is wrong; every problem names its field. (HTTP 422)
    #[error("invalid input: {0}")]
    Invalid(Violations),
    /// Nothing by that id that the caller may see. (HTTP 404)
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Signed in, but not allowed to do this. (HTTP 403)
    #[error("{0}")]
    Forbidden(String),
    /// A client's contact tried what only the client's approvers may do (approve or decline a
    /// change order). `approvers` names whom to ask instead. (HTTP 403)
    #[error("{message}")]
    ApproverRequired {
        message: String,
        approvers: Vec<String>,
    },
    /// Not signed in, or the credentials are wrong. (HTTP 401)
    #[error("{0}")]
    Unauthorized(String),
    /// The request clashes with the current state (a duplicate, an illegal move). (HTTP 409)
    #[error("{message}")]
    Conflict {
        message: String,
        errors: Vec<FieldError>,
    },
    /// The password was right; now the one-time code from the authenticator app. (HTTP 401)
    #[error("a one-time code from your authenticator app is required")]
    SecondFactorRequired,
    /// An outgoing message has etiquette findings and was not confirmed: nothing was sent.
    /// `findings` lists them for the composer. (HTTP 409)
    #[error("{message}")]
    Unconfirmed {
        field: String,
        message: String,
        findings: serde_json::Value,
    },
    /// A reply or note was written against an older thread: messages arrived since the newest
    /// one the writer saw. Nothing was sent; `messages` are the new ones, oldest first, for the
    /// writer to read before sending again. (HTTP 409)
    #[error("{message}")]
    StaleThread {
        message: String,
        messages: Vec<rapport_core::message::Message>,
    },
    /// The thing existed but is no longer usable (an expired link). (HTTP 410)
    #[error("{0}")]
    Gone(String),
    /// Too many attempts; try again after this many seconds. (HTTP 429)
    #[error("too many attempts; try again in {0} s")]
    TooMany(u64),
    /// The server lacks a setting this needs; the message names what to set, in words an admin
    /// can act on (it is shown, unlike `Unavailable`'s). (HTTP 503)
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// The database or another dependency is unavailable. (HTTP 503)
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault of ours. Logged in full, with its chain of causes; the client sees a generic
    /// message. (HTTP 500)
    #[error("internal error: {0}")]
    Internal(Fault),
}

/// A fault of ours: what we were doing, and the error that stopped it (kept, not flattened to
/// text, so a log or a caller walking `source()` sees the whole chain).
#[derive(Debug, Clone)]
pub struct Fault {
    what: String,
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Fault {
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl fmt::Display for Fault {
    /// What failed, then each cause in turn: "session expiry: overflow: ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            write!(f, ": {e}")?;
            cause = e.source();
        }
        Ok(())
    }
}

impl std::error::Error for Fault {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(Violations::single(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Conflict {
            errors: vec![FieldError {
                field: field.to_string(),
                message: message.clone(),
            }],
            message,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    /// A fault of ours while doing `what`, caused by `cause`.
    pub fn internal(
        what: impl Into<String>,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        AppError::Internal(Fault {
            what: what.into(),
            cause: Some(Arc::new(cause)),
        })
    }

    /// A fault of ours with no underlying error: a state the code should never reach.
    pub fn bug(what: impl Into<String>) -> Self {
        AppError::Internal(Fault {
            what: what.into(),
            cause: None,
        })
    }
}

impl From<Violations> for AppError {
    fn from(v: Violations) -> Self {
        AppError::Invalid(v)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("resource"),
            // The write that broke the key named the field it protects (`on_unique`); a key
            // it did not expect is still a conflict, but of no field a person chose.
            StoreError::Conflict {
                unique: Some(u), ..
            } => AppError::conflict(u.field, u.message),
            StoreError::Conflict { key, unique: None } => {
                AppError::conflict("", format!("duplicate value ({key})"))
            }
            StoreError::MissingReference { .. } => AppError::invalid(
                "",
                "refers to something that does not exist in this organisation",
            ),
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::internal("database", other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_fault_keeps_its_chain_of_causes() {
        let e = AppError::internal(
            "reading the export",
            Outer(std::io::Error::other("disk full")),
        );
        assert_eq!(
            e.to_string(),
            "internal error: reading the export: outer: disk full"
        );
        let AppError::Internal(fault) = &e else {
            panic!("{e:?}")
        };
        let cause = fault.source().expect("the cause is kept");
        assert_eq!(cause.to_string(), "outer");
        assert_eq!(
            cause.source().expect("and its cause").to_string(),
            "disk full"
        );
        assert!(
            AppError::bug("unreachable state")
                .to_string()
                .ends_with("unreachable state")
        );
    }

    #[test]
    fn a_database_fault_keeps_the_store_error_and_a_conflict_names_its_field() {
        let e = AppError::from(StoreError::NoColumn {
            column: "due_at".into(),
            selected: "id, title".into(),
        });
        let AppError::Internal(fault) = &e else {
            panic!("{e:?}")
        };
        let cause = fault.source().expect("the store error is kept");
        assert_eq!(
            cause.downcast_ref::<StoreError>(),
            Some(&StoreError::NoColumn {
                column: "due_at".into(),
                selected: "id, title".into(),
            })
        );
        assert!(e.to_string().contains("\"due_at\""), "{e}");

        let named = StoreError::Conflict {
            key: "clients_org_id_name_key".into(),
            unique: None,
        }
        .on_unique(&[rapport_store::repo::clients::UNIQUE_NAME]);
        let AppError::Conflict { errors, message } = AppError::from(named) else {
            panic!("a conflict")
        };
        assert_eq!(errors[0].field, "name");
        assert_eq!(message, "a client with this name already exists");
        // A key the write did not expect is still a conflict, of no field.
        let AppError::Conflict { errors, .. } = AppError::from(StoreError::Conflict {
            key: "some_other_key".into(),
            unique: None,
        }) else {
            panic!("a conflict")
        };
        assert_eq!(errors[0].field, "");
    }
}
