//! Re-sending stored failures: each request of an NDJSON failure file goes to a server again
//! (its origin replaced, its `${VARIABLE}` placeholders filled in), and the check that failed
//! judges the new answer. This is how a fix is confirmed without a whole run.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::checks::{self, CheckContext, CheckSettings, Failure, Outcome};
use crate::exchange::{Exchange, Part, WireRequest};
use crate::outcome::FailureRecord;
use crate::secrets::Redactor;
use crate::wire;
use gamespec_spec::spec::Spec;

/// What replaying one failure showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The check passes on the new answer.
    Fixed,
    /// The check still fails, for the reason given.
    StillFailing(Failure),
    /// The failure could not be judged again (a variable not set, no answer, unknown check).
    Error(String),
}

/// A stored failure and its verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    /// The record as read (placeholders unfilled).
    pub record: FailureRecord,
    /// What the new answer showed.
    pub verdict: Verdict,
}

/// Re-send each record's request to `base_url` with placeholders filled from `variables`, and
/// judge the answer with the record's check. Records are replayed one after another, in order;
/// one that cannot be replayed gets an [`Verdict::Error`] and the others still run.
pub async fn replay(
    spec: &Spec,
    records: &[FailureRecord],
    base_url: &str,
    variables: &BTreeMap<String, String>,
    client: &wire::Client,
) -> Vec<Replayed> {
    let settings = CheckSettings::default();
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let verdict = match replay_one(spec, record, base_url, variables, client, &settings).await {
            Ok(v) => v,
            Err(e) => Verdict::Error(e),
        };
        out.push(Replayed {
            record: record.clone(),
            verdict,
        });
    }
    out
}

async fn replay_one(
    spec: &Spec,
    record: &FailureRecord,
    base_url: &str,
    variables: &BTreeMap<String, String>,
    client: &wire::Client,
    settings: &CheckSettings,
) -> Result<Verdict, String> {
    let request = filled(&record.exchange.request, variables)?;
    let request = WireRequest {
        url: rebase(&request.url, &record.exchange.case.path, base_url),
        ..request
    };
    let operation = spec
        .operation(&record.operation)
        .ok_or_else(|| format!("operation `{}` is not in the spec", record.operation))?;
    let check = checks::find(&record.code).ok_or_else(|| {
        format!(
            "check {} ({}) does not exist in this build",
            record.code, record.check
        )
    })?;
    let response = wire::send(client, &request).await;
    let exchange = Exchange {
        case: record.exchange.case.clone(),
        request,
        response,
    };
    let cx = CheckContext {
        spec,
        operation,
        settings,
    };
    match check.check(&cx, &exchange) {
        Outcome::Pass => Ok(Verdict::Fixed),
        Outcome::Fail(failure) => Ok(Verdict::StillFailing(failure)),
        // A skip means the answer no longer shows what the check looks at; say what came.
        Outcome::Skip => Err(match &exchange.response {
            Err(e) => format!("no answer: {e}"),
            Ok(r) => format!(
                "{} does not apply to the new answer (status {})",
                record.code, r.status
            ),
        }),
    }
}

/// `request` with its placeholders filled in; the error names every variable not set. Headers
/// the client computes itself are dropped, since filled-in values change the length.
fn filled(
    request: &WireRequest,
    variables: &BTreeMap<String, String>,
) -> Result<WireRequest, String> {
    let mut missing: Vec<String> = Vec::new();
    let mut fill = |text: &str| fill_placeholders(text, variables, &mut missing);
    let url = fill(&request.url);
    let headers = request
        .headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("host")
        })
        .map(|(k, v)| (fill(k), fill(v)))
        .collect();
    let body = request.body.as_deref().map(&mut fill);
    let parts = request.parts.as_ref().map(|parts| {
        parts
            .iter()
            .map(|p| Part {
                name: fill(&p.name),
                value: fill(&p.value),
                file: p.file,
            })
            .collect()
    });
    if !missing.is_empty() {
        let s = if missing.len() == 1 { "" } else { "s" };
        return Err(format!("variable{s} {} not set", missing.join(", ")));
    }
    Ok(WireRequest {
        method: request.method.clone(),
        url,
        headers,
        body,
        parts,
    })
}

/// `text` with each `${NAME}` (NAME in environment-variable form: upper-case letters, digits,
/// `_`) replaced by its value; names without a value are added to `missing` and left as they are.
fn fill_placeholders(
    text: &str,
    variables: &BTreeMap<String, String>,
    missing: &mut Vec<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let is_placeholder = after[name_len..].starts_with('}')
            && name.starts_with(|c: char| c.is_ascii_uppercase() || c == '_');
        if !is_placeholder {
            out.push_str("${");
            rest = after;
            continue;
        }
        match variables.get(name) {
            Some(value) => out.push_str(value),
            None => {
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_owned());
                }
                out.push_str(&rest[start..start + 3 + name_len]);
            }
        }
        rest = &after[name_len + 1..];
    }
    out.push_str(rest);
    out
}

