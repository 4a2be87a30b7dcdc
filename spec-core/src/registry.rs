//! The API registry: every per-API fact that the spec itself cannot say, read from
//! `spec/registry.toml` (embedded at build time with the spec files it names).
//!
//! codegen, the mock, the runner, the xtask and the tests all read it; no production code names
//! an API. Adding an API is a spec file plus one `[[api]]` entry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::Deserialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// How the mock recognises (and issues) the credentials of one security scheme.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CredentialKind {
    /// A random opaque token the mock handed out (pre-issued at start-up or returned by a
    /// session-start call); any other value is unknown.
    #[default]
    Issued,
    /// One configured value (`--domain-key`): an API key the game is given, not a session.
    ConfiguredKey,
    /// A JWT signed by the mock (HS256), not expired, whose payload validates against the named
    /// component schema.
    Jwt {
        /// Component schema that describes the payload, e.g. `UserJwtClaims`.
        claims: String,
    },
}

/// A rule that picks another scheme for the credential a session-start call issues, from a field
/// of the request body (e.g. OAuth's `grant_type=client_credentials` yields a server token).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRule {
    /// Top-level body field to look at.
    pub field: String,
    /// The value that selects [`IssueRule::scheme`].
    pub value: String,
    /// The scheme whose credential is issued instead of the default.
    pub scheme: String,
}

/// Where a login call's answer carries the credential.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum TokenAt {
    /// A query parameter of a URL in a top-level field (`login_url=…?token=<JWT>`).
    UrlParam {
        /// The field holding the URL.
        #[serde(rename = "url_field")]
        field: String,
        /// The query parameter holding the credential.
        param: String,
    },
    /// A top-level string field of the JSON body (`session_token`, `access_token`).
    Field {
        /// The field's name.
        field: String,
    },
}

/// How the conformance runner obtains a credential for one scheme when the environment gives
/// none: call `operation` with its spec example (the one whose body has `select`, if set), body
/// fields replaced from environment variables where they are set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The scheme the credential is for.
    pub scheme: String,
    /// The `operationId` of the login call.
    pub operation: String,
    /// A body field and value that pick one of the call's examples.
    #[serde(default)]
    pub select: Option<(String, String)>,
    /// Body fields or query parameters taken from environment variables when set
    /// (`game_key` ← `GAMESPEC_GAME_KEY`).
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    /// Where the answer carries the credential.
    pub token: TokenAt,
}

/// The facts the mock and the runner need about one API's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Profile {
    /// Short API name, as `--spec` takes it (`lootlocker`, `xsolla`); `generic` for a spec
    /// file the registry does not know.
    #[serde(skip)]
    pub name: String,
    /// Credential kind per security scheme name; schemes not listed are [`CredentialKind::Issued`].
    #[serde(default)]
    pub schemes: BTreeMap<String, CredentialKind>,
    /// The scheme whose credential `x-session-start` calls return by default (`None`: the first
    /// scheme the spec declares).
    #[serde(default)]
    pub session_scheme: Option<String>,
    /// Exceptions to [`Profile::session_scheme`], decided by the request body.
    #[serde(default, rename = "issue")]
    pub issue_rules: Vec<IssueRule>,
    /// Query parameter that carries a credential inside URLs the API returns (Xsolla's JWT flow
    /// answers `login_url=…?token=<JWT>`).
    #[serde(default)]
    pub url_credential_param: Option<String>,
    /// How the runner logs in per scheme (schemes without one need their environment variable).
    #[serde(default, rename = "login")]
    pub logins: Vec<Login>,
    /// The stateful mock's behaviour file, relative to `spec/` (`behaviour/<api>.toml`); read
    /// through [`crate::behaviour::Behaviour::of`]. Without one the mock keeps no state but
    /// deletes and owners.
    #[serde(default)]
    pub behaviour: Option<String>,
}

impl Profile {
    /// The profile of a spec the registry does not know: every scheme takes issued tokens.
    pub fn generic() -> Profile {
        Profile {
            name: "generic".into(),
            ..Profile::default()
        }
    }

    /// The login flow for `scheme`, if the API has one.
    pub fn login(&self, scheme: &str) -> Option<&Login> {
        self.logins.iter().find(|l| l.scheme == scheme)
    }

    /// The credential kind of a scheme.
    pub fn kind(&self, scheme: &str) -> CredentialKind {
        self.schemes.get(scheme).cloned().unwrap_or_default()
    }
}

/// A reference list taken from the vendor's own material.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorList {
    /// `endpoints` (every documented and SDK-only call), `claims` (JWT claims),
    /// `sdk-endpoints` (the official SDKs' endpoint tables, for the vendor-drift check) or
    /// `sdk-drift` (the accepted differences between the spec and those tables, with reasons).
    pub kind: String,
    /// The TSV file, relative to `spec/`.
    pub file: String,
}

