//! Fault schedules: faults a well-behaved server also shows (a rate limit, an expired session,
//! a burst of 5xx, slowness, a dropped connection, a cut body), fired by a [`Trigger`] so
//! client retry and renewal code can be tested against them. An entry is
//! `KIND[:OPERATION][@TRIGGER]` on the command line (`--fault rate-limited@after:3`) or one
//! table of a `--fault-file` (TOML); whether a call fires is a function of the mock's seed,
//! the entry and how many matching calls came before it, so runs repeat.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::response::Response;
use futures_util::StreamExt;
use serde::Deserialize;

/// When a fault fires, counted in calls the fault matches (its operation, or any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    /// On every matching call.
    #[default]
    Always,
    /// From the N-th matching call on (1-based).
    After(u64),
    /// On every N-th matching call.
    Every(u64),
    /// On a share of matching calls, in parts per million, drawn from the seed.
    Rate(u32),
    /// On the first N matching calls.
    Burst(u64),
}

/// Why a trigger or schedule entry does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The trigger is none of `after:N`, `every:N`, `rate:P`, `burst:N`, `always`.
    #[error(
        "bad trigger `{0}`; expected always, after:N, every:N (N ≥ 1), rate:P (0 ≤ P ≤ 1) or burst:N"
    )]
    BadTrigger(String),
    /// A kind's parameter (`latency:MS`, `rate-limited:S`) is not a number.
    #[error("bad parameter in `{0}`")]
    BadParameter(String),
    /// The fault file cannot be read or is not a list of entries.
    #[error("fault file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl std::str::FromStr for Trigger {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Trigger, ScheduleError> {
        let bad = || ScheduleError::BadTrigger(text.to_owned());
        if text == "always" {
            return Ok(Trigger::Always);
        }
        let (name, arg) = text.split_once(':').ok_or_else(bad)?;
        let count = || arg.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(bad);
        match name {
            "after" => Ok(Trigger::After(count()?)),
            "every" => Ok(Trigger::Every(count()?)),
            "burst" => Ok(Trigger::Burst(count()?)),
            "rate" => {
                let p: f64 = arg.parse().map_err(|_| bad())?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(bad());
                }
                Ok(Trigger::Rate((p * 1_000_000.0).round() as u32))
            }
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trigger::Always => f.write_str("always"),
            Trigger::After(n) => write!(f, "after:{n}"),
            Trigger::Every(n) => write!(f, "every:{n}"),
            Trigger::Rate(ppm) => write!(f, "rate:{}", f64::from(*ppm) / 1_000_000.0),
            Trigger::Burst(n) => write!(f, "burst:{n}"),
        }
    }
}

impl Trigger {
    /// Whether the `n`-th matching call (1-based) fires; `draw` is the seeded random number of
    /// that call, used by [`Trigger::Rate`] only.
    pub fn fires(self, n: u64, draw: u64) -> bool {
        match self {
            Trigger::Always => true,
            Trigger::After(k) => n >= k,
            Trigger::Every(k) => k > 0 && n.is_multiple_of(k),
            Trigger::Burst(k) => n <= k,
            Trigger::Rate(ppm) => draw % 1_000_000 < u64::from(ppm),
        }
    }
}

/// What a scheduled fault does to the call it fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    /// 429 with `Retry-After: S` (seconds).
    RateLimited(u64),
    /// 401 as the operation documents it, and the presented credential forgotten, so the
    /// client must start a new session.
    SessionExpired,
    /// 503 (`server-error` with a trigger): a burst of unavailability.
    ServerError,
    /// The answer comes after MS milliseconds.
    Latency(u64),
    /// The connection is closed without an answer.
    Reset,
    /// The answer's body is cut in half and the connection closed.
    Truncated,
}

impl ScheduleKind {
    /// The names of the kinds, for help texts.
    pub const NAMES: [&str; 6] = [
        "rate-limited[:S]",
        "session-expired",
        "server-error@TRIGGER",
        "latency:MS",
        "reset",
        "truncated",
    ];

    /// The kind named `name` (with `=PARAM` where it takes one); `None` if no schedule kind
    /// has that name. `server-error` is only a schedule kind with a trigger: without one it is
    /// the undocumented 500 of the mutation self-test.
    pub fn parse(name: &str, triggered: bool) -> Result<Option<ScheduleKind>, ScheduleError> {
        let (base, param) = match name.split_once('=') {
            Some((b, p)) => (b, Some(p)),
            None => (name, None),
        };
        let number = |default: Option<u64>| match param {
            Some(p) => p
                .parse::<u64>()
                .map_err(|_| ScheduleError::BadParameter(name.to_owned())),
            None => default.ok_or_else(|| ScheduleError::BadParameter(name.to_owned())),
        };
        Ok(Some(match base {
            "rate-limited" => ScheduleKind::RateLimited(number(Some(1))?),
            "session-expired" => ScheduleKind::SessionExpired,
            "server-error" if triggered => ScheduleKind::ServerError,
            "latency" => ScheduleKind::Latency(number(None)?),
            "reset" => ScheduleKind::Reset,
            "truncated" => ScheduleKind::Truncated,
            _ => return Ok(None),
        }))
    }

    /// The name on the command line.
    pub fn name(self) -> String {
        match self {
            ScheduleKind::RateLimited(s) => format!("rate-limited={s}"),
            ScheduleKind::SessionExpired => "session-expired".into(),
            ScheduleKind::ServerError => "server-error".into(),
            ScheduleKind::Latency(ms) => format!("latency={ms}"),
            ScheduleKind::Reset => "reset".into(),
            ScheduleKind::Truncated => "truncated".into(),
        }
    }
}

