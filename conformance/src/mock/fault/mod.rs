//! Fault injection: the mock told to deviate from its spec in one named way
//! (`conformance mock --fault KIND[:OPERATION]`), on one operation or on every operation the
//! kind applies to. The mutation self-test runs the runner against such a mock and counts
//! what it catches.
//!
//! A [`Fault`] is a kind, the operations it targets and when it fires ([`Trigger`]); the plan
//! ([`FaultPlan`]) resolves faults to operations once, so a request only looks up its
//! operation's active kinds. The kinds ([`kind`]) say where they apply; [`body`] breaks JSON
//! answers; [`reply`] rewrites an answer; the read of the resource a write changes comes
//! from [`crate::runner::inferred`], as the runner infers it.
//!
//! The same `--fault` flag takes [`schedule`] entries too, `KIND[:OPERATION][@TRIGGER]`: faults
//! a well-behaved server shows now and then (429, an expired session, a 503 burst, latency, a
//! reset, a cut body), fired by a trigger (`after:N`, `every:N`, `rate:P`, `burst:N`) for
//! client tests. Deviation kinds fire always.

pub mod body;
pub mod kind;
pub mod reply;
pub mod schedule;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use gamespec_spec::spec::Spec;
use serde_json::Value;

pub use kind::FaultKind;
pub use schedule::{ScheduleError, ScheduleKind, Scheduled, Trigger};

/// One fault: a kind of deviation on one operation or on all it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The deviation.
    pub kind: FaultKind,
    /// The `operationId` it targets; `None`: every operation the kind applies to.
    pub operation: Option<String>,
    /// When it fires.
    pub trigger: Trigger,
}

/// Why a fault cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    /// The kind is not one of [`FaultKind::ALL`].
    #[error("unknown fault kind `{0}`; known: {known}", known = known_kinds())]
    UnknownKind(String),
    /// The operation is not in the spec.
    #[error("fault `{kind}`: the spec has no operation `{operation}`")]
    UnknownOperation {
        /// The kind.
        kind: FaultKind,
        /// The operation asked for.
        operation: String,
    },
    /// The kind cannot happen on the operation (no JSON answer to break, no security, …).
    #[error("fault `{kind}` does not apply to `{operation}`")]
    NotApplicable {
        /// The kind.
        kind: FaultKind,
        /// The operation asked for.
        operation: String,
    },
    /// A deviation kind with a trigger other than `always`.
    #[error("fault `{0}` fires on every call; triggers are for schedule kinds ({names})", names = ScheduleKind::NAMES.join(", "))]
    TriggerNotSupported(FaultKind),
    /// A bad trigger, parameter or fault file.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// A schedule kind that cannot happen on the operation (`session-expired` without security).
    #[error("fault `{kind}` does not apply to `{operation}`")]
    ScheduleNotApplicable {
        /// The kind's name.
        kind: String,
        /// The operation asked for.
        operation: String,
    },
}

fn known_kinds() -> String {
    FaultKind::ALL.map(FaultKind::name).join(", ")
}

impl std::str::FromStr for Fault {
    type Err = FaultError;

    /// `KIND` or `KIND:OPERATION`.
    fn from_str(text: &str) -> Result<Fault, FaultError> {
        let (kind, operation) = match text.split_once(':') {
            Some((k, op)) => (k, Some(op.to_owned())),
            None => (text, None),
        };
        let kind = FaultKind::parse(kind.trim())
            .ok_or_else(|| FaultError::UnknownKind(kind.to_owned()))?;
        Ok(Fault {
            kind,
            operation,
            trigger: Trigger::Always,
        })
    }
}

/// One `--fault` value: a deviation or a scheduled fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A deviation from the spec, on every call.
    Fault(Fault),
    /// A fault a server may show, fired by its trigger.
    Scheduled(Scheduled),
}

impl std::str::FromStr for Entry {
    type Err = FaultError;