/// An operation that crashes Prism, so Prism runs leave it out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrismCrash {
    /// Its `operationId`.
    pub operation: String,
    /// What happens.
    pub why: String,
}

/// Facts about Prism serving this API.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prism {
    /// The committed baseline of Prism's deviations, relative to the workspace root.
    pub baseline: String,
    /// Operations that crash Prism.
    #[serde(default)]
    pub crashes: Vec<PrismCrash>,
}

/// A GET operation the mock benchmark measures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchOperation {
    /// `simple`, `large`, …
    pub label: String,
    /// Its path (no parameters).
    pub path: String,
    /// A request sent once to each server before measuring, so that a read the stateful mock
    /// fills from state has state to fill from.
    #[serde(default)]
    pub before: Option<BenchRequest>,
}

/// One request of a benchmark's preparation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchRequest {
    /// Upper-case HTTP method.
    pub method: String,
    /// The path, with any query.
    pub path: String,
    /// A JSON body.
    pub body: String,
}

/// One API of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Api {
    /// Short name used on the command line (`--spec lootlocker`).
    pub name: String,
    /// The API's name for people.
    pub title: String,
    /// The spec file, relative to `spec/`.
    pub spec: String,
    /// The committed client crate's directory, relative to the workspace root (none for an API
    /// whose client only the tests generate).
    #[serde(default)]
    pub client: Option<String>,
    /// The traceability file (vendor docs name → operationId), relative to `spec/`.
    #[serde(default)]
    pub inventory: Option<String>,
    /// The audit record (per operation: vendor sources checked and findings), relative to
    /// `spec/`.
    #[serde(default)]
    pub audit: Option<String>,
    /// Reference lists from the vendor's material.
    #[serde(default)]
    pub vendor: Vec<VendorList>,
    /// Facts about Prism serving this spec.
    #[serde(default)]
    pub prism: Option<Prism>,
    /// Operations the mock benchmark measures.
    #[serde(default)]
    pub bench: Vec<BenchOperation>,
    /// The spec tags `cargo xtask bench-build` builds the client crate with, as a studio using
    /// only part of the API would (each tag is a cargo feature of the crate).
    #[serde(default)]
    pub bench_build_tags: Vec<String>,
    /// Credential facts for the mock and the runner.
    #[serde(flatten)]
    pub profile: Profile,
}

impl Api {
    /// Find an API by its short name.
    pub fn named(name: &str) -> Option<&'static Api> {
        apis().iter().find(|a| a.name == name)
    }

    /// The API whose spec file has this file name (a `--spec PATH` that is one of ours).
    pub fn by_file_name(file: &std::ffi::OsStr) -> Option<&'static Api> {
        apis()
            .iter()
            .find(|a| Path::new(&a.spec).file_name() == Some(file))
    }

    /// The embedded text of its spec.
    pub fn spec_text(&self) -> &'static str {
        embedded::SPECS
            .iter()
            .find(|(path, _)| *path == self.spec)
            .map(|(_, text)| *text)
            .unwrap_or_default()
    }

    /// The spec's path relative to the workspace root (`spec/lootlocker-game.yaml`), for messages
    /// and for tools that work in the checkout.
    pub fn spec_file(&self) -> String {
        format!("spec/{}", self.spec)
    }

    /// The spec's path under the workspace root `root`.
    pub fn spec_path(&self, root: &Path) -> PathBuf {
        root.join(self.spec_file())
    }

    /// The inventory's path relative to the workspace root.
    pub fn inventory_file(&self) -> Option<String> {
        self.inventory.as_ref().map(|i| format!("spec/{i}"))
    }

    /// The audit record's path relative to the workspace root.
    pub fn audit_file(&self) -> Option<String> {
        self.audit.as_ref().map(|a| format!("spec/{a}"))
    }

    /// The files of the vendor lists of `kind`, relative to the workspace root.
    pub fn vendor_files(&self, kind: &str) -> Vec<String> {
        self.vendor
            .iter()
            .filter(|v| v.kind == kind)
            .map(|v| format!("spec/{}", v.file))
            .collect()
    }

    /// The generated Rust source, relative to the workspace root.
    pub fn generated_rs(&self) -> Option<String> {
        self.client
            .as_ref()
            .map(|c| format!("{c}/src/generated.rs"))
    }

    /// The generated list of generator adaptations, relative to the workspace root.
    pub fn adaptations_md(&self) -> Option<String> {
        self.client.as_ref().map(|c| format!("{c}/ADAPTATIONS.md"))
    }
}

/// Why the registry text is unusable (a build-time file, so this is a packaging error).
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The TOML does not parse or has unknown fields.
    #[error("spec/registry.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// Two entries share a name.
    #[error("spec/registry.toml: API name `{0}` is used twice")]
    Duplicate(String),
    /// An `[[api]]` entry has a key the registry does not know (a typo would otherwise be
    /// ignored: the entry's profile fields are flattened, which serde cannot check).
    #[error("spec/registry.toml: API `{api}`: unknown key `{key}` (known: {known})")]
    UnknownKey {
        /// The entry's name.
        api: String,
        /// The key.
        key: String,
        /// The keys an entry may have.
        known: String,
    },
}

