//! `cargo xtask check` end to end, on a scratch copy of the workspace's specs and generated files:
//! exit 0 when clean, 1 naming the stale file after a one-character spec change, 2 naming the
//! pointer and line of an unresolved `$ref`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gamespec_spec::registry::{apis, workspace_root};

/// A temporary copy of what `check` reads, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("gamespec-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = workspace_root();
        for api in apis() {
            for rel in [
                Some(api.spec_file()),
                api.inventory_file(),
                api.generated_rs(),
                api.adaptations_md(),
                gamespec_codegen::dispatch::path(api),
                gamespec_codegen::features::cargo_toml_path(api),
            ]
            .into_iter()
            .flatten()
            {
                let to = dir.join(&rel);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(root.join(&rel), &to).unwrap();
            }
        }
        Scratch(dir)
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let path = self.0.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, f(text)).unwrap();
    }

    fn check(&self) -> Output {
        xtask(&self.0, &["check"])
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn xtask(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("xtask runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn clean_checkout_passes() {
    let scratch = Scratch::new("clean");
    let out = scratch.check();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn one_character_spec_change_names_the_stale_file() {
    let scratch = Scratch::new("stale");
    let api = &apis()[0];
    // Change one character of an operation summary: the spec stays valid, the doc comment moves.
    scratch.edit(&api.spec_file(), |t| {
        t.replacen("summary: Guest Session", "summary: Guest Sessiom", 1)
    });
    let out = scratch.check();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "stale: {} differs",
            api.generated_rs().unwrap_or_default()
        )),
        "{err}"
    );
    assert!(err.contains("Guest Sessiom"), "{err}");
}

#[test]
fn unresolved_ref_exits_2_naming_pointer_and_line() {
    let scratch = Scratch::new("ref");
    let api = &apis()[0];
    let mut line = 0;
    scratch.edit(&api.spec_file(), |t| {
        let target = "#/components/schemas/SessionResponse";
        let idx = t.find(target).expect("the spec refs SessionResponse");
        line = t[..idx].lines().count();
        t.replacen(target, "#/components/schemas/SessionResponze", 1)
    });
    let out = scratch.check();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}:{line}:", api.spec_file())) && err.contains(": /paths/"),
        "expected line {line} and a /paths pointer in: {err}"
    );
    assert!(
        err.contains("$ref #/components/schemas/SessionResponze does not resolve"),
        "{err}"
    );
}

#[test]
fn unreadable_spec_exits_2() {
    let scratch = Scratch::new("syntax");
    scratch.edit(&apis()[0].spec_file(), |t| format!("{t}\n  : : [\n"));
    let out = scratch.check();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("YAML syntax error"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = xtask(&workspace_root(), &["check", "--nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--nope"));
}
