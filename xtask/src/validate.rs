//! `cargo xtask validate`: three independent OpenAPI validators over the specs.
//!
//! * `openapi-spec-validator` (PyPI), run once per file: exit 0 means the file is valid.
//! * `@stoplight/spectral-cli` (npm) with the built-in `spectral:oas` ruleset, run once per file
//!   with `-f json`; results of severity 0 are errors, 1 warnings, 2 infos, 3 hints.
//! * `@redocly/cli` (npm) `lint` with its `recommended` ruleset (`redocly.yaml`), run once per
//!   file with `--format=json`, telemetry off.
//!
//! Errors and warnings of every tool count (exit 1). The warnings the specs' true shapes raise
//! are listed occurrence by occurrence, each with its reason, in the committed rule files
//! (`.spectral.yaml` overrides, `.redocly.lint-ignore.yaml`); a new occurrence is reported.
//!
//! The tools are pinned in `xtask/validators/` (`requirements.txt`, `package.json` +
//! `package-lock.json`, `.spectral.yaml`, `redocly.yaml`) and installed on demand under `target/validators/`:
//! a venv in `venv/` and an `npm ci --ignore-scripts` tree in `npm/`, by the shared installer in
//! [`crate::install`] (each install keeps a stamp and is redone only when its pins change).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::{self, ToolError, io_error};
use crate::install::{self, NO_NODE, PINS, REINSTALL};
use crate::process::{self, combined};

/// The Spectral entry point inside the npm install.
const SPECTRAL_JS: &str = "node_modules/@stoplight/spectral-cli/dist/index.js";
/// The Redocly CLI entry point inside the npm install.
pub const REDOCLY_JS: &str = "node_modules/@redocly/cli/bin/cli.js";
/// How much of a tool's message is shown (openapi-spec-validator can print the whole spec).
const MAX_MESSAGE: usize = 400;
/// Longest one validator run on one file may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// What the validators found in one spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file as shown in messages (relative to the root when it is inside it).
    pub shown: String,
    /// `None` when openapi-spec-validator accepted the file, else its (truncated) message.
    pub spec_validator_error: Option<String>,
    /// Spectral results by severity.
    pub spectral: SpectralCounts,
    /// Redocly lint results.
    pub redocly: RedoclyCounts,
}

/// Redocly lint result counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedoclyCounts {
    pub errors: usize,
    pub warnings: usize,
    /// Occurrences listed (with their reason) in `.redocly.lint-ignore.yaml`.
    pub ignored: usize,
}

/// Spectral result counts by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpectralCounts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
}

/// The outcome of [`run`]: one report per file, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<FileReport>,
}

impl Summary {
    /// Errors and warnings over all files and tools (a rejected file counts one for the spec
    /// validator).
    pub fn errors(&self) -> usize {
        self.files
            .iter()
            .map(|f| {
                usize::from(f.spec_validator_error.is_some())
                    + f.spectral.errors
                    + f.spectral.warnings
                    + f.redocly.errors
                    + f.redocly.warnings
            })
            .sum()
    }
}

/// A validator that could not be installed or run; nothing can be said about the specs.
pub type ValidateError = ToolError;

