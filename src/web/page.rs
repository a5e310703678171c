//! The [`Page`] extractor: everything a page handler needs to render inside the layout
//! (language, space, signed-in account, form token), in one argument.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Html;
use serde::Serialize;

use super::Ground;
use super::csrf::{VISITOR_COOKIE, csrf_token, read_cookie};
use super::i18n::Lang;
use super::identity::{Account, signed_in};
use super::templates::{PageFrame, render};
use crate::error::PageError;
use crate::tenancy::CurrentTenant;
use crate::tenancy::host::RequestOrigin;

pub struct Page {
    pub lang: Lang,
    pub tenant: CurrentTenant,
    pub account: Option<Account>,
    pub path: String,
    /// The visitor's id (cookie), also the seed of the random order of ideas.
    pub visitor: String,
    pub origin: RequestOrigin,
    /// For the key that signs the form token when a page is rendered (cached pages need none):
    /// the ground taken out of the state, kept rather than cloning the key out of it.
    ground: Ground,
}

impl<S: Send + Sync> FromRequestParts<S> for Page
where
    Ground: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ground = Ground::from_ref(state);
        let tenant = CurrentTenant::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::BadRequest)?;
        let mut account = signed_in(parts, &*ground.signed_in).await?;
        // Negotiated by the tenant layer, which every page is behind.
        let lang = parts
            .extensions
            .get::<Lang>()
            .copied()
            .unwrap_or_else(|| Lang::from_headers(&parts.headers));
        // A signed-in person's mail is written in the language of the pages they use: the
        // account learns it when it changes (sign-in, the switch, a contribution).
        // Not worth failing the page over: the next page tries again.
        if let Some(account) = account.as_mut().filter(|a| a.lang != lang) {
            match ground.signed_in.remember_lang(&tenant, account.id, lang).await {
                Ok(()) => account.lang = lang,
                Err(error) => tracing::warn!(?error, "the account's language not recorded"),
            }
        }
        let visitor = read_cookie(&parts.headers, VISITOR_COOKIE).unwrap_or_default();
        let origin = parts
            .extensions
            .get::<RequestOrigin>()
            .cloned()
            .ok_or(PageError::BadRequest)?;
        Ok(Page {
            lang,
            tenant,
            account,
            path: parts.uri.path().to_owned(),
            visitor,
            origin,
            ground,
        })
    }
}

impl Page {
    /// Renders `template` in the layout with `extra`'s fields.
    pub fn render<S: Serialize>(&self, template: &str, extra: S) -> Result<Html<String>, PageError> {
        let mut frame = PageFrame::new(self.lang, Some(&self.tenant), &self.path);
        frame.csrf = Some(self.csrf());
        frame.account = self.account.clone();
        Ok(Html(render(template, &frame, extra).map_err(anyhow::Error::from)?))
    }

    /// The form token of this visitor in this space.
    pub fn csrf(&self) -> String {
        csrf_token(&self.ground.csrf_key, self.tenant.id, &self.visitor)
    }

    pub fn text(&self, key: &str) -> String {
        self.lang.text(key)
    }
}
