//! `cargo xtask bench-mock`: requests/s and latency of the conformance mock against Prism serving
//! the same spec, on the same machine, in the same run.
//!
//! * Servers: the mock (built in release mode, started with `conformance mock --spec NAME --port
//!   0 --seed 1`, see [`crate::mock::start_mock`]) twice, stateful (the default: it plays the
//!   API's behaviour file) and `--stateless` (answers from examples only), and Prism (`@stoplight/prism-cli`, pinned in
//!   `xtask/validators/prism/` and installed with `npm ci --ignore-scripts` into
//!   `target/validators/prism/`), run as `node …/prism-cli/dist/index.js mock -h 127.0.0.1 -p PORT
//!   --verboseLevel warn SPEC` (one process; its per-request info logging off so that logging does
//!   not inflate the ratio). Both bind 127.0.0.1 only; both are stopped at the end, also on errors
//!   and on Ctrl-C.
//! * Load: `oha` (crates.io), pinned to [`OHA_VERSION`] and installed on first use with
//!   `cargo install --locked` into `target/validators/oha/` (used as a binary, not as a library:
//!   as a library its dependency tree would be compiled into every `cargo xtask` command). Each
//!   measurement is `oha --no-tui --output-format json -z Ns -c C` against one operation with the
//!   credentials the mock printed (Prism only checks that they are present), after a one-second
//!   warm-up that is not counted. Each oha run is bounded by its duration and killed if it
//!   overruns.
//! * Operations: per API a simple one (small response) and a large one (the largest example
//!   response among the GETs without required parameters), see the `[[api.bench]]` entries of `spec/registry.toml`.
//! * Output: a table of server, operation, requests/s, p50, p99 (ms), share of 2xx answers and,
//!   on each mock row, its ratio of requests/s to Prism's; the raw oha JSON is kept in `target/bench-mock/<api>/`. The
//!   load generator shares the machine's cores with the server under test, so the numbers are a
//!   lower bound; nothing is asserted: the command fails (exit 2) only when something cannot run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gamespec_spec::registry::{Api, apis};
use serde_json::Value;

use crate::error::{self, ToolError, io_error};
use crate::install::{self, NO_NODE, REINSTALL};
use crate::mock;
use crate::process::{self, Child};

/// The pinned oha release (crates.io); built with its default TLS feature only.
pub const OHA_VERSION: &str = "1.16.0";
/// The Prism pins (`package.json` + `package-lock.json`), relative to the workspace root.
pub const PRISM_PINS: &str = "xtask/validators/prism";
/// Prism's entry script inside its npm install.
const PRISM_JS: &str = "node_modules/@stoplight/prism-cli/dist/index.js";
/// How long Prism may take to load a spec and listen.
const PRISM_READY_TIMEOUT: Duration = Duration::from_secs(180);
/// Seconds of unreported warm-up load per server and operation.
const WARM_UP_SECS: u64 = 1;

/// `cargo xtask bench-mock` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all).
    #[arg(long, value_parser = api_names())]
    pub api: Option<String>,
    /// Seconds of measured load per server and operation.
    #[arg(long, default_value_t = 5, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub duration_secs: u64,
    /// Concurrent connections the load generator keeps open.
    #[arg(long, default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub connections: u32,
}

fn api_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str()))
}

/// Which server a row measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Server {
    /// The mock as it runs by default, keeping game state.
    Mock,
    /// The mock with `--stateless`.
    Stateless,
    Prism,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Mock => "mock",
            Server::Stateless => "stateless",
            Server::Prism => "prism",
        }
    }
}

/// One measurement: one server under load on one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub api: String,
    /// `simple` or `large`.
    pub label: String,
    /// `GET /path`.
    pub operation: String,
    pub server: Server,
    pub requests_per_sec: f64,
    /// Latency percentiles, milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Share of responses with a 2xx status, 0–100.
    pub ok_percent: f64,
    /// Responses counted.
    pub responses: usize,
    /// Bytes per response (oha's average).
    pub bytes_per_response: Option<u64>,
}

/// Every row of a run, in measurement order.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub rows: Vec<Row>,
}

impl Summary {
    /// `server`'s req/s over Prism's req/s for (api, label), when both were measured.
    pub fn ratio(&self, api: &str, label: &str, server: Server) -> Option<f64> {
        let rps = |server| {
            self.rows
                .iter()
                .find(|r| r.api == api && r.label == label && r.server == server)
                .map(|r| r.requests_per_sec)
        };
        let (mock, prism) = (rps(server)?, rps(Server::Prism)?);
        (prism > 0.0).then(|| mock / prism)
    }
}

