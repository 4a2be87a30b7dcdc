//! The APIs this repository generates clients for. Adding an API is adding an entry here; the
//! pipeline itself has no per-API code.

use std::path::{Path, PathBuf};

/// One API: its spec and the crate its client is generated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// Short name used on the command line (`--spec lootlocker`).
    pub name: &'static str,
    /// The spec, relative to the workspace root.
    pub spec: &'static str,
    /// The client crate's directory, relative to the workspace root.
    pub crate_dir: &'static str,
    /// The traceability file: vendor docs name → operationId, relative to the workspace root.
    pub inventory: &'static str,
    /// The hand-written type the generated `Client` carries for credentials (progenitor's inner
    /// type); the crate must implement `ClientHooks` for it.
    pub inner_type: &'static str,
}

/// Every API, in the order commands process them.
pub const APIS: &[Api] = &[
    Api {
        name: "lootlocker",
        spec: "spec/lootlocker-game.yaml",
        crate_dir: "generated/lootlocker",
        inventory: "spec/inventory/lootlocker.tsv",
        inner_type: "crate::security::Credentials",
    },
    Api {
        name: "xsolla",
        spec: "spec/xsolla-login.yaml",
        crate_dir: "generated/xsolla-login",
        inventory: "spec/inventory/xsolla-login.tsv",
        inner_type: "crate::security::Credentials",
    },
];

impl Api {
    /// Find an API by its short name.
    pub fn named(name: &str) -> Option<&'static Api> {
        APIS.iter().find(|a| a.name == name)
    }

    /// The spec's path under `root`.
    pub fn spec_path(&self, root: &Path) -> PathBuf {
        root.join(self.spec)
    }

    /// The generated Rust source, relative to the workspace root.
    pub fn generated_rs(&self) -> String {
        format!("{}/src/generated.rs", self.crate_dir)
    }

    /// The generated list of generator adaptations, relative to the workspace root.
    pub fn adaptations_md(&self) -> String {
        format!("{}/ADAPTATIONS.md", self.crate_dir)
    }
}

/// The environment variable that carries the credential of a security scheme, for every tool
/// of the project (runner, Schemathesis, benchmarks): `GAMESPEC_` and the scheme name in upper
/// snake case (`sessionToken` → `GAMESPEC_SESSION_TOKEN`, `userJwt` → `GAMESPEC_USER_JWT`).
pub fn credential_variable(scheme: &str) -> String {
    let mut out = String::from("GAMESPEC_");
    let mut prev_lower = false;
    for c in scheme.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

/// The workspace root, found from this crate's manifest directory (works in tests and xtask).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives one level below the workspace root")
        .to_path_buf()
}
