//! `cargo xtask diff`: picks the two versions (git base and working tree per registered API, or
//! two files), compares them, applies the version gate and writes the reports.

use std::path::{Path, PathBuf};
use std::time::Instant;

use gamespec_spec::load::{Document, parse};
use gamespec_spec::registry::{Api, apis};

use super::gate::{self, Verdict, Version};
use super::report::{self, ApiDiff, Snapshots};

/// Where the conformance crate's request- and response-shape snapshots are, relative to the root.
const SNAPSHOTS: &str = "conformance/tests/snapshots";
use super::rules::{RULES, Severity};
use super::source::{self, DefaultBase, SourceError};
use super::{Finding, compare, rules};
use crate::error::{ToolError, io_error};

/// Arguments of `cargo xtask diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A git ref to compare the working tree with (default: the merge base with `main`, or
    /// `HEAD` when on `main`).
    #[arg(conflicts_with_all = ["old", "new"])]
    pub base: Option<String>,
    /// An older spec file: compare it with `--new` instead of git versions.
    #[arg(long, requires = "new")]
    pub old: Option<PathBuf>,
    /// The newer spec file (with `--old`).
    #[arg(long, requires = "old")]
    pub new: Option<PathBuf>,
    /// Only this registered API (default: all).
    #[arg(long)]
    pub api: Option<String>,
    /// Also write a Markdown report (to paste into a review).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Also write the findings as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Print a drafted CHANGELOG.md entry per client crate instead of the findings.
    #[arg(long)]
    pub changelog: bool,
    /// List the rules (id, severity per reader, why) and exit.
    #[arg(long)]
    pub rules: bool,
    /// Run the catalogue (xtask/tests/diff-catalogue) through Optic and openapi-diff (npm, pinned
    /// in xtask/validators/diff) and write the agreement table to this Markdown file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["base", "old", "new"])]
    pub compare_tools: Option<PathBuf>,
}

/// Why there is nothing to report: the input cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// git could not give the old version.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A spec does not load (syntax, model, unresolved `$ref`).
    #[error("{0}")]
    Load(String),
    /// A file could not be read or written, or an outside tool failed (the xtask's own error).
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// Arguments that cannot work.
    #[error("{0}")]
    Usage(String),
}

fn load(label: &str, text: &str) -> Result<Document, DiffError> {
    let doc = parse(Path::new(label), text).map_err(|e| DiffError::Load(e.to_string()))?;
    if let Some(e) = doc.unresolved_refs().into_iter().next() {
        return Err(DiffError::Load(e.to_string()));
    }
    Ok(doc)
}