/// Measure the selected APIs and print the table. `Err` means something could not run (oha,
/// Prism or the mock not installable, not starting, or oha failing): exit 2.
pub fn run(root: &Path, args: &Args) -> Result<Summary, ToolError> {
    let apis: Vec<&Api> = match &args.api {
        Some(name) => apis().iter().filter(|a| a.name == *name).collect(),
        None => apis().iter().collect(),
    };
    let started = Instant::now();
    // Prism first: it is the quick install, and it finds a missing node/npm before oha's build.
    let prism = install_prism(root)?;
    let oha = install::install_crate(root, "oha", OHA_VERSION, &["rustls"], "oha")?;
    let mock_exe = mock::build_mock(root, true)?;
    let prism_version = prism_version(&prism)?;
    eprintln!(
        "bench-mock: oha {OHA_VERSION}, prism {prism_version}, {} s per measurement, {} connections",
        args.duration_secs, args.connections
    );

    let mut summary = Summary::default();
    for api in apis {
        bench_api(root, api, args, &oha, &prism, &mock_exe, &mut summary)?;
    }
    print_table(&summary, args, &prism_version);
    eprintln!("bench-mock: done in {:.1?}", started.elapsed());
    Ok(summary)
}

/// Prism's `--version`.
fn prism_version(prism: &Path) -> Result<String, ToolError> {
    let mut node = Command::new("node");
    node.arg(prism).arg("--version");
    let out = process::output(
        node,
        "node",
        NO_NODE,
        "prism --version",
        Duration::from_secs(60),
    )?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || version.is_empty() {
        return Err(ToolError::failed(
            "prism --version",
            &process::combined(&out),
            REINSTALL,
        ));
    }
    Ok(version)
}

/// Start both servers for one API, measure its operations on each, stop them.
fn bench_api(
    root: &Path,
    api: &Api,
    args: &Args,
    oha: &Path,
    prism_js: &Path,
    mock_exe: &Path,
    summary: &mut Summary,
) -> Result<(), ToolError> {
    let spec_path = api.spec_path(root);
    let spec = mock::load_spec(api, &spec_path)?;
    let operations: Vec<(&str, &str)> = api
        .bench
        .iter()
        .map(|b| (b.label.as_str(), b.path.as_str()))
        .collect();
    let befores: Vec<&gamespec_spec::registry::BenchRequest> =
        api.bench.iter().filter_map(|b| b.before.as_ref()).collect();
    for (_, path) in &operations {
        if spec.value["paths"][*path]["get"].is_null() {
            return Err(ToolError::Failed {
                step: format!("bench-mock {}", api.name),
                output: format!("{} has no GET {path}", api.spec_file()),
                hint: "update the API's [[api.bench]] entries in spec/registry.toml",
            });
        }
    }
    let dir = root.join("target/bench-mock").join(&api.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;

    // Both servers live until the end of this function, whatever happens.
    let mock = mock::start_mock(mock_exe, &api.name, Some(1), &dir.join("mock.log"), true)?;
    let stateless = mock::start_mock_with(
        mock_exe,
        &api.name,
        Some(1),
        &dir.join("stateless.log"),
        true,
        &["--stateless".to_owned()],
    )?;
    // Both mocks issue the same credentials from the same seed; the stateful one's are used.
    let (headers, _) = mock::credential_headers(&spec.value, &mock.credentials);
    let (_prism, prism_url) = start_prism(prism_js, &spec_path, &dir.join("prism.log"))?;
    eprintln!(
        "{}: mock at {}, stateless mock at {}, prism at {prism_url}",
        api.name, mock.url, stateless.url
    );

    let servers = [
        (Server::Mock, &mock.url),
        (Server::Stateless, &stateless.url),
        (Server::Prism, &prism_url),
    ];
    for (_, base) in servers {
        for before in &befores {
            prepare(oha, &format!("{base}{}", before.path), &headers, before)?;
        }
    }
    // Operation by operation, the servers one after the other: the machine's load drifts, and
    // the rows compared should be measured as close together as they can.
    for &(label, path) in &operations {
        for (server, base) in servers {
            let url = format!("{base}{path}");
            let raw = dir.join(format!("{}-{label}.json", server.name()));
            let _warm_up = load(oha, &url, &headers, WARM_UP_SECS, args.connections)?;
            let result = load(oha, &url, &headers, args.duration_secs, args.connections)?;
            std::fs::write(&raw, result.to_string()).map_err(io_error(&raw))?;
            let row = row_from_oha(&result, &api.name, label, &format!("GET {path}"), server)
                .ok_or_else(|| {
                    ToolError::failed(
                        format!("reading oha's JSON for {url}"),
                        &error::truncate(&result.to_string(), 1000),
                        REINSTALL,
                    )
                })?;
            eprintln!(
                "{}: {:<9} {label:<6} {:>10.1} req/s  p99 {:.2} ms  {:.1}% 2xx",
                api.name,
                server.name(),
                row.requests_per_sec,
                row.p99_ms,
                row.ok_percent
            );
            summary.rows.push(row);
        }
    }
    Ok(())
}

/// Install Prism from the pins (first use only); returns the path of its CLI script.
pub fn install_prism(root: &Path) -> Result<PathBuf, ToolError> {
    Ok(install::install_npm(root, PRISM_PINS, "prism", "@stoplight/prism-cli")?.join(PRISM_JS))
}

/// Start Prism on a free loopback port; returns it (stopped on drop) and its base URL.
pub fn start_prism(prism_js: &Path, spec: &Path, log: &Path) -> Result<(Child, String), ToolError> {
    let port = process::free_port()?;
    let log_file = std::fs::File::create(log).map_err(io_error(log))?;
    let mut node = Command::new("node");
    node.arg(prism_js)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["--verboseLevel", "warn"])
        .arg(spec)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().map_err(io_error(log))?)
        .stderr(log_file);
    let mut child = Child::spawn(node, "node", NO_NODE)?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    process::wait_for_port(addr, &mut child, "prism", log, PRISM_READY_TIMEOUT)?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

