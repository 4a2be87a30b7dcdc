//! Outside tools for xtask commands: pinned installs under `target/validators/`, and child
//! processes that are always stopped.
//!
//! **Installs.** Tools are pinned in `xtask/validators/` (pip requirements, npm `package.json` +
//! `package-lock.json`, crate versions) and installed on demand under `target/validators/`: a venv
//! per requirements file, an `npm ci --ignore-scripts` tree per npm pin folder, a
//! `cargo install --locked` root per crate. Each install keeps a stamp (a copy of what it was
//! installed from) and is redone only when that changes.
//!
//! **Processes.** Every child started here runs in its own process group, registered while it
//! lives. [`Child`] stops the whole group when dropped (SIGTERM, then SIGKILL after a grace
//! period), so early returns and errors never leave a server behind; a signal thread installed on
//! first use does the same for every registered group when xtask itself gets SIGINT, SIGTERM or
//! SIGHUP (the children, in their own groups, do not see a terminal's Ctrl-C). Every wait has a
//! timeout.
//!
//! **The conformance mock.** [`build_mock`] and [`start_mock`] implement the client side of the
//! `conformance mock` contract: it prints one JSON line `{"url": …, "credentials": {scheme:
//! value}}` when ready, and [`credential_headers`] turns those credentials into request headers
//! through the spec's `securitySchemes`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use serde_json::Value;

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
/// How long a stopped child gets to exit after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(5);

/// A tool that could not be installed or run; nothing can be said about what it was to check.
#[derive(Debug)]
pub enum ToolError {
    /// A program could not be started at all.
    NotFound { program: String, hint: &'static str },
    /// A step (install or tool run) failed or produced output that could not be understood.
    Failed {
        step: String,
        output: String,
        hint: &'static str,
    },
    /// A step did not finish in time (it was stopped).
    TimedOut { step: String, after: Duration },
    /// A file or directory could not be read or written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Arguments that cannot work together (the message says why).
    Usage(String),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::NotFound { program, hint } => write!(f, "{program} not found: {hint}"),
            ToolError::Failed { step, output, hint } => {
                write!(f, "{step} failed: {hint}")?;
                if !output.is_empty() {
                    write!(f, "\n{output}")?;
                }
                Ok(())
            }
            ToolError::TimedOut { step, after } => {
                write!(f, "{step} did not finish within {after:?}; it was stopped")
            }
            ToolError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            ToolError::Usage(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for ToolError {}

impl ToolError {
    /// A [`ToolError::Failed`] with the end of `output`.
    pub fn failed(step: impl Into<String>, output: &str, hint: &'static str) -> ToolError {
        ToolError::Failed {
            step: step.into(),
            output: tail(output, 2000).to_owned(),
            hint,
        }
    }
}

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

/// Turns an I/O error on `path` into a [`ToolError`].
pub fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ToolError {
    let path = path.to_path_buf();
    move |error| ToolError::Io { path, error }
}

// ---------------------------------------------------------------------------------------------
// Installs

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

// ---------------------------------------------------------------------------------------------
// Running commands

/// Run `command` (`program`; `missing` says what to do if it cannot be started) for at most
/// `timeout`, and fail with `step`, `hint` and the end of its output on a non-zero exit.
pub fn checked(
    command: Command,
    program: &str,
    missing: &'static str,
    step: &str,
    hint: &'static str,
    timeout: Duration,
) -> Result<(), ToolError> {
    let out = output(command, program, missing, step, timeout)?;
    if out.status.success() {
        return Ok(());
    }
    // Installers put the reason last.
    Err(ToolError::failed(
        format!("{step} ({})", out.status),
        &combined(&out),
        hint,
    ))
}

/// Run `command` to completion (at most `timeout`, else it is stopped and this is
/// [`ToolError::TimedOut`] for `step`), capturing its output; `hint` says what to do if `program`
/// cannot be started. Standard input is closed.
pub fn output(
    mut command: Command,
    program: &str,
    hint: &'static str,
    step: &str,
    timeout: Duration,
) -> Result<Output, ToolError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Child::spawn(command, program, hint)?;
    let stdout = drain(child.inner.stdout.take());
    let stderr = drain(child.inner.stderr.take());
    let status = match child.wait_timeout(timeout) {
        Some(status) => status,
        None => {
            child.stop();
            return Err(ToolError::TimedOut {
                step: step.to_owned(),
                after: timeout,
            });
        }
    };
    // The pipes close when the child's whole group is gone; do not wait forever for a
    // grandchild that escaped it.
    child.stop();
    let collect = |rx: mpsc::Receiver<Vec<u8>>| rx.recv_timeout(GRACE).unwrap_or_default();
    Ok(Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

/// Read `pipe` to its end on a thread; the bytes arrive on the returned channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = tx.send(bytes);
    });
    rx
}

/// A process's stdout followed by its stderr.
pub fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// At most `max` characters of `text`, marking a cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_owned(),
    }
}

