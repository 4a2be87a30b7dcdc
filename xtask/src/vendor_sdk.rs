//! `cargo xtask vendor-sdk`: a vendor's own client library drives the conformance mock.
//!
//! For every registered API with a driver `xtask/validators/vendor-sdk/<api name>.cjs`, the mock
//! serves the API's spec and node runs the driver, which loads the vendor's official client (pinned
//! with jsdom in `xtask/validators/vendor-sdk/package.json`, installed under
//! `target/validators/vendor-sdk-npm`) into a jsdom page and calls every public request-sending
//! method of it. The driver writes a report of each call and of every HTTP exchange it caused; this
//! module checks each exchange against the spec: the request must hit an operation of the spec and
//! the answer must be one of that operation's documented 2xx statuses. Output:
//! `target/vendor-sdk/<api>/report.json` and one line per call.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gamespec_spec::registry::{Api, apis};
use gamespec_spec::spec::{Operation, Spec};
use serde::Deserialize;

use crate::error::{ToolError, io_error};
use crate::install::{self, NO_NODE};
use crate::mock;
use crate::process::output;

/// The pins and the drivers, relative to the workspace root.
pub const PINS: &str = "xtask/validators/vendor-sdk";
/// Where the reports go, relative to the workspace root.
pub const OUT: &str = "target/vendor-sdk";
/// Longest one driver run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// What to do when the driver fails.
const DRIVER_HINT: &str =
    "run the driver by hand (see its header) against `conformance mock --spec NAME`";

/// `cargo xtask vendor-sdk` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: every registered API with a driver).
    #[arg(long, value_parser = api_names())]
    pub api: Option<String>,
}

fn api_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str()))
}

/// The driver's report (written by the `.cjs` driver).
#[derive(Debug, Deserialize)]
struct DriverReport {
    /// `name@version` of the vendor client.
    sdk: String,
    /// Public methods of the client that neither list names (must be empty).
    unlisted: Vec<String>,
    /// Methods not called, with the reason.
    not_called: serde_json::Map<String, serde_json::Value>,
    /// One entry per call.
    results: Vec<CallResult>,
}

/// One call of the vendor client.
#[derive(Debug, Deserialize)]
struct CallResult {
    method: String,
    variant: String,
    /// What the client threw, if it did.
    error: Option<String>,
    exchanges: Vec<Exchange>,
}

/// One HTTP exchange a call caused.
#[derive(Debug, Deserialize)]
struct Exchange {
    method: String,
    url: String,
    status: u16,
}

/// What one API's run came to.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The vendor client, `name@version`.
    pub sdk: String,
    /// Calls made.
    pub calls: usize,
    /// Calls whose every exchange hit a spec operation and got a documented 2xx.
    pub accepted: usize,
    /// Public methods the driver neither calls nor explains.
    pub unlisted: Vec<String>,
}

impl Report {
    /// Whether every call was accepted and every public method accounted for.
    pub fn clean(&self) -> bool {
        self.calls > 0 && self.accepted == self.calls && self.unlisted.is_empty()
    }
}

/// Run the driver of every selected API; one report per API.
pub fn run(root: &Path, args: &Args) -> Result<Vec<(String, Report)>, ToolError> {
    let selected: Vec<&Api> = apis()
        .iter()
        .filter(|a| args.api.as_deref().is_none_or(|n| n == a.name))
        .filter(|a| root.join(PINS).join(format!("{}.cjs", a.name)).is_file())
        .collect();
    if selected.is_empty() {
        return Err(ToolError::Usage(format!(
            "no selected API has a driver {PINS}/<api name>.cjs"
        )));
    }
    let npm = install::install_npm(root, PINS, "vendor-sdk-npm", "the vendor client libraries")?;
    let exe = mock::build_mock(root, false)?;
    let mut reports = Vec::new();
    for api in selected {
        let dir = root.join(OUT).join(&api.name);
        let (spec, mock) = mock::serve_api(root, &exe, api, &dir)?;
        let report_path = dir.join("report.json");
        let credentials = serde_json::to_string(&mock.credentials).unwrap_or_default();
        let driver = root.join(PINS).join(format!("{}.cjs", api.name));
        let mut node = Command::new("node");
        node.arg(&driver)
            .arg(&npm)
            .arg(&mock.url)
            .arg(&credentials)
            .arg(&report_path)
            .current_dir(root);
        let step = format!("node {PINS}/{}.cjs", api.name);
        let out = output(node, "node", NO_NODE, &step, RUN_TIMEOUT)?;
        if !out.status.success() {
            return Err(ToolError::failed(
                format!("{step} ({})", out.status),
                &crate::process::combined(&out),
                DRIVER_HINT,
            ));
        }
        let text = std::fs::read_to_string(&report_path).map_err(io_error(&report_path))?;
        let driver_report: DriverReport = serde_json::from_str(&text).map_err(|e| {
            ToolError::failed(
                format!("reading {step}'s report"),
                &e.to_string(),
                DRIVER_HINT,
            )
        })?;
        let report = judge(&spec, &mock.url, &driver_report);
        println!("{}", line(&api.name, &report));
        reports.push((api.name.clone(), report));
    }
    Ok(reports)
}