/// Send the preparation request once (with oha, the one HTTP client the xtask installs).
fn prepare(
    oha: &Path,
    url: &str,
    headers: &[(String, String)],
    before: &gamespec_spec::registry::BenchRequest,
) -> Result<(), ToolError> {
    let mut command = Command::new(oha);
    command
        .args(["--no-tui", "--output-format", "json", "-n", "1", "-c", "1"])
        .args([
            "-m",
            &before.method,
            "-T",
            "application/json",
            "-d",
            &before.body,
        ]);
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    command.arg(url);
    let step = format!("oha -m {} {url}", before.method);
    let out = process::output(command, "oha", REINSTALL, &step, Duration::from_secs(60))?;
    if !out.status.success() {
        return Err(ToolError::failed(step, &process::combined(&out), REINSTALL));
    }
    Ok(())
}

/// One oha run of `secs` seconds against `url`; returns its JSON result.
pub(crate) fn load(
    oha: &Path,
    url: &str,
    headers: &[(String, String)],
    secs: u64,
    connections: u32,
) -> Result<Value, ToolError> {
    let mut command = Command::new(oha);
    command
        .args(["--no-tui", "--output-format", "json"])
        .args(["-z", &format!("{secs}s")])
        .args(["-c", &connections.to_string()])
        .args(["-t", "10s"]);
    for (name, value) in headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    command.arg(url);
    let step = format!("oha -z {secs}s {url}");
    let timeout = Duration::from_secs(secs + 60);
    let out = process::output(command, "oha", REINSTALL, &step, timeout)?;
    if !out.status.success() {
        return Err(ToolError::failed(
            format!("{step} ({})", out.status),
            &process::combined(&out),
            REINSTALL,
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|_| {
        ToolError::failed(
            format!("{step}: output is not JSON"),
            &process::combined(&out),
            REINSTALL,
        )
    })
}

/// A [`Row`] from oha's `--output-format json` result.
fn row_from_oha(v: &Value, api: &str, label: &str, operation: &str, server: Server) -> Option<Row> {
    let summary = &v["summary"];
    let requests_per_sec = summary["requestsPerSec"].as_f64()?;
    let latency_ms = &v["metrics"]["latency_ms"];
    let percentile = |p: &str| {
        latency_ms[p]
            .as_f64()
            .or_else(|| v["latencyPercentiles"][p].as_f64().map(|s| s * 1000.0))
    };
    let statuses = v["statusCodeDistribution"].as_object()?;
    let mut responses = 0usize;
    let mut ok = 0usize;
    for (status, n) in statuses {
        let n = n.as_u64().unwrap_or(0) as usize;
        responses += n;
        if status.starts_with('2') {
            ok += n;
        }
    }
    Some(Row {
        api: api.to_owned(),
        label: label.to_owned(),
        operation: operation.to_owned(),
        server,
        requests_per_sec,
        p50_ms: percentile("p50").unwrap_or(f64::NAN),
        p99_ms: percentile("p99").unwrap_or(f64::NAN),
        ok_percent: if responses == 0 {
            0.0
        } else {
            100.0 * ok as f64 / responses as f64
        },
        responses,
        bytes_per_response: summary["sizePerRequest"].as_u64(),
    })
}

/// The results table (stdout), then warnings for rows with non-2xx answers (stderr).
fn print_table(summary: &Summary, args: &Args, prism_version: &str) {
    println!(
        "{:<10} {:<6} {:<28} {:<9} {:>11} {:>9} {:>9} {:>7} {:>9} {:>8}",
        "api",
        "size",
        "operation",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "2xx %",
        "bytes",
        "ratio"
    );
    // Mock and Prism rows of one operation together, in registry order.
    let position = |r: &Row| {
        apis()
            .iter()
            .flat_map(|a| {
                a.bench
                    .iter()
                    .map(move |b| (a.name.as_str(), b.label.as_str()))
            })
            .position(|(api, label)| api == r.api && label == r.label)
    };
    let mut rows: Vec<&Row> = summary.rows.iter().collect();
    rows.sort_by_key(|r| (position(r), r.server));
    for r in rows {
        let ratio = match r.server {
            Server::Prism => String::new(),
            server => summary
                .ratio(&r.api, &r.label, server)
                .map_or("-".into(), |x| format!("{x:.1}x")),
        };
        println!(
            "{:<10} {:<6} {:<28} {:<9} {:>11.1} {:>9.2} {:>9.2} {:>7.1} {:>9} {:>8}",
            r.api,
            r.label,
            r.operation,
            r.server.name(),
            r.requests_per_sec,
            r.p50_ms,
            r.p99_ms,
            r.ok_percent,
            r.bytes_per_response.map_or("-".into(), |b| b.to_string()),
            ratio
        );
    }
    println!(
        "ratio = that mock's req/s / prism req/s (target for the stateful mock >= 50x); oha {OHA_VERSION}, prism {prism_version}, {} s, {} connections, load generator on the same cores",
        args.duration_secs, args.connections
    );
    for r in summary.rows.iter().filter(|r| r.ok_percent < 100.0) {
        eprintln!(
            "warning: {} {} {}: only {:.1}% of {} responses were 2xx (see target/bench-mock/{}/)",
            r.api,
            r.server.name(),
            r.operation,
            r.ok_percent,
            r.responses,
            r.api
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_oha_json() {
        let v = serde_json::json!({
            "summary": {"requestsPerSec": 1234.5, "sizePerRequest": 49},
            "metrics": {"latency_ms": {"p50": 0.5, "p99": 2.0}},
            "latencyPercentiles": {"p50": 0.0005, "p99": 0.002},
            "statusCodeDistribution": {"200": 90, "401": 10}
        });
        let row = row_from_oha(&v, "lootlocker", "simple", "GET /game/ping", Server::Mock)
            .expect("a row");
        assert_eq!(row.requests_per_sec, 1234.5);
        assert_eq!((row.p50_ms, row.p99_ms), (0.5, 2.0));
        assert_eq!(row.ok_percent, 90.0);
        assert_eq!(row.responses, 100);
        let old = serde_json::json!({
            "summary": {"requestsPerSec": 1.0},
            "latencyPercentiles": {"p50": 0.25, "p99": 0.5},
            "statusCodeDistribution": {}
        });
        let row = row_from_oha(&old, "x", "y", "z", Server::Prism).expect("a row");
        assert_eq!(
            (row.p50_ms, row.p99_ms, row.ok_percent),
            (250.0, 500.0, 0.0)
        );
        assert!(row_from_oha(&serde_json::json!({}), "x", "y", "z", Server::Mock).is_none());
    }

    #[test]
    fn ratios() {
        let row = |server, rps| Row {
            api: "a".into(),
            label: "simple".into(),
            operation: "GET /".into(),
            server,
            requests_per_sec: rps,
            p50_ms: 0.0,
            p99_ms: 0.0,
            ok_percent: 100.0,
            responses: 1,
            bytes_per_response: None,
        };
        let s = Summary {
            rows: vec![
                row(Server::Mock, 5000.0),
                row(Server::Stateless, 6000.0),
                row(Server::Prism, 100.0),
            ],
        };
        assert_eq!(s.ratio("a", "simple", Server::Mock), Some(50.0));
        assert_eq!(s.ratio("a", "simple", Server::Stateless), Some(60.0));
        assert_eq!(s.ratio("a", "large", Server::Mock), None);
    }

    #[test]
    fn operations_exist_in_the_specs() {
        let root = gamespec_spec::registry::workspace_root();
        for (api, path) in apis()
            .iter()
            .flat_map(|a| a.bench.iter().map(move |b| (a, b.path.as_str())))
        {
            let spec = gamespec_spec::load::load(&api.spec_path(&root)).expect("spec loads");
            assert!(
                !spec.value["paths"][path]["get"].is_null(),
                "{} GET {path}",
                api.name
            );
        }
    }
}
