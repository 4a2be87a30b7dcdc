//! A spec prepared for serving: loaded once through `gamespec_codegen`, every operation resolved
//! (parameters, body, responses, security) and every JSON-Schema validator compiled up front, so
//! that a request never parses YAML or compiles a schema.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gamespec_codegen::api::{self, Api};
use gamespec_codegen::load;
use gamespec_codegen::operations;
use gamespec_codegen::schema::Direction;
use jsonschema::Validator;
use serde_json::{Value, json};

use crate::profile::{CredentialKind, Profile};
use crate::schema::{deref, type_name};

/// Why a spec cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// `--spec` named neither a known API nor an existing file.
    #[error(
        "unknown spec `{0}`: give an API name ({names}) or the path of an OpenAPI file",
        names = api::APIS.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
    )]
    Unknown(String),
    /// The file could not be read or is not OpenAPI 3.0.
    #[error(transparent)]
    Load(#[from] load::LoadError),
    /// A `$ref` does not resolve, a schema does not compile, or a route conflicts.
    #[error("{path}: {message}")]
    Invalid {
        /// The spec file.
        path: PathBuf,
        /// What is wrong, with the JSON pointer where there is one.
        message: String,
    },
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A `{template}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// The `Cookie` header.
    Cookie,
}

impl ParamLocation {
    /// The word used in error messages (`query parameter "count"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// One resolved parameter of an operation.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The parameter's name (header names as the spec spells them).
    pub name: String,
    /// Where it is sent.
    pub location: ParamLocation,
    /// Whether a request without it is invalid.
    pub required: bool,
    /// The OpenAPI schema (may be a `$ref`).
    pub schema: Value,
    /// Whether it is `type: array` (after `$ref`s).
    pub is_array: bool,
    /// For arrays: repeated keys (`true`) or one comma-joined value (`false`).
    pub explode: bool,
    /// The parameter's example, if the spec gives one.
    pub example: Option<Value>,
    /// `allowEmptyValue: true` on a query parameter: `?name=` is a valid request. OpenAPI
    /// defaults it to `false` and defines it for query parameters only, so it is always
    /// `false` elsewhere.
    pub allow_empty: bool,
    /// Request-direction validator of the coerced value.
    pub validator: Arc<Validator>,
}

/// A named example of a body.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, or `example` for a single `example`.
    pub name: String,
    /// The example value.
    pub value: Value,
}

/// One media type of a request or response body.
#[derive(Debug, Clone)]
pub struct Media {
    /// The media type, lower case (`application/json`).
    pub media_type: String,
    /// The OpenAPI schema (may be a `$ref`); `{}` when the spec gives none.
    pub schema: Value,
    /// Validator for this body in its direction.
    pub validator: Arc<Validator>,
    /// Examples in document order: `example`, then `examples`, then the schema's own `example`.
    pub examples: Vec<Example>,
    /// For a `oneOf` with a `discriminator`: which branch the client meant.
    pub discriminator: Option<Discriminator>,
}

/// A `oneOf` body's discriminator, so a violation can be reported against the branch the client
/// named instead of as "matches no branch".
#[derive(Debug, Clone)]
pub struct Discriminator {
    /// The tag property, e.g. `grant_type`.
    pub property: String,
    /// A validator per mapped tag value.
    pub branches: Vec<(String, Arc<Validator>)>,
}

/// A documented response header.
#[derive(Debug, Clone)]
pub struct ResponseHeader {
    /// Header name as the spec spells it.
    pub name: String,
    /// Its schema.
    pub schema: Value,
    /// Its example (header or schema level).
    pub example: Option<Value>,
    /// The header object's `required`: a response of this status must carry it.
    pub required: bool,
}

/// One documented response of an operation.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, if the response has one (the first media type the spec lists).
    pub content: Option<Media>,
    /// Documented headers.
    pub headers: Vec<ResponseHeader>,
}

/// One operation, resolved.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId` (or `METHOD /path`).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template as in the spec.
    pub path: String,
    /// Operation and path-item parameters.
    pub parameters: Vec<Parameter>,
    /// The request body, if any: whether it is required and its media types.
    pub body: Option<(bool, Vec<Media>)>,
    /// Security requirement sets: any one set satisfied is enough; an empty list means open.
    pub security: Vec<Vec<String>>,
    /// `x-session-start: true`: a success answer carries freshly issued credentials.
    pub session_start: bool,
    /// Documented responses, ordered by status.
    pub responses: Vec<Response>,
}

