//! A request as one runnable shell line: `curl -sS -X POST 'http://…' -H '…' --data-binary '…'`.
//!
//! The line reproduces the request byte for byte: the same method, URL, headers and body reach
//! the server (curl adds only `Host`, `Content-Length` and its usual `Accept: */*`, which the
//! runner's client sends too). Multipart bodies are sent as their exact bytes with the recorded
//! `content-type` (boundary included) rather than with `curl -F`: `-F` would choose its own
//! boundary and part headers, and a negative case's malformed part would not survive it.
//!
//! Quoting survives any text: words are quoted by `shlex` (POSIX quoting, left bare when nothing
//! needs it), and text with control characters uses ANSI-C quoting (`$'…\r\n…'`), which `shlex`
//! does not write, to stay on one line. Secrets appear as `"${VAR}"` outside the quotes, so the
//! shell fills them in from the environment.

use crate::exchange::WireRequest;
use crate::secrets::Redactor;

/// Bodies longer than this make older curls send `Expect: 100-continue`, which the runner never
/// sends, so the line switches it off.
const EXPECT_THRESHOLD: usize = 1024;

/// The shell line that sends `request` again, with every secret `redactor` knows written as a
/// `${VARIABLE}` the shell expands.
pub fn curl(request: &WireRequest, redactor: &Redactor) -> String {
    let mut args: Vec<String> = vec!["curl".into(), "-sS".into()];
    // curl would read `[…]`/`{…}` as a URL glob and fold `/../` segments: neither was sent.
    // The raw URL decides (a placeholder's braces are not in it), and only a flag is written.
    let url = &request.url;
    if url.contains(['[', ']', '{', '}']) {
        args.push("-g".into());
    }
    if has_dot_segment(url) {
        args.push("--path-as-is".into());
    }
    if request.method == "HEAD" {
        // `-X HEAD` would make curl wait for a body the server never sends.
        args.push("-I".into());
    } else {
        args.push("-X".into());
        args.push(quote(&request.method));
    }
    args.push(word(&request.url, redactor));
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("host") {
            continue;
        }
        args.push("-H".into());
        if value.is_empty() {
            // `-H 'name:'` removes a header; `name;` sends it empty.
            args.push(word(&format!("{name};"), redactor));
        } else {
            args.push(word(&format!("{name}: {value}"), redactor));
        }
    }
    if request.header("user-agent").is_none() {
        args.push("-H".into());
        args.push("'user-agent:'".into());
    }
    let mut stdin = None;
    if let Some(body) = &request.body {
        if request.header("content-type").is_none() {
            // Otherwise curl labels the body `application/x-www-form-urlencoded`.
            args.push("-H".into());
            args.push("'content-type:'".into());
        }
        if body.len() > EXPECT_THRESHOLD && request.header("expect").is_none() {
            args.push("-H".into());
            args.push("'expect:'".into());
        }
        if body.contains('\0') {
            // No shell word can hold NUL: printf's `%b` writes it from `\0000` into curl's stdin.
            stdin = Some(format!("printf '%b' {} | ", printf_word(body, redactor)));
            args.push("--data-binary".into());
            args.push("@-".into());
        } else {
            // `--data-binary @x` would read the file `x`; `--data-raw` sends `@x` as it is.
            let flag = if redactor.redact(body).starts_with('@') {
                "--data-raw"
            } else {
                "--data-binary"
            };
            args.push(flag.into());
            args.push(word(body, redactor));
        }
    }
    format!("{}{}", stdin.unwrap_or_default(), args.join(" "))
}

