//! The Python client: openapi-python-client (`--fail-on-warning`), an import, `mypy` strict (with
//! the committed `xtask/validators/languages/python/mypy.ini`),
//! and the committed smoke program `xtask/validators/languages/python/smoke.py`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{Context, PINS, Report, count_lines, path_with, show, smoke_summary};
use crate::error::ToolError;
use crate::install::{self, REINSTALL};
use crate::process::{combined, output};

/// The venv under `target/validators/` (shared with the Java step, which takes the
/// openapi-generator jar from it).
pub const VENV: &str = "languages-venv";
/// Longest one tool run may take.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Install the pinned Python tools (first use only); returns the venv's interpreter.
pub fn install(root: &Path) -> Result<PathBuf, ToolError> {
    let requirements = format!("{PINS}/requirements.txt");
    install::install_venv(
        root,
        &requirements,
        VENV,
        "openapi-python-client, mypy, openapi-generator-cli",
    )
}

/// Generate, import, type-check and smoke-test the Python client of `cx.api`.
pub fn run(cx: &Context) -> Result<Report, ToolError> {
    let python = install(cx.root)?;
    let bin = python.parent().map(Path::to_path_buf).unwrap_or_default();
    let package = cx
        .out
        .join(format!("gamespec_{}", cx.api.name.replace('-', "_")));
    let mut report = Report::default();

    let mut generate = Command::new(bin.join("openapi-python-client"));
    generate
        .args([
            "generate",
            "--meta",
            "none",
            "--fail-on-warning",
            "--overwrite",
        ])
        .arg("--path")
        .arg(&cx.spec)
        .arg("--output-path")
        .arg(&package)
        .arg("--config")
        .arg(cx.root.join(PINS).join("python/openapi-python-client.yaml"))
        .env("PATH", path_with(&bin));
    let out = output(
        generate,
        "openapi-python-client",
        REINSTALL,
        "openapi-python-client generate",
        TIMEOUT,
    )?;
    let text = combined(&out);
    std::fs::write(cx.out.join("generate.log"), &text).ok();
    let is_warning = |l: &str| l.starts_with("WARNING ") || l.starts_with("Unable to parse schema");
    report.warnings = count_lines(&text, is_warning);
    show(&text, is_warning, 20);
    if !package.join("client.py").is_file() {
        return Err(ToolError::failed(
            "openapi-python-client generate wrote no client",
            &text,
            "see its output",
        ));
    }

    // The import, then the strict type check of the whole package.
    let mut import = Command::new(&python);
    import
        .arg("-c")
        .arg(format!(
            "import {0}, {0}.client, {0}.models, {0}.api",
            package_name(&package)
        ))
        .current_dir(&cx.out);
    let out = output(
        import,
        "python",
        REINSTALL,
        "importing the Python client",
        TIMEOUT,
    )?;
    if !out.status.success() {
        report.compile_errors += 1;
        eprintln!("  import failed: {}", combined(&out).trim());
    }
    let mut mypy = Command::new(&python);
    mypy.args([
        "-m",
        "mypy",
        "--no-incremental",
        "--cache-dir",
        "/dev/null",
        "--config-file",
    ])
    .arg(cx.root.join(PINS).join("python/mypy.ini"))
    .arg("-p")
    .arg(package_name(&package))
    .current_dir(&cx.out);
    let out = output(mypy, "python", REINSTALL, "mypy --strict", TIMEOUT)?;
    let text = combined(&out);
    std::fs::write(cx.out.join("mypy.log"), &text).ok();
    let is_error = |l: &str| l.contains(": error: ");
    report.compile_errors += count_lines(&text, is_error);
    show(&text, is_error, 20);
    if !out.status.success() && count_lines(&text, is_error) == 0 {
        report.compile_errors += 1;
        eprintln!("  mypy failed: {}", text.trim());
    }

    let mut smoke = Command::new(&python);
    smoke
        .arg(cx.root.join(PINS).join("python/smoke.py"))
        .arg(&package)
        .arg(&cx.plan)
        .arg(cx.base_url);
    let out = output(
        smoke,
        "python",
        REINSTALL,
        "the Python smoke program",
        TIMEOUT,
    )?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    std::fs::write(cx.out.join("smoke.log"), combined(&out)).ok();
    show(&stderr, |_| true, 20);
    smoke_summary(&String::from_utf8_lossy(&out.stdout), &mut report)?;
    Ok(report)
}

/// The import name of the generated package (its folder's name).
fn package_name(package: &Path) -> String {
    package
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
