//! `conformance mock`: serve a spec-driven mock until Ctrl-C or SIGTERM.

use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::mock::fault::{self, Entry, FaultKind, ScheduleKind};
use gamespec_conformance::mock::limits::Limits;
use gamespec_conformance::mock::{MockOptions, MockServer, server};
use gamespec_spec::spec::Spec;

use crate::{announce, shutdown_signal};

#[derive(Debug, clap::Args)]
pub struct MockArgs {
    /// API name (`lootlocker`, `xsolla`) or path of an OpenAPI 3.0 file.
    #[arg(long)]
    spec: String,
    /// Port to listen on; 0 picks a free one (read it from the start-up line).
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Seed for generated data and issued tokens: with it, runs repeat exactly. Without it,
    /// generated data follows seed 0 and issued tokens come from the OS's random source.
    #[arg(long)]
    seed: Option<u64>,
    /// Connections served at once; one more is answered 503 with `Retry-After: 1` and closed.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a request head may take to arrive before the connection is closed.
    #[arg(long, default_value_t = Limits::default().header_read_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds an idle connection is kept open.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// HS256 secret of the JWTs the mock signs.
    #[arg(long, default_value_t = MockOptions::default().jwt_secret)]
    jwt_secret: String,
    /// The API key accepted by schemes configured as keys (LootLocker's `domain-key`).
    #[arg(long, default_value_t = MockOptions::default().domain_key)]
    domain_key: String,
    /// Answer with data generated from the schemas instead of the examples.
    #[arg(long)]
    dynamic: bool,
    /// Keep no game state: answers come from examples or generated data only, and the mock
    /// remembers just deletes and who owns private paths (the behaviour before state was kept).
    #[arg(long)]
    stateless: bool,
    /// Deviate from the spec on purpose, for mutation testing: `KIND` on every operation it
    /// applies to, or `KIND:OPERATION_ID` on one (repeatable; `--fault list` prints the kinds).
    /// Scheduled faults for client tests take a trigger: `KIND[:OPERATION][@TRIGGER]` with
    /// KIND one of `rate-limited[:S]` (429, `Retry-After: S`, default 1), `session-expired`
    /// (401, the presented token forgotten), `server-error` (503, with a trigger), `latency:MS`,
    /// `reset` (connection closed, no answer), `truncated` (body cut in half), and TRIGGER one
    /// of `always` (default), `after:N` (from the N-th matching call on), `every:N`, `rate:P`
    /// (a share 0..1 drawn from --seed) or `burst:N` (the first N calls). Calls are counted per
    /// entry. Example: `--fault rate-limited:2:getPing@after:3`.
    #[arg(long = "fault", value_name = "KIND[:OPERATION][@TRIGGER]")]
    faults: Vec<String>,
    /// A TOML file of scheduled faults: `[[fault]]` tables with `kind` (`rate-limited=2`,
    /// `latency=250`, …), optional `operation` and `trigger` (`after:3`); added to --fault.
    #[arg(long, value_name = "FILE")]
    fault_file: Option<std::path::PathBuf>,
    /// Print, as one JSON object, the operations each fault kind applies to, and exit.
    #[arg(long)]
    fault_plan: bool,
}

/// Run the mock server; exit codes as documented on the binary.
pub async fn mock(args: MockArgs) -> ExitCode {
    if args.faults.iter().any(|f| f == "list") {
        for kind in FaultKind::ALL {
            println!("{kind}");
        }
        for kind in ScheduleKind::NAMES {
            println!("{kind}");
        }
        return ExitCode::SUCCESS;
    }
    let mut texts = args.faults.clone();
    if let Some(path) = &args.fault_file {
        match fault::schedule::read_file(path) {
            Ok(entries) => texts.extend(entries),
            Err(e) => {
                eprintln!("conformance mock: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let entries: Vec<Entry> = match texts.iter().map(|f| f.parse()).collect() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("conformance mock: {e}");
            return ExitCode::from(2);
        }
    };
    let spec = match Spec::load(&args.spec) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("conformance mock: {e}");
            return ExitCode::from(2);
        }
    };
    if args.fault_plan {
        let plan: serde_json::Map<String, serde_json::Value> = FaultKind::ALL
            .iter()
            .map(|k| (k.name().to_owned(), fault::applicable(&spec, *k).into()))
            .collect();
        println!("{}", serde_json::Value::Object(plan));
        return ExitCode::SUCCESS;
    }
    let options = MockOptions {
        host: args.host,
        port: args.port,
        seed: args.seed.unwrap_or(0),
        seeded_tokens: args.seed.is_some(),
        limits: Limits {
            max_connections: args.max_connections.max(1),
            header_read_timeout: Duration::from_secs(args.header_timeout),
            idle_timeout: Duration::from_secs(args.idle_timeout),
            ..Limits::default()
        },
        dynamic: args.dynamic,
        stateless: args.stateless,
        jwt_secret: args.jwt_secret,
        domain_key: args.domain_key,
        ..MockOptions::default()
    }
    .with_fault_entries(entries);
    let (listener, mock) = match MockServer::bind(spec.clone(), options).await {
        Ok(bound) => bound,
        Err(e) => {
            eprintln!("conformance mock: {e}");
            return ExitCode::from(2);
        }
    };
    let url = match server::url_of(&listener) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("conformance mock: {e}");
            return ExitCode::from(2);
        }
    };
    // The only place credentials are ever written: one line on stdout for the tool that started us.
    let ready = serde_json::json!({ "url": url, "credentials": mock.credentials() });
    if !announce(&ready) {
        return ExitCode::from(1);
    }
    tracing::info!(
        spec = %spec.name(),
        operations = spec.operations.len(),
        %url,
        "mock server ready"
    );
    match server::serve(listener, mock, shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("mock server stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("conformance mock: server failed: {e}");
            ExitCode::from(1)
        }
    }
}
