//! Reading the old version from git: which commit to compare with by default (the merge base
//! with `main`; on `main` itself, the last release: the oldest commit that last set a client
//! crate's version), and a file's text at a commit (`git show REV:PATH`).

use std::path::Path;
use std::process::Command;

/// git could not answer.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// git could not be started.
    #[error("git not found: {0}")]
    NoGit(std::io::Error),
    /// A git command failed (an unknown ref, not a repository).
    #[error("git {args}: {message}")]
    Failed {
        /// The arguments.
        args: String,
        /// What git said.
        message: String,
    },
}

fn git(root: &Path, args: &[&str]) -> Result<String, SourceError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(SourceError::NoGit)?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(SourceError::Failed {
            args: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// The commit to compare with when none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultBase {
    /// A commit, and how it was chosen (for the report).
    Commit {
        /// The full hash.
        rev: String,
        /// `merge base with main`, `HEAD (on main)`.
        chosen: String,
    },
    /// Nothing to compare with, and why (a clone without `main`, not a git checkout).
    Nothing(String),
}

/// The merge base of `HEAD` with `main` (or `origin/main`), or `HEAD` when on `main`.
pub fn default_base(root: &Path) -> DefaultBase {
    let Ok(branch) = git(root, &["rev-parse", "--abbrev-ref", "HEAD"]) else {
        return DefaultBase::Nothing(format!("{} is not a git checkout", root.display()));
    };
    if branch.trim() == "main" {
        // On main itself a merge base is HEAD and compares nothing: the gate compares with the
        // last release instead, the oldest of the commits that last set a client crate's
        // version, so every breaking change since some crate's release must be accounted for.
        if let Some(rev) = last_release(root) {
            return DefaultBase::Commit {
                rev,
                chosen: "the last release (the commit that last set a client crate's version)"
                    .into(),
            };
        }
        return match resolve(root, "HEAD") {
            Ok(rev) => DefaultBase::Commit {
                rev,
                chosen: "HEAD (on main; no client crate version in the history)".into(),
            },
            Err(e) => DefaultBase::Nothing(format!("no commit on main yet ({e})")),
        };
    }
    let mut unrelated = Vec::new();
    for main in ["main", "origin/main"] {
        if resolve(root, main).is_err() {
            continue;
        }
        match git(root, &["merge-base", "HEAD", main]) {
            Ok(rev) => {
                return DefaultBase::Commit {
                    rev: rev.trim().to_owned(),
                    chosen: format!("merge base with {main}"),
                };
            }
            Err(_) => unrelated.push(main),
        }
    }
    DefaultBase::Nothing(if unrelated.is_empty() {
        "this clone has no `main` or `origin/main` to take a merge base with".into()
    } else {
        format!(
            "HEAD has no merge base with {} in this clone (a shallow clone?)",
            unrelated.join(" or ")
        )
    })
}

/// The oldest of the commits that last changed the `version` line of a registered client
/// crate's manifest on main's first-parent line, if the history has any.
fn last_release(root: &Path) -> Option<String> {
    let commits: Vec<String> = gamespec_spec::registry::apis()
        .iter()
        .filter_map(|api| api.client.as_ref())
        .filter_map(|client| {
            let manifest = format!("{client}/Cargo.toml");
            let out = git(
                root,
                &[
                    "log",
                    "-1",
                    // Main's own line: a merge that brings a bump is where main released it.
                    // Without this, two branches that bumped to the same version leave the
                    // newer branch commit as the "release", whose spec lacks the other
                    // branch's changes.
                    "--first-parent",
                    "--format=%H",
                    "-G",
                    "^version = ",
                    "--",
                    &manifest,
                ],
            )
            .ok()?;
            let rev = out.trim().to_owned();
            (!rev.is_empty()).then_some(rev)
        })
        .collect();
    let mut oldest: Option<String> = None;
    for rev in commits {
        oldest = match oldest {
            // `rev` is older when it is an ancestor of the current pick.
            Some(current)
                if git(root, &["merge-base", "--is-ancestor", &rev, &current]).is_err() =>
            {
                Some(current)
            }
            _ => Some(rev),
        };
    }
    oldest
}

/// The full hash of `rev` (which must name a commit).
pub fn resolve(root: &Path, rev: &str) -> Result<String, SourceError> {
    let commit = format!("{rev}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &commit])
        .map(|s| s.trim().to_owned())
        .map_err(|e| match e {
            SourceError::Failed { args, .. } => SourceError::Failed {
                args,
                message: format!("{rev} does not name a commit"),
            },
            other => other,
        })
}

/// The text of `rel` (relative to the repository root) at commit `rev`, or `None` when the file
/// did not exist there.
pub fn show(root: &Path, rev: &str, rel: &str) -> Result<Option<String>, SourceError> {
    let object = format!("{rev}:{rel}");
    if git(root, &["cat-file", "-e", &object]).is_err() {
        return Ok(None);
    }
    git(root, &["show", &object]).map(Some)
}

/// The short form of a hash, for messages.
pub fn short(rev: &str) -> &str {
    rev.get(..10).unwrap_or(rev)
}
