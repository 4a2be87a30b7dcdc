//! `cargo xtask schemathesis`: Schemathesis (PyPI), the reference API fuzzer, against the
//! conformance mock (or any server) for each spec.
//!
//! * Schemathesis is pinned with its whole dependency closure in
//!   `xtask/validators/schemathesis/requirements.txt` and installed on first use into the venv
//!   `target/validators/schemathesis/` (see [`crate::install`]). The pinned 4.x line has the `st run`
//!   CLI (`--checks`, `--phases`, `--report`, `--generation-database`); 3.x spelled these
//!   differently and is not supported.
//! * Without `--base-url` the mock is built (dev profile, shared with the tests) and started per API
//!   (`conformance mock --spec NAME --port 0 --seed N`), its ready line gives the URL and the
//!   credentials, which are sent as headers (`-H`) mapped through the spec's `securitySchemes`;
//!   the mock is stopped at the end, also on errors and on Ctrl-C.
//! * The run is bounded and deterministic: checks [`CHECKS`], phases [`PHASES`] (no stateful
//!   phase), `--max-examples N`, `--seed N`, `--continue-on-failure` so every failing check is
//!   counted, a per-request timeout and a timeout on the whole run. Nothing is written into the
//!   repository: Schemathesis runs in `target/schemathesis/<api>/` (its crash cache, the JUnit
//!   report `junit.xml`, the event log `events.ndjson`, its console output `st.log`, the mock's
//!   log `mock.log`) and the Hypothesis example database is off (`--generation-database none`).
//! * The summary per API comes from the NDJSON events: operations tested, check results by check,
//!   unique failures by failure code (ST1xx/ST2xx/ST4xx) with one example message each, and
//!   Schemathesis's own errors (network errors, a server that went away, schemas it cannot
//!   generate from). Failures or errors → exit 1; Schemathesis or the mock unusable → exit 2.
//! * One fault of the Python interpreter, not of the spec or the server, gets the API a second
//!   run: CPython 3.11 can raise a spurious `SystemError: AST constructor recursion depth
//!   mismatch` when Hypothesis parses a lambda's source in a threaded program
//!   (python/cpython#106905). When every error of a run is that one, the run is repeated once,
//!   and its second result counts.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use gamespec_spec::registry::{Api, apis, credential_variable};
use serde_json::Value;

use crate::error::{self, ToolError, io_error};
use crate::install::{self, REINSTALL};
use crate::mock;
use crate::process;

/// The pins, relative to the workspace root.
pub const REQUIREMENTS: &str = "xtask/validators/schemathesis/requirements.txt";
/// The venv under `target/validators/`.
const VENV: &str = "schemathesis";
/// Committed Schemathesis settings (check tuning), relative to the workspace root.
pub const CONFIG_FILE: &str = "xtask/validators/schemathesis/schemathesis.toml";

/// The checks run (Schemathesis 4.x names); every other check is off.
pub const CHECKS: &[&str] = &[
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "ignored_auth",
    "unsupported_method",
    "negative_data_rejection",
];
/// The phases run: the spec's examples, the deterministic coverage phase (which also sends
/// undeclared methods for `unsupported_method`), and random fuzzing. Stateful is off: none of the
/// checks above needs it and its link inference makes run length hard to bound.
pub const PHASES: &str = "examples,coverage,fuzzing";
/// Per-request timeout, seconds.
const REQUEST_TIMEOUT: &str = "10";
/// Longest one API's run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// What to do when Schemathesis fails in a way that says nothing about the server.
const ST_HINT: &str =
    "see the Schemathesis output above; delete target/validators/schemathesis to reinstall";

/// `cargo xtask schemathesis` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all; required with --base-url).
    #[arg(long, value_parser = api_names())]
    pub api: Option<String>,
    /// Test the server at this base URL (spec paths are appended) instead of starting the
    /// conformance mock. Credentials then come from the environment, one variable per security
    /// scheme: GAMESPEC_ + the scheme name in upper snake case (GAMESPEC_SESSION_TOKEN,
    /// GAMESPEC_DOMAIN_KEY, GAMESPEC_USER_JWT, GAMESPEC_SERVER_JWT).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Test cases per operation in each generating phase (Schemathesis --max-examples).
    #[arg(long, default_value_t = 10, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_examples: u32,
    /// Seed for Schemathesis and for the mock (same seed, same requests and answers).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
    /// Concurrent Schemathesis workers.
    #[arg(long, default_value_t = 2, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,
}

