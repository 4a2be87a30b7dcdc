//! `claims`: tokens signed here (HS256 with a test secret, RS256 with the test-only key in
//! `tests/data`) are verified and decoded into the generated claim types; every failure has its
//! own error; the docs' example claim set round-trips through `types::UserJwtClaims`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use gamespec_spec::schema::{Direction, SchemaSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xsolla_login::claims::{ClaimsError, Combined, Verifier, decode_unverified, key_id};
use xsolla_login::{Client, types};

const SECRET: &str = "test-only-hs256-project-secret-0f3a9c";
const PROJECT: &str = "5883ebbd-55bf-4917-9668-293aa8d1e6af";
const KID: &str = "test-only-key-1";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn project() -> uuid::Uuid {
    PROJECT.parse().unwrap()
}

/// A user-token payload valid for the next hour.
fn user_claims() -> Value {
    json!({
        "exp": now() + 3600,
        "iss": "https://login.xsolla.com",
        "iat": now(),
        "sub": "dcdad3cf-02c5-429c-97ea-2fb3a8b2b41a",
        "groups": [{"id": 6, "name": "default", "is_default": true}],
        "xsolla_login_project_id": PROJECT,
        "type": "xsolla_login",
        "username": "nova_rider",
        "publisher_id": 104512,
        "email": "nova_rider@example.com"
    })
}

fn hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The test-only RSA key of tests/data as DER (PKCS#1), for signing.
fn rsa_signing_key() -> EncodingKey {
    let pem = std::fs::read_to_string(data("test-only-rsa-2048.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    EncodingKey::from_rsa_der(&der)
}

fn rs256(claims: &Value, kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &rsa_signing_key()).unwrap()
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn jwks_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("test-only-jwks.json")).unwrap()).unwrap()
}

fn jwks() -> types::JwksResponse {
    serde_json::from_value(jwks_json()).unwrap()
}

#[test]
fn hs256_token_decodes_into_user_claims() {
    let token = hs256(&user_claims(), SECRET);
    let claims: types::UserJwtClaims = Verifier::hs256(SECRET)
        .expected_project(project())
        .verify(&token)
        .unwrap();
    assert_eq!(
        claims.sub.to_string(),
        "dcdad3cf-02c5-429c-97ea-2fb3a8b2b41a"
    );
    assert_eq!(claims.xsolla_login_project_id, project());
    assert_eq!(claims.groups[0].name.as_deref(), Some("default"));
    assert_eq!(claims.type_.as_deref(), Some("xsolla_login"));
    assert_eq!(claims.publisher_id, Some(104512));
}

#[test]
fn oauth_token_decodes_both_claim_sets_and_checks_the_audience() {
    let mut payload = user_claims();
    payload["jti"] = json!("43c28670-fc9f-4c22-b862-afc718cb7dfb");
    payload["aud"] = json!(["https://api.game.example.com"]);
    payload["scope"] = json!("offline");
    let token = hs256(&payload, SECRET);

    // Without an expected audience, `aud` is not checked.
    let both: Combined<types::UserJwtClaims, types::OAuthJwtClaims> =
        Verifier::hs256(SECRET).verify(&token).unwrap();
    assert_eq!(both.main.username.as_deref(), Some("nova_rider"));
    assert_eq!(both.extra.jti, "43c28670-fc9f-4c22-b862-afc718cb7dfb");
    assert_eq!(both.extra.scope.as_deref(), Some("offline"));

    let ok = Verifier::hs256(SECRET).expected_audience("https://api.game.example.com");
    assert!(ok.verify::<types::OAuthJwtClaims>(&token).is_ok());
    let wrong = Verifier::hs256(SECRET).expected_audience("https://other.example.com");
    assert_eq!(
        wrong.verify::<types::OAuthJwtClaims>(&token).unwrap_err(),
        ClaimsError::WrongAudience
    );
}

