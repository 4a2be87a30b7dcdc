//! Failures as NDJSON: one [`FailureRecord`] per line, redacted, in report order. The file is
//! what `replay` reads back to re-send the failing requests after a fix.

use serde_json::Value;

use super::ordered_failures;
use crate::outcome::{FailureRecord, RunResult};
use crate::secrets::Redactor;

/// Why an NDJSON text could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum NdjsonError {
    /// A line is not a failure record.
    #[error("line {line}: {source}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What serde found wrong.
        source: serde_json::Error,
    },
}

/// One JSON line per failure of `result`, every string (keys included) redacted by `redactor`.
pub fn ndjson(result: &RunResult, redactor: &Redactor) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for record in ordered_failures(result) {
        out.push_str(&line(record, redactor)?);
        out.push('\n');
    }
    Ok(out)
}

/// One failure as a redacted JSON line (no newline).
pub fn line(record: &FailureRecord, redactor: &Redactor) -> Result<String, serde_json::Error> {
    // Redact values, not the serialised text: JSON escaping could hide a secret with a `"` or
    // `\` in it from a text search.
    let value = redact(serde_json::to_value(record)?, redactor);
    serde_json::to_string(&value)
}

/// `value` with every string (keys included) redacted: what a JSON report goes through before
/// it is serialised, since escaping could hide a secret from a search of the text.
pub fn redact_value(value: Value, redactor: &Redactor) -> Value {
    redact(value, redactor)
}

fn redact(value: Value, redactor: &Redactor) -> Value {
    match value {
        Value::String(s) => Value::String(redactor.redact(&s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| redact(v, redactor)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (redactor.redact(&k), redact(v, redactor)))
                .collect(),
        ),
        other => other,
    }
}

/// The records of an NDJSON text; blank lines are skipped, and an error names its line.
pub fn read(text: &str) -> Result<Vec<FailureRecord>, NdjsonError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|source| NdjsonError::Line {
                line: i + 1,
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let err = read("\n{\"code\": 1}\n").unwrap_err();
        let NdjsonError::Line { line, .. } = &err;
        assert_eq!(*line, 2);
        assert!(err.to_string().starts_with("line 2: "), "{err}");
        assert!(read("\n  \n").unwrap().is_empty());
    }

    #[test]
    fn keys_and_nested_strings_are_redacted() {
        let r = Redactor::new();
        r.add("secret-value-1", "GAMESPEC_X");
        let v = redact(
            serde_json::json!({"secret-value-1": ["a secret-value-1", 1]}),
            &r,
        );
        assert_eq!(
            v,
            serde_json::json!({"${GAMESPEC_X}": ["a ${GAMESPEC_X}", 1]})
        );
    }
}
