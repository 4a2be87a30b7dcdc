//! The `conformance` binary as CI runs it: exit codes (0 the contract holds, 1 failures, 2
//! unusable input), the summary on stdout, the report files, baselines, replay, `--dry-run` and
//! `checks`. Servers under test are small axum apps on 127.0.0.1 served from a thread of their
//! own while the test waits for the child process.

mod runner_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gamespec_conformance::outcome::RunResult;
use gamespec_conformance::report::ndjson;
use runner_support::binary::{self, Ran};
use runner_support::hostile;
use runner_support::lootlocker::{self, Breakage, TOKEN};
use runner_support::{Log, refused_url, serve_in_background};

/// Longest a single invocation may take before the test kills it and fails.
const DEADLINE: Duration = Duration::from_secs(120);

/// Run `conformance ARGS` with only `env` set, failing the test after [`DEADLINE`].
fn conformance(args: &[&str], env: &[(&str, &str)]) -> Ran {
    let ran = binary::run(args, env, DEADLINE);
    assert!(
        !ran.killed,
        "conformance {args:?} ran longer than {DEADLINE:?}"
    );
    ran
}

/// An empty scratch directory for one test under Cargo's target tmpdir.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The credential the test servers accept, as the CLI reads it.
const SESSION_ENV: [(&str, &str); 1] = [("GAMESPEC_SESSION_TOKEN", TOKEN)];

/// A ping server with the wrong body type at 200 (C005), or a correct one.
fn ping_server(broken: bool, log: &Log) -> String {
    let breakage = Breakage {
        ping_body: broken,
        ..Breakage::default()
    };
    serve_in_background(lootlocker::player_server(breakage, log.clone()))
}

#[test]
fn a_run_against_the_mock_prints_the_summary_and_writes_every_report() {
    let dir = scratch("mock_reports");
    let (junit, markdown, ndjson_file, json) = (
        dir.join("junit.xml"),
        dir.join("summary.md"),
        dir.join("failures.ndjson"),
        dir.join("result.json"),
    );
    let ran = conformance(
        &[
            "run",
            "--spec",
            "lootlocker",
            "--no-progress",
            "--max-examples",
            "2",
            "--operation",
            "get*",
            "--junit",
            arg(&junit),
            "--markdown",
            arg(&markdown),
            "--ndjson",
            arg(&ndjson_file),
            "--json",
            arg(&json),
        ],
        &[],
    );
    ran.exits(0);
    for part in [
        "lootlocker against http://127.0.0.1:",
        "Checks",
        "C005",
        "0 failures",
    ] {
        assert!(
            ran.stdout.contains(part),
            "{part:?} missing:\n{}",
            ran.stdout
        );
    }
    let xml = text(&junit);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<testsuites") && xml.trim_end().ends_with("</testsuites>"));
    assert!(xml.contains("<testsuite name=\"getPlayerInfo\""), "{xml}");
    let md = text(&markdown);
    assert!(md.starts_with("# Conformance of lootlocker"), "{md}");
    let records = ndjson::read(&text(&ndjson_file)).expect("NDJSON reads back");
    assert!(records.is_empty(), "{records:?}");
    let result: RunResult = serde_json::from_str(&text(&json)).expect("the JSON is a RunResult");
    assert_eq!(result.api, "lootlocker");
    assert!(result.failures.is_empty());
    assert!(result.stats.cases > 0);
    let ran_ops: Vec<&str> = result
        .operations
        .iter()
        .filter(|o| o.skipped.is_none())
        .map(|o| o.operation.as_str())
        .collect();
    assert!(ran_ops.len() > 10, "{ran_ops:?}");
    assert!(ran_ops.iter().all(|o| o.starts_with("get")), "{ran_ops:?}");
}

