//! The conformance mock for tools that drive it, and credential headers for those tools.
//!
//! [`build_mock`] and [`start_mock`] implement the client side of the `conformance mock`
//! contract: it prints one JSON line `{"url": …, "credentials": {scheme: value}}` when ready, and
//! [`credential_headers`] turns those credentials into request headers through the spec's
//! `securitySchemes`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gamespec_spec::security::{self, Placement};
use serde_json::Value;

use crate::error::{ToolError, file_tail, io_error};
use crate::install::{NO_CARGO, cargo_program};
use crate::process::{Child, GRACE, output};

/// Load `api`'s spec from `path` (its place under the workspace root being driven).
pub fn load_spec(
    api: &gamespec_spec::registry::Api,
    path: &Path,
) -> Result<gamespec_spec::load::Document, ToolError> {
    gamespec_spec::load::load(path).map_err(|e| ToolError::Failed {
        step: format!("reading {}", api.spec_file()),
        output: e.to_string(),
        hint: "run cargo xtask lint",
    })
}

/// Longest the mock's build may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Longest the mock may take from start to its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// What to do when the mock cannot be built or does not follow its contract.
const MOCK_HINT: &str = "`cargo run -p gamespec-conformance --bin conformance -- mock --spec NAME --port 0` must print one JSON line {\"url\", \"credentials\"} when ready";

/// Build the mock (`cargo build [--release] -p gamespec-conformance --bin conformance`); returns
/// the path of its executable. Release for measuring it; the dev profile (shared with the test
/// build) where only its answers matter.
pub fn build_mock(root: &Path, release: bool) -> Result<PathBuf, ToolError> {
    let profile: &[&str] = if release { &["--release"] } else { &[] };
    let step = format!(
        "cargo build {}-p gamespec-conformance --bin conformance",
        if release { "--release " } else { "" }
    );
    eprintln!("building the mock ({step}) ...");
    let started = Instant::now();
    let mut cargo = Command::new(cargo_program());
    cargo
        .arg("build")
        .args(profile)
        .args([
            "-p",
            "gamespec-conformance",
            "--bin",
            "conformance",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root);
    let step = step.as_str();
    let out = output(cargo, "cargo", NO_CARGO, step, BUILD_TIMEOUT)?;
    if !out.status.success() {
        return Err(ToolError::failed(
            format!("{step} ({})", out.status),
            &String::from_utf8_lossy(&out.stderr),
            MOCK_HINT,
        ));
    }
    let exe = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "conformance")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    let exe = exe.ok_or_else(|| {
        ToolError::failed(
            step,
            "cargo reported no `conformance` executable",
            MOCK_HINT,
        )
    })?;
    eprintln!("built the mock in {:.1?}", started.elapsed());
    Ok(exe)
}

/// A running mock server: stopped (gracefully, then forcibly) when dropped.
pub struct Mock {
    /// Its base URL (`http://127.0.0.1:PORT`); spec paths are appended to it.
    pub url: String,
    /// Security scheme name → credential the mock accepts.
    pub credentials: BTreeMap<String, String>,
    /// Where its stderr and any further stdout go.
    pub log: PathBuf,
    /// The process.
    pub child: Child,
}

/// Serve `api` for a tool that drives it: its output folder `dir` made, its spec read with the
/// API's profile, and the mock `exe` started on it (seed 1, requests logged to `dir/mock.log`).
pub fn serve_api(
    root: &Path,
    exe: &Path,
    api: &gamespec_spec::registry::Api,
    dir: &Path,
) -> Result<(gamespec_spec::spec::Spec, Mock), ToolError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let spec_path = api.spec_path(root);
    let spec =
        gamespec_spec::spec::Spec::load_file(&spec_path, api.profile.clone()).map_err(|e| {
            ToolError::failed(
                format!("reading {}", api.spec_file()),
                &e.to_string(),
                "run cargo xtask lint",
            )
        })?;
    let mock = start_mock(
        exe,
        &spec_path.display().to_string(),
        Some(1),
        &dir.join("mock.log"),
        true,
    )?;
    Ok((spec, mock))
}

/// Start the mock executable `exe` for `spec` (an API name or a path) on a free port with `seed`,
/// and read its ready line (at most [`READY_TIMEOUT`]). Its output goes to `log`; without
/// `log_requests` only warnings are logged (a log line per request costs the mock time that a
/// throughput measurement should not include).
pub fn start_mock(
    exe: &Path,
    spec: &str,
    seed: Option<u64>,
    log: &Path,
    log_requests: bool,
) -> Result<Mock, ToolError> {
    start_mock_with(exe, spec, seed, log, log_requests, &[])
}

