//! `cargo xtask languages`: clients in other languages, generated from each registered API's spec
//! by independent generators, compiled strictly, and called against the conformance mock.
//!
//! For every registered API with a client crate, and each language:
//! * **TypeScript** ([`typescript`]): openapi-typescript types + an openapi-fetch smoke program
//!   written from the plan, compiled with `tsc --strict`, run with node;
//! * **Python** ([`python`]): openapi-python-client with `--fail-on-warning`, imported, checked
//!   with `mypy --strict`, and driven by `xtask/validators/languages/python/smoke.py`;
//! * **Java** ([`java`]): openapi-generator (the jar from the PyPI package) with the `native`
//!   library, compiled with `javac`, and driven by `xtask/validators/languages/java/Smoke.java`.
//!
//! Every smoke program runs the same plan ([`plan`]): a login through the generated client, then
//! every plain JSON read the spec lets it fill in, each answer checked to decode into the
//! generated models. Tools are pinned in `xtask/validators/languages/` and installed under
//! `target/validators/` on first use; output goes to `target/languages/<lang>/<api>/`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use gamespec_spec::registry::{Api, apis};

use crate::error::{ToolError, io_error};
use crate::mock;

mod java;
mod java_input;
mod plan;
mod python;
mod typescript;

/// The pins and committed per-language configuration, relative to the workspace root.
pub const PINS: &str = "xtask/validators/languages";
/// Where generated clients and reports go, relative to the workspace root.
pub const OUT: &str = "target/languages";

/// The languages, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Language {
    /// openapi-typescript + openapi-fetch.
    Typescript,
    /// openapi-python-client.
    Python,
    /// openapi-generator, `java` with the `native` library.
    Java,
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Typescript => "typescript",
            Language::Python => "python",
            Language::Java => "java",
        })
    }
}

/// `cargo xtask languages` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: every registered API with a client crate).
    #[arg(long, value_parser = api_names())]
    pub api: Option<String>,
    /// Only these languages (default: all).
    #[arg(long = "language", value_enum)]
    pub languages: Vec<Language>,
}

fn api_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str()))
}

/// What one language's client of one API came to.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Warnings the generator printed.
    pub warnings: usize,
    /// Errors of the compile or type-check steps.
    pub compile_errors: usize,
    /// Whether the plan has a login (an API without a session scheme has none).
    pub login: bool,
    /// Whether the login through the generated client gave a session.
    pub session: bool,
    /// Planned calls (besides the login).
    pub calls: usize,
    /// Of those, answered and decoded into the generated models.
    pub decoded: usize,
    /// Seconds the language took for this API (generate, compile, smoke).
    pub seconds: f64,
}

impl Report {
    /// Whether anything is wrong.
    pub fn clean(&self) -> bool {
        self.warnings == 0
            && self.compile_errors == 0
            && (self.session || !self.login)
            && self.decoded == self.calls
    }
}

/// What one language run for one API gets to work with.
pub struct Context<'a> {
    /// The workspace root.
    pub root: &'a Path,
    /// The API.
    pub api: &'a Api,
    /// Its spec file.
    pub spec: PathBuf,
    /// Its spec as JSON, as read from that file.
    pub document: &'a serde_json::Value,
    /// Its smoke plan (`target/languages/<api>/plan.json`).
    pub plan: PathBuf,
    /// Where this language's client goes (`target/languages/<lang>/<api>/`), emptied first.
    pub out: PathBuf,
    /// The mock's base URL.
    pub base_url: &'a str,
}

/// Run every selected language for every selected API; one report per (api, language).
pub fn run(root: &Path, args: &Args) -> Result<Vec<(String, Language, Report)>, ToolError> {
    let mut languages = args.languages.clone();
    if languages.is_empty() {
        languages = vec![Language::Typescript, Language::Python, Language::Java];
    }
    languages.sort();
    languages.dedup();
    let selected: Vec<&Api> = apis()
        .iter()
        .filter(|a| a.client.is_some())
        .filter(|a| args.api.as_deref().is_none_or(|n| n == a.name))
        .collect();
    if selected.is_empty() {
        return Err(ToolError::Usage(
            "no registered API with a client crate is selected".into(),
        ));
    }
    let exe = mock::build_mock(root, false)?;
    let mut reports = Vec::new();
    for api in selected {
        for &language in &languages {
            let out = root.join(OUT).join(language.to_string()).join(&api.name);
            if out.exists() {
                std::fs::remove_dir_all(&out).map_err(io_error(&out))?;
            }
            std::fs::create_dir_all(&out).map_err(io_error(&out))?;
            // A fresh mock per language: the mock gives a private resource (`x-private`) to
            // the first player that uses it, and each smoke program starts its own session.
            let dir = root.join(OUT).join(&api.name).join(language.to_string());
            let (spec, mock) = mock::serve_api(root, &exe, api, &dir)?;
            let plan = plan::build(api, &spec, &mock.credentials);
            let plan_path = dir.join("plan.json");
            let text = serde_json::to_string_pretty(&plan).unwrap_or_default();
            std::fs::write(&plan_path, text).map_err(io_error(&plan_path))?;
            let context = Context {
                root,
                api,
                spec: api.spec_path(root),
                document: &spec.root,
                plan: plan_path.clone(),
                out,
                base_url: &mock.url,
            };
            let started = Instant::now();
            eprintln!("== {language} / {}", api.name);
            let mut report = match language {
                Language::Typescript => typescript::run(&context)?,
                Language::Python => python::run(&context)?,
                Language::Java => java::run(&context)?,
            };
            report.seconds = started.elapsed().as_secs_f64();
            report.login = !plan["login"].is_null();
            println!("{}", line(&api.name, language, &report));
            reports.push((api.name.clone(), language, report));
        }
    }
    Ok(reports)
}

/// The summary line of one report.
pub fn line(api: &str, language: Language, r: &Report) -> String {
    format!(
        "{language:<10} {api:<11} generator warnings {}, compile errors {}, session {}, smoke calls {}/{} decoded ({:.0} s)",
        r.warnings,
        r.compile_errors,
        match (r.login, r.session) {
            (false, _) => "not needed",
            (true, true) => "ok",
            (true, false) => "FAILED",
        },
        r.decoded,
        r.calls,
        r.seconds
    )
}

/// The JSON summary line a smoke program prints last: `{"session", "calls", "decoded"}`.
pub fn smoke_summary(stdout: &str, report: &mut Report) -> Result<(), ToolError> {
    let summary = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .ok_or_else(|| {
            ToolError::failed(
                "reading the smoke program's summary",
                stdout,
                "see its output above",
            )
        })?;
    let count = |key: &str| {
        summary[key]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    report.session = summary["session"].as_bool().unwrap_or(false);
    report.calls = count("calls");
    report.decoded = count("decoded");
    Ok(())
}

/// `PATH` with `dir` in front (tools that call their siblings, like ruff from the venv).
pub fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(old) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&old));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// The first `max` lines of `text` that satisfy `keep`, for showing findings.
pub fn show(text: &str, keep: impl Fn(&str) -> bool, max: usize) {
    for line in text.lines().filter(|l| keep(l)).take(max) {
        eprintln!("  {line}");
    }
}

/// Counts of `text`'s lines by a classifier, for reports.
pub fn count_lines(text: &str, is: impl Fn(&str) -> bool) -> usize {
    text.lines().filter(|l| is(l)).count()
}