/// The server a run tests.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Start this mock executable for the spec and use its credentials.
    Mock(&'a Path),
    /// A running server and the credentials (scheme → value) to send it.
    Server {
        /// Its base URL.
        url: &'a str,
        /// Security scheme name → credential.
        credentials: &'a BTreeMap<String, String>,
    },
}

/// Install Schemathesis (first use only); returns the path of its `st` executable.
pub fn install(root: &Path) -> Result<PathBuf, ToolError> {
    let python = install::install_venv(root, REQUIREMENTS, VENV, "schemathesis")?;
    Ok(python.with_file_name("st"))
}

fn api_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str()))
}

/// One unique failure: an operation failing one check in one way.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    /// Schemathesis failure code (`ST401`).
    pub code: String,
    /// The check that failed (`ignored_auth`).
    pub check: String,
    /// `METHOD /path`.
    pub operation: String,
    /// The failure's title (`API accepts invalid authentication`).
    pub title: String,
    /// The first message seen for it.
    pub message: String,
}

/// Results of one check over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckCount {
    /// Check results recorded (one per test case the check applied to).
    pub run: usize,
    /// Of those, failed.
    pub failed: usize,
}

/// What one API's run found.
#[derive(Debug, Clone, Default)]
pub struct ApiReport {
    /// The API's short name.
    pub api: String,
    /// Schemathesis's version, from its event log.
    pub version: String,
    /// Operations in the spec / selected for the run.
    pub operations_total: usize,
    /// Operations that had at least one scenario run.
    pub operations_tested: usize,
    /// Results by check name.
    pub checks: BTreeMap<String, CheckCount>,
    /// Test cases generated and sent (Schemathesis's "Test cases: N generated").
    pub test_cases: usize,
    /// Unique failures, sorted by code, operation.
    pub failures: Vec<Failure>,
    /// Schemathesis errors (`label: message`): not check failures, but the run did not cover
    /// what it should have.
    pub errors: Vec<String>,
    /// Wall time of the Schemathesis run.
    pub elapsed: Duration,
    /// Where the reports are.
    pub dir: PathBuf,
}

impl ApiReport {
    /// All check results recorded.
    pub fn checks_run(&self) -> usize {
        self.checks.values().map(|c| c.run).sum()
    }
}

/// The outcome of [`run`]: one report per API that could be tested.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub apis: Vec<ApiReport>,
}

impl Summary {
    /// Unique failures plus Schemathesis errors over all APIs (0 = pass).
    pub fn failures(&self) -> usize {
        self.apis
            .iter()
            .map(|a| a.failures.len() + a.errors.len())
            .sum()
    }
}

