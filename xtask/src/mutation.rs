//! `cargo xtask mutation-schemathesis`: the mutation score of the conformance runner beside
//! Schemathesis's, from one run, on the same fault-injected mock and the same operations.
//!
//! Per API, the mock says which operations each fault kind applies to
//! (`conformance mock --fault-plan`). Both tools first test the clean mock; then, per kind, one
//! mock carries the fault on every operation it applies to (the operations the runner logs in
//! with get a mock of their own, as in the self-test, so that a broken login does not hide the
//! rest) and both tools test exactly those operations. A (kind, operation) pair counts as
//! detected by a tool when the tool reports a failure on that operation, by a check that did
//! not fail on that operation against the clean mock: one definition for both tools, since
//! their checks differ. Schemathesis runs with all its checks and its four phases, the pinned
//! version of `cargo xtask schemathesis`; the runner with all its phases.
//!
//! Output: a Markdown table per kind (pairs, detected by each tool) on stdout and in
//! `target/mutation-schemathesis/score.md`; work files beside it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gamespec_spec::registry::{Api, CredentialKind, apis, credential_variable};
use serde_json::Value;

use crate::bench_conformance::runner_command;
use crate::error::{ToolError, io_error};
use crate::install::REINSTALL;
use crate::{mock, process, schemathesis};

/// Longest one tool's run against one mock may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// What to do when the conformance binary misbehaves.
const CONFORMANCE_HINT: &str = "build it with cargo build -p gamespec-conformance";

/// `cargo xtask mutation-schemathesis` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all).
    #[arg(long)]
    pub api: Option<String>,
    /// Only these fault kinds (default: all; repeatable).
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// Random cases per operation in each random phase, for both tools.
    #[arg(long, default_value_t = 3)]
    pub max_examples: u32,
    /// Seed of both tools and the mock.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// At most this many operations per kind and batch, the first in spec order (0: all).
    /// Schemathesis takes minutes per run over a whole spec; a sample keeps the whole table
    /// within minutes.
    #[arg(long, default_value_t = 0)]
    pub sample: usize,
}

/// Pairs and detections of one kind.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Applicable (kind, operation) pairs.
    pub pairs: usize,
    /// Detected by the conformance runner.
    pub ours: usize,
    /// Detected by Schemathesis.
    pub schemathesis: usize,
}

/// Failures of one tool's run: (operationId, check) pairs.
type Found = BTreeSet<(String, String)>;

/// Run everything; the score table by kind, plus the false positives of each tool on the
/// clean mock (failures there).
pub fn run(root: &Path, args: &Args) -> Result<BTreeMap<String, Row>, ToolError> {
    let started = Instant::now();
    let exe = mock::build_mock(root, false)?;
    let st = schemathesis::install(root)?;
    let dir = root.join("target/mutation-schemathesis");
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut clean_failures = (0usize, 0usize);
    for api in apis()
        .iter()
        .filter(|a| args.api.as_ref().is_none_or(|n| n == &a.name))
    {
        let spec = mock::load_spec(api, &api.spec_path(root))?;
        let ids = operation_ids(&spec.value);
        let plan = fault_plan(&exe, api)?;
        let logins: BTreeSet<&str> = api
            .profile
            .logins
            .iter()
            .map(|l| l.operation.as_str())
            .collect();
        let deletes: BTreeSet<&String> = ids
            .iter()
            .filter(|(label, _)| label.starts_with("DELETE "))
            .map(|(_, id)| id)
            .collect();
        // Per kind, the batches: the login operations alone (a broken login leaves the rest
        // untested), deletes apart (their examples delete what the reads of a run show), the
        // rest; each cut to the sample.
        let mut batches: Vec<(String, usize, Vec<String>)> = Vec::new();
        for (kind, operations) in &plan {
            if !args.kinds.is_empty() && !args.kinds.contains(kind) {
                continue;
            }
            let (login, rest): (Vec<String>, Vec<String>) = operations
                .iter()
                .cloned()
                .partition(|op| logins.contains(op.as_str()));
            let (delete, rest): (Vec<String>, Vec<String>) =
                rest.into_iter().partition(|op| deletes.contains(op));
            for (n, mut batch) in [rest, delete, login].into_iter().enumerate() {
                if args.sample > 0 {
                    batch.truncate(args.sample);
                }
                if !batch.is_empty() {
                    batches.push((kind.clone(), n, batch));
                }
            }
        }
        let mut every: Vec<String> = batches.iter().flat_map(|b| b.2.clone()).collect();
        every.sort();
        every.dedup();
        let work = dir.join(&api.name).join("clean");
        let clean = both(
            root,
            &exe,
            &st,
            api,
            &spec.value,
            &ids,
            &[],
            &every,
            args,
            &work,
        )?;
        clean_failures.0 += clean.0.len();
        clean_failures.1 += clean.1.len();
        {
            for (kind, n, batch) in &batches {
                let faults: Vec<String> = batch.iter().map(|op| format!("{kind}:{op}")).collect();
                let work = dir.join(&api.name).join(format!("{kind}-{n}"));
                let found = both(
                    root,
                    &exe,
                    &st,
                    api,
                    &spec.value,
                    &ids,
                    &faults,
                    batch,
                    args,
                    &work,
                )?;
                let row = rows.entry(kind.clone()).or_default();
                for op in batch {
                    row.pairs += 1;
                    let new = |found: &Found, clean: &Found| {
                        found.iter().any(|(o, check)| {
                            o == op && !clean.contains(&(o.clone(), check.clone()))
                        })
                    };
                    row.ours += usize::from(new(&found.0, &clean.0));
                    row.schemathesis += usize::from(new(&found.1, &clean.1));
                }
                eprintln!(
                    "{}: {kind} ({} operations): runner {} / schemathesis {} so far",
                    api.name,
                    batch.len(),
                    rows[kind].ours,
                    rows[kind].schemathesis
                );
            }
        }
    }
    let table = render(&rows, clean_failures, started.elapsed());
    println!("{table}");
    let out = dir.join("score.md");
    std::fs::write(&out, &table).map_err(io_error(&out))?;
    Ok(rows)
}