#[tokio::test]
async fn rs256_token_verifies_with_the_served_jwks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/projects/{PROJECT}/jwks.json")))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks_json()))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    let jwks = client
        .get_json_web_key_set()
        .project_id(project())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(jwks.keys.len(), 2);

    let verifier = Verifier::rs256_from_jwks(&jwks).expected_project(project());
    let server_claims = json!({
        "xsolla_login_project_id": PROJECT,
        "resources": [{"name": "publisher_id", "value": 104512}, {"name": "publisher_project_id", "value": "212345"}],
        "jti": "dde2e57b-6080-413e-a8b2-87256b4d6d03",
        "exp": now() + 3600,
        "iat": now(),
        "iss": "https://login.xsolla.com"
    });
    let token = rs256(&server_claims, Some(KID));
    assert_eq!(key_id(&token).unwrap().as_deref(), Some(KID));
    let claims: types::ServerJwtClaims = verifier.verify(&token).unwrap();
    assert_eq!(claims.jti, "dde2e57b-6080-413e-a8b2-87256b4d6d03");
    assert_eq!(
        claims.resources[0].value,
        Some(types::ServerJwtClaimsResourcesItemValue::Integer(104512))
    );
    assert_eq!(
        claims.resources[1].value,
        Some(types::ServerJwtClaimsResourcesItemValue::String(
            "212345".to_owned()
        ))
    );

    let user: types::UserJwtClaims = verifier.verify(&rs256(&user_claims(), Some(KID))).unwrap();
    assert_eq!(user.email.as_deref(), Some("nova_rider@example.com"));
}

#[test]
fn jwks_components_match_the_signing_key() {
    // The committed JWKS was computed with openssl; jsonwebtoken derives the same from the key.
    let jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&rsa_signing_key(), Algorithm::RS256).unwrap();
    let jsonwebtoken::jwk::AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
        panic!("not RSA")
    };
    let served = &jwks().keys[0];
    assert_eq!(served.n.as_deref(), Some(rsa.n.as_str()));
    assert_eq!(served.e.as_deref(), Some(rsa.e.as_str()));
}

#[test]
fn padded_base64url_components_are_accepted() {
    let mut set = jwks();
    set.keys.truncate(1);
    let key = &mut set.keys[0];
    key.e = Some("AQAB==".to_owned());
    let verifier = Verifier::rs256_from_jwks(&set);
    assert!(
        verifier
            .verify::<types::UserJwtClaims>(&rs256(&user_claims(), Some(KID)))
            .is_ok()
    );
    // One key and no `kid` in the token: the only key is used.
    assert!(
        verifier
            .verify::<types::UserJwtClaims>(&rs256(&user_claims(), None))
            .is_ok()
    );
}

#[test]
fn expired_token() {
    let mut payload = user_claims();
    payload["exp"] = json!(now() - 3600);
    let err = Verifier::hs256(SECRET)
        .verify::<types::UserJwtClaims>(&hs256(&payload, SECRET))
        .unwrap_err();
    assert_eq!(err, ClaimsError::Expired);
}

#[test]
fn a_huge_leeway_accepts_old_tokens_without_overflow() {
    let mut payload = user_claims();
    payload["exp"] = json!(1);
    let token = hs256(&payload, SECRET);
    let verifier = Verifier::hs256(SECRET).leeway(std::time::Duration::MAX);
    assert!(verifier.verify::<types::UserJwtClaims>(&token).is_ok());
}

#[test]
fn wrong_issuer() {
    let mut payload = user_claims();
    payload["iss"] = json!("https://login.example.com");
    let token = hs256(&payload, SECRET);
    assert_eq!(
        Verifier::hs256(SECRET)
            .verify::<types::UserJwtClaims>(&token)
            .unwrap_err(),
        ClaimsError::WrongIssuer
    );
    // …unless that issuer is the expected one.
    let custom = Verifier::hs256(SECRET).expected_issuer("https://login.example.com");
    assert!(custom.verify::<types::UserJwtClaims>(&token).is_ok());
}

#[test]
fn bad_signature() {
    let token = hs256(&user_claims(), "another-secret");
    assert_eq!(
        Verifier::hs256(SECRET).verify::<Value>(&token).unwrap_err(),
        ClaimsError::BadSignature
    );

    // RS256: a payload swapped under a valid header and signature.
    let good = rs256(&user_claims(), Some(KID));
    let mut forged_claims = user_claims();
    forged_claims["sub"] = json!("2f6d8a1c-94be-4c57-a0d3-6e1b7f9c4a25");
    let forged = rs256(&forged_claims, Some(KID));
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = forged.split('.').nth(1).unwrap();
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    let err = Verifier::rs256_from_jwks(&jwks())
        .verify::<Value>(&tampered)
        .unwrap_err();
    assert_eq!(err, ClaimsError::BadSignature);
}

#[test]
fn malformed_tokens() {
    let verifier = Verifier::hs256(SECRET);
    let good = hs256(&user_claims(), SECRET);
    let (head, _) = good.split_once('.').unwrap();
    for token in [
        "",
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "!!!.@@@.###",
        &format!("{head}.%%%.sig"),
        // A header that is base64url but not JSON.
        "bm90IGpzb24.e30.c2ln",
    ] {
        assert_eq!(
            verifier.verify::<Value>(token).unwrap_err(),
            ClaimsError::Malformed,
            "{token:?}"
        );
    }
    assert_eq!(
        decode_unverified::<Value>("not-a-jwt").unwrap_err(),
        ClaimsError::Malformed
    );
}

