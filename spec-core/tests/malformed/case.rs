//! Reading the malformed-spec collection (the `*.yaml` files beside this one): one defect a
//! file, named for it, its first line `# expect: POINTER` and the defect's line marked `# <-`.
//! Three test suites read the collection (spec-core's checks, the `conformance` binary and
//! `cargo xtask lint`); each includes this file with `#[path]` so the format is read in one place.

use std::path::{Path, PathBuf};

/// One file of the collection and what it expects.
pub struct Case {
    /// The file.
    pub path: PathBuf,
    /// Its file name, as error messages print it.
    pub name: String,
    /// The JSON pointer the refusal must name.
    pub pointer: String,
    /// The 1-based line the refusal must name.
    pub line: usize,
}

/// The folder of the collection.
pub fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec-core/tests/malformed")
}

/// Every case of the collection, sorted by name; a file without its two markers fails the test.
pub fn collection() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(folder())
        .expect("the malformed collection exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            let text =
                String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned();
            let pointer = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect:"))
                .unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()))
                .trim()
                .to_owned();
            let line = text
                .lines()
                .position(|l| l.contains("# <-"))
                .unwrap_or_else(|| panic!("{}: no `# <-` marker", path.display()))
                + 1;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Case {
                path,
                name,
                pointer,
                line,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}
