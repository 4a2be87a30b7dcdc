//! Rendering a client: generator view → progenitor → prettyplease, plus the tables the
//! hand-written layer needs (which credentials each operation takes).

use std::panic::AssertUnwindSafe;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;

use crate::features::{Features, gate};
use crate::quiet_panic;
use crate::view::{Adaptation, GeneratorView, generator_view};
use gamespec_spec::paths::operations;
use gamespec_spec::registry::Api;
use gamespec_spec::security::SchemeCarrier;

/// Why rendering failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The generator view does not match the OpenAPI model (a bug in the view, or a spec that
    /// skipped `load`).
    #[error("generator view is not a valid OpenAPI document: {0}")]
    View(String),
    /// progenitor returned an error.
    #[error("progenitor refused the spec: {0}")]
    Progenitor(String),
    /// progenitor panicked; `cargo xtask lint` names the operation.
    #[error("progenitor panicked: {0} (run `cargo xtask lint` to find the operation)")]
    Panic(String),
    /// The generated tokens are not a Rust file.
    #[error("generated code does not parse: {0}")]
    Syntax(String),
    /// A pagination annotation cannot be matched with the generated client.
    #[error("pagination: {0}")]
    Pagination(String),
    /// The spec's tags cannot be made cargo features.
    #[error("features: {0}")]
    Features(#[from] crate::features::FeaturesError),
    /// The dispatch table cannot be matched with the generated client.
    #[error("dispatch: {0}")]
    Dispatch(String),
}

/// The rendered outputs of one API.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `src/generated.rs`.
    pub source: String,
    /// `ADAPTATIONS.md`.
    pub adaptations_md: String,
    /// `src/dispatch.rs` of the client's dispatch crate (test tooling, `<client>-dispatch/`).
    pub dispatch: String,
    /// The generated block of the client crate's `[features]` table (one feature per tag),
    /// spliced into its `Cargo.toml` with [`crate::features::splice`].
    pub features_block: String,
    /// What the feature gates cover.
    pub gated: crate::features::gate::Gated,
    /// The adaptations, for printing.
    pub adaptations: Vec<Adaptation>,
}

fn settings(inner_type: &str) -> Result<GenerationSettings, GenerateError> {
    let inner = inner_type
        .parse()
        .map_err(|e| GenerateError::Progenitor(format!("inner type `{inner_type}`: {e}")))?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(inner)
        .with_derive("PartialEq")
        .with_conversion(secret_schema(), SECRET_TYPE, std::iter::empty());
    Ok(settings)
}

/// The Rust type of spec strings marked `format: password`: redacted in `Debug`, plain on the wire.
pub const SECRET_TYPE: &str = "::gamespec_client_support::Secret";

/// `{type: string, format: password}` (typify ignores descriptions when matching).
fn secret_schema() -> schemars::schema::SchemaObject {
    schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        format: Some("password".to_owned()),
        ..Default::default()
    }
}

/// Run progenitor over an (adapted) document and return the formatted file, without header.
/// Panics inside progenitor are caught and returned as [`GenerateError::Panic`].
pub fn progenitor_source(doc: &Value, inner_type: &str) -> Result<String, GenerateError> {
    Ok(prettyplease::unparse(&progenitor_file(doc, inner_type)?))
}

/// Run progenitor over an (adapted) document and return its output as a syntax tree.
pub fn progenitor_file(doc: &Value, inner_type: &str) -> Result<syn::File, GenerateError> {
    let api: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).map_err(|e| GenerateError::View(e.to_string()))?;
    let settings = settings(inner_type)?;
    let tokens = quiet_panic::catch(AssertUnwindSafe(|| {
        Generator::new(&settings).generate_tokens(&api)
    }))
    .map_err(GenerateError::Panic)?
    .map_err(|e| GenerateError::Progenitor(e.to_string()))?;
    syn::parse2(tokens).map_err(|e| GenerateError::Syntax(e.to_string()))
}

