//! The Java client: openapi-generator (the jar inside the pinned PyPI package
//! `openapi-generator-cli`), generator `java` with the `native` library (java.net.http, Jackson),
//! compiled with the JDK's `javac`, and driven by `xtask/validators/languages/java/Smoke.java`.
//!
//! Dependencies of the generated code, with Maven Central out of reach: Jackson (core, databind,
//! annotations, and the jsr310 module Debian bookworm does not package) comes from the generator
//! jar itself, which bundles Jackson 2.x; `org.apache.http.entity.mime` (multipart bodies) from
//! Debian's `libhttpmime-java`, `javax.annotation.Generated` from Debian's
//! `libgeronimo-annotation-1.3-spec-java`; jackson-databind-nullable is not needed because the committed
//! configuration turns `openApiNullable` off.
//!
//! The generator reads the spec as [`java_input`] prepares it, and runs with its once-logger off
//! (`-Dorg.openapitools.codegen.utils.oncelogger.enabled=false`): by default it prints a message
//! at most once every two seconds, so a count of its `WARN` lines would depend on timing. Every
//! `WARN` line counts as a generator warning.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use saphyr::{LoadableYamlNode, Yaml};

use super::{Context, PINS, Report, count_lines, java_input, show, smoke_summary};
use crate::error::{ToolError, io_error};
use crate::install::REINSTALL;
use crate::process::{combined, output};

/// Longest one tool run may take.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// What to do without a JDK.
const NO_JDK: &str =
    "install a JDK with javac on PATH (Debian: apt-get install default-jdk-headless)";
/// Debian's jars the generated code needs beside the generator jar's, and their packages.
const DEBIAN_JARS: &[(&str, &str)] = &[
    ("/usr/share/java/httpmime.jar", "libhttpmime-java"),
    ("/usr/share/java/httpclient.jar", "libhttpclient-java"),
    ("/usr/share/java/httpcore.jar", "libhttpcore-java"),
    // `javax.annotation.Generated` on every generated class.
    (
        "/usr/share/java/geronimo-annotation-1.3-spec.jar",
        "libgeronimo-annotation-1.3-spec-java",
    ),
];