impl Operation {
    /// The documented response for `status`.
    pub fn response(&self, status: u16) -> Option<&Response> {
        self.responses.iter().find(|r| r.status == status)
    }

    /// The answer to a valid request: the lowest 2xx, or else the lowest 1xx/3xx (a WebSocket
    /// upgrade or a redirect-only call).
    pub fn success(&self) -> Option<&Response> {
        self.responses
            .iter()
            .find(|r| (200..300).contains(&r.status))
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.status < 200 || (300..400).contains(&r.status))
            })
    }

    /// The response for a request that breaks the spec: 400 if documented, else the lowest
    /// documented 4xx that is not about credentials or rate limits, else the lowest 4xx.
    pub fn client_error(&self) -> Option<&Response> {
        let four = || {
            self.responses
                .iter()
                .filter(|r| (400..500).contains(&r.status))
        };
        self.response(400)
            .or_else(|| four().find(|r| !matches!(r.status, 401 | 403 | 407 | 429)))
            .or_else(|| four().next())
    }

    /// The response for missing or unknown credentials: 401, else 403, else [`Self::client_error`].
    pub fn unauthorized(&self) -> Option<&Response> {
        self.response(401)
            .or_else(|| self.response(403))
            .or_else(|| self.client_error())
    }
}

/// How a security scheme carries its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeCarrier {
    /// `apiKey` in a header (name as declared).
    Header(String),
    /// `apiKey` in the query string.
    Query(String),
    /// `apiKey` in a cookie.
    Cookie(String),
    /// `http` with `scheme: bearer`: `Authorization: Bearer <value>`.
    Bearer,
    /// `http` with `scheme: basic`: `Authorization: Basic <value>`.
    Basic,
}

/// One security scheme of the spec, with the profile's credential kind.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// The scheme's name under `components/securitySchemes`.
    pub name: String,
    /// Where the credential goes.
    pub carrier: SchemeCarrier,
    /// How the mock recognises it.
    pub kind: CredentialKind,
    /// For JWT schemes: the claims validator.
    pub claims: Option<Arc<Validator>>,
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

impl Spec {
    /// Load a spec by API name (`lootlocker`, `xsolla`) or file path. A path whose file is the
    /// spec of a known API gets that API's profile.
    pub fn load(name_or_path: &str) -> Result<Spec, SpecError> {
        let root = api::workspace_root();
        if let Some(api) = Api::named(name_or_path) {
            let profile = Profile::named(api.name)
                .copied()
                .unwrap_or(Profile::generic());
            return Spec::load_file(&api.spec_path(&root), profile);
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(SpecError::Unknown(name_or_path.to_owned()));
        }
        let file = path.file_name();
        let profile = api::APIS
            .iter()
            .find(|a| Path::new(a.spec).file_name() == file)
            .and_then(|a| Profile::named(a.name))
            .copied()
            .unwrap_or(Profile::generic());
        Spec::load_file(path, profile)
    }

    /// Load the file at `path` with an explicit profile.
    pub fn load_file(path: &Path, profile: Profile) -> Result<Spec, SpecError> {
        let doc = load::load(path)?;
        if let Some(err) = doc.unresolved_refs().into_iter().next() {
            return Err(err.into());
        }
        Spec::from_value(path.to_owned(), doc.value, profile)
    }

    /// Build from an already parsed document.
    pub fn from_value(path: PathBuf, root: Value, profile: Profile) -> Result<Spec, SpecError> {
        let mut builder = Builder {
            root: &root,
            path: &path,
            profile,
            cache: HashMap::new(),
            schemes: Vec::new(),
        };
        let (operations, error_shape) = builder.build()?;
        let schemes = builder.schemes;
        Ok(Spec {
            path,
            profile,
            root,
            operations,
            schemes,
            error_shape,
        })
    }

