//! Credentials: which ones a request carries, whether the mock issued them, and issuing new ones.
//!
//! A credential is *known* when the mock issued it: a random token it handed out (and remembers),
//! the configured API key, or a JWT it signed (HS256 with the configured secret) that has not
//! expired and whose claims validate against the scheme's claims schema. Anything else, however
//! well-formed, is unknown and gets the documented 401 — unlike a presence-only check. A JWT's
//! signature and claims are verified once and remembered ([`verified`](crate::mock::verified));
//! its `exp`, `nbf` and `iat` are checked again at every use.
//!
//! Issued tokens are remembered in a least-recently-used set of bounded size (the mock's
//! `Limits::max_issued_tokens`): a token unused while that many others were issued or used is
//! forgotten (and then refused),
//! so a client starting sessions in a loop cannot grow the mock without bound.

use std::collections::{BTreeMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use crate::mock::data::Draws;
use crate::mock::verified::{Times, Verified};
use gamespec_spec::registry::CredentialKind;
use gamespec_spec::spec::{Operation, Scheme, SchemeCarrier, Spec};

/// Why a request's credentials were refused; the text goes into the 401 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The explanation (never contains the credential itself).
    pub message: String,
    /// The header or parameter that should carry the credential.
    pub param: String,
    /// Whether a credential was presented (and not accepted) rather than missing.
    pub presented: bool,
}

