//! `cargo xtask drift`: each spec against the committed extract of its vendor's official SDK
//! endpoint tables (registry kinds `sdk-endpoints` and `sdk-drift`). Prints every endpoint on
//! one side only, with the accepted reason or `UNEXPLAINED`; findings are unexplained
//! differences and explanations that no longer match a difference.

use std::path::Path;

use gamespec_spec::load::load;
use gamespec_spec::registry::Api;
use gamespec_spec::vendor_drift::{
    Explained, SdkEndpoint, compare, parse_endpoints, parse_explained,
};

use crate::Outcome;

fn read_all<T, E: std::fmt::Display>(
    root: &Path,
    files: &[String],
    parse: impl Fn(&str) -> Result<Vec<T>, E>,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).map_err(|e| format!("{file}: {e}"))?;
        out.extend(parse(&text).map_err(|e| format!("{file}: {e}"))?);
    }
    Ok(out)
}

/// Run the check for `apis`; APIs without an extract are skipped.
pub fn run(root: &Path, apis: &[&Api]) -> Outcome {
    let mut worst = Outcome::Clean;
    for api in apis {
        let extracts = api.vendor_files("sdk-endpoints");
        if extracts.is_empty() {
            continue;
        }
        let sdk: Result<Vec<SdkEndpoint>, String> = read_all(root, &extracts, parse_endpoints);
        let explained: Result<Vec<Explained>, String> =
            read_all(root, &api.vendor_files("sdk-drift"), parse_explained);
        let (sdk, explained) = match (sdk, explained) {
            (Ok(s), Ok(x)) => (s, x),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return Outcome::Unusable;
            }
        };
        let doc = match load(&api.spec_path(root)) {
            Ok(doc) => doc,
            Err(e) => {
                eprintln!("error: {}: {e}", api.spec_file());
                return Outcome::Unusable;
            }
        };
        let report = compare(&doc.value, &sdk, &explained);
        let unexplained = report.unexplained().count();
        println!(
            "{}: {} endpoints in both, {} on one side only ({} explained, {} unexplained), {} stale explanations",
            api.name,
            report.matched,
            report.differences.len(),
            report.differences.len() - unexplained,
            unexplained,
            report.stale.len()
        );
        for d in &report.differences {
            println!(
                "  {:<9} {:<6} {} [{}]: {}",
                d.side.label(),
                d.method,
                d.path,
                d.named_by.join(", "),
                d.reason.as_deref().unwrap_or("UNEXPLAINED")
            );
        }
        for x in &report.stale {
            println!(
                "  stale explanation: {} {} {}: no such difference any more",
                x.side.label(),
                x.method,
                x.path
            );
        }
        if !report.is_clean() {
            worst = worst.max(Outcome::Findings);
        }
    }
    worst
}
