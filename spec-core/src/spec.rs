//! A spec prepared for serving: loaded once (from the embedded registry or a file), every
//! operation resolved (parameters, body, responses, security) and every JSON-Schema validator
//! compiled up front, so that a request never parses YAML or compiles a schema.

use std::path::{Path, PathBuf};

use jsonschema::Validator;
use serde_json::Value;

use crate::load;
pub use crate::operation::{
    Discriminator, Example, Media, Operation, ParamLocation, Parameter, Response, ResponseHeader,
    example_names, statuses,
};
use crate::registry::{self, Api, Profile};
use crate::resolve::Builder;
use crate::schema::Direction;
pub use crate::security::{Scheme, SchemeCarrier};

/// Why a spec cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// `--spec` named neither a known API nor an existing file.
    #[error(
        "unknown spec `{0}`: give an API name ({names}) or the path of an OpenAPI file",
        names = registry::apis().iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
    )]
    Unknown(String),
    /// The file could not be read, is not OpenAPI 3.0, or fails the checks of
    /// [`crate::check`]: every problem, one per line, each with its file, line, column and
    /// JSON pointer.
    #[error(transparent)]
    Refused(#[from] load::Refused),
    /// A `$ref` does not resolve, a schema does not compile, or a route conflicts.
    #[error("{path}: {message}")]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// What is wrong, with the JSON pointer where there is one.
        message: String,
    },
}

/// A spec ready to serve. Cheap to share (`Arc<Spec>`); several mock servers can serve one.
#[derive(Debug)]
pub struct Spec {
    /// Where it was read from.
    pub path: PathBuf,
    /// The profile of its API.
    pub profile: Profile,
    /// The whole document as JSON (for `$ref` resolution).
    pub root: Value,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
    /// The security schemes, in document order.
    pub schemes: Vec<Scheme>,
    /// The documented response used as the error shape where no operation applies (unknown
    /// path, undeclared method): the first 404 of the spec, else the first 4xx.
    pub error_shape: Option<Response>,
}

/// What a spec's tree resolves into: its operations, the shape of its error answers, and its
/// security schemes.
struct Built {
    operations: Vec<Operation>,
    error_shape: Option<Response>,
    schemes: Vec<Scheme>,
}

impl Built {
    fn of(root: &Value, path: &Path, profile: &Profile) -> Result<Built, SpecError> {
        let mut builder = Builder::new(root, path, profile);
        let (operations, error_shape) = builder.build()?;
        Ok(Built {
            operations,
            error_shape,
            schemes: builder.into_schemes(),
        })
    }

    fn into_spec(self, path: PathBuf, root: Value, profile: Profile) -> Spec {
        Spec {
            path,
            profile,
            root,
            operations: self.operations,
            schemes: self.schemes,
            error_shape: self.error_shape,
        }
    }
}

impl Spec {
    /// Load a spec by API name (`lootlocker`, `xsolla`: the embedded copy, from any directory)
    /// or file path. A path whose file name is the spec of a registered API gets that API's
    /// profile.
    pub fn load(name_or_path: &str) -> Result<Spec, SpecError> {
        if let Some(api) = Api::named(name_or_path) {
            return Spec::embedded(api);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(SpecError::Unknown(name_or_path.to_owned()));
        }
        let profile = path
            .file_name()
            .and_then(Api::by_file_name)
            .map(|a| a.profile.clone())
            .unwrap_or_else(Profile::generic);
        Spec::load_file(path, profile)
    }

    /// The embedded spec of a registered API.
    ///
    /// The test suite loads every embedded spec, so its checks pass: they run beside the
    /// operation model's build (see [`load::parse_checked_beside`]), which is most of a run's
    /// start-up.
    pub fn embedded(api: &Api) -> Result<Spec, SpecError> {
        let path = PathBuf::from(api.spec_file());
        let profile = api.profile.clone();
        let (root, built) = load::parse_checked_beside(&path, api.spec_text(), |root| {
            Built::of(root, &path, &profile)
        })?;
        Ok(built?.into_spec(path, root, profile))
    }

    /// Load the file at `path` with an explicit profile.
    pub fn load_file(path: &Path, profile: Profile) -> Result<Spec, SpecError> {
        let doc = load::load_checked(path)?;
        Spec::from_value(doc.path, doc.value, profile)
    }

    /// Build from an already parsed document.
    pub fn from_value(path: PathBuf, root: Value, profile: Profile) -> Result<Spec, SpecError> {
        let built = Built::of(&root, &path, &profile)?;
        Ok(built.into_spec(path, root, profile))
    }

    /// Compile a validator for an OpenAPI schema of this spec (e.g. `{"$ref": "#/components/schemas/X"}`).
    pub fn validator(
        &self,
        dir: Direction,
        schema: &Value,
    ) -> Result<Validator, crate::schema::SchemaError> {
        crate::schema::compile(&self.root, dir, schema)
    }