#[test]
fn unusable_input_exits_2_and_says_what_is_wrong() {
    let dir = scratch("unusable");
    let invalid = dir.join("invalid.toml");
    std::fs::write(
        &invalid,
        "[[accept]]\ncheck = \"C005\"\nreason = \"known\"\n\n[[accept]]\ncheck = \"C777\"\nreason = \"typo\"\n",
    )
    .expect("baseline written");
    let missing = dir.join("no-such-baseline.toml");
    let refused = refused_url();
    let invalid_at = format!("{}:6", invalid.display());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--no-such-flag"], "--no-such-flag"),
        (vec!["--spec", "nosuchapi"], "nosuchapi"),
        (vec!["--checks", "C999"], "unknown check `C999`"),
        (
            vec!["--phases", "examples,sideways"],
            "unknown phase `sideways`",
        ),
        (vec!["--base-url", &refused], "cannot reach"),
        (
            vec!["--operation", "getPlayerInfoo"],
            "--operation `getPlayerInfoo` matches no operationId",
        ),
        (
            vec!["--exclude", "nothing*"],
            "--exclude `nothing*` matches no",
        ),
        (vec!["--baseline", arg(&invalid)], &invalid_at),
        (vec!["--baseline", arg(&missing)], "no-such-baseline.toml"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["run", "--no-progress"];
        if !extra.contains(&"--spec") {
            args.extend(["--spec", "lootlocker"]);
        }
        args.extend(extra);
        let ran = conformance(&args, &[]);
        assert_eq!(ran.code, Some(2), "{args:?}\n{}{}", ran.stdout, ran.stderr);
        assert!(
            ran.stderr.contains(message),
            "{args:?}: {message:?} missing from stderr:\n{}",
            ran.stderr
        );
    }
    let bad_baseline = conformance(
        &["run", "--spec", "lootlocker", "--baseline", arg(&invalid)],
        &[],
    );
    assert!(
        bad_baseline.stderr.contains("C777"),
        "{}",
        bad_baseline.stderr
    );
}

#[test]
fn failures_exit_1_until_the_baseline_accepts_them() {
    let log = Log::default();
    let url = ping_server(true, &log);
    let dir = scratch("baseline");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--spec",
            "lootlocker",
            "--base-url",
            &url,
            "--operation",
            "ping",
            "--no-progress",
            "--max-examples",
            "2",
        ];
        args.extend(extra);
        conformance(&args, &SESSION_ENV)
    };
    let failing = run(&[]);
    failing.exits(1);
    for part in [
        "C005",
        "response_schema_conformance",
        "curl -sS",
        "/game/ping",
    ] {
        assert!(
            failing.stdout.contains(part),
            "{part:?}:\n{}",
            failing.stdout
        );
    }
    assert!(
        failing.stdout.contains("${GAMESPEC_SESSION_TOKEN}") && !failing.stdout.contains(TOKEN),
        "the curl line uses the placeholder:\n{}",
        failing.stdout
    );
    assert!(log.count() > 0);

    let accepting = dir.join("accepting.toml");
    let entry = "[[accept]]\ncheck = \"C005\"\noperation = \"ping\"\nreason = \"known\"\n";
    std::fs::write(&accepting, entry).expect("baseline written");
    run(&["--baseline", arg(&accepting)]).exits(0);
    run(&["--baseline", arg(&accepting), "--strict-baseline"]).exits(0);

    let stale = dir.join("stale.toml");
    let unused = "\n[[accept]]\ncheck = \"C011\"\noperation = \"ping\"\nreason = \"fixed since\"\n";
    std::fs::write(&stale, format!("{entry}{unused}")).expect("baseline written");
    // An entry that matches nothing is only a note, unless the baseline must be exact.
    let lenient = run(&["--baseline", arg(&stale)]);
    lenient.exits(0);
    assert!(
        lenient.stdout.contains("matched no failure"),
        "{}",
        lenient.stdout
    );
    let strict = run(&["--baseline", arg(&stale), "--strict-baseline"]);
    strict.exits(1);
    assert!(
        strict.stdout.contains("entry at line 7 (C011 ping)"),
        "{}",
        strict.stdout
    );
}