#[test]
fn unknown_and_unusable_key_ids() {
    let verifier = Verifier::rs256_from_jwks(&jwks());
    let err = verifier
        .verify::<Value>(&rs256(&user_claims(), Some("rotated-away")))
        .unwrap_err();
    assert_eq!(
        err,
        ClaimsError::UnknownKeyId {
            kid: Some("rotated-away".to_owned())
        }
    );
    // Two keys and no `kid`: ambiguous.
    let err = verifier
        .verify::<Value>(&rs256(&user_claims(), None))
        .unwrap_err();
    assert_eq!(err, ClaimsError::UnknownKeyId { kid: None });
    // The second key has no `n`/`e`.
    let err = verifier
        .verify::<Value>(&rs256(&user_claims(), Some("test-only-unusable-key")))
        .unwrap_err();
    assert!(
        matches!(&err, ClaimsError::UnusableKey { kid: Some(k), .. } if k == "test-only-unusable-key"),
        "{err:?}"
    );
}

#[test]
fn wrong_project() {
    let token = hs256(&user_claims(), SECRET);
    let other: uuid::Uuid = "00000000-0000-4000-8000-000000000001".parse().unwrap();
    let err = Verifier::hs256(SECRET)
        .expected_project(other)
        .verify::<Value>(&token)
        .unwrap_err();
    assert_eq!(err, ClaimsError::WrongProject { expected: other });
}

#[test]
fn wrong_algorithm_missing_claims_and_type_mismatch() {
    let rs_token = rs256(&user_claims(), Some(KID));
    let err = Verifier::hs256(SECRET)
        .verify::<Value>(&rs_token)
        .unwrap_err();
    assert_eq!(
        err,
        ClaimsError::UnexpectedAlgorithm {
            expected: "HS256".into(),
            found: "RS256".into()
        }
    );

    let mut no_exp = user_claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    let err = Verifier::hs256(SECRET)
        .verify::<Value>(&hs256(&no_exp, SECRET))
        .unwrap_err();
    assert_eq!(
        err,
        ClaimsError::MissingClaim {
            claim: "exp".into()
        }
    );

    // A valid user token is not a server token (no `resources`, no `jti`).
    let err = Verifier::hs256(SECRET)
        .verify::<types::ServerJwtClaims>(&hs256(&user_claims(), SECRET))
        .unwrap_err();
    assert!(
        matches!(&err, ClaimsError::ClaimsMismatch { type_name, .. } if type_name == "ServerJwtClaims"),
        "{err:?}"
    );
}

#[test]
fn decode_unverified_reads_without_checking() {
    let mut payload = user_claims();
    payload["exp"] = json!(1);
    let token = hs256(&payload, "whatever");
    let claims: types::UserJwtClaims = decode_unverified(&token).unwrap();
    assert_eq!(claims.exp, 1);
}

#[test]
fn docs_example_user_claims_round_trip() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/xsolla-login.yaml"); // this crate's own spec
    let doc = gamespec_spec::load::load(&spec_path).expect("spec loads");
    let schema = doc
        .value
        .pointer("/components/schemas/UserJwtClaims")
        .expect("schema")
        .clone();
    let example = schema.get("example").expect("example").clone();
    let schemas = SchemaSet::new(&doc.value, Direction::Response);
    schemas
        .validate(&schema, &example)
        .expect("the example validates");

    let typed: types::UserJwtClaims =
        serde_json::from_value(example.clone()).expect("deserializes");
    let back = serde_json::to_value(&typed).unwrap();
    schemas
        .validate(&schema, &back)
        .expect("the serialized claims validate");
    let (original, back) = (example.as_object().unwrap(), back.as_object().unwrap());
    for (key, value) in original {
        assert_eq!(back.get(key), Some(value), "claim {key}");
    }
    assert_eq!(back.len(), original.len(), "no claims added: {back:?}");

    // And the same claim set signed and verified (its `exp` may lie in the past: allow ten years).
    let token = hs256(&example, SECRET);
    let ten_years = std::time::Duration::from_secs(10 * 365 * 24 * 3600);
    let verified: types::UserJwtClaims = Verifier::hs256(SECRET)
        .leeway(ten_years)
        .verify(&token)
        .unwrap();
    assert_eq!(verified, typed);
}

