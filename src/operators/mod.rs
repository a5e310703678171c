//! Operators: the people who run the platform and its modules, and what each may do.
//!
//! - A **national admin** (Cnaf) is a property of the person: it holds on every host.
//! - In a space, a person has at most one **role**: local operator, moderator or analyst.
//!
//! Operators sign in with a password (argon2id) and, if they set one, a TOTP code; they are
//! invited by e-mail and choose their password from the invitation link. Their sessions are
//! per space, like citizens', in `operator_sessions`. What each may do is decided in one place,
//! [`rights`].

pub mod console;
pub mod invitations;
pub mod pages;
pub mod password;
pub mod queries;
pub mod rights;
pub mod session;
pub mod totp;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A role in a space. [`Role::NationalAdmin`] is not stored per space (see the module docs),
/// but invitations use it too.
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

impl<'a> From<&'a Operator> for crate::audit::Actor<'a> {
    fn from(operator: &'a Operator) -> Self {
        crate::audit::Actor {
            id: operator.id,
            email: &operator.email,
        }
    }
}
