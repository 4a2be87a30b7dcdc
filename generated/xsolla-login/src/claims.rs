//! Decoding and verifying Login JWTs into the claim types of the spec.
//!
//! Every Login token is a JWT. The spec describes its payload with the schemas marked
//! `x-jwt-claims` ([`types::UserJwtClaims`], [`types::OAuthJwtClaims`],
//! [`types::ServerJwtClaims`], …); a [`Verifier`] checks a token and decodes its payload into any
//! of them (or into any other `Deserialize` type of yours).
//!
//! A Login project signs either with HS256 (a shared project secret, the default for new projects)
//! or with RS256 (public keys from Get JSON Web Key Set):
//!
//! ```no_run
//! use xsolla_login::{Client, claims::Verifier, types};
//!
//! # async fn demo(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let project: uuid::Uuid = "5883ebbd-55bf-4917-9668-293aa8d1e6af".parse()?;
//!
//! // HS256: the secret from Publisher Account > Login > Security > JWT signature.
//! let claims: types::UserJwtClaims = Verifier::hs256("project-secret")
//!     .expected_project(project)
//!     .verify(token)?;
//!
//! // RS256: the project's key set, fetched once and kept.
//! let client = Client::production()?;
//! let jwks = client.get_json_web_key_set().project_id(project).send().await?;
//! let verifier = Verifier::rs256_from_jwks(&jwks).expected_project(project);
//! let claims: types::UserJwtClaims = verifier.verify(token)?;
//! # let _ = claims; Ok(()) }
//! ```
//!
//! Checked, in this order: the token's shape and `alg` (HS256 or RS256, as the verifier was
//! built), the key (by `kid` for RS256), the signature, `exp` (required; a leeway of 60 s by
//! default), `iss` (required; [`XSOLLA_ISSUER`] by default), `aud` (only if you set an audience:
//! without one, tokens carrying `aud` are accepted), `xsolla_login_project_id` (only if you set a
//! project), and finally that the payload deserializes into the requested type. Each failure is
//! its own [`ClaimsError`] variant.
//!
//! A user token carries the main claims plus those of its sign-in method or storage; decode both
//! at once with [`Combined`], e.g. `Combined<types::UserJwtClaims, types::OAuthJwtClaims>`.
//!
//! Neither the token nor the key ever appears in an error message or in `Debug` output.
//!
//! The crypto backend is jsonwebtoken's `aws_lc_rs`. jsonwebtoken refuses to pick a backend when
//! both of its backend features are enabled in one build; if your build enables `rust_crypto` as
//! well, install one with `jsonwebtoken::crypto::CryptoProvider::install_default` first.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

// The doc links name the claim types; without `rsa-keys` no code does.
#[allow(unused_imports)]
use crate::types;

/// The `iss` claim of every Login token, and the issuer a [`Verifier`] expects by default.
pub const XSOLLA_ISSUER: &str = "https://login.xsolla.com";

/// Default clock-skew allowance for `exp`.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// RSA moduli aws-lc accepts for RS256 verification, in bits.
#[cfg(feature = "rsa-keys")]
const RSA_MODULUS_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// Two claim sets of one token payload, decoded side by side (both are `#[serde(flatten)]`ed):
/// `Combined<types::UserJwtClaims, types::SocialJwtClaims>` for a social sign-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Combined<A, B> {
    /// The first set, usually [`types::UserJwtClaims`].
    #[serde(flatten)]
    pub main: A,
    /// The second set, e.g. [`types::OAuthJwtClaims`] or [`types::PlayFabJwtClaims`].
    #[serde(flatten)]
    pub extra: B,
}

