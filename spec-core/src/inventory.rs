//! The traceability inventory of an API: every vendor docs name (and every SDK-only call, and
//! for Xsolla every JWT claim table) mapped to the operation or schema that implements it.
//!
//! Format: TSV without a header, `name<TAB>METHOD<TAB>/path<TAB>operationId`; claim tables are
//! `claims: <table><TAB>-<TAB>-<TAB><SchemaName>`. Several names may map to one operation (a
//! `oneOf` operation merging documented calls that share a method and path).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::paths::operations;

/// One inventory row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the inventory file.
    pub line: usize,
    /// The vendor's name for the call (or `claims: <table>`).
    pub name: String,
    /// Upper-case HTTP method, or `-` for a claim table.
    pub method: String,
    /// Path template, or `-` for a claim table.
    pub path: String,
    /// The operationId (or schema name for a claim table) that implements it.
    pub target: String,
}

impl Row {
    /// Whether the row maps a JWT claim table to a schema.
    pub fn is_claims(&self) -> bool {
        self.name.starts_with("claims: ")
    }
}

/// A line of inventory text that is not a row.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: expected 4 tab-separated columns, found {found}")]
pub struct InventoryError {
    /// 1-based line number.
    pub line: usize,
    /// How many columns the line has.
    pub found: usize,
}

/// Parse inventory text; an error names the line.
pub fn parse(text: &str) -> Result<Vec<Row>, InventoryError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(
            |(i, l)| match l.split('\t').collect::<Vec<_>>().as_slice() {
                [name, method, path, target] => Ok(Row {
                    line: i + 1,
                    name: (*name).to_owned(),
                    method: (*method).to_owned(),
                    path: (*path).to_owned(),
                    target: (*target).to_owned(),
                }),
                cols => Err(InventoryError {
                    line: i + 1,
                    found: cols.len(),
                }),
            },
        )
        .collect()
}

/// Every way the inventory and the spec disagree: a row whose operation (method, path and
/// operationId) or claims schema is missing, and an operation no row names.
pub fn check(spec: &Value, rows: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    let ops = operations(spec);
    let mut covered = BTreeSet::new();
    for row in rows {
        if row.is_claims() {
            let schema = spec.pointer(&format!("/components/schemas/{}", row.target));
            if schema.and_then(|s| s.get("x-jwt-claims")) != Some(&Value::Bool(true)) {
                problems.push(format!(
                    "line {}: {:?} maps to schema `{}`, which is missing or not marked x-jwt-claims",
                    row.line, row.name, row.target
                ));
            }
            continue;
        }
        match ops
            .iter()
            .find(|o| o.method.eq_ignore_ascii_case(&row.method) && o.path == row.path)
        {
            Some(op) if op.id == row.target => {
                covered.insert(op.id.clone());
            }
            Some(op) => problems.push(format!(
                "line {}: {:?} names operationId `{}`, but {} {} is `{}`",
                row.line, row.name, row.target, row.method, row.path, op.id
            )),
            None => problems.push(format!(
                "line {}: {:?} maps to {} {}, which the spec does not have",
                row.line, row.name, row.method, row.path
            )),
        }
    }
    for op in &ops {
        if !covered.contains(&op.id) {
            problems.push(format!(
                "operation {} ({}) has no inventory row",
                op.id,
                op.route()
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({"paths": {"/a": {"get": {"operationId": "getA"}, "post": {"operationId": "makeA"}}},
               "components": {"schemas": {"Claims": {"x-jwt-claims": true}}}})
    }

    #[test]
    fn complete_inventory_passes() {
        let rows = parse("Get A\tGET\t/a\tgetA\nMake A\tPOST\t/a\tmakeA\nMake A again\tPOST\t/a\tmakeA\nclaims: t\t-\t-\tClaims\n").unwrap();
        assert_eq!(check(&spec(), &rows), Vec::<String>::new());
    }

    #[test]
    fn both_directions_are_reported() {
        let rows = parse("Get A\tGET\t/a\tgetA\nGone\tDELETE\t/a\tdropA\nclaims: t\t-\t-\tNope\n")
            .unwrap();
        let p = check(&spec(), &rows);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("DELETE /a, which the spec does not have"));
        assert!(p[1].contains("schema `Nope`"));
        assert!(p[2].contains("operation makeA (POST /a) has no inventory row"));
    }

    #[test]
    fn wrong_operation_id_and_bad_line_are_reported() {
        let p = check(&spec(), &parse("Get A\tGET\t/a\tfetchA\n").unwrap());
        assert!(p[0].contains("but GET /a is `getA`"), "{p:?}");
        assert_eq!(parse("only\ttwo\n").unwrap_err().line, 1);
    }
}
