//! Who is signed in, as the HTTP kit carries it from the session cookie to the page header.
//!
//! The accounts domain opens sessions and knows who holds one: it implements [`FindSignedIn`],
//! and the composition root puts that finder into [`super::Ground`]. The kit only asks and
//! carries the answer, so every page can show who is signed in without knowing the accounts
//! domain.

use std::future::Future;
use std::pin::Pin;

use axum::http::request::Parts;
use serde::Serialize;
use uuid::Uuid;

use super::csrf::read_cookie;
use crate::error::PageError;
use crate::tenancy::{CurrentTenant, Tenant};

/// Cookie of citizen sessions (set by the accounts domain with [`super::csrf::cookie`]).
pub const SESSION_COOKIE: &str = "ecoute_session";

/// The signed-in person, as handlers and the page header see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub pseudonym: String,
    /// On the space's staff list (invited by its operators), or signed in with ProConnect as an
    /// agent of an organisation the space admits (`staff_organisations`), as read with the
    /// session.
    #[serde(skip)]
    pub staff_here: bool,
    /// Linked to a FranceConnect identity in this space: may contribute where a campaign
    /// requires a verified identity (one voice per identity; see `campaign_voice()` in the
    /// migration `one_voice`).
    #[serde(skip)]
    pub verified: bool,
    /// The language of the pages they last used: their mail is written in it.
    #[serde(skip)]
    pub lang: super::i18n::Lang,
}

impl Account {
    /// Whether this person is staff of `tenant`: on its staff list, or by their address's domain.
    pub fn is_staff_of(&self, tenant: &Tenant) -> bool {
        self.staff_here || tenant.is_staff_email(&self.email)
    }
}

/// What a finder answers: the account, if the session is live.
pub type Found<'a> = Pin<Box<dyn Future<Output = Result<Option<Account>, PageError>> + Send + 'a>>;

/// Finds the account that holds a session token in a space (the accounts domain's sessions).
pub trait FindSignedIn: Send + Sync + 'static {
    fn find<'a>(&'a self, tenant: &'a Tenant, token: &'a str) -> Found<'a>;

    /// Remembers that `account` now uses the pages in `lang` (the language of their mail).
    fn remember_lang<'a>(&'a self, tenant: &'a Tenant, account: Uuid, lang: super::i18n::Lang) -> Remembered<'a>;
}

/// What [`FindSignedIn::remember_lang`] answers.
pub type Remembered<'a> = Pin<Box<dyn Future<Output = Result<(), PageError>> + Send + 'a>>;

/// The signed-in account of this request, kept in its extensions once looked up.
#[derive(Debug, Clone)]
struct SignedIn(Option<Account>);

/// The account signed in on this request, if any: read from the session cookie once, then
/// kept in the request for the other extractors.
pub async fn signed_in(parts: &mut Parts, finder: &dyn FindSignedIn) -> Result<Option<Account>, PageError> {
    if let Some(SignedIn(found)) = parts.extensions.get::<SignedIn>() {
        return Ok(found.clone());
    }
    let Some(token) = read_cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let tenant = parts
        .extensions
        .get::<CurrentTenant>()
        .cloned()
        .ok_or(PageError::BadRequest)?;
    let found = finder.find(&tenant, &token).await?;
    parts.extensions.insert(SignedIn(found.clone()));
    Ok(found)
}
