//! The CI gate of `cargo xtask diff`, on a scratch git repository holding copies of the registered
//! specs and client manifests: a required query parameter planted in `listLeaderboards` fails
//! with a message naming it; the same change passes once the client crate's version has a
//! semver-major bump and its CHANGELOG.md an entry for it; a clone without `main` compares nothing
//! and passes, saying so.

use std::path::PathBuf;
use std::process::{Command, Output};

use gamespec_spec::registry::{Api, apis, workspace_root};

/// A scratch repository, removed on drop.
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str, branch: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("gamespec-diff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let root = workspace_root();
        for api in apis() {
            let manifest = api.client.as_ref().map(|c| format!("{c}/Cargo.toml"));
            for rel in [Some(api.spec_file()), manifest].into_iter().flatten() {
                let to = dir.join(&rel);
                std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                std::fs::copy(root.join(&rel), &to).expect("copy");
            }
        }
        let repo = Repo(dir);
        repo.git(&["init", "-q", "-b", branch]);
        repo.commit("base");
        repo
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.0)
            .args([
                "-c",
                "user.name=test",
                "-c",
                "user.email=test@example.invalid",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Set the client crate's version to 1.0.0 (a major bump from 0.x).
    fn release_major(&self, client: &str) {
        self.edit(&format!("{client}/Cargo.toml"), |t| {
            t.lines()
                .map(|l| {
                    if l.starts_with("version = ") {
                        "version = \"1.0.0\"".to_owned()
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        });
    }

    /// Write the client crate's CHANGELOG.md holding `entry`.
    fn write_changelog(&self, client: &str, entry: &str) {
        std::fs::write(
            self.0.join(client).join("CHANGELOG.md"),
            format!("# Changelog\n\n{entry}"),
        )
        .expect("write changelog");
    }

    fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) {
        let path = self.0.join(rel);
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, f(text)).expect("write");
    }

    fn diff(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("--root")
            .arg(&self.0)
            .arg("diff")
            .args(args)
            .output()
            .expect("xtask runs")
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The registered API that has `listLeaderboards` and a client crate.
fn leaderboard_api() -> &'static Api {
    apis()
        .iter()
        .find(|a| a.client.is_some() && a.spec_text().contains("operationId: listLeaderboards"))
        .expect("an API with listLeaderboards")
}

/// Add a required query parameter `season` to listLeaderboards.
fn plant(spec: String) -> String {
    let op = spec
        .find("operationId: listLeaderboards")
        .expect("operation");
    let params = op + spec[op..].find("      parameters:\n").expect("parameters");
    let at = params + "      parameters:\n".len();
    let added = "      - name: season\n        in: query\n        required: true\n        schema:\n          type: string\n";
    format!("{}{added}{}", &spec[..at], &spec[at..])
}

#[test]
fn a_planted_breaking_change_fails_until_the_major_version_and_changelog_account_for_it() {
    let repo = Repo::new("gate", "main");
    repo.git(&["checkout", "-q", "-b", "change"]);
    let clean = repo.diff(&[]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    assert!(
        text(&clean).contains("merge base with main"),
        "{}",
        text(&clean)
    );

    let api = leaderboard_api();
    repo.edit(&api.spec_file(), plant);
    let planted = repo.diff(&[]);
    let said = text(&planted);
    assert_eq!(planted.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "listLeaderboards: required parameter query season added (parameter-added-required)"
        ),
        "{said}"
    );
    assert!(said.contains("not a semver-major bump"), "{said}");

    let client = api.client.as_deref().expect("client crate");
    repo.release_major(client);
    let bumped = repo.diff(&[]);
    assert_eq!(bumped.status.code(), Some(1), "{}", text(&bumped));
    assert!(
        text(&bumped).contains("CHANGELOG.md has no `## 1.0.0` entry"),
        "{}",
        text(&bumped)
    );

    let draft = repo.diff(&["--changelog"]);
    let entry = String::from_utf8_lossy(&draft.stdout).into_owned();
    assert!(entry.contains("## 1.0.0"), "{entry}");
    assert!(
        entry.contains("listLeaderboards: required parameter query season added"),
        "{entry}"
    );
    repo.write_changelog(client, &entry);
    let accounted = repo.diff(&[]);
    assert_eq!(accounted.status.code(), Some(0), "{}", text(&accounted));
    assert!(
        text(&accounted).contains("breaking changes accounted for"),
        "{}",
        text(&accounted)
    );
}

#[test]
fn a_clone_without_main_compares_nothing_and_passes() {
    let repo = Repo::new("nomain", "trunk");
    repo.git(&["checkout", "-q", "-b", "change"]);
    let out = repo.diff(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("nothing compared"), "{}", text(&out));
}

#[test]
fn an_unknown_base_is_unusable_input() {
    let repo = Repo::new("badref", "main");
    let out = repo.diff(&["no-such-ref"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("no-such-ref does not name a commit"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_branch_without_a_merge_base_compares_nothing_and_passes() {
    let repo = Repo::new("orphan", "main");
    repo.git(&["checkout", "-q", "--orphan", "unrelated"]);
    repo.commit("unrelated history");
    let out = repo.diff(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("no merge base with main"),
        "{}",
        text(&out)
    );
}

/// On main itself the gate compares with the last release (the commit that last set a client
/// crate's version): a breaking change committed on main fails until the crate's major version
/// and changelog account for it, and after that release the next change is judged against it.
#[test]
fn on_main_a_committed_breaking_change_fails_until_a_release_accounts_for_it() {
    let repo = Repo::new("onmain", "main");
    let api = leaderboard_api();
    repo.edit(&api.spec_file(), plant);
    repo.commit("plant a required parameter");
    let planted = repo.diff(&[]);
    let said = text(&planted);
    assert_eq!(planted.status.code(), Some(1), "{said}");
    assert!(said.contains("the last release"), "{said}");
    assert!(
        said.contains(
            "listLeaderboards: required parameter query season added (parameter-added-required)"
        ),
        "{said}"
    );

    let client = api.client.as_deref().expect("client crate");
    repo.release_major(client);
    let draft = repo.diff(&["--changelog"]);
    let entry = String::from_utf8_lossy(&draft.stdout).into_owned();
    repo.write_changelog(client, &entry);
    let accounted = repo.diff(&[]);
    assert_eq!(accounted.status.code(), Some(0), "{}", text(&accounted));
    repo.commit("release 1.0.0");
    let after_release = repo.diff(&[]);
    assert_eq!(
        after_release.status.code(),
        Some(0),
        "{}",
        text(&after_release)
    );
}

/// Two branches bump the client crates to the same version, one of them with a breaking
/// change, and the other's bump is committed after the first was merged: main's release is the
/// merge that brought the bump, not the newer branch commit (whose spec lacks the change).
#[test]
fn on_main_parallel_bumps_to_the_same_version_release_at_their_merge() {
    let repo = Repo::new("parallel", "main");
    let api = leaderboard_api();
    let client = api.client.as_deref().expect("client crate");
    repo.git(&["branch", "runtime"]);

    repo.git(&["checkout", "-q", "-b", "audit"]);
    repo.edit(&api.spec_file(), plant);
    release_every_client(&repo);
    let draft = repo.diff(&["--changelog", "main"]);
    repo.write_changelog(client, &String::from_utf8_lossy(&draft.stdout));
    repo.commit("audit: a required parameter, 1.0.0");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge audit", "audit"]);

    // Commit times have one-second steps: the other bump is the newest commit.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    repo.git(&["checkout", "-q", "runtime"]);
    release_every_client(&repo);
    // The branch changes more of the manifest (a dependency, say), so the merge result differs
    // from both parents there and history simplification keeps this side.
    repo.edit(&format!("{client}/Cargo.toml"), |t| {
        t + "# runtime dependencies\n"
    });
    repo.commit("runtime: 1.0.0");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge runtime", "runtime"]);

    let merged = repo.diff(&[]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged));
}

/// Bump every registered client crate to 1.0.0.
fn release_every_client(repo: &Repo) {
    for client in apis().iter().filter_map(|a| a.client.as_deref()) {
        repo.release_major(client);
    }
}
