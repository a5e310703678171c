//! Files sent with multipart forms (logos, covers, address lists).

use axum::extract::multipart::Field;

use crate::error::PageError;

/// The field's bytes, or `None` as soon as they exceed `max` (the rest is not read).
pub async fn read_capped(field: &mut Field<'_>, max: usize) -> Result<Option<Vec<u8>>, PageError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|_| PageError::BadRequest)? {
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}