/// `url` sent to `base_url` instead: the stored URL's last path segments that the operation's
/// `template` accounts for, and its query, after `base_url` (so a base with a path prefix, on
/// either side, is replaced whole).
fn rebase(url: &str, template: &str, base_url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    let tail = &url[path_start..];
    let query_start = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, query) = tail.split_at(query_start);
    let segments = template.matches('/').count();
    let slashes: Vec<usize> = path.match_indices('/').map(|(i, _)| i).collect();
    let own_path = if segments > 0 && slashes.len() >= segments {
        &path[slashes[slashes.len() - segments]..]
    } else {
        path
    };
    format!("{}{own_path}{query}", base_url.trim_end_matches('/'))
}

/// A summary of a replay for a terminal: counts, then one line per failure (with expected and
/// actual when it still fails), every text redacted by `redactor`.
pub fn summary(replayed: &[Replayed], redactor: &Redactor) -> String {
    let count = |f: fn(&Verdict) -> bool| replayed.iter().filter(|r| f(&r.verdict)).count();
    let fixed = count(|v| matches!(v, Verdict::Fixed));
    let failing = count(|v| matches!(v, Verdict::StillFailing(_)));
    let errors = count(|v| matches!(v, Verdict::Error(_)));
    let mut out = format!(
        "{} replayed: {fixed} fixed, {failing} still failing, {errors} could not be replayed\n",
        replayed.len()
    );
    for r in replayed {
        let case = &r.record.exchange.case;
        let what = format!(
            "{} {}  {}  {} {}",
            r.record.code, r.record.check, r.record.operation, case.method, case.path
        );
        let _ = match &r.verdict {
            Verdict::Fixed => writeln!(out, "fixed          {what}"),
            Verdict::StillFailing(f) => writeln!(
                out,
                "still failing  {what}\n               expected: {}\n               actual:   {}",
                redactor.redact(&f.expected),
                redactor.redact(&f.actual)
            ),
            Verdict::Error(e) => writeln!(
                out,
                "error          {what}\n               {}",
                redactor.redact(e)
            ),
        };
    }
    redactor.redact(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn placeholders_are_filled_and_missing_ones_named() {
        let v = vars(&[("GAMESPEC_SESSION_TOKEN", "tok")]);
        let mut missing = Vec::new();
        assert_eq!(
            fill_placeholders(
                "a ${GAMESPEC_SESSION_TOKEN} ${lower} ${ b ${GAMESPEC_X} ${GAMESPEC_X}",
                &v,
                &mut missing
            ),
            "a tok ${lower} ${ b ${GAMESPEC_X} ${GAMESPEC_X}"
        );
        assert_eq!(missing, vec!["GAMESPEC_X"]);
        let request = WireRequest {
            method: "GET".into(),
            url: "http://h/p?k=${GAMESPEC_A}".into(),
            headers: vec![
                ("x".into(), "${GAMESPEC_B}".into()),
                ("content-length".into(), "9".into()),
            ],
            body: Some("${GAMESPEC_SESSION_TOKEN}".into()),
            parts: None,
        };
        assert_eq!(
            filled(&request, &v).unwrap_err(),
            "variables GAMESPEC_A, GAMESPEC_B not set"
        );
        let v = vars(&[
            ("GAMESPEC_A", "1"),
            ("GAMESPEC_B", "2"),
            ("GAMESPEC_SESSION_TOKEN", "3"),
        ]);
        let out = filled(&request, &v).unwrap();
        assert_eq!(out.url, "http://h/p?k=1");
        assert_eq!(out.headers, vec![("x".to_owned(), "2".to_owned())]);
        assert_eq!(out.body.as_deref(), Some("3"));
    }

    #[test]
    fn rebase_keeps_the_operation_path_and_query() {
        assert_eq!(
            rebase(
                "http://old:1/game/v1/player/info?a=1",
                "/game/v1/player/info",
                "http://new:2/"
            ),
            "http://new:2/game/v1/player/info?a=1"
        );
        assert_eq!(
            rebase(
                "https://old/api/items/a%2Fb",
                "/items/{id}",
                "http://new/v2"
            ),
            "http://new/v2/items/a%2Fb"
        );
        assert_eq!(rebase("http://old", "/", "http://new"), "http://new");
        assert_eq!(rebase("http://old/?q", "/", "http://new"), "http://new/?q");
    }
}
