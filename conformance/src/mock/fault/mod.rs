//! Fault injection: the mock told to deviate from its spec in one named way
//! (`conformance mock --fault KIND[:OPERATION]`), on one operation or on every operation the
//! kind applies to. The mutation self-test runs the runner against such a mock and counts
//! what it catches.
//!
//! A [`Fault`] is a kind, the operations it targets and when it fires ([`Trigger`]); the plan
//! ([`FaultPlan`]) resolves faults to operations once, so a request only looks up its
//! operation's active kinds. The kinds ([`kind`]) say where they apply; [`body`] breaks JSON
//! answers; [`reply`] rewrites an answer; the read of the resource a write changes comes
//! from [`crate::runner::inferred`], as the runner infers it. Triggers other than "always" (after N calls, for a while) are where fault
//! schedules (rate limits, expired sessions, latency, resets) are meant to plug in.

pub mod body;
pub mod kind;
pub mod reply;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use gamespec_spec::spec::Spec;
use serde_json::Value;

pub use kind::FaultKind;

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Trigger {
    /// On every request of the operations it targets.
    #[default]
    Always,
}

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
        })
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
        self.active.iter().all(BTreeSet::is_empty)
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