/// Render the client sources of `api` from its spec document.
pub fn render(api: &Api, spec: &Value) -> Result<Rendered, GenerateError> {
    let GeneratorView { value, adaptations } = generator_view(spec);
    let mut file = progenitor_file(&value, INNER_TYPE)?;
    drop_panicking_constructor(&mut file);
    crate::optional_setters::rewrite(&mut file);
    let features = Features::from_spec(spec)?;
    let by_builder = features
        .by_operation
        .iter()
        .map(|(id, set)| {
            (
                heck::ToUpperCamelCase::to_upper_camel_case(id.as_str()),
                set.clone(),
            )
        })
        .collect();
    let gated = gate::apply(&mut file, &by_builder, &features.names())?;
    let body = prettyplease::unparse(&file);
    let security = security_table(api, spec)?;
    let streams = crate::pagination::stream_methods(spec, &file, &gated.builders)?;
    let source = format!("{}\n{body}\n{security}\n{streams}", header(api));
    Ok(Rendered {
        source,
        adaptations_md: adaptations_markdown(api, &adaptations),
        dispatch: crate::dispatch::render(api, spec, &value, &file)?,
        features_block: crate::features::cargo_block(&features),
        gated,
        adaptations,
    })
}

/// Remove progenitor's `Client::new`, which panics when the HTTP client cannot be built; the
/// client crates build clients through `gamespec_client_support::ClientBuilder` instead.
fn drop_panicking_constructor(file: &mut syn::File) {
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if is_client {
            block
                .items
                .retain(|i| !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "new"));
        }
    }
}

fn header(api: &Api) -> String {
    format!(
        "// This file is generated by `cargo xtask generate` from {spec} (progenitor {ver}).\n\
         // Do not edit it by hand: change the spec and run `cargo xtask generate`;\n\
         // `cargo xtask check` fails while it is out of date.\n\
         // What the generator could not express is listed in ADAPTATIONS.md.\n",
        spec = api.spec_file(),
        ver = PROGENITOR_VERSION,
    )
}

/// The value the generated `Client` carries besides its HTTP client (progenitor's inner type):
/// the client runtime around the `Credentials` of the generated `security` module.
pub const INNER_TYPE: &str = "gamespec_client_support::Runtime<crate::security::Credentials>";

/// The pinned generator version, stated in generated headers.
pub const PROGENITOR_VERSION: &str = "0.15.1";

/// A `security` module: for every operation of the spec (generated or hand-written), the
/// alternative sets of security schemes it accepts, and the schemes' header names.
fn security_table(api: &Api, spec: &Value) -> Result<String, GenerateError> {
    let global = spec
        .get("security")
        .cloned()
        .unwrap_or(Value::Array(vec![]));
    let mut rows = String::new();
    for op in operations(spec) {
        let requirements = op.value.get("security").unwrap_or(&global);
        let sets: Vec<String> = requirements
            .as_array()
            .into_iter()
            .flatten()
            .map(|req| {
                let names: Vec<String> = req
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| format!("{k:?}"))
                    .collect();
                format!("&[{}]", names.join(", "))
            })
            .collect();
        let starts = op.value.get("x-session-start") == Some(&Value::Bool(true));
        rows.push_str(&format!(
            "OperationSecurity {{ operation_id: {:?}, method: {:?}, requirements: &[{}], session_start: {starts}, {} }},\n",
            op.id,
            heck::ToSnakeCase::to_snake_case(op.id.as_str()),
            sets.join(", "),
            crate::lifecycle::operation_fields(api, spec, &op),
        ));
    }
    let mut schemes = String::new();
    let mut accessors = String::new();
    if let Some(map) = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    {
        for (name, scheme) in map {
            let scheme = gamespec_spec::refs::deref(spec, scheme);
            accessors.push_str(&credential_accessors(name, scheme));
            let carrier = match gamespec_spec::security::carrier(scheme) {
                SchemeCarrier::Header(name) => format!("Header({name:?})"),
                SchemeCarrier::Query(name) => format!("Query({name:?})"),
                SchemeCarrier::Cookie(name) => format!("Cookie({name:?})"),
                SchemeCarrier::Bearer => "Bearer".to_owned(),
                SchemeCarrier::Basic => "Basic".to_owned(),
            };
            schemes.push_str(&format!(
                "SecurityScheme {{ name: {name:?}, carrier: Carrier::{carrier} }},\n"
            ));
        }
    }
    let session = session_token(api);
    let api_constant = crate::lifecycle::api_constant(api, spec);
    let text = format!(
        r#"
/// What credentials each operation of the spec takes, from its `security` requirements.
pub mod security {{
    pub use gamespec_client_support::{{ApiSecurity, Carrier, IssueRule, OperationSecurity, SecurityScheme, SessionToken, TokenAt}};
    /// Every operation, in spec order.
    pub const OPERATIONS: &[OperationSecurity] = &[
        {rows}
    ];
    /// Every security scheme of the spec, with where its credential goes.
    pub const SCHEMES: &[SecurityScheme] = &[
        {schemes}
    ];
    /// The credential session-start calls issue and where their answer carries it (from
    /// `spec/registry.toml`), if the registry says.
    pub const SESSION_TOKEN: Option<SessionToken> = {session};
    {api_constant}
    /// The requirements of the operation whose client method is `method`.
    pub fn for_method(method: &str) -> Option<&'static OperationSecurity> {{
        OPERATIONS.iter().find(|o| o.method == method)
    }}
    /// The credentials a client attaches, one per security scheme of the spec. Clones share
    /// them (a token set on one is used by all), and `Debug` never shows a value.
    #[derive(Clone, Debug, Default)]
    pub struct Credentials {{
        store: gamespec_client_support::CredentialStore,
    }}
    impl Credentials {{
        /// No credentials yet.
        pub fn new() -> Self {{
            Self::default()
        }}
        /// The store the hooks read, keyed by scheme name.
        pub fn store(&self) -> &gamespec_client_support::CredentialStore {{
            &self.store
        }}
        {accessors}
    }}
}}
"#
    );
    let file: syn::File =
        syn::parse_str(&text).map_err(|e| GenerateError::Syntax(e.to_string()))?;
    Ok(prettyplease::unparse(&file))
}

