//! Every file under `tests/snapshots/` belongs to a snapshot some test asserts: request shapes
//! (`<api>__<operationId>`), response shapes (`response_shapes__<api>__<operationId>`) and the
//! report formats (`reports__<name>`, asserted in `tests/reports.rs`). A file that belongs to no
//! test (an operation renamed or removed, a report snapshot dropped) fails here, so stale
//! snapshots cannot pile up; a pending `.snap.new` fails too (review it with `cargo insta review`).

use std::collections::BTreeSet;
use std::path::Path;

use gamespec_spec::spec::Spec;

/// The report snapshots `tests/reports.rs` asserts: every `assert_snapshot!("name"` in it.
fn report_snapshots(dir: &Path) -> BTreeSet<String> {
    let source = std::fs::read_to_string(dir.join("reports.rs")).expect("tests/reports.rs");
    source
        .split("assert_snapshot!(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|name| format!("reports__{name}.snap"))
        .collect()
}

#[test]
fn every_snapshot_file_belongs_to_a_test() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut expected = report_snapshots(&tests);
    assert!(
        !expected.is_empty(),
        "no report snapshot found in tests/reports.rs"
    );
    for entry in gamespec_spec::registry::apis() {
        let api = entry.name.as_str();
        let spec = Spec::load(api).unwrap_or_else(|e| panic!("{e}"));
        for op in &spec.operations {
            if entry.client.is_some() {
                expected.insert(format!("{api}__{}.snap", op.id));
            }
            expected.insert(format!("response_shapes__{api}__{}.snap", op.id));
        }
    }
    let present: BTreeSet<String> = std::fs::read_dir(tests.join("snapshots"))
        .expect("tests/snapshots")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let stray: Vec<&String> = present.difference(&expected).collect();
    assert!(
        stray.is_empty(),
        "files in tests/snapshots that no test asserts (delete them, or review pending ones with `cargo insta review`): {stray:?}"
    );
    let missing: Vec<&String> = expected.difference(&present).collect();
    assert!(
        missing.is_empty(),
        "snapshots not yet recorded: {missing:?}"
    );
}