#[test]
fn replay_says_still_failing_then_fixed() {
    let broken = ping_server(true, &Log::default());
    let fixed = ping_server(false, &Log::default());
    let dir = scratch("replay");
    let failures = dir.join("failures.ndjson");
    conformance(
        &[
            "run",
            "--spec",
            "lootlocker",
            "--base-url",
            &broken,
            "--operation",
            "ping",
            "--no-progress",
            "--max-examples",
            "2",
            "--ndjson",
            arg(&failures),
        ],
        &SESSION_ENV,
    )
    .exits(1);
    let stored = text(&failures);
    assert!(!stored.contains(TOKEN), "{stored}");
    let records = ndjson::read(&stored).expect("NDJSON reads back");
    assert!(!records.is_empty());
    assert!(records.iter().all(|r| r.code == "C005"), "{records:?}");
    let replay = |url: &str| {
        conformance(
            &[
                "replay",
                arg(&failures),
                "--spec",
                "lootlocker",
                "--base-url",
                url,
            ],
            &SESSION_ENV,
        )
    };
    let still = replay(&broken);
    still.exits(1);
    assert!(
        still.stdout.contains("still failing  C005"),
        "{}",
        still.stdout
    );
    let now = replay(&fixed);
    now.exits(0);
    let summary = format!(
        "{} replayed: {} fixed, 0 still failing",
        records.len(),
        records.len()
    );
    assert!(now.stdout.contains(&summary), "{}", now.stdout);
    assert!(now.stdout.contains("fixed          C005"), "{}", now.stdout);
}

#[test]
fn dry_run_lists_operations_and_sends_nothing() {
    let log = Log::default();
    let url = ping_server(false, &log);
    let ran = conformance(
        &[
            "run",
            "--spec",
            "lootlocker",
            "--base-url",
            &url,
            "--dry-run",
            "--operation",
            "ping",
            "--operation",
            "getPlayer*",
            "--max-examples",
            "3",
        ],
        &SESSION_ENV,
    );
    ran.exits(0);
    let running: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("run "))
        .collect();
    let ids: Vec<&str> = running
        .iter()
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    assert!(
        ids.contains(&"ping") && ids.contains(&"getPlayerInfo"),
        "{ids:?}"
    );
    assert!(
        ids.iter()
            .all(|id| *id == "ping" || id.starts_with("getPlayer")),
        "{ids:?}"
    );
    // Filtered-out operations are counted, not listed.
    assert!(!ran.stdout.contains("startGuestSession"), "{}", ran.stdout);
    let last = ran.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "{} of 237 operations ({} filtered out)",
            ids.len(),
            237 - ids.len()
        )),
        "{last}"
    );
    assert_eq!(log.count(), 0, "a dry run sent {:?}", log.seen());
}

#[test]
fn checks_lists_every_code() {
    let ran = conformance(&["checks"], &[]);
    ran.exits(0);
    let codes: Vec<&str> = ran
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let expected: Vec<String> = (0..=20).map(|n| format!("C{n:03}")).collect();
    assert_eq!(codes, expected, "{}", ran.stdout);
    let c014 = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("C014"))
        .unwrap_or_default();
    assert!(c014.contains("max_response_time") && c014.contains("(off by default)"));
}

/// The JSON report at `path`, as a value (its `coverage` block is not part of [`RunResult`]).
fn json_report(path: &Path) -> serde_json::Value {
    serde_json::from_str(&text(path)).expect("the JSON report parses")
}

/// A run of `operations` (only `examples` unless `extra` says otherwise) against `url` writing
/// every report into `dir`; the reports' texts come back with the run.
fn run_with_reports(
    dir: &Path,
    url: &str,
    operations: &[&str],
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Ran, Reports) {
    let files = Reports::files(dir);
    let mut args = vec![
        "run",
        "--spec",
        "lootlocker",
        "--base-url",
        url,
        "--no-progress",
    ];
    for op in operations {
        args.extend(["--operation", op]);
    }
    args.extend(extra.iter().copied());
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    for (flag, path) in ["--junit", "--markdown", "--ndjson", "--json"]
        .iter()
        .zip(&paths)
    {
        args.extend([*flag, path.as_str()]);
    }
    let ran = conformance(&args, env);
    let reports = Reports {
        junit: text(&files[0]),
        markdown: text(&files[1]),
        ndjson: text(&files[2]),
        json: json_report(&files[3]),
    };
    (ran, reports)
}

/// The report files of one run.
struct Reports {
    junit: String,
    markdown: String,
    ndjson: String,
    json: serde_json::Value,
}

impl Reports {
    fn files(dir: &Path) -> [PathBuf; 4] {
        ["junit.xml", "summary.md", "failures.ndjson", "result.json"].map(|f| dir.join(f))
    }

