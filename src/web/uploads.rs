//! Files sent with multipart forms (logos, covers, address lists).

use axum::extract::multipart::{Field, MultipartError};

use crate::error::PageError;

/// A text field of a multipart form, checked like every other text ([`super::text`]): a
/// refused character or invalid UTF-8 gets the French page naming the field (422), a value
/// longer than a urlencoded form may be the 413 page.
pub async fn text(field: &mut Field<'_>) -> Result<String, PageError> {
    let name = field.name().unwrap_or_default().to_owned();
    let bytes = read_capped(field, super::limits::FORM)
        .await?
        .ok_or(PageError::TooLarge)?;
    match super::text::clean_bytes(&bytes) {
        Ok(text) => Ok(text.into_owned()),
        Err(_) => Err(PageError::InvalidText(name)),
    }
}

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
