//! Running the `conformance` binary from a test: a clean environment (no `GAMESPEC_*` of the
//! calling shell leaks in), both pipes drained while it runs (a chatty child cannot block on a
//! full pipe), and a deadline after which it is killed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one invocation did.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; `None` when it was killed at the deadline (or by a signal).
    pub code: Option<i32>,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// How long it ran.
    pub took: Duration,
    /// Whether the deadline killed it.
    pub killed: bool,
}

impl Ran {
    /// Assert the exit code, showing both streams otherwise.
    pub fn exits(&self, code: i32) -> &Ran {
        assert_eq!(
            self.code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Run `conformance ARGS` with only `env` set (and `NO_COLOR`), killing it after `deadline`.
pub fn run(args: &[&str], env: &[(&str, &str)], deadline: Duration) -> Ran {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let started = Instant::now();
    let (code, killed) = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break (status.code(), false);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ran {
        code,
        killed,
        took: started.elapsed(),
        stdout: stdout.join().expect("stdout read"),
        stderr: stderr.join().expect("stderr read"),
    }
}
