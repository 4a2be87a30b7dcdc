//! `conformance proxy`: forward a client's traffic to a real server, judge every exchange with
//! the response checks, and write the run's report formats when stopped (Ctrl-C/SIGTERM,
//! `--max-exchanges`, `--duration`).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::proxy::{self, Proxy, ProxyOptions};
use gamespec_conformance::report;
use gamespec_spec::spec::Spec;

use crate::run::{ReportFiles, write_reports};
use crate::{announce, shutdown_signal};

#[derive(Debug, clap::Args)]
pub struct ProxyArgs {
    /// API name (`lootlocker`, `xsolla`) or path of an OpenAPI 3.0 file.
    #[arg(long)]
    spec: String,
    /// Base URL of the real server the traffic goes to.
    #[arg(long)]
    upstream: String,
    /// Port to listen on; 0 picks a free one (read it from the start-up line).
    #[arg(long, default_value_t = 4020)]
    port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Stop after this many judged exchanges.
    #[arg(long)]
    max_exchanges: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<u64>,
    /// Seconds each forwarded request may take.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    reports: ReportFiles,
}

/// Run the proxy: exit 0 when every judged exchange held the contract, 1 on failures, 2 for
/// unusable input.
pub async fn proxy(args: ProxyArgs) -> ExitCode {
    let spec = match Spec::load(&args.spec) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("conformance proxy: {e}");
            return ExitCode::from(2);
        }
    };
    let options = ProxyOptions {
        upstream: args.upstream.clone(),
        max_exchanges: args.max_exchanges,
        timeout: Duration::from_secs(args.timeout),
    };
    let proxy = match Proxy::new(spec, options) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            eprintln!("conformance proxy: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::new(args.host, args.port);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("conformance proxy: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    let url = match listener.local_addr() {
        Ok(a) => format!("http://{a}"),
        Err(e) => {
            eprintln!("conformance proxy: {e}");
            return ExitCode::from(2);
        }
    };
    let ready =
        serde_json::json!({ "url": url, "upstream": proxy.redactor().redact(&args.upstream) });
    if !announce(&ready) {
        return ExitCode::from(1);
    }
    let duration = args.duration.map(Duration::from_secs);
    let stop = async move {
        match duration {
            Some(d) => {
                tokio::select! {
                    () = shutdown_signal() => {}
                    () = tokio::time::sleep(d) => {}
                }
            }
            None => shutdown_signal().await,
        }
    };
    if let Err(e) = proxy::serve(listener, proxy.clone(), stop).await {
        eprintln!("conformance proxy: {e}");
        return ExitCode::from(1);
    }
    let result = proxy.result();
    let redactor = proxy.redactor();
    print!("{}", report::console::console(&result, redactor, false));
    if let Err(e) = write_reports(&args.reports, &result, redactor) {
        eprintln!("conformance proxy: {e}");
        return ExitCode::from(2);
    }
    if result.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
