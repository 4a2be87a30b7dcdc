//! The generator view: a copy of a spec reshaped into what progenitor 0.15 can generate.
//!
//! The spec stays the truth about the API; this module derives a second document for the
//! generator alone and records every change as an [`Adaptation`], which `cargo xtask generate`
//! prints and writes to the client crate's `ADAPTATIONS.md`. The hand-written client layer covers
//! what is lost here (multipart uploads, alternative success bodies, redirects).
//!
//! The view is built by passes, one per file, each saying why progenitor needs it. The
//! operation passes (`OPERATION_PASSES`) run on one operation at a time, in document order;
//! then the document passes (`DOCUMENT_PASSES`) run once over the whole view. Both lists are in
//! the order the passes run, and the order matters: the document passes see the view the
//! operation passes left, and the schemas the operation passes create are added only after the
//! schema rewrites, which therefore leave them as they are.

use std::fmt;

use serde_json::{Map, Value};

use gamespec_spec::paths::{Operation, operations};
use gamespec_spec::pointer;

mod case_colliding_enums;
mod empty_paths;
mod error_union;
mod joined_lists;
mod media;
mod nullable_refs;
mod one_media_type;
mod one_success;
mod redirects;
mod scalar_choices;
mod secret_constraints;
mod unsendable_body;
mod unsendable_parameters;

#[cfg(test)]
mod test_spec;

pub use error_union::pascal_case;

/// One change the generator view makes to one operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Adaptation {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// `METHOD /path`.
    pub route: String,
    /// What was changed and why; the consequence for the client is stated with it.
    pub change: String,
}

impl fmt::Display for Adaptation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.operation_id, self.route, self.change)
    }
}

/// The document fed to progenitor, and how it differs from the spec.
#[derive(Debug, Clone)]
pub struct GeneratorView {
    /// The adapted document.
    pub value: Value,
    /// Every adaptation, sorted by operation.
    pub adaptations: Vec<Adaptation>,
}

/// A pass over one operation.
type OperationPass = fn(&mut OperationDraft<'_>);

/// A pass over the whole view.
type DocumentPass = fn(&mut Draft);

/// Every operation pass, in the order they run on each operation. `unsendable_body` comes first
/// so that an operation it leaves out is not reshaped (nor its adaptations listed) for nothing.
const OPERATION_PASSES: &[OperationPass] = &[
    unsendable_body::leave_out,
    one_media_type::keep_one,
    unsendable_parameters::leave_out,
    joined_lists::take_as_string,
    redirects::drop,
    one_success::keep_one,
    error_union::unify,
];

/// Every document pass, in the order they run, after the operation passes. The error unions are
/// added after the schema rewrites, which therefore do not reach into an error body that a union
/// holds inline; moving `error_union::add_schemas` up would change the view.
const DOCUMENT_PASSES: &[DocumentPass] = &[
    case_colliding_enums::to_strings,
    secret_constraints::strip,
    nullable_refs::to_nullable_all_of,
    scalar_choices::to_one_of,
    error_union::add_schemas,
    empty_paths::drop,
];

/// Derive the generator view of `spec`.
pub fn generator_view(spec: &Value) -> GeneratorView {
    let mut draft = Draft {
        value: spec.clone(),
        adaptations: Vec::new(),
        new_schemas: Map::new(),
    };
    for op in operations(spec) {
        adapt_operation(spec, &op, &mut draft);
    }
    for pass in DOCUMENT_PASSES {
        pass(&mut draft);
    }
    let Draft {
        value,
        mut adaptations,
        ..
    } = draft;
    adaptations.sort();
    GeneratorView { value, adaptations }
}

/// Run the operation passes on `op` until one leaves the operation out, then remove it.
fn adapt_operation(spec: &Value, op: &Operation, draft: &mut Draft) {
    let Some(node) = draft.value.pointer_mut(&op.pointer()) else {
        return;
    };
    let mut cx = OperationDraft {
        spec,
        op,
        node,
        new_schemas: &mut draft.new_schemas,
        notes: Notes {
            op,
            adaptations: &mut draft.adaptations,
        },
        left_out: false,
    };
    for pass in OPERATION_PASSES {
        pass(&mut cx);
        if cx.left_out {
            break;
        }
    }
    if cx.left_out
        && let Some(item) = draft
            .value
            .pointer_mut(&pointer::join(["paths", op.path.as_str()]))
            .and_then(Value::as_object_mut)
    {
        item.remove(&op.method);
    }
}

/// The view while the passes build it.
struct Draft {
    /// The adapted document so far.
    value: Value,
    /// The adaptations so far, unsorted.
    adaptations: Vec<Adaptation>,
    /// Schemas the operation passes create, for `components/schemas`.
    new_schemas: Map<String, Value>,
}

impl Draft {
    /// Record a change to the schemas of the whole document rather than to one operation.
    fn note_schemas(&mut self, change: String) {
        self.adaptations.push(Adaptation {
            operation_id: "(all)".to_owned(),
            route: "(schemas)".to_owned(),
            change,
        });
    }
}

/// What an operation pass works on.
struct OperationDraft<'a> {
    /// The spec as written, which `$ref`s are resolved against.
    spec: &'a Value,
    /// The operation as the spec writes it.
    op: &'a Operation,
    /// The operation's node in the view, which the pass reshapes.
    node: &'a mut Value,
    /// Schemas to add to `components/schemas` (see [`error_union::add_schemas`]).
    new_schemas: &'a mut Map<String, Value>,
    /// Where the pass records its changes.
    notes: Notes<'a>,
    /// Set by [`OperationDraft::leave_out`]; no later pass runs on the operation.
    left_out: bool,
}

impl OperationDraft<'_> {
    /// Leave the operation out of the view.
    fn leave_out(&mut self) {
        self.left_out = true;
    }
}

/// The adaptations of one operation. A field of its own beside the operation's node, so that a
/// pass can record a change while it holds part of the node.
struct Notes<'a> {
    op: &'a Operation,
    adaptations: &'a mut Vec<Adaptation>,
}

impl Notes<'_> {
    /// Record a change to the operation.
    fn add(&mut self, change: String) {
        self.adaptations.push(Adaptation {
            operation_id: self.op.id.clone(),
            route: self.op.route(),
            change,
        });
    }
}
