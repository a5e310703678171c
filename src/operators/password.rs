//! Operator passwords: argon2id with the crate's default parameters (19 MiB, 2 passes), stored
//! as PHC strings so the parameters travel with each hash.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// Why a new password is refused (locale keys).
pub fn check_new(password: &str, email: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err("console.password_too_short");
    }
    if n > MAX_LENGTH {
        return Err("console.password_too_long");
    }
    let local = email.split('@').next().unwrap_or("");
    if !local.is_empty() && password.to_lowercase().contains(&local.to_lowercase()) {
        return Err("console.password_has_email");
    }
    Ok(())
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// Constant-time check of `password` against a stored PHC string.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Verifying against this costs what a real check costs, so an unknown address answers as slowly
/// as a wrong password (no account enumeration by timing).
pub fn burn_time(password: &str) {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("un mot de passe quelconque").unwrap_or_default());
    let _ = verify(password, &DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterie", &a));
        assert!(!verify("x", "not a hash"));
        assert_eq!(check_new("court", "a@b.fr"), Err("console.password_too_short"));
        assert_eq!(
            check_new("marie.dupont-2026!", "marie.dupont@caf.fr"),
            Err("console.password_has_email")
        );
        assert!(check_new("une phrase de passe longue", "marie@caf.fr").is_ok());
    }
}
