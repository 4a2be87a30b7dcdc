//! Reading what a session-start answer issues: the credential (wherever the answer carries it),
//! which scheme it is for, credentials the answer rotates, and when a JWT expires.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::Value;

use crate::security::{ApiSecurity, OperationSecurity, TokenAt};

/// The scheme a session start issues: the first [`crate::IssueRule`] whose field has its value
/// in the request body (form or JSON), otherwise the API's session scheme.
pub(crate) fn issued_scheme(
    api: &ApiSecurity,
    request_body: Option<&[u8]>,
) -> Option<&'static str> {
    let fields = request_body.map(body_fields).unwrap_or_default();
    api.issue_rules
        .iter()
        .find(|rule| {
            fields
                .iter()
                .any(|(k, v)| k == rule.field && v == rule.value)
        })
        .map(|rule| rule.scheme)
        .or(api.session_scheme)
}

/// The top-level string fields of a JSON object or `application/x-www-form-urlencoded` body.
fn body_fields(body: &[u8]) -> Vec<(String, String)> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
            .collect(),
        Ok(_) => Vec::new(),
        Err(_) => url::form_urlencoded::parse(body).into_owned().collect(),
    }
}

/// The credential `op`'s answer `body` carries, at the first of its capture places that has one.
pub(crate) fn token_in(op: &OperationSecurity, body: &Value) -> Option<String> {
    op.captures.iter().find_map(|at| match at {
        TokenAt::Field(field) => body.get(*field)?.as_str().map(str::to_owned),
        TokenAt::UrlParam { field, param } => {
            let url = url::Url::parse(body.get(*field)?.as_str()?).ok()?;
            url.query_pairs()
                .find(|(k, _)| k == param)
                .map(|(_, v)| v.into_owned())
        }
    })
}

/// Put the rotated credentials of `answer` (the fields `op` rotates) into `body`, the body of the
/// request that will renew the session, keeping its encoding (JSON or form). A body that does
/// not carry them yet (a first sign-in with a platform credential) becomes the operation's
/// refresh variant: the fields that variant has, its fixed values, and the rotated credentials.
pub(crate) fn rotate(op: &OperationSecurity, answer: &Value, body: &[u8]) -> Option<Vec<u8>> {
    let fresh: Vec<(&str, &str)> = op
        .rotates
        .iter()
        .filter_map(|f| Some((*f, answer.get(*f)?.as_str()?)))
        .collect();
    if fresh.is_empty() {
        return None;
    }
    let refreshable = !op.refresh_fields.is_empty();
    if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(body) {
        let carries = fresh.iter().any(|(f, _)| map.contains_key(*f));
        if !carries && !refreshable {
            return None;
        }
        if !carries {
            map.retain(|k, _| op.refresh_fields.contains(&k.as_str()));
            for (k, v) in op.refresh_constants {
                map.insert((*k).to_owned(), Value::String((*v).to_owned()));
            }
        }
        for (field, value) in fresh {
            if carries && !map.contains_key(field) {
                continue;
            }
            map.insert(field.to_owned(), Value::String(value.to_owned()));
        }
        return serde_json::to_vec(&map).ok();
    }
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let carries = pairs.iter().any(|(k, _)| fresh.iter().any(|(f, _)| f == k));
    if !carries && !refreshable {
        return None;
    }
    if !carries {
        pairs.retain(|(k, _)| {
            op.refresh_fields.contains(&k.as_str())
                && !op.refresh_constants.iter().any(|(c, _)| c == k)
        });
        for (k, v) in op.refresh_constants {
            pairs.push(((*k).to_owned(), (*v).to_owned()));
        }
        for (f, v) in &fresh {
            pairs.push(((*f).to_owned(), (*v).to_owned()));
        }
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        let v = fresh
            .iter()
            .find(|(f, _)| f == k)
            .map_or(v.as_str(), |(_, fresh)| fresh);
        out.append_pair(k, v);
    }
    Some(out.finish().into_bytes())
}

