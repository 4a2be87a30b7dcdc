//! `cargo xtask conformance`: the conformance runner (`conformance run`) for each spec, against
//! its embedded mock (no URL), a server (`--base-url`), or Prism (`--prism`).
//!
//! * Reports go to `target/conformance/<api>/` (`junit.xml`, `summary.md`, `failures.ndjson`);
//!   the console summary is the runner's own.
//! * `--prism` starts Prism (`@stoplight/prism-cli`, pinned in `xtask/validators/prism/`) on the
//!   same spec and runs with the committed baseline `xtask/validators/prism/<api>.baseline.toml`
//!   of Prism's known deviations in strict mode: the run passes only when Prism shows exactly
//!   those deviations (no new failure, and every baseline entry still matches one).
//! * Exit code: the highest of the runs (0 pass, 1 failures, 2 unusable input, 3 incomplete: a
//!   selected operation went untested), so an incomplete run is never read as a pass.

use std::path::Path;
use std::process::{Command, Stdio};

use gamespec_spec::registry::{apis, credential_variable};

use crate::bench;
use crate::error::{ToolError, io_error};
use crate::mock;

/// `cargo xtask conformance` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: all; required with --base-url).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str())))]
    pub api: Option<String>,
    /// Test this server instead of the embedded mock (credentials from GAMESPEC_* variables or
    /// the API's login flow).
    #[arg(long, value_name = "URL", conflicts_with = "prism")]
    pub base_url: Option<String>,
    /// Test Prism serving the same spec, with the committed baseline of its known deviations.
    #[arg(long)]
    pub prism: bool,
    /// Build the runner with optimisations (for measurements).
    #[arg(long)]
    pub release: bool,
    /// More flags for `conformance run` (after `--`), e.g. `-- --max-examples 50 --seed 7`.
    #[arg(last = true)]
    pub rest: Vec<String>,
}

/// Run it; returns the exit code to use.
pub fn run(root: &Path, args: &Args) -> Result<u8, ToolError> {
    if args.base_url.is_some() && args.api.is_none() {
        return Err(ToolError::Usage(
            "--base-url needs --api: one server serves one API".into(),
        ));
    }
    let exe = mock::build_mock(root, args.release)?;
    let prism = if args.prism {
        Some(bench::install_prism(root)?)
    } else {
        None
    };
    let mut worst = 0u8;
    for api in apis()
        .iter()
        .filter(|a| args.api.as_deref().is_none_or(|n| n == a.name))
    {
        // Prism runs need the API's committed deviation baseline.
        let prism_facts = match (&prism, &api.prism) {
            (Some(_), None) => {
                eprintln!(
                    "{}: no Prism baseline in the registry; not run against Prism",
                    api.name
                );
                continue;
            }
            (_, facts) => facts,
        };
        let dir = root.join("target/conformance").join(&api.name);
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let mut command = Command::new(&exe);
        command
            .args(["run", "--spec", &api.name])
            .arg("--junit")
            .arg(dir.join("junit.xml"))
            .arg("--markdown")
            .arg(dir.join("summary.md"))
            .arg("--ndjson")
            .arg(dir.join("failures.ndjson"))
            .stdin(Stdio::null());
        // Prism stays up for the length of this API's run.
        let _prism = match (&prism, prism_facts) {
            (Some(js), Some(facts)) => {
                let (child, url) =
                    bench::start_prism(js, &api.spec_path(root), &dir.join("prism.log"))?;
                command
                    .arg("--base-url")
                    .arg(&url)
                    .arg("--baseline")
                    .arg(root.join(&facts.baseline))
                    .arg("--strict-baseline");
                // Prism accepts any credential; the schemes no login flow can obtain get one.
                for scheme in api.profile.schemes.keys() {
                    if api.profile.login(scheme).is_none() {
                        command.env(credential_variable(scheme), "prism-accepts-any-key");
                    }
                }
                for crash in &facts.crashes {
                    eprintln!(
                        "{}: leaving out {}: {}",
                        api.name, crash.operation, crash.why
                    );
                    command.arg("--exclude").arg(&crash.operation);
                }
                eprintln!("{}: Prism at {url}", api.name);
                Some(child)
            }
            _ => {
                if let Some(url) = &args.base_url {
                    command.arg("--base-url").arg(url);
                }
                None
            }
        };
        command.args(&args.rest);
        eprintln!("conformance: {} (reports in {})", api.name, dir.display());
        let status = command.status().map_err(|e| {
            ToolError::failed(
                format!("running {}", exe.display()),
                &e.to_string(),
                "build the runner with `cargo build -p gamespec-conformance`",
            )
        })?;
        let code = status.code().map_or(2, |c| c.clamp(0, 3) as u8);
        worst = worst.max(code);
    }
    Ok(worst)
}