/// The keys an `[[api]]` entry may have: [`Api`]'s fields and the flattened [`Profile`]'s.
const KEYS: &[&str] = &[
    "name",
    "title",
    "spec",
    "client",
    "inventory",
    "audit",
    "vendor",
    "prism",
    "bench",
    "bench_build_tags",
    "schemes",
    "session_scheme",
    "issue",
    "url_credential_param",
    "login",
    "behaviour",
];

#[derive(Deserialize)]
struct File {
    api: Vec<Api>,
}

/// Parse registry text.
pub fn parse(text: &str) -> Result<Vec<Api>, RegistryError> {
    let raw: toml::Table = toml::from_str(text)?;
    for entry in raw
        .get("api")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(table) = entry.as_table() else {
            continue;
        };
        if let Some(key) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(RegistryError::UnknownKey {
                api: table
                    .get("name")
                    .and_then(toml::Value::as_str)
                    .unwrap_or("?")
                    .to_owned(),
                key: key.clone(),
                known: KEYS.join(", "),
            });
        }
    }
    let mut apis = toml::from_str::<File>(text)?.api;
    for i in 0..apis.len() {
        let name = apis[i].name.clone();
        if apis[..i].iter().any(|a| a.name == name) {
            return Err(RegistryError::Duplicate(name));
        }
        apis[i].profile.name = name;
    }
    Ok(apis)
}

static APIS: LazyLock<Vec<Api>> = LazyLock::new(|| {
    // The registry is checked when this crate is built (build.rs) and by its unit test, so a
    // failure here can only come from a broken build; an empty registry keeps tools usable
    // with `--spec PATH`.
    parse(embedded::REGISTRY).unwrap_or_default()
});

/// Every API, in registry order.
pub fn apis() -> &'static [Api] {
    &APIS
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

/// The embedded text of a behaviour file, by its path relative to `spec/`.
pub fn behaviour_text(file: &str) -> Option<&'static str> {
    embedded::BEHAVIOURS
        .iter()
        .find(|(path, _)| *path == file)
        .map(|(_, text)| *text)
}

/// The workspace root of the checkout this crate was built in. Only for the xtask and the
/// tests, which run inside the checkout; binaries use the embedded registry and specs.
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_registry_parses_and_names_embedded_specs() {
        let apis = parse(embedded::REGISTRY).expect("registry parses");
        assert!(!apis.is_empty());
        for api in &apis {
            assert!(
                !api.spec_text().is_empty(),
                "{}: spec {} is not embedded",
                api.name,
                api.spec
            );
            assert_eq!(api.profile.name, api.name);
        }
    }

    #[test]
    fn token_locations_read_both_shapes() {
        let apis = parse(
            r#"
            [[api]]
            name = "a"
            title = "A"
            spec = "a.yaml"
            [[api.login]]
            scheme = "s"
            operation = "o"
            token = { url_field = "login_url", param = "token" }
            [[api.login]]
            scheme = "t"
            operation = "p"
            token = { field = "session_token" }
            [api.schemes.s]
            kind = "jwt"
            claims = "C"
            "#,
        )
        .expect("parses");
        let p = &apis[0].profile;
        assert!(matches!(p.logins[0].token, TokenAt::UrlParam { .. }));
        assert!(matches!(p.logins[1].token, TokenAt::Field { .. }));
        assert_eq!(p.kind("s"), CredentialKind::Jwt { claims: "C".into() });
        assert_eq!(p.kind("other"), CredentialKind::Issued);
    }

    #[test]
    fn duplicate_names_are_refused() {
        let text =
            "[[api]]\nname='a'\ntitle='A'\nspec='a'\n[[api]]\nname='a'\ntitle='B'\nspec='b'\n";
        assert!(matches!(parse(text), Err(RegistryError::Duplicate(_))));
    }

    #[test]
    fn unknown_keys_of_an_entry_are_refused() {
        let text = "[[api]]\nname='a'\ntitle='A'\nspec='a'\nsesion_scheme='typo'\n";
        match parse(text) {
            Err(RegistryError::UnknownKey { api, key, .. }) => {
                assert_eq!((api.as_str(), key.as_str()), ("a", "sesion_scheme"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn credential_variables_are_upper_snake_case() {
        assert_eq!(
            credential_variable("sessionToken"),
            "GAMESPEC_SESSION_TOKEN"
        );
        assert_eq!(credential_variable("userJwt"), "GAMESPEC_USER_JWT");
        assert_eq!(credential_variable("domain-key"), "GAMESPEC_DOMAIN_KEY");
    }
}