    /// `KIND[:OPERATION][@TRIGGER]`; kinds with a parameter take it as `KIND=N` or `KIND:N`
    /// (`latency:250:getPing`, `rate-limited=2@after:3`).
    fn from_str(text: &str) -> Result<Entry, FaultError> {
        let (head, trigger) = match text.split_once('@') {
            Some((h, t)) => (h, Some(t.trim().parse::<Trigger>()?)),
            None => (text, None),
        };
        let mut parts = head.splitn(3, ':');
        let mut kind = parts.next().unwrap_or_default().trim().to_owned();
        let mut rest: Vec<&str> = parts.collect();
        if matches!(kind.as_str(), "latency" | "rate-limited")
            && rest
                .first()
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            kind = format!("{kind}={}", rest.remove(0));
        }
        let operation = (!rest.is_empty()).then(|| rest.join(":"));
        if let Some(kind) = ScheduleKind::parse(&kind, trigger.is_some())? {
            return Ok(Entry::Scheduled(Scheduled {
                kind,
                operation,
                trigger: trigger.unwrap_or_default(),
            }));
        }
        let kind = FaultKind::parse(&kind).ok_or(FaultError::UnknownKind(kind))?;
        match trigger {
            None | Some(Trigger::Always) => Ok(Entry::Fault(Fault {
                kind,
                operation,
                trigger: Trigger::Always,
            })),
            Some(_) => Err(FaultError::TriggerNotSupported(kind)),
        }
    }
}

/// `--fault` values split into deviations and scheduled faults.
pub fn split(entries: Vec<Entry>) -> (Vec<Fault>, Vec<Scheduled>) {
    let mut faults = Vec::new();
    let mut scheduled = Vec::new();
    for entry in entries {
        match entry {
            Entry::Fault(f) => faults.push(f),
            Entry::Scheduled(s) => scheduled.push(s),
        }
    }
    (faults, scheduled)
}

impl Fault {
    /// `kind` on every operation it applies to.
    pub fn everywhere(kind: FaultKind) -> Fault {
        Fault {
            kind,
            operation: None,
            trigger: Trigger::Always,
        }
    }
}

/// The faults of a mock, resolved per operation.
#[derive(Debug, Default)]
pub struct FaultPlan {
    /// By operation index: the kinds active on it.
    active: Vec<BTreeSet<FaultKind>>,
    /// Broken answers already worked out, by operation, kind and status: the mock answers the
    /// same example again and again, and breaking a large one takes many validations.
    broken: Mutex<HashMap<BrokenKey, (Value, Option<Value>)>>,
    /// Scheduled faults, in the order given.
    armed: Vec<schedule::Armed>,
}

/// Operation index, kind and status of an answer broken once.
type BrokenKey = (usize, FaultKind, u16);

impl FaultPlan {
    /// Resolve `faults` against `spec`. A fault naming an operation must apply to it.
    pub fn new(spec: &Spec, faults: &[Fault]) -> Result<FaultPlan, FaultError> {
        let mut active = vec![BTreeSet::new(); spec.operations.len()];
        for fault in faults {
            match &fault.operation {
                Some(id) => {
                    let index = spec
                        .operations
                        .iter()
                        .position(|o| &o.id == id)
                        .ok_or_else(|| FaultError::UnknownOperation {
                            kind: fault.kind,
                            operation: id.clone(),
                        })?;
                    if !fault.kind.applies(spec, index) {
                        return Err(FaultError::NotApplicable {
                            kind: fault.kind,
                            operation: id.clone(),
                        });
                    }
                    active[index].insert(fault.kind);
                }
                None => {
                    for (index, set) in active.iter_mut().enumerate() {
                        if fault.kind.applies(spec, index) {
                            set.insert(fault.kind);
                        }
                    }
                }
            }
        }
        Ok(FaultPlan {
            active,
            broken: Mutex::default(),
            armed: Vec::new(),
        })
    }

    /// Add scheduled faults; one naming an operation must name one of `spec`, and
    /// `session-expired` only applies where the operation has security.
    pub fn schedule(mut self, spec: &Spec, entries: &[Scheduled]) -> Result<FaultPlan, FaultError> {
        for entry in entries {
            let index = match &entry.operation {
                None => None,
                Some(id) => {
                    let index = spec
                        .operations
                        .iter()
                        .position(|o| &o.id == id)
                        .ok_or_else(|| FaultError::ScheduleNotApplicable {
                            kind: entry.kind.name(),
                            operation: id.clone(),
                        })?;
                    if entry.kind == ScheduleKind::SessionExpired
                        && spec.operations[index].security.is_empty()
                    {
                        return Err(FaultError::ScheduleNotApplicable {
                            kind: entry.kind.name(),
                            operation: id.clone(),
                        });
                    }
                    Some(index)
                }
            };
            self.armed.push(schedule::Armed {
                scheduled: entry.clone(),
                index,
                calls: AtomicU64::new(0),
            });
        }
        Ok(self)
    }

