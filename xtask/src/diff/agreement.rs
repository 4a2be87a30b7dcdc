//! `cargo xtask diff --compare-tools FILE`: every pair of the catalogue
//! (`xtask/tests/diff-catalogue/`) through Optic (`optic diff --check` with its breaking-changes
//! ruleset) and openapi-diff, both pinned in `xtask/validators/diff/`, beside our own verdict:
//! a Markdown table of where the three agree on "breaking or not", with what each tool named.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::command::DiffError;
use super::rules::Severity;
use crate::error::io_error;
use crate::install::{NO_NODE, install_npm};
use crate::process::{combined, output};

/// How the tools' install folder is shown in the table.
const TOOLS_SHOWN: &str = "target/validators/diff";

/// The catalogue, relative to the root.
pub const CATALOGUE: &str = "xtask/tests/diff-catalogue";
const PINS: &str = "xtask/validators/diff";
const TIMEOUT: Duration = Duration::from_secs(120);

/// What one tool said about one pair.
struct Verdict {
    /// `Some(true)` breaking, `Some(false)` not, `None` the tool failed.
    breaking: Option<bool>,
    /// The rule names or codes it gave (breaking ones first), or why it failed.
    said: Vec<String>,
}

impl Verdict {
    fn cell(&self) -> String {
        let head = match self.breaking {
            Some(true) => "**breaking**",
            Some(false) => "not breaking",
            None => "error",
        };
        if self.said.is_empty() {
            head.to_owned()
        } else {
            format!("{head}: {}", self.said.join("; ").replace('|', "\\|"))
        }
    }
}

fn ours(case: &Path) -> Result<Verdict, DiffError> {
    let read = |name: &str| -> Result<Value, DiffError> {
        let path = case.join(name);
        let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        gamespec_spec::load::parse(&path, &text)
            .map(|d| d.value)
            .map_err(|e| DiffError::Load(e.to_string()))
    };
    let findings = super::compare(&read("old.yaml")?, &read("new.yaml")?);
    let breaking: Vec<String> = findings
        .iter()
        .filter(|f| f.severity() == Severity::Breaking)
        .map(|f| f.rule.id.to_owned())
        .collect();
    Ok(Verdict {
        breaking: Some(!breaking.is_empty()),
        said: breaking,
    })
}

fn optic(tools: &Path, standard: &Path, case: &Path) -> Result<Verdict, DiffError> {
    let mut cmd = Command::new("node");
    cmd.arg(tools.join("node_modules/@useoptic/optic/build/index.js"))
        .args(["diff"])
        .arg(case.join("old.yaml"))
        .arg(case.join("new.yaml"))
        .args(["--check", "--standard"])
        .arg(standard)
        .current_dir(tools)
        .env("OPTIC_TELEMETRY_LEVEL", "off")
        .env("NO_COLOR", "1");
    let out = output(cmd, "node", NO_NODE, "optic diff", TIMEOUT)?;
    let text = combined(&out);
    // Failed checks print as `x [rule name] message`, passing ones are not listed.
    let said: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("x ["))
        .filter_map(|l| l.split(']').next())
        .map(str::to_owned)
        .collect();
    let breaking = match out.status.code() {
        Some(0) => Some(false),
        Some(1) if !said.is_empty() => Some(true),
        _ => None,
    };
    let said = if breaking.is_none() {
        vec![first_line(&text, tools)]
    } else {
        said
    };
    Ok(Verdict { breaking, said })
}

fn openapi_diff(tools: &Path, case: &Path) -> Result<Verdict, DiffError> {
    let mut cmd = Command::new("node");
    cmd.arg(tools.join("node_modules/openapi-diff/bin/openapi-diff"))
        .arg(case.join("old.yaml"))
        .arg(case.join("new.yaml"))
        .current_dir(tools);
    let out = output(cmd, "node", NO_NODE, "openapi-diff", TIMEOUT)?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // A line of prose, then the JSON result.
    let json: Option<Value> = text
        .find('{')
        .and_then(|at| serde_json::from_str(&text[at..]).ok());
    let Some(json) = json else {
        if text.contains("No changes found") {
            return Ok(Verdict {
                breaking: Some(false),
                said: vec!["no changes found".into()],
            });
        }
        return Ok(Verdict {
            breaking: None,
            said: vec![first_line(&combined(&out), tools)],
        });
    };
    let codes = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["code"].as_str().map(str::to_owned))
            .collect()
    };
    let breaking = codes("breakingDifferences");
    let mut said = breaking.clone();
    said.extend(
        codes("unclassifiedDifferences")
            .into_iter()
            .map(|c| format!("{c} (unclassified)")),
    );
    Ok(Verdict {
        breaking: Some(!breaking.is_empty()),
        said,
    })
}

/// The first line of a tool's output, with the install folder written relative to the
/// checkout so the committed table names no machine's path.
fn first_line(text: &str, tools: &Path) -> String {
    let text = text.replace(&tools.display().to_string(), TOOLS_SHOWN);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output")
        .chars()
        .take(120)
        .collect()
}

/// Run the comparison and write the table to `out`.
pub fn run(root: &Path, out: &Path) -> Result<(), DiffError> {
    let tools = install_npm(root, PINS, "diff", "@useoptic/optic and openapi-diff")?;
    let standard = root.join(PINS).join("optic.yml");
    let folder = root.join(CATALOGUE);
    let mut cases: Vec<_> = std::fs::read_dir(&folder)
        .map_err(io_error(&folder))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let mut rows = String::new();
    let (mut optic_agrees, mut diff_agrees, mut optic_errors, mut diff_errors) = (0, 0, 0, 0);
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (us, op, od) = (
            ours(case)?,
            optic(&tools, &standard, case)?,
            openapi_diff(&tools, case)?,
        );
        let mark = |other: &Verdict, agrees: &mut usize, errors: &mut usize| match other.breaking {
            None => {
                *errors += 1;
                "–"
            }
            b if b == us.breaking => {
                *agrees += 1;
                "="
            }
            _ => "≠",
        };
        let (mo, md) = (
            mark(&op, &mut optic_agrees, &mut optic_errors),
            mark(&od, &mut diff_agrees, &mut diff_errors),
        );
        println!(
            "{name}: ours {:?}, optic {:?}, openapi-diff {:?}",
            us.breaking, op.breaking, od.breaking
        );
        let _ = writeln!(
            rows,
            "| `{name}` | {} | {mo} {} | {md} {} |",
            us.cell(),
            op.cell(),
            od.cell()
        );
    }
    let n = cases.len();
    let text = format!(
        "| case | gamespec | Optic 1.0.9 | openapi-diff 0.24.1 |\n| --- | --- | --- | --- |\n{rows}\n\
         Same verdict (breaking or not) as gamespec: Optic {optic_agrees}/{n} \
         ({optic_errors} errors), openapi-diff {diff_agrees}/{n} ({diff_errors} errors).\n"
    );
    std::fs::write(out, text).map_err(io_error(out))?;
    Ok(())
}
