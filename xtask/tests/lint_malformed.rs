//! `cargo xtask lint FILE` refuses every spec of the malformed collection
//! (`spec-core/tests/malformed/`, one defect each, `# expect: POINTER` on the first line, the
//! defect's line marked `# <-`) with exit 2 and the same `file:line:col: pointer: message` as
//! the mock and the runner, because all three read specs through the same checks.

use std::process::Command;

use gamespec_spec::registry::workspace_root;

#[test]
fn lint_refuses_every_malformed_spec_with_its_location() {
    let dir = workspace_root().join("spec-core/tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the collection exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} files", files.len());
    let mut wrong = Vec::new();
    for path in &files {
        let text = String::from_utf8_lossy(&std::fs::read(path).expect("readable")).into_owned();
        let pointer = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect:"))
            .expect("an `# expect:` line")
            .trim()
            .to_owned();
        let line = text
            .lines()
            .position(|l| l.contains("# <-"))
            .expect("a marker")
            + 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("lint")
            .arg(path)
            .output()
            .expect("xtask runs");
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2)
            || !err.contains(&format!("{name}:{line}:"))
            || !err.contains(&pointer)
            || err.contains("panicked")
        {
            wrong.push(format!(
                "{name}: exit {:?}, expected line {line} and {pointer:?}: {err}",
                out.status.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
