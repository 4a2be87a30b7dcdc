//! Writing the dispatch source from a [`Plan`]: the tables, `call`, `roundtrip` and one function
//! per operation that sets each present argument through its typed setter.

use std::fmt::Write as _;

use super::plan::{Location, Param, Plan, PlannedOp};

/// The crate path of the shared runtime the generated file calls (`client-support`), so the
/// generated file holds only what depends on the spec.
const RUNTIME: &str = "::gamespec_dispatch_support";

/// The unformatted module source (without the generated-file header).
pub fn source(plan: &Plan) -> String {
    let mut out = String::from(MODULE_DOCS);
    imports(&mut out, plan);
    tables(&mut out, plan);
    call(&mut out, plan);
    roundtrip(&mut out, plan);
    out.push_str("\n/// One function per operation: check the arguments, set them, send.\nmod operations {\n    use super::*;\n");
    let helpers = operation_helpers(plan);
    if !helpers.is_empty() {
        let _ = writeln!(out, "    use {RUNTIME}::{{{}}};", helpers.join(", "));
    }
    for op in &plan.ops {
        operation(&mut out, op);
    }
    out.push_str("}\n");
    out
}

const MODULE_DOCS: &str = r#"
//! Calling any generated operation of the client by its operationId, with JSON arguments (test
//! tooling: this crate, not the client crate, holds it).
//!
//! Test tools drive the client with it from data rather than code: [`call`] sets each argument
//! through the operation's typed builder setter (the exact type the setter takes, read from the
//! generated code) and sends the request through the same hooks as a hand-written call, so
//! credentials are attached as usual. [`roundtrip`] passes a JSON value through the generated type
//! of a component schema. Operations the generator leaves out are listed in [`HAND_WRITTEN`] and
//! have hand-written methods on the client.
"#;

/// The top of the module: the runtime's public types re-exported (callers name them through the
/// client), and what `roundtrip` and the operation functions use.
fn imports(out: &mut String, plan: &Plan) {
    out.push_str("\nuse serde_json::Value;\n\n#[allow(unused_imports)]\nuse crate::types;\n");
    let _ = writeln!(out, "\npub use {RUNTIME}::{{Args, Called, DispatchError}};");
    if !plan.typed.is_empty() {
        let _ = writeln!(out, "use {RUNTIME}::roundtrip_as;");
    }
}

/// The runtime helpers the operation functions call, only those used (an unused import would be
/// a warning in the client crate).
fn operation_helpers(plan: &Plan) -> Vec<&'static str> {
    let params = || plan.ops.iter().flat_map(|op| &op.params);
    let mut used = Vec::new();
    if params().next().is_some() {
        used.push("Place");
    }
    if !plan.ops.is_empty() {
        used.push("Shape");
    }
    if params().any(|p| !p.joined) || plan.ops.iter().any(|op| op.body.is_some()) {
        used.push("arg");
    }
    if !plan.ops.is_empty() {
        used.push("finish");
    }
    if params().any(|p| p.joined) {
        used.push("joined");
    }
    used
}

fn str_list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|s| format!("{:?}", s.as_ref()))
        .collect();
    format!("&[{}]", quoted.join(", "))
}

fn tables(out: &mut String, plan: &Plan) {
    let untyped = if plan.untyped.is_empty() {
        "Every component schema of the spec has one.".to_owned()
    } else {
        let listed: Vec<String> = plan
            .untyped
            .iter()
            .map(|(name, why)| format!("`{name}` ({why})"))
            .collect();
        format!("Without a generated type: {}.", listed.join(", "))
    };
    let _ = write!(
        out,
        r#"
/// The operationIds [`call`] can call: every operation of the spec the generator keeps, in spec
/// order.
pub const OPERATIONS: &[&str] = {ops};

/// The operations of the spec the generator leaves out (see `ADAPTATIONS.md`); the client crate
/// implements them by hand and [`call`] answers [`DispatchError::UnknownOperation`] for them.
pub const HAND_WRITTEN: &[&str] = {hand};

/// The component schemas [`roundtrip`] handles: those with a generated type, in spec order.
///
/// {untyped}
pub const SCHEMAS: &[&str] = {schemas};
"#,
        ops = str_list(plan.ops.iter().map(|o| &o.id)),
        hand = str_list(&plan.hand_written),
        schemas = str_list(plan.typed.iter().map(|t| &t.name)),
        untyped = untyped.replace('\n', " "),
    );
}

