//! `conformance run`: check a server (or the embedded mock) against a spec and report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gamespec_conformance::auth;
use gamespec_conformance::baseline::Baseline;
use gamespec_conformance::case::Phase;
use gamespec_conformance::checks::{self, CheckSettings};
use gamespec_conformance::coverage::MinCoverage;
use gamespec_conformance::mock::{MockOptions, MockServer};
use gamespec_conformance::outcome::{FailureRecord, RunResult};
use gamespec_conformance::report::{self, progress::Progress};
use gamespec_conformance::runner::{self, CheckSelection, Filters, Observer, RunConfig, Runner};
use gamespec_conformance::secrets::{self, Redactor};
use gamespec_conformance::wire;
use gamespec_spec::spec::Spec;

/// Exit code: the contract holds (or every failure is in the baseline).
const PASS: u8 = 0;
/// Exit code: at least one failure not accepted by the baseline.
const FAILURES: u8 = 1;
/// Exit code: bad flags, unreadable spec or baseline, server unreachable.
const CONFIG: u8 = 2;
/// Exit code: no failure, but the run did not test everything it selected (a login failed, a
/// budget ran out, the server answered only with rate limits), tested nothing at all, or fell
/// short of a `--min-coverage` minimum.
const INCOMPLETE: u8 = 3;

/// The exit codes, for `--help`.
const EXIT_CODES: &str = "Exit codes: 0 every selected operation was tested and the contract \
holds (or the baseline accepts every failure); 1 failures; 2 bad flags, an unreadable spec or \
baseline, or a server that cannot be reached; 3 incomplete: no failure, but a selected operation \
went untested (the reason per operation is in every report), nothing was tested at all, or a \
coverage figure is below its --min-coverage minimum.";

/// Flags of `conformance run`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_CODES)]
pub struct RunArgs {
    /// API name (`lootlocker`, `xsolla`) or path of an OpenAPI 3.0 file.
    #[arg(long)]
    spec: String,
    /// Server to test. Without it, an embedded mock of the spec is started on 127.0.0.1.
    /// Credentials come from one variable per security scheme (GAMESPEC_SESSION_TOKEN,
    /// GAMESPEC_DOMAIN_KEY, GAMESPEC_USER_JWT, GAMESPEC_SERVER_JWT) or the API's login flow.
    #[arg(long)]
    base_url: Option<String>,
    /// Only operations whose operationId matches (`*` globs; repeatable).
    #[arg(long = "operation", value_name = "PATTERN")]
    operations: Vec<String>,
    /// Leave out operations whose operationId matches (repeatable).
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,
    /// Only operations with this tag (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Only operations with this method (repeatable).
    #[arg(long = "method")]
    methods: Vec<String>,
    /// Leave out operations that change state (POST, PUT, PATCH, DELETE).
    #[arg(long)]
    read_only: bool,
    /// Phases to run, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "examples,boundary,positive,negative,protocol,stateful"
    )]
    phases: Vec<String>,
    /// Only these checks (codes or names, comma-separated); default: every check on by default.
    #[arg(long, value_delimiter = ',')]
    checks: Vec<String>,
    /// Switch these checks off (comma-separated).
    #[arg(long, value_delimiter = ',')]
    exclude_checks: Vec<String>,
    /// Per operation: `OPERATION=CODE[,CODE]` switches checks off for it (repeatable).
    #[arg(long = "disable-check", value_name = "OPERATION=CODES")]
    disable_for: Vec<String>,
    /// Enable `max_response_time` (C014) with this limit in milliseconds.
    #[arg(long, value_name = "MS")]
    max_response_time: Option<u64>,
    /// Random cases per operation in each random phase.
    #[arg(long, default_value_t = 10)]
    max_examples: u32,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Operations tested at once.
    #[arg(long, default_value_t = 8)]
    workers: usize,
    /// Threads the workers share [default: one per core; half the cores when the server is on
    /// this machine (localhost or a loopback address), which needs the others]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Stop after this many requests.
    #[arg(long)]
    max_requests: Option<u64>,
    /// Stop after this many seconds: no case starts, no pause and no request in flight
    /// outlasts it. Operations left without a case are untested (exit 3).
    #[arg(long, value_name = "SECS")]
    time_budget: Option<f64>,
    /// Fuzz: keep drawing new random cases (positive and negative phases, a fresh seed each
    /// round, every operation in turn) until --time-budget is spent; no example limit. Memory
    /// stays flat: counters per operation, at most 5 stored failures per operation and check.
    /// The first round runs every selected phase. Needs --time-budget.
    #[arg(long, requires = "time_budget")]
    fuzz: bool,
    /// Minimum coverage in percent, `KIND=PERCENT[,KIND=PERCENT…]` (repeatable), kinds:
    /// `operations` (selected operations with a judged case), `statuses` (documented statuses
    /// observed), `parameters` (documented parameters sent), `properties` (request-body
    /// properties sent). E.g. `--min-coverage operations=100,statuses=60,parameters=90`. A
    /// figure below its minimum makes a run without failures exit 3.
    #[arg(long, value_name = "KIND=PERCENT,…")]
    min_coverage: Vec<String>,
    /// At most this many requests per second (`Retry-After` is honoured as well).
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Longest pause a 429 or 503 with `Retry-After` gets before its case is retried once
    /// (a longer `Retry-After` is honoured for this long).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    max_retry_pause: f64,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    timeout: f64,
    /// List what would run, send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Accepted failures (TOML); only failures it does not accept fail the run.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Fail (exit 1) when a baseline entry is expired or matched nothing: the baseline must
    /// describe exactly the server's known failures.
    #[arg(long, requires = "baseline")]
    strict_baseline: bool,
    /// Write a baseline accepting every failure of this run.
    #[arg(long)]
    write_baseline: Option<PathBuf>,
    #[command(flatten)]
    reports: ReportFiles,
    /// No progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("conformance run: {message}");
    ExitCode::from(CONFIG)
}

