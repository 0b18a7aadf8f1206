//! A urlencoded form body whose errors are pages, not plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use super::UiError;

pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, UiError> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !form {
            return Err(UiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send this form as application/x-www-form-urlencoded.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                UiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "What you sent is larger than the server accepts.",
                )
            } else {
                UiError::new(StatusCode::BAD_REQUEST, "The form could not be read.")
            }
        })?;
        serde_urlencoded::from_bytes(&bytes)
            .map(UiForm)
            .map_err(|e| {
                UiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("The form could not be read: {e}"),
                )
            })
    }
}