/// Whether the path of `url` has a `.` or `..` segment.
fn has_dot_segment(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = match after_scheme.find('/') {
        Some(i) => &after_scheme[i..],
        None => return false,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.split('/').any(|s| s == "." || s == "..")
}

/// One shell word for `text`: its secrets as `"${VAR}"`, everything else quoted.
pub fn word(text: &str, redactor: &Redactor) -> String {
    assemble(text, redactor, quote)
}

/// A word for `printf '%b'`: backslashes doubled and NUL written `\0000`, so the printed bytes
/// are exactly `text`'s.
fn printf_word(text: &str, redactor: &Redactor) -> String {
    assemble(text, redactor, |literal| {
        quote(&literal.replace('\\', r"\\").replace('\0', r"\0000"))
    })
}

/// Split redacted `text` at the placeholders of known variables, quote the literal pieces with
/// `quote_literal`, and write each placeholder as `"${VAR}"`.
fn assemble(text: &str, redactor: &Redactor, quote_literal: impl Fn(&str) -> String) -> String {
    let redacted = redactor.redact(text);
    let placeholders: Vec<String> = redactor
        .variables_in(&redacted)
        .into_iter()
        .map(|v| format!("${{{v}}}"))
        .collect();
    let mut out = String::new();
    let mut literal_start = 0;
    let mut i = 0;
    while i < redacted.len() {
        let rest = &redacted[i..];
        match placeholders.iter().find(|p| rest.starts_with(p.as_str())) {
            Some(p) => {
                if literal_start < i {
                    out.push_str(&quote_literal(&redacted[literal_start..i]));
                }
                out.push('"');
                out.push_str(p);
                out.push('"');
                i += p.len();
                literal_start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if literal_start < redacted.len() {
        out.push_str(&quote_literal(&redacted[literal_start..]));
    }
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// `text` as one shell word: as `shlex` quotes it (bare when nothing needs quoting), or ANSI-C
/// `$'…'` when it holds control characters (a quoted newline would break the one-line form).
pub fn quote(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        // Only NUL makes `shlex` refuse, and NUL is a control character.
        if let Ok(quoted) = shlex::try_quote(text) {
            return quoted.into_owned();
        }
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if c.is_control() => {
                // Bytes, not `\u`: `\xHH` means the same in every locale.
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> WireRequest {
        WireRequest {
            method: method.into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.map(str::to_owned),
            parts: None,
        }
    }

    #[test]
    fn quotes_single_quotes_and_control_characters() {
        assert_eq!(quote("it's"), r#""it's""#);
        assert_eq!(quote("a'$b"), r#""a'"'$b'"#);
        assert_eq!(quote("GET"), "GET");
        assert_eq!(quote("a\r\nb'\\"), r"$'a\r\nb\'\\'");
        assert_eq!(quote("\u{7f}\u{85}"), r"$'\x7f\xc2\x85'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn secrets_stand_outside_the_quotes() {
        let r = Redactor::new();
        r.add("tok_0123456789", "GAMESPEC_SESSION_TOKEN");
        assert_eq!(
            word("x-session-token: tok_0123456789", &r),
            r#"'x-session-token: '"${GAMESPEC_SESSION_TOKEN}""#
        );
        assert_eq!(word("tok_0123456789", &r), r#""${GAMESPEC_SESSION_TOKEN}""#);
        // A `${…}` that stands for no known secret is literal text.
        assert_eq!(word("${HOME}", &r), "'${HOME}'");
    }

    #[test]
    fn a_plain_get_is_a_short_line() {
        let line = curl(
            &request(
                "GET",
                "http://127.0.0.1:1/game/ping",
                &[
                    ("host", "x"),
                    ("content-length", "0"),
                    ("ll-version", "2021-03-01"),
                ],
                None,
            ),
            &Redactor::new(),
        );
        assert_eq!(
            line,
            "curl -sS -X GET http://127.0.0.1:1/game/ping -H 'll-version: 2021-03-01' -H 'user-agent:'"
        );
    }

    #[test]
    fn odd_requests_get_the_flags_they_need() {
        let r = Redactor::new();
        let line = curl(
            &request("HEAD", "http://h/a/../b?x=[1]", &[("x-empty", "")], None),
            &r,
        );
        assert!(
            line.starts_with("curl -sS -g --path-as-is -I 'http://h/a/../b?x=[1]'"),
            "{line}"
        );
        assert!(line.contains("-H 'x-empty;'"), "{line}");
        let line = curl(&request("POST", "http://h/", &[], Some("@file")), &r);
        assert!(
            line.ends_with("-H 'content-type:' --data-raw @file"),
            "{line}"
        );
        let line = curl(&request("POST", "http://h/", &[], Some("a\0b\\c")), &r);
        assert!(
            line.starts_with(r#"printf '%b' "a\\0000b\\\\c" | curl"#),
            "{line}"
        );
        assert!(line.ends_with("--data-binary @-"), "{line}");
        assert!(!has_dot_segment("http://h/a.b/..c"));
    }
}