/// When a JWT expires (its `exp` claim), read without verifying it: the client only needs to
/// know whether to renew, the server still judges the token. `None` for other tokens.
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_f64()?;
    (exp >= 0.0).then(|| UNIX_EPOCH + Duration::from_secs_f64(exp))
}

/// Whether `token` is a JWT that has expired or will within `margin`.
pub(crate) fn expires_within(token: &str, margin: Duration) -> bool {
    jwt_expiry(token).is_some_and(|exp| exp <= SystemTime::now() + margin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::IssueRule;
    use serde_json::json;

    const OP: OperationSecurity = OperationSecurity {
        operation_id: "login",
        method: "login",
        requirements: &[],
        session_start: true,
        repeatable: false,
        captures: &[
            TokenAt::Field("access_token"),
            TokenAt::UrlParam {
                field: "login_url",
                param: "token",
            },
        ],
        rotates: &["refresh_token"],
        refresh_fields: &["grant_type", "client_id", "refresh_token"],
        refresh_constants: &[("grant_type", "refresh_token")],
    };

    fn jwt(claims: Value) -> String {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            enc.encode(br#"{"alg":"HS256"}"#),
            enc.encode(claims.to_string())
        )
    }

    #[test]
    fn token_from_a_field_or_a_url_parameter() {
        assert_eq!(
            token_in(&OP, &json!({"access_token": "a1"})).as_deref(),
            Some("a1")
        );
        let answer = json!({"login_url": "https://game.example/cb?state=x&token=j.w.t"});
        assert_eq!(token_in(&OP, &answer).as_deref(), Some("j.w.t"));
        assert_eq!(token_in(&OP, &json!({"other": 1})), None);
    }

    #[test]
    fn issue_rules_pick_the_scheme_from_the_body() {
        let api = ApiSecurity {
            operations: &[],
            schemes: &[],
            session_scheme: Some("user"),
            issue_rules: &[IssueRule {
                field: "grant_type",
                value: "client_credentials",
                scheme: "server",
            }],
            version_header: None,
        };
        let form = b"grant_type=client_credentials&client_id=1";
        assert_eq!(issued_scheme(&api, Some(form)), Some("server"));
        let json = br#"{"grant_type":"refresh_token"}"#;
        assert_eq!(issued_scheme(&api, Some(json)), Some("user"));
        assert_eq!(issued_scheme(&api, None), Some("user"));
    }

    #[test]
    fn rotated_refresh_token_replaces_the_old_one_in_form_and_json() {
        let answer = json!({"access_token": "a", "refresh_token": "new"});
        let form = rotate(&OP, &answer, b"grant_type=refresh_token&refresh_token=old").unwrap();
        assert_eq!(form, b"grant_type=refresh_token&refresh_token=new");
        let body = rotate(&OP, &answer, br#"{"refresh_token":"old"}"#).unwrap();
        assert_eq!(body, br#"{"refresh_token":"new"}"#);
        // A first sign-in becomes the refresh variant: its fields kept, its constant set.
        let first = rotate(
            &OP,
            &answer,
            b"grant_type=authorization_code&client_id=7&code=c1",
        )
        .unwrap();
        assert_eq!(
            first,
            b"client_id=7&grant_type=refresh_token&refresh_token=new"
        );
        let json_first = rotate(&OP, &answer, br#"{"client_id":"7","id_token":"x"}"#).unwrap();
        let value: Value = serde_json::from_slice(&json_first).unwrap();
        assert_eq!(
            value,
            json!({"client_id": "7", "grant_type": "refresh_token", "refresh_token": "new"})
        );
    }

    #[test]
    fn jwt_exp_is_read_and_opaque_tokens_have_none() {
        let past = jwt(json!({"exp": 1_000_000_000}));
        assert!(expires_within(&past, Duration::ZERO));
        let far = jwt(json!({"exp": 4_000_000_000u64}));
        assert!(!expires_within(&far, Duration::from_secs(60)));
        assert_eq!(jwt_expiry("e0d4c4a1b7b14f0a"), None);
    }
}