/// Validate `files` (default: every `spec/*.yaml`) with both tools, installing them first if
/// needed. Relative paths are taken from the current directory, else from `root`.
///
/// Prints one line per file and tool on stdout (`spec/x.yaml: openapi-spec-validator OK`,
/// `spec/x.yaml: spectral: 0 errors, 12 warnings, 0 infos, 0 hints`, `spec/x.yaml: redocly: 0
/// errors, 0 warnings (3 listed in .redocly.lint-ignore.yaml)`), each error and warning on stderr
/// (`file:line:col: spectral <code>: <message>`), and install progress on stderr.
/// `Err` means a tool could not be installed or run (exit 2); otherwise [`Summary::errors`]
/// tells whether the specs passed (0: exit 0) or not (exit 1).
pub fn run(root: &Path, files: &[PathBuf]) -> Result<Summary, ValidateError> {
    let files = match files {
        [] => default_specs(root)?,
        given => given
            .iter()
            .map(|f| if f.is_file() { f.clone() } else { root.join(f) })
            .collect(),
    };
    if let Some(missing) = files.iter().find(|f| !f.is_file()) {
        let error = std::io::Error::new(std::io::ErrorKind::NotFound, "no such spec file");
        return Err(io_error(missing)(error));
    }
    let python = install_spec_validator(root)?;
    let npm = install_npm_tools(root)?;
    let spectral = npm.join(SPECTRAL_JS);
    let ruleset = root.join(PINS).join(".spectral.yaml");
    let redocly = npm.join(REDOCLY_JS);
    let redocly_config = root.join(PINS).join("redocly.yaml");

    let mut summary = Summary::default();
    for path in files {
        let shown = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let spec_validator_error = spec_validator(&python, &path)?;
        match &spec_validator_error {
            None => println!("{shown}: openapi-spec-validator OK"),
            Some(message) => {
                eprintln!("{shown}: openapi-spec-validator: {message}");
                println!("{shown}: openapi-spec-validator: 1 error");
            }
        }
        let spectral = spectral_lint(&spectral, &ruleset, &path, root)?;
        let SpectralCounts {
            errors,
            warnings,
            infos,
            hints,
        } = spectral;
        println!(
            "{shown}: spectral: {errors} errors, {warnings} warnings, {infos} infos, {hints} hints"
        );
        let redocly = redocly_lint(&redocly, &redocly_config, &path, root)?;
        println!(
            "{shown}: redocly: {} errors, {} warnings ({} listed in .redocly.lint-ignore.yaml)",
            redocly.errors, redocly.warnings, redocly.ignored
        );
        summary.files.push(FileReport {
            shown,
            spec_validator_error,
            spectral,
            redocly,
        });
    }
    Ok(summary)
}

