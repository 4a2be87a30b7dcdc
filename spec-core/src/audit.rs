//! The audit record of an API: per operation, which vendor sources were checked, when, and what
//! they showed (`spec/inventory/audit/<api>.tsv`, named by the registry key `audit`).
//!
//! Format: TSV with the header `operation_id<TAB>checked_on<TAB>source<TAB>finding`; lines
//! starting with `#` are comments. A finding is `agrees`, `fixed: …`, `differs: …` or
//! `not found: …` (the text after the colon says what changed, why the spec keeps its version,
//! or what was searched).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::paths::operations;

/// The header line every audit file starts with.
pub const HEADER: &str = "operation_id\tchecked_on\tsource\tfinding";

/// What one checked source showed about an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The source agrees with the spec.
    Agrees,
    /// The spec was corrected; the text says what changed.
    Fixed(String),
    /// The source differs and the spec keeps its version; the text says why.
    Differs(String),
    /// The source has nothing on the operation; the text says what was searched.
    NotFound(String),
}

impl Finding {
    /// Read a finding cell; `None` when it uses none of the allowed forms or leaves the
    /// explanation empty.
    pub fn parse(cell: &str) -> Option<Self> {
        if cell == "agrees" {
            return Some(Self::Agrees);
        }
        let (prefix, text) = cell.split_once(':')?;
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let text = text.to_owned();
        match prefix {
            "fixed" => Some(Self::Fixed(text)),
            "differs" => Some(Self::Differs(text)),
            "not found" => Some(Self::NotFound(text)),
            _ => None,
        }
    }
}

/// One audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the file.
    pub line: usize,
    /// The operation the row is about.
    pub operation_id: String,
    /// The ISO date (`YYYY-MM-DD`) the source was read.
    pub checked_on: String,
    /// What was read: a URL or `repo@ref:path`.
    pub source: String,
    /// What it showed.
    pub finding: Finding,
}

/// Why an audit file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The first line is not [`HEADER`].
    #[error("line 1: expected the header `{HEADER}`")]
    Header,
    /// A row does not have four tab-separated cells.
    #[error("line {line}: expected 4 tab-separated columns, found {found}")]
    Columns {
        /// 1-based line.
        line: usize,
        /// How many cells it has.
        found: usize,
    },
    /// `checked_on` is not an ISO date.
    #[error("line {line}: `{value}` is not an ISO date (YYYY-MM-DD)")]
    Date {
        /// 1-based line.
        line: usize,
        /// The cell.
        value: String,
    },
    /// The source cell is empty.
    #[error("line {line}: the source is empty")]
    Source {
        /// 1-based line.
        line: usize,
    },
    /// The finding uses none of the allowed prefixes.
    #[error(
        "line {line}: finding `{value}` is not `agrees`, `fixed: …`, `differs: …` or `not found: …`"
    )]
    Finding {
        /// 1-based line.
        line: usize,
        /// The cell.
        value: String,
    },
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && matches!(s[5..7].parse::<u8>(), Ok(1..=12))
        && matches!(s[8..10].parse::<u8>(), Ok(1..=31))
}

/// Parse audit text; the first problem found is the error, naming its line.
pub fn parse(text: &str) -> Result<Vec<Row>, AuditError> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .by_ref()
        .find(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    if header.map(|(_, l)| l) != Some(HEADER) {
        return Err(AuditError::Header);
    }
    lines
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let line = i + 1;
            let cells: Vec<&str> = l.split('\t').collect();
            let [operation_id, checked_on, source, finding] = cells.as_slice() else {
                return Err(AuditError::Columns {
                    line,
                    found: cells.len(),
                });
            };
            if !is_iso_date(checked_on) {
                return Err(AuditError::Date {
                    line,
                    value: (*checked_on).to_owned(),
                });
            }
            if source.trim().is_empty() {
                return Err(AuditError::Source { line });
            }
            let finding = Finding::parse(finding).ok_or_else(|| AuditError::Finding {
                line,
                value: (*finding).to_owned(),
            })?;
            Ok(Row {
                line,
                operation_id: (*operation_id).to_owned(),
                checked_on: (*checked_on).to_owned(),
                source: (*source).to_owned(),
                finding,
            })
        })
        .collect()
}

/// Every way the record and the spec disagree: a row naming an operation the spec does not
/// have, and an operation without a row.
pub fn check(spec: &Value, rows: &[Row]) -> Vec<String> {
    let ops = operations(spec);
    let ids: BTreeSet<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let mut problems: Vec<String> = rows
        .iter()
        .filter(|r| !ids.contains(r.operation_id.as_str()))
        .map(|r| {
            format!(
                "line {}: operation `{}` is not in the spec",
                r.line, r.operation_id
            )
        })
        .collect();
    let audited: BTreeSet<&str> = rows.iter().map(|r| r.operation_id.as_str()).collect();
    problems.extend(
        ops.iter()
            .filter(|o| !audited.contains(o.id.as_str()))
            .map(|o| format!("operation {} ({}) has no audit row", o.id, o.route())),
    );
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(rows: &str) -> String {
        format!("# comment\n{HEADER}\n{rows}")
    }

    #[test]
    fn findings_use_the_allowed_forms() {
        assert_eq!(Finding::parse("agrees"), Some(Finding::Agrees));
        assert_eq!(
            Finding::parse("fixed: x nullable"),
            Some(Finding::Fixed("x nullable".into()))
        );
        assert_eq!(
            Finding::parse("not found: searched y"),
            Some(Finding::NotFound("searched y".into()))
        );
        assert_eq!(Finding::parse("differs:"), None);
        assert_eq!(Finding::parse("ok"), None);
        assert_eq!(Finding::parse("maybe: z"), None);
    }

    #[test]
    fn rows_parse_and_bad_cells_name_their_line() {
        let rows = parse(&text("getA\t2026-12-06\trepo@v1:f.cs\tagrees\n")).unwrap();
        assert_eq!(rows[0].line, 3);
        assert_eq!(rows[0].finding, Finding::Agrees);
        assert_eq!(parse("x\n"), Err(AuditError::Header));
        assert!(matches!(
            parse(&text("getA\t06/12/2026\ts\tagrees\n")),
            Err(AuditError::Date { line: 3, .. })
        ));
        assert!(matches!(
            parse(&text("getA\t2026-12-06\ts\tfine\n")),
            Err(AuditError::Finding { line: 3, .. })
        ));
        assert!(matches!(
            parse(&text("getA\t2026-12-06\n")),
            Err(AuditError::Columns { found: 2, .. })
        ));
    }

    #[test]
    fn unknown_and_unaudited_operations_are_reported() {
        let spec = json!({"paths": {"/a": {"get": {"operationId": "getA"}, "post": {"operationId": "makeA"}}}});
        let rows = parse(&text(
            "getA\t2026-12-06\ts\tagrees\ngone\t2026-12-06\ts\tagrees\n",
        ))
        .unwrap();
        let p = check(&spec, &rows);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("`gone` is not in the spec"));
        assert!(p[1].contains("makeA (POST /a) has no audit row"));
    }
}