    /// Count a call of operation `index` against every scheduled fault; the first that fires
    /// on it. `secured`: whether the operation has security (a `session-expired` of every
    /// operation neither fires nor counts on the others).
    pub(crate) fn due(&self, index: usize, secured: bool, seed: u64) -> Option<ScheduleKind> {
        let mut due = None;
        for (slot, armed) in self.armed.iter().enumerate() {
            if armed.scheduled.kind == ScheduleKind::SessionExpired && !secured {
                continue;
            }
            // Every entry counts the call, fired or not, so one entry's schedule does not
            // depend on another's.
            if armed.count(index, seed, slot) && due.is_none() {
                due = Some(armed.scheduled.kind);
            }
        }
        due
    }

    /// Whether any fault is scheduled.
    pub fn has_schedule(&self) -> bool {
        !self.armed.is_empty()
    }

    /// `value` (the answer of operation `index` with `status`) broken by `kind`, worked out
    /// once per distinct answer.
    pub(crate) fn broken(
        &self,
        key: BrokenKey,
        value: &Value,
        work: impl FnOnce() -> Option<Value>,
    ) -> Option<Value> {
        if let Some((seen, out)) = self
            .broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            && seen == value
        {
            return out.clone();
        }
        let out = work();
        self.broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (value.clone(), out.clone()));
        out
    }

    /// Whether no fault is active anywhere.
    pub fn is_empty(&self) -> bool {
        self.armed.is_empty() && self.active.iter().all(BTreeSet::is_empty)
    }

    /// Whether `kind` is active on operation `index`.
    pub fn has(&self, index: usize, kind: FaultKind) -> bool {
        self.active.get(index).is_some_and(|s| s.contains(&kind))
    }

    /// The `operationId`s `kind` is active on.
    pub fn operations<'a>(&'a self, spec: &'a Spec, kind: FaultKind) -> Vec<&'a str> {
        self.active
            .iter()
            .zip(&spec.operations)
            .filter(|(set, _)| set.contains(&kind))
            .map(|(_, op)| op.id.as_str())
            .collect()
    }
}

/// The operations of `spec` `kind` applies to, by `operationId`.
pub fn applicable(spec: &Spec, kind: FaultKind) -> Vec<String> {
    (0..spec.operations.len())
        .filter(|&i| kind.applies(spec, i))
        .map(|i| spec.operations[i].id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_names_that_parse_back() {
        let names: BTreeSet<&str> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), FaultKind::ALL.len());
        assert!(FaultKind::ALL.len() >= 25);
        for kind in FaultKind::ALL {
            assert_eq!(FaultKind::parse(kind.name()), Some(kind));
            assert!(!kind.detected_by().is_empty());
        }
        let f: Fault = "drop-field:getPing".parse().unwrap();
        assert_eq!(f.kind, FaultKind::DropField);
        assert_eq!(f.operation.as_deref(), Some("getPing"));
        assert!(matches!(
            "nonsense".parse::<Fault>(),
            Err(FaultError::UnknownKind(_))
        ));
    }

    #[test]
    fn entries_parse_as_deviations_or_schedules() {
        let e: Entry = "rate-limited@after:3".parse().unwrap();
        assert_eq!(
            e,
            Entry::Scheduled(Scheduled {
                kind: ScheduleKind::RateLimited(1),
                operation: None,
                trigger: Trigger::After(3),
            })
        );
        let e: Entry = "latency:250:getPing@every:2".parse().unwrap();
        assert_eq!(
            e,
            Entry::Scheduled(Scheduled {
                kind: ScheduleKind::Latency(250),
                operation: Some("getPing".into()),
                trigger: Trigger::Every(2),
            })
        );
        assert!(matches!(
            "server-error@burst:2".parse::<Entry>().unwrap(),
            Entry::Scheduled(Scheduled {
                kind: ScheduleKind::ServerError,
                ..
            })
        ));
        assert!(matches!(
            "server-error".parse::<Entry>().unwrap(),
            Entry::Fault(Fault {
                kind: FaultKind::ServerError,
                ..
            })
        ));
        assert!(matches!(
            "drop-field@after:2".parse::<Entry>(),
            Err(FaultError::TriggerNotSupported(FaultKind::DropField))
        ));
        assert!(matches!(
            "reset@later".parse::<Entry>(),
            Err(FaultError::Schedule(ScheduleError::BadTrigger(_)))
        ));
    }

    #[test]
    fn at_least_25_kinds_apply_in_the_registered_specs() {
        let specs: Vec<Spec> = gamespec_spec::registry::apis()
            .iter()
            .map(|a| Spec::load(&a.name).unwrap())
            .collect();
        let used = FaultKind::ALL
            .iter()
            .filter(|k| specs.iter().any(|s| !applicable(s, **k).is_empty()))
            .count();
        assert!(used >= 25, "only {used} kinds apply");
    }
}