/// The score table in Markdown.
fn render(rows: &BTreeMap<String, Row>, clean: (usize, usize), elapsed: Duration) -> String {
    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    let mut out = String::from(
        "| fault kind | pairs | conformance runner | Schemathesis |\n| --- | ---: | ---: | ---: |\n",
    );
    let mut total = Row::default();
    for (kind, r) in rows {
        total.pairs += r.pairs;
        total.ours += r.ours;
        total.schemathesis += r.schemathesis;
        out.push_str(&format!(
            "| {kind} | {} | {} ({:.1}%) | {} ({:.1}%) |\n",
            r.pairs,
            r.ours,
            pct(r.ours, r.pairs),
            r.schemathesis,
            pct(r.schemathesis, r.pairs)
        ));
    }
    out.push_str(&format!(
        "| **total** | {} | {} ({:.1}%) | {} ({:.1}%) |\n\nFailures on the clean mock (false positives): conformance runner {}, Schemathesis {}. Time: {:.0?}.\n",
        total.pairs,
        total.ours,
        pct(total.ours, total.pairs),
        total.schemathesis,
        pct(total.schemathesis, total.pairs),
        clean.0,
        clean.1,
        elapsed
    ));
    out
}

/// `METHOD /path` → operationId, from the spec document.
fn operation_ids(spec: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                out.insert(
                    format!("{} {path}", method.to_ascii_uppercase()),
                    id.to_owned(),
                );
            }
        }
    }
    out
}

/// Kind → operations, as the mock reports them.
fn fault_plan(exe: &Path, api: &Api) -> Result<BTreeMap<String, Vec<String>>, ToolError> {
    let mut command = Command::new(exe);
    command.args(["mock", "--spec", &api.name, "--fault-plan"]);
    let step = format!("conformance mock --spec {} --fault-plan", api.name);
    let out = process::output(command, "conformance", CONFORMANCE_HINT, &step, RUN_TIMEOUT)?;
    let plan: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| ToolError::failed(&step, &e.to_string(), CONFORMANCE_HINT))?;
    Ok(plan
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let ops = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o.as_str().map(str::to_owned))
                .collect();
            (k.clone(), ops)
        })
        .collect())
}

/// Start the mock with `faults`, run both tools on `operations`, stop the mock.
#[allow(clippy::too_many_arguments)]
fn both(
    root: &Path,
    exe: &Path,
    st: &Path,
    api: &Api,
    spec: &Value,
    ids: &BTreeMap<String, String>,
    faults: &[String],
    operations: &[String],
    args: &Args,
    work: &Path,
) -> Result<(Found, Found), ToolError> {
    if work.exists() {
        std::fs::remove_dir_all(work).map_err(io_error(work))?;
    }
    std::fs::create_dir_all(work).map_err(io_error(work))?;
    let extra: Vec<String> = faults
        .iter()
        .flat_map(|f| ["--fault".to_owned(), f.clone()])
        .collect();
    let server = mock::start_mock_with(
        exe,
        &api.name,
        Some(args.seed),
        &work.join("mock.log"),
        false,
        &extra,
    )?;
    let ours = ours(exe, api, &server, operations, args, work)?;
    let theirs = theirs(root, st, api, spec, ids, &server, operations, args, work)?;
    drop(server);
    Ok((ours, theirs))
}