/// Check every call of `driver` against `spec`, printing one line per call.
fn judge(spec: &Spec, base_url: &str, driver: &DriverReport) -> Report {
    let mut report = Report {
        sdk: driver.sdk.clone(),
        calls: driver.results.len(),
        unlisted: driver.unlisted.clone(),
        ..Report::default()
    };
    println!("{}: {} calls", driver.sdk, driver.results.len());
    for call in &driver.results {
        let verdicts: Vec<Result<String, String>> = call
            .exchanges
            .iter()
            .map(|x| verdict(spec, base_url, x))
            .collect();
        let problem = match (&call.error, verdicts.is_empty()) {
            (Some(error), _) => Some(format!("the client threw: {error}")),
            (None, true) => Some("no request was sent".to_owned()),
            (None, false) => verdicts.iter().find_map(|v| v.clone().err()),
        };
        let shown: Vec<String> = verdicts
            .into_iter()
            .map(|v| v.unwrap_or_else(|e| e))
            .collect();
        let mark = if problem.is_none() {
            report.accepted += 1;
            "ok  "
        } else {
            "FAIL"
        };
        println!(
            "  {mark} {:<22} {:<7} {}{}",
            call.method,
            call.variant,
            shown.join("; "),
            problem.map(|p| format!(" — {p}")).unwrap_or_default()
        );
    }
    for (method, why) in &driver.not_called {
        println!(
            "  not called: {method}: {}",
            why.as_str().unwrap_or_default()
        );
    }
    for method in &report.unlisted {
        println!("  FAIL public method {method} is neither called nor listed as not callable");
    }
    report
}

/// `METHOD /path → operationId status` when the exchange hit an operation of the spec and got
/// one of its documented 2xx statuses; otherwise why not.
fn verdict(spec: &Spec, base_url: &str, exchange: &Exchange) -> Result<String, String> {
    let path = exchange
        .url
        .strip_prefix(base_url)
        .unwrap_or(&exchange.url)
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let shown = format!("{} {path} → {}", exchange.method, exchange.status);
    let Some(op) = spec
        .operations
        .iter()
        .find(|op| op.method == exchange.method && template_matches(&op.path, path))
    else {
        return Err(format!(
            "{shown}: no operation of the spec has this method and path"
        ));
    };
    let documented = op.response(exchange.status).is_some();
    if (200..300).contains(&exchange.status) && documented {
        Ok(format!("{shown} ({})", op.id))
    } else {
        Err(format!(
            "{shown} ({}): not a documented 2xx (documented: {})",
            op.id,
            documented_statuses(op)
        ))
    }
}

/// The documented statuses of `op`, for messages.
fn documented_statuses(op: &Operation) -> String {
    gamespec_spec::operation::statuses(op)
}

/// Whether the concrete `path` fits the spec's path `template` (`{name}` is one segment).
fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

/// The summary line of one API's run.
pub fn line(api: &str, r: &Report) -> String {
    format!(
        "vendor-sdk {api}: {} — {}/{} calls accepted by the validating mock (each a documented 2xx){}",
        r.sdk,
        r.accepted,
        r.calls,
        if r.unlisted.is_empty() {
            String::new()
        } else {
            format!(", {} public methods unaccounted for", r.unlisted.len())
        }
    )
}

#[cfg(test)]
mod tests {
    use super::template_matches;

    #[test]
    fn templates_match_one_segment_per_parameter() {
        assert!(template_matches(
            "/social/{provider_name}/login_url",
            "/social/google/login_url"
        ));
        assert!(template_matches("/jwt/sso", "/jwt/sso"));
        assert!(!template_matches(
            "/social/{provider_name}/login_url",
            "/social//login_url"
        ));
        assert!(!template_matches("/jwt/sso", "/jwt/sso/redirect"));
    }
}