fn phases(names: &[String]) -> Result<BTreeSet<Phase>, String> {
    names
        .iter()
        .map(|n| {
            Phase::ALL
                .into_iter()
                .find(|p| p.as_str() == n.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown phase `{n}`; phases: {}",
                        Phase::ALL.map(Phase::as_str).join(", ")
                    )
                })
        })
        .collect()
}

fn check_code(name: &str) -> Result<&'static str, String> {
    checks::find(name.trim())
        .map(|c| c.code())
        .ok_or_else(|| format!("unknown check `{name}`; `conformance checks` lists them"))
}

/// The run configuration from the flags.
fn config(args: &RunArgs, spec: &Spec) -> Result<RunConfig, String> {
    let mut selection = CheckSelection::default();
    if !args.checks.is_empty() {
        selection.enabled = args
            .checks
            .iter()
            .map(|c| check_code(c))
            .collect::<Result<_, _>>()?;
    }
    for c in &args.exclude_checks {
        selection.enabled.remove(check_code(c)?);
    }
    let mut settings = CheckSettings::default();
    if let Some(ms) = args.max_response_time {
        settings.max_response_time = Duration::from_millis(ms);
        selection.enabled.insert(check_code("max_response_time")?);
    }
    for rule in &args.disable_for {
        let (op, codes) = rule
            .split_once('=')
            .ok_or_else(|| format!("--disable-check `{rule}`: expected OPERATION=CODE[,CODE]"))?;
        if spec.operation(op).is_none() {
            return Err(format!(
                "--disable-check `{rule}`: the spec has no operation `{op}`"
            ));
        }
        let set = selection.disabled_for.entry(op.to_owned()).or_default();
        for code in codes.split(',') {
            set.insert(check_code(code)?);
        }
    }
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(format!("--{name} must be a positive number of seconds"))
        }
    };
    if args.workers == 0 {
        return Err("--workers must be at least 1".into());
    }
    // A pattern that selects nothing is a typo more often than an intent.
    for (flag, patterns) in [
        ("--operation", &args.operations),
        ("--exclude", &args.exclude),
    ] {
        for pattern in patterns.iter() {
            if !spec
                .operations
                .iter()
                .any(|op| gamespec_conformance::pattern::matches(pattern, &op.id))
            {
                return Err(format!(
                    "{flag} `{pattern}` matches no operationId of {}",
                    spec.name()
                ));
            }
        }
    }
    Ok(RunConfig {
        filters: Filters {
            operations: args.operations.clone(),
            exclude: args.exclude.clone(),
            tags: args.tags.clone(),
            methods: args
                .methods
                .iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
        },
        read_only: args.read_only,
        phases: phases(&args.phases)?,
        max_examples: args.max_examples,
        seed: args.seed,
        checks: selection,
        settings,
        workers: args.workers,
        threads: args.threads.map(usize::from),
        max_requests: args.max_requests,
        time_budget: args
            .time_budget
            .map(|t| positive("time-budget", t))
            .transpose()?,
        rate_limit: args.rate_limit,
        fuzz: args.fuzz,
        timeout: positive("timeout", args.timeout)?,
        max_retry_after: if args.max_retry_pause.is_finite() && args.max_retry_pause >= 0.0 {
            Duration::from_secs_f64(args.max_retry_pause)
        } else {
            return Err("--max-retry-pause must be a number of seconds, 0 or more".into());
        },
        ..RunConfig::default()
    })
}