/// The mock's credential authority: what it issued, and its signing key.
pub struct Authority {
    issued: Mutex<lru::LruCache<String, ()>>,
    /// The pre-issued tokens printed at start-up: never forgotten, whatever the LRU does.
    pinned: RwLock<HashSet<String>>,
    /// Credentials forgotten on purpose (a scheduled `session-expired`): signed JWTs cannot be
    /// unissued, so they are refused from here. Bounded like `issued`.
    revoked: Mutex<lru::LruCache<String, ()>>,
    /// JWTs whose signature and claims were verified already (time claims are checked again
    /// at each use), bounded like `issued`.
    verified: Verified,
    /// Draw token material from the OS rather than from the seeded draws.
    os_tokens: bool,
    domain_key: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: u64,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Deliberately shows no secret and no issued token.
        f.debug_struct("Authority")
            .field("issued", &self.issued_count())
            .field("os_tokens", &self.os_tokens)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// An authority signing with `jwt_secret` and accepting `domain_key` as the configured key;
    /// with `os_tokens`, issued tokens and JWT ids come from the OS's random source; at most
    /// `max_issued` issued tokens are remembered.
    pub fn new(
        jwt_secret: &str,
        domain_key: &str,
        ttl_secs: u64,
        os_tokens: bool,
        max_issued: usize,
    ) -> Authority {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.required_spec_claims = ["exp".to_owned()].into_iter().collect();
        let cap = NonZeroUsize::new(max_issued).unwrap_or(NonZeroUsize::MIN);
        Authority {
            issued: Mutex::new(lru::LruCache::new(cap)),
            pinned: RwLock::new(HashSet::new()),
            revoked: Mutex::new(lru::LruCache::new(cap)),
            verified: Verified::new(cap),
            os_tokens,
            domain_key: domain_key.to_owned(),
            encoding: EncodingKey::from_secret(jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(jwt_secret.as_bytes()),
            validation,
            ttl_secs,
        }
    }

    /// How many issued tokens are remembered now (never more than the cap).
    pub fn issued_count(&self) -> usize {
        self.issued.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Whether `value` is a credential of `scheme` that the mock issued and still accepts.
    pub fn accepts(&self, scheme: &Scheme, value: &str) -> bool {
        if self.revoked.lock().is_ok_and(|r| r.contains(value)) {
            return false;
        }
        match scheme.kind {
            CredentialKind::Issued => {
                self.pinned.read().is_ok_and(|p| p.contains(value))
                    || self
                        .issued
                        .lock()
                        .map(|mut s| s.get(value).is_some())
                        .unwrap_or(false)
            }
            CredentialKind::ConfiguredKey => value == self.domain_key,
            CredentialKind::Jwt { .. } => {
                if let Some(times) = self.verified.get(&scheme.name, value) {
                    return times.valid_at(now_secs());
                }
                let Ok(data) =
                    jsonwebtoken::decode::<Value>(value, &self.decoding, &self.validation)
                else {
                    return false;
                };
                // jsonwebtoken checks `exp` and `nbf`; a token issued in the future is as
                // suspect as one not valid yet.
                if data
                    .claims
                    .get("iat")
                    .is_some_and(|iat| iat.as_u64().is_none_or(|iat| iat > now_secs()))
                {
                    return false;
                }
                // A user token must not open server calls and vice versa: the claims decide.
                let valid = scheme
                    .claims
                    .as_ref()
                    .is_some_and(|v| v.is_valid(&data.claims));
                if valid && let Some(times) = Times::of(&data.claims) {
                    self.verified.put(&scheme.name, value, times);
                }
                valid
            }
        }
    }

    /// Stop accepting `value` (the session expired): it is dropped from the issued and
    /// pinned tokens and refused from now on. The configured key is never forgotten.
    pub fn forget(&self, value: &str) {
        if value == self.domain_key {
            return;
        }
        if let Ok(mut issued) = self.issued.lock() {
            issued.pop(value);
        }
        if let Ok(mut pinned) = self.pinned.write() {
            pinned.remove(value);
        }
        self.verified.forget(value);
        if let Ok(mut revoked) = self.revoked.lock() {
            revoked.put(value.to_owned(), ());
        }
    }

    /// Issue a new credential for `scheme`, drawing randomness from `rng`.
    pub fn issue(
        &self,
        spec: &Spec,
        scheme: &Scheme,
        rng: &mut Draws,
    ) -> Result<String, IssueError> {
        self.issue_for(spec, scheme, rng, &[])
    }

    /// Issue a new credential for `scheme` whose JWT claims (for JWT schemes) carry `claims`
    /// (JSON pointer → value: who the token is for). Claims the schema refuses are left out
    /// rather than failing the session start.
    pub fn issue_for(
        &self,
        spec: &Spec,
        scheme: &Scheme,
        rng: &mut Draws,
        claims_set: &[(String, Value)],
    ) -> Result<String, IssueError> {
        match &scheme.kind {
            CredentialKind::Issued => {
                let token = if self.os_tokens {
                    os_token()
                } else {
                    rng.token()
                }
                .ok_or_else(|| IssueError::Draw {
                    scheme: scheme.name.clone(),
                    what: "token",
                })?;
                if let Ok(mut set) = self.issued.lock() {
                    set.put(token.clone(), ());
                }
                Ok(token)
            }
            CredentialKind::ConfiguredKey => Ok(self.domain_key.clone()),
            CredentialKind::Jwt { claims: schema } => {
                let mut claims = self.claims(spec, scheme, schema, rng)?;
                let mut named = claims.clone();
                for (pointer, value) in claims_set {
                    if let Some(slot) = named.pointer_mut(pointer) {
                        *slot = value.clone();
                    }
                }
                if scheme.claims.as_ref().is_none_or(|v| v.is_valid(&named)) {
                    claims = named;
                }
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
                    .map_err(|e| IssueError::Sign {
                        scheme: scheme.name.clone(),
                        reason: e.to_string(),
                    })
            }
        }
    }

    /// JWT claims for a scheme: the claims schema's example (or generated claims when it has
    /// none), with the registered claims refreshed: `iat` now, `exp` after the TTL, and a new
    /// `jti` when the schema has one. Checked against the schema before signing.
    fn claims(
        &self,
        spec: &Spec,
        scheme: &Scheme,
        schema_name: &str,
        rng: &mut Draws,
    ) -> Result<Value, IssueError> {
        let schema = json!({ "$ref": format!("#/components/schemas/{schema_name}") });
        let resolved = gamespec_spec::shape::deref(&spec.root, &schema);
        let mut claims = match resolved.get("example") {
            Some(example @ Value::Object(_)) => example.clone(),
            _ => rng
                .value(&spec.root, &schema)
                .ok_or_else(|| IssueError::Claims {
                    scheme: scheme.name.clone(),
                    schema: schema_name.to_owned(),
                })?,
        };
        let now = now_secs();
        let has = |name: &str| gamespec_spec::shape::property(&spec.root, &schema, name).is_some();
        if let Some(obj) = claims.as_object_mut() {
            obj.insert("iat".into(), json!(now));
            obj.insert("exp".into(), json!(now + self.ttl_secs));
            if has("jti") {
                let jti = if self.os_tokens {
                    os_uuid()
                } else {
                    rng.uuid()
                }
                .ok_or_else(|| IssueError::Draw {
                    scheme: scheme.name.clone(),
                    what: "jti",
                })?;
                obj.insert("jti".into(), json!(jti));
            }
        }
        match &scheme.claims {
            Some(v) if !v.is_valid(&claims) => Err(IssueError::Invalid {
                scheme: scheme.name.clone(),
                schema: schema_name.to_owned(),
            }),
            _ => Ok(claims),
        }
    }
}

/// Why the mock cannot issue a credential: a fault of the spec's claims schema or of the
/// machine, never of the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    /// No random value could be drawn for a token or a `jti`.
    #[error("cannot draw a {what} for {scheme}")]
    Draw {
        /// The security scheme.
        scheme: String,
        /// What was to be drawn.
        what: &'static str,
    },
    /// The claims schema has no example, and no value could be generated for it.
    #[error("cannot generate {schema} claims for {scheme}")]
    Claims {
        /// The security scheme.
        scheme: String,
        /// The claims schema's name.
        schema: String,
    },
    /// The claims built do not validate against their own schema.
    #[error("the {schema} claims built for {scheme} do not validate against their schema")]
    Invalid {
        /// The security scheme.
        scheme: String,
        /// The claims schema's name.
        schema: String,
    },
    /// The JWT could not be signed.
    #[error("cannot sign a {scheme} token: {reason}")]
    Sign {
        /// The security scheme.
        scheme: String,
        /// What the signer said.
        reason: String,
    },
}

/// Seconds since the Unix epoch.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Letters and digits, the alphabet of issued tokens (as [`Draws::token`] draws them).
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A 40-character token from the OS's random source (rejection sampling keeps it uniform).
fn os_token() -> Option<String> {
    let mut out = String::with_capacity(40);
    let mut buf = [0u8; 64];
    while out.len() < 40 {
        getrandom::fill(&mut buf).ok()?;
        for b in buf {
            // 248 = 4 × 62: bytes above it would favour the first letters.
            if b < 248 && out.len() < 40 {
                out.push(char::from(TOKEN_ALPHABET[usize::from(b) % 62]));
            }
        }
    }
    Some(out)
}

/// A version-4 UUID from the OS's random source.
fn os_uuid() -> Option<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).ok()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// The credential a request carries for `scheme`, if any.
pub fn presented(
    scheme: &Scheme,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match &scheme.carrier {
        SchemeCarrier::Header(name) => header(name),
        SchemeCarrier::Query(name) => query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
        SchemeCarrier::Cookie(name) => header("cookie").and_then(|c| {
            c.split(';').find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                (k == name).then(|| v.to_owned())
            })
        }),
        SchemeCarrier::Bearer | SchemeCarrier::Basic => header("authorization").and_then(|v| {
            scheme
                .carrier
                .credential_in(&v)
                .map(|c| c.trim_end().to_owned())
        }),
    }
    .filter(|v| !v.is_empty())
}

