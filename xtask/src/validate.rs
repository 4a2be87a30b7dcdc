//! `cargo xtask validate`: two independent OpenAPI validators over the specs.
//!
//! * `openapi-spec-validator` (PyPI), run once per file: exit 0 means the file is valid.
//! * `@stoplight/spectral-cli` (npm) with the built-in `spectral:oas` ruleset, run once per file
//!   with `-f json`; results of severity 0 are errors, 1 warnings, 2 infos, 3 hints.
//!
//! Both tools are pinned in `xtask/validators/` (`requirements.txt`, `package.json` +
//! `package-lock.json`, `.spectral.yaml`) and installed on demand under `target/validators/`:
//! a venv in `venv/` and an `npm ci --ignore-scripts` tree in `npm/`. Each install keeps a stamp
//! (a copy of the files it was installed from) and is redone only when those files change.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// Where the pinned tool versions are committed, relative to the workspace root.
const PINS: &str = "xtask/validators";
/// Where the tools are installed, relative to the workspace root.
const INSTALL: &str = "target/validators";
/// Written into an install directory after a successful install: the files it came from.
const STAMP: &str = ".gamespec-installed";
/// The Spectral entry point inside the npm install.
const SPECTRAL_JS: &str = "node_modules/@stoplight/spectral-cli/dist/index.js";
/// How much of a tool's message is shown (openapi-spec-validator can print the whole spec).
const MAX_MESSAGE: usize = 400;
/// What to do when `python3` cannot be started.
const NO_PYTHON: &str = "install Python 3 with its venv module and put python3 on PATH (Debian: apt-get install python3-venv)";
/// What to do when `node` or `npm` cannot be started.
const NO_NODE: &str = "install Node.js (>= 20) with npm and put node and npm on PATH";
/// What to do when an installed tool is broken.
const REINSTALL: &str = "delete target/validators to reinstall the validators";

/// What the validators found in one spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The file as shown in messages (relative to the root when it is inside it).
    pub shown: String,
    /// `None` when openapi-spec-validator accepted the file, else its (truncated) message.
    pub spec_validator_error: Option<String>,
    /// Spectral results by severity.
    pub spectral: SpectralCounts,
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
    /// Errors over all files and both tools (a rejected file counts one for the spec validator).
    pub fn errors(&self) -> usize {
        self.files
            .iter()
            .map(|f| usize::from(f.spec_validator_error.is_some()) + f.spectral.errors)
            .sum()
    }
}

/// A validator that could not be installed or run; nothing can be said about the specs.
#[derive(Debug)]
pub enum ValidateError {
    /// A program could not be started at all.
    NotFound { program: String, hint: &'static str },
    /// A step (install or tool run) failed or produced output that could not be understood.
    Failed {
        step: String,
        output: String,
        hint: &'static str,
    },
    /// A file or directory could not be read or written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for ValidateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidateError::NotFound { program, hint } => write!(f, "{program} not found: {hint}"),
            ValidateError::Failed { step, output, hint } => {
                write!(f, "{step} failed: {hint}")?;
                if !output.is_empty() {
                    write!(f, "\n{output}")?;
                }
                Ok(())
            }
            ValidateError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for ValidateError {}

/// Validate `files` (default: every `spec/*.yaml`) with both tools, installing them first if
/// needed. Relative paths are taken from the current directory, else from `root`.
///
/// Prints one line per file and tool on stdout (`spec/x.yaml: openapi-spec-validator OK`,
/// `spec/x.yaml: spectral: 0 errors, 12 warnings, 0 infos, 0 hints`), each error on stderr
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
    let spectral = install_spectral(root)?;
    let ruleset = root.join(PINS).join(".spectral.yaml");

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
        summary.files.push(FileReport {
            shown,
            spec_validator_error,
            spectral,
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
    let requirements = root.join(PINS).join("requirements.txt");
    let venv = root.join(INSTALL).join("venv");
    let python = venv.join("bin/python");
    ensure_installed(&venv, &[&requirements], "openapi-spec-validator", || {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        checked(
            create,
            "python3",
            NO_PYTHON,
            "python3 -m venv target/validators/venv",
            NO_PYTHON,
        )?;
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements);
        let step = "pip install -r xtask/validators/requirements.txt";
        checked(
            pip,
            "the venv's python",
            REINSTALL,
            step,
            "check access to PyPI and the pins",
        )
    })?;
    Ok(python)
}

/// Ensure `npm ci` has installed Spectral; returns its entry script (run with `node`).
fn install_spectral(root: &Path) -> Result<PathBuf, ValidateError> {
    let pins = root.join(PINS);
    let (manifest, lock) = (pins.join("package.json"), pins.join("package-lock.json"));
    let dir = root.join(INSTALL).join("npm");
    ensure_installed(&dir, &[&manifest, &lock], "@stoplight/spectral-cli", || {
        for from in [&manifest, &lock] {
            let to = dir.join(from.file_name().expect("a file name"));
            std::fs::copy(from, &to).map_err(io_error(&to))?;
        }
        let mut npm = Command::new("npm");
        npm.args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(&dir)
        .env("SCARF_ANALYTICS", "false");
        let step = "npm ci in target/validators/npm";
        checked(
            npm,
            "npm",
            NO_NODE,
            step,
            "check access to the npm registry and the lock file",
        )
    })?;
    Ok(dir.join(SPECTRAL_JS))
}

/// Run `install` into a fresh `dir` unless the stamp there matches the current `inputs`.
fn ensure_installed(
    dir: &Path,
    inputs: &[&Path],
    what: &str,
    install: impl FnOnce() -> Result<(), ValidateError>,
) -> Result<(), ValidateError> {
    let mut stamp = Vec::new();
    for input in inputs {
        stamp.extend(format!("== {}\n", input.display()).bytes());
        stamp.extend(std::fs::read(input).map_err(io_error(input))?);
    }
    let stamp_path = dir.join(STAMP);
    if std::fs::read(&stamp_path).is_ok_and(|old| old == stamp) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io_error(dir))?;
    }
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    eprintln!("installing {what} into {} ...", dir.display());
    let started = Instant::now();
    install()?;
    std::fs::write(&stamp_path, stamp).map_err(io_error(&stamp_path))?;
    eprintln!("installed {what} in {:.1?}", started.elapsed());
    Ok(())
}

