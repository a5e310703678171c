//! Operators: the people who run the platform and its modules, and what each may do.
//!
//! - A **national admin** (Cnaf) is a property of the person: it holds on every host.
//! - In a space, a person has at most one **role**: local operator, moderator or analyst.
//!
//! Operators sign in with a password (argon2id) and, if they set one, a TOTP code; they are
//! invited by e-mail and choose their password from the invitation link. Their sessions are
//! per space, like citizens', in `operator_sessions`. What each may do is decided in one place,
//! [`rights`] (the HTTP kit's, with the signed-in operator and the console frame).
//!
//! Its pages: signing in ([`pages`]), the console home ([`home`]), the team and its invitations
//! ([`team`], managed in [`members`]), the organisations admitted through ProConnect ([`organisations`]), the space's own OpenID provider ([`sign_in_provider`]), the space's branding ([`branding`]) and, on the national space, the network's
//! modules ([`national`]). Every other console page is in its own domain's `console` module.

pub mod branding;
pub mod home;
pub mod invitations;
pub mod members;
pub mod national;
pub mod national_admins;
pub mod organisations;
pub mod pages;
pub mod password;
pub mod queries;
pub mod sign_in_provider;
pub mod team;
pub mod totp;

/// Who operators are and what they may do, as every console page needs it, is the HTTP kit's
/// console kit; this domain opens the sessions it reads ([`queries::OperatorSessions`]).
pub use crate::web::console::{Operator, Role, SignedInOperator, rights};

impl<'a> From<&'a Operator> for crate::audit::Actor<'a> {
    fn from(operator: &'a Operator) -> Self {
        crate::audit::Actor {
            id: operator.id,
            email: &operator.email,
        }
    }
}

/// The operators' console routes: signing in, the console home, the team, the space's settings and, on the national space, the network's
/// modules.
pub fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::web::Ground: axum::extract::FromRef<S>,
    crate::accounts::session::SessionCache: axum::extract::FromRef<S>,
    crate::oidc::Oidc: axum::extract::FromRef<S>,
{
    axum::Router::new()
        .merge(pages::routes())
        .merge(home::routes())
        .merge(team::routes())
        .merge(organisations::routes())
        .merge(sign_in_provider::routes())
        .merge(members::routes())
        .merge(national_admins::routes())
        .merge(national::routes())
        .merge(branding::routes())
}