/// Every `spec/*.yaml` (complete specs; `spec/parts/` holds fragments), sorted.
fn default_specs(root: &Path) -> Result<Vec<PathBuf>, ValidateError> {
    let dir = root.join("spec");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(io_error(&dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Ensure the venv with openapi-spec-validator exists; returns its Python interpreter.
fn install_spec_validator(root: &Path) -> Result<PathBuf, ValidateError> {
    let requirements = format!("{PINS}/requirements.txt");
    install::install_venv(root, &requirements, "venv", "openapi-spec-validator")
}

/// Ensure `npm ci` has installed Spectral and Redocly; returns the install folder.
pub fn install_npm_tools(root: &Path) -> Result<PathBuf, ValidateError> {
    install::install_npm(root, PINS, "npm", "@stoplight/spectral-cli, @redocly/cli")
}

/// openapi-spec-validator on one file: `None` if valid, else its message, truncated.
fn spec_validator(python: &Path, spec: &Path) -> Result<Option<String>, ValidateError> {
    let mut command = Command::new(python);
    command.args(["-m", "openapi_spec_validator"]).arg(spec);
    let step = format!("openapi-spec-validator {}", spec.display());
    let out = process::output(command, "the venv's python", REINSTALL, &step, RUN_TIMEOUT)?;
    if out.status.success() {
        return Ok(None);
    }
    let text = combined(&out);
    if text.contains("Traceback (most recent call last)") {
        let step = format!(
            "openapi-spec-validator on {} ({})",
            spec.display(),
            out.status
        );
        return Err(ValidateError::Failed {
            step,
            output: truncate(&text),
            hint: REINSTALL,
        });
    }
    // The message starts with "<path>: "; the caller shows the path.
    let text = text.trim();
    let message = text
        .strip_prefix(&format!("{}: ", spec.display()))
        .unwrap_or(text);
    Ok(Some(truncate(message)))
}

/// Spectral (`spectral:oas`) on one file: prints each error, returns the counts.
fn spectral_lint(
    script: &Path,
    ruleset: &Path,
    spec: &Path,
    root: &Path,
) -> Result<SpectralCounts, ValidateError> {
    let mut command = Command::new("node");
    command
        .arg(script)
        .args(["lint", "-f", "json", "--quiet", "--ruleset"])
        .arg(ruleset)
        .arg(spec);
    command.env("SCARF_ANALYTICS", "false");
    let step = format!("spectral lint {}", spec.display());
    let out = process::output(command, "node", NO_NODE, &step, RUN_TIMEOUT)?;
    let results: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).map_err(|_| ValidateError::Failed {
            step: format!("spectral lint {} ({})", spec.display(), out.status),
            output: truncate(&combined(&out)),
            hint: REINSTALL,
        })?;
    let mut counts = SpectralCounts::default();
    for r in &results {
        match r["severity"].as_u64() {
            Some(0) => {
                counts.errors += 1;
                print_result(r, spec, root, "error");
            }
            Some(1) => {
                counts.warnings += 1;
                print_result(r, spec, root, "warning");
            }
            Some(2) => counts.infos += 1,
            _ => counts.hints += 1,
        }
    }
    Ok(counts)
}

/// One Spectral result on stderr: `file:line:col: spectral <severity> <code>: <message>`.
fn print_result(r: &serde_json::Value, spec: &Path, root: &Path, severity: &str) {
    let source = r["source"].as_str().map_or(spec, Path::new);
    let start = &r["range"]["start"];
    eprintln!(
        "{}:{}:{}: spectral {severity} {}: {}",
        source.strip_prefix(root).unwrap_or(source).display(),
        start["line"].as_u64().unwrap_or(0) + 1,
        start["character"].as_u64().unwrap_or(0) + 1,
        r["code"].as_str().unwrap_or("?"),
        r["message"].as_str().unwrap_or("")
    );
}

/// Redocly `lint` (the `recommended` ruleset through `redocly.yaml`) on one file: prints each
/// problem, returns the counts.
fn redocly_lint(
    script: &Path,
    config: &Path,
    spec: &Path,
    root: &Path,
) -> Result<RedoclyCounts, ValidateError> {
    let mut command = Command::new("node");
    command
        .arg(script)
        .args(["lint", "--format=json", "--config"])
        .arg(config)
        .arg(spec)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    let step = format!("redocly lint {}", spec.display());
    let out = process::output(command, "node", NO_NODE, &step, RUN_TIMEOUT)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The JSON report is the stdout from its first `{`.
    let report: serde_json::Value = stdout
        .find('{')
        .and_then(|at| serde_json::from_str(&stdout[at..]).ok())
        .ok_or_else(|| ValidateError::Failed {
            step: format!("redocly lint {} ({})", spec.display(), out.status),
            output: truncate(&combined(&out)),
            hint: REINSTALL,
        })?;
    let count = |key: &str| {
        report["totals"][key]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    let shown = spec
        .strip_prefix(root)
        .unwrap_or(spec)
        .display()
        .to_string();
    for problem in report["problems"].as_array().into_iter().flatten() {
        let pointer = problem["location"][0]["pointer"].as_str().unwrap_or("");
        eprintln!(
            "{shown}{pointer}: redocly {} {}: {}",
            problem["severity"].as_str().unwrap_or("?"),
            problem["ruleId"].as_str().unwrap_or("?"),
            problem["message"].as_str().unwrap_or("")
        );
    }
    Ok(RedoclyCounts {
        errors: count("errors"),
        warnings: count("warnings"),
        ignored: count("ignored"),
    })
}

/// At most [`MAX_MESSAGE`] characters of `text`, marking a cut.
fn truncate(text: &str) -> String {
    error::truncate(text, MAX_MESSAGE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn truncates_long_messages() {
        assert_eq!(truncate("short"), "short");
        let long = "x".repeat(1000);
        assert!(truncate(&long).starts_with(&"x".repeat(MAX_MESSAGE)));
        assert!(truncate(&long).ends_with("(600 more bytes)"));
    }

    /// Installs the pinned tools (network: PyPI, npm) and validates the two specs.
    #[test]
    #[ignore = "installs validators from PyPI and npm"]
    fn validates_the_specs() {
        let root = gamespec_spec::registry::workspace_root();
        let files = [
            PathBuf::from("spec/lootlocker-game.yaml"),
            PathBuf::from("spec/xsolla-login.yaml"),
        ];
        let started = Instant::now();
        let summary = run(&root, &files).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{summary:#?}\ntook {:.1?}", started.elapsed());
        assert_eq!(summary.files.len(), 2);
    }
}