/// Why a token was refused. Messages name claims and key ids, never the token or a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// Not a JWT: not three dot-separated parts, bad base64url, or a header or payload that is
    /// not JSON.
    #[error("the token is malformed (not a JWT with a JSON header and payload)")]
    Malformed,
    /// The header's `alg` is not the one the verifier checks.
    #[error("the token is signed with {found}, but this verifier accepts only {expected}")]
    UnexpectedAlgorithm {
        /// What the verifier accepts.
        expected: String,
        /// The token's `alg`.
        found: String,
    },
    /// No key of the key set has the token's `kid` (or the token has no `kid` and the set holds
    /// more than one key). The key set may be stale: fetch it again.
    #[error("no key in the key set has the token's key id {}", kid.as_deref().unwrap_or("(none)"))]
    UnknownKeyId {
        /// The token's `kid`, if it has one.
        kid: Option<String>,
    },
    /// The key the token names cannot be used (not an RSA signing key, or `n`/`e` missing or
    /// not base64url).
    #[error("key {} cannot verify RS256 tokens: {reason}", kid.as_deref().unwrap_or("(none)"))]
    UnusableKey {
        /// The key's `kid`.
        kid: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature does not match: the token was altered, or signed with another key or secret.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `iss` is not the expected issuer.
    #[error("the token's issuer is not the expected one")]
    WrongIssuer,
    /// `aud` does not contain the expected audience.
    #[error("the token's audience is not the expected one")]
    WrongAudience,
    /// `xsolla_login_project_id` is missing or is not the expected project.
    #[error("the token was not issued for Login project {expected}")]
    WrongProject {
        /// The project the verifier expects.
        expected: uuid::Uuid,
    },
    /// A registered claim the verifier requires (`exp`, `iss`) is absent.
    #[error("the token has no `{claim}` claim")]
    MissingClaim {
        /// The claim's name.
        claim: String,
    },
    /// The payload does not deserialize into the requested type.
    #[error("the token's claims do not match {type_name}: {problem}")]
    ClaimsMismatch {
        /// The requested type (without its module path).
        type_name: String,
        /// Which claim is wrong and how (claim names only, never claim values).
        problem: String,
    },
    /// Verification failed for a reason not listed above (reported by the JWT library).
    #[error("the token could not be verified: {reason}")]
    Other {
        /// The library's description of the failure.
        reason: String,
    },
}

/// Verifies Login JWTs and decodes their payload. Build it once and reuse it; `Debug` shows no key.
#[derive(Clone)]
pub struct Verifier {
    keys: Keys,
    issuer: String,
    project: Option<uuid::Uuid>,
    audience: Option<Vec<String>>,
    leeway: Duration,
}

// RS256 keys come from the JWKS type of the `rsa-keys` operations; without that feature the
// variant is never built, but `verify` keeps one code path for both algorithms.
#[derive(Clone)]
#[cfg_attr(not(feature = "rsa-keys"), allow(dead_code))]
enum Keys {
    Hs256(DecodingKey),
    Rs256(Vec<RsaKey>),
}

#[derive(Clone)]
#[cfg_attr(not(feature = "rsa-keys"), allow(dead_code))]
struct RsaKey {
    kid: String,
    key: Result<DecodingKey, String>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Verifier");
        match &self.keys {
            Keys::Hs256(_) => s
                .field("algorithm", &"HS256")
                .field("secret", &"<redacted>"),
            Keys::Rs256(keys) => s.field("algorithm", &"RS256").field(
                "key_ids",
                &keys.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
            ),
        };
        s.field("issuer", &self.issuer)
            .field("project", &self.project)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .finish()
    }
}

impl Verifier {
    fn with_keys(keys: Keys) -> Self {
        Verifier {
            keys,
            issuer: XSOLLA_ISSUER.to_owned(),
            project: None,
            audience: None,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// A verifier of HS256 tokens signed with the project's shared `secret` (as shown in Publisher
    /// Account, used as raw bytes).
    pub fn hs256(secret: impl AsRef<[u8]>) -> Self {
        Self::with_keys(Keys::Hs256(DecodingKey::from_secret(secret.as_ref())))
    }

    /// A verifier of RS256 tokens signed with one of the keys of `jwks` (the answer of Get JSON
    /// Web Key Set); a token's key is chosen by the `kid` in its header. `n` and `e` are read as
    /// base64url (RFC 7518; trailing `=` padding is tolerated). Keys that cannot be used (no
    /// `n`/`e`, not RSA, not for signing, an `alg` other than RS256) are kept by `kid` and refused
    /// with [`ClaimsError::UnusableKey`] when a token names them.
    #[cfg(feature = "rsa-keys")]
    pub fn rs256_from_jwks(jwks: &types::JwksResponse) -> Self {
        let keys = jwks
            .keys
            .iter()
            .map(|jwk| RsaKey {
                kid: jwk.kid.clone(),
                key: rsa_key(jwk),
            })
            .collect();
        Self::with_keys(Keys::Rs256(keys))
    }

    /// Require this `iss` instead of [`XSOLLA_ISSUER`].
    pub fn expected_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// Require `xsolla_login_project_id` to be `project` (your Login project ID).
    pub fn expected_project(mut self, project: uuid::Uuid) -> Self {
        self.project = Some(project);
        self
    }

    /// Require `aud` to contain `audience` (the `audience` your OAuth 2.0 calls pass). Without it,
    /// `aud` is not checked.
    pub fn expected_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience
            .get_or_insert_with(Vec::new)
            .push(audience.into());
        self
    }

    /// Clock-skew allowance for `exp` (default 60 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    fn algorithm(&self) -> Algorithm {
        match self.keys {
            Keys::Hs256(_) => Algorithm::HS256,
            Keys::Rs256(_) => Algorithm::RS256,
        }
    }

