//! The inventories against the specs (both directions) and against the vendor reference lists in
//! `../shared/reference` (every documented and SDK-only call, every JWT claim).

use std::collections::BTreeSet;
use std::path::PathBuf;

use gamespec_codegen::api::{APIS, Api, workspace_root};
use gamespec_codegen::inventory::{Row, check, parse};
use gamespec_codegen::load::load;

fn rows(api: &Api) -> Vec<Row> {
    let text =
        std::fs::read_to_string(workspace_root().join(api.inventory)).expect("inventory exists");
    parse(&text).expect("inventory parses")
}

fn reference(file: &str) -> Vec<Vec<String>> {
    let path: PathBuf = workspace_root().join("../shared/reference").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the shared/ folder sits beside the checkout)",
            path.display()
        )
    });
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn every_inventory_row_maps_to_the_spec_and_back() {
    for api in APIS {
        let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
        let problems = check(&doc.value, &rows(api));
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            api.inventory,
            problems.join("\n")
        );
    }
}

/// Path templates compare by shape: parameter names differ between sources.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// What a vendor reference row says about a call. Rows that only guess (`(guess)`, `?`) still
/// name the call; they pin the method and path only where they are plain.
struct Call {
    name: String,
    method: Option<String>,
    path: Option<String>,
}

fn plain(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches("(guess)").trim();
    let ok = !t.is_empty() && !t.contains(['?', '(', ' ']);
    ok.then(|| t.to_owned())
}

fn reference_calls(file: &str) -> Vec<Call> {
    reference(file)
        .into_iter()
        .flat_map(|cols| {
            let (name, method, path) = (cols[0].clone(), cols[1].clone(), cols[2].clone());
            method
                .split('|')
                .map(|m| Call {
                    name: name.clone(),
                    method: m.split_whitespace().next().and_then(plain),
                    path: plain(&path).map(|p| shape(&p)),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn assert_covers(api_name: &str, file: &str, expected_rows: usize) {
    let api = Api::named(api_name).unwrap_or_else(|| panic!("{api_name} is registered"));
    let inventory: Vec<Row> = rows(api).into_iter().filter(|r| !r.is_claims()).collect();
    let calls = reference_calls(file);
    let mut missing = Vec::new();
    for call in &calls {
        let found = inventory.iter().any(|r| {
            r.name == call.name
                && call.method.as_ref().is_none_or(|m| *m == r.method)
                && call.path.as_ref().is_none_or(|p| *p == shape(&r.path))
        });
        if !found {
            missing.push(format!("{} {:?} {:?}", call.name, call.method, call.path));
        }
    }
    assert!(
        missing.is_empty(),
        "{file} calls without a matching inventory row:\n{}",
        missing.join("\n")
    );
    let names: BTreeSet<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    let extra: Vec<&Row> = inventory
        .iter()
        .filter(|r| !names.contains(r.name.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "inventory rows that {file} does not list: {extra:#?}"
    );
    assert_eq!(reference(file).len(), expected_rows, "{file} changed size");
}

#[test]
fn lootlocker_inventory_covers_every_documented_and_sdk_only_call() {
    assert_covers("lootlocker", "lootlocker-endpoints.tsv", 247);
}

#[test]
fn xsolla_inventory_covers_every_core_and_t2_call() {
    assert_covers("xsolla", "xsolla-login-endpoints.tsv", 118);
}

#[test]
fn xsolla_claim_schemas_hold_every_claim_with_its_requiredness() {
    let api = Api::named("xsolla").expect("registered");
    let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
    let tables: Vec<Row> = rows(api).into_iter().filter(Row::is_claims).collect();
    let mut problems = Vec::new();
    for claim in reference("xsolla-jwt-claims.tsv") {
        let (table, required) = (&claim[0], claim[3].trim());
        // A row may list several claims at once: `exp / iat / iss`.
        for name in claim[1].split('/').map(str::trim) {
            let Some(row) = tables.iter().find(|r| r.name == format!("claims: {table}")) else {
                problems.push(format!("claim table {table:?} has no inventory row"));
                continue;
            };
            let schema = &doc.value["components"]["schemas"][&row.target];
            if schema["properties"].get(name).is_none() {
                problems.push(format!("{}: claim `{name}` missing", row.target));
                continue;
            }
            let is_required = schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|v| v == name));
            let expected = match required {
                "yes" | "required" => Some(true),
                "no" => Some(false),
                _ => None, // the reference does not know; the spec's description says what was chosen
            };
            if expected.is_some_and(|e| e != is_required) {
                problems.push(format!(
                    "{}: claim `{name}` required={is_required}, reference says {required}",
                    row.target
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let schemas: BTreeSet<&str> = tables.iter().map(|r| r.target.as_str()).collect();
    assert!(
        schemas.len() >= 7,
        "expected the 7 claim schemas of the seed, found {schemas:?}"
    );
}