/// The last (about) `max` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max: usize) -> &str {
    let cut = text.len().saturating_sub(max);
    let cut = (cut..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    &text[cut..]
}

/// The last `max` bytes of the file at `path` (empty if it cannot be read).
pub fn file_tail(path: &Path, max: usize) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    tail(&String::from_utf8_lossy(&text), max).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// Process groups of the children alive now, stopped by the signal thread.
static LIVE: Mutex<Vec<i32>> = Mutex::new(Vec::new());
/// Installs the signal thread once.
static SIGNALS: Once = Once::new();
/// Set by the signal thread before it stops the children and exits.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// After a signal, children die because xtask is exiting, not by themselves: leave reporting
/// and exiting to the signal thread instead of reporting them as failures.
fn park_if_interrupted() {
    if INTERRUPTED.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// A child process in its own process group, stopped (with its whole group) when dropped.
pub struct Child {
    /// The process; its stdio handles can be taken.
    pub inner: std::process::Child,
    /// Its process group id (its pid).
    pgid: i32,
    /// Its exit status once reaped.
    status: Option<ExitStatus>,
}

impl Child {
    /// Start `command` in a new process group; `hint` says what to do if `program` cannot be
    /// started.
    pub fn spawn(
        mut command: Command,
        program: &str,
        hint: &'static str,
    ) -> Result<Child, ToolError> {
        install_signal_thread();
        command.process_group(0);
        let inner = command.spawn().map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => ToolError::NotFound {
                program: program.to_owned(),
                hint,
            },
            _ => ToolError::Failed {
                step: format!("starting {program}"),
                output: error.to_string(),
                hint,
            },
        })?;
        let pgid = i32::try_from(inner.id()).unwrap_or(0);
        if pgid > 0 {
            lock_live().push(pgid);
        }
        Ok(Child {
            inner,
            pgid,
            status: None,
        })
    }

    /// Its exit status if it has exited (never blocks).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        park_if_interrupted();
        if self.status.is_none() {
            self.status = self.inner.try_wait().ok().flatten();
        }
        self.status
    }

    /// Wait at most `timeout` for it to exit; `None` if it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stop its whole group: SIGTERM, up to [`GRACE`] to exit, then SIGKILL. Idempotent.
    pub fn stop(&mut self) {
        if self.pgid <= 0 {
            return;
        }
        if self.exited().is_none() {
            signal_group(self.pgid, libc::SIGTERM);
            if self.wait_timeout(GRACE).is_none() {
                signal_group(self.pgid, libc::SIGKILL);
                let _ = self.inner.kill();
                let _ = self.wait_timeout(GRACE);
            }
        }
        // Whatever else is left in its group (the group id stays reserved while it has members).
        signal_group(self.pgid, libc::SIGKILL);
        lock_live().retain(|&g| g != self.pgid);
        self.pgid = 0;
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock_live() -> std::sync::MutexGuard<'static, Vec<i32>> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Send `signal` to every process of group `pgid`.
fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions; a group that no longer exists is ESRCH.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// On SIGINT, SIGTERM or SIGHUP: stop every live child group, then exit 128 + signal.
fn install_signal_thread() {
    SIGNALS.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            eprintln!(
                "warning: cannot watch for signals; an interrupted run may leave servers behind"
            );
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                let groups = lock_live().clone();
                for &g in &groups {
                    signal_group(g, libc::SIGTERM);
                }
                std::thread::sleep(Duration::from_millis(500));
                for &g in &groups {
                    signal_group(g, libc::SIGKILL);
                }
                eprintln!(
                    "interrupted: stopped {} child process group(s)",
                    groups.len()
                );
                std::process::exit(128 + signal);
            }
        });
    });
}

