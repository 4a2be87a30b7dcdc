//! Pinned installs of outside tools under `target/validators/`.
//!
//! Tools are pinned in `xtask/validators/` (pip requirements, npm `package.json` +
//! `package-lock.json`, crate versions) and installed on demand under `target/validators/`: a venv
//! per requirements file, an `npm ci --ignore-scripts` tree per npm pin folder, a
//! `cargo install --locked` root per crate. Each install keeps a stamp (a copy of what it was
//! installed from) and is redone only when that changes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::{ToolError, io_error};
use crate::process::checked;

/// Where the pinned tool versions are committed, relative to the workspace root.
pub const PINS: &str = "xtask/validators";
/// Where the tools are installed, relative to the workspace root.
pub const INSTALL: &str = "target/validators";
/// Written into an install directory after a successful install: what it came from.
const STAMP: &str = ".gamespec-installed";
/// What to do when `python3` cannot be started.
pub const NO_PYTHON: &str = "install Python 3 with its venv module and put python3 on PATH (Debian: apt-get install python3-venv)";
/// What to do when `node` or `npm` cannot be started.
pub const NO_NODE: &str = "install Node.js (>= 20) with npm and put node and npm on PATH";
/// What to do when `cargo` cannot be started.
pub const NO_CARGO: &str = "run through `cargo xtask` with a Rust toolchain on PATH";
/// What to do when an installed tool is broken.
pub const REINSTALL: &str = "delete target/validators to reinstall the tools";
/// Longest an install step (venv, pip, npm ci, cargo install) may take.
pub const INSTALL_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Ensure the venv `target/validators/<dir>` has the exact `requirements` (a path relative to the
/// root) installed; returns its Python interpreter.
pub fn install_venv(
    root: &Path,
    requirements: &str,
    dir: &str,
    what: &str,
) -> Result<PathBuf, ToolError> {
    let requirements_path = root.join(requirements);
    let venv = root.join(INSTALL).join(dir);
    let python = venv.join("bin/python");
    let stamp = stamp_of(&[&requirements_path])?;
    ensure_installed(&venv, stamp, what, || {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        let step = format!("python3 -m venv {INSTALL}/{dir}");
        checked(
            create,
            "python3",
            NO_PYTHON,
            &step,
            NO_PYTHON,
            INSTALL_TIMEOUT,
        )?;
        let mut pip = Command::new(&python);
        pip.args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements_path);
        let step = format!("pip install -r {requirements}");
        checked(
            pip,
            "the venv's python",
            REINSTALL,
            &step,
            "check access to PyPI and the pins",
            INSTALL_TIMEOUT,
        )
    })?;
    Ok(python)
}

/// Ensure `npm ci --ignore-scripts` has installed the `package.json` + `package-lock.json` of
/// `pins` (a folder relative to the root) into `target/validators/<dir>`; returns that folder.
pub fn install_npm(root: &Path, pins: &str, dir: &str, what: &str) -> Result<PathBuf, ToolError> {
    let pins_dir = root.join(pins);
    let (manifest, lock) = (
        pins_dir.join("package.json"),
        pins_dir.join("package-lock.json"),
    );
    let target = root.join(INSTALL).join(dir);
    let stamp = stamp_of(&[&manifest, &lock])?;
    ensure_installed(&target, stamp, what, || {
        for (from, name) in [(&manifest, "package.json"), (&lock, "package-lock.json")] {
            let to = target.join(name);
            std::fs::copy(from, &to).map_err(io_error(&to))?;
        }
        let mut npm = Command::new("npm");
        npm.args([
            "ci",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(&target)
        .env("SCARF_ANALYTICS", "false");
        let step = format!("npm ci in {INSTALL}/{dir}");
        checked(
            npm,
            "npm",
            NO_NODE,
            &step,
            "check access to the npm registry and the lock file",
            INSTALL_TIMEOUT,
        )
    })?;
    Ok(target)
}

/// Ensure `cargo install --locked` has built `krate` at exactly `version` (with only `features`)
/// into `target/validators/<dir>`; returns the path of its binary `bin`.
pub fn install_crate(
    root: &Path,
    krate: &str,
    version: &str,
    features: &[&str],
    bin: &str,
) -> Result<PathBuf, ToolError> {
    let dir = root.join(INSTALL).join(krate);
    let stamp = format!("cargo install --locked {krate}@={version} features={features:?}\n");
    ensure_installed(&dir, stamp.into_bytes(), krate, || {
        let mut cargo = Command::new(cargo_program());
        cargo
            .args(["install", "--locked", "--quiet", "--no-default-features"])
            .arg("--version")
            .arg(format!("={version}"))
            .arg("--root")
            .arg(&dir)
            .arg(krate);
        if !features.is_empty() {
            cargo.arg("--features").arg(features.join(","));
        }
        // `cargo install` builds in a temporary target dir; keep it out of the workspace's.
        cargo.env_remove("CARGO_TARGET_DIR");
        let step = format!("cargo install --locked {krate}@={version}");
        checked(
            cargo,
            "cargo",
            NO_CARGO,
            &step,
            "check access to crates.io",
            INSTALL_TIMEOUT,
        )
    })?;
    Ok(dir.join("bin").join(bin))
}

/// The cargo that runs this xtask (`$CARGO`), else `cargo` from PATH.
pub fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The stamp of an install made from `inputs`: their names and contents.
fn stamp_of(inputs: &[&Path]) -> Result<Vec<u8>, ToolError> {
    let mut stamp = Vec::new();
    for input in inputs {
        stamp.extend(format!("== {}\n", input.display()).bytes());
        stamp.extend(std::fs::read(input).map_err(io_error(input))?);
    }
    Ok(stamp)
}

/// Run `install` into a fresh `dir` unless the stamp there equals `stamp`.
fn ensure_installed(
    dir: &Path,
    stamp: Vec<u8>,
    what: &str,
    install: impl FnOnce() -> Result<(), ToolError>,
) -> Result<(), ToolError> {
    let stamp_path = dir.join(STAMP);
    if std::fs::read(&stamp_path).is_ok_and(|old| old == stamp) {
        return Ok(());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io_error(dir))?;
    }
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    eprintln!("installing {what} into {} ...", dir.display());
    let started = Instant::now();
    install()?;
    std::fs::write(&stamp_path, stamp).map_err(io_error(&stamp_path))?;
    eprintln!("installed {what} in {:.1?}", started.elapsed());
    Ok(())
}
