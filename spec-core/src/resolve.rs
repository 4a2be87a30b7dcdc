//! Resolving a parsed document into the operation model: parameters (path-item and operation
//! level), bodies, responses, security, with every validator compiled once.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Value, json};

use crate::operation::{
    Discriminator, Example, Media, Operation, ParamLocation, Parameter, Response, ResponseHeader,
    essence,
};
use crate::paths;
use crate::registry::{CredentialKind, Profile};
use crate::schema::Direction;
use crate::security::{self, Scheme};
use crate::shape::{deref, type_name};
use crate::spec::SpecError;

pub(crate) struct Builder<'a> {
    root: &'a Value,
    path: &'a Path,
    profile: &'a Profile,
    cache: HashMap<(Direction, String), Arc<Validator>>,
    schemes: Vec<Scheme>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(root: &'a Value, path: &'a Path, profile: &'a Profile) -> Self {
        Builder {
            root,
            path,
            profile,
            cache: HashMap::new(),
            schemes: Vec::new(),
        }
    }

    pub(crate) fn into_schemes(self) -> Vec<Scheme> {
        self.schemes
    }

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
        let compiled = crate::schema::compile(self.root, dir, schema)
            .map_err(|e| self.invalid(format!("schema {schema} does not compile: {e}")))?;
        let compiled = Arc::new(compiled);
        self.cache.insert(key, compiled.clone());
        Ok(compiled)
    }

    pub(crate) fn build(&mut self) -> Result<(Vec<Operation>, Option<Response>), SpecError> {
        self.schemes()?;
        let global_security = self.root.get("security");
        let mut ops = Vec::new();
        for op in paths::operations(self.root) {
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
            let carrier = security::carrier(&scheme);
            let kind = self.profile.kind(name);
            let claims = match &kind {
                CredentialKind::Jwt { claims } => {
                    let target = format!("#/components/schemas/{claims}");
                    if crate::refs::resolve(self.root, &target).is_none() {
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
        op: &paths::Operation,
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
            let listed = r.get("content").and_then(Value::as_object);
            let content = match listed.and_then(|c| c.iter().next()) {
                Some((mt, m)) => Some(self.media(Direction::Response, mt, m)?),
                None => None,
            };
            let media_types = listed
                .into_iter()
                .flat_map(|c| c.keys())
                .map(|mt| essence(mt))
                .collect();
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
                media_types,
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
