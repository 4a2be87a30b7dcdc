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
//! * Output: a table per API with both rates and the ratio (target: the runner at ≥ 50% of the
//!   load generator); the raw outputs stay in `target/bench-fuzz/<api>/`. Both tools share the
//!   cores with the mock; nothing is asserted: the command fails (exit 2) only when something
//!   cannot run.

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
}

/// One API's pair of measurements.
#[derive(Debug, Clone)]
pub struct Row {
    /// API name.
    pub api: String,
    /// Cases the fuzz run judged.
    pub cases: u64,
    /// The fuzz run's own duration, seconds.
    pub runner_secs: f64,
    /// Cases per second of the fuzz run.
    pub cases_per_sec: f64,
    /// The operation oha loaded (`GET /path`).
    pub operation: String,
    /// oha's requests per second.
    pub requests_per_sec: f64,
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
        let extra: Vec<String> = args
            .stateless
            .then(|| "--stateless".to_owned())
            .into_iter()
            .collect();
        let server = mock::start_mock_with(
            &exe,
            &api.name,
            Some(args.seed),
            &dir.join("mock.log"),
            false,
            &extra,
        )?;
        eprintln!("{}: mock (release) at {}", api.name, server.url);

        let json = dir.join("fuzz.json");
        let runner = args.runner.as_deref().unwrap_or(&exe);
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
        let (result, _) =
            bench_conformance::run_for_report(&mut command, runner, &what, &json, HINT)?;
        let cases = result["stats"]["cases"].as_u64().unwrap_or(0);
        let runner_secs = result["duration"].as_f64().unwrap_or(0.0);
        eprintln!(
            "{}: fuzz {cases} cases in {runner_secs:.1} s ({:.0}/s)",
            api.name,
            cases as f64 / runner_secs.max(1e-9)
        );

        let (headers, _) = mock::credential_headers(&spec.value, &server.credentials);
        let url = format!("{}{}", server.url, simple.path);
        let _warm_up = bench::load(&oha, &url, &headers, 1, args.workers)?;
        let measured = bench::load(&oha, &url, &headers, args.secs, args.workers)?;
        let raw = dir.join("oha.json");
        std::fs::write(&raw, measured.to_string()).map_err(io_error(&raw))?;
        let requests_per_sec = measured["summary"]["requestsPerSec"]
            .as_f64()
            .ok_or_else(|| {
                ToolError::failed("reading oha's JSON", "no summary.requestsPerSec", HINT)
            })?;
        eprintln!(
            "{}: oha {requests_per_sec:.0} req/s on GET {}",
            api.name, simple.path
        );
        drop(server);
        rows.push(Row {
            api: api.name.clone(),
            cases,
            runner_secs,
            cases_per_sec: cases as f64 / runner_secs.max(1e-9),
            operation: format!("GET {}", simple.path),
            requests_per_sec,
        });
    }
    println!(
        "\n| api | fuzz cases | fuzz s | fuzz cases/s | oha operation | oha req/s | fuzz / oha |"
    );
    println!("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {:.1} | {:.0} | {} | {:.0} | {:.0}% |",
            r.api,
            r.cases,
            r.runner_secs,
            r.cases_per_sec,
            r.operation,
            r.requests_per_sec,
            r.percent()
        );
    }
    println!(
        "\nfuzz / oha = runner cases/s ÷ oha requests/s (target ≥ 50%); a case is one generated request every selected check judged (shrinking requests, logins and retries not counted), an oha request one fixed GET it does not judge; same release mock ({}), {} s each, {} workers / connections, oha {OHA_VERSION}, seed {}; everything on the same cores, so the runner's CPU per case is the mock's lost throughput",
        if args.stateless {
            "stateless"
        } else {
            "stateful"
        },
        args.secs,
        args.workers,
        args.seed
    );
    Ok(rows)
}

const HINT: &str = "`cargo run -p gamespec-conformance --bin conformance -- run --spec NAME --fuzz --time-budget 5` must work";
