//! `cargo xtask lint FILE` refuses every spec of the malformed collection
//! (`spec-core/tests/malformed/`, one defect each, `# expect: POINTER` on the first line, the
//! defect's line marked `# <-`) with exit 2 and the same `file:line:col: pointer: message` as
//! the mock and the runner, because all three read specs through the same checks.

use std::process::Command;

#[path = "../../spec-core/tests/malformed/case.rs"]
mod case;

#[test]
fn lint_refuses_every_malformed_spec_with_its_location() {
    let cases = case::collection();
    assert!(cases.len() >= 40, "{} files", cases.len());
    let mut wrong = Vec::new();
    for case::Case {
        path,
        name,
        pointer,
        line,
    } in &cases
    {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("lint")
            .arg(path)
            .output()
            .expect("xtask runs");
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2)
            || !err.contains(&format!("{name}:{line}:"))
            || !err.contains(pointer.as_str())
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
