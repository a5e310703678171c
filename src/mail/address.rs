//! [`EmailAddress`]: an address parsed once, where it enters (a form, a CSV line, the API),
//! so that what reaches the outbox is plausible and lowercased.

use serde::Serialize;

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