    /// Check `token` and decode its payload into `T`, e.g. [`types::UserJwtClaims`] or
    /// [`types::ServerJwtClaims`]. See the [module documentation](self) for what is checked.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, ClaimsError> {
        // Shape first, so that a token that is not a JWT at all is `Malformed` whatever its
        // signature part holds (the library checks the signature before reading the payload).
        let header = jsonwebtoken::dangerous::insecure_decode::<Value>(token)
            .map_err(|e| from_jwt(&e, None))?
            .header;
        let expected = self.algorithm();
        if header.alg != expected {
            return Err(ClaimsError::UnexpectedAlgorithm {
                expected: algorithm_name(expected),
                found: algorithm_name(header.alg),
            });
        }
        let key = self.key_for(header.kid.as_deref())?;

        let mut validation = Validation::new(expected);
        // The library subtracts the leeway from the current time: keep it from underflowing.
        validation.leeway = self
            .leeway
            .as_secs()
            .min(jsonwebtoken::get_current_timestamp());
        validation.set_required_spec_claims(&["exp", "iss"]);
        validation.set_issuer(&[self.issuer.as_str()]);
        match &self.audience {
            Some(audience) => validation.set_audience(audience),
            None => validation.validate_aud = false,
        }
        let data = jsonwebtoken::decode::<Value>(token, key, &validation)
            .map_err(|e| from_jwt(&e, header.kid.as_deref()))?;

        if let Some(expected) = self.project {
            let found = data
                .claims
                .get("xsolla_login_project_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<uuid::Uuid>().ok());
            if found != Some(expected) {
                return Err(ClaimsError::WrongProject { expected });
            }
        }
        typed(data.claims)
    }

    fn key_for(&self, kid: Option<&str>) -> Result<&DecodingKey, ClaimsError> {
        let keys = match &self.keys {
            Keys::Hs256(key) => return Ok(key),
            Keys::Rs256(keys) => keys,
        };
        let found = match kid {
            Some(kid) => keys.iter().find(|k| k.kid == kid),
            // Without a `kid` the choice is only unambiguous in a one-key set.
            None if keys.len() == 1 => keys.first(),
            None => None,
        };
        let found = found.ok_or_else(|| ClaimsError::UnknownKeyId {
            kid: kid.map(str::to_owned),
        })?;
        found
            .key
            .as_ref()
            .map_err(|reason| ClaimsError::UnusableKey {
                kid: Some(found.kid.clone()),
                reason: reason.clone(),
            })
    }
}

/// Decode a token's payload into `T` WITHOUT checking its signature, expiry, issuer or project:
/// for inspecting a token (e.g. its `exp` before deciding to refresh it), never for trusting it.
pub fn decode_unverified<T: DeserializeOwned>(token: &str) -> Result<T, ClaimsError> {
    let data =
        jsonwebtoken::dangerous::insecure_decode::<Value>(token).map_err(|e| from_jwt(&e, None))?;
    typed(data.claims)
}

/// The `kid` of a token's header (without verifying anything): which key of a key set signed it.
pub fn key_id(token: &str) -> Result<Option<String>, ClaimsError> {
    jsonwebtoken::decode_header(token)
        .map(|h| h.kid)
        .map_err(|e| from_jwt(&e, None))
}

fn typed<T: DeserializeOwned>(claims: Value) -> Result<T, ClaimsError> {
    serde_path_to_error::deserialize::<_, T>(claims).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde_json's "invalid type/value" messages quote the claim's value; keep only the
        // messages that name fields, which come from the type, not from the token.
        let problem = if ["missing field", "unknown field", "duplicate field"]
            .iter()
            .any(|p| inner.starts_with(p))
        {
            if path == "." {
                inner
            } else {
                format!("at `{path}`: {inner}")
            }
        } else {
            format!("claim `{path}` has the wrong type or value")
        };
        ClaimsError::ClaimsMismatch {
            type_name: short_type_name::<T>(),
            problem,
        }
    })
}

/// `T`'s name without module paths: `a::Combined<b::UserJwtClaims, c::Value>` →
/// `Combined<UserJwtClaims, Value>`.
fn short_type_name<T>() -> String {
    let mut out = String::new();
    let mut segment = String::new();
    for c in std::any::type_name::<T>().chars() {
        if c.is_alphanumeric() || c == '_' {
            segment.push(c);
        } else if c == ':' {
            segment.clear();
        } else {
            out.push_str(&segment);
            segment.clear();
            out.push(c);
        }
    }
    out + &segment
}

