//! `cargo xtask bench-fuzz`: the sustained test cases per second of the conformance runner's
//! fuzz mode beside the requests per second of a plain load generator, against the same
//! release-built mock in the same run.
//!
//! * Server: one `conformance mock --spec NAME --seed S` process per API (release build, request
//!   log off), shared by both measurements, which run one after the other.
//! * Runner: `conformance run --spec NAME --base-url URL --fuzz --time-budget SECS --workers W
//!   --max-examples 25`, every operation and every phase; its rate is the `cases` of its JSON
//!   result over the result's `duration` (logins included). A case is one generated request with
//!   every selected check on its answer; a read the stateful phase sends after a write is a case
//!   of its own (a request, judged), while logins, shrinking requests and retries after a rate
//!   limit are not cases.
//! * Load generator: oha (pinned to [`crate::bench::OHA_VERSION`], installed under
//!   `target/validators/oha/`) for SECS seconds with W connections against the API's `simple`
//!   `[[api.bench]]` operation of `spec/registry.toml`, with the mock's credentials, after a
//!   one-second warm-up. It sends one fixed request and reads the answer; it generates nothing
//!   and judges nothing, so its rate is the ceiling the mock sets on this machine.
//! * Runs: `--runs N` pairs per API, each on a new mock (so each fuzz run starts from the same
//!   empty game state); the table shows the median of each rate and their ratio, with every
//!   run's pair beside it. One run is not enough against the stateful mock: how large its
//!   collections grow depends on how the lanes interleave, and runs differ by up to a third.
//! * Output: a table per API with both rates and the ratio (target: the runner at ≥ 50% of the
//!   load generator); the raw outputs of the last run stay in `target/bench-fuzz/<api>/`. Both
//!   tools share the cores with the mock; nothing is asserted: the command fails (exit 2) only
//!   when something cannot run.

use std::path::Path;
use std::process::Stdio;

use gamespec_spec::registry::{apis, credential_variable};

use crate::bench::{self, OHA_VERSION};
use crate::bench_conformance;
use crate::error::{ToolError, io_error};
use crate::install;
use crate::mock;

/// `cargo xtask bench-fuzz` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str())))]
    pub api: Option<String>,
    /// Seconds of each measurement (the fuzz run's --time-budget, oha's -z).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub secs: u64,
    /// Runner workers and oha connections.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub workers: u32,
    /// Random cases per operation and fuzz round.
    #[arg(long, default_value_t = 25)]
    pub max_examples: u32,
    /// Seed of the mock and of the runner.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run the fuzz side with this `conformance` binary instead of the one built from the
    /// checkout (to compare a saved build with the current one against the same mock).
    #[arg(long, value_name = "PATH")]
    pub runner: Option<std::path::PathBuf>,
    /// Serve with `conformance mock --stateless` (no game state): the mock as it was before
    /// it kept state, for comparing what the state costs the fuzz rate.
    #[arg(long)]
    pub stateless: bool,
    /// Measurement pairs per API (each on a new mock); the table shows the medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,
}

/// One API's measurements: the medians of its runs.
#[derive(Debug, Clone)]
pub struct Row {
    /// API name.
    pub api: String,
    /// Median cases per second of the fuzz runs.
    pub cases_per_sec: f64,
    /// The operation oha loaded (`GET /path`).
    pub operation: String,
    /// Median requests per second of oha.
    pub requests_per_sec: f64,
    /// Every run's pair (fuzz cases/s, oha requests/s), in order.
    pub runs: Vec<(f64, f64)>,
}

impl Row {
    /// The runner's rate as a share of the load generator's, percent.
    pub fn percent(&self) -> f64 {
        100.0 * self.cases_per_sec / self.requests_per_sec.max(1e-9)
    }
}

