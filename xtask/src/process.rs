//! Child processes of xtask that are always stopped, and running a command to completion.
//!
//! Every child started here runs in its own process group (through `process-wrap`), registered
//! while it lives. [`Child`] stops the whole group when dropped (SIGTERM, then SIGKILL after a
//! grace period), so early returns and errors never leave a server behind; a signal thread
//! installed on first use does the same for every registered group when xtask itself gets SIGINT,
//! SIGTERM or SIGHUP (the children, in their own groups, do not see a terminal's Ctrl-C). Every
//! wait has a timeout.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError, Weak, mpsc};
use std::time::{Duration, Instant};

use process_wrap::std::{ChildWrapper, CommandWrap, ProcessGroup};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::error::{ToolError, file_tail, io_error};
use crate::install::REINSTALL;

/// How long a stopped child gets to exit after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

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
    let stdout = drain(child.take_stdout());
    let stderr = drain(child.take_stderr());
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

// ---------------------------------------------------------------------------------------------
// Child processes

/// A spawned process with its group, lockable from the signal thread.
type Shared = Mutex<Box<dyn ChildWrapper>>;
/// A spawned process as its [`Child`] holds it.
type Process = Arc<Shared>;

/// Children alive now, stopped by the signal thread.
static LIVE: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());
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
///
/// The process is only ever locked for calls that do not block (`try_wait`, signals), so the
/// signal thread can always reach it.
pub struct Child {
    /// The process, also registered in [`LIVE`].
    process: Process,
    /// Its exit status once reaped.
    status: Option<ExitStatus>,
    /// Whether [`Child::stop`] has run.
    stopped: bool,
}

impl Child {
    /// Start `command` in a new process group; `hint` says what to do if `program` cannot be
    /// started.
    pub fn spawn(command: Command, program: &str, hint: &'static str) -> Result<Child, ToolError> {
        install_signal_thread();
        let mut command = CommandWrap::from(command);
        command.wrap(ProcessGroup::leader());
        let process = command.spawn().map_err(|error| match error.kind() {
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
        let process = Arc::new(Mutex::new(process));
        let mut live = lock(&LIVE);
        live.retain(|p| p.strong_count() > 0);
        live.push(Arc::downgrade(&process));
        Ok(Child {
            process,
            status: None,
            stopped: false,
        })
    }

    /// Its standard output, if piped and not taken yet.
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        lock(&self.process).stdout().take()
    }

    /// Its standard error, if piped and not taken yet.
    pub fn take_stderr(&mut self) -> Option<ChildStderr> {
        lock(&self.process).stderr().take()
    }

    /// Its exit status if it has exited (never blocks).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        park_if_interrupted();
        if self.status.is_none() {
            self.status = lock(&self.process).try_wait().ok().flatten();
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
        if self.stopped {
            return;
        }
        // Errors below mean the group is already gone.
        if self.exited().is_none() {
            let _ = lock(&self.process).signal(SIGTERM);
            if self.wait_timeout(GRACE).is_none() {
                let mut process = lock(&self.process);
                let _ = process.start_kill();
                // The process itself too, should it have left its group.
                let _ = process.inner_mut().start_kill();
                drop(process);
                let _ = self.wait_timeout(GRACE);
            }
        }
        // Whatever else is left in its group (the group id stays reserved while it has members).
        let _ = lock(&self.process).start_kill();
        let this = Arc::downgrade(&self.process);
        lock(&LIVE).retain(|p| !p.ptr_eq(&this) && p.strong_count() > 0);
        self.stopped = true;
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `mutex` locked, also after a panic elsewhere (what it guards stays usable).
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On SIGINT, SIGTERM or SIGHUP: stop every live child group, then exit 128 + signal.
fn install_signal_thread() {
    SIGNALS.call_once(|| {
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            eprintln!(
                "warning: cannot watch for signals; an interrupted run may leave servers behind"
            );
            return;
        };
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                INTERRUPTED.store(true, Ordering::SeqCst);
                let live: Vec<Process> = lock(&LIVE).iter().filter_map(Weak::upgrade).collect();
                for process in &live {
                    let _ = lock(process).signal(SIGTERM);
                }
                std::thread::sleep(Duration::from_millis(500));
                for process in &live {
                    let _ = lock(process).start_kill();
                }
                eprintln!("interrupted: stopped {} child process group(s)", live.len());
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Whether process `pid` is gone (or a zombie waiting for its new parent).
    fn gone(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            stat.rsplit(") ").next().is_some_and(|s| s.starts_with('Z'))
        })
    }

    #[test]
    fn stops_the_whole_group() {
        use std::io::{BufRead, BufReader};
        let mut sh = Command::new("sh");
        sh.args(["-c", "sleep 30 & echo $!; wait"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        let mut child = Child::spawn(sh, "sh", "a POSIX shell").expect("sh starts");
        let mut pid = String::new();
        BufReader::new(child.take_stdout().expect("stdout is piped"))
            .read_line(&mut pid)
            .expect("sh prints its background pid");
        let pid = pid.trim().to_owned();
        assert!(!gone(&pid), "sleep {pid} runs");
        let started = Instant::now();
        drop(child);
        let deadline = Instant::now() + GRACE;
        while !gone(&pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            gone(&pid),
            "the grandchild {pid} was stopped with its group"
        );
        assert!(started.elapsed() < GRACE, "SIGTERM was enough");
    }
}