#[test]
fn no_secret_in_errors_or_debug_output() {
    let token = hs256(&user_claims(), SECRET);
    let tampered = format!("{}x", &token[..token.len() - 1]);
    let signature = token.rsplit('.').next().unwrap();
    let payload = token.split('.').nth(1).unwrap();

    let verifier = Verifier::hs256(SECRET).expected_project(project());
    let mut errors = vec![
        verifier
            .verify::<Value>(&hs256(&user_claims(), "another-secret"))
            .unwrap_err(),
        verifier.verify::<Value>(&tampered).unwrap_err(),
        verifier
            .verify::<types::ServerJwtClaims>(&token)
            .unwrap_err(),
        Verifier::hs256(SECRET)
            .expected_issuer("x")
            .verify::<Value>(&token)
            .unwrap_err(),
        verifier.verify::<Value>("a.b").unwrap_err(),
    ];
    errors.push(
        Verifier::rs256_from_jwks(&jwks())
            .verify::<Value>(&rs256(&user_claims(), Some("nope")))
            .unwrap_err(),
    );
    for err in &errors {
        for shown in [err.to_string(), format!("{err:?}")] {
            for secret in [SECRET, token.as_str(), signature, payload] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    let shown = format!("{verifier:?}");
    assert!(
        !shown.contains(SECRET) && shown.contains("<redacted>"),
        "{shown}"
    );
    let rs = format!("{:?}", Verifier::rs256_from_jwks(&jwks()));
    assert!(rs.contains(KID), "{rs}");

    let client = Client::with_base_url("http://127.0.0.1:9").unwrap();
    client.credentials().set_user_jwt(token.as_str());
    client.credentials().set_server_jwt(SECRET);
    let shown = format!("{:?}", client.credentials());
    assert!(
        !shown.contains(token.as_str()) && !shown.contains(SECRET),
        "{shown}"
    );
}

/// Every `x-jwt-claims` example of the spec validates against its own schema and round-trips.
/// A user-token extension's example holds only the claims it adds; a token carries them together
/// with the main claims, so it is decoded merged into `UserJwtClaims`'s example
/// (`Combined<UserJwtClaims, _>`) and must come back key for key.
#[test]
fn every_claims_example_round_trips() {
    fn example<'d>(doc: &'d Value, schemas: &SchemaSet, name: &str) -> (&'d Value, &'d Value) {
        let schema = doc.pointer(&format!("/components/schemas/{name}")).unwrap();
        assert_eq!(schema.get("x-jwt-claims"), Some(&json!(true)), "{name}");
        let example = schema
            .get("example")
            .unwrap_or_else(|| panic!("{name} has an example"));
        schemas
            .validate(schema, example)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        (schema, example)
    }
    fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
        doc: &Value,
        schemas: &SchemaSet,
        name: &str,
        main: Option<&Value>,
    ) {
        let (schema, own) = example(doc, schemas, name);
        let mut payload = main.cloned().unwrap_or_else(|| json!({}));
        for (key, value) in own.as_object().unwrap() {
            payload[key] = value.clone();
        }
        let typed: T =
            serde_json::from_value(payload.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = serde_json::to_value(&typed).unwrap();
        schemas
            .validate(schema, &back)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(back, payload, "{name}");
    }
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/xsolla-login.yaml"); // this crate's own spec
    let doc = gamespec_spec::load::load(&spec_path)
        .expect("spec loads")
        .value;
    let schemas = SchemaSet::new(&doc, Direction::Response);
    type With<T> = Combined<types::UserJwtClaims, T>;
    let (_, user) = example(&doc, &schemas, "UserJwtClaims");
    let user = Some(user);
    round_trip::<types::UserJwtClaims>(&doc, &schemas, "UserJwtClaims", None);
    round_trip::<With<types::PlayFabJwtClaims>>(&doc, &schemas, "PlayFabJwtClaims", user);
    round_trip::<With<types::CustomStorageJwtClaims>>(
        &doc,
        &schemas,
        "CustomStorageJwtClaims",
        user,
    );
    round_trip::<With<types::OAuthJwtClaims>>(&doc, &schemas, "OAuthJwtClaims", user);
    round_trip::<With<types::PhoneJwtClaims>>(&doc, &schemas, "PhoneJwtClaims", user);
    round_trip::<With<types::SocialJwtClaims>>(&doc, &schemas, "SocialJwtClaims", user);
    round_trip::<types::ServerJwtClaims>(&doc, &schemas, "ServerJwtClaims", None);
    round_trip::<types::GatewayTokenClaims>(&doc, &schemas, "GatewayTokenClaims", None);
    let marked = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .filter(|s| s.get("x-jwt-claims") == Some(&json!(true)))
        .count();
    assert_eq!(marked, 8, "a new claims schema: add it here");
}