/// Measure the selected APIs and print the table; the rows.
pub fn run(root: &Path, args: &Args) -> Result<Vec<Row>, ToolError> {
    let exe = mock::build_mock(root, true)?;
    let oha = install::install_crate(root, "oha", OHA_VERSION, &["rustls"], "oha")?;
    let mut rows = Vec::new();
    for api in apis()
        .iter()
        .filter(|a| args.api.as_deref().is_none_or(|n| n == a.name))
    {
        // An API without a `simple` operation for the load generator (a fixture) is left out.
        let Some(simple) = api.bench.iter().find(|b| b.label == "simple") else {
            eprintln!(
                "{}: no `simple` [[api.bench]] operation in spec/registry.toml, left out",
                api.name
            );
            continue;
        };
        let dir = root.join("target/bench-fuzz").join(&api.name);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let spec = mock::load_spec(api, &api.spec_path(root))?;
        let mut runs = Vec::new();
        for run in 1..=args.runs {
            let pair = measure(&exe, &oha, &spec, api, &simple.path, &dir, args)?;
            eprintln!(
                "{}: run {run}/{}: fuzz {:.0} cases/s, oha {:.0} req/s",
                api.name, args.runs, pair.0, pair.1
            );
            runs.push(pair);
        }
        rows.push(Row {
            api: api.name.clone(),
            cases_per_sec: median(runs.iter().map(|r| r.0)),
            operation: format!("GET {}", simple.path),
            requests_per_sec: median(runs.iter().map(|r| r.1)),
            runs,
        });
    }
    println!(
        "\n| api | fuzz cases/s (median) | oha operation | oha req/s (median) | fuzz / oha | runs (fuzz / oha) |"
    );
    println!("| --- | ---: | --- | ---: | ---: | --- |");
    for r in &rows {
        let each: Vec<String> = r
            .runs
            .iter()
            .map(|(f, o)| format!("{f:.0} / {o:.0}"))
            .collect();
        println!(
            "| {} | {:.0} | {} | {:.0} | {:.0}% | {} |",
            r.api,
            r.cases_per_sec,
            r.operation,
            r.requests_per_sec,
            r.percent(),
            each.join(", ")
        );
    }
    println!(
        "\nfuzz / oha = runner cases/s ÷ oha requests/s (target ≥ 50%); a case is one generated request every selected check judged (shrinking requests, logins and retries not counted), an oha request one fixed GET it does not judge; same release mock ({}, a new one per run), {} s each, {} workers / connections, oha {OHA_VERSION}, seed {}, medians of {} runs; everything on the same cores, so the runner's CPU per case is the mock's lost throughput",
        if args.stateless {
            "stateless"
        } else {
            "stateful"
        },
        args.secs,
        args.workers,
        args.seed,
        args.runs
    );
    Ok(rows)
}

/// One pair of measurements of `api` on a new mock: the fuzz run's cases/s, then oha's
/// requests/s on `path`.
fn measure(
    exe: &Path,
    oha: &Path,
    spec: &gamespec_spec::load::Document,
    api: &gamespec_spec::registry::Api,
    path: &str,
    dir: &Path,
    args: &Args,
) -> Result<(f64, f64), ToolError> {
    let extra: Vec<String> = args
        .stateless
        .then(|| "--stateless".to_owned())
        .into_iter()
        .collect();
    let server = mock::start_mock_with(
        exe,
        &api.name,
        Some(args.seed),
        &dir.join("mock.log"),
        false,
        &extra,
    )?;
    let json = dir.join("fuzz.json");
    let runner = args.runner.as_deref().unwrap_or(exe);
    let mut command = bench_conformance::runner_command(
        runner,
        &api.name,
        &server.url,
        args.max_examples,
        args.seed,
        &json,
    );
    command
        .args(["--fuzz", "--time-budget", &args.secs.to_string()])
        .args(["--workers", &args.workers.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    for (scheme, value) in &server.credentials {
        command.env(credential_variable(scheme), value);
    }
    let what = format!("conformance run --fuzz --spec {}", api.name);
    let (result, _) = bench_conformance::run_for_report(&mut command, runner, &what, &json, HINT)?;
    let cases = result["stats"]["cases"].as_u64().unwrap_or(0);
    let runner_secs = result["duration"].as_f64().unwrap_or(0.0);

    let (headers, _) = mock::credential_headers(&spec.value, &server.credentials);
    let url = format!("{}{}", server.url, path);
    let _warm_up = bench::load(oha, &url, &headers, 1, args.workers)?;
    let measured = bench::load(oha, &url, &headers, args.secs, args.workers)?;
    let raw = dir.join("oha.json");
    std::fs::write(&raw, measured.to_string()).map_err(io_error(&raw))?;
    let requests_per_sec = measured["summary"]["requestsPerSec"]
        .as_f64()
        .ok_or_else(|| {
            ToolError::failed("reading oha's JSON", "no summary.requestsPerSec", HINT)
        })?;
    Ok((cases as f64 / runner_secs.max(1e-9), requests_per_sec))
}

/// The median of `values` (the mean of the middle two for an even count; 0 for none).
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

const HINT: &str = "`cargo run -p gamespec-conformance --bin conformance -- run --spec NAME --fuzz --time-budget 5` must work";

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0].into_iter()), 2.5);
        assert_eq!(median(std::iter::empty()), 0.0);
    }
}