/// A port on 127.0.0.1 that was free a moment ago (for servers that need one on the command line).
pub fn free_port() -> Result<u16, ToolError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| ToolError::Failed {
        step: "binding 127.0.0.1:0".into(),
        output: e.to_string(),
        hint: "loopback networking must work",
    })?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(io_error(Path::new("127.0.0.1:0")))
}

/// Wait until `addr` accepts connections (at most `timeout`), failing early if `child` exits.
pub fn wait_for_port(
    addr: SocketAddr,
    child: &mut Child,
    what: &str,
    log: &Path,
    timeout: Duration,
) -> Result<(), ToolError> {
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.exited() {
            return Err(ToolError::failed(
                format!(
                    "{what} exited before listening on {addr} ({status}); log {}",
                    log.display()
                ),
                &file_tail(log, 2000),
                REINSTALL,
            ));
        }
        if Instant::now() >= deadline {
            return Err(ToolError::TimedOut {
                step: format!("waiting for {what} on {addr}"),
                after: timeout,
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
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

// ---------------------------------------------------------------------------------------------
// The conformance mock

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
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file.try_clone().map_err(io_error(log))?);
    let mut child = Child::spawn(command, &exe.display().to_string(), MOCK_HINT)?;
    let stdout = child.inner.stdout.take();
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

/// The request headers that present `credentials` (security scheme name → value) as the spec's
/// `components.securitySchemes` say: an `apiKey` in a header as that header, `http` `bearer` as
/// `Authorization: Bearer <value>`, `http` `basic` as `Authorization: Basic <value>`. Schemes the
/// spec does not declare, or that are not sent in a header, are returned in the second list.
pub fn credential_headers(
    spec: &Value,
    credentials: &BTreeMap<String, String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let schemes = &spec["components"]["securitySchemes"];
    let mut headers = Vec::new();
    let mut unused = Vec::new();
    for (name, value) in credentials {
        let scheme = &schemes[name.as_str()];
        let header = match (scheme["type"].as_str(), scheme["in"].as_str()) {
            (Some("apiKey"), Some("header")) => scheme["name"]
                .as_str()
                .map(|h| (h.to_owned(), value.clone())),
            (Some("http"), _) => match scheme["scheme"].as_str().map(str::to_ascii_lowercase) {
                Some(s) if s == "bearer" => {
                    Some(("Authorization".into(), format!("Bearer {value}")))
                }
                Some(s) if s == "basic" => Some(("Authorization".into(), format!("Basic {value}"))),
                _ => None,
            },
            _ => None,
        };
        match header {
            Some(h) => headers.push(h),
            None => unused.push(name.clone()),
        }
    }
    (headers, unused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_messages() {
        assert_eq!(truncate("short", 400), "short");
        let long = "x".repeat(1000);
        assert!(truncate(&long, 400).starts_with(&"x".repeat(400)));
        assert!(truncate(&long, 400).ends_with("(600 more bytes)"));
        assert_eq!(tail("abcdef", 2), "ef");
        assert_eq!(tail("é", 1), "");
    }

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
    fn stops_children_and_times_out() {
        let mut sleep = Command::new("sleep");
        sleep.arg("30");
        let started = Instant::now();
        let err = output(
            sleep,
            "sleep",
            "coreutils",
            "sleep 30",
            Duration::from_millis(200),
        )
        .expect_err("must time out");
        assert!(matches!(err, ToolError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let err = output(
            Command::new("/nonexistent/x"),
            "x",
            "hint",
            "x",
            Duration::from_secs(1),
        )
        .expect_err("must not start");
        assert!(matches!(err, ToolError::NotFound { .. }), "{err}");
    }
}
