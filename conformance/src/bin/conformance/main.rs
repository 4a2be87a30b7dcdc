//! `conformance`: the command line of the conformance crate.
//!
//! `conformance mock --spec lootlocker|xsolla|PATH [--port N] [--host IP] [--seed N]
//! [--jwt-secret S] [--domain-key K] [--dynamic]` serves the spec until Ctrl-C (or SIGTERM).
//! When ready it prints exactly one JSON line on stdout, for tools to read:
//! `{"url":"http://127.0.0.1:PORT","credentials":{"<scheme>":"<value>",…}}`.
//! Logs (one line per request) go to stderr; `RUST_LOG` adjusts them.
//!
//! Exit codes: 0 after a clean shutdown, 2 for unusable input (bad flag, unreadable spec, address
//! that cannot be bound), 1 if the server fails while running.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use gamespec_conformance::mock::{MockOptions, MockServer, server};
use gamespec_conformance::spec::Spec;

#[derive(Debug, Parser)]
#[command(name = "conformance", about = "Contract tools for the gamespec APIs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a spec-driven mock of an API.
    Mock(MockArgs),
}

#[derive(Debug, clap::Args)]
struct MockArgs {
    /// API name (`lootlocker`, `xsolla`) or path of an OpenAPI 3.0 file.
    #[arg(long)]
    spec: String,
    /// Port to listen on; 0 picks a free one (read it from the start-up line).
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Seed for issued tokens and generated data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// HS256 secret of the JWTs the mock signs.
    #[arg(long, default_value_t = MockOptions::default().jwt_secret)]
    jwt_secret: String,
    /// The API key accepted by schemes configured as keys (LootLocker's `domain-key`).
    #[arg(long, default_value_t = MockOptions::default().domain_key)]
    domain_key: String,
    /// Answer with data generated from the schemas instead of the examples.
    #[arg(long)]
    dynamic: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version on stdout with exit 0, and errors with exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("conformance: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.command {
        Command::Mock(args) => runtime.block_on(mock(args)),
    }
}

async fn mock(args: MockArgs) -> ExitCode {
    let spec = match Spec::load(&args.spec) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("conformance mock: {e}");
            return ExitCode::from(2);
        }
    };
    let options = MockOptions {
        host: args.host,
        port: args.port,
        seed: args.seed,
        dynamic: args.dynamic,
        jwt_secret: args.jwt_secret,
        domain_key: args.domain_key,
        ..MockOptions::default()
    };
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
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{ready}")
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    drop(stdout);
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

/// Ctrl-C, or SIGTERM on Unix (what process managers and CI send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
