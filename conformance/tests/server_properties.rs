//! Properties of the server under test (`tests/target/`: the embedded mock unless
//! `CONFORMANCE_BASE_URL` says otherwise), for every operation of both specs:
//!
//! - valid requests (`generate::positive`) get a documented status, the documented content
//!   type and headers, and a body valid against the documented schema, and are accepted
//!   (checks C000–C005 and C007);
//! - invalid requests (`generate::negative`, one wire-visible violation each) get a documented
//!   4xx in the documented error shape (checks C000, C002, C003, C005 and C006).
//!
//! Requests are generated, sent and judged by the crate itself (`generate`, `wire`, `checks`),
//! exactly as `conformance run` does, but through proptest's runner: a fixed seed per
//! operation, and a failing request shrunk to a smaller one that still fails. Every operation is
//! tried before a test fails; the failure lists each operation with the failed checks, expected
//! against actual, the answer and a curl line (credentials as `${GAMESPEC_…}` variables).
//!
//! Against the mock, shrunk failures are recorded in `tests/proptest-regressions/
//! server_properties.txt` and replayed first on every run. Against another server they go under
//! the target directory instead: a recorded seed is replayed for every operation of the spec,
//! and another server's deviations are no regression of this repository.
//!
//! Budget: [`CASES`] requests per operation and property, under 15 s in a debug build on 2
//! cores against the mock.

mod target;

use std::path::Path;

use gamespec_conformance::case::Case;
use gamespec_conformance::checks::{self, CheckContext, CheckSettings, Outcome};
use gamespec_conformance::exchange::Exchange;
use gamespec_conformance::generate::{self, GenError, Readback};
use gamespec_conformance::report::{curl::curl, response_excerpt};
use gamespec_spec::spec::Operation;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use target::Target;
use tokio::runtime::Runtime;

/// Generated requests per operation and property.
const CASES: u32 = 16;
/// Requests spent shrinking one failure at most.
const MAX_SHRINK_ITERS: u32 = 48;
/// Generated requests that are not what they should be (a "valid" one the server would read
/// as invalid, an unsendable one) that an operation may discard before it counts as untestable.
const MAX_REJECTS: u32 = 256;
/// Where shrunk failures against the mock are kept (relative to the package, where `cargo test`
/// runs tests).
const REGRESSIONS: &str = "tests/proptest-regressions/server_properties.txt";
/// Mixed into every operation's seed; change it to explore other requests.
const SEED: u64 = 0x6761_6d65_7370_6563;

/// What is asserted of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Property {
    /// Valid requests get documented, schema-valid answers and are accepted.
    ValidAccepted,
    /// Invalid requests get a documented 4xx.
    InvalidRejected,
}

impl Property {
    fn name(self) -> &'static str {
        match self {
            Property::ValidAccepted => "valid requests are accepted with documented answers",
            Property::InvalidRejected => "invalid requests are rejected with a documented 4xx",
        }
    }

    /// The checks that judge each answer. C000 comes first in both: without an answer every
    /// other check skips, and a server that drops the connection would pass.
    fn checks(self) -> &'static [&'static str] {
        match self {
            Property::ValidAccepted => &["C000", "C001", "C002", "C003", "C004", "C005", "C007"],
            Property::InvalidRejected => &["C000", "C002", "C003", "C005", "C006"],
        }
    }

    /// The requests of `op`; `Ok(None)` when `op` has nothing a server could see broken.
    fn strategy(
        self,
        target: &Target,
        op: &Operation,
    ) -> Result<Option<BoxedStrategy<Case>>, GenError> {
        match self {
            Property::ValidAccepted => generate::positive(&target.spec, op).map(Some),
            Property::InvalidRejected => match generate::negative(&target.spec, op) {
                Err(GenError::NothingToBreak { .. }) => Ok(None),
                other => other.map(Some),
            },
        }
    }

    /// Whether the server reads `case` as the property needs: valid ones without a problem,
    /// invalid ones with contract problems only (they reach the operation), as the runner
    /// decides before sending.
    fn admits(self, readback: &Readback, case: &Case) -> bool {
        match self {
            Property::ValidAccepted => readback.problems(case).is_empty(),
            Property::InvalidRejected => readback.only_contract_problems(case),
        }
    }
}

/// A seed per operation and property, derived as the runner derives its per-phase seeds, so
/// that adding an operation does not change what the others get.
fn seed_for(operation: &str, property: Property) -> [u8; 32] {
    gamespec_conformance::runner::case_seed(SEED, operation, property.name())
}