#[cfg(feature = "rsa-keys")]
fn rsa_key(jwk: &types::JsonWebKey) -> Result<DecodingKey, String> {
    if jwk.kty != "RSA" {
        return Err(format!("key type is {:?}, not RSA", jwk.kty));
    }
    if jwk.use_ != "sig" {
        return Err(format!("key use is {:?}, not sig", jwk.use_));
    }
    if jwk.alg != "RS256" {
        return Err(format!("key algorithm is {:?}, not RS256", jwk.alg));
    }
    let (Some(n), Some(e)) = (jwk.n.as_deref(), jwk.e.as_deref()) else {
        return Err("the key has no `n` and `e`".to_owned());
    };
    let key = DecodingKey::from_rsa_components(n.trim_end_matches('='), e.trim_end_matches('='))
        .map_err(|_| "`n` or `e` is not base64url".to_owned())?;
    if let jsonwebtoken::DecodingKeyKind::RsaModulusExponent { n, e } = key.kind() {
        let bits = significant_bits(n);
        if !RSA_MODULUS_BITS.contains(&bits) {
            return Err(format!(
                "the modulus has {bits} bits; RS256 keys need {} to {}",
                RSA_MODULUS_BITS.start(),
                RSA_MODULUS_BITS.end()
            ));
        }
        if significant_bits(e) < 2 {
            return Err("the exponent is not valid".to_owned());
        }
    }
    Ok(key)
}

#[cfg(feature = "rsa-keys")]
fn significant_bits(bytes: &[u8]) -> usize {
    match bytes.iter().position(|b| *b != 0) {
        Some(i) => (bytes.len() - i - 1) * 8 + (8 - bytes[i].leading_zeros() as usize),
        None => 0,
    }
}

fn algorithm_name(alg: Algorithm) -> String {
    // The variants are named as the JOSE `alg` values (`HS256`, `RS256`, …).
    format!("{alg:?}")
}

fn from_jwt(error: &JwtError, kid: Option<&str>) -> ClaimsError {
    match error.kind() {
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => ClaimsError::Malformed,
        ErrorKind::InvalidSignature => ClaimsError::BadSignature,
        ErrorKind::ExpiredSignature => ClaimsError::Expired,
        ErrorKind::InvalidIssuer => ClaimsError::WrongIssuer,
        ErrorKind::InvalidAudience => ClaimsError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) => ClaimsError::MissingClaim {
            claim: claim.clone(),
        },
        ErrorKind::InvalidClaimFormat(claim) => ClaimsError::ClaimsMismatch {
            type_name: "the registered JWT claims".to_owned(),
            problem: format!("claim `{claim}` has the wrong type or value"),
        },
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => ClaimsError::UnusableKey {
            kid: kid.map(str::to_owned),
            reason: "the key was refused by the crypto backend".to_owned(),
        },
        // Messages of the remaining kinds hold no token or key material.
        other => ClaimsError::Other {
            reason: JwtError::from(other.clone()).to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "rsa-keys")]
    fn significant_bits_ignores_leading_zero_bytes() {
        assert_eq!(significant_bits(&[]), 0);
        assert_eq!(significant_bits(&[0, 0]), 0);
        assert_eq!(significant_bits(&[1, 0, 1]), 17);
        assert_eq!(significant_bits(&[0, 0x80, 0]), 16);
    }

    #[test]
    fn type_names_are_short() {
        assert_eq!(short_type_name::<types::UserJwtClaims>(), "UserJwtClaims");
        assert_eq!(short_type_name::<Vec<(u8, &str)>>(), "Vec<(u8, &str)>");
        assert_eq!(
            short_type_name::<Combined<types::UserJwtClaims, Value>>(),
            "Combined<UserJwtClaims, Value>"
        );
    }

    #[test]
    fn mismatch_messages_never_quote_claim_values() {
        let err = typed::<types::UserJwtClaims>(serde_json::json!({
            "exp": "super-secret-looking-value", "iss": "x", "iat": 1, "groups": [],
            "sub": "dcdad3cf-02c5-429c-97ea-2fb3a8b2b41a",
            "xsolla_login_project_id": "5883ebbd-55bf-4917-9668-293aa8d1e6af"
        }))
        .unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains("`exp`") && !shown.contains("super-secret"),
            "{shown}"
        );
        let err = typed::<types::UserJwtClaims>(serde_json::json!({"exp": 1})).unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
