//! Secrets handed to browsers (session ids, sign-in tokens): 256 random bits, base64url, and
//! stored only as their SHA-256, so a database leak does not hand out live sessions.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::{SecureRandom, SystemRandom};

/// A fresh random token, printable in URLs and cookies.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores for a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// A visitor's id: 192 random bits, base64url (32 characters), drawn from the thread's
/// user-space CSPRNG (`rand`'s `ThreadRng`: ChaCha12, seeded and reseeded from the system).
///
/// Every first request of a browser or a crawler mints one, so this runs on the hot path of a
/// cached page, where one `getrandom` system call per id was 1.9 % of the server's CPU
/// (docs/performance.md). A visitor id signs no session: it keys the form token and the order
/// of ideas, so an unpredictable stream is what it needs, not a fresh draw from the kernel.
pub fn new_visitor_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Random bytes for server keys.
pub fn random_key() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source works");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashes_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn visitor_ids_are_unique_url_safe_and_within_the_cookie_bounds() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_visitor_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            // `VisitorCookie` keeps a visitor's cookie when it is 20 to 64 characters long.
            assert_eq!(id.len(), 32);
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{id}"
            );
        }
    }
}
