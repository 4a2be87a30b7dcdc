//! The summary a terminal shows after a run: tallies per check, the failing operations, the
//! run's totals, then every failure with expected, actual, an excerpt of the answer and the curl
//! line that reproduces it.

use std::fmt::Write;
use std::io::IsTerminal;

use super::curl::curl;
use super::{
    EXCERPT_CHARS, cases_per_second, check_name, check_totals, excerpt, failing_operations,
    ordered_failures, request_line, response_excerpt,
};
use crate::outcome::RunResult;
use crate::secrets::Redactor;

/// Whether the summary printed on stdout should be coloured: stdout is a terminal and
/// `NO_COLOR` is not set (<https://no-color.org>).
pub fn colour_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// ANSI styling that is switched off for pipes and files.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn bold(self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn red(self, text: &str) -> String {
        self.wrap("31", text)
    }
    fn green(self, text: &str) -> String {
        self.wrap("32", text)
    }
    fn yellow(self, text: &str) -> String {
        self.wrap("33", text)
    }
    fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
}

/// The summary of `result` for a terminal, ANSI-coloured when `colour` is set (see
/// [`colour_stdout`]). Every piece of text from the run passes through `redactor`.
pub fn console(result: &RunResult, redactor: &Redactor, colour: bool) -> String {
    let paint = Paint(colour);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} against {} (seed {})",
        paint.bold(&result.api),
        result.base_url,
        result.seed
    );
    write_checks(&mut out, result, paint);
    write_failing_operations(&mut out, result, paint);
    write_skipped(&mut out, result, paint);
    write_coverage(&mut out, result, paint);
    write_totals(&mut out, result, paint);
    write_failures(&mut out, result, redactor, paint);
    // Anything above may quote the server; the last pass keeps a secret from slipping through.
    redactor.redact(&out)
}

fn write_checks(out: &mut String, result: &RunResult, paint: Paint) {
    let totals = check_totals(result);
    if totals.is_empty() {
        return;
    }
    let rows: Vec<(String, String, u64, u64)> = totals
        .iter()
        .map(|(code, t)| (code.clone(), check_name(result, code), t.passed, t.failed))
        .collect();
    let name_width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(out, "\n{}", paint.bold("Checks"));
    let _ = writeln!(
        out,
        "  {:<5} {:<name_width$}  {:>7}  {:>7}",
        "code", "check", "passed", "failed"
    );
    for (code, name, passed, failed) in rows {
        let failed_cell = format!("{failed:>7}");
        let failed_cell = if failed > 0 {
            paint.red(&failed_cell)
        } else {
            failed_cell
        };
        let _ = writeln!(
            out,
            "  {code:<5} {name:<name_width$}  {passed:>7}  {failed_cell}"
        );
    }
}

