//! Files sent with multipart forms (logos, covers, address lists).

use axum::extract::multipart::{Field, MultipartError};

use crate::error::PageError;

/// A text field of a multipart form, checked like every other text ([`super::text`]): a
/// refused character or invalid UTF-8 gets the French page naming the field (422), a value
/// longer than a urlencoded form may be the 413 page.
pub async fn text(field: &mut Field<'_>) -> Result<String, PageError> {
    text_up_to(field, super::limits::FORM).await
}

/// [`text`], for a field that may be longer than a urlencoded form (a pasted list): at most
/// `max` bytes.
pub async fn text_up_to(field: &mut Field<'_>, max: usize) -> Result<String, PageError> {
    let name = field.name().unwrap_or_default().to_owned();
    let bytes = read_capped(field, max).await?.ok_or(PageError::TooLarge)?;
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

/// Stores an uploaded image (already checked by [`sniff_image`]) for the transaction's space;
/// it is then served at `/espace/images/{id}` (or `/espace/logo/{id}`) by [`super::assets`].
pub async fn store_image(
    tx: &mut crate::tenancy::TenantTx,
    content_type: &str,
    bytes: &[u8],
) -> Result<uuid::Uuid, sqlx::Error> {
    let tenant = tx.tenant_id();
    sqlx::query_scalar!(
        "INSERT INTO space_assets (tenant_id, content_type, bytes) VALUES ($1, $2, $3) RETURNING id",
        tenant,
        content_type,
        bytes,
    )
    .fetch_one(&mut **tx)
    .await
}

/// The image type of `bytes`, from their first bytes. SVG is refused: it may carry scripts.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>"),
            None
        );
        assert_eq!(sniff_image(b"GIF89a"), None);
    }
}
