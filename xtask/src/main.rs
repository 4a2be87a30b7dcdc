//! Project automation, in Rust instead of shell scripts: `cargo xtask <command>`.
//!
//! Exit codes: 0 success; 1 findings (lint problems, stale generated files); 2 a spec or an
//! argument that cannot be used at all.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod bench;
mod bench_build;
mod bench_conformance;
mod bench_fuzz;
mod conformance;
mod diff;
mod docs;
mod error;
mod feature_builds;
mod install;
mod languages;
mod mock;
mod mutation;
mod process;
mod schemathesis;
mod validate;
mod vendor_drift;
mod vendor_sdk;
use gamespec_codegen::drift::{Stale, compare};
use gamespec_codegen::generate::{Rendered, render};
use gamespec_codegen::lint::{Finding, lint, rules};
use gamespec_spec::load::{Document, LoadError, load_checked};
use gamespec_spec::registry::{Api, apis, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "gamespec project automation", version)]
struct Cli {
    /// Workspace root to operate on (default: this checkout).
    #[arg(long, global = true, hide = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance suite: every operation of each spec against its embedded mock (or
    /// --base-url, or --prism), reports in target/conformance/<api>/. The main job.
    Conformance(conformance::Args),
    /// Regenerate every client crate's generated sources from its spec.
    Generate {
        /// Only this API (default: all).
        #[arg(long, value_parser = api_names())]
        api: Option<String>,
    },
    /// Lint the specs and fail if committed generated sources are stale (what CI runs).
    Check {
        /// Only this API (default: all).
        #[arg(long, value_parser = api_names())]
        api: Option<String>,
    },
    /// Lint specs: the registered APIs, or the given files.
    Lint {
        /// Spec files to lint instead of the registered APIs.
        files: Vec<PathBuf>,
    },
    /// Validate specs with independent tools (openapi-spec-validator, Spectral `spectral:oas`),
    /// installed on demand into target/validators from the pins in xtask/validators.
    Validate {
        /// Spec files (default: every spec/*.yaml).
        files: Vec<PathBuf>,
    },
    /// Offline HTML reference docs (Redocly, inlined) and single-file YAML/JSON bundles of each
    /// spec into target/docs, checked with headless Chromium to render their operations offline.
    Docs,
    /// List the lint rules with their codes.
    Rules,
    /// Generate TypeScript, Python and Java clients of each API with a client crate (pinned
    /// generators, xtask/validators/languages), compile them strictly and run a smoke program
    /// per language against the mock; output in target/languages.
    Languages(languages::Args),
    /// Run Schemathesis (PyPI, pinned in xtask/validators/schemathesis) against the conformance
    /// mock, or against --base-url, for each spec; exit 1 on any failure.
    Schemathesis(schemathesis::Args),
    /// The conformance runner's mutation score beside Schemathesis's: both tools against the
    /// mock with each fault kind injected on every operation it applies to (`conformance mock
    /// --fault`), same operations, one run; table in target/mutation-schemathesis/score.md.
    MutationSchemathesis(mutation::Args),
    /// Benchmark the conformance mock against Prism (npm, pinned in xtask/validators/prism)
    /// serving the same spec: requests/s and latency percentiles, with oha as load generator.
    BenchMock(bench::Args),
    /// Every change between two versions of each spec (the merge base with main, a git ref, or
    /// --old/--new files), with a rule id, severity per reader and location; exit 1 on breaking
    /// changes the client crate's version and changelog do not account for.
    Diff(diff::command::Args),
    /// Benchmark the conformance runner against Schemathesis: test cases/s of each against the
    /// same release-built mock, same seed, examples and workers, as a ratio.
    BenchConformance(bench_conformance::Args),
    /// Compare each spec with the committed extract of its vendor's SDK endpoint tables
    /// (spec/inventory/vendor/); exit 1 on a difference the sdk-drift file does not explain.
    Drift {
        /// Only this API (default: all with an extract).
        #[arg(long, value_parser = api_names())]
        api: Option<String>,
    },
    /// Run each vendor's official client library (pinned in xtask/validators/vendor-sdk: Xsolla's
    /// Login JS SDK under jsdom) against the mock through every public method that sends a
    /// request; each call must get a documented 2xx. Reports in target/vendor-sdk.
    VendorSdk(vendor_sdk::Args),
    /// Benchmark the runner's fuzz mode against a plain load generator (oha, pinned): sustained
    /// cases/s of `conformance run --fuzz` beside oha's requests/s on the same release mock.
    BenchFuzz(bench_fuzz::Args),
    /// Build each client crate alone (dependencies built): the crate before the feature split
    /// (--base, default the merge base with main), after with every feature, and with only the
    /// registry's bench_build_tags, median of --runs; table in target/bench-build/report.md.
    BenchBuild(bench_build::Args),
    /// `cargo check` each client crate with no tag, single tags (--each-tag: every tag), the
    /// registry's bench_build_tags together, and every tag; exit 1 on an error or a warning.
    CheckFeatures(feature_builds::Args),
}

fn api_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str()))
}

