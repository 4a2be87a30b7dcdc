//! The `conformance` binary on malformed specs: every file of the collection in
//! `spec-core/tests/malformed/` (one defect each, its first line `# expect: POINTER`, the line of
//! the defect marked `# <-`) is refused by `run --dry-run`, `run` and `mock` alike with exit 2
//! and `file:line:col: pointer: message` on stderr, without a panic and within a deadline; a
//! 10 MB spec is refused (or served) within seconds; the registered specs still load clean.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gamespec_spec::registry::{apis, workspace_root};

/// Longest one refusal may take (a debug build, two cores shared with other jobs).
const DEADLINE: Duration = Duration::from_secs(30);

/// Longest reading a 10 MB spec may take in a debug build on a loaded machine (measured: about
/// 5 s of CPU in a debug build; the wall clock is what a busy CI runner sees).
const BIG_DEADLINE: Duration = Duration::from_secs(180);

#[path = "../../spec-core/tests/malformed/case.rs"]
mod case;
mod runner_support;

use runner_support::binary::{self, Ran};

use case::{Case, collection};

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Run `conformance ARGS` to its end, killing it after `deadline` (then `code` is `None`).
fn conformance(args: &[&str], deadline: Duration) -> Ran {
    binary::run(args, &[], deadline)
}

/// What is wrong with how `ran` refused `case`, if anything.
fn judge(case: &Case, how: &str, ran: &Ran) -> Option<String> {
    let why = if ran.stderr.contains("panicked") {
        "panicked".to_owned()
    } else if ran.code.is_none() {
        format!("still running after {:?} (served or hung)", ran.took)
    } else if ran.code != Some(2) {
        format!("exit {:?}, not 2", ran.code)
    } else if !ran
        .stderr
        .contains(&format!("{}:{}:", case.name, case.line))
    {
        format!("no `{}:{}:` in the message", case.name, case.line)
    } else if !ran.stderr.contains(&case.pointer) {
        format!("no pointer {} in the message", case.pointer)
    } else {
        return None;
    };
    Some(format!(
        "{} ({how}): {why}\n  stderr: {}\n  stdout: {}",
        case.name,
        ran.stderr.trim(),
        ran.stdout.lines().next().unwrap_or("")
    ))
}

fn refuse_all(how: &str, args: &[&str]) {
    let cases = collection();
    assert!(cases.len() >= 40, "{} files", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let path = case.path.to_str().expect("a UTF-8 path");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--spec", path]);
        if let Some(w) = judge(case, how, &conformance(&all, DEADLINE)) {
            wrong.push(w);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} files not refused cleanly:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn run_dry_run_refuses_every_malformed_spec_with_its_location() {
    refuse_all("run --dry-run", &["run", "--dry-run"]);
}

#[test]
fn run_refuses_every_malformed_spec_with_its_location() {
    refuse_all("run", &["run", "--no-progress", "--max-examples", "1"]);
}

#[test]
fn mock_refuses_every_malformed_spec_with_its_location() {
    refuse_all("mock", &["mock", "--port", "0"]);
}

/// A spec of about `megabytes` MB: many component schemas, a few operations, and, when
/// `defect` is set, `minLength` above `maxLength` in the last schema.
fn big_spec(megabytes: usize, defect: bool) -> (String, usize) {
    let mut text = String::from("openapi: 3.0.3\ninfo:\n  title: Big\n  version: '1'\npaths:\n");
    for op in 0..20 {
        text.push_str(&format!(
            "  /items{op}:\n    get:\n      operationId: listItems{op}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/S{op}'\n"
        ));
    }
    text.push_str("components:\n  schemas:\n");
    let mut n = 0;
    while text.len() < megabytes * 1_000_000 {
        text.push_str(&format!(
            "    S{n}:\n      type: object\n      description: Schema number {n} of a large generated spec.\n      required: [id]\n      properties:\n        id:\n          type: string\n          minLength: 1\n          maxLength: 64\n        count:\n          type: integer\n          minimum: 0\n"
        ));
        n += 1;
    }
    let mut line = 0;
    if defect {
        line = text.lines().count() + 3;
        text.push_str("    Last:\n      type: string\n      minLength: 9\n      maxLength: 3\n");
    }
    (text, line)
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("malformed");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("spec written");
    path
}

#[test]
fn a_10_mb_spec_with_one_defect_is_refused_within_seconds() {
    let (text, line) = big_spec(10, true);
    let path = scratch("big-defect.yaml", &text);
    let ran = conformance(
        &["run", "--dry-run", "--spec", path.to_str().unwrap()],
        BIG_DEADLINE,
    );
    let case = Case {
        name: "big-defect.yaml".into(),
        path,
        pointer: "/components/schemas/Last/minLength".into(),
        line,
    };
    if let Some(w) = judge(&case, "run --dry-run", &ran) {
        panic!("{w}");
    }
    eprintln!("10 MB spec refused in {:?}", ran.took);
}

#[test]
fn a_valid_10_mb_spec_is_served_within_seconds() {
    let (text, _) = big_spec(10, false);
    let path = scratch("big-valid.yaml", &text);
    let started = Instant::now();
    let mut child = spawn(&["mock", "--spec", path.to_str().unwrap(), "--port", "0"]);
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(BIG_DEADLINE);
    let took = started.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("the mock prints its ready line");
    assert!(line.contains("\"url\""), "{line}");
    eprintln!("10 MB spec served after {took:?}");
}

#[test]
fn the_registered_specs_still_load_clean() {
    let root = workspace_root();
    for api in apis() {
        let path = api.spec_path(&root);
        let ran = conformance(
            &["run", "--dry-run", "--spec", path.to_str().unwrap()],
            DEADLINE,
        );
        assert_eq!(ran.code, Some(0), "{}: {}", api.name, ran.stderr);
        let ran = conformance(&["run", "--dry-run", "--spec", &api.name], DEADLINE);
        assert_eq!(ran.code, Some(0), "{}: {}", api.name, ran.stderr);
    }
}
