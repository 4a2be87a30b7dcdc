//! `cargo xtask bench-conformance`: test cases per second of the conformance runner and of
//! Schemathesis against the same server, in the same run, as a ratio.
//!
//! Both test every operation of the spec against one release-built mock (`conformance mock`, a
//! separate process, so neither tool shares its address space with the server), with the same
//! seed, the same `--max-examples` per random phase and the same number of concurrent workers.
//! Schemathesis runs its examples, coverage and fuzzing phases with the checks of `cargo xtask
//! schemathesis`; the runner runs all its phases and checks. A test case is one generated
//! request with its checks (Schemathesis's "Test cases: N generated"; the runner's `cases`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gamespec_spec::registry::{apis, credential_variable};
use serde_json::Value;

use crate::error::{ToolError, io_error};
use crate::mock;
use crate::schemathesis::{self, Target};

/// `cargo xtask bench-conformance` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str())))]
    pub api: Option<String>,
    /// Random cases per operation and phase, for both tools. The default is large enough that
    /// the runner's start-up (spec loading, logins: about 0.1 s) is not most of its run.
    #[arg(long, default_value_t = 25)]
    pub max_examples: u32,
    /// Concurrent workers, for both tools.
    #[arg(long, default_value_t = 4,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
    /// Seed, for both tools and the mock.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// One tool's measurement.
#[derive(Debug, Clone, Copy)]
struct Measured {
    cases: u64,
    elapsed: Duration,
}

impl Measured {
    fn rate(self) -> f64 {
        self.cases as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Run the benchmark and print the table; `Ok(worst ratio)`.
pub fn run(root: &Path, args: &Args) -> Result<f64, ToolError> {
    let exe = mock::build_mock(root, true)?;
    let st = schemathesis::install(root)?;
    let mut rows = Vec::new();
    for api in apis()
        .iter()
        .filter(|a| args.api.as_deref().is_none_or(|n| n == a.name))
    {
        let dir = root.join("target/bench-conformance").join(&api.name);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let mock = mock::start_mock(
            &exe,
            &api.name,
            Some(args.seed),
            &dir.join("mock.log"),
            false,
        )?;
        eprintln!("{}: mock (release) at {}", api.name, mock.url);

        // The runner first. What it leaves in the mock's state (game state, deleted paths)
        // changes which valid answers Schemathesis reads afterwards, not how fast it runs.
        let json = dir.join("runner.json");
        let mut command = runner_command(
            &exe,
            &api.name,
            &mock.url,
            args.max_examples,
            args.seed,
            &json,
        );
        command
            .args(["--workers", &args.workers.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        for (scheme, value) in &mock.credentials {
            command.env(credential_variable(scheme), value);
        }
        let what = format!("conformance run --spec {}", api.name);
        let (result, wall) = run_for_report(&mut command, &exe, &what, &json, HINT)?;
        let runner = Measured {
            cases: result["stats"]["cases"].as_u64().unwrap_or(0),
            elapsed: wall,
        };

        let st_args = schemathesis::Args {
            api: Some(api.name.to_owned()),
            base_url: None,
            max_examples: args.max_examples,
            seed: args.seed,
            workers: args.workers,
        };
        let target = Target::Server {
            url: &mock.url,
            credentials: &mock.credentials,
        };
        let report = schemathesis::run_api(root, api, &st_args, &st, target)?;
        let schemathesis = Measured {
            cases: report.test_cases as u64,
            elapsed: report.elapsed,
        };
        drop(mock);
        rows.push((api.name.as_str(), runner, schemathesis));
    }
    println!(
        "\n| api | runner cases | runner s | runner cases/s | Schemathesis cases | Schemathesis s | Schemathesis cases/s | ratio |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut worst = f64::INFINITY;
    for (api, runner, st) in &rows {
        let ratio = runner.rate() / st.rate().max(1e-9);
        worst = worst.min(ratio);
        println!(
            "| {api} | {} | {:.1} | {:.0} | {} | {:.1} | {:.1} | {ratio:.0}× |",
            runner.cases,
            runner.elapsed.as_secs_f64(),
            runner.rate(),
            st.cases,
            st.elapsed.as_secs_f64(),
            st.rate()
        );
    }
    println!(
        "\nratio = runner cases/s ÷ Schemathesis cases/s (target ≥ 100×); same release mock, seed {}, --max-examples {}, {} workers each; wall time of each tool's whole run (start-up, spec loading and logins included); a case is one generated request whose answer every selected check judged",
        args.seed, args.max_examples, args.workers
    );
    Ok(worst)
}

const HINT: &str =
    "`cargo run -p gamespec-conformance --bin conformance -- run --spec NAME` must work";

/// `conformance run` of `api` against `url` with the flags every xtask measurement shares:
/// no progress bar, `max_examples` per phase, `seed`, and the whole result as JSON in `json`.
pub(crate) fn runner_command(
    exe: &Path,
    api: &str,
    url: &str,
    max_examples: u32,
    seed: u64,
    json: &Path,
) -> Command {
    let mut command = Command::new(exe);
    command
        .args(["run", "--spec", api, "--base-url", url, "--no-progress"])
        .args(["--max-examples", &max_examples.to_string()])
        .args(["--seed", &seed.to_string()])
        .arg("--json")
        .arg(json);
    command
}

/// Run `command`, a `conformance run` by `exe` (`what`, for messages) writing its JSON report
/// to `json`, and read that report; with the run's wall time (the process only). Exit 0
/// (clean) and 1 (failures found) both measured a run; anything else is an error with `hint`.
pub(crate) fn run_for_report(
    command: &mut Command,
    exe: &Path,
    what: &str,
    json: &Path,
    hint: &'static str,
) -> Result<(Value, Duration), ToolError> {
    let started = Instant::now();
    let status = command.status().map_err(|e| {
        ToolError::failed(format!("running {}", exe.display()), &e.to_string(), hint)
    })?;
    let wall = started.elapsed();
    if status.code().is_none_or(|c| c > 1) {
        return Err(ToolError::failed(format!("{what} ({status})"), "", hint));
    }
    let name = json.file_name().unwrap_or_default().to_string_lossy();
    let report = std::fs::read_to_string(json)
        .map_err(io_error(json))
        .and_then(|t| {
            serde_json::from_str(&t)
                .map_err(|e| ToolError::failed(format!("reading {name}"), &e.to_string(), hint))
        })?;
    Ok((report, wall))
}