/// The `SESSION_TOKEN` constant: the registry's session scheme and where its login answer
/// carries the token.
fn session_token(api: &Api) -> String {
    let profile = &api.profile;
    let Some(scheme) = profile.session_scheme.as_deref() else {
        return "None".into();
    };
    let Some(login) = profile.login(scheme) else {
        return "None".into();
    };
    let at = match &login.token {
        gamespec_spec::registry::TokenAt::Field { field } => format!("TokenAt::Field({field:?})"),
        gamespec_spec::registry::TokenAt::UrlParam { field, param } => {
            format!("TokenAt::UrlParam {{ field: {field:?}, param: {param:?} }}")
        }
    };
    format!("Some(SessionToken {{ scheme: {scheme:?}, at: {at} }})")
}

/// Getter, setter and clearer of one scheme's credential, named after the scheme
/// (`sessionToken` → `session_token`, `set_session_token`, `clear_session_token`).
fn credential_accessors(name: &str, scheme: &Value) -> String {
    let snake = heck::ToSnakeCase::to_snake_case(name);
    let how = match gamespec_spec::security::carrier(scheme) {
        SchemeCarrier::Header(header) => format!("the `{header}` header"),
        SchemeCarrier::Query(param) => format!("the `{param}` query parameter"),
        SchemeCarrier::Cookie(cookie) => format!("the `{cookie}` cookie"),
        SchemeCarrier::Bearer | SchemeCarrier::Basic => "the `Authorization` header".to_owned(),
    };
    format!(
        r#"
        /// The `{name}` credential, sent in {how}.
        pub fn {snake}(&self) -> Option<String> {{ self.store.get({name:?}) }}
        /// Use `value` as the `{name}` credential from now on.
        pub fn set_{snake}(&self, value: impl Into<String>) {{ self.store.set({name:?}, value) }}
        /// Forget the `{name}` credential.
        pub fn clear_{snake}(&self) {{ self.store.clear({name:?}) }}
        "#
    )
}

fn adaptations_markdown(api: &Api, adaptations: &[Adaptation]) -> String {
    let mut out = format!(
        "<!-- Generated by `cargo xtask generate` from {}; do not edit. -->\n\
         # Generator adaptations\n\n\
         The spec describes the API as it behaves. progenitor {PROGENITOR_VERSION} cannot express \
         everything in it, so `codegen` feeds it an adapted copy. These are all the differences; \
         the operations left out are implemented by hand in this crate.\n\n",
        api.spec_file()
    );
    if adaptations.is_empty() {
        out.push_str("None: the generator takes the spec as it is.\n");
        return out;
    }
    out.push_str("| operation | route | adaptation |\n| --- | --- | --- |\n");
    for a in adaptations {
        out.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            a.operation_id,
            a.route,
            a.change.replace('|', "\\|")
        ));
    }
    out
}
