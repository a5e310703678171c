//! A loopback fake OpenID provider for the tokens no honest provider makes (a wrong nonce,
//! `alg: none`, a bad signature...): discovery, JWKS (one ES256 key), a token endpoint and a
//! userinfo endpoint that answer what the test crafted. The success paths and everything a
//! real provider can produce are tested against `oidc-provider` instead.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

/// How a token is signed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// With the key the JWKS publishes.
    Good,
    /// `alg: none`, no signature.
    None,
    /// The published key's signature, one byte changed.
    Tampered,
    /// Another key, under a `kid` the JWKS does not have.
    UnknownKid,
}

/// What the fake answers next.
pub struct Scenario {
    pub id_token: Value,
    pub id_sign: Sign,
    pub userinfo: Value,
    pub userinfo_sign: Sign,
}

pub struct Forge {
    pub issuer: String,
    pub scenario: Arc<Mutex<Option<Scenario>>>,
    key: Arc<EcdsaKeyPair>,
    stop: tokio_util::sync::CancellationToken,
}

struct Shared {
    issuer: String,
    key: Arc<EcdsaKeyPair>,
    other: EcdsaKeyPair,
    scenario: Arc<Mutex<Option<Scenario>>>,
}

fn new_key() -> EcdsaKeyPair {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Shared {
    fn jwt(&self, claims: &Value, sign: Sign) -> String {
        let (alg, kid) = match sign {
            Sign::None => ("none", "k1"),
            Sign::UnknownKid => ("ES256", "k-unknown"),
            _ => ("ES256", "k1"),
        };
        let header = json!({ "alg": alg, "kid": kid, "typ": "JWT" });
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match sign {
            Sign::None => Vec::new(),
            Sign::UnknownKid => self.other.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
            Sign::Good | Sign::Tampered => {
                let mut s = self.key.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec();
                if sign == Sign::Tampered {
                    s[10] ^= 0x01;
                }
                s
            }
        };
        format!("{input}.{}", b64(&signature))
    }
}

async fn discovery(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let base = &shared.issuer;
    axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/me"),
        "jwks_uri": format!("{base}/jwks"),
        "end_session_endpoint": format!("{base}/logout"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "userinfo_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "scopes_supported": ["openid", "email"],
        "acr_values_supported": ["eidas1"],
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let public = shared.key.public_key().as_ref();
    axum::Json(json!({ "keys": [{
        "kty": "EC", "crv": "P-256", "x": b64(&public[1..33]), "y": b64(&public[33..65]),
        "kid": "k1", "alg": "ES256", "use": "sig",
    }]}))
}

async fn token(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let guard = shared.scenario.lock().unwrap();
    let scenario = guard.as_ref().expect("the test set a scenario");
    axum::Json(json!({
        "access_token": "forged-access-token",
        "token_type": "Bearer",
        "expires_in": 60,
        "id_token": shared.jwt(&scenario.id_token, scenario.id_sign),
    }))
}

async fn userinfo(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let guard = shared.scenario.lock().unwrap();
    let scenario = guard.as_ref().expect("the test set a scenario");
    (
        [("content-type", "application/jwt")],
        shared.jwt(&scenario.userinfo, scenario.userinfo_sign),
    )
}

impl Forge {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let key = Arc::new(new_key());
        let scenario = Arc::new(Mutex::new(None));
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            key: key.clone(),
            other: new_key(),
            scenario: scenario.clone(),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/me", get(userinfo))
            .with_state(shared);
        let stop = tokio_util::sync::CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
                .ok();
        });
        Forge {
            issuer,
            scenario,
            key,
            stop,
        }
    }

    /// Claims of an ID token and userinfo that hold, for `nonce`.
    pub fn honest(&self, nonce: &str) -> Scenario {
        let now = chrono::Utc::now().timestamp();
        Scenario {
            id_token: json!({
                "iss": self.issuer, "aud": super::CLIENT_ID, "sub": "forged-sub",
                "iat": now, "exp": now + 300, "nonce": nonce, "acr": "eidas1",
            }),
            id_sign: Sign::Good,
            userinfo: json!({
                "iss": self.issuer, "aud": super::CLIENT_ID, "sub": "forged-sub",
                "email": "forge@exemple.fr",
            }),
            userinfo_sign: Sign::Good,
        }
    }

    pub fn set(&self, scenario: Scenario) {
        *self.scenario.lock().unwrap() = Some(scenario);
    }

    /// The published key (so that the compiler keeps it shared with the server).
    pub fn key(&self) -> &EcdsaKeyPair {
        &self.key
    }
}

impl Drop for Forge {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