    /// Compile a validator for an OpenAPI schema of this spec (e.g. `{"$ref": "#/components/schemas/X"}`).
    pub fn validator(&self, dir: Direction, schema: &Value) -> Result<Validator, String> {
        gamespec_codegen::schema::compile(&self.root, dir, schema)
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

struct Builder<'a> {
    root: &'a Value,
    path: &'a Path,
    profile: Profile,
    cache: HashMap<(Direction, String), Arc<Validator>>,
    schemes: Vec<Scheme>,
}

impl Builder<'_> {
    fn invalid(&self, message: String) -> SpecError {
        SpecError::Invalid {
            path: self.path.to_owned(),
            message,
        }
    }

    fn validator(&mut self, dir: Direction, schema: &Value) -> Result<Arc<Validator>, SpecError> {
        // Most error responses share one `$ref`; compiling each distinct schema once keeps
        // start-up fast (a validator embeds every component schema).
        let key = (dir, schema.to_string());
        if let Some(v) = self.cache.get(&key) {
            return Ok(v.clone());
        }
        let compiled = gamespec_codegen::schema::compile(self.root, dir, schema)
            .map_err(|e| self.invalid(format!("schema {schema} does not compile: {e}")))?;
        let compiled = Arc::new(compiled);
        self.cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    fn build(&mut self) -> Result<(Vec<Operation>, Option<Response>), SpecError> {
        self.schemes()?;
        let global_security = self.root.get("security");
        let mut ops = Vec::new();
        for op in operations::operations(self.root) {
            ops.push(self.operation(&op, global_security)?);
        }
        let shape = ops
            .iter()
            .find_map(|o| o.response(404))
            .or_else(|| ops.iter().find_map(|o| o.client_error()))
            .cloned();
        Ok((ops, shape))
    }

    fn schemes(&mut self) -> Result<(), SpecError> {
        let declared = self
            .root
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, scheme) in &declared {
            let scheme = deref(self.root, scheme).clone();
            let text = |k: &str| scheme.get(k).and_then(Value::as_str).unwrap_or("");
            let carrier = match (text("type"), text("in")) {
                ("apiKey", "header") => SchemeCarrier::Header(text("name").to_owned()),
                ("apiKey", "query") => SchemeCarrier::Query(text("name").to_owned()),
                ("apiKey", "cookie") => SchemeCarrier::Cookie(text("name").to_owned()),
                ("http", _) if text("scheme").eq_ignore_ascii_case("basic") => SchemeCarrier::Basic,
                ("http", _) => SchemeCarrier::Bearer,
                // OAuth 2.0 and OpenID Connect tokens travel as bearer tokens.
                _ => SchemeCarrier::Bearer,
            };
            let kind = self.profile.kind(name);
            let claims = match kind {
                CredentialKind::Jwt { claims } => {
                    let target = format!("#/components/schemas/{claims}");
                    if gamespec_codegen::refs::resolve(self.root, &target).is_none() {
                        return Err(self.invalid(format!(
                            "security scheme {name}: claims schema {claims} does not exist"
                        )));
                    }
                    Some(self.validator(Direction::Response, &json!({ "$ref": target }))?)
                }
                _ => None,
            };
            self.schemes.push(Scheme {
                name: name.clone(),
                carrier,
                kind,
                claims,
            });
        }
        Ok(())
    }

