//! The inventories against the specs (both directions) and against the vendor reference lists
//! the registry names (`spec/inventory/vendor/`: every documented and SDK-only call with its
//! source, every JWT claim).

use std::collections::BTreeSet;

use gamespec_spec::inventory::{Row, check, parse};
use gamespec_spec::load::load;
use gamespec_spec::registry::{Api, apis, workspace_root};

fn rows(api: &Api) -> Vec<Row> {
    let Some(file) = api.inventory_file() else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(workspace_root().join(file)).expect("inventory exists");
    parse(&text).expect("inventory parses")
}

/// The vendor lists of `kind` of every API that has one.
fn vendor_lists(kind: &str) -> Vec<(&'static Api, String)> {
    apis()
        .iter()
        .flat_map(|api| {
            api.vendor
                .iter()
                .filter(move |v| v.kind == kind)
                .map(move |v| (api, v.file.clone()))
        })
        .collect()
}

fn reference(file: &str) -> Vec<Vec<String>> {
    let path = workspace_root().join("spec").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (named in spec/registry.toml)", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn every_inventory_row_maps_to_the_spec_and_back() {
    for api in apis().iter().filter(|a| a.inventory.is_some()) {
        let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
        let problems = check(&doc.value, &rows(api));
        assert!(
            problems.is_empty(),
            "{:?}:\n{}",
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

fn assert_covers(api: &Api, file: &str) {
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
}

#[test]
fn every_inventory_covers_every_call_of_its_vendor_endpoint_list() {
    let lists = vendor_lists("endpoints");
    assert!(
        !lists.is_empty(),
        "the registry names no vendor endpoint list"
    );
    for (api, file) in lists {
        assert!(
            reference(&file).len() > 10,
            "{file}: fewer rows than any vendor API has"
        );
        assert_covers(api, &file);
    }
}

#[test]
fn claim_schemas_hold_every_claim_of_the_vendor_claim_lists() {
    for (api, file) in vendor_lists("claims") {
        claims_hold(api, &file);
    }
}

fn claims_hold(api: &Api, file: &str) {
    let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
    let tables: Vec<Row> = rows(api).into_iter().filter(Row::is_claims).collect();
    let mut problems = Vec::new();
    for claim in reference(file) {
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