fn write_failing_operations(out: &mut String, result: &RunResult, paint: Paint) {
    let failing = failing_operations(result);
    if failing.is_empty() {
        return;
    }
    let op_width = failing
        .iter()
        .map(|f| f.operation.chars().count())
        .max()
        .unwrap_or(0);
    let req_width = failing
        .iter()
        .map(|f| f.method.len() + 1 + f.path.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\n{}", paint.bold("Failing operations"));
    for f in failing {
        let request = format!("{} {}", f.method, f.path);
        let _ = writeln!(
            out,
            "  {:<op_width$}  {request:<req_width$}  {}",
            f.operation,
            paint.red(&f.codes.join(" "))
        );
    }
}

fn write_skipped(out: &mut String, result: &RunResult, paint: Paint) {
    // Operations left out on purpose (filters, read-only mode) are counted, not listed: a run
    // of one operation would otherwise print every other one.
    let mut chosen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for op in result.operations.iter().filter(|o| !o.selected()) {
        *chosen
            .entry(op.skipped.as_deref().unwrap_or_default())
            .or_default() += 1;
    }
    let untested: Vec<_> = result
        .operations
        .iter()
        .filter_map(|o| o.untested().map(|why| (o, why)))
        .collect();
    if chosen.is_empty() && untested.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", paint.bold("Not tested"));
    for (why, count) in chosen {
        let _ = writeln!(out, "  {count} operation(s): {}", paint.dim(why));
    }
    for (op, why) in untested {
        let _ = writeln!(
            out,
            "  {}  {} {}  {}",
            op.operation,
            op.method,
            op.path,
            paint.yellow(&why)
        );
    }
}

/// How many unreached items a console line names before it says "and N more".
const MISSING_SHOWN: usize = 6;

/// The coverage figures, then one line per selected operation that left something documented
/// unreached (the fully covered ones are counted, not listed, so a run of a whole API stays
/// readable; the Markdown and JSON reports list every operation).
fn write_coverage(out: &mut String, result: &RunResult, paint: Paint) {
    let rows = super::coverage_rows(result);
    if rows.is_empty() {
        return;
    }
    let coverage = result.coverage();
    let _ = writeln!(out, "\n{}", paint.bold("Coverage"));
    let _ = writeln!(out, "  {}", coverage.measures());
    let full = rows.iter().filter(|r| r.full()).count();
    let _ = writeln!(
        out,
        "  {full} of {} selected operation(s) reached every documented status, parameter and body property",
        rows.len()
    );
    let gaps: Vec<_> = rows.iter().filter(|r| !r.full()).collect();
    let width = gaps
        .iter()
        .map(|r| r.operation.chars().count())
        .max()
        .unwrap_or(0);
    for r in gaps {
        let phases = if r.phases.is_empty() {
            "no phase ran".to_owned()
        } else {
            r.phases.join(", ")
        };
        let _ = writeln!(
            out,
            "  {:<width$}  statuses {}  parameters {}  properties {}  [{phases}]",
            r.operation,
            measure(r.statuses),
            measure(r.parameters),
            measure(r.properties),
        );
        let gap = match (r.tested, r.missing.is_empty()) {
            (false, true) => "untested (see Not tested)".to_owned(),
            (false, false) => format!(
                "untested (see Not tested); not reached: {}",
                r.missing_text(MISSING_SHOWN)
            ),
            (true, _) => format!("not reached: {}", r.missing_text(MISSING_SHOWN)),
        };
        let _ = writeln!(out, "  {:<width$}  {}", "", paint.yellow(&gap));
    }
}

/// `3/4`, or `-` when there is nothing to cover.
fn measure(m: crate::outcome::Measure) -> String {
    if m.total == 0 {
        "-".to_owned()
    } else {
        format!("{}/{}", m.covered, m.total)
    }
}

fn write_totals(out: &mut String, result: &RunResult, paint: Paint) {
    let s = &result.stats;
    let rate = cases_per_second(result).map_or_else(|| "-".to_owned(), |r| format!("{r:.1}"));
    let _ = writeln!(out, "\n{}", paint.bold("Totals"));
    let _ = writeln!(
        out,
        "  {} cases, {} requests ({} shrinking), {rate} cases/s, {:.2} s",
        s.cases,
        s.requests,
        s.shrink_requests,
        result.duration.as_secs_f64()
    );
    let end = match &result.stopped_early {
        Some(why) => paint.yellow(&format!("stopped early: {why}")),
        None => "ran to the end".to_owned(),
    };
    let _ = writeln!(
        out,
        "  {} discarded, {} rate-limited answers, {end}",
        s.discarded, s.rate_limited
    );
    let coverage = result.coverage();
    let _ = writeln!(out, "  coverage: {}", coverage.summary());
    if coverage.tested == 0 {
        let _ = writeln!(
            out,
            "  {}",
            paint.red("incomplete: nothing was tested, so the run cannot pass")
        );
    } else if !coverage.untested.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            paint.red(&format!(
                "incomplete: {} selected operation(s) untested (under Not tested), so the run cannot pass",
                coverage.untested.len()
            ))
        );
    }
    let not_kept: u64 = result
        .operations
        .iter()
        .flat_map(|o| o.failures_not_kept.values())
        .sum();
    if not_kept > 0 {
        let _ = writeln!(
            out,
            "  {not_kept} more failure(s) counted but not kept (at most {} per operation and check)",
            crate::outcome::MAX_FAILURES_KEPT
        );
    }
}

