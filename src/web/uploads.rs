//! Files sent with multipart forms (logos, covers, address lists).

use axum::extract::multipart::{Field, MultipartError};

use crate::error::PageError;

/// The field's bytes, or `None` as soon as they exceed `max` (the rest is not read).
pub async fn read_capped(field: &mut Field<'_>, max: usize) -> Result<Option<Vec<u8>>, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(refused)? {
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// A multipart body that could not be read: too large (413, the refusal layer names the
/// route's limit on the page) or malformed (400).
pub fn refused(error: MultipartError) -> PageError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        PageError::TooLarge
    } else {
        PageError::BadRequest
    }
}
