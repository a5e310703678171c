//! Userinfo, JSON or signed JWT. The crate's own userinfo request only accepts RS256 for a
//! signed answer (its verifier's algorithms cannot be set), while FranceConnect signs in ES256:
//! the call is made here, and a JWT is checked with the crate's key primitives (the JWKS from
//! discovery, `JsonWebKey::verify_signature`) against the algorithms the provider announces
//! for userinfo; `alg: none` never. Then issuer, audience and the ID token's `sub`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::CoreJwsSigningAlgorithm;
use openidconnect::{AsyncHttpClient, JsonWebKey, ProviderMetadataWithLogout};
use serde::Deserialize;

use super::Refusal;
use super::http::Http;

/// What ecoute reads from userinfo.
#[derive(Debug, Deserialize)]
pub struct UserInfo {
    pub sub: String,
    pub email: Option<String>,
    /// A boolean, or the string "true" from some providers.
    email_verified: Option<serde_json::Value>,
    pub siret: Option<String>,
    iss: Option<String>,
    aud: Option<serde_json::Value>,
}

impl UserInfo {
    /// Whether the provider says it verified the address.
    pub fn email_verified(&self) -> bool {
        match &self.email_verified {
            Some(serde_json::Value::Bool(verified)) => *verified,
            Some(serde_json::Value::String(verified)) => verified == "true",
            _ => false,
        }
    }
}

fn bad(why: impl Into<String>) -> Refusal {
    Refusal::InvalidUserInfo(why.into())
}

/// Calls userinfo with `access_token`; a signed answer is required when `require_signed` and
/// the provider announces userinfo signing algorithms. A signed answer is always checked.
pub async fn fetch(
    http: &Http,
    metadata: &ProviderMetadataWithLogout,
    client_id: &str,
    access_token: &str,
    subject: &str,
    require_signed: bool,
) -> Result<UserInfo, Refusal> {
    let url = metadata
        .userinfo_endpoint()
        .ok_or_else(|| bad("no userinfo endpoint"))?;
    let signed_algs = metadata
        .userinfo_signing_alg_values_supported()
        .cloned()
        .unwrap_or_default();
    let request = openidconnect::http::Request::get(url.as_str())
        .header("authorization", format!("Bearer {access_token}"))
        .header(
            "accept",
            match (signed_algs.is_empty(), require_signed) {
                (true, _) => "application/json",
                (false, true) => "application/jwt",
                (false, false) => "application/jwt, application/json",
            },
        )
        .body(Vec::new())
        .map_err(|e| bad(e.to_string()))?;
    let response = http
        .call(request)
        .await
        .map_err(|e| Refusal::Unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(bad(format!("status {}", response.status())));
    }
    let is_jwt = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/jwt"));
    let body = response.into_body();
    let info: UserInfo = if is_jwt {
        let jwt = String::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
        let payload = verify_jws(metadata, &signed_algs, jwt.trim())?;
        let info: UserInfo = serde_json::from_slice(&payload).map_err(|e| bad(e.to_string()))?;
        if info.iss.as_deref() != Some(metadata.issuer().as_str()) {
            return Err(bad("wrong issuer"));
        }
        let audience_ok = match &info.aud {
            Some(serde_json::Value::String(aud)) => aud == client_id,
            Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(client_id)),
            _ => false,
        };
        if !audience_ok {
            return Err(bad("wrong audience"));
        }
        info
    } else {
        if require_signed && !signed_algs.is_empty() {
            return Err(bad("unsigned answer from a provider that signs userinfo"));
        }
        serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?
    };
    if info.sub != subject {
        return Err(bad("sub changed between the ID token and userinfo"));
    }
    Ok(info)
}

#[derive(Deserialize)]
struct Header {
    alg: CoreJwsSigningAlgorithm,
    kid: Option<String>,
}

/// The payload of a compact JWS signed with one of the provider's keys, with an announced
/// algorithm.
fn verify_jws(
    metadata: &ProviderMetadataWithLogout,
    allowed: &[CoreJwsSigningAlgorithm],
    jwt: &str,
) -> Result<Vec<u8>, Refusal> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| bad("bad base64url"));
    let parsed: Header = serde_json::from_slice(&decode(header)?).map_err(|_| bad("bad JWS header"))?;
    if parsed.alg == CoreJwsSigningAlgorithm::None || !allowed.contains(&parsed.alg) {
        return Err(bad(format!("algorithm {:?} not announced", parsed.alg)));
    }
    let key = metadata
        .jwks()
        .keys()
        .iter()
        .find(|k| k.key_id().map(|id| id.as_str()) == parsed.kid.as_deref())
        .ok_or_else(|| bad("unknown key id"))?;
    key.verify_signature(
        &parsed.alg,
        format!("{header}.{payload}").as_bytes(),
        &decode(signature)?,
    )
    .map_err(|e| bad(e.to_string()))?;
    decode(payload)
}
