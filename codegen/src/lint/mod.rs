//! The project's spec rules. Each rule has a stable code, one concern, and its own tests; a
//! finding names the rule, the operation (where there is one), the JSON pointer and the line.

use std::fmt;

use gamespec_spec::load::Document;
use gamespec_spec::paths::{Operation, operations};
use gamespec_spec::schema::{Direction, SchemaSet};

mod description;
mod examples;
mod generator_probe;
mod nullable;
mod operation_id;
mod path_unique;
mod refs;
mod schema_keywords;
mod schema_values;
mod security;
mod summary;
mod tags;
mod unused;

#[cfg(test)]
pub(crate) mod test_spec;

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable rule code, e.g. `GS003`.
    pub code: &'static str,
    /// Rule name, e.g. `tag`.
    pub rule: &'static str,
    /// `operationId (METHOD /path)` when the finding is about an operation.
    pub operation: Option<String>,
    /// JSON pointer of the offending node.
    pub pointer: String,
    /// 1-based line of that node in the spec file.
    pub line: usize,
    /// What is wrong, and what would fix it.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: ", self.code, self.rule)?;
        if let Some(op) = &self.operation {
            write!(f, "operation {op}: ")?;
        }
        write!(f, "{} (at {})", self.message, self.pointer)
    }
}

/// A spec rule.
pub trait Rule: Sync {
    /// Stable code, `GS` and three digits.
    fn code(&self) -> &'static str;
    /// Short kebab-case name.
    fn name(&self) -> &'static str;
    /// What the rule asks of a spec, one sentence.
    fn summary(&self) -> &'static str;
    /// Add this rule's findings for `ctx` to `out`.
    fn check(&self, ctx: &Context<'_>, out: &mut Reporter<'_>);
}

/// Every rule, in code order.
pub fn rules() -> Vec<&'static dyn Rule> {
    vec![
        &operation_id::OperationId,
        &summary::Summary,
        &tags::Tags,
        &description::Description,
        &refs::RefsResolve,
        &examples::ExamplesValid,
        &examples::ExamplesPresent,
        &security::Security,
        &unused::UnusedComponents,
        &generator_probe::GeneratorProbe,
        &nullable::NullableType,
        &path_unique::PathUnique,
        &schema_values::DefaultValid,
        &schema_values::EnumType,
        &schema_keywords::RequiredDeclared,
        &schema_keywords::KeywordType,
    ]
}

/// What a rule can look at.
pub struct Context<'a> {
    /// The loaded spec.
    pub doc: &'a Document,
    /// Its operations.
    pub operations: Vec<Operation>,
    /// Component schemas as JSON Schema, request side.
    pub request_schemas: SchemaSet,
    /// Component schemas as JSON Schema, response side.
    pub response_schemas: SchemaSet,
}

impl Context<'_> {
    /// The operation whose object holds the node at `pointer`, if any.
    pub fn operation_at(&self, pointer: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| {
            let p = o.pointer();
            pointer.starts_with(&p) && pointer[p.len()..].starts_with('/')
        })
    }
}

/// Collects findings for one rule, filling in code, name and line.
pub struct Reporter<'a> {
    rule: &'a dyn Rule,
    doc: &'a Document,
    findings: Vec<Finding>,
}

impl Reporter<'_> {
    /// Report a problem at `pointer`, about `op` if given.
    pub fn report(&mut self, op: Option<&Operation>, pointer: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            code: self.rule.code(),
            rule: self.rule.name(),
            operation: op.map(|o| {
                if o.has_id() {
                    format!("{} ({})", o.id, o.route())
                } else {
                    o.route()
                }
            }),
            pointer: pointer.to_owned(),
            line: self.doc.position(pointer).line,
            message: message.into(),
        });
    }
}

/// Run every rule over `doc`; findings are sorted by line.
pub fn lint(doc: &Document) -> Vec<Finding> {
    run(doc, &rules())
}

/// Run the given rules over `doc`.
pub fn run(doc: &Document, rules: &[&dyn Rule]) -> Vec<Finding> {
    let ctx = Context {
        doc,
        operations: operations(&doc.value),
        request_schemas: SchemaSet::new(&doc.value, Direction::Request),
        response_schemas: SchemaSet::new(&doc.value, Direction::Response),
    };
    let mut all = Vec::new();
    for rule in rules {
        let mut reporter = Reporter {
            rule: *rule,
            doc,
            findings: Vec::new(),
        };
        rule.check(&ctx, &mut reporter);
        all.extend(reporter.findings);
    }
    all.sort_by(|a, b| (a.line, a.code).cmp(&(b.line, b.code)));
    all
}
