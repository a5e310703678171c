//! Secrets a space gives ecoute (its own OpenID provider's client secret), sealed before they
//! reach the database: ChaCha20-Poly1305 (ring's AEAD), under a key derived with HKDF-SHA256
//! from the server key the process reads from its environment or a secret file
//! ([`crate::config::oidc::ServerKeys`]), never from the database.
//!
//! The associated data names the space and the row: a sealed secret copied into another
//! space's row (or another row) does not open. A sealed value is the 12-byte random nonce, then
//! the ciphertext and its 16-byte tag.
//!
//! Rotation: a new server key seals from then on; the previous one, while still given, opens
//! what it sealed (and [`Sealer::open`] says so, for the caller to seal it again).

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::ExposeSecret;
use uuid::Uuid;

use crate::config::oidc::ServerKeys;

/// What this key seals, in the HKDF expansion: a key for this use only.
const PURPOSE: &[u8] = b"ecoute/space-oidc-client-secret/v1";

/// The keys that seal and open the spaces' secrets.
pub struct Sealer {
    current: LessSafeKey,
    previous: Option<LessSafeKey>,
    random: SystemRandom,
}

/// A sealed value that does not open: another key, another row, or altered bytes.
#[derive(Debug, thiserror::Error)]
#[error("the sealed secret does not open with the server key")]
pub struct CannotOpen;

/// An opened secret, and whether it was sealed under the previous key (to seal it again).
pub struct Opened {
    pub secret: String,
    pub with_previous_key: bool,
}

fn derive(server_key: &[u8]) -> LessSafeKey {
    let prk = Salt::new(HKDF_SHA256, b"ecoute").extract(server_key);
    let okm = prk
        .expand(&[PURPOSE], &CHACHA20_POLY1305)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    LessSafeKey::new(UnboundKey::from(okm))
}

/// The associated data: the space, then the row.
fn aad(tenant_id: Uuid, row_id: Uuid) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(tenant_id.as_bytes());
    aad[16..].copy_from_slice(row_id.as_bytes());
    aad
}

impl Sealer {
    pub fn new(keys: &ServerKeys) -> Self {
        Sealer {
            current: derive(keys.current.expose_secret()),
            previous: keys.previous.as_ref().map(|k| derive(k.expose_secret())),
            random: SystemRandom::new(),
        }
    }

    /// Seals `secret` for the row `row_id` of the space `tenant_id`, under the current key.
    pub fn seal(&self, tenant_id: Uuid, row_id: Uuid, secret: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        self.random.fill(&mut nonce).expect("the system's random source works");
        let mut sealed = secret.as_bytes().to_vec();
        self.current
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(tenant_id, row_id)),
                &mut sealed,
            )
            .expect("a secret shorter than 2^38 bytes seals");
        let mut out = nonce.to_vec();
        out.append(&mut sealed);
        out
    }

    /// Opens what [`Sealer::seal`] sealed for this space and row, with the current key, else
    /// the previous one.
    pub fn open(&self, tenant_id: Uuid, row_id: Uuid, sealed: &[u8]) -> Result<Opened, CannotOpen> {
        let keys = std::iter::once((&self.current, false)).chain(self.previous.as_ref().map(|k| (k, true)));
        for (key, with_previous_key) in keys {
            if let Some(secret) = open_with(key, tenant_id, row_id, sealed) {
                return Ok(Opened {
                    secret,
                    with_previous_key,
                });
            }
        }
        Err(CannotOpen)
    }
}

fn open_with(key: &LessSafeKey, tenant_id: Uuid, row_id: Uuid, sealed: &[u8]) -> Option<String> {
    if sealed.len() < NONCE_LEN + CHACHA20_POLY1305.tag_len() {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut body = body.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad(tenant_id, row_id)), &mut body)
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: &[u8], previous: Option<&[u8]>) -> ServerKeys {
        ServerKeys {
            current: current.to_vec().into(),
            previous: previous.map(|p| p.to_vec().into()),
        }
    }

    #[test]
    fn seals_and_opens_only_for_the_same_space_row_and_key() {
        let sealer = Sealer::new(&keys(&[7; 32], None));
        let (space, row) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = sealer.seal(space, row, "caf-secret");
        assert!(!sealed.windows(10).any(|w| w == b"caf-secret"), "not in clear");
        assert_eq!(sealer.open(space, row, &sealed).unwrap().secret, "caf-secret");
        // Two seals of one secret differ (a fresh nonce each time).
        assert_ne!(sealer.seal(space, row, "caf-secret"), sealed);
        // Another space, another row, another key, altered bytes: nothing.
        assert!(sealer.open(Uuid::new_v4(), row, &sealed).is_err());
        assert!(sealer.open(space, Uuid::new_v4(), &sealed).is_err());
        assert!(Sealer::new(&keys(&[8; 32], None)).open(space, row, &sealed).is_err());
        let mut altered = sealed.clone();
        altered[14] ^= 1;
        assert!(sealer.open(space, row, &altered).is_err());
        assert!(sealer.open(space, row, &sealed[..20]).is_err());
    }

    #[test]
    fn the_previous_key_opens_what_it_sealed_and_says_so() {
        let (space, row) = (Uuid::new_v4(), Uuid::new_v4());
        let old = Sealer::new(&keys(&[1; 32], None)).seal(space, row, "s");
        let rotated = Sealer::new(&keys(&[2; 32], Some(&[1; 32])));
        let opened = rotated.open(space, row, &old).unwrap();
        assert!(opened.with_previous_key);
        let again = rotated.seal(space, row, &opened.secret);
        assert!(!rotated.open(space, row, &again).unwrap().with_previous_key);
        // Without the previous key, the old seal is lost.
        assert!(Sealer::new(&keys(&[2; 32], None)).open(space, row, &old).is_err());
    }
}