fn write_failures(out: &mut String, result: &RunResult, redactor: &Redactor, paint: Paint) {
    let failures = ordered_failures(result);
    let new = failures.iter().filter(|f| !f.baselined).count();
    let accepted = failures.len() - new;
    let headline = format!(
        "{} failures: {new} new, {accepted} accepted by the baseline",
        failures.len()
    );
    let headline = if new > 0 {
        paint.red(&headline)
    } else {
        paint.green(&headline)
    };
    let _ = writeln!(out, "\n{}", paint.bold(&headline));
    let mut lines = String::new();
    // Accepted failures are known: a count per check here, the details in the file reports.
    let mut known: std::collections::BTreeMap<
        (&str, &str),
        (usize, std::collections::BTreeSet<&str>),
    > = std::collections::BTreeMap::new();
    for f in failures.iter().filter(|f| f.baselined) {
        let entry = known
            .entry((f.code.as_str(), f.check.as_str()))
            .or_default();
        entry.0 += 1;
        entry.1.insert(f.operation.as_str());
    }
    for ((code, check), (count, operations)) in &known {
        let _ = writeln!(
            out,
            "  {}  {count} on {} operation(s), accepted by the baseline",
            paint.yellow(&format!("{code} {check}")),
            operations.len()
        );
    }
    for f in failures.into_iter().filter(|f| !f.baselined) {
        let title = format!("{} {}", f.code, f.check);
        let title = if f.baselined {
            format!("{}  {}", paint.yellow(&title), paint.yellow("[baselined]"))
        } else {
            paint.red(&title)
        };
        let line = curl(&f.exchange.request, redactor);
        let _ = writeln!(
            out,
            "\n{title}  {}  {}",
            f.operation,
            request_line(result, f)
        );
        let _ = writeln!(
            out,
            "  expected  {}",
            one_line(&redactor.redact(&f.failure.expected))
        );
        let _ = writeln!(
            out,
            "  actual    {}",
            one_line(&redactor.redact(&f.failure.actual))
        );
        let _ = writeln!(
            out,
            "  response  {}",
            one_line(&response_excerpt(&f.exchange, redactor))
        );
        let _ = writeln!(out, "  {}", paint.dim(&line));
        lines.push_str(&line);
    }
    let variables = redactor.variables_in(&lines);
    if !variables.is_empty() {
        let _ = writeln!(
            out,
            "\nThe curl lines read {} from the environment.",
            variables.join(", ")
        );
    }
}

/// `text` on one line, control characters escaped, at most [`EXCERPT_CHARS`] long (a check's
/// `actual` can quote a whole body).
fn one_line(text: &str) -> String {
    let mut flat = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => flat.push_str("\\n"),
            '\r' => flat.push_str("\\r"),
            '\t' => flat.push_str("\\t"),
            c if c.is_control() => flat.extend(c.escape_unicode()),
            c => flat.push(c),
        }
    }
    excerpt(&flat, EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_newlines_but_not_quotes() {
        assert_eq!(
            one_line("a\nb \"c\" 'd' \\ \u{1b}"),
            "a\\nb \"c\" 'd' \\ \\u{1b}"
        );
    }

    #[test]
    fn colour_is_only_added_when_asked() {
        assert_eq!(Paint(false).red("x"), "x");
        assert_eq!(Paint(true).red("x"), "\x1b[31mx\x1b[0m");
    }
}
