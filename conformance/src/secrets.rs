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
    /// URL (percent- and form-encoded), inside a JSON string (escaped, `\/` and `\u` forms
    /// included) and inside base64 (standard and URL-safe alphabets, at each of the three
    /// alignments it can have inside a longer base64 text, such as an echoed `Basic`
    /// credential). Longer values are replaced first so a secret that contains another is not
    /// half replaced.
    pub fn add(&self, value: &str, variable: &str) {
        if value.len() < MIN_SECRET_LEN {
            return;
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        for variant in variants(value) {
            if !known.iter().any(|(v, _)| *v == variant) {
                known.push((variant, variable.to_owned()));
            }
        }
        known.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    }

    /// The length in bytes of the longest form of a secret known (0 with none).
    pub fn longest(&self) -> usize {
        // Sorted longest first by `add`.
        self.read().first().map_or(0, |(v, _)| v.len())
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

/// Characters a URL path segment keeps as they are (RFC 3986 unreserved).
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Every form of `value` a report could show it in. Base64 forms shorter than
/// [`MIN_SECRET_LEN`] are left out: they would match text that has nothing to do with the
/// secret.
fn variants(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json.trim_matches('"').to_owned();
    let ascii_json: String = json
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    let mut out = vec![
        value.to_owned(),
        percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
        percent_encoding::utf8_percent_encode(value, UNRESERVED).to_string(),
        form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        json.replace('/', "\\/"),
        ascii_json,
        json,
    ];
    out.extend(
        base64_forms(value.as_bytes())
            .into_iter()
            .filter(|f| f.len() >= MIN_SECRET_LEN),
    );
    out.dedup();
    out
}

/// The base64 text that encodes `secret` wherever it sits in a longer byte string: for each of
/// the three offsets it can start at within a 3-byte group, the characters that depend on the
/// secret's bits only, in the standard and the URL-safe alphabet.
fn base64_forms(secret: &[u8]) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(secret);
        let bits_start = offset * 8;
        let bits_end = bytes.len() * 8;
        // Character i covers bits [6i, 6i + 6): keep the ones inside the secret's bits.
        let first = bits_start.div_ceil(6);
        let last = bits_end / 6;
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let text = engine.encode(&bytes);
            if let Some(inner) = text.get(first..last)
                && !out.iter().any(|o| o == inner)
            {
                out.push(inner.to_owned());
            }
        }
    }
    out
}

/// The variable a `user:password` in a `--base-url` is written as.
pub const URL_USERINFO_VAR: &str = "GAMESPEC_BASE_URL_USERINFO";
/// The variable the password of a `--base-url` alone is written as.
pub const URL_PASSWORD_VAR: &str = "GAMESPEC_BASE_URL_PASSWORD";

/// `url` without its userinfo (`user:password@`), for printing; unchanged when it has none or
/// is not a URL.
pub fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let shown = parsed.to_string();
            // `Url` adds a `/` to a bare origin; keep the URL as the user wrote it otherwise.
            if url.ends_with('/') {
                shown
            } else {
                shown.trim_end_matches('/').to_owned()
            }
        }
        _ => url.to_owned(),
    }
}

impl Redactor {
    /// Remember the userinfo of `url` (`user:password`, as written and decoded) and its password
    /// as secrets, so a request URL that carries them is printed with placeholders.
    pub fn add_url_userinfo(&self, url: &str) {
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return;
        };
        let user = parsed.username();
        let password = parsed.password().unwrap_or_default();
        if user.is_empty() && password.is_empty() {
            return;
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        for (u, p) in [
            (user.to_owned(), password.to_owned()),
            (decode(user), decode(password)),
        ] {
            self.add_always(&format!("{u}:{p}"), URL_USERINFO_VAR);
            if !p.is_empty() {
                self.add_always(&p, URL_PASSWORD_VAR);
            }
        }
    }

    /// [`Redactor::add`] without the minimum length: a URL's userinfo is a secret however
    /// short.
    fn add_always(&self, value: &str, variable: &str) {
        if value.len() >= MIN_SECRET_LEN {
            self.add(value, variable);
            return;
        }
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        if !value.is_empty() && !known.iter().any(|(v, _)| v == value) {
            known.push((value.to_owned(), variable.to_owned()));
        }
        known.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
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
    fn base64_forms_are_found_at_every_alignment() {
        use base64::Engine;
        let r = Redactor::new();
        let secret = "pw-Zq8!rT5vL0";
        r.add(secret, "GAMESPEC_PASSWORD");
        for prefix in ["", "u", "us", "user:", "player:"] {
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                let encoded = engine.encode(format!("{prefix}{secret}-tail"));
                let out = r.redact(&format!("Basic {encoded}"));
                assert!(out.contains("${GAMESPEC_PASSWORD}"), "{prefix:?}: {out}");
                assert!(!r.leaks(&out), "{prefix:?}: {out}");
            }
        }
    }

    #[test]
    fn userinfo_leaves_printed_urls() {
        assert_eq!(
            display_url("http://ci:hunter2@127.0.0.1:8080"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            display_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/"
        );
        let r = Redactor::new();
        r.add_url_userinfo("http://ci:hunter2@127.0.0.1:8080");
        assert_eq!(
            r.redact("curl http://ci:hunter2@127.0.0.1:8080/x; pw hunter2"),
            "curl http://${GAMESPEC_BASE_URL_USERINFO}@127.0.0.1:8080/x; pw ${GAMESPEC_BASE_URL_PASSWORD}"
        );
    }

    #[test]
    fn a_longer_secret_is_replaced_before_one_it_contains() {
        let r = Redactor::new();
        r.add("abcdef", "GAMESPEC_A");
        r.add("abcdefghij", "GAMESPEC_B");
        assert_eq!(r.redact("abcdefghij abcdef"), "${GAMESPEC_B} ${GAMESPEC_A}");
    }
}