/// The progress bar, created once the runner knows how many cases it plans.
struct Bar {
    redactor: Redactor,
    enabled: bool,
    bar: Mutex<Option<Progress>>,
}

impl Observer for Bar {
    fn planned(&self, cases: u64) {
        if !self.enabled {
            return;
        }
        let mut bar = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        bar.get_or_insert_with(|| Progress::new(0, self.redactor.clone()))
            .extend(cases);
    }

    fn case_done(&self, operation: &str) {
        if !self.enabled {
            return;
        }
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.set_message(operation);
            bar.inc(1);
        }
    }

    fn failure(&self, failure: &FailureRecord, redactor: &Redactor) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.println(&redactor.redact(&format!(
                "{} {}  {}: expected {}, got {}",
                failure.code,
                failure.check,
                failure.operation,
                failure.failure.expected,
                failure.failure.actual
            )));
        }
    }
}

impl Bar {
    fn finish(&self) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.finish();
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Run `conformance run`.
pub async fn run(args: RunArgs) -> ExitCode {
    let spec = match Spec::load(&args.spec) {
        Ok(s) => Arc::new(s),
        Err(e) => return fail(e),
    };
    let config = match config(&args, &spec) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut minimums = MinCoverage::default();
    for text in &args.min_coverage {
        if let Err(e) = minimums.add(text) {
            return fail(format!("--min-coverage: {e}"));
        }
    }
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    if args.dry_run {
        print!("{}", dry_run(&spec, &config));
        return ExitCode::from(PASS);
    }
    let redactor = Redactor::new();
    if let Some(url) = &args.base_url {
        redactor.add_url_userinfo(url);
    }
    // The embedded mock: started here, credentials for what no login flow can obtain.
    let (base_url, mut credentials, mock) = match &args.base_url {
        Some(url) => {
            if let Err(e) = reachable(url, config.timeout).await {
                return fail(format!(
                    "cannot reach {}: {}",
                    secrets::display_url(url),
                    redactor.redact(&e)
                ));
            }
            (url.clone(), auth::from_env(&spec), None)
        }
        None => {
            let handle = match MockServer::start(spec.clone(), MockOptions::default()).await {
                Ok(h) => h,
                Err(e) => return fail(format!("cannot start the embedded mock: {e}")),
            };
            let keys = auth::given_by_mock(&spec, handle.credentials());
            (handle.url().to_owned(), keys, Some(handle))
        }
    };
    for (scheme, value) in auth::from_env(&spec) {
        credentials.entry(scheme).or_insert(value);
    }
    eprintln!(
        "conformance run: {} ({} operations) against {}, seed {}",
        spec.name(),
        spec.operations.len(),
        secrets::display_url(&base_url),
        config.seed
    );
    let bar = Arc::new(Bar {
        redactor: redactor.clone(),
        enabled: !args.no_progress,
        bar: Mutex::new(None),
    });
    let runner = Runner::new(spec.clone(), &base_url, config, redactor.clone());
    let mut result = runner.run(credentials, bar.clone()).await;
    bar.finish();
    if let Some(mock) = mock {
        let _ = mock.shutdown().await;
    }
    let mut notes = Vec::new();
    let mut stale = false;
    if let Some(baseline) = &baseline {
        let applied = baseline.apply(&mut result, chrono::Local::now().date_naive());
        stale = !applied.expired.is_empty() || !applied.unused.is_empty();
        notes.push(applied.to_string());
    }
    print!(
        "{}",
        report::console::console(&result, &redactor, report::console::colour_stdout())
    );
    for note in notes.iter().filter(|n| !n.is_empty()) {
        println!("{note}");
    }
    if let Err(e) = outputs(&args, &result, &redactor) {
        return fail(e);
    }
    let coverage = result.coverage();
    if !coverage.complete() {
        eprintln!("conformance run: incomplete: {}", coverage.summary());
    }
    let shortfalls = minimums.shortfalls(&coverage);
    for s in &shortfalls {
        eprintln!("conformance run: incomplete: {s} (--min-coverage)");
    }
    if result.new_failures().next().is_some() || (args.strict_baseline && stale) {
        ExitCode::from(FAILURES)
    } else if !coverage.complete() || !shortfalls.is_empty() {
        ExitCode::from(INCOMPLETE)
    } else {
        ExitCode::from(PASS)
    }
}

/// Where the report formats go (each optional): the same flags for `run` and `proxy`.
#[derive(Debug, clap::Args)]
pub struct ReportFiles {
    /// Write JUnit XML here.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Write a Markdown summary here.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write every failing exchange as NDJSON here (input of `conformance replay`).
    #[arg(long)]
    ndjson: Option<PathBuf>,
    /// Write the whole result (tallies, failures, counters) as JSON here, secrets replaced.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Write the requested reports of `result`, secrets redacted.
pub fn write_reports(
    paths: &ReportFiles,
    result: &RunResult,
    redactor: &Redactor,
) -> Result<(), String> {
    if let Some(path) = &paths.junit {
        let xml = report::junit::junit(result, redactor).map_err(|e| e.to_string())?;
        write(path, &xml)?;
    }
    if let Some(path) = &paths.markdown {
        write(path, &report::markdown::markdown(result, redactor))?;
    }
    if let Some(path) = &paths.ndjson {
        let text = report::ndjson::ndjson(result, redactor).map_err(|e| e.to_string())?;
        write(path, &text)?;
    }
    if let Some(path) = &paths.json {
        let mut value = serde_json::to_value(result).map_err(|e| e.to_string())?;
        if let Some(map) = value.as_object_mut() {
            let coverage = serde_json::to_value(result.coverage()).map_err(|e| e.to_string())?;
            map.insert("coverage".into(), coverage);
        }
        let value = report::ndjson::redact_value(value, redactor);
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        write(path, &redactor.redact(&text))?;
    }
    Ok(())
}

fn outputs(args: &RunArgs, result: &RunResult, redactor: &Redactor) -> Result<(), String> {
    write_reports(&args.reports, result, redactor)?;
    if let Some(path) = &args.write_baseline {
        let text = Baseline::from_failures(result).map_err(|e| e.to_string())?;
        write(path, &text)?;
    }
    Ok(())
}

/// One request to the server's root: a refused connection or unknown host is a configuration
/// problem (exit 2), not thousands of failures.
async fn reachable(url: &str, timeout: Duration) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("only http and https URLs are supported".into());
    }
    let client = wire::client(timeout);
    let request = gamespec_conformance::exchange::WireRequest {
        method: "GET".into(),
        url: parsed.to_string(),
        headers: Vec::new(),
        body: None,
        parts: None,
    };
    // The error never quotes the URL, which may carry a password.
    wire::send(&client, &request).await.map(|_| ())
}

/// The `--dry-run` listing: each operation with its planned cases per phase.
fn dry_run(spec: &Spec, config: &RunConfig) -> String {
    let plan = runner::plan(spec, config);
    let mut out = String::new();
    let mut total = 0u64;
    let mut running = 0usize;
    let mut filtered = 0usize;
    for p in &plan {
        match &p.skipped {
            Some(why) if why == gamespec_conformance::outcome::FILTERED_OUT => filtered += 1,
            Some(why) => out.push_str(&format!("skip  {:<40} {}  ({why})\n", p.operation, p.label)),
            None => {
                running += 1;
                let n: u64 = p.cases.values().sum();
                total += n;
                let per: BTreeMap<&str, u64> =
                    p.cases.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                let per: Vec<String> = per.iter().map(|(k, v)| format!("{k} {v}")).collect();
                out.push_str(&format!(
                    "run   {:<40} {}  ({n} cases: {})\n",
                    p.operation,
                    p.label,
                    per.join(", ")
                ));
            }
        }
    }
    out.push_str(&format!(
        "{running} of {} operations ({filtered} filtered out), about {total} cases\n",
        plan.len()
    ));
    out
}
