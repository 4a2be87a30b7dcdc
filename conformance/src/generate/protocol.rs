//! The protocol phase: from one valid case of an operation, requests that probe the protocol
//! rather than the schemas: no credentials, forged credentials, a required header left out, and
//! (once per path) a method the path does not declare.

use crate::case::{Auth, Case, Intent, Phase};
use gamespec_spec::spec::{Operation, ParamLocation, Spec};

/// Methods tried for [`Intent::UndeclaredMethod`], in order.
const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

/// The protocol cases of `op` derived from the valid case `base`; the undeclared-method probe of
/// the path comes from its first operation that `selected` accepts.
pub fn cases(
    spec: &Spec,
    op: &Operation,
    base: &Case,
    selected: &dyn Fn(&Operation) -> bool,
) -> Vec<Case> {
    let derive = |intent: Intent| {
        let mut case = base.clone();
        case.phase = Phase::Protocol;
        case.intent = intent;
        case.auth = Auth::Configured;
        case
    };
    let mut out = Vec::new();
    // `Operation::security` is empty for open operations (an empty requirement set included).
    if op.security.iter().any(|set| !set.is_empty()) {
        let mut missing = derive(Intent::MissingCredentials);
        missing.auth = Auth::Missing;
        out.push(missing);
        let mut forged = derive(Intent::InvalidCredentials);
        forged.auth = Auth::Forged;
        out.push(forged);
    }
    for p in &op.parameters {
        if p.location == ParamLocation::Header && p.required {
            let mut case = derive(Intent::MissingHeader {
                name: p.name.clone(),
            });
            case.headers.retain(|k, _| !k.eq_ignore_ascii_case(&p.name));
            out.push(case);
        }
    }
    let on_path: Vec<&Operation> = spec
        .operations
        .iter()
        .filter(|o| o.path == op.path)
        .collect();
    // One case per path: the path's first selected operation makes it.
    if on_path
        .iter()
        .find(|o| selected(o))
        .is_some_and(|first| first.id == op.id)
    {
        let allowed: Vec<String> = on_path.iter().map(|o| o.method.to_uppercase()).collect();
        if let Some(method) = METHODS.iter().find(|m| !allowed.iter().any(|a| a == *m)) {
            let mut case = derive(Intent::UndeclaredMethod { allowed });
            case.method = (*method).to_owned();
            if *method == "GET" {
                // A GET with a body is legal but unusual enough to confuse the answer.
                case.body = None;
            }
            out.push(case);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Case;
    use gamespec_spec::registry::Profile;
    use serde_json::json;

    #[test]
    fn undeclared_method_is_the_first_free_one_once_per_path() {
        let ok = json!({"200": {"description": "ok"}});
        let root = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "x-key"}}},
        "paths": {"/a": {
            "get": {"operationId": "getA", "responses": ok, "security": [{"key": []}],
                "parameters": [{"name": "X-V", "in": "header", "required": true, "schema": {"type": "string"}}]},
            "put": {"operationId": "putA", "responses": ok, "security": []}
        }}});
        let spec = Spec::from_value("t.yaml".into(), root, Profile::generic()).unwrap();
        let get = spec.operation("getA").unwrap();
        let mut base = Case::new(get, Phase::Examples, Intent::Valid);
        base.headers.insert("X-V".into(), json!("1"));
        let cases = cases(&spec, get, &base, &|_| true);
        let intents: Vec<&Intent> = cases.iter().map(|c| &c.intent).collect();
        assert_eq!(
            intents,
            [
                &Intent::MissingCredentials,
                &Intent::InvalidCredentials,
                &Intent::MissingHeader { name: "X-V".into() },
                &Intent::UndeclaredMethod {
                    allowed: vec!["GET".into(), "PUT".into()]
                },
            ]
        );
        assert_eq!(cases[0].auth, Auth::Missing);
        assert_eq!(cases[1].auth, Auth::Forged);
        assert!(cases[2].headers.is_empty());
        assert_eq!(cases[3].method, "POST");
        let put = spec.operation("putA").unwrap();
        let put_case = Case::new(put, Phase::Examples, Intent::Valid);
        assert!(super::cases(&spec, put, &put_case, &|_| true).is_empty());
        // A run that selects only the path's second operation still probes the path, once.
        let only_put = |o: &Operation| o.id == "putA";
        let probes = super::cases(&spec, put, &put_case, &only_put);
        assert!(matches!(
            probes.as_slice(),
            [Case {
                intent: Intent::UndeclaredMethod { .. },
                ..
            }]
        ));
    }
}