/// Generate, compile and smoke-test the Java client of `cx.api`.
pub fn run(cx: &Context) -> Result<Report, ToolError> {
    let python = super::python::install(cx.root)?;
    let jar = generator_jar(&python)?;
    let mut classpath = vec![jar.clone()];
    for (path, package) in DEBIAN_JARS {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(ToolError::failed(
                format!("finding {}", path.display()),
                "",
                if *package == "libgeronimo-annotation-1.3-spec-java" {
                    "apt-get install libgeronimo-annotation-1.3-spec-java"
                } else {
                    "apt-get install libhttpmime-java (it brings libhttpclient-java and libhttpcore-java)"
                },
            ));
        }
        classpath.push(path);
    }
    let mut report = Report::default();
    let generated = cx.out.join("client");
    let config = cx.root.join(PINS).join("java/openapi-generator.yaml");
    let input = cx.out.join("spec.json");
    let mapped = mapped_schemas(&config)?;
    let text =
        serde_json::to_string(&java_input::for_generator(cx.document, &mapped)).unwrap_or_default();
    std::fs::write(&input, text).map_err(io_error(&input))?;

    let mut generate = Command::new("java");
    generate
        .arg("-Dorg.openapitools.codegen.utils.oncelogger.enabled=false")
        .arg("-jar")
        .arg(&jar)
        .args(["generate", "-g", "java", "--library", "native"])
        .arg("-c")
        .arg(&config)
        .arg("-i")
        .arg(&input)
        .arg("-o")
        .arg(&generated);
    let out = output(
        generate,
        "java",
        NO_JDK,
        "openapi-generator generate",
        TIMEOUT,
    )?;
    let text = combined(&out);
    std::fs::write(cx.out.join("generate.log"), &text).ok();
    let is_warning = |l: &str| l.contains(" WARN ");
    report.warnings = count_lines(&text, is_warning);
    show(&text, is_warning, 20);
    if !out.status.success() {
        return Err(ToolError::failed(
            "openapi-generator generate",
            &text,
            REINSTALL,
        ));
    }

    let mut sources = Vec::new();
    collect_java(&generated.join("src/main/java"), &mut sources)?;
    sources.push(cx.root.join(PINS).join("java/Smoke.java"));
    let list = cx.out.join("sources.txt");
    let text: String = sources
        .iter()
        .map(|s| format!("{}\n", s.display()))
        .collect();
    std::fs::write(&list, text).map_err(io_error(&list))?;
    let classes = cx.out.join("classes");
    let classpath = std::env::join_paths(&classpath).unwrap_or_default();
    let mut javac = Command::new("javac");
    javac
        .args([
            "-parameters",
            "-encoding",
            "UTF-8",
            "-nowarn",
            "-Xmaxerrs",
            "100000",
            "-d",
        ])
        .arg(&classes)
        .arg("-cp")
        .arg(&classpath)
        .arg(format!("@{}", list.display()));
    let out = output(javac, "javac", NO_JDK, "javac", TIMEOUT)?;
    let text = combined(&out);
    std::fs::write(cx.out.join("javac.log"), &text).ok();
    let is_error = |l: &str| l.contains(": error: ");
    report.compile_errors = count_lines(&text, is_error);
    show(&text, is_error, 20);
    if !out.status.success() {
        report.compile_errors = report.compile_errors.max(1);
        return Ok(report);
    }

    let mut run_classpath = std::ffi::OsString::from(&classes);
    run_classpath.push(":");
    run_classpath.push(&classpath);
    let mut smoke = Command::new("java");
    smoke
        .arg("-cp")
        .arg(run_classpath)
        .arg("Smoke")
        .arg(&classes)
        .arg(&cx.plan)
        .arg(cx.base_url);
    let out = output(smoke, "java", NO_JDK, "the Java smoke program", TIMEOUT)?;
    std::fs::write(cx.out.join("smoke.log"), combined(&out)).ok();
    show(&String::from_utf8_lossy(&out.stderr), |_| true, 20);
    smoke_summary(&String::from_utf8_lossy(&out.stdout), &mut report)?;
    Ok(report)
}

/// The schema names the generator configuration at `config` maps to Java types
/// (the keys of its `schemaMappings`).
fn mapped_schemas(config: &Path) -> Result<Vec<String>, ToolError> {
    let text = std::fs::read_to_string(config).map_err(io_error(config))?;
    let docs = Yaml::load_from_str(&text).map_err(|e| {
        ToolError::failed(
            format!("reading {}", config.display()),
            &e.to_string(),
            "fix the YAML syntax",
        )
    })?;
    let names = docs
        .first()
        .and_then(|d| d.as_mapping_get("schemaMappings"))
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Ok(names)
}

/// The openapi-generator jar inside the venv's `openapi_generator_cli` package.
fn generator_jar(python: &Path) -> Result<PathBuf, ToolError> {
    let lib = python
        .parent()
        .and_then(Path::parent)
        .map(|venv| venv.join("lib"))
        .unwrap_or_default();
    let found = std::fs::read_dir(&lib)
        .map_err(io_error(&lib))?
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join("site-packages/openapi_generator_cli/openapi-generator.jar")
        })
        .find(|jar| jar.is_file());
    found.ok_or_else(|| ToolError::failed("finding the openapi-generator jar", "", REINSTALL))
}

/// Every `.java` file under `dir`, recursively.
fn collect_java(dir: &Path, into: &mut Vec<PathBuf>) -> Result<(), ToolError> {
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if path.is_dir() {
            collect_java(&path, into)?;
        } else if path.extension().is_some_and(|e| e == "java") {
            into.push(path);
        }
    }
    Ok(())
}
