//! The committed catalogue of spec pairs (`tests/diff-catalogue/<case>/{old,new}.yaml` with
//! `expected.json`): every pair goes through `cargo xtask diff --old --new`, and the findings (rule
//! id and severity, as a multiset) and the exit code must be the expected ones. One test reports
//! every mismatching case at once.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff-catalogue")
}

fn pairs(findings: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = findings
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (field("rule"), field("severity"))
        })
        .collect();
    out.sort();
    out
}

/// Run one case; `None` when it classified as expected, else what went wrong.
fn check(case: &Path, scratch: &Path) -> Option<String> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).ok()?).ok()?;
    let want = pairs(&expected["findings"]);
    let out_file = scratch.join("findings.json");
    let _ = std::fs::remove_file(&out_file);
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .arg("--old")
        .arg(case.join("old.yaml"))
        .arg("--new")
        .arg(case.join("new.yaml"))
        .arg("--json")
        .arg(&out_file)
        .output()
        .expect("xtask runs");
    let got: Value = match std::fs::read_to_string(&out_file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(v) => v,
        None => {
            return Some(format!(
                "no JSON written (exit {:?}): {}",
                run.status.code(),
                String::from_utf8_lossy(&run.stderr)
            ));
        }
    };
    let have = pairs(&got["apis"][0]["findings"]);
    let want_exit = if want.iter().any(|(_, s)| s == "breaking") {
        1
    } else {
        0
    };
    if have != want {
        return Some(format!("expected {want:?}\n      found    {have:?}"));
    }
    if run.status.code() != Some(want_exit) {
        return Some(format!(
            "exit {:?}, expected {want_exit}",
            run.status.code()
        ));
    }
    None
}

#[test]
fn every_catalogue_pair_is_classified_as_expected() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(catalogue())
        .expect("catalogue folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "only {} catalogue cases", cases.len());
    let scratch =
        std::env::temp_dir().join(format!("gamespec-diff-catalogue-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let mismatches: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let name = case.file_name()?.to_string_lossy().into_owned();
            check(case, &scratch).map(|why| format!("  {name}: {why}"))
        })
        .collect();
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        mismatches.is_empty(),
        "{}/{} catalogue pairs classified as expected; mismatches:\n{}",
        cases.len() - mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
    println!(
        "{n}/{n} catalogue pairs classified as expected",
        n = cases.len()
    );
}
