//! `cargo xtask bench-build`: how long each client crate takes to build alone (its dependencies
//! already built), before and after the split into one cargo feature per spec tag, in one run on
//! one machine.
//!
//! * Before: the crate as of `--base` (default: the merge base of `HEAD` and `main`), checked out
//!   as a git worktree under `target/bench-build/before` and built with the same target
//!   directory, so both sides share every dependency build; the worktree is removed afterwards.
//! * After, full: the crate of this checkout with its default features (every tag).
//! * After, subset: `--no-default-features` with the crate's other default features (TLS) and
//!   the features of the registry's `bench_build_tags`.
//! * After, no tag: the same without any tag, what every build of the crate pays (the
//!   hand-written layer, the types no operation uses, the client runtime glue).
//! * Each configuration is built once to warm up, then `--runs` times, interleaved, each time
//!   after touching the crate's `src/lib.rs` so that only the crate itself is compiled; the
//!   median wall time is reported. The table goes to stdout and `target/bench-build/report.md`.
//!   Goal: subset ≤ 30% of full, full no slower than before. Nothing is asserted; the command
//!   fails (exit 2) only when something cannot be built.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use gamespec_spec::registry::{Api, apis};

use crate::error::{ToolError, io_error};
use crate::feature_builds::ClientCrate;
use crate::process;

/// `cargo xtask bench-build` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Only this API (default: every API with a client crate).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(apis().iter().map(|a| a.name.as_str())))]
    pub api: Option<String>,
    /// The revision whose crates are "before" (default: the merge base of HEAD and main).
    #[arg(long)]
    pub base: Option<String>,
    /// Timed builds of each configuration (the median is reported).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub runs: u32,
}

/// The three build times of one client crate.
#[derive(Debug, Clone)]
pub struct Row {
    /// The crate's package name.
    pub package: String,
    /// The features of the subset build.
    pub subset_features: Vec<String>,
    /// Median of the crate at the base revision, default features.
    pub before: Duration,
    /// Median of the crate of this checkout, default features.
    pub full: Duration,
    /// Median of the crate of this checkout with the subset.
    pub subset: Duration,
    /// Median of the crate of this checkout with no tag at all: the part every build pays.
    pub no_tag: Duration,
}

/// One thing to build: a crate in a workspace with some features.
struct Build {
    workspace: PathBuf,
    crate_dir: PathBuf,
    package: String,
    features: Option<Vec<String>>,
}

/// A whole build must finish within this.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1800);

/// Run the benchmark; the rows are also printed.
pub fn run(root: &Path, args: &Args) -> Result<Vec<Row>, ToolError> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let out_dir = root.join("target/bench-build");
    std::fs::create_dir_all(&out_dir).map_err(io_error(&out_dir))?;
    let base = base_commit(root, args.base.as_deref())?;
    let before_dir = out_dir.join("before");
    let worktree = Worktree::add(root, &before_dir, &base)?;
    let mut rows = Vec::new();
    for api in apis() {
        if args.api.as_deref().is_some_and(|a| a != api.name) {
            continue;
        }
        let Some(client) = api.client.as_deref() else {
            continue;
        };
        let row = measure(root, &worktree.dir, &target, api, client, args.runs)?;
        rows.push(row);
    }
    drop(worktree);
    let table = report(&rows, &base);
    println!("{table}");
    let path = out_dir.join("report.md");
    std::fs::write(&path, &table).map_err(io_error(&path))?;
    Ok(rows)
}

fn measure(
    root: &Path,
    before_root: &Path,
    target: &Path,
    api: &Api,
    client: &str,
    runs: u32,
) -> Result<Row, ToolError> {
    let krate = ClientCrate::read(root, client)?;
    let package = krate.package.clone();
    let subset = krate.with_tags(api.bench_build_tags.iter().map(String::as_str));
    let none = krate.with_tags([]);
    let crate_at = |workspace: &Path, features: Option<Vec<String>>| Build {
        workspace: workspace.to_path_buf(),
        crate_dir: workspace.join(client),
        package: package.clone(),
        features,
    };
    let builds = [
        crate_at(before_root, None),
        crate_at(root, None),
        crate_at(root, Some(subset.clone())),
        crate_at(root, Some(none)),
    ];
    let mut times: [Vec<Duration>; 4] = Default::default();
    for build in &builds {
        // Warm-up: the dependencies of this configuration.
        build.time(target)?;
    }
    for _ in 0..runs {
        for (build, times) in builds.iter().zip(times.iter_mut()) {
            times.push(build.time(target)?);
        }
    }
    let [before, full, subset_times, no_tag] = times.map(median);
    Ok(Row {
        package,
        subset_features: subset,
        before,
        full,
        subset: subset_times,
        no_tag,
    })
}