fn call(out: &mut String, plan: &Plan) {
    out.push_str(
        r#"
/// Call the operation `operation_id` of `client` with `args`.
///
/// Each present argument is converted to the type of its builder setter (a conversion failure is
/// [`DispatchError::Argument`], naming it); arguments the operation does not declare are refused
/// the same way. A documented success answer is [`Called`]; anything else the client reports,
/// [`DispatchError::Client`]. Never panics, whatever the arguments or the answer.
pub async fn call(
    client: &crate::Client,
    operation_id: &str,
    args: &Args,
) -> Result<Called, DispatchError> {
    match operation_id {
"#,
    );
    for op in &plan.ops {
        let _ = writeln!(
            out,
            "        {:?} => operations::{}(client, args).await,",
            op.id, op.method
        );
    }
    out.push_str(
        "        _ => Err(DispatchError::UnknownOperation(operation_id.to_owned())),\n    }\n}\n",
    );
}

fn roundtrip(out: &mut String, plan: &Plan) {
    out.push_str(
        r#"
/// Deserialize `value` into the generated type of the component schema `schema` and serialize
/// it back; `None` when the schema has no generated type (see [`SCHEMAS`]).
pub fn roundtrip(schema: &str, value: Value) -> Option<Result<Value, String>> {
    Some(match schema {
"#,
    );
    for t in &plan.typed {
        let _ = writeln!(
            out,
            "        {:?} => roundtrip_as::<types::{}>(value),",
            t.name, t.type_name
        );
    }
    out.push_str("        _ => return None,\n    })\n}\n");
}

fn operation(out: &mut String, op: &PlannedOp) {
    let names = |at: Location| {
        str_list(
            op.params
                .iter()
                .filter(|p| p.location == at)
                .map(|p| &p.name),
        )
    };
    let mutable = if op.params.is_empty() && op.body.is_none() {
        ""
    } else {
        "mut "
    };
    let _ = write!(
        out,
        r#"
    /// `{id}`.
    pub(super) async fn {method}(client: &crate::Client, args: &Args) -> Result<Called, DispatchError> {{
        args.check(&Shape {{
            operation: {id:?},
            path: {path},
            query: {query},
            header: {header},
            body: {body},
            left_out: {left_out},
        }})?;
        let {mutable}builder = client.{method}();
"#,
        id = op.id,
        method = op.method,
        path = names(Location::Path),
        query = names(Location::Query),
        header = names(Location::Header),
        body = op.body.is_some(),
        left_out = str_list(&op.left_out),
    );
    for p in &op.params {
        parameter(out, p);
    }
    if let Some(target) = &op.body {
        let _ = write!(
            out,
            r#"
        if let Some(value) = &args.body {{
            builder = builder.body(arg::<{target}>("body", value)?);
        }}
"#
        );
    }
    out.push_str("        finish(builder.send().await)\n    }\n");
}

fn parameter(out: &mut String, p: &Param) {
    let place = match p.location {
        Location::Path => "Place::Path",
        Location::Query => "Place::Query",
        Location::Header => "Place::Header",
    };
    let convert = if p.joined { "joined" } else { "arg" };
    let _ = write!(
        out,
        r#"
        if let Some(value) = args.get({place}, {name:?}) {{
            builder = builder.{setter}({convert}::<{target}>({full:?}, value)?);
        }}
"#,
        name = p.name,
        setter = p.setter.name,
        target = p.setter.target,
        full = format!("{}/{}", p.location.as_str(), p.name),
    );
}
