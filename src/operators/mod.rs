//! Operators: the people who run the platform and its modules, and what each may do.
//!
//! - A **national admin** (Cnaf) is a property of the person: it holds on every host.
//! - In a space, a person has at most one **role**: local operator, moderator or analyst.
//!
//! Operators sign in with a password (argon2id) and, if they set one, a TOTP code; they are
//! invited by e-mail and choose their password from the invitation link. Their sessions are
//! per space, like citizens', in `operator_sessions`. What each may do is decided in one place,
//! [`rights`].

pub mod invitations;
pub mod pages;
pub mod password;
pub mod queries;
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