/// Run the command; `Ok(true)` when the gate fails (breaking changes nothing accounts for).
pub fn run(root: &Path, args: &Args) -> Result<bool, DiffError> {
    if args.rules {
        for r in RULES {
            println!(
                "{:<40} {:<8} wire {:<8} rust {:<8} server {:<8} {}",
                r.id,
                r.severity().label(),
                r.wire.label(),
                r.rust.label(),
                r.server.label(),
                r.why
            );
        }
        return Ok(false);
    }
    if let Some(out) = &args.compare_tools {
        super::agreement::run(root, out)?;
        return Ok(false);
    }
    let diffs = match (&args.old, &args.new) {
        (Some(old), Some(new)) => vec![files(old, new)?],
        _ => {
            let selected: Vec<&Api> = match &args.api {
                Some(name) => {
                    let found = Api::named(name).ok_or_else(|| {
                        DiffError::Usage(format!("no API named {name} in spec/registry.toml"))
                    })?;
                    vec![found]
                }
                None => apis().iter().collect(),
            };
            let (rev, chosen) = match &args.base {
                Some(base) => (source::resolve(root, base)?, base.clone()),
                None => match source::default_base(root) {
                    DefaultBase::Commit { rev, chosen } => (rev, chosen),
                    DefaultBase::Nothing(why) => {
                        println!("diff: nothing compared: {why}");
                        return Ok(false);
                    }
                },
            };
            selected
                .into_iter()
                .map(|api| from_git(root, api, &rev, &chosen))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    if args.changelog {
        print!("{}", report::changelog(&diffs));
    } else {
        print!("{}", report::console(&diffs));
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, report::markdown(&diffs)).map_err(io_error(path))?;
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report::json(&diffs))
            .map_err(|e| DiffError::Usage(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(io_error(path))?;
    }
    let failing: Vec<&ApiDiff> = diffs.iter().filter(|d| d.verdict.fails()).collect();
    for d in &failing {
        if let Verdict::Unaccounted(why) = &d.verdict {
            let named: Vec<String> = d
                .findings
                .iter()
                .filter(|f| f.severity() == Severity::Breaking)
                .map(|f| format!("{} ({})", f.message, f.rule.id))
                .collect();
            eprintln!("diff: {}: {why}:", d.api);
            for n in named {
                eprintln!("    {n}");
            }
        }
    }
    Ok(!failing.is_empty())
}

fn files(old: &Path, new: &Path) -> Result<ApiDiff, DiffError> {
    let started = Instant::now();
    let read = |p: &Path| std::fs::read_to_string(p).map_err(io_error(p));
    let o = load(&old.display().to_string(), &read(old)?)?;
    let n = load(&new.display().to_string(), &read(new)?)?;
    let findings = compare(&o.value, &n.value);
    let breaking = findings
        .iter()
        .filter(|f| f.severity() == Severity::Breaking)
        .count();
    let verdict = if breaking == 0 {
        Verdict::NothingBreaking
    } else {
        Verdict::Unaccounted(format!(
            "{breaking} breaking change(s) between two files (no crate version accounts for them)"
        ))
    };
    Ok(ApiDiff {
        api: "files".into(),
        compared: format!("{} → {}", old.display(), new.display()),
        findings,
        verdict,
        versions: (None, None),
        changelog_file: None,
        snapshots: Vec::new(),
        elapsed: started.elapsed(),
    })
}

fn from_git(root: &Path, api: &Api, rev: &str, chosen: &str) -> Result<ApiDiff, DiffError> {
    let started = Instant::now();
    let spec = api.spec_file();
    let new_path = root.join(&spec);
    let new_text = std::fs::read_to_string(&new_path).map_err(io_error(&new_path))?;
    let compared = format!("{spec} at {} ({chosen}) → working tree", source::short(rev));
    let old_text = source::show(root, rev, &spec)?;
    // The two versions load on two threads: loading is most of the time a comparison takes.
    let old_label = format!("{}:{spec}", source::short(rev));
    let (old, new) = std::thread::scope(|s| {
        let old = s.spawn(|| old_text.as_deref().map(|t| load(&old_label, t)).transpose());
        let new = load(&spec, &new_text);
        let old = old
            .join()
            .unwrap_or_else(|_| Err(DiffError::Load(format!("{old_label}: loading failed"))));
        (old, new)
    });
    let new = new?;
    let findings = match old? {
        Some(old) => compare(&old.value, &new.value),
        None => rules::rule("api-added")
            .map(|rule| Finding {
                rule,
                operation: None,
                route: None,
                parameter: None,
                pointer: String::new(),
                message: format!("{spec} is new since {}", source::short(rev)),
            })
            .into_iter()
            .collect(),
    };
    let manifest = api.client.as_ref().map(|c| format!("{c}/Cargo.toml"));
    let changelog_file = api.client.as_ref().map(|c| format!("{c}/CHANGELOG.md"));
    let old_version = match &manifest {
        Some(m) => source::show(root, rev, m)?.and_then(|t| gate::crate_version(&t)),
        None => None,
    };
    let new_version = manifest
        .as_ref()
        .and_then(|m| std::fs::read_to_string(root.join(m)).ok())
        .and_then(|t| gate::crate_version(&t));
    let changelog = changelog_file
        .as_ref()
        .and_then(|c| std::fs::read_to_string(root.join(c)).ok());
    let breaking = findings
        .iter()
        .filter(|f| f.severity() == Severity::Breaking)
        .count();
    let verdict = gate::decide(
        breaking,
        old_version.as_ref(),
        new_version.as_ref(),
        changelog.as_deref(),
        changelog_file.as_deref().unwrap_or("CHANGELOG.md"),
    );
    let mut snapshots: Vec<Snapshots> = Vec::new();
    for op in findings.iter().filter_map(|f| f.operation.as_deref()) {
        if snapshots.iter().any(|s| s.operation == op) {
            continue;
        }
        let existing = |file: String| root.join(&file).is_file().then_some(file);
        snapshots.push(Snapshots {
            operation: op.to_owned(),
            request: existing(format!("{SNAPSHOTS}/{}__{op}.snap", api.name)),
            response: existing(format!(
                "{SNAPSHOTS}/response_shapes__{}__{op}.snap",
                api.name
            )),
        });
    }
    Ok(ApiDiff {
        api: api.name.clone(),
        compared,
        findings,
        verdict,
        versions: (
            old_version.map(|v: Version| v.text),
            new_version.map(|v| v.text),
        ),
        changelog_file,
        snapshots,
        elapsed: started.elapsed(),
    })
}