/// Run Schemathesis for the selected APIs (installing it and building the mock first if
/// needed) and print a summary per API on stdout, each unique failure on stderr.
///
/// `Err` means something could not run at all (bad arguments, Schemathesis not installable, the
/// mock not buildable or not starting, Schemathesis crashing): exit 2. APIs that ran are
/// summarised before that error is returned; earlier errors are printed. Otherwise
/// [`Summary::failures`] says whether everything passed.
pub fn run(root: &Path, args: &Args) -> Result<Summary, ToolError> {
    let apis: Vec<&Api> = match &args.api {
        Some(name) => apis().iter().filter(|a| a.name == *name).collect(),
        None => apis().iter().collect(),
    };
    if apis.is_empty() {
        return Err(usage("no such API"));
    }
    if let Some(url) = &args.base_url {
        if apis.len() != 1 {
            return Err(usage("--base-url needs --api: one server serves one spec"));
        }
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(usage(&format!("--base-url {url}: not an http(s) URL")));
        }
    }
    let started = Instant::now();
    let st = install(root)?;
    let mock_exe = match args.base_url {
        None => Some(mock::build_mock(root, false)?),
        Some(_) => None,
    };

    let mut summary = Summary::default();
    let mut last_error = None;
    for api in apis {
        let attempt = || match (&mock_exe, &args.base_url) {
            (Some(exe), _) => run_api(root, api, args, &st, Target::Mock(exe)),
            (None, Some(url)) => mock::load_spec(api, &api.spec_path(root)).and_then(|spec| {
                let credentials = env_credentials(&spec.value);
                let target = Target::Server {
                    url,
                    credentials: &credentials,
                };
                run_api(root, api, args, &st, target)
            }),
            (None, None) => Err(usage("neither a mock nor --base-url")),
        };
        let mut outcome = attempt();
        if let Ok(report) = &outcome
            && interpreter_faults_only(report)
        {
            eprintln!(
                "{}: every Schemathesis error was CPython's spurious AST recursion-depth \
                 SystemError ({} of them; python/cpython#106905): running the API once more",
                api.name,
                report.errors.len()
            );
            outcome = attempt();
        }
        match outcome {
            Ok(report) => {
                print_report(&report);
                summary.apis.push(report);
            }
            Err(e) => {
                if let Some(earlier) = last_error.replace(e) {
                    eprintln!("error: {earlier}");
                }
            }
        }
    }
    eprintln!("schemathesis: done in {:.1?}", started.elapsed());
    match last_error {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// The text of the interpreter fault that earns an API a second run (see the module docs).
const INTERPRETER_FAULT: &str = "AST constructor recursion depth mismatch";

/// Whether `report` has errors, no failure, and every error is [`INTERPRETER_FAULT`].
fn interpreter_faults_only(report: &ApiReport) -> bool {
    report.failures.is_empty()
        && !report.errors.is_empty()
        && report.errors.iter().all(|e| e.contains(INTERPRETER_FAULT))
}

fn usage(message: &str) -> ToolError {
    ToolError::Usage(format!("{message} (see cargo xtask schemathesis --help)"))
}

/// One API: start the mock (for [`Target::Mock`]), run Schemathesis, read its events.
pub fn run_api(
    root: &Path,
    api: &Api,
    args: &Args,
    st: &Path,
    target: Target<'_>,
) -> Result<ApiReport, ToolError> {
    let spec_path = api.spec_path(root);
    let spec = mock::load_spec(api, &spec_path)?;
    let dir = root.join("target/schemathesis").join(&api.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;

    // The mock lives until the end of this function, whatever happens.
    let (mut mock, url, credentials) = match target {
        Target::Mock(exe) => {
            let mock =
                mock::start_mock(exe, &api.name, Some(args.seed), &dir.join("mock.log"), true)?;
            let (url, creds) = (mock.url.clone(), mock.credentials.clone());
            (Some(mock), url, creds)
        }
        Target::Server { url, credentials } => (
            None,
            url.trim_end_matches('/').to_owned(),
            credentials.clone(),
        ),
    };
    let (headers, unused) = mock::credential_headers(&spec.value, &credentials);
    for scheme in unused {
        eprintln!(
            "{}: credential {scheme:?} matches no header security scheme of the spec; not sent",
            api.name
        );
    }
    eprintln!(
        "{}: schemathesis against {url} ({} credential header(s), --max-examples {}, --seed {}) ...",
        api.name,
        headers.len(),
        args.max_examples,
        args.seed
    );

    let config = root.join(CONFIG_FILE);
    let mut command = Command::new(st);
    command
        .current_dir(&dir)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(&spec_path)
        .args(["--url", &url])
        .args(["--checks", &CHECKS.join(",")])
        .args(["--phases", PHASES])
        .args(["--max-examples", &args.max_examples.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--generation-database", "none"])
        .arg("--continue-on-failure")
        .args(["--request-timeout", REQUEST_TIMEOUT])
        .args(["--workers", &args.workers.to_string()])
        .args(["--report", "junit,ndjson"])
        .args(["--report-junit-path", "junit.xml"])
        .args(["--report-ndjson-path", "events.ndjson"])
        .arg("--no-color")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    if mock.is_some() {
        // The mock's credentials are throwaway; unsanitized output keeps the curl lines runnable
        // (sanitizing also blanks ordinary fields such as `game_key`).
        command.args(["--output-sanitize", "false"]);
    }
    for (name, value) in &headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let started = Instant::now();
    let step = format!("st run {} --url {url}", api.spec_file());
    let out = process::output(command, "schemathesis", REINSTALL, &step, RUN_TIMEOUT)?;
    let elapsed = started.elapsed();
    let log = dir.join("st.log");
    std::fs::write(&log, process::combined(&out)).map_err(io_error(&log))?;

    // A mock that died during the run is a finding of its own (Schemathesis reports the requests
    // that failed after it as errors).
    let mock_died = mock
        .as_mut()
        .and_then(|m| m.child.exited().map(|s| (s, m.log.clone())));
    drop(mock);

    let code = out.status.code();
    let events = dir.join("events.ndjson");
    let parsed = std::fs::File::open(&events)
        .map_err(io_error(&events))
        .and_then(|f| parse_events(std::io::BufReader::new(f)));
    let mut report = match parsed {
        Ok(p) if p.fatal.is_none() && matches!(code, Some(0 | 1)) => p.report,
        other => {
            let detail = match other {
                Ok(Parsed { fatal: Some(f), .. }) => format!("fatal error: {f}\n"),
                Err(e) => format!("{e}\n"),
                Ok(_) => String::new(),
            };
            return Err(ToolError::failed(
                format!("{step} ({}); output in {}", out.status, log.display()),
                &format!("{detail}{}", process::combined(&out)),
                ST_HINT,
            ));
        }
    };
    if let Some((status, mock_log)) = mock_died {
        report.errors.push(format!(
            "the mock exited during the run ({status}); log {}:\n{}",
            mock_log.display(),
            error::file_tail(&mock_log, 1500)
        ));
    }
    if code == Some(1) && report.failures.is_empty() && report.errors.is_empty() {
        report.errors.push(format!(
            "schemathesis exited 1 without a failure in its event log; see {}",
            log.display()
        ));
    }
    report.api = api.name.to_owned();
    report.elapsed = elapsed;
    report.dir = dir;
    Ok(report)
}

/// Credentials for a given server: `GAMESPEC_<SCHEME>` for each security scheme of the spec.
fn env_credentials(spec: &Value) -> BTreeMap<String, String> {
    let Some(schemes) = spec["components"]["securitySchemes"].as_object() else {
        return BTreeMap::new();
    };
    schemes
        .keys()
        .filter_map(|name| {
            let value = std::env::var(credential_variable(name)).ok()?;
            Some((name.clone(), value))
        })
        .collect()
}

/// The event log, read.
#[derive(Debug, Default)]
struct Parsed {
    report: ApiReport,
    /// A `FatalError` event's text.
    fatal: Option<String>,
}

/// Read Schemathesis's NDJSON event log (one JSON object per line, keyed by event type).
fn parse_events(reader: impl BufRead) -> Result<Parsed, ToolError> {
    let mut parsed = Parsed::default();
    let report = &mut parsed.report;
    let mut operations = BTreeSet::new();
    let mut failures: BTreeMap<(String, String, String, String), Failure> = BTreeMap::new();
    let mut lines = 0usize;
    for line in reader.lines() {
        let line = line.map_err(io_error(Path::new("events.ndjson")))?;
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let Ok(event) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let Some((kind, body)) = event.as_object().and_then(|o| o.iter().next()) else {
            continue;
        };
        match kind.as_str() {
            "Initialize" => {
                report.version = body["schemathesis_version"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned();
            }
            "LoadingFinished" => {
                let ops = &body["statistic"]["operations"];
                report.operations_total = ops["selected"]
                    .as_u64()
                    .or(ops["total"].as_u64())
                    .unwrap_or(0) as usize;
            }
            "ScenarioFinished" => {
                let recorder = &body["recorder"];
                let label = recorder["label"].as_str().unwrap_or("?");
                if body["status"] != "skip" {
                    operations.insert(label.to_owned());
                }
                report.test_cases += recorder["cases"].as_object().map_or(0, |c| c.len());
                let Some(cases) = recorder["checks"].as_object() else {
                    continue;
                };
                for check in cases.values().filter_map(Value::as_array).flatten() {
                    let name = check["name"].as_str().unwrap_or("?").to_owned();
                    let count = report.checks.entry(name.clone()).or_default();
                    count.run += 1;
                    if check["status"] != "failure" {
                        continue;
                    }
                    count.failed += 1;
                    let f = &check["failure_info"]["failure"];
                    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
                    let operation = f["operation"].as_str().unwrap_or(label).to_owned();
                    let key = (
                        text(&f["code"]),
                        operation.clone(),
                        name.clone(),
                        text(&f["title"]),
                    );
                    failures.entry(key).or_insert_with(|| Failure {
                        code: text(&f["code"]),
                        check: name,
                        operation,
                        title: text(&f["title"]),
                        message: text(&f["message"]),
                    });
                }
            }
            "NonFatalError" => {
                let label = body["label"].as_str().unwrap_or("?");
                report
                    .errors
                    .push(format!("{label}: {}", describe_error(&body["value"])));
            }
            "FatalError" => {
                parsed.fatal = Some(describe_error(&body["exception"]));
            }
            _ => {}
        }
    }
    if lines == 0 {
        return Err(ToolError::Failed {
            step: "reading events.ndjson".into(),
            output: "the event log is empty".into(),
            hint: ST_HINT,
        });
    }
    report.operations_tested = operations.len();
    report.failures = failures.into_values().collect();
    Ok(parsed)
}

/// The report of an event log, for tools that run Schemathesis themselves (the mutation score).
pub fn parse_report(reader: impl BufRead) -> Result<ApiReport, ToolError> {
    parse_events(reader).map(|p| p.report)
}

/// A short text for a serialized exception (its message or title fields, else its JSON).
fn describe_error(value: &Value) -> String {
    let field = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let text = match (field("title"), field("message")) {
        (Some(t), Some(m)) => format!("{t}: {m}"),
        (Some(t), None) => t.to_owned(),
        (None, Some(m)) => m.to_owned(),
        (None, None) => match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    };
    error::truncate(text.trim(), 300)
}

/// Print one API's summary (stdout) and its failures and errors (stderr).
fn print_report(r: &ApiReport) {
    for f in &r.failures {
        let message = f.message.trim();
        let text = if message.is_empty() {
            f.title.clone()
        } else {
            format!("{}: {}", f.title, message.replace('\n', " "))
        };
        eprintln!(
            "{}: {} {} {}: {}",
            r.api,
            f.code,
            f.check,
            f.operation,
            error::truncate(&text, 300)
        );
    }
    for e in &r.errors {
        eprintln!("{}: schemathesis error: {e}", r.api);
    }
    println!(
        "{}: schemathesis {}: {}/{} operations tested, {} checks run, {} unique failures, {} errors in {:.1?} (reports in {})",
        r.api,
        r.version,
        r.operations_tested,
        r.operations_total,
        r.checks_run(),
        r.failures.len(),
        r.errors.len(),
        r.elapsed,
        r.dir.display()
    );
    for (name, c) in &r.checks {
        let codes: BTreeMap<&str, usize> =
            r.failures
                .iter()
                .filter(|f| &f.check == name)
                .fold(BTreeMap::new(), |mut m, f| {
                    *m.entry(f.code.as_str()).or_default() += 1;
                    m
                });
        let codes = codes
            .iter()
            .map(|(code, n)| format!("{code}: {n} operation(s)"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "  {name:<28} {:>7} run {:>6} failed{}{codes}",
            c.run,
            c.failed,
            if codes.is_empty() { "" } else { "  " }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_event_log() {
        let log = r#"{"Initialize": {"schemathesis_version": "4.32.5", "seed": 1}}
{"LoadingFinished": {"statistic": {"operations": {"total": 237, "selected": 3}}}}
{"ScenarioFinished": {"status": "failure", "recorder": {"label": "GET /game/ping", "checks": {"a": [{"name": "not_a_server_error", "status": "success"}, {"name": "ignored_auth", "status": "failure", "failure_info": {"failure": {"code": "ST401", "operation": "GET /game/ping", "title": "API accepts invalid authentication", "message": "Expected 401 or 403"}}}], "b": [{"name": "ignored_auth", "status": "failure", "failure_info": {"failure": {"code": "ST401", "operation": "GET /game/ping", "title": "API accepts invalid authentication", "message": "again"}}}]}}}}
{"ScenarioFinished": {"status": "skip", "recorder": {"label": "POST /x"}}}
{"NonFatalError": {"label": "POST /y", "value": {"title": "Network Error", "message": "Connection reset"}}}
"#;
        let parsed = parse_events(log.as_bytes()).expect("parses");
        let r = parsed.report;
        assert_eq!(r.version, "4.32.5");
        assert_eq!((r.operations_total, r.operations_tested), (3, 1));
        assert_eq!(r.checks_run(), 3);
        assert_eq!(r.checks["ignored_auth"], CheckCount { run: 2, failed: 2 });
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].message, "Expected 401 or 403");
        assert_eq!(
            r.errors,
            vec!["POST /y: Network Error: Connection reset".to_owned()]
        );
        assert!(parsed.fatal.is_none());
        assert!(parse_events("".as_bytes()).is_err());
    }

    #[test]
    fn only_a_run_whose_every_error_is_the_interpreter_fault_is_repeated() {
        let fault = "GET /projects: Runtime Error: AST constructor recursion depth mismatch \
                     (before=66, after=59)";
        let report = |errors: &[&str]| ApiReport {
            errors: errors.iter().map(|e| (*e).to_owned()).collect(),
            ..ApiReport::default()
        };
        assert!(interpreter_faults_only(&report(&[fault, fault])));
        assert!(!interpreter_faults_only(&report(&[])));
        assert!(!interpreter_faults_only(&report(&[
            fault,
            "POST /y: Network Error: Connection reset"
        ])));
        let mut failing = report(&[fault]);
        failing.failures.push(Failure {
            code: "ST401".into(),
            check: "ignored_auth".into(),
            operation: "GET /game/ping".into(),
            title: "API accepts invalid authentication".into(),
            message: "Expected 401 or 403".into(),
        });
        assert!(!interpreter_faults_only(&failing));
    }
}
