//! A Markdown summary of a run, for a CI job summary or a pull-request comment: the run's
//! header and totals, a table per check, a table of failing operations, and a section per
//! failure with its curl line in a fenced block.

use std::fmt::Write;

use super::curl::curl;
use super::{
    cases_per_second, check_name, check_totals, failing_operations, ordered_failures, request_line,
    response_excerpt,
};
use crate::outcome::{Measure, RunResult};
use crate::secrets::Redactor;

/// The Markdown summary of `result`, every text redacted by `redactor`.
pub fn markdown(result: &RunResult, redactor: &Redactor) -> String {
    let mut out = String::new();
    let failures = ordered_failures(result);
    let new = failures.iter().filter(|f| !f.baselined).count();
    let s = &result.stats;
    let _ = writeln!(out, "# Conformance of {}\n", inline(&result.api));
    let _ = writeln!(out, "| | |\n| --- | --- |");
    let rate = cases_per_second(result).map_or_else(|| "-".to_owned(), |r| format!("{r:.1}"));
    let coverage = result.coverage();
    let verdict = if new > 0 {
        "fail: failures"
    } else if coverage.tested == 0 {
        "fail: nothing was tested"
    } else if !coverage.untested.is_empty() {
        "fail: selected operations untested"
    } else {
        "pass"
    };
    let rows = [
        ("Verdict", inline(verdict)),
        ("API", inline(&result.api)),
        ("URL", code_span(&result.base_url)),
        ("Seed", result.seed.to_string()),
        (
            "Duration",
            format!("{:.2} s", result.duration.as_secs_f64()),
        ),
        ("Cases", format!("{} ({rate} cases/s)", s.cases)),
        (
            "Requests",
            format!("{} ({} shrinking)", s.requests, s.shrink_requests),
        ),
        ("Discarded cases", s.discarded.to_string()),
        ("Rate-limited answers", s.rate_limited.to_string()),
        ("Coverage", inline(&coverage.summary())),
        ("Coverage figures", inline(&coverage.measures())),
        (
            "Failures",
            format!(
                "{} new, {} accepted by the baseline",
                new,
                failures.len() - new
            ),
        ),
        (
            "Stopped early",
            result
                .stopped_early
                .as_deref()
                .map_or_else(|| "no".to_owned(), inline),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }

    let totals = check_totals(result);
    if !totals.is_empty() {
        let _ = writeln!(
            out,
            "\n## Checks\n\n| Code | Check | Passed | Failed |\n| --- | --- | ---: | ---: |"
        );
        for (code, t) in &totals {
            let name = check_name(result, code);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                inline(code),
                inline(&name),
                t.passed,
                t.failed
            );
        }
    }

    let failing = failing_operations(result);
    if !failing.is_empty() {
        let _ = writeln!(
            out,
            "\n## Failing operations\n\n| Operation | Request | Failing checks |\n| --- | --- | --- |"
        );
        for f in failing {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                inline(&f.operation),
                code_span(&format!("{} {}", f.method, f.path)),
                inline(&f.codes.join(", "))
            );
        }
    }

    let mut chosen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for o in result.operations.iter().filter(|o| !o.selected()) {
        *chosen
            .entry(o.skipped.as_deref().unwrap_or_default())
            .or_default() += 1;
    }
    if !chosen.is_empty() || !coverage.untested.is_empty() {
        let _ = writeln!(out, "\n## Not tested");
        if !chosen.is_empty() {
            let _ = writeln!(out);
        }
        for (why, count) in &chosen {
            let _ = writeln!(out, "- {count} operation(s) not selected: {}", inline(why));
        }
    }
    if !coverage.untested.is_empty() {
        let _ = writeln!(
            out,
            "\nSelected but untested (the run cannot pass):\n\n| Operation | Why |\n| --- | --- |"
        );
        for u in &coverage.untested {
            let why = redactor.redact(&u.reason);
            let _ = writeln!(out, "| {} | {} |", inline(&u.operation), inline(&why));
        }
    }

    write_coverage(&mut out, result);

    if !failures.is_empty() {
        let _ = writeln!(out, "\n## Failures");
    }
    for f in failures {
        let accepted = if f.baselined {
            " (accepted by the baseline)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "\n### {} {}: {}{accepted}\n",
            inline(&f.code),
            inline(&f.check),
            inline(&f.operation)
        );
        let _ = writeln!(out, "- Request: {}", code_span(&request_line(result, f)));
        let _ = writeln!(
            out,
            "- Expected: {}",
            code_span(&redactor.redact(&f.failure.expected))
        );
        let _ = writeln!(
            out,
            "- Actual: {}",
            code_span(&redactor.redact(&f.failure.actual))
        );
        let _ = writeln!(
            out,
            "\nResponse:\n\n{}",
            fenced("text", &printable(&response_excerpt(&f.exchange, redactor)))
        );
        let _ = writeln!(
            out,
            "\nReproduce:\n\n{}",
            fenced("sh", &curl(&f.exchange.request, redactor))
        );
    }
    redactor.redact(&out)
}

/// Every selected operation with what it reached of what it documents.
fn write_coverage(out: &mut String, result: &RunResult) {
    let rows = super::coverage_rows(result);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Coverage\n\n| Operation | Request | Statuses | Parameters | Body properties | Phases (cases) | Not reached |\n| --- | --- | ---: | ---: | ---: | --- | --- |"
    );
    let cell = |m: Measure| {
        if m.total == 0 {
            "-".to_owned()
        } else {
            format!("{}/{}", m.covered, m.total)
        }
    };
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            inline(&r.operation),
            code_span(&r.request),
            cell(r.statuses),
            cell(r.parameters),
            cell(r.properties),
            inline(&r.phases.join(", ")),
            inline(&r.missing.join(", "))
        );
    }
}

/// Text on one line with Markdown's inline markup characters escaped, pipes included so it can
/// stand in a table cell.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// `text` as a code span on one line: fenced with more backticks than it contains in a row, and
/// pipes escaped so the span can stand in a table (GitHub unescapes `\|` inside spans).
fn code_span(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let ticks = "`".repeat(longest_run(&flat, '`') + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{}{pad}{ticks}", flat.replace('|', "\\|"))
}

/// `text` with control characters other than line breaks and tabs written as `\u{…}`, so a
/// server's escape sequences reach no terminal or renderer.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A fenced code block that `text` cannot close early.
fn fenced(lang: &str, text: &str) -> String {
    let fence = "`".repeat((longest_run(text, '`') + 1).max(3));
    format!("{fence}{lang}\n{text}\n{fence}")
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_fences_outlast_backticks() {
        assert_eq!(code_span("a``b"), "```a``b```");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
        assert_eq!(fenced("sh", "x ```` y"), "`````sh\nx ```` y\n`````");
        assert_eq!(printable("a\n\u{1b}[31m\r"), "a\n\\u{1b}[31m\\u{d}");
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(inline("a|b\nc_d"), "a\\|b c\\_d");
    }
}
