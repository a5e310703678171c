//! Static assets (compiled into the binary) and the per-space stylesheet.
//!
//! Each space's colours reach the page as CSS custom properties in `/branding.css`, a real
//! stylesheet rather than an inline `<style>`, so the Content-Security-Policy can forbid inline
//! styles. Its URL carries the tenant's version, so it can be cached for long.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::tenancy::CurrentTenant;
use crate::tenancy::branding::text_color_on;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("static/app.css"),
    },
    Asset {
        path: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("static/console.js"),
    },
    Asset {
        path: "survey.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("static/survey.js"),
    },
    Asset {
        path: "likes.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("static/likes.js"),
    },
    Asset {
        path: "cover-demarches.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("static/cover-demarches.svg"),
    },
    Asset {
        path: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("static/favicon.svg"),
    },
];

/// A weak but stable validator: FNV-1a of the content.
fn etag(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in bytes {
        hash = (hash ^ u64::from(*b)).wrapping_mul(0x100000001b3);
    }
    format!("\"{hash:016x}\"")
}

/// The assets' validators, in [`ASSETS`] order, hashed once: hashing `app.css` (40 kB) on every
/// request made it slower to serve than a cached campaign page.
static ETAGS: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| ASSETS.iter().map(|asset| etag(asset.body)).collect());

fn cached(
    headers: &HeaderMap,
    tag: &str,
    content_type: &'static str,
    body: impl Into<axum::body::Body>,
    max_age: u32,
) -> Response {
    let cache_control = format!("public, max-age={max_age}");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, body.into()).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache_control) {
        h.insert(header::CACHE_CONTROL, v);
    }
    response
}

/// `GET /static/{file}`: long-lived caching, revalidated by ETag.
pub async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().position(|a| a.path == file) {
        Some(i) => {
            let asset = &ASSETS[i];
            cached(&headers, &ETAGS[i], asset.content_type, asset.body, 31_536_000)
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// `GET /branding.css`: the current space's colours as CSS custom properties.
pub async fn branding_css(tenant: CurrentTenant, headers: HeaderMap) -> Response {
    let b = &tenant.branding;
    // Colours were validated as #rrggbb when the tenant was stored, so they are safe in CSS.
    let css = format!(
        ":root {{\n  --brand-primary: {p};\n  --brand-on-primary: {on_p};\n  --brand-secondary: {s};\n  --brand-on-secondary: {on_s};\n}}\n",
        p = b.primary_color,
        on_p = text_color_on(&b.primary_color),
        s = b.secondary_color,
        on_s = text_color_on(&b.secondary_color),
    );
    let tag = format!("\"{}-{}\"", tenant.slug, tenant.version);
    cached(&headers, &tag, "text/css; charset=utf-8", css, 3600)
}

/// The custom properties of a pair of colours, for `selector`.
pub fn brand_properties(selector: &str, primary: &str, secondary: &str) -> String {
    format!(
        "{selector} {{\n  --brand-primary: {primary};\n  --brand-on-primary: {};\n  --brand-secondary: {secondary};\n  --brand-on-secondary: {};\n}}\n",
        text_color_on(primary),
        text_color_on(secondary),
    )
}

/// `GET /espace/logo/{id}` and `/espace/images/{id}`: a file uploaded from the console (a logo,
/// a cover image), from this space only. Its id
/// changes with each upload, so it is cached for good.
pub async fn space_logo(
    axum::extract::State(state): axum::extract::State<crate::web::Ground>,
    tenant: CurrentTenant,
    Path(id): Path<uuid::Uuid>,
    headers: HeaderMap,
) -> Result<Response, crate::error::PageError> {
    let mut tx = state.db.begin(&tenant).await?;
    let found = sqlx::query!(
        "SELECT content_type, bytes FROM space_assets WHERE tenant_id = $1 AND id = $2",
        tenant.id,
        id,
    )
    .fetch_optional(&mut *tx)
    .await?
    .map(|a| (a.content_type, a.bytes));
    tx.commit().await?;
    let (content_type, bytes) = found.ok_or(crate::error::PageError::NotFound)?;
    let content_type: &'static str = match content_type.as_str() {
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "image/webp",
    };
    Ok(cached(&headers, &format!("\"{id}\""), content_type, bytes, 31_536_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_are_hashed_once_from_each_assets_content() {
        for (i, asset) in ASSETS.iter().enumerate() {
            assert_eq!(ETAGS[i], etag(asset.body), "{}", asset.path);
        }
        assert_ne!(ETAGS[0], ETAGS[1]);
    }
}
