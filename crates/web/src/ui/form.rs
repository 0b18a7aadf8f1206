//! A urlencoded form body whose errors are pages, not plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use rapport_app::uploads::Upload;
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

/// Split posted pairs into a form struct and the values of one repeated field (ticked boxes
/// sharing a name), which the struct's form reader cannot hold.
pub fn split_repeated<T: DeserializeOwned>(
    pairs: Vec<(String, String)>,
    repeated: &str,
) -> Result<(T, Vec<String>), UiError> {
    let (many, rest): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(k, _)| k == repeated);
    let unreadable = |e: &dyn std::fmt::Display| {
        UiError::new(
            StatusCode::BAD_REQUEST,
            format!("The form could not be read: {e}"),
        )
    };
    let encoded = serde_urlencoded::to_string(&rest).map_err(|e| unreadable(&e))?;
    let form = serde_urlencoded::from_str(&encoded).map_err(|e| unreadable(&e))?;
    Ok((form, many.into_iter().map(|(_, v)| v).collect()))
}

/// A form that may carry files: multipart from a browser (the `files` inputs become uploads),
/// or urlencoded without them. The other fields come back as posted pairs.
pub async fn with_files<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Vec<(String, String)>, Vec<Upload>), UiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !multipart {
        let UiForm(pairs) = UiForm::<Vec<(String, String)>>::from_request(req, state).await?;
        return Ok((pairs, vec![]));
    }
    let mut mp = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| UiError::new(e.status(), e.body_text()))?;
    let mut pairs = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "files" {
            let filename = field.file_name().unwrap_or("").to_string();
            let content_type = field.content_type().unwrap_or("").to_string();
            let data = field.bytes().await.map_err(multipart_error)?.to_vec();
            // A file input left empty still sends one nameless, empty part.
            if filename.is_empty() && data.is_empty() {
                continue;
            }
            files.push(Upload {
                filename,
                content_type,
                data,
            });
            continue;
        }
        let value = field.text().await.map_err(multipart_error)?;
        pairs.push((name, value));
    }
    Ok((pairs, files))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> UiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        UiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "What you sent is larger than the server accepts (files may be 4 MiB each).",
        )
    } else {
        UiError::new(
            StatusCode::BAD_REQUEST,
            format!("The form could not be read: {}", e.body_text()),
        )
    }
}
