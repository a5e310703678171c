//! Citizen accounts, passwordless sign-in and sessions.
//!
//! An account is platform-wide (one person, one e-mail address), but a session belongs to the
//! space it was opened in, because cookies are per host. Sign-in is by a single-use link sent by
//! e-mail, valid 15 minutes, stored hashed. Opening the link shows a button that confirms the
//! sign-in (a POST), so that mail scanners which follow links do not burn the token.

pub mod account_pages;
pub mod pages;
pub mod queries;
pub mod rights;
pub mod session;
pub mod tokens;

use serde::Serialize;
use uuid::Uuid;

/// A syntactically plausible e-mail address, lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let email = input.trim().to_lowercase();
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("email.invalid");
        };
        let ok = !local.is_empty()
            && local.len() <= 64
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.contains(char::is_whitespace)
            && !email.contains(['<', '>', ',', ';', '"', '\\'])
            && domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if ok {
            Ok(EmailAddress(email))
        } else {
            Err("email.invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

/// The signed-in person, as handlers see them.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub pseudonym: String,
    /// On the space's staff list (invited by its operators), as read with the session.
    #[serde(skip)]
    pub staff_here: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses() {
        assert_eq!(
            EmailAddress::parse("  Marie.Dupont@Exemple.FR ").unwrap().as_str(),
            "marie.dupont@exemple.fr"
        );
        assert_eq!(
            EmailAddress::parse("agent@caf33.caf.fr").unwrap().domain(),
            "caf33.caf.fr"
        );
        for bad in [
            "",
            "marie",
            "marie@",
            "@exemple.fr",
            "marie@exemple",
            "a b@exemple.fr",
            "x@exemple.fr>",
            "m@.fr",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }
}
