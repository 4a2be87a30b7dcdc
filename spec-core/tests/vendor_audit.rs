//! The committed vendor audit data against the specs: every operation of an API with an audit
//! record has at least one row, every row names an operation, findings use the allowed forms;
//! and the vendor-drift check finds no unexplained difference between a spec and the SDK
//! endpoint extract the registry names.

use gamespec_spec::audit;
use gamespec_spec::load::load;
use gamespec_spec::registry::{apis, workspace_root};
use gamespec_spec::vendor_drift::{compare, parse_endpoints, parse_explained};

fn read(file: &str) -> String {
    let path = workspace_root().join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (named in spec/registry.toml)", path.display()))
}

#[test]
fn every_operation_of_an_audited_api_has_a_row_and_every_row_an_operation() {
    let audited: Vec<_> = apis().iter().filter(|a| a.audit.is_some()).collect();
    assert!(!audited.is_empty(), "the registry names no audit record");
    for api in audited {
        let file = api.audit_file().unwrap_or_default();
        let rows = audit::parse(&read(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
        let problems = audit::check(&doc.value, &rows);
        assert!(problems.is_empty(), "{file}:\n{}", problems.join("\n"));
    }
}

#[test]
fn the_sdk_endpoint_extracts_show_no_unexplained_drift() {
    let mut checked = 0;
    for api in apis() {
        let extracts = api.vendor_files("sdk-endpoints");
        if extracts.is_empty() {
            continue;
        }
        let mut sdk = Vec::new();
        for file in &extracts {
            sdk.extend(parse_endpoints(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}")));
        }
        let mut explained = Vec::new();
        for file in api.vendor_files("sdk-drift") {
            explained
                .extend(parse_explained(&read(&file)).unwrap_or_else(|e| panic!("{file}: {e}")));
        }
        let doc = load(&api.spec_path(&workspace_root())).expect("spec loads");
        let report = compare(&doc.value, &sdk, &explained);
        let unexplained: Vec<String> = report
            .unexplained()
            .map(|d| {
                format!(
                    "{} {} {} ({})",
                    d.side.label(),
                    d.method,
                    d.path,
                    d.named_by.join(", ")
                )
            })
            .collect();
        assert!(
            unexplained.is_empty(),
            "{}: endpoints on one side only, not in the sdk-drift file:\n{}",
            api.name,
            unexplained.join("\n")
        );
        assert!(
            report.stale.is_empty(),
            "{}: sdk-drift rows that explain no difference any more: {:#?}",
            api.name,
            report.stale
        );
        assert!(
            report.matched > 100,
            "{}: suspiciously few matches",
            api.name
        );
        checked += 1;
    }
    assert!(checked > 0, "the registry names no sdk-endpoints extract");
}