/// How bad the worst outcome of a command was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Clean = 0,
    Findings = 1,
    Unusable = 2,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(workspace_root);
    let outcome = match cli.command {
        Command::Generate { api } => generate(&root, selected(api.as_deref())),
        Command::Check { api } => check(&root, selected(api.as_deref())),
        Command::Lint { files } if !files.is_empty() => files
            .iter()
            .map(|f| lint_file(f, &f.display().to_string()))
            .max()
            .unwrap_or(Outcome::Clean),
        Command::Lint { .. } => apis()
            .iter()
            .map(|a| lint_file(&a.spec_path(&root), &a.spec_file()))
            .max()
            .unwrap_or(Outcome::Clean),
        Command::Validate { files } => match validate::run(&root, &files) {
            Ok(summary) if summary.errors() == 0 => Outcome::Clean,
            Ok(summary) => {
                eprintln!("validate: {} error(s)", summary.errors());
                Outcome::Findings
            }
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::MutationSchemathesis(args) => match mutation::run(&root, &args) {
            Ok(_) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Schemathesis(args) => match schemathesis::run(&root, &args) {
            Ok(summary) if summary.failures() == 0 => Outcome::Clean,
            Ok(summary) => {
                eprintln!("schemathesis: {} failure(s)", summary.failures());
                Outcome::Findings
            }
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Docs => match docs::run(&root) {
            Ok(reports)
                if reports.iter().all(|(_, r)| {
                    r.tags_without_operations.is_empty() && r.operations_shown > 0
                }) =>
            {
                Outcome::Clean
            }
            Ok(_) => {
                eprintln!("docs: a page does not render its operations offline");
                Outcome::Findings
            }
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Languages(args) => match languages::run(&root, &args) {
            Ok(reports) if reports.iter().all(|(_, _, r)| r.clean()) => Outcome::Clean,
            Ok(reports) => {
                let bad = reports.iter().filter(|(_, _, r)| !r.clean()).count();
                eprintln!("languages: {bad} of {} client(s) not clean", reports.len());
                Outcome::Findings
            }
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::BenchMock(args) => match bench::run(&root, &args) {
            Ok(_) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Conformance(args) => match conformance::run(&root, &args) {
            Ok(0) => Outcome::Clean,
            Ok(1) => Outcome::Findings,
            Ok(_) => Outcome::Unusable,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::BenchConformance(args) => match bench_conformance::run(&root, &args) {
            Ok(_) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::VendorSdk(args) => match vendor_sdk::run(&root, &args) {
            Ok(reports) if reports.iter().all(|(_, r)| r.clean()) => Outcome::Clean,
            Ok(_) => Outcome::Findings,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::BenchFuzz(args) => match bench_fuzz::run(&root, &args) {
            Ok(_) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::BenchBuild(args) => match bench_build::run(&root, &args) {
            Ok(_) => Outcome::Clean,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::CheckFeatures(args) => match feature_builds::run(&root, &args) {
            Ok(results) if results.iter().all(|r| r.problems.is_empty()) => Outcome::Clean,
            Ok(_) => Outcome::Findings,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Diff(args) => match diff::command::run(&root, &args) {
            Ok(false) => Outcome::Clean,
            Ok(true) => Outcome::Findings,
            Err(e) => {
                eprintln!("error: {e}");
                Outcome::Unusable
            }
        },
        Command::Drift { api } => vendor_drift::run(&root, &selected(api.as_deref())),
        Command::Rules => {
            for r in rules() {
                println!("{} {:<18} {}", r.code(), r.name(), r.summary());
            }
            Outcome::Clean
        }
    };
    ExitCode::from(outcome as u8)
}

fn selected(name: Option<&str>) -> Vec<&'static Api> {
    match name {
        Some(n) => apis().iter().filter(|a| a.name == n).collect(),
        None => apis().iter().collect(),
    }
}

/// Load a spec with the checks the mock and the runner apply (unresolved `$ref`s, schemas no
/// value satisfies, …): a spec they refuse is refused here too, with the same messages.
fn read(path: &Path) -> Result<Document, Vec<LoadError>> {
    load_checked(path).map_err(|refused| refused.0)
}

fn report_unusable(errors: &[LoadError]) -> Outcome {
    for e in errors {
        eprintln!("error: {e}");
    }
    Outcome::Unusable
}

fn print_findings(shown: &str, findings: &[Finding]) -> Outcome {
    for f in findings {
        eprintln!("{shown}:{}: {f}", f.line);
    }
    if findings.is_empty() {
        Outcome::Clean
    } else {
        eprintln!("{shown}: {} finding(s)", findings.len());
        Outcome::Findings
    }
}

fn lint_file(path: &Path, shown: &str) -> Outcome {
    match read(path) {
        Ok(doc) => {
            let findings = lint(&doc);
            let outcome = print_findings(shown, &findings);
            if outcome == Outcome::Clean {
                println!(
                    "{shown}: clean ({} operations, {} rules)",
                    gamespec_spec::paths::operations(&doc.value).len(),
                    rules().len()
                );
            }
            outcome
        }
        Err(errors) => report_unusable(&errors),
    }
}

fn render_api(root: &Path, api: &Api) -> Result<Rendered, Outcome> {
    let doc = read(&api.spec_path(root)).map_err(|e| report_unusable(&e))?;
    render(api, &doc.value).map_err(|e| {
        eprintln!("error: {}: {e}", api.spec_file());
        Outcome::Findings
    })
}

/// The committed files of `api`'s client crate with their fresh text; none for an API whose
/// client only the tests generate. The crate's `Cargo.toml` is one of them: its generated
/// features block is replaced in the committed text.
fn outputs(root: &Path, api: &Api, rendered: &Rendered) -> Result<Vec<(String, String)>, String> {
    let mut files: Vec<(String, String)> = [
        (api.generated_rs(), &rendered.source),
        (api.adaptations_md(), &rendered.adaptations_md),
        (gamespec_codegen::dispatch::path(api), &rendered.dispatch),
    ]
    .into_iter()
    .filter_map(|(path, text)| Some((path?, text.clone())))
    .collect();
    if let Some(rel) = gamespec_codegen::features::cargo_toml_path(api) {
        let committed =
            std::fs::read_to_string(root.join(&rel)).map_err(|e| format!("{rel}: {e}"))?;
        let fresh = gamespec_codegen::features::splice(&committed, &rendered.features_block)
            .map_err(|e| format!("{rel}: {e}"))?;
        files.push((rel, fresh));
    }
    Ok(files)
}

fn generate(root: &Path, apis: Vec<&Api>) -> Outcome {
    let mut worst = Outcome::Clean;
    for api in apis {
        let started = Instant::now();
        let rendered = match render_api(root, api) {
            Ok(r) => r,
            Err(o) => {
                worst = worst.max(o);
                continue;
            }
        };
        let files = match outputs(root, api, &rendered) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: {e}");
                worst = Outcome::Unusable;
                continue;
            }
        };
        for (rel, text) in files {
            if let Err(e) = std::fs::write(root.join(&rel), text) {
                eprintln!("error: {rel}: cannot write: {e}");
                worst = Outcome::Unusable;
            }
        }
        for a in &rendered.adaptations {
            println!("  adapted {a}");
        }
        let written = match api.generated_rs() {
            Some(file) => format!("generated {file}"),
            None => "rendered (no client crate registered, nothing written)".to_owned(),
        };
        println!(
            "{}: {written} ({} lines, {} adaptations; {} type items behind tag features, {} always compiled) in {:.2?}",
            api.name,
            rendered.source.lines().count(),
            rendered.adaptations.len(),
            rendered.gated.types_gated,
            rendered.gated.types_open,
            started.elapsed()
        );
    }
    worst
}

fn check(root: &Path, apis: Vec<&Api>) -> Outcome {
    let mut worst = Outcome::Clean;
    for api in apis {
        let doc = match read(&api.spec_path(root)) {
            Ok(d) => d,
            Err(e) => {
                worst = worst.max(report_unusable(&e));
                continue;
            }
        };
        worst = worst.max(print_findings(&api.spec_file(), &lint(&doc)));
        worst = worst.max(check_inventory(root, api, &doc));
        let rendered = match render(api, &doc.value) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", api.spec_file());
                worst = worst.max(Outcome::Findings);
                continue;
            }
        };
        let files = match outputs(root, api, &rendered) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(Outcome::Unusable);
                continue;
            }
        };
        for (rel, fresh) in files {
            let committed = std::fs::read_to_string(root.join(&rel)).ok();
            if let Some(stale) = compare(&rel, committed.as_deref(), &fresh) {
                print_stale(&stale, committed.is_none());
                worst = worst.max(Outcome::Findings);
            }
        }
        if worst == Outcome::Clean {
            println!(
                "{}: spec lint clean, generated sources up to date",
                api.name
            );
        }
    }
    if worst == Outcome::Findings {
        eprintln!("run `cargo xtask generate` after fixing the spec, and commit the result");
    }
    worst
}

fn check_inventory(root: &Path, api: &Api, doc: &Document) -> Outcome {
    let Some(inventory) = api.inventory_file() else {
        return Outcome::Clean;
    };
    let rows = std::fs::read_to_string(root.join(&inventory))
        .map_err(|e| e.to_string())
        .and_then(|text| gamespec_spec::inventory::parse(&text).map_err(|e| e.to_string()));
    let problems = match rows {
        Ok(rows) => gamespec_spec::inventory::check(&doc.value, &rows),
        Err(e) => vec![e],
    };
    for p in &problems {
        eprintln!("{inventory}: {p}");
    }
    if problems.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    }
}

fn print_stale(stale: &Stale, missing: bool) {
    if missing {
        eprintln!("stale: {} is missing", stale.path);
        return;
    }
    eprintln!(
        "stale: {} differs from what the spec generates (-{} +{} lines); first changes:",
        stale.path, stale.removed, stale.added
    );
    for line in &stale.summary {
        eprintln!("    {line}");
    }
}
