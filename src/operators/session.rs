//! The console's signed-in operator, as an extractor.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::Operator;
use super::queries::find_session;
use super::rights::{Action, allowed};
use crate::error::PageError;
use crate::tenancy::CurrentTenant;
use crate::web::Ground;
use crate::web::csrf::read_cookie;
use crate::web::pages::see_other;

/// Cookie of console sessions (HttpOnly, SameSite=Strict, Secure behind HTTPS).
pub const CONSOLE_COOKIE: &str = "ecoute_console";

/// An operator fully signed in to this space's console. Without a session the request is sent
/// to the sign-in page (and back afterwards); with one still waiting for its TOTP code, to the
/// code page. Someone with no role here and not a national admin is refused.
pub struct SignedInOperator(pub Operator);

impl<S: Send + Sync> FromRequestParts<S> for SignedInOperator
where
    Ground: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_owned();
        let sign_in = || {
            let back = serde_urlencoded::to_string([("retour", path.as_str())]).unwrap_or_default();
            see_other(&format!("/admin/connexion?{back}")).unwrap_or_else(IntoResponse::into_response)
        };
        let Some(token) = read_cookie(&parts.headers, CONSOLE_COOKIE) else {
            return Err(sign_in());
        };
        let tenant = CurrentTenant::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::BadRequest.into_response())?;
        let ground = Ground::from_ref(state);
        let found = async {
            let mut tx = ground.db.begin(&tenant).await?;
            let found = find_session(&mut tx, &token).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(found)
        }
        .await
        .map_err(|e| PageError::from(e).into_response())?;
        match found {
            None => Err(sign_in()),
            Some((_, false)) => Err(see_other("/admin/connexion/code").unwrap_or_else(IntoResponse::into_response)),
            Some((operator, true)) => {
                if !allowed(&operator, &tenant, Action::View) {
                    return Err(PageError::NotAllowed.into_response());
                }
                Ok(SignedInOperator(operator))
            }
        }
    }
}

impl SignedInOperator {
    /// `Err(NotAllowed)` unless the operator may take `action` in `space`.
    pub fn may(&self, space: &crate::tenancy::Tenant, action: Action) -> Result<(), PageError> {
        if allowed(&self.0, space, action) {
            Ok(())
        } else {
            Err(PageError::NotAllowed)
        }
    }
}
