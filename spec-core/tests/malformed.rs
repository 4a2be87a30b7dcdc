//! The collection of malformed specs in `tests/malformed/`: one defect each, the file named for
//! it, its first line `# expect: POINTER` and the line of the defect marked `# <-`. Every one is
//! refused by [`load_checked`] with exactly that pointer and line; the registered specs are not.
//! (`conformance/tests/malformed_specs.rs` runs the binary on the same files.)

use std::path::Path;

use gamespec_spec::load::{LoadError, load_checked};
use gamespec_spec::registry::{apis, workspace_root};

#[path = "malformed/case.rs"]
mod case;

use case::collection;

#[test]
fn the_collection_has_at_least_40_defects() {
    assert!(collection().len() >= 40, "{}", collection().len());
}

#[test]
fn every_malformed_spec_is_refused_at_its_pointer_and_line() {
    let mut wrong = Vec::new();
    for case in collection() {
        let name = case
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let problems = match load_checked(&case.path) {
            Ok(_) => {
                wrong.push(format!("{name}: accepted"));
                continue;
            }
            Err(refused) => refused.0,
        };
        let first = &problems[0];
        let at = first.location();
        let matches = at.is_some_and(|at| {
            at.line == case.line && at.pointer == case.pointer && at.path == case.path
        });
        if !matches {
            wrong.push(format!(
                "{name}: expected line {} pointer {:?}, got {first}",
                case.line, case.pointer
            ));
        }
        if matches!(first, LoadError::Io { .. }) {
            wrong.push(format!("{name}: no location: {first}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_registered_spec_passes_the_checks() {
    let root = workspace_root();
    for api in apis() {
        if let Err(refused) = load_checked(&api.spec_path(&root)) {
            panic!("{}:\n{refused}", api.name);
        }
    }
}

/// About 10 MB of spec: many component schemas and a few operations.
fn ten_megabytes() -> String {
    let mut text = String::from("openapi: 3.0.3\ninfo:\n  title: Big\n  version: '1'\npaths:\n");
    for op in 0..20 {
        text.push_str(&format!(
            "  /items{op}:\n    get:\n      operationId: listItems{op}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/S{op}'\n"
        ));
    }
    text.push_str("components:\n  schemas:\n");
    let mut n = 0;
    while text.len() < 10_000_000 {
        text.push_str(&format!(
            "    S{n}:\n      type: object\n      required: [id]\n      properties:\n        id:\n          type: string\n          maxLength: 64\n        tags:\n          type: array\n          items:\n            $ref: '#/components/schemas/S{}'\n",
            n / 2
        ));
        n += 1;
    }
    text
}

#[test]
fn a_10_mb_spec_is_read_and_checked_in_seconds() {
    let text = ten_megabytes();
    let started = std::time::Instant::now();
    let doc = gamespec_spec::load::parse_checked(Path::new("big.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}"));
    let took = started.elapsed();
    eprintln!("{} bytes read and checked in {took:?}", text.len());
    assert_eq!(doc.api.paths.paths.len(), 20);
    // A debug build on a shared machine; a release build takes well under a second.
    assert!(took < std::time::Duration::from_secs(120), "{took:?}");
}

#[test]
fn checks_beside_a_build_refuse_what_checks_before_it_refuse() {
    use gamespec_spec::load::{parse_checked, parse_checked_beside};
    let mut compared = 0;
    for case in collection() {
        // A file that is not UTF-8 never reaches the tree, with or without a second thread.
        let Ok(text) = std::fs::read_to_string(&case.path) else {
            continue;
        };
        let before = parse_checked(&case.path, &text).map(drop);
        let mut built = false;
        let beside = parse_checked_beside(&case.path, &text, |_| built = true);
        let (Err(before), Err(beside)) = (before, beside) else {
            panic!("{}: accepted", case.path.display());
        };
        assert_eq!(
            before.to_string(),
            beside.to_string(),
            "{}",
            case.path.display()
        );
        compared += usize::from(built);
    }
    // The build ran beside the checks for every spec that parsed as YAML.
    assert!(compared >= 30, "{compared}");
    for api in apis() {
        let path = std::path::PathBuf::from(api.spec_file());
        let (value, keys) = parse_checked_beside(&path, api.spec_text(), |root| {
            root.as_object().map_or(0, |m| m.len())
        })
        .unwrap_or_else(|e| panic!("{}:\n{e}", api.name));
        assert_eq!(value.as_object().map(|m| m.len()), Some(keys));
    }
}