    /// The scheme named `name`.
    pub fn scheme(&self, name: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.name == name)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Short name for logs and messages (the profile's API name, or the file name).
    pub fn name(&self) -> String {
        if self.profile.name != Profile::generic().name {
            return self.profile.name.to_owned();
        }
        self.path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Every component schema name of the spec, in document order (for tests and tools).
pub fn component_schemas(spec: &Spec) -> Vec<String> {
    spec.root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::registry::apis;

    fn doc(paths: Value, components: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
               "paths": paths, "components": components})
    }

    #[test]
    fn every_registered_api_loads_from_its_embedded_copy() {
        for api in apis() {
            let spec = Spec::load(&api.name).unwrap_or_else(|e| panic!("{}: {e}", api.name));
            assert_eq!(spec.name(), api.name);
            assert!(!spec.operations.is_empty(), "{}", api.name);
            assert_eq!(spec.path, PathBuf::from(api.spec_file()));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let err = Spec::load("no-such-api").unwrap_err().to_string();
        for api in apis() {
            assert!(err.contains(&api.name), "{err}");
        }
    }

    #[test]
    fn a_response_lists_every_media_type_as_compared() {
        let root = doc(
            json!({"/feed": {"get": {"operationId": "getFeed", "responses": {
                "200": {"description": "ok", "content": {
                    "Application/JSON; charset=utf-8": {"schema": {"type": "object"}},
                    "text/plain": {"schema": {"type": "string"}}
                }},
                "204": {"description": "nothing"}
            }}}}),
            json!({}),
        );
        let spec = Spec::from_value("t.yaml".into(), root, Profile::generic()).expect("builds");
        let op = spec.operation("getFeed").expect("operation");
        let ok = op.response(200).expect("200");
        assert_eq!(ok.media_types, ["application/json", "text/plain"]);
        let first = ok.content.as_ref().expect("content");
        assert_eq!(
            crate::operation::essence(&first.media_type),
            ok.media_types[0]
        );
        assert!(op.response(204).expect("204").media_types.is_empty());
        assert_eq!(crate::operation::essence(" Text/HTML ;q=1"), "text/html");
    }

    #[test]
    fn media_ranges_cover_their_types() {
        use crate::operation::covers;
        assert!(covers("*/*", "image/png"));
        assert!(covers("image/*", "image/png"));
        assert!(covers("application/json", "application/json"));
        assert!(!covers("image/*", "text/png"));
        assert!(!covers("application/json", "application/problem+json"));
    }

    #[test]
    fn operation_parameters_override_path_item_ones_and_defaults_hold() {
        let root = doc(
            json!({"/items/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "tags", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}
                ],
                "get": {"operationId": "getItem", "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                    {"name": "X-List", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}}
                ], "security": [{}], "responses": {"200": {"description": "ok"}, "404": {"description": "no"}}}
            }}),
            json!({}),
        );
        let spec = Spec::from_value("t.yaml".into(), root, Profile::generic()).expect("builds");
        let op = spec.operation("getItem").expect("operation");
        let id = op.parameters.iter().find(|p| p.name == "id").expect("id");
        assert_eq!(
            id.schema,
            json!({"type": "integer"}),
            "the operation's own wins"
        );
        let tags = op
            .parameters
            .iter()
            .find(|p| p.name == "tags")
            .expect("tags");
        assert!(
            tags.is_array && tags.explode,
            "form query lists explode by default"
        );
        let header = op
            .parameters
            .iter()
            .find(|p| p.name == "X-List")
            .expect("header");
        assert!(
            header.is_array && !header.explode,
            "simple header lists do not"
        );
        assert!(op.security.is_empty(), "an empty requirement means open");
        assert_eq!(spec.error_shape.as_ref().map(|r| r.status), Some(404));
    }

    #[test]
    fn undeclared_schemes_and_missing_claims_are_refused_with_where() {
        let root = doc(
            json!({"/a": {"get": {"operationId": "a", "security": [{"nope": []}],
                   "responses": {"200": {"description": "ok"}}}}}),
            json!({}),
        );
        let err = Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap_err();
        assert!(
            err.to_string()
                .contains("security scheme nope is not declared"),
            "{err}"
        );

        let root = doc(
            json!({}),
            json!({"securitySchemes": {"jwt": {"type": "http", "scheme": "bearer"}}}),
        );
        let mut profile = Profile::generic();
        profile.schemes.insert(
            "jwt".into(),
            crate::registry::CredentialKind::Jwt {
                claims: "Claims".into(),
            },
        );
        let err = Spec::from_value("t.yaml".into(), root, profile).unwrap_err();
        assert!(
            err.to_string()
                .contains("claims schema Claims does not exist"),
            "{err}"
        );
    }
}