/// Where shrunk failures are recorded for `target` (see the module documentation).
fn regressions(target: &Target, api: &str) -> &'static str {
    if target.is_mock() {
        return REGRESSIONS;
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("server_properties-{api}.txt"))
        .to_string_lossy()
        .into_owned();
    // proptest takes the path as `&'static str`; one short string per test binary.
    Box::leak(path.into_boxed_str())
}

fn config(persistence: &'static str) -> Config {
    Config {
        cases: CASES,
        max_shrink_iters: MAX_SHRINK_ITERS,
        max_global_rejects: MAX_REJECTS,
        max_local_rejects: MAX_REJECTS,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(persistence))),
        source_file: Some(file!()),
        ..Config::default()
    }
}

/// Judge `exchange` with the property's checks; `Err` lists each failure with the answer and
/// a curl line that sends the request again.
fn judge(
    target: &Target,
    op: &Operation,
    property: Property,
    exchange: &Exchange,
) -> Result<(), String> {
    let settings = CheckSettings::default();
    let cx = CheckContext {
        spec: &target.spec,
        operation: op,
        settings: &settings,
    };
    let failed: Vec<String> = property
        .checks()
        .iter()
        .map(|code| checks::find(code).unwrap_or_else(|| panic!("no check {code}")))
        .filter_map(|check| match check.check(&cx, exchange) {
            Outcome::Fail(f) => Some(format!(
                "  {} {}: expected {}; got {}",
                check.code(),
                check.name(),
                f.expected,
                f.actual
            )),
            Outcome::Pass | Outcome::Skip => None,
        })
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    let r = &target.redactor;
    Err(format!(
        "{}\n  answer: {}\n  {}",
        r.redact(&failed.join("\n")),
        response_excerpt(exchange, r),
        curl(&exchange.request, r)
    ))
}

/// Run `property` on `op`; `Some` says why it does not hold (or could not be tried).
fn check_operation(
    rt: &Runtime,
    target: &Target,
    op: &Operation,
    property: Property,
    persistence: &'static str,
) -> Option<String> {
    let label = format!("{} ({} {})", op.id, op.method.to_ascii_uppercase(), op.path);
    if let Some(why) = rt.block_on(target.missing_credentials(op)) {
        return Some(format!("{label}: not tested: {why}"));
    }
    let strategy = match property.strategy(target, op) {
        Ok(Some(strategy)) => strategy,
        Ok(None) => return None,
        Err(e) => return Some(format!("{label}: no requests can be generated: {e}")),
    };
    let readback = Readback::new(&target.spec, op);
    let mut runner = TestRunner::new_with_rng(
        config(persistence),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_for(&op.id, property)),
    );
    let outcome = runner.run(&strategy, |case| {
        if !property.admits(&readback, &case) {
            return Err(TestCaseError::reject(
                "the server would not read it as intended",
            ));
        }
        let exchange = rt
            .block_on(target.exchange(case))
            .map_err(|unsendable| TestCaseError::reject(unsendable.0))?;
        judge(target, op, property, &exchange).map_err(TestCaseError::fail)
    });
    match outcome {
        Ok(()) => None,
        Err(TestError::Fail(why, _)) => Some(format!("{label}:\n{why}")),
        Err(TestError::Abort(why)) => Some(format!("{label}: not tested: {why}")),
    }
}

/// Check `property` on every operation of `api`; fails listing every operation it does not
/// hold for.
fn holds_for_every_operation(api: &str, property: Property) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let Some(target) = rt.block_on(Target::start(api)) else {
        return;
    };
    let persistence = regressions(&target, api);
    let operations = target.operations();
    let tried = operations.len();
    let failures: Vec<String> = operations
        .iter()
        .filter_map(|op| check_operation(&rt, &target, op, property, persistence))
        .collect();
    rt.block_on(target.shutdown());
    assert!(
        failures.is_empty(),
        "{api}: {}: fails for {} of {} operations:\n\n{}",
        property.name(),
        failures.len(),
        tried,
        failures.join("\n\n")
    );
}

#[test]
fn valid_requests_of_every_api_are_accepted_with_documented_answers() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        holds_for_every_operation(api, Property::ValidAccepted);
    }
}

#[test]
fn invalid_requests_of_every_api_are_rejected_with_a_documented_4xx() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        holds_for_every_operation(api, Property::InvalidRejected);
    }
}

#[test]
fn seeds_differ_by_operation_and_property_and_repeat() {
    let a = seed_for("getPing", Property::ValidAccepted);
    assert_eq!(a, seed_for("getPing", Property::ValidAccepted));
    assert_ne!(a, seed_for("getPing", Property::InvalidRejected));
    assert_ne!(a, seed_for("getPlayerInfo", Property::ValidAccepted));
}
