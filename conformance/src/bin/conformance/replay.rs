//! `conformance replay`: re-send stored failures and say which are fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use gamespec_conformance::auth::{self, Session};
use gamespec_conformance::replay::{self, Verdict};
use gamespec_conformance::report::ndjson;
use gamespec_conformance::secrets::{Redactor, env_var};
use gamespec_conformance::wire;
use gamespec_spec::spec::Spec;

/// Flags of `conformance replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// NDJSON of failures, as written by `conformance run --ndjson`.
    file: PathBuf,
    /// API name or spec path the failures were found with.
    #[arg(long)]
    spec: String,
    /// Server to re-send them to.
    #[arg(long)]
    base_url: String,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("conformance replay: {message}");
    ExitCode::from(2)
}

/// Run `conformance replay`: exit 0 when every failure is fixed, 1 when some still fail or
/// cannot be re-sent, 2 for unusable input.
pub async fn replay(args: ReplayArgs) -> ExitCode {
    let spec = match Spec::load(&args.spec) {
        Ok(s) => Arc::new(s),
        Err(e) => return fail(e),
    };
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return fail(format!("{}: {e}", args.file.display())),
    };
    let records = match ndjson::read(&text) {
        Ok(r) => r,
        Err(e) => return fail(format!("{}: {e}", args.file.display())),
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return fail("--timeout must be a positive number of seconds");
    }
    let client = wire::client(Duration::from_secs_f64(args.timeout));
    let redactor = Redactor::new();
    // Placeholders are filled from the environment; schemes with a login flow log in when
    // their variable is not set.
    let needed: BTreeSet<String> = spec
        .schemes
        .iter()
        .filter(|s| text.contains(&format!("${{{}}}", env_var(&s.name))))
        .map(|s| s.name.clone())
        .collect();
    let session = Session::establish(
        spec.clone(),
        client.clone(),
        &args.base_url,
        redactor.clone(),
        auth::from_env(&spec),
        &needed,
    )
    .await;
    let mut variables: BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("GAMESPEC_"))
        .collect();
    for (scheme, value) in session.current().await.0.iter() {
        variables.insert(env_var(scheme), value.clone());
    }
    for (name, value) in &variables {
        redactor.add(value, name);
    }
    let replayed = replay::replay(&spec, &records, &args.base_url, &variables, &client).await;
    print!("{}", replay::summary(&replayed, &redactor));
    if replayed.iter().all(|r| matches!(r.verdict, Verdict::Fixed)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
