//! Test-case generation for the runner: every phase's requests of an operation, derived from
//! the spec.
//!
//! - [`examples`]: the spec's own examples;
//! - [`boundary`]: deterministic edge values (bounds, lengths, enum values, optional parts);
//! - [`positive`]: random schema-valid requests, as a proptest strategy that shrinks;
//! - [`negative_fixed`] and [`negative`]: requests that break the contract in one place;
//! - [`protocol`]: credentials removed or forged, a required header dropped, an undeclared
//!   method.
//!
//! Every value is judged as it travels: parameters and form fields are text on the wire, and
//! [`validate`] reads a case back the way a server does (text coerced by the schema's type)
//! before checking it against the operation's validators. A "violation" that turns back into a
//! valid value on the wire is no negative case; a value that does not survive the wire is no
//! positive one.
//!
//! Strategies are built once per operation and reused; draw from them with a seeded
//! [`proptest::test_runner::TestRunner`] and shrink with [`proptest::strategy::ValueTree`].
//!
//! ```no_run
//! use gamespec_conformance::generate;
//! use gamespec_spec::spec::Spec;
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//!
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = Spec::load("lootlocker")?;
//! let op = spec.operation("startGuestSession").ok_or("no such operation")?;
//! let cases = generate::positive(&spec, op)?;
//! let mut runner = TestRunner::deterministic();
//! let case = cases.new_tree(&mut runner).map_err(|e| e.to_string())?.current();
//! assert!(generate::validate(&spec, op, &case).is_ok());
//! # Ok(()) }
//! ```

mod boundary;
mod examples;
mod negative;
mod protocol;
#[cfg(test)]
pub(crate) mod query_fixture;
mod readback;
mod request;
pub mod strategy;
mod target;

use proptest::strategy::BoxedStrategy;

use crate::case::{Case, Phase};
use gamespec_spec::spec::{Operation, Spec};

pub use crate::read::{Kind, Problem};
pub use negative::Breakable;
pub use readback::{Readback, RouteTable};

/// Why a strategy cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenError {
    /// No value satisfies the schema at `location` (bounds that exclude each other, an empty
    /// `enum`, required properties that recurse without end).
    #[error("{location}: {reason}")]
    Unsatisfiable {
        /// Where: `body/score`, `query/count`.
        location: String,
        /// Why, in words.
        reason: String,
    },
    /// Nothing in the operation can be made invalid in a way the server can see (no body and
    /// only parameters whose every value is valid text).
    #[error("{operation}: nothing can be made invalid on the wire")]
    NothingToBreak {
        /// The operation.
        operation: String,
    },
}

/// The examples phase of `op`: one case per named body example of the first media type (at
/// least one case), parameters from their examples or fixed-seed values.
pub fn examples(spec: &Spec, op: &Operation) -> Vec<Case> {
    examples::cases(spec, op)
}

/// The boundary phase of `op`: at most 16 deterministic valid edge cases.
pub fn boundary(spec: &Spec, op: &Operation) -> Vec<Case> {
    boundary::cases(spec, op, &Readback::new(spec, op))
}

/// [`boundary`] with a read-back built once (see [`RouteTable`]).
pub fn boundary_with(spec: &Spec, op: &Operation, readback: &Readback) -> Vec<Case> {
    boundary::cases(spec, op, readback)
}

/// Deterministic negative cases of `op` (at most 64), each with [`crate::case::Intent::Invalid`]
/// naming the one place it breaks.
pub fn negative_fixed(spec: &Spec, op: &Operation) -> Vec<Case> {
    negative::fixed(spec, op, &Readback::new(spec, op))
}

/// [`negative_fixed`] with a read-back built once.
pub fn negative_fixed_with(spec: &Spec, op: &Operation, readback: &Readback) -> Vec<Case> {
    negative::fixed(spec, op, readback)
}

/// Protocol cases of `op` derived from the valid case `base`, every operation of the spec
/// counted as selected (see [`protocol_among`]).
pub fn protocol(spec: &Spec, op: &Operation, base: &Case) -> Vec<Case> {
    protocol::cases(spec, op, base, &|_| true)
}

/// [`protocol`] for a run that tests only the operations `selected` accepts: the undeclared
/// method of a path is probed by the path's first selected operation, so that selecting any one
/// operation of a path still probes it.
pub fn protocol_among(
    spec: &Spec,
    op: &Operation,
    base: &Case,
    selected: &dyn Fn(&Operation) -> bool,
) -> Vec<Case> {
    protocol::cases(spec, op, base, selected)
}

/// Random valid cases of `op` (phase [`Phase::Positive`]); optional parameters, properties and
/// array items shrink away.
pub fn positive(spec: &Spec, op: &Operation) -> Result<BoxedStrategy<Case>, GenError> {
    request::strategy(spec, op, strategy::Optional::Random, Phase::Positive)
}

/// Random negative cases of `op`: a random mutation of a random valid case, kept only when the
/// server can see it. [`GenError::NothingToBreak`] when no mutation can.
pub fn negative(spec: &Spec, op: &Operation) -> Result<BoxedStrategy<Case>, GenError> {
    negative::random(spec, op, std::sync::Arc::new(Readback::new(spec, op)))
}

/// [`negative`] with a read-back built once. Every case it yields, shrunk ones included, has
/// `readback.only_contract_problems(case)`: the runner relies on it and does not read its
/// cases back again.
pub fn negative_with(
    spec: &Spec,
    op: &Operation,
    readback: std::sync::Arc<Readback>,
) -> Result<BoxedStrategy<Case>, GenError> {
    negative::random(spec, op, readback)
}

/// [`negative_with`] from what `op` has to break, worked out once before
/// ([`Breakable::of`] with the same read-back; `None`: nothing).
pub fn negative_from(
    spec: &Spec,
    op: &Operation,
    breakable: Option<&Breakable>,
    readback: std::sync::Arc<Readback>,
) -> Result<BoxedStrategy<Case>, GenError> {
    negative::random_from(spec, op, breakable, readback)
}

/// Whether `case`, read back as a server reads it off the wire, satisfies `op`'s parameter and
/// body schemas (and reaches `op` at all). For many checks of one operation, build a
/// [`Readback`] once instead.
pub fn validate(spec: &Spec, op: &Operation, case: &Case) -> Result<(), Invalid> {
    let problems = Readback::new(spec, op).problems(case);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Invalid(problems))
    }
}

/// What [`validate`] found wrong with a case (at least one problem); shown as
/// `location: message`, one a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<Problem>);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}", p.location, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_case_lists_its_problems_a_line_each() {
        let spec = Spec::load("lootlocker").expect("the embedded spec loads");
        let op = spec.operation("updatePlayerStorage").expect("in the spec");
        let case = Case::new(op, Phase::Positive, crate::case::Intent::Valid);
        let invalid = validate(&spec, op, &case).expect_err("the required body is missing");
        assert!(!invalid.0.is_empty());
        let shown = invalid.to_string();
        assert_eq!(shown.lines().count(), invalid.0.len(), "{shown}");
        for (line, p) in shown.lines().zip(&invalid.0) {
            assert_eq!(line, format!("{}: {}", p.location, p.message));
        }
    }
}