/// The conformance runner's failures against `server`.
fn ours(
    exe: &Path,
    api: &Api,
    server: &mock::Mock,
    operations: &[String],
    args: &Args,
    work: &Path,
) -> Result<Found, ToolError> {
    let json = work.join("runner.json");
    let mut command = runner_command(
        exe,
        &api.name,
        &server.url,
        args.max_examples,
        args.seed,
        &json,
    );
    for op in operations {
        command.args(["--operation", op]);
    }
    // What a client of the mock starts with: its configured keys and the credentials no
    // login flow obtains; the rest the runner logs in for.
    for (scheme, value) in &server.credentials {
        if api.profile.kind(scheme) == CredentialKind::ConfiguredKey
            || api.profile.login(scheme).is_none()
        {
            command.env(credential_variable(scheme), value);
        }
    }
    let step = format!("conformance run --spec {}", api.name);
    let out = process::output(command, "conformance", CONFORMANCE_HINT, &step, RUN_TIMEOUT)?;
    if !matches!(out.status.code(), Some(0 | 1)) {
        return Err(ToolError::failed(
            format!("{step} ({})", out.status),
            &process::combined(&out),
            CONFORMANCE_HINT,
        ));
    }
    let text = std::fs::read_to_string(&json).map_err(io_error(&json))?;
    let result: Value = serde_json::from_str(&text)
        .map_err(|e| ToolError::failed(&step, &e.to_string(), CONFORMANCE_HINT))?;
    // A read of a sequence fails for the write that came before it (the delete that kept the
    // resource): the failure counts for both operations.
    let mut found = Found::new();
    for f in result["failures"].as_array().into_iter().flatten() {
        let Some(code) = f["code"].as_str() else {
            continue;
        };
        let intent = &f["exchange"]["case"]["intent"];
        let sources = ["deleted_by", "created_by", "written_by"]
            .iter()
            .filter_map(|k| intent[*k].as_str());
        for op in f["operation"].as_str().into_iter().chain(sources) {
            found.insert((op.to_owned(), code.to_owned()));
        }
    }
    Ok(found)
}

/// Schemathesis's failures against `server`, by operationId.
#[allow(clippy::too_many_arguments)]
fn theirs(
    root: &Path,
    st: &Path,
    api: &Api,
    spec: &Value,
    ids: &BTreeMap<String, String>,
    server: &mock::Mock,
    operations: &[String],
    args: &Args,
    work: &Path,
) -> Result<Found, ToolError> {
    let (headers, _) = mock::credential_headers(spec, &server.credentials);
    let mut command = Command::new(st);
    command
        .current_dir(work)
        .arg("--config-file")
        .arg(root.join(schemathesis::CONFIG_FILE))
        .arg("run")
        .arg(api.spec_path(root))
        .args(["--url", &server.url])
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &args.max_examples.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .args(["--generation-database", "none"])
        .arg("--continue-on-failure")
        .args(["--request-timeout", "10"])
        .args(["--workers", "2"])
        .args(["--report", "ndjson"])
        .args(["--report-ndjson-path", "events.ndjson"])
        .arg("--no-color")
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for op in operations {
        command.args(["--include-operation-id", op]);
    }
    for (name, value) in &headers {
        command.arg("-H").arg(format!("{name}: {value}"));
    }
    let step = format!("st run {} (mutation)", api.spec_file());
    let out = process::output(command, "schemathesis", REINSTALL, &step, RUN_TIMEOUT)?;
    let log = work.join("st.log");
    std::fs::write(&log, process::combined(&out)).map_err(io_error(&log))?;
    let events = work.join("events.ndjson");
    let file = std::fs::File::open(&events).map_err(io_error(&events))?;
    let report = schemathesis::parse_report(std::io::BufReader::new(file))?;
    Ok(report
        .failures
        .iter()
        .map(|f| {
            let id = ids
                .get(&f.operation)
                .cloned()
                .unwrap_or_else(|| f.operation.clone());
            (id, f.check.clone())
        })
        .collect())
}
