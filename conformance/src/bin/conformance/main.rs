//! `conformance`: the command line of the conformance crate.
//!
//! `conformance mock --spec lootlocker|xsolla|PATH [--port N] [--host IP] [--seed N]
//! [--jwt-secret S] [--domain-key K] [--dynamic] [--max-connections N] [--header-timeout SECS]
//! [--idle-timeout SECS]` serves the spec until Ctrl-C (or SIGTERM). Without `--seed`, issued
//! tokens come from the OS's random source; beyond `--max-connections` a connection is answered
//! `503` with `Retry-After: 1` and closed.
//! When ready it prints exactly one JSON line on stdout, for tools to read:
//! `{"url":"http://127.0.0.1:PORT","credentials":{"<scheme>":"<value>",…}}`.
//! Logs (one line per request) go to stderr; `RUST_LOG` adjusts them.
//!
//! `conformance run --spec NAME|PATH [--base-url URL] …` checks a server (without a URL: an
//! embedded mock of the spec) against the spec and reports per operation and check, with a curl
//! line per failure; `--junit`, `--markdown`, `--ndjson` write reports, `--baseline` accepts
//! known failures. `conformance replay FILE --spec NAME --base-url URL` re-sends stored failures.
//! `conformance proxy --spec NAME --upstream URL [--port P] [--max-exchanges N] [--duration S]`
//! forwards any client's traffic to URL, judges each exchange with the response checks, and
//! when stopped writes the run's reports (`--junit`, `--markdown`, `--ndjson`, `--json`); exit 0
//! clean, 1 on failures, 2 for unusable input.
//! `conformance checks` lists the checks.
//!
//! Exit codes: `mock`: 0 after a clean shutdown, 2 for unusable input (bad flag, unreadable spec,
//! address that cannot be bound), 1 if the server fails while running. `run`: 0 when every
//! selected operation was tested and the contract holds (or the baseline accepts every
//! failure), 1 on failures, 2 for bad flags, an unreadable spec or baseline, or a server that
//! cannot be reached, 3 when nothing failed but a selected operation went untested, nothing
//! was tested at all, or a coverage figure is below its `--min-coverage` minimum. `replay`: 0 when every stored failure
//! is fixed, 1 otherwise, 2 for unusable input.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod mock;
mod proxy;
mod replay;
mod run;

/// mimalloc rather than the system allocator: glibc keeps freed large blocks (a 15 MB answer
/// body and its parsed JSON) in per-thread arenas once its dynamic mmap threshold has grown,
/// so each worker thread would hold its largest answer's memory for the rest of the run
/// (measured: 320 MB instead of 120 MB against a server answering 15 MB bodies). Built without
/// transparent huge pages (see `Cargo.toml`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "conformance", about = "Contract tools for the gamespec APIs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a spec-driven mock of an API.
    Mock(mock::MockArgs),
    /// Forward traffic to a real server and judge every exchange against the spec.
    Proxy(proxy::ProxyArgs),
    /// Check a server (default: an embedded mock) against a spec.
    Run(Box<run::RunArgs>),
    /// Re-send the failures stored by `run --ndjson` and say which are fixed.
    Replay(replay::ReplayArgs),
    /// List the checks with their codes.
    Checks,
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
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                // The runner's own output is its report; the embedded mock's request log
                // would drown it.
                let level = if matches!(cli.command, Command::Mock(_) | Command::Proxy(_)) {
                    "info"
                } else {
                    "warn"
                };
                tracing_subscriber::EnvFilter::new(level)
            }),
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
        Command::Mock(args) => runtime.block_on(mock::mock(args)),
        Command::Proxy(args) => runtime.block_on(proxy::proxy(args)),
        Command::Run(args) => runtime.block_on(run::run(*args)),
        Command::Replay(args) => runtime.block_on(replay::replay(args)),
        Command::Checks => {
            for check in gamespec_conformance::checks::registry() {
                let default = if check.on_by_default() {
                    ""
                } else {
                    " (off by default)"
                };
                println!(
                    "{} {:<34} {}{default}",
                    check.code(),
                    check.name(),
                    check.assertion()
                );
            }
            ExitCode::SUCCESS
        }
    }
}

/// Print the one JSON line a server command announces itself with (the tool that started it
/// reads its URL there) and flush it at once; `false` when stdout is gone.
pub(crate) fn announce(ready: &serde_json::Value) -> bool {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{ready}")
        .and_then(|_| stdout.flush())
        .is_ok()
}

/// Ctrl-C, or SIGTERM on Unix (what process managers and CI send).
pub(crate) async fn shutdown_signal() {
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