impl Build {
    /// Touch the crate's root file and build it; the wall time of the build.
    fn time(&self, target: &Path) -> Result<Duration, ToolError> {
        let lib = self.crate_dir.join("src/lib.rs");
        std::fs::File::options()
            .append(true)
            .open(&lib)
            .and_then(|f| f.set_modified(SystemTime::now()))
            .map_err(io_error(&lib))?;
        let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        command
            .current_dir(&self.workspace)
            .env("CARGO_TARGET_DIR", target)
            .args(["build", "--quiet", "-p", &self.package]);
        if let Some(features) = &self.features {
            command.args(["--no-default-features", "--features", &features.join(",")]);
        }
        let step = format!(
            "cargo build -p {} in {}",
            self.package,
            self.workspace.display()
        );
        let started = Instant::now();
        let out = process::output(
            command,
            "cargo",
            "cargo is on the PATH of every Rust install",
            &step,
            BUILD_TIMEOUT,
        )?;
        let took = started.elapsed();
        if !out.status.success() {
            return Err(ToolError::failed(
                step,
                &String::from_utf8_lossy(&out.stderr),
                "the crate does not build at this revision",
            ));
        }
        Ok(took)
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// The commit of `base` (default: the merge base of HEAD and main).
fn base_commit(root: &Path, base: Option<&str>) -> Result<String, ToolError> {
    let rev = match base {
        Some(rev) => format!("{rev}^{{commit}}"),
        None => git(root, &["merge-base", "HEAD", "main"])?,
    };
    git(root, &["rev-parse", "--verify", &rev])
}

fn git(root: &Path, args: &[&str]) -> Result<String, ToolError> {
    let mut command = Command::new("git");
    command.current_dir(root).args(args);
    let step = format!("git {}", args.join(" "));
    let out = process::output(
        command,
        "git",
        "install git",
        &step,
        Duration::from_secs(120),
    )?;
    if !out.status.success() {
        return Err(ToolError::failed(
            step,
            &String::from_utf8_lossy(&out.stderr),
            "pass --base with a revision of this repository",
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A detached git worktree, removed on drop.
struct Worktree {
    root: PathBuf,
    dir: PathBuf,
}

impl Worktree {
    fn add(root: &Path, dir: &Path, commit: &str) -> Result<Worktree, ToolError> {
        // A worktree left by an interrupted run is replaced.
        if dir.exists() {
            let _ = git(
                root,
                &["worktree", "remove", "--force", &dir.to_string_lossy()],
            );
            let _ = std::fs::remove_dir_all(dir);
            let _ = git(root, &["worktree", "prune"]);
        }
        git(
            root,
            &[
                "worktree",
                "add",
                "--detach",
                "--force",
                &dir.to_string_lossy(),
                commit,
            ],
        )?;
        Ok(Worktree {
            root: root.to_path_buf(),
            dir: dir.to_path_buf(),
        })
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let _ = git(
            &self.root,
            &["worktree", "remove", "--force", &self.dir.to_string_lossy()],
        );
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn ratio(part: Duration, whole: Duration) -> String {
    if whole.is_zero() {
        return "-".to_owned();
    }
    format!("{:.0}%", 100.0 * part.as_secs_f64() / whole.as_secs_f64())
}

/// The Markdown table of `rows`.
pub fn report(rows: &[Row], base: &str) -> String {
    let short = base.get(..10).unwrap_or(base);
    let mut out = format!(
        "Build of each client crate alone (dependencies built), median wall time; before = {short}.\n\n\
         | crate | before (full) | after, full | after, subset | after, no tag | subset features | full after / before | subset / full |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    );
    for r in rows {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
            r.package,
            seconds(r.before),
            seconds(r.full),
            seconds(r.subset),
            seconds(r.no_tag),
            r.subset_features.join(", "),
            ratio(r.full, r.before),
            ratio(r.subset, r.full),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_shows_ratios() {
        let row = Row {
            package: "x".into(),
            subset_features: vec!["rustls".into(), "a".into()],
            before: Duration::from_secs(30),
            full: Duration::from_secs(27),
            subset: Duration::from_secs(6),
            no_tag: Duration::from_secs(4),
        };
        let table = report(&[row], "0123456789abcdef");
        assert!(table.contains("before = 0123456789"));
        assert!(
            table.contains("| `x` | 30.0 s | 27.0 s | 6.0 s | 4.0 s | rustls, a | 90% | 22% |"),
            "{table}"
        );
        assert_eq!(
            median(vec![
                Duration::from_secs(3),
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]),
            Duration::from_secs(2)
        );
    }
}