/// [`start_mock`] with `extra` arguments for `conformance mock` (`--fault KIND:OPERATION`).
pub fn start_mock_with(
    exe: &Path,
    spec: &str,
    seed: Option<u64>,
    log: &Path,
    log_requests: bool,
    extra: &[String],
) -> Result<Mock, ToolError> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let log_file = std::fs::File::create(log).map_err(io_error(log))?;
    let mut command = Command::new(exe);
    command.args(["mock", "--spec", spec, "--port", "0"]);
    if !log_requests {
        command.env("RUST_LOG", "warn");
    }
    if let Some(seed) = seed {
        command.arg("--seed").arg(seed.to_string());
    }
    command.args(extra);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file.try_clone().map_err(io_error(log))?);
    let mut child = Child::spawn(command, &exe.display().to_string(), MOCK_HINT)?;
    let stdout = child.take_stdout();
    let (tx, rx) = mpsc::channel::<String>();
    // The first line is the ready line; everything after it goes to the log, so the mock never
    // blocks on a full pipe.
    std::thread::spawn(move || {
        let Some(stdout) = stdout else { return };
        let mut log_file = log_file;
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { return };
            if line.trim().is_empty() {
                continue;
            }
            let _ = tx.send(line);
            break;
        }
        for line in lines.map_while(Result::ok) {
            let _ = writeln!(log_file, "{line}");
        }
    });
    let line = rx.recv_timeout(READY_TIMEOUT).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => ToolError::TimedOut {
            step: format!("waiting for the mock's ready line (log {})", log.display()),
            after: READY_TIMEOUT,
        },
        mpsc::RecvTimeoutError::Disconnected => ToolError::failed(
            format!(
                "the mock exited before its ready line ({}); log {}",
                child
                    .wait_timeout(GRACE)
                    .map_or("still running".into(), |s| s.to_string()),
                log.display()
            ),
            &file_tail(log, 2000),
            MOCK_HINT,
        ),
    })?;
    let (url, credentials) = parse_ready_line(&line)
        .ok_or_else(|| ToolError::failed("reading the mock's ready line", &line, MOCK_HINT))?;
    if !is_loopback_url(&url) {
        return Err(ToolError::failed(
            "the mock's ready line",
            &format!("url {url} is not http:// on 127.0.0.1"),
            MOCK_HINT,
        ));
    }
    Ok(Mock {
        url: url.trim_end_matches('/').to_owned(),
        credentials,
        log: log.to_path_buf(),
        child,
    })
}

/// `{"url": "...", "credentials": {"scheme": "value", ...}}` → (url, credentials).
fn parse_ready_line(line: &str) -> Option<(String, BTreeMap<String, String>)> {
    let value: Value = serde_json::from_str(line).ok()?;
    let url = value["url"].as_str()?.to_owned();
    let credentials = match value.get("credentials") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect::<Option<_>>()?,
        Some(_) => return None,
    };
    Some((url, credentials))
}

/// The request headers that present `credentials` (security scheme name → value) where the
/// spec core says each scheme carries its credential (`gamespec_spec::security::carrier`).
/// Schemes the spec does not declare, or that are not sent in a header (query or cookie API
/// keys), are returned in the second list.
pub fn credential_headers(
    spec: &Value,
    credentials: &BTreeMap<String, String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let schemes = &spec["components"]["securitySchemes"];
    let mut headers = Vec::new();
    let mut unused = Vec::new();
    for (name, value) in credentials {
        let scheme = &schemes[name.as_str()];
        let placed = (!scheme.is_null())
            .then(|| security::carrier(gamespec_spec::refs::deref(spec, scheme)).place(value));
        match placed {
            Some(Placement::Header(header, text)) => headers.push((header, text)),
            _ => unused.push(name.clone()),
        }
    }
    (headers, unused)
}

/// Whether `url` is `http://` on a loopback host (127.0.0.0/8, localhost, [::1]).
pub fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ready_line() {
        let line =
            r#"{"url":"http://127.0.0.1:4010","credentials":{"sessionToken":"s","domainKey":"d"}}"#;
        let (url, creds) = parse_ready_line(line).expect("a valid line");
        assert_eq!(url, "http://127.0.0.1:4010");
        assert_eq!(creds["sessionToken"], "s");
        assert!(parse_ready_line("listening on 4010").is_none());
        assert!(parse_ready_line(r#"{"url":"x","credentials":{"a":1}}"#).is_none());
    }

    #[test]
    fn only_loopback_urls() {
        assert!(is_loopback_url("http://127.0.0.1:4010"));
        assert!(is_loopback_url("http://127.0.0.2:1/x"));
        assert!(is_loopback_url("http://localhost:1"));
        assert!(is_loopback_url("http://[::1]:8080/"));
        assert!(!is_loopback_url("http://10.0.0.1:80"));
        assert!(!is_loopback_url("https://127.0.0.1:80"));
        assert!(!is_loopback_url("http://127.0.0.1.example.com/"));
    }

    #[test]
    fn maps_credentials_to_headers() {
        let spec = serde_json::json!({"components": {"securitySchemes": {
            "sessionToken": {"type": "apiKey", "in": "header", "name": "x-session-token"},
            "userJwt": {"type": "http", "scheme": "bearer"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "c"},
        }}});
        let creds: BTreeMap<String, String> = [
            ("sessionToken", "s"),
            ("userJwt", "j"),
            ("cookie", "c"),
            ("other", "o"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (headers, unused) = credential_headers(&spec, &creds);
        assert_eq!(
            headers,
            vec![
                ("x-session-token".to_owned(), "s".to_owned()),
                ("Authorization".to_owned(), "Bearer j".to_owned())
            ]
        );
        assert_eq!(unused, vec!["cookie".to_owned(), "other".to_owned()]);
    }

    #[test]
    #[ignore = "builds the conformance binary"]
    fn starts_the_mock_and_stops_it_when_dropped() {
        let root = gamespec_spec::registry::workspace_root();
        let exe = build_mock(&root, false).expect("the mock builds");
        let log = root.join("target/xtask-tests/mock.log");
        let mock = start_mock(&exe, "xsolla", Some(1), &log, false).expect("the mock starts");
        assert!(is_loopback_url(&mock.url), "{}", mock.url);
        let addr: std::net::SocketAddr = mock.url["http://".len()..].parse().expect("host:port");
        assert!(
            std::net::TcpStream::connect(addr).is_ok(),
            "the mock listens"
        );
        drop(mock);
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "the mock is stopped with its Child"
        );
    }
}