/// Where a scheme's credential goes, for messages (`header x-session-token`).
pub fn carrier_name(scheme: &Scheme) -> String {
    match &scheme.carrier {
        SchemeCarrier::Header(n) => n.clone(),
        SchemeCarrier::Query(n) => n.clone(),
        SchemeCarrier::Cookie(n) => n.clone(),
        SchemeCarrier::Bearer | SchemeCarrier::Basic => "Authorization".into(),
    }
}

/// Check an operation's security requirements: any one requirement set whose every scheme
/// carries a known credential lets the request through.
pub fn check(
    spec: &Spec,
    authority: &Authority,
    op: &Operation,
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Result<(), Denial> {
    if op.security.is_empty() {
        return Ok(());
    }
    let mut first_problem: Option<Denial> = None;
    for set in &op.security {
        let mut problem = None;
        for name in set {
            let Some(scheme) = spec.scheme(name) else {
                continue;
            };
            let carrier = carrier_name(scheme);
            match presented(scheme, headers, query) {
                None => {
                    problem = Some(Denial {
                        message: format!("missing credential: {name} ({carrier}) is required"),
                        param: carrier,
                        presented: false,
                    });
                }
                Some(value) if !authority.accepts(scheme, &value) => {
                    problem = Some(Denial {
                        message: format!(
                            "invalid credential: the {name} ({carrier}) value is unknown, expired or not issued by this server"
                        ),
                        param: carrier,
                        presented: true,
                    });
                }
                Some(_) => {}
            }
            if problem.is_some() {
                break;
            }
        }
        match problem {
            None => return Ok(()),
            // Report a bad credential in preference to a missing one of another set: it is what
            // the client most likely got wrong.
            Some(p) => {
                let better = first_problem
                    .as_ref()
                    .is_none_or(|f| !f.presented && p.presented);
                if better {
                    first_problem = Some(p);
                }
            }
        }
    }
    Err(first_problem.unwrap_or(Denial {
        message: "missing credential".into(),
        param: "Authorization".into(),
        presented: false,
    }))
}

/// One pre-issued credential per security scheme of the spec, for tools (printed once at
/// start-up); issued tokens among them stay valid for the mock's lifetime.
pub fn pre_issue(
    spec: &Spec,
    authority: &Authority,
    rng: &mut Draws,
) -> Result<BTreeMap<String, String>, IssueError> {
    spec.schemes
        .iter()
        .map(|s| {
            let value = authority.issue(spec, s, rng)?;
            if matches!(s.kind, CredentialKind::Issued)
                && let Ok(mut pinned) = authority.pinned.write()
            {
                pinned.insert(value.clone());
            }
            Ok((s.name.clone(), value))
        })
        .collect()
}

/// Who is calling, as far as the mock can tell: the player credentials the request presents
/// (every scheme but configured keys, which all players share), joined in the spec's order;
/// empty for an anonymous request. The same whatever the operation, so a resource used
/// through one operation is recognised through another.
pub fn identity(spec: &Spec, headers: &HeaderMap, query: &[(String, String)]) -> String {
    spec.schemes
        .iter()
        .filter(|s| s.kind != CredentialKind::ConfiguredKey)
        .filter_map(|s| presented(s, headers, query))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_that_break_their_own_schema_are_refused_as_such() {
        let good = Spec::load("xsolla").expect("the embedded spec loads");
        let authority = Authority::new("secret", "key", 60, false, 10);
        let mut rng = Draws::seeded(1);
        let user = |spec: &Spec| spec.scheme("userJwt").cloned().expect("a user JWT scheme");
        let token = authority.issue(&good, &user(&good), &mut rng);
        assert!(token.is_ok(), "{token:?}");
        // The example's subject is a UUID string; a number breaks the claims schema.
        let mut root = good.root.clone();
        root["components"]["schemas"]["UserJwtClaims"]["example"]["sub"] = json!(5);
        let bad = Spec::from_value(good.path.clone(), root, good.profile.clone()).expect("builds");
        assert_eq!(
            authority.issue(&bad, &user(&bad), &mut rng),
            Err(IssueError::Invalid {
                scheme: "userJwt".into(),
                schema: "UserJwtClaims".into(),
            })
        );
        let err = pre_issue(&bad, &authority, &mut rng).expect_err("refused");
        assert!(err.to_string().contains("do not validate"), "{err}");
    }
}