/// Run `command` (`program`; `missing` says what to do if it cannot be started) and fail with
/// `step`, `hint` and the end of its output on a non-zero exit.
fn checked(
    command: Command,
    program: &str,
    missing: &'static str,
    step: &str,
    hint: &'static str,
) -> Result<(), ValidateError> {
    let out = output(command, program, missing)?;
    if out.status.success() {
        return Ok(());
    }
    let text = combined(&out);
    // Installers put the reason last.
    let cut = text.len().saturating_sub(2000);
    let cut = (cut..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let step = format!("{step} ({})", out.status);
    Err(ValidateError::Failed {
        step,
        output: text[cut..].to_owned(),
        hint,
    })
}

/// Run `command` to completion, capturing its output; `hint` says what to do if `program`
/// cannot be started.
fn output(
    mut command: Command,
    program: &str,
    hint: &'static str,
) -> Result<Output, ValidateError> {
    command.output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => ValidateError::NotFound {
            program: program.to_owned(),
            hint,
        },
        _ => ValidateError::Failed {
            step: format!("starting {program}"),
            output: error.to_string(),
            hint,
        },
    })
}

/// A process's stdout followed by its stderr.
fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Turns an I/O error on `path` into a [`ValidateError`].
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ValidateError {
    let path = path.to_path_buf();
    move |error| ValidateError::Io { path, error }
}

/// openapi-spec-validator on one file: `None` if valid, else its message, truncated.
fn spec_validator(python: &Path, spec: &Path) -> Result<Option<String>, ValidateError> {
    let mut command = Command::new(python);
    command.args(["-m", "openapi_spec_validator"]).arg(spec);
    let out = output(command, "the venv's python", REINSTALL)?;
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
    let out = output(command, "node", NO_NODE)?;
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
                let source = r["source"].as_str().map_or(spec, Path::new);
                let start = &r["range"]["start"];
                eprintln!(
                    "{}:{}:{}: spectral {}: {}",
                    source.strip_prefix(root).unwrap_or(source).display(),
                    start["line"].as_u64().unwrap_or(0) + 1,
                    start["character"].as_u64().unwrap_or(0) + 1,
                    r["code"].as_str().unwrap_or("?"),
                    r["message"].as_str().unwrap_or("")
                );
            }
            Some(1) => counts.warnings += 1,
            Some(2) => counts.infos += 1,
            _ => counts.hints += 1,
        }
    }
    Ok(counts)
}

/// At most [`MAX_MESSAGE`] characters of `text`, marking a cut.
fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let root = gamespec_codegen::api::workspace_root();
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
