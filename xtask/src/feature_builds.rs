//! The feature sets of a client crate that `check-features` and `bench-build` build: no tag,
//! single tags, the registry's `bench_build_tags` together, and every tag (the default).
//!
//! `cargo xtask check-features [--api NAME] [--each-tag]` runs `cargo check` on each set and
//! fails (exit 1) on an error or a warning in the crate: a hand-written method without its tag's
//! `cfg`, or an import only some tags use, shows up here rather than in a studio's build.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gamespec_codegen::features::{ALL_TAGS, Features, feature_name};
use gamespec_spec::registry::{Api, apis};

use crate::error::{ToolError, io_error};
use crate::process;

/// `cargo xtask check-features` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: every API with a client crate).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str())))]
    pub api: Option<String>,
    /// Check every tag alone (default: only the registry's bench_build_tags alone).
    #[arg(long)]
    pub each_tag: bool,
}

/// A client crate's package name and its `default` features other than [`ALL_TAGS`] (TLS).
#[derive(Debug, Clone)]
pub struct ClientCrate {
    /// The package name (`cargo build -p`).
    pub package: String,
    /// The default features that are not tags.
    pub base_features: Vec<String>,
}

impl ClientCrate {
    /// Read `<client>/Cargo.toml` under `root`.
    pub fn read(root: &Path, client: &str) -> Result<ClientCrate, ToolError> {
        let manifest = root.join(client).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).map_err(io_error(&manifest))?;
        let (package, default) = package_and_default(&text).ok_or_else(|| {
            ToolError::Usage(format!(
                "{}: no [package] name or [features] default",
                manifest.display()
            ))
        })?;
        Ok(ClientCrate {
            package,
            base_features: default.into_iter().filter(|f| f != ALL_TAGS).collect(),
        })
    }

    /// The features of a build with only `tags` (spec tag names).
    pub fn with_tags<'t>(&self, tags: impl IntoIterator<Item = &'t str>) -> Vec<String> {
        let mut features = self.base_features.clone();
        features.extend(tags.into_iter().map(feature_name));
        features
    }
}

/// The package name and the `default` features of a crate manifest.
pub fn package_and_default(manifest: &str) -> Option<(String, Vec<String>)> {
    let value: toml::Table = manifest.parse().ok()?;
    let name = value.get("package")?.get("name")?.as_str()?.to_owned();
    let default = value
        .get("features")
        .and_then(|f| f.get("default"))
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Some((name, default))
}

/// One `cargo check` of a feature set and what it found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The package.
    pub package: String,
    /// `None` for the default features.
    pub features: Option<Vec<String>>,
    /// Error and warning lines of the crate (empty when clean).
    pub problems: Vec<String>,
}

/// Check every selected feature set of every selected client crate; each result is printed.
pub fn run(root: &Path, args: &Args) -> Result<Vec<Checked>, ToolError> {
    let mut results = Vec::new();
    for api in apis() {
        if args.api.as_deref().is_some_and(|a| a != api.name) {
            continue;
        }
        let Some(client) = api.client.as_deref() else {
            continue;
        };
        let krate = ClientCrate::read(root, client)?;
        for features in feature_sets(root, api, &krate, args.each_tag)? {
            let checked = check(root, &krate.package, features)?;
            let shown = match &checked.features {
                Some(f) => format!("--no-default-features --features {}", f.join(",")),
                None => "default features".to_owned(),
            };
            if checked.problems.is_empty() {
                println!("{}: {shown}: clean", checked.package);
            } else {
                println!(
                    "{}: {shown}: {} problem(s)",
                    checked.package,
                    checked.problems.len()
                );
                for p in &checked.problems {
                    println!("    {p}");
                }
            }
            results.push(checked);
        }
    }
    Ok(results)
}

/// No tag, single tags, the bench tags together, and the default (`None`).
fn feature_sets(
    root: &Path,
    api: &Api,
    krate: &ClientCrate,
    each_tag: bool,
) -> Result<Vec<Option<Vec<String>>>, ToolError> {
    let singles: Vec<String> = if each_tag {
        let path = api.spec_path(root);
        let doc = gamespec_spec::load::load_checked(&path).map_err(|refused| {
            ToolError::Usage(format!(
                "{}: the spec cannot be loaded ({} error(s))",
                path.display(),
                refused.0.len()
            ))
        })?;
        Features::from_spec(&doc.value)
            .map_err(|e| ToolError::Usage(format!("{}: {e}", api.spec_file())))?
            .tags
            .into_iter()
            .map(|(tag, _)| tag)
            .collect()
    } else {
        api.bench_build_tags.clone()
    };
    let mut sets = vec![Some(krate.with_tags([]))];
    sets.extend(singles.iter().map(|t| Some(krate.with_tags([t.as_str()]))));
    if api.bench_build_tags.len() > 1 {
        sets.push(Some(
            krate.with_tags(api.bench_build_tags.iter().map(String::as_str)),
        ));
    }
    sets.push(None);
    Ok(sets)
}

fn check(root: &Path, package: &str, features: Option<Vec<String>>) -> Result<Checked, ToolError> {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(root)
        .args(["check", "--message-format", "short", "-p", package]);
    if let Some(f) = &features {
        command.args(["--no-default-features", "--features", &f.join(",")]);
    }
    let step = format!("cargo check -p {package}");
    let out = process::output(
        command,
        "cargo",
        "cargo is on the PATH of every Rust install",
        &step,
        Duration::from_secs(1800),
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(": warning") || l.contains(": error") || l.starts_with("error"))
        .map(str::to_owned)
        .collect();
    if !out.status.success() && problems.is_empty() {
        problems.push(format!("cargo check failed ({})", out.status));
    }
    Ok(Checked {
        package: package.to_owned(),
        features,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_gives_package_and_default_features() {
        let manifest = "[package]\nname = \"x\"\n[features]\ndefault = [\"rustls\", \"full\"]\n";
        assert_eq!(
            package_and_default(manifest),
            Some(("x".to_owned(), vec!["rustls".to_owned(), "full".to_owned()]))
        );
        let krate = ClientCrate {
            package: "x".into(),
            base_features: vec!["rustls".into()],
        };
        assert_eq!(
            krate.with_tags(["User account", "JWT"]),
            ["rustls", "user-account", "jwt"]
        );
    }
}
