//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30 s), the kind every authenticator
//! app reads from an `otpauth://` URI. Small enough to keep here, on `ring`'s HMAC.

use ring::hmac;

const STEP: i64 = 30;
const DIGITS: u32 = 6;

/// A new 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    crate::tokens::random_key()[..20].to_vec()
}

/// The code for `secret` at Unix time `now`.
pub fn code_at(secret: &[u8], now: i64) -> u32 {
    let counter = (now.div_euclid(STEP)) as u64;
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = (mac[mac.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([mac[offset] & 0x7f, mac[offset + 1], mac[offset + 2], mac[offset + 3]]);
    binary % 10u32.pow(DIGITS)
}

/// Whether `code` is valid now, allowing one step of clock drift either way.
pub fn verify(secret: &[u8], code: &str, now: i64) -> bool {
    matching_step(secret, code, now).is_some()
}

/// The time step (Unix time / 30 s) whose code `code` is, within one step of `now` either way.
/// Sign-in checks codes in the database (`operator_check_totp`), which refuses a step used
/// before; this is for a new secret, before it is stored.
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    let given = code.parse::<u32>().ok().filter(|_| code.len() == DIGITS as usize)?;
    (-1..=1)
        .map(|drift| now.div_euclid(STEP) + drift)
        .find(|&step| code_at(secret, step * STEP) == given)
}

/// RFC 4648 base32 without padding, as authenticator apps expect secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for &b in bytes {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// What an authenticator app scans or pastes.
pub fn uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| serde_urlencoded::to_string([("", s)]).unwrap_or_default()[1..].replace('+', "%20");
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&digits=6&period=30",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vectors() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", truncated to 6 digits.
        let secret = b"12345678901234567890";
        assert_eq!(code_at(secret, 59), 287_082);
        assert_eq!(code_at(secret, 1_111_111_109), 81_804);
        assert_eq!(code_at(secret, 1_234_567_890), 5_924);
        assert_eq!(code_at(secret, 2_000_000_000), 279_037);
        assert!(verify(secret, "081804", 1_111_111_109));
        assert!(verify(secret, "081 804", 1_111_111_109 + 30), "one step of drift");
        assert!(!verify(secret, "081804", 1_111_111_109 + 90));
        assert!(!verify(secret, "81804", 1_111_111_109), "six digits");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert!(uri(secret, "La Caf à votre écoute", "a@caf.fr").starts_with("otpauth://totp/La%20Caf%20%C3%A0"));
    }
}