    fn operation(
        &mut self,
        op: &operations::Operation,
        global_security: Option<&Value>,
    ) -> Result<Operation, SpecError> {
        let root = self.root;
        let mut parameters: Vec<Parameter> = Vec::new();
        for (at, p) in op.all_parameters() {
            let p = deref(root, p);
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                other => {
                    return Err(self.invalid(format!("{at}: unknown parameter location {other:?}")));
                }
            };
            // Operation parameters come first and override path-item ones of the same name.
            if parameters
                .iter()
                .any(|q| q.location == location && q.name.eq_ignore_ascii_case(name))
            {
                continue;
            }
            let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
            let is_array = type_name(root, &schema) == Some("array");
            let style = p.get("style").and_then(Value::as_str);
            // OpenAPI's default: `form` style (query, cookie) explodes, `simple` (path, header)
            // does not.
            let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(
                matches!(location, ParamLocation::Query | ParamLocation::Cookie)
                    && style.is_none_or(|s| s == "form"),
            );
            let example = p
                .get("example")
                .or_else(|| deref(root, &schema).get("example"))
                .cloned();
            parameters.push(Parameter {
                name: name.to_owned(),
                location,
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false)
                    || location == ParamLocation::Path,
                validator: self.validator(Direction::Request, &schema)?,
                schema,
                is_array,
                explode,
                example,
                allow_empty: location == ParamLocation::Query
                    && p.get("allowEmptyValue") == Some(&Value::Bool(true)),
            });
        }

        let body = match op.value.get("requestBody") {
            Some(rb) => {
                let rb = deref(root, rb);
                let required = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
                let mut media = Vec::new();
                for (mt, m) in rb
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    media.push(self.media(Direction::Request, mt, m)?);
                }
                Some((required, media))
            }
            None => None,
        };

        let mut responses = Vec::new();
        for (code, r) in op
            .value
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // `default` and `2XX` ranges are not used in these specs; a mock never answers them.
            let Ok(status) = code.parse::<u16>() else {
                continue;
            };
            let r = deref(root, r);
            let content = match r
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().next())
            {
                Some((mt, m)) => Some(self.media(Direction::Response, mt, m)?),
                None => None,
            };
            let headers = r
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, h)| {
                    let h = deref(root, h);
                    let schema = h.get("schema").cloned().unwrap_or_else(|| json!({}));
                    let example = h
                        .get("example")
                        .or_else(|| deref(root, &schema).get("example"))
                        .cloned();
                    ResponseHeader {
                        name: name.clone(),
                        schema,
                        example,
                        required: h.get("required").and_then(Value::as_bool).unwrap_or(false),
                    }
                })
                .collect();
            responses.push(Response {
                status,
                content,
                headers,
            });
        }
        responses.sort_by_key(|r| r.status);

        let security = op
            .value
            .get("security")
            .or(global_security)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|req| {
                req.as_object()
                    .map(|m| m.keys().cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>();
        for name in security.iter().flatten() {
            if !self.schemes.iter().any(|s| &s.name == name) {
                return Err(self.invalid(format!(
                    "{}: security scheme {name} is not declared",
                    op.pointer()
                )));
            }
        }

        Ok(Operation {
            id: op.id.clone(),
            method: op.method.to_uppercase(),
            path: op.path.clone(),
            parameters,
            body,
            // An empty requirement object (`- {}`) means "no credential needed".
            security: if security.iter().any(Vec::is_empty) {
                Vec::new()
            } else {
                security
            },
            session_start: op.value.get("x-session-start") == Some(&Value::Bool(true)),
            responses,
        })
    }

    fn media(&mut self, dir: Direction, media_type: &str, m: &Value) -> Result<Media, SpecError> {
        let root = self.root;
        let m = deref(root, m);
        let schema = m.get("schema").cloned().unwrap_or_else(|| json!({}));
        let mut examples = Vec::new();
        if let Some(v) = m.get("example") {
            examples.push(Example {
                name: "example".into(),
                value: v.clone(),
            });
        }
        for (name, ex) in m
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = deref(root, ex).get("value") {
                examples.push(Example {
                    name: name.clone(),
                    value: v.clone(),
                });
            }
        }
        if let Some(v) = deref(root, &schema).get("example") {
            examples.push(Example {
                name: "schema".into(),
                value: v.clone(),
            });
        }
        let discriminator = match deref(root, &schema).get("discriminator") {
            Some(d) => {
                let property = d.get("propertyName").and_then(Value::as_str).unwrap_or("");
                let mut branches = Vec::new();
                for (value, target) in d
                    .get("mapping")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let branch = json!({ "$ref": target });
                    branches.push((value.clone(), self.validator(dir, &branch)?));
                }
                Some(Discriminator {
                    property: property.to_owned(),
                    branches,
                })
            }
            None => None,
        };
        Ok(Media {
            media_type: media_type.to_ascii_lowercase(),
            validator: self.validator(dir, &schema)?,
            schema,
            examples,
            discriminator,
        })
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

/// Documented statuses of an operation, for messages (`200, 400, 401`).
pub fn statuses(op: &Operation) -> String {
    op.responses
        .iter()
        .map(|r| r.status.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Example names of every response of an operation, by status (for `Prefer: example=`).
pub fn example_names(op: &Operation) -> BTreeMap<u16, Vec<String>> {
    op.responses
        .iter()
        .filter_map(|r| {
            let names: Vec<String> = r
                .content
                .as_ref()?
                .examples
                .iter()
                .map(|e| e.name.clone())
                .collect();
            (!names.is_empty()).then_some((r.status, names))
        })
        .collect()
}
