//! The console kit: who is signed in to a space's console, what they may do there, and the
//! frame every console page shares. Each domain's console pages are built with it.
//!
//! - [`ConsoleOf<R>`] is the preamble of a console handler in one extractor: a signed-in
//!   operator (else the sign-in page), in the request's space, holding the right `R`
//!   ([`rights::right`]; else 403). [`SignedInOperator`] is the same with the right decided by
//!   the handler.
//! - [`rights`] decides what each role may do, here and nowhere else.
//! - [`render_console`] draws a page in the console's layout and navigation.
//!
//! The operators domain opens console sessions and knows who holds one: it implements
//! [`FindOperator`], and the composition root puts that finder into [`super::Ground`], as for
//! citizens' sessions ([`super::identity`]).

mod frame;
pub mod rights;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use frame::{NoticeQuery, notice, render_console};
pub use rights::{Action, Right, allowed, right};

use crate::error::PageError;
use crate::tenancy::{CurrentTenant, Tenant};
use crate::web::Ground;
use crate::web::csrf::read_cookie;
use crate::web::pages::see_other;

/// Cookie of console sessions (HttpOnly, SameSite=Strict, Secure behind HTTPS).
pub const CONSOLE_COOKIE: &str = "ecoute_console";

/// A role in a space. [`Role::NationalAdmin`] is not stored per space (it is a property of the
/// person), but invitations use it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    NationalAdmin,
    LocalOperator,
    Moderator,
    Analyst,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national_admin" => Some(Role::NationalAdmin),
            "local_operator" => Some(Role::LocalOperator),
            "moderator" => Some(Role::Moderator),
            "analyst" => Some(Role::Analyst),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::NationalAdmin => "national_admin",
            Role::LocalOperator => "local_operator",
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
        }
    }

    pub const LOCAL: [Role; 3] = [Role::LocalOperator, Role::Moderator, Role::Analyst];
}

/// A signed-in operator as the console sees them in the current space.
#[derive(Debug, Clone, Serialize)]
pub struct Operator {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub national_admin: bool,
    /// Their role in the current space, if any.
    pub role: Option<Role>,
}

/// What a finder answers: the operator holding a live session, and whether its second factor
/// was checked.
pub type FoundOperator<'a> = Pin<Box<dyn Future<Output = Result<Option<(Operator, bool)>, PageError>> + Send + 'a>>;

/// Finds the operator that holds a console session token in a space (the operators domain's
/// sessions).
pub trait FindOperator: Send + Sync + 'static {
    fn find<'a>(&'a self, ground: &'a Ground, tenant: &'a Tenant, token: &'a str) -> FoundOperator<'a>;
}

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
        let found = (ground.operators.find(&ground, &tenant, &token).await).map_err(IntoResponse::into_response)?;
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

impl Operator {
    /// `Err(NotAllowed)` unless the operator may take `action` in `space`.
    pub fn may(&self, space: &crate::tenancy::Tenant, action: Action) -> Result<(), PageError> {
        if allowed(self, space, action) {
            Ok(())
        } else {
            Err(PageError::NotAllowed)
        }
    }
}

impl AsRef<Operator> for Operator {
    fn as_ref(&self) -> &Operator {
        self
    }
}

impl AsRef<Operator> for SignedInOperator {
    fn as_ref(&self) -> &Operator {
        &self.0
    }
}

/// The operator, for what the handler asks of them beyond the extractor (`operator.may(…)`,
/// their name, a helper taking `&Operator`).
impl std::ops::Deref for SignedInOperator {
    type Target = Operator;
    fn deref(&self) -> &Operator {
        &self.0
    }
}

/// A console handler's preamble: an operator signed in to this space's console who holds the
/// right `R` here. `.0` is the operator.
pub struct ConsoleOf<R: Right>(pub Operator, PhantomData<R>);

impl<S: Send + Sync, R: Right> FromRequestParts<S> for ConsoleOf<R>
where
    Ground: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedInOperator(operator) = SignedInOperator::from_request_parts(parts, state).await?;
        let tenant = CurrentTenant::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::BadRequest.into_response())?;
        if !allowed(&operator, &tenant, R::ACTION) {
            return Err(PageError::NotAllowed.into_response());
        }
        Ok(ConsoleOf(operator, PhantomData))
    }
}

impl<R: Right> AsRef<Operator> for ConsoleOf<R> {
    fn as_ref(&self) -> &Operator {
        &self.0
    }
}

impl<R: Right> std::ops::Deref for ConsoleOf<R> {
    type Target = Operator;
    fn deref(&self) -> &Operator {
        &self.0
    }
}
