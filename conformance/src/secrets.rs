//! Secrets the runner holds (session tokens, JWTs, keys, passwords) and their replacement by
//! environment-variable placeholders wherever a request or response is written down.
//!
//! A placeholder rather than a mask: a reproduced curl line stays runnable once the variable is
//! exported (`-H "x-session-token: ${GAMESPEC_SESSION_TOKEN}"`).

use std::sync::{Arc, RwLock};

pub use gamespec_spec::registry::credential_variable as env_var;

/// Known secret values and the variable each one stands for. Cheap to clone; shared by the
/// runner (which learns tokens as it logs in) and every report.
#[derive(Clone, Default)]
pub struct Redactor {
    known: Arc<RwLock<Vec<(String, String)>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.read().iter().map(|(_, v)| v.clone()).collect();
        f.debug_struct("Redactor")
            .field("variables", &names)
            .finish()
    }
}

/// Values shorter than this are not treated as secrets: replacing `1` or `ok` everywhere would
/// garble reports, and no real credential is that short.
const MIN_SECRET_LEN: usize = 6;

impl Redactor {
    /// An empty redactor.
    pub fn new() -> Redactor {
        Redactor::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<(String, String)>> {
        self.known.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Remember `value` as a secret written `${variable}`, also in the forms it takes inside a
    /// URL (percent- and form-encoded) and inside a JSON string (escaped). Longer values are
    /// replaced first so a secret that contains another is not half replaced.
    pub fn add(&self, value: &str, variable: &str) {
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        let json = serde_json::to_string(value).unwrap_or_default();
        let variants = [
            value.to_owned(),
            percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
            form_urlencoded::byte_serialize(value.as_bytes()).collect(),
            json.trim_matches('"').to_owned(),
        ];
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for variant in variants {
            if !known.iter().any(|(v, _)| *v == variant) {
                known.push((variant, variable.to_owned()));
            }
        }
        known.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    }

    /// `text` with every known secret replaced by `${VARIABLE}`.
    pub fn redact(&self, text: &str) -> String {
        let known = self.read();
        let mut out = text.to_owned();
        for (value, variable) in known.iter() {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), &format!("${{{variable}}}"));
            }
        }
        out
    }

    /// The variables that `text` (already redacted) refers to, in first-use order.
    pub fn variables_in(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, variable) in self.read().iter() {
            if text.contains(&format!("${{{variable}}}")) && !out.contains(variable) {
                out.push(variable.clone());
            }
        }
        out
    }

    /// Whether `text` still contains a known secret (for tests and self-checks).
    pub fn leaks(&self, text: &str) -> bool {
        self.read().iter().any(|(v, _)| text.contains(v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names_become_variables() {
        assert_eq!(env_var("sessionToken"), "GAMESPEC_SESSION_TOKEN");
        assert_eq!(env_var("userJwt"), "GAMESPEC_USER_JWT");
        assert_eq!(env_var("domainKey"), "GAMESPEC_DOMAIN_KEY");
        assert_eq!(env_var("api-key"), "GAMESPEC_API_KEY");
    }

    #[test]
    fn secrets_become_placeholders_and_short_values_stay() {
        let r = Redactor::new();
        r.add("tok_0123456789", "GAMESPEC_SESSION_TOKEN");
        r.add("ok", "GAMESPEC_SHORT");
        let text = "x-session-token: tok_0123456789; status ok";
        let out = r.redact(text);
        assert_eq!(out, "x-session-token: ${GAMESPEC_SESSION_TOKEN}; status ok");
        assert!(!r.leaks(&out));
        assert!(r.leaks(text));
        assert_eq!(r.variables_in(&out), vec!["GAMESPEC_SESSION_TOKEN"]);
    }

    #[test]
    fn encoded_forms_of_a_secret_are_replaced_too() {
        let r = Redactor::new();
        r.add("p@ss w\"rd/1", "GAMESPEC_PASSWORD");
        let url = "https://x/?password=p%40ss+w%22rd%2F1&u=1";
        let body = r#"{"password":"p@ss w\"rd/1"}"#;
        assert_eq!(
            r.redact(url),
            "https://x/?password=${GAMESPEC_PASSWORD}&u=1"
        );
        assert_eq!(r.redact(body), r#"{"password":"${GAMESPEC_PASSWORD}"}"#);
        assert!(!r.leaks(&r.redact("p%40ss%20w%22rd%2F1")));
    }

    #[test]
    fn a_longer_secret_is_replaced_before_one_it_contains() {
        let r = Redactor::new();
        r.add("abcdef", "GAMESPEC_A");
        r.add("abcdefghij", "GAMESPEC_B");
        assert_eq!(r.redact("abcdefghij abcdef"), "${GAMESPEC_B} ${GAMESPEC_A}");
    }
}