/// One scheduled fault: a kind on one operation (or all), with its trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// What it does.
    pub kind: ScheduleKind,
    /// The `operationId` it targets; `None`: every operation.
    pub operation: Option<String>,
    /// When it fires.
    pub trigger: Trigger,
}

/// One table of a fault file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    kind: String,
    operation: Option<String>,
    trigger: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultFile {
    #[serde(default)]
    fault: Vec<FileEntry>,
}

/// The entries of a fault file: TOML, one `[[fault]]` table per entry with `kind`, and
/// optionally `operation` and `trigger` (as on the command line: `after:3`). Each comes back as
/// its command-line spelling, `KIND[:OPERATION][@TRIGGER]`, for [`super::Entry`] to parse.
pub fn read_file(path: &Path) -> Result<Vec<String>, ScheduleError> {
    let err = |message: String| ScheduleError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    parse_file(&text).map_err(err)
}

/// [`read_file`] on text already read.
pub fn parse_file(text: &str) -> Result<Vec<String>, String> {
    let file: FaultFile = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(file
        .fault
        .into_iter()
        .map(|e| {
            let mut s = e.kind;
            if let Some(op) = e.operation {
                s.push(':');
                s.push_str(&op);
            }
            if let Some(t) = e.trigger {
                s.push('@');
                s.push_str(&t);
            }
            s
        })
        .collect())
}

/// A scheduled fault resolved to an operation index, with its count of matching calls.
#[derive(Debug)]
pub(crate) struct Armed {
    pub(crate) scheduled: Scheduled,
    pub(crate) index: Option<usize>,
    pub(crate) calls: AtomicU64,
}

impl Armed {
    /// Count a call of operation `index`; whether this entry fires on it (`seed` and `slot`,
    /// the entry's position, make the draws of [`Trigger::Rate`]).
    pub(crate) fn count(&self, index: usize, seed: u64, slot: usize) -> bool {
        if self.index.is_some_and(|i| i != index) {
            return false;
        }
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let draw = super::super::mix(super::super::mix(seed, slot as u64 ^ 0x5C4E_D01E), n);
        self.scheduled.trigger.fires(n, draw)
    }
}

/// Marks a response the connection layer must not send: it closes the connection instead
/// (see [`crate::mock::listener`]).
#[derive(Debug, Clone, Copy)]
pub struct ResetConnection;

/// The connection closed on purpose, without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by a scheduled fault")]
pub struct ConnectionReset;

/// A response that closes the connection without an answer.
pub(crate) fn reset() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(ResetConnection);
    response
}

/// `response` with its full `Content-Length` but only the first half of its body: the body
/// stream fails after it, and the server closes the connection.
pub(crate) async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return reset();
    };
    parts.headers.insert(
        axum::http::header::CONTENT_LENGTH,
        axum::http::HeaderValue::from(bytes.len()),
    );
    let half = bytes.slice(..bytes.len() / 2);
    // The failure comes a moment after the half, so hyper has written the head and the half
    // before it aborts the connection (failing at once would drop both unsent).
    let stream = futures_util::stream::once(async move { Ok::<_, ConnectionReset>(half) }).chain(
        futures_util::stream::once(async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Err(ConnectionReset)
        }),
    );
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(trigger: Trigger, calls: u64) -> Vec<u64> {
        (1..=calls).filter(|&n| trigger.fires(n, 0)).collect()
    }

    #[test]
    fn triggers_parse_and_print_back() {
        for text in ["always", "after:3", "every:2", "burst:4", "rate:0.25"] {
            let t: Trigger = text.parse().unwrap();
            assert_eq!(t.to_string(), text);
        }
        for bad in [
            "after", "after:0", "every:x", "rate:1.5", "rate:-1", "soon:1",
        ] {
            assert!(bad.parse::<Trigger>().is_err(), "{bad}");
        }
    }

    #[test]
    fn counting_triggers_fire_on_the_calls_they_name() {
        assert_eq!(fired(Trigger::After(3), 5), [3, 4, 5]);
        assert_eq!(fired(Trigger::Every(2), 6), [2, 4, 6]);
        assert_eq!(fired(Trigger::Burst(2), 5), [1, 2]);
        assert_eq!(fired(Trigger::Always, 3), [1, 2, 3]);
    }

    #[test]
    fn rate_is_deterministic_by_seed_and_near_its_share() {
        let armed = |seed| {
            let a = Armed {
                scheduled: Scheduled {
                    kind: ScheduleKind::Reset,
                    operation: None,
                    trigger: Trigger::Rate(300_000),
                },
                index: None,
                calls: AtomicU64::new(0),
            };
            (0..10_000).map(|_| a.count(0, seed, 0)).collect::<Vec<_>>()
        };
        assert_eq!(armed(7), armed(7));
        assert_ne!(armed(7), armed(8));
        let share = armed(7).iter().filter(|&&f| f).count();
        assert!((2_700..3_300).contains(&share), "{share}");
    }

    #[test]
    fn kinds_and_files_parse() {
        assert_eq!(
            ScheduleKind::parse("rate-limited=5", true).unwrap(),
            Some(ScheduleKind::RateLimited(5))
        );
        assert_eq!(ScheduleKind::parse("server-error", false).unwrap(), None);
        assert!(ScheduleKind::parse("latency", true).is_err());
        let file = "[[fault]]\nkind = \"rate-limited=2\"\noperation = \"getPing\"\ntrigger = \"after:3\"\n\n[[fault]]\nkind = \"reset\"\n";
        assert_eq!(
            parse_file(file).unwrap(),
            ["rate-limited=2:getPing@after:3", "reset"]
        );
        assert!(parse_file("[[fault]]\nkind = 1\n").is_err());
    }
}
