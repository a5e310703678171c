//! Operator passwords: argon2id with the crate's default parameters (19 MiB, 2 passes), stored
//! as PHC strings so the parameters travel with each hash.

use argon2::password_hash::{CustomizedPasswordHasher, PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params, PasswordHash};

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

/// The PHC string `password` would have under `setup`: a stored hash without its last field
/// (algorithm, version, parameters and salt), as `operator_password_setup` gives it. The
/// database compares the result with what it stores, so the stored hash never leaves it.
pub fn hash_with_setup(password: &str, setup: &str) -> Option<String> {
    let parsed = PasswordHash::new(setup).ok()?;
    let salt = parsed.salt?;
    let params = Params::try_from(&parsed).ok()?;
    Argon2::default()
        .hash_password_customized(
            password.as_bytes(),
            salt.as_ref(),
            Some(parsed.algorithm.as_str()),
            parsed.version,
            params,
        )
        .ok()
        .map(|h| h.to_string())
}

/// The setup part of a stored PHC string (what `operator_password_setup` returns).
pub fn setup_of(stored: &str) -> &str {
    stored.rsplit_once('$').map_or(stored, |(setup, _)| setup)
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
        // The same hash again from the setup alone, and another for another password.
        assert_eq!(
            hash_with_setup("correct horse battery", setup_of(&a)).as_deref(),
            Some(a.as_str())
        );
        assert_ne!(
            hash_with_setup("correct horse batterie", setup_of(&a)).as_deref(),
            Some(a.as_str())
        );
        assert_eq!(hash_with_setup("x", "not a setup"), None);
        assert_eq!(check_new("court", "a@b.fr"), Err("console.password_too_short"));
        assert_eq!(
            check_new("marie.dupont-2026!", "marie.dupont@caf.fr"),
            Err("console.password_has_email")
        );
        assert!(check_new("une phrase de passe longue", "marie@caf.fr").is_ok());
    }
}
