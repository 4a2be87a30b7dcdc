//! What `cargo xtask diff` prints and writes: the console lines, a Markdown report to paste into a
//! review, JSON for tools, and a drafted `CHANGELOG.md` entry.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use super::Finding;
use super::gate::{Verdict, next_major};
use super::rules::Severity;

/// The snapshot files of one operation that exist in the checkout.
#[derive(Debug, Clone)]
pub struct Snapshots {
    /// Its operationId.
    pub operation: String,
    /// `conformance/tests/snapshots/<api>__<op>.snap`, the request shape.
    pub request: Option<String>,
    /// `conformance/tests/snapshots/response_shapes__<api>__<op>.snap`, the response shape.
    pub response: Option<String>,
}

/// The comparison of one API (or one pair of files).
#[derive(Debug)]
pub struct ApiDiff {
    /// The registry name, or `files` for `--old/--new`.
    pub api: String,
    /// What was compared with what, for people.
    pub compared: String,
    /// Every change.
    pub findings: Vec<Finding>,
    /// The gate's decision.
    pub verdict: Verdict,
    /// The client crate's version at the base and now, when there is a crate.
    pub versions: (Option<String>, Option<String>),
    /// The client crate's changelog, relative to the root.
    pub changelog_file: Option<String>,
    /// Snapshot files (relative to the root) of the operations a finding names: operationId,
    /// request shape, response shape.
    pub snapshots: Vec<Snapshots>,
    /// Time spent loading both versions and comparing them.
    pub elapsed: Duration,
}

impl ApiDiff {
    /// Findings of one client severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity() == s).count()
    }

    /// The snapshot a finding moves: the response shape for a `response-*` rule, else the
    /// request shape.
    fn snapshot(&self, f: &Finding) -> Option<&str> {
        let op = f.operation.as_deref()?;
        let s = self.snapshots.iter().find(|s| s.operation == op)?;
        if f.rule.id.starts_with("response-") {
            s.response.as_deref()
        } else {
            s.request.as_deref()
        }
    }

    fn counts(&self) -> String {
        format!(
            "{} breaking, {} warning(s), {} info",
            self.count(Severity::Breaking),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }
}

fn readers(f: &Finding) -> String {
    format!(
        "wire {}, rust {}, server {}",
        f.rule.wire.label(),
        f.rule.rust.label(),
        f.rule.server.label()
    )
}

/// Console text: a heading per API, one line per finding (most severe first), the verdict.
pub fn console(diffs: &[ApiDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        let _ = writeln!(
            out,
            "{}: {} — {} ({:.2?})",
            d.api,
            d.compared,
            d.counts(),
            d.elapsed
        );
        for f in sorted(&d.findings) {
            let _ = writeln!(
                out,
                "  {:<8} {:<40} {}  [{}] at {}",
                f.severity().label(),
                f.rule.id,
                f.message,
                readers(f),
                f.pointer
            );
        }
        match &d.verdict {
            Verdict::NothingBreaking => {}
            Verdict::Accounted(why) => {
                let _ = writeln!(out, "  breaking changes accounted for: {why}");
            }
            Verdict::Unaccounted(why) => {
                let _ = writeln!(out, "  FAIL: {why}");
            }
            Verdict::NoCrate => {
                let _ = writeln!(
                    out,
                    "  breaking changes reported; no client crate to version"
                );
            }
        }
    }
    out
}

fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    // Stable: document order within a severity.
    v.sort_by_key(|f| std::cmp::Reverse(f.severity()));
    v
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown report: per API, a summary and a table of findings with what each means to the
/// three readers and the request-shape snapshot the change moves.
pub fn markdown(diffs: &[ApiDiff]) -> String {
    let mut out = String::from("# Spec changes\n\n");
    for d in diffs {
        let _ = writeln!(out, "## {}\n\n{}: {}.\n", d.api, d.compared, d.counts());
        match &d.verdict {
            Verdict::Unaccounted(why) => {
                let _ = writeln!(out, "**Fails:** {why}\n");
            }
            Verdict::Accounted(why) => {
                let _ = writeln!(out, "Breaking changes accounted for: {why}.\n");
            }
            _ => {}
        }
        if d.findings.is_empty() {
            continue;
        }
        out.push_str(
            "| severity | rule | operation | change | wire | Rust crate | server | where |\n",
        );
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for f in sorted(&d.findings) {
            let op = f
                .operation
                .as_deref()
                .map(|o| format!("`{o}`"))
                .unwrap_or_default();
            let mut place = format!("`{}`", f.pointer);
            if let Some(snap) = d.snapshot(f) {
                let _ = write!(place, "<br>[snapshot]({snap})");
            }
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
                f.severity().label(),
                f.rule.id,
                op,
                cell(&f.message),
                f.rule.wire.label(),
                f.rule.rust.label(),
                f.rule.server.label(),
                cell(&place)
            );
        }
        out.push('\n');
    }
    out
}

/// JSON: per API the comparison, counts, verdict and every finding with its readers.
pub fn json(diffs: &[ApiDiff]) -> Value {
    let apis: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let findings: Vec<Value> = d
                .findings
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
                    if let Value::Object(m) = &mut v {
                        m.insert("severity".into(), json!(f.severity()));
                        m.insert(
                            "readers".into(),
                            json!({"wire": f.rule.wire, "rust": f.rule.rust, "server": f.rule.server}),
                        );
                        if let Some(s) = d.snapshot(f) {
                            m.insert("snapshot".into(), json!(s));
                        }
                    }
                    v
                })
                .collect();
            let (verdict, why) = match &d.verdict {
                Verdict::NothingBreaking => ("nothing-breaking", None),
                Verdict::Accounted(w) => ("accounted", Some(w.clone())),
                Verdict::Unaccounted(w) => ("unaccounted", Some(w.clone())),
                Verdict::NoCrate => ("no-crate", None),
            };
            json!({
                "api": d.api,
                "compared": d.compared,
                "counts": {
                    "breaking": d.count(Severity::Breaking),
                    "warning": d.count(Severity::Warning),
                    "info": d.count(Severity::Info),
                },
                "client_version": {"base": d.versions.0, "now": d.versions.1},
                "verdict": verdict,
                "verdict_reason": why,
                "millis": d.elapsed.as_millis() as u64,
                "findings": findings,
            })
        })
        .collect();
    json!({ "apis": apis })
}

/// A drafted `CHANGELOG.md` entry per API with a client crate and findings: breaking changes,
/// deprecations and warnings, other changes, each a line naming the operation.
pub fn changelog(diffs: &[ApiDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        let Some(file) = &d.changelog_file else {
            continue;
        };
        if d.findings.is_empty() {
            let _ = writeln!(out, "<!-- {file}: no spec changes, no entry needed -->\n");
            continue;
        }
        // Not bumped yet: the smallest bump the changes need.
        let heading = match (&d.versions.0, &d.versions.1) {
            (Some(old), Some(new)) if old == new => super::gate::Version::parse(old)
                .map(|v| {
                    if d.count(Severity::Breaking) > 0 {
                        next_major(&v)
                    } else {
                        let (a, b, c) = v.core;
                        format!("{a}.{b}.{}", c + 1)
                    }
                })
                .unwrap_or_else(|| "Unreleased".into()),
            (_, Some(new)) => super::gate::Version::parse(new)
                .map(|v| v.core_text())
                .unwrap_or_else(|| new.clone()),
            _ => "Unreleased".into(),
        };
        let _ = writeln!(out, "<!-- draft for {file} -->\n## {heading}\n");
        for (title, severity) in [
            ("Breaking changes", Severity::Breaking),
            ("Deprecations and changes to watch", Severity::Warning),
            ("Other changes", Severity::Info),
        ] {
            let lines: Vec<&Finding> = d
                .findings
                .iter()
                .filter(|f| f.severity() == severity)
                .collect();
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(out, "### {title}\n");
            for f in lines {
                let _ = writeln!(out, "- {} (`{}`)", f.message, f.rule.id);
            }
            out.push('\n');
        }
    }
    out
}
