//! Whether the client crate's version accounts for breaking changes: its version at the base and
//! now (Cargo's compatibility rule: a bump of the leftmost non-zero component is breaking), and
//! an entry for the new version in the crate's `CHANGELOG.md`.

use std::fmt;

/// A crate version, as far as compatibility goes (pre-release and build metadata kept for display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `major.minor.patch`.
    pub core: (u64, u64, u64),
    /// The whole text, e.g. `0.1.0+2021-03-01`.
    pub text: String,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Version {
    /// Parse `1.2.3`, `0.1.0+build`, `1.0.0-rc.1`.
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.split(['+', '-']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = (parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then(|| Version {
            core: v,
            text: text.to_owned(),
        })
    }

    /// `major.minor.patch` without pre-release or build metadata: what a changelog heading names.
    pub fn core_text(&self) -> String {
        let (a, b, c) = self.core;
        format!("{a}.{b}.{c}")
    }

    /// Whether going from `self` to `newer` is a semver-incompatible bump in Cargo's sense:
    /// the major for 1.x and later, the minor for 0.x, the patch for 0.0.x.
    pub fn breaking_bump_to(&self, newer: &Version) -> bool {
        let (a, b, c) = self.core;
        let (x, y, z) = newer.core;
        match (a, b) {
            (0, 0) => (x, y, z) > (a, b, c),
            (0, _) => (x, y) > (a, b),
            _ => x > a,
        }
    }
}

/// The `package.version` of a `Cargo.toml`.
pub fn crate_version(cargo_toml: &str) -> Option<Version> {
    let doc: toml::Table = toml::from_str(cargo_toml).ok()?;
    let text = doc.get("package")?.get("version")?.as_str()?;
    Version::parse(text)
}

/// Whether `changelog` has a heading (`## 1.0.0`, `## [1.0.0] - date`) naming `version`.
pub fn has_entry(changelog: &str, version: &Version) -> bool {
    let core = version.core_text();
    changelog.lines().any(|l| {
        l.trim_start().starts_with('#')
            && l.split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .any(|word| word == core)
    })
}

/// What the gate decided for one API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No breaking change.
    NothingBreaking,
    /// Breaking changes, and the crate's version and changelog account for them.
    Accounted(String),
    /// Breaking changes that nothing accounts for; the message says what is missing.
    Unaccounted(String),
    /// Breaking changes in an API without a committed client crate: nothing to version.
    NoCrate,
}

impl Verdict {
    /// Whether the gate fails.
    pub fn fails(&self) -> bool {
        matches!(self, Verdict::Unaccounted(_))
    }
}

/// Decide for an API with `breaking` client-breaking findings, the crate's versions at the base
/// and now, and its changelog now (`changelog_file` names it in messages).
pub fn decide(
    breaking: usize,
    old: Option<&Version>,
    new: Option<&Version>,
    changelog: Option<&str>,
    changelog_file: &str,
) -> Verdict {
    if breaking == 0 {
        return Verdict::NothingBreaking;
    }
    let (Some(old), Some(new)) = (old, new) else {
        return match new {
            Some(_) => Verdict::Accounted("the client crate is new since the base".into()),
            None => Verdict::NoCrate,
        };
    };
    if !old.breaking_bump_to(new) {
        return Verdict::Unaccounted(format!(
            "{breaking} breaking change(s) but the client crate's version {old} → {new} is not a \
             semver-major bump; bump it and add a `## {}` entry to {changelog_file} \
             (`cargo xtask diff --changelog` drafts one)",
            next_major(old)
        ));
    }
    if !changelog.is_some_and(|c| has_entry(c, new)) {
        return Verdict::Unaccounted(format!(
            "the client crate's version was bumped to {new}, but {changelog_file} has no `## {}` \
             entry (`cargo xtask diff --changelog` drafts one)",
            new.core_text()
        ));
    }
    Verdict::Accounted(format!(
        "version {old} → {new}, with an entry in {changelog_file}"
    ))
}

/// The smallest semver-major bump of `v` (`0.1.0` → `0.2.0`, `1.4.2` → `2.0.0`).
pub fn next_major(v: &Version) -> String {
    match v.core {
        (0, 0, c) => format!("0.0.{}", c + 1),
        (0, b, _) => format!("0.{}.0", b + 1),
        (a, _, _) => format!("{}.0.0", a + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect("version")
    }

    #[test]
    fn breaking_bumps_follow_cargo() {
        assert!(v("0.1.0+2021-03-01").breaking_bump_to(&v("0.2.0+2021-03-01")));
        assert!(v("0.1.0").breaking_bump_to(&v("1.0.0")));
        assert!(!v("0.1.0").breaking_bump_to(&v("0.1.1")));
        assert!(!v("1.2.0").breaking_bump_to(&v("1.3.0")));
        assert!(v("1.2.0").breaking_bump_to(&v("2.0.0")));
        assert!(v("0.0.1").breaking_bump_to(&v("0.0.2")));
        assert_eq!(next_major(&v("0.1.0+x")), "0.2.0");
        assert_eq!(next_major(&v("3.1.4")), "4.0.0");
    }

    #[test]
    fn changelog_entries_are_headings_naming_the_version() {
        assert!(has_entry("# Changelog\n\n## 0.2.0\n- x\n", &v("0.2.0+b")));
        assert!(has_entry("## [0.2.0] - 2026-12-06\n", &v("0.2.0")));
        assert!(!has_entry("## 0.2.01\n", &v("0.2.0")));
        assert!(!has_entry("- mentions 0.2.0 in text\n", &v("0.2.0")));
    }

    #[test]
    fn the_gate_needs_a_bump_and_an_entry() {
        let (old, new) = (v("0.1.0"), v("0.2.0"));
        assert_eq!(
            decide(0, Some(&old), Some(&old), None, "C"),
            Verdict::NothingBreaking
        );
        assert!(decide(1, Some(&old), Some(&old), None, "C").fails());
        assert!(decide(1, Some(&old), Some(&new), None, "C").fails());
        assert!(decide(1, Some(&old), Some(&new), Some("## 0.3.0\n"), "C").fails());
        assert!(!decide(1, Some(&old), Some(&new), Some("## 0.2.0\n"), "C").fails());
        assert_eq!(decide(1, None, None, None, "C"), Verdict::NoCrate);
    }

    #[test]
    fn reads_the_package_version() {
        let toml = "[package]\nname = \"x\"\nversion = \"0.1.0+2021-03-01\"\n";
        assert_eq!(crate_version(toml).map(|v| v.core), Some((0, 1, 0)));
    }
}
