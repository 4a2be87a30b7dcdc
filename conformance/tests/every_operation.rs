//! For each spec: start the mock in-process and send every operation a valid request built from
//! the spec's examples; the answer must be the operation's success status, with the documented
//! content type and a body that validates against the documented schema.

mod common;

use common::Oracle;
use gamespec_conformance::mock::MockOptions;

async fn every_operation(api: &str, options: MockOptions) {
    let spec = common::spec(api);
    let server = common::start_with(api, options).await;
    let client = common::client();
    let oracle = Oracle::new(spec.clone());
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in &spec.operations {
        let expected = op.success().map(|r| r.status);
        let res = common::example_request(&client, &spec, op, &server)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res.bytes().await.unwrap_or_default();
        if Some(status) != expected {
            failures.push(format!(
                "{} {} {}: got {status}, expected {expected:?}: {}",
                op.id,
                op.method,
                op.path,
                String::from_utf8_lossy(&body)
            ));
            continue;
        }
        oracle.check(op, status, ct.as_deref(), &body);
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {} operations failed:\n{}",
        failures.len(),
        spec.operations.len(),
        failures.join("\n")
    );
    assert_eq!(checked, spec.operations.len());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_operation_of_every_api_answers_its_documented_success() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        every_operation(api, MockOptions::default()).await;
    }
}

/// The same with generated data instead of examples (`--dynamic`).
#[tokio::test]
async fn every_operation_answers_valid_generated_data() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let options = MockOptions {
            dynamic: true,
            seed: 3,
            ..MockOptions::default()
        };
        every_operation(api, options).await;
    }
}