    /// The untested operations of the JSON report's coverage, with their reasons.
    fn untested(&self) -> Vec<(String, String)> {
        self.json["coverage"]["untested"]
            .as_array()
            .expect("coverage.untested is a list")
            .iter()
            .map(|u| {
                (
                    u["operation"].as_str().unwrap_or_default().to_owned(),
                    u["reason"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Assert that `operation` is untested for a reason containing `why` in every format.
    fn say_untested(&self, ran: &Ran, operation: &str, why: &str) {
        let line = ran
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(operation) && l.contains(why));
        assert!(
            line.is_some(),
            "console lacks {operation}: {why}:\n{}",
            ran.stdout
        );
        assert!(
            self.markdown
                .lines()
                .any(|l| l.starts_with(&format!("| {operation} |")) && l.contains(why)),
            "markdown lacks {operation}: {why}:\n{}",
            self.markdown
        );
        let suite = self
            .junit
            .split("<testsuite ")
            .find(|s| s.starts_with(&format!("name=\"{operation}\"")))
            .unwrap_or_else(|| panic!("no JUnit suite {operation}:\n{}", self.junit));
        assert!(
            suite.contains("<error message=\"not tested: ") && suite.contains(why),
            "JUnit does not fail {operation} for {why}:\n{suite}"
        );
        assert!(
            self.untested()
                .iter()
                .any(|(op, reason)| op == operation && reason.contains(why)),
            "JSON coverage lacks {operation}: {why}: {:?}",
            self.untested()
        );
    }
}

#[test]
fn a_failed_login_leaves_operations_untested_and_the_run_fails() {
    let dir = scratch("untested_login");
    let url = serve_in_background(lootlocker::uniform_server(
        500,
        Duration::ZERO,
        Log::default(),
    ));
    let (ran, reports) = run_with_reports(&dir, &url, &["ping"], &["--phases", "examples"], &[]);
    ran.exits(3);
    reports.say_untested(&ran, "ping", "status 500");
    assert!(ran.stdout.contains("startGuestSession"), "{}", ran.stdout);
    assert!(
        ran.stdout
            .contains("coverage: 0 of 1 selected operations tested, 1 untested; 0 cases"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("nothing was tested"), "{}", ran.stdout);
    assert!(
        reports
            .markdown
            .contains("| Verdict | fail: nothing was tested |"),
        "{}",
        reports.markdown
    );
    assert_eq!(reports.json["coverage"]["tested"], 0);
    assert_eq!(reports.json["coverage"]["selected"], 1);
    assert!(ran.stderr.contains("incomplete"), "{}", ran.stderr);
}

#[test]
fn a_time_budget_spent_before_any_case_fails_the_run() {
    let dir = scratch("untested_budget");
    let url = ping_server(false, &Log::default());
    let (ran, reports) = run_with_reports(
        &dir,
        &url,
        &["ping", "getPlayerName"],
        &["--time-budget", "0.001"],
        &SESSION_ENV,
    );
    ran.exits(3);
    for op in ["ping", "getPlayerName"] {
        reports.say_untested(
            &ran,
            op,
            "time budget of 0.001s spent before its first case",
        );
    }
    assert_eq!(reports.json["coverage"]["cases"], 0);
    // Without a budget the same run tests both and passes: the verdict is the budget's.
    let (ran, reports) =
        run_with_reports(&dir, &url, &["ping", "getPlayerName"], &[], &SESSION_ENV);
    ran.exits(0);
    assert!(reports.untested().is_empty(), "{:?}", reports.untested());
    assert!(
        ran.stdout
            .contains("coverage: 2 of 2 selected operations tested, 0 untested;"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_server_that_only_rate_limits_ends_within_the_budget_untested() {
    let dir = scratch("untested_rate_limited");
    let log = Log::default();
    let url = serve_in_background(hostile::rate_limit_server("1", log.clone()));
    let started = Instant::now();
    let (ran, reports) = run_with_reports(
        &dir,
        &url,
        &["ping", "getPlayerName", "setPlayerName"],
        &[
            "--time-budget",
            "3",
            "--phases",
            "examples,boundary,positive,negative",
        ],
        &SESSION_ENV,
    );
    let took = started.elapsed();
    ran.exits(3);
    // The run itself (from the runner's start, logins included) ends with its budget; the
    // process around it adds loading the spec, which a loaded machine can make slow.
    let duration = reports.json["duration"].as_f64().expect("a duration");
    // ~1 s of slack for a shared machine (2 cores, load above 10 while the suite runs).
    assert!((3.0..5.0).contains(&duration), "the run took {duration} s");
    assert!(took < Duration::from_secs(20), "the process took {took:?}");
    for op in ["ping", "getPlayerName", "setPlayerName"] {
        reports.say_untested(&ran, op, "answer(s) were rate limits");
    }
    // Each 429 was judged for its form (documented status, body and `Retry-After`): all pass.
    assert!(log.count() >= 2, "{}", log.count());
    assert!(reports.ndjson.trim().is_empty(), "{}", reports.ndjson);
    assert!(reports.json["stats"]["rate_limited"].as_u64() >= Some(2));

    // A `Retry-After` of an hour is honoured for `--max-retry-pause` only.
    let url = serve_in_background(hostile::rate_limit_server("3600", Log::default()));
    let started = Instant::now();
    let (ran, reports) = run_with_reports(
        &dir,
        &url,
        &["ping"],
        &["--phases", "examples", "--max-retry-pause", "0.3"],
        &SESSION_ENV,
    );
    let took = started.elapsed();
    ran.exits(3);
    let duration = reports.json["duration"].as_f64().expect("a duration");
    assert!(duration < 3.0, "the run took {duration} s");
    assert!(took < Duration::from_secs(20), "the process took {took:?}");
    reports.say_untested(&ran, "ping", "every answer was a rate limit");
}

#[test]
fn run_help_documents_the_exit_codes_and_the_retry_pause() {
    let ran = conformance(&["run", "--help"], &[]);
    ran.exits(0);
    for part in ["--max-retry-pause", "Exit codes:", "3 incomplete"] {
        assert!(
            ran.stdout.contains(part),
            "{part:?} missing:\n{}",
            ran.stdout
        );
    }
}

/// Every form a report could show `secret` in: raw, percent- and form-encoded, JSON-escaped,
/// base64 (standard and URL-safe, alone and after `user:`), and its first 8 characters.
fn leaked_forms(secret: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    let std = base64::engine::general_purpose::STANDARD_NO_PAD;
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // `user:` is 5 bytes: the secret starts at the third byte of a group, so the characters
    // that encode only the secret start after the first 7.
    let after_user = std.encode(format!("user:{secret}"));
    vec![
        ("raw", secret.to_owned()),
        (
            "percent-encoded",
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        ),
        (
            "form-encoded",
            form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        ),
        (
            "JSON-escaped",
            serde_json::to_string(secret)
                .expect("a JSON string")
                .trim_matches('"')
                .to_owned(),
        ),
        ("base64", std.encode(secret)),
        ("base64url", url.encode(secret)),
        (
            "base64 after user:",
            after_user[7..after_user.len() - 2].to_owned(),
        ),
        ("8-character prefix", secret.chars().take(8).collect()),
    ]
}

/// Assert that none of `outputs` shows any form of any of `secrets`.
fn sweep(outputs: &[(&str, &str)], secrets: &[&str]) {
    for (name, text) in outputs {
        for secret in secrets {
            for (form, value) in leaked_forms(secret) {
                assert!(
                    !text.contains(&value),
                    "{name} shows {secret:?} {form} ({value:?}):\n{text}"
                );
            }
        }
    }
}

#[test]
fn no_report_shows_any_form_of_any_secret() {
    /// Issued by the guest login: a JWT whose claims are secret too.
    const CLAIMS: &str = "eyJwbGF5ZXIiOiJwLTQyIiwic2VjcmV0X2NsYWltIjoiY2xhaW0tdmFsdWUtNzcifQ";
    const SESSION: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJwbGF5ZXIiOiJwLTQyIiwic2VjcmV0X2NsYWltIjoiY2xhaW0tdmFsdWUtNzcifQ.c2lnbmVkLWJ5LXRoZS1zZXJ2ZXI";
    const DOMAIN_KEY: &str = "dk-Vq3!w8Zr@p1";
    const GAME_KEY: &str = "gk-Lm7#t2Xs/9u\"q";
    const URL_USER: &str = "ci-user";
    const URL_PASSWORD: &str = "urlpassQ7w3e9";
    let env = [
        ("GAMESPEC_DOMAIN_KEY", DOMAIN_KEY),
        ("GAMESPEC_GAME_KEY", GAME_KEY),
    ];
    let secrets = [CLAIMS, SESSION, DOMAIN_KEY, GAME_KEY, URL_PASSWORD];
    for login_fails in [false, true] {
        let dir = scratch(&format!("secret_sweep_{login_fails}"));
        let log = Log::default();
        let url = serve_in_background(hostile::echo_server(SESSION, login_fails, log.clone()));
        let url = url.replace("http://", &format!("http://{URL_USER}:{URL_PASSWORD}@"));
        let (ran, reports) = run_with_reports(
            &dir,
            &url,
            &["ping", "signInWhiteLabelUser"],
            &["--phases", "examples,protocol"],
            &env,
        );
        ran.exits(1);
        let seen = format!("{:?}", log.seen());
        // The server saw (and so echoed) what the reports must not show.
        for secret in [DOMAIN_KEY, "gk-Lm7#t2Xs/9u"] {
            assert!(seen.contains(secret), "the server never saw {secret}");
        }
        assert_eq!(seen.contains(SESSION), !login_fails);
        let json = serde_json::to_string_pretty(&reports.json).expect("JSON");
        let outputs = [
            ("console", ran.stdout.as_str()),
            ("stderr", ran.stderr.as_str()),
            ("JUnit", reports.junit.as_str()),
            ("Markdown", reports.markdown.as_str()),
            ("NDJSON", reports.ndjson.as_str()),
            ("JSON", json.as_str()),
        ];
        sweep(&outputs, &secrets);
        for (name, text) in &outputs {
            assert!(
                !text.contains(URL_USER),
                "{name} shows the URL's user:\n{text}"
            );
        }
        // The secrets were there to leak: the reports name them by their variables.
        let placeholders: &[&str] = if login_fails {
            // The game key was echoed across the login error's 200-character cut: redacted
            // first, then cut, so only part of its placeholder is left.
            &["${GAMESPEC_DOMAIN_KEY}"]
        } else {
            &["${GAMESPEC_SESSION_TOKEN}", "${GAMESPEC_DOMAIN_KEY}"]
        };
        for placeholder in placeholders
            .iter()
            .chain(&["${GAMESPEC_BASE_URL_USERINFO}"])
        {
            assert!(
                reports.markdown.contains(placeholder),
                "{placeholder} missing:\n{}",
                reports.markdown
            );
        }
        if login_fails {
            reports.say_untested(&ran, "ping", "status 500");
        }
    }
}

#[test]
fn answers_of_15_mb_leave_report_files_under_256_kib() {
    // Every exchange of this run fails on a 15 MB body; what is kept per failure is a 4 KiB
    // excerpt with the body's size and hash, at most 5 failures per operation and check.
    const BOUND: u64 = 256 * 1024;
    let dir = scratch("huge_bodies");
    let body = hostile::huge_body(15_000_000);
    let url = serve_in_background(hostile::fixed_server(&[], body, Log::default()));
    let started = Instant::now();
    let (ran, reports) = run_with_reports(
        &dir,
        &url,
        &["ping", "getPlayerName", "setPlayerName"],
        &[
            "--phases",
            "examples,boundary,positive,negative,protocol",
            "--max-examples",
            "3",
        ],
        &SESSION_ENV,
    );
    ran.exits(1);
    for file in Reports::files(&dir) {
        let size = std::fs::metadata(&file).expect("written").len();
        assert!(size < BOUND, "{}: {size} bytes", file.display());
    }
    assert!(
        ran.stdout.len() < BOUND as usize,
        "{} bytes",
        ran.stdout.len()
    );
    let cases = reports.json["stats"]["cases"].as_u64().unwrap_or_default();
    assert!(cases >= 20, "{cases} cases");
    eprintln!("{cases} cases of 15 MB answers in {:?}", started.elapsed());
}
