//! Focused behaviour of the mock: routing errors, security, validation errors, `Prefer`,
//! determinism, issued credentials, and the command line.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::Oracle;
use gamespec_conformance::mock::MockOptions;
use gamespec_spec::spec::{Operation, Spec};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Value, json};

/// Send `req` after replacing (or, with `None`, removing) one header.
async fn send_with(
    client: &reqwest::Client,
    req: reqwest::RequestBuilder,
    header: &str,
    value: Option<&str>,
) -> reqwest::Response {
    let mut req = req.build().unwrap();
    let name = HeaderName::from_bytes(header.as_bytes()).unwrap();
    req.headers_mut().remove(&name);
    if let Some(v) = value {
        req.headers_mut()
            .insert(name, HeaderValue::from_str(v).unwrap());
    }
    client.execute(req).await.unwrap()
}

/// Status and JSON body (or `Null`) of a response, and its headers.
async fn read(res: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Assert that `body` is the documented body of `status` for `op`.
fn assert_documented(spec: &Spec, op: &Operation, status: u16, body: &Value) {
    let oracle = Oracle::new(common::spec(&spec.profile.name));
    let bytes = serde_json::to_vec(body).unwrap();
    oracle.check(op, status, Some("application/json"), &bytes);
}

fn op<'a>(spec: &'a Spec, id: &str) -> &'a Operation {
    spec.operation(id)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

#[tokio::test]
async fn undeclared_method_is_405_with_allow_and_unknown_path_is_404() {
    for api in gamespec_spec::registry::apis()
        .iter()
        .map(|a| a.name.as_str())
    {
        let spec = common::spec(api);
        let server = common::start(api).await;
        let client = common::client();
        let op = &spec.operations[0];
        let path = op.path.replace(['{', '}'], "");
        let declared: Vec<&str> = spec
            .operations
            .iter()
            .filter(|o| o.path == op.path)
            .map(|o| o.method.as_str())
            .collect();
        let res = client
            .request(reqwest::Method::TRACE, format!("{}{path}", server.url()))
            .send()
            .await
            .unwrap();
        let (status, headers, body) = read(res).await;
        assert_eq!(status, 405, "{api}");
        let allow = headers["allow"].to_str().unwrap().to_owned();
        for m in &declared {
            assert!(allow.contains(m), "{api}: Allow {allow} lacks {m}");
        }
        let shape = spec.error_shape.as_ref().unwrap();
        assert!(
            shape.content.as_ref().unwrap().validator.is_valid(&body),
            "{api}: {body}"
        );
        assert!(common::strings(&body).contains("TRACE"), "{api}: {body}");

        let res = client
            .get(format!("{}/no/such/path", server.url()))
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(res).await;
        assert_eq!(status, 404);
        assert!(
            shape.content.as_ref().unwrap().validator.is_valid(&body),
            "{api}: {body}"
        );
    }
}

#[tokio::test]
async fn missing_and_unknown_credentials_get_the_documented_401() {
    for (api, scheme, header) in [
        ("lootlocker", "sessionToken", "x-session-token"),
        ("lootlocker", "domainKey", "domain-key"),
        ("xsolla", "userJwt", "authorization"),
        ("xsolla", "serverJwt", "x-server-authorization"),
    ] {
        let spec = common::spec(api);
        let server = common::start(api).await;
        let client = common::client();
        let op = spec
            .operations
            .iter()
            .find(|o| o.security == [vec![scheme.to_owned()]] && o.response(401).is_some())
            .unwrap();
        let missing = send_with(
            &client,
            common::example_request(&client, &spec, op, &server),
            header,
            None,
        )
        .await;
        let (status, _, body) = read(missing).await;
        assert_eq!(status, 401, "{api} {}: missing {header}", op.id);
        assert_documented(&spec, op, 401, &body);
        assert!(
            common::strings(&body).contains("missing credential"),
            "{body}"
        );

        let forged = if header == "authorization" {
            "Bearer not-a-token"
        } else {
            "not-a-token"
        };
        let unknown = send_with(
            &client,
            common::example_request(&client, &spec, op, &server),
            header,
            Some(forged),
        )
        .await;
        let (status, _, body) = read(unknown).await;
        assert_eq!(status, 401, "{api} {}: unknown {header}", op.id);
        assert_documented(&spec, op, 401, &body);
        assert!(
            common::strings(&body).contains("invalid credential"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_session_started_through_the_mock_works_on_a_later_call() {
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let client = common::client();
    let start = op(&spec, "startGuestSession");
    let (status, _, body) = read(
        common::example_request(&client, &spec, start, &server)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let token = body["session_token"].as_str().unwrap().to_owned();
    assert_ne!(token, server.credentials()["sessionToken"]);
    let example = start
        .response(200)
        .unwrap()
        .content
        .as_ref()
        .unwrap()
        .examples[0]
        .value["session_token"]
        .clone();
    assert_ne!(
        Value::String(token.clone()),
        example,
        "the example token must be replaced"
    );

    let later = common::secured_get(&spec, "sessionToken");
    let res = send_with(
        &client,
        common::example_request(&client, &spec, later, &server),
        "x-session-token",
        Some(&token),
    )
    .await;
    assert_eq!(
        res.status().as_u16(),
        later.success().unwrap().status,
        "{}",
        later.id
    );
}

#[tokio::test]
async fn invalid_body_is_the_documented_400_naming_the_field() {
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let client = common::client();
    let start = op(&spec, "startGuestSession");
    let res = client
        .post(format!("{}{}", server.url(), start.path))
        .json(&json!({"game_key": "dev_123"}))
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(res).await;
    assert_eq!(status, 400);
    assert_documented(&spec, start, 400, &body);
    assert_eq!(body["param"], "game_version");
    assert!(
        body["message"].as_str().unwrap().contains("game_version"),
        "{body}"
    );

    // An integer literal beyond 64 bits (serde_json would round it onto the int64 bound).
    let res = client
        .post(format!("{}{}", server.url(), start.path))
        .header("content-type", "application/json")
        .body(r#"{"game_key": "dev_123", "game_version": "1.0", "optionals": {"timezone": "UTC"}, "x": -9223372036854775809}"#)
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(res).await;
    assert_eq!((status, body["param"].as_str()), (400, Some("x")), "{body}");

    // A wrong type deep in the body, and a broken query parameter, are named too.
    let res = client
        .post(format!("{}{}", server.url(), start.path))
        .json(&json!({"game_key": "dev_123", "game_version": 7}))
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(res).await;
    assert_eq!(
        (status, body["param"].as_str()),
        (400, Some("game_version")),
        "{body}"
    );

    // Xsolla's error shape has no `param`: the explanation goes into `error.description`.
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let login = op(&spec, "loginWithPasswordJwt");
    let req =
        common::example_request(&client, &spec, login, &server).json(&json!({"username": "nova"}));
    let (status, _, body) = read(req.send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_documented(&spec, login, 400, &body);
    assert!(
        body["error"]["description"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{body}"
    );
}

#[tokio::test]
async fn parameters_are_validated_by_type_and_presence() {
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let client = common::client();
    let login = op(&spec, "loginWithPasswordJwt");
    // projectId must be a UUID.
    let url = format!("{}{}?projectId=not-a-uuid", server.url(), login.path);
    let body = login.body.as_ref().unwrap().1[0].examples[0].value.clone();
    let (status, _, err) = read(client.post(&url).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(common::strings(&err).contains("projectId"), "{err}");
    // ...and is required.
    let url = format!("{}{}", server.url(), login.path);
    let (status, _, err) = read(client.post(&url).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(common::strings(&err).contains("projectId"), "{err}");

    // A path parameter of the wrong type (LootLocker integer ids).
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let op = spec
        .operations
        .iter()
        .find(|o| {
            o.method == "GET"
                && o.parameters.iter().any(|p| {
                    p.location == gamespec_spec::spec::ParamLocation::Path
                        && gamespec_spec::shape::type_name(&spec.root, &p.schema) == Some("integer")
                })
        })
        .unwrap();
    let p = op
        .parameters
        .iter()
        .find(|p| p.location == gamespec_spec::spec::ParamLocation::Path)
        .unwrap();
    let mut req = common::example_request(&client, &spec, op, &server)
        .build()
        .unwrap();
    let example = common::text(p.example.as_ref().unwrap());
    let bad = req
        .url()
        .as_str()
        .replacen(&format!("/{example}"), "/abc", 1);
    *req.url_mut() = bad.parse().unwrap();
    let (status, _, err) = read(client.execute(req).await.unwrap()).await;
    assert_eq!(status, 400, "{}", op.id);
    assert_eq!(err["param"], p.name.as_str(), "{err}");
}

#[tokio::test]
async fn wrong_content_type_and_multipart_bodies() {
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let client = common::client();
    let start = op(&spec, "startGuestSession");
    let res = client
        .post(format!("{}{}", server.url(), start.path))
        .header("content-type", "text/plain")
        .body(r#"{"game_key":"dev_1","game_version":"1.0"}"#)
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(res).await;
    assert_eq!(status, 400);
    assert_documented(&spec, start, 400, &body);
    assert_eq!(body["param"], "Content-Type");

    // A multipart upload without its required file part names the part.
    let upload = spec
        .operations
        .iter()
        .find(|o| {
            o.body
                .as_ref()
                .is_some_and(|(_, m)| m[0].media_type == "multipart/form-data")
        })
        .unwrap();
    assert!(
        upload
            .parameters
            .iter()
            .all(|p| p.location != gamespec_spec::spec::ParamLocation::Path)
    );
    let form = reqwest::multipart::Form::new().text("purpose", "SAVE_GAME");
    let req = client
        .request(
            reqwest::Method::from_bytes(upload.method.as_bytes()).unwrap(),
            format!("{}{}", server.url(), upload.path),
        )
        .header("x-session-token", &server.credentials()["sessionToken"])
        .multipart(form);
    let (status, _, body) = read(req.send().await.unwrap()).await;
    assert_eq!(status, 400, "{}", upload.id);
    assert_eq!(body["param"], "file", "{body}");
}

#[tokio::test]
async fn prefer_selects_documented_status_example_or_generated_data() {
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let client = common::client();
    let target = spec
        .operations
        .iter()
        .find(|o| o.method == "GET" && o.response(404).is_some() && o.response(200).is_some())
        .unwrap();
    let oracle = Oracle::new(spec.clone());

    let req = common::example_request(&client, &spec, target, &server);
    let res = send_with(&client, req, "prefer", Some("code=404")).await;
    assert_eq!(res.status().as_u16(), 404);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    oracle.check(target, 404, Some(&ct), &res.bytes().await.unwrap());

    // An undocumented code is refused with the client-error response listing the documented ones.
    let req = common::example_request(&client, &spec, target, &server);
    let (status, _, body) = read(send_with(&client, req, "prefer", Some("code=418")).await).await;
    assert_eq!(status, 400);
    assert_documented(&spec, target, 400, &body);
    assert!(body["message"].as_str().unwrap().contains("404"), "{body}");

    // Dynamic data validates and differs from the example.
    let req = common::example_request(&client, &spec, target, &server);
    let res = send_with(&client, req, "prefer", Some("dynamic=true")).await;
    assert_eq!(res.status().as_u16(), 200);
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    let generated = oracle.check(target, 200, Some(&ct), &res.bytes().await.unwrap());
    let example = &target
        .response(200)
        .unwrap()
        .content
        .as_ref()
        .unwrap()
        .examples[0]
        .value;
    assert_ne!(&generated, example);

    // A named example (Xsolla's Generate JWT documents `userToken` and `serverToken`).
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let token = op(&spec, "generateJwt");
    let req = common::example_request(&client, &spec, token, &server);
    let (status, _, body) =
        read(send_with(&client, req, "prefer", Some("example=serverToken")).await).await;
    assert_eq!(status, 200);
    assert!(
        body.get("refresh_token").is_none(),
        "serverToken has no refresh token: {body}"
    );
    let req = common::example_request(&client, &spec, token, &server);
    let (status, _, body) =
        read(send_with(&client, req, "prefer", Some("example=nope")).await).await;
    assert_eq!(status, 400);
    assert!(common::strings(&body).contains("serverToken"), "{body}");
}

#[tokio::test]
async fn same_seed_same_answers_other_seed_other_answers() {
    async fn run(seed: u64) -> Vec<Value> {
        let spec = common::spec("lootlocker");
        let options = MockOptions {
            seed,
            seeded_tokens: true,
            dynamic: true,
            ..MockOptions::default()
        };
        let server = common::start_with("lootlocker", options).await;
        let client = common::client();
        let mut out = vec![json!(server.credentials())];
        for op in spec.operations.iter().take(40) {
            let res = common::example_request(&client, &spec, op, &server)
                .send()
                .await
                .unwrap();
            out.push(serde_json::from_slice(&res.bytes().await.unwrap()).unwrap_or(Value::Null));
        }
        server.shutdown().await.unwrap();
        out
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await);
    assert_ne!(a, run(8).await);
}

#[tokio::test]
async fn xsolla_issues_real_jwts_whose_claims_validate() {
    let spec = common::spec("xsolla");
    let server = common::start("xsolla").await;
    let client = common::client();
    let oracle = Oracle::new(spec.clone());
    let decode = |token: &str| -> Value {
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_aud = false;
        let key =
            jsonwebtoken::DecodingKey::from_secret(MockOptions::default().jwt_secret.as_bytes());
        jsonwebtoken::decode::<Value>(token, &key, &v)
            .unwrap()
            .claims
    };
    let claims_ok = |name: &str, claims: &Value| {
        let errors = oracle.errors(
            &json!({"$ref": format!("#/components/schemas/{name}")}),
            claims,
        );
        assert!(errors.is_empty(), "{name}: {errors:?} {claims}");
    };
    claims_ok("UserJwtClaims", &decode(&server.credentials()["userJwt"]));
    claims_ok(
        "ServerJwtClaims",
        &decode(&server.credentials()["serverJwt"]),
    );

    let generate = op(&spec, "generateJwt");
    let server_op = common::secured_get(&spec, "serverJwt");
    let user_op = common::secured_get(&spec, "userJwt");
    let form = |grant: &str| {
        let examples = &generate.body.as_ref().unwrap().1[0].examples;
        let e = examples
            .iter()
            .find(|e| e.value["grant_type"] == grant)
            .unwrap();
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(common::form_pairs(&e.value))
            .finish()
    };
    let token_for = |grant: &'static str| {
        let client = client.clone();
        let url = format!("{}{}", server.url(), generate.path);
        let body = form(grant);
        async move {
            let res = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
            let body: Value = res.json().await.unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        }
    };

    let server_token = token_for("client_credentials").await;
    claims_ok("ServerJwtClaims", &decode(&server_token));
    let user_token = token_for("authorization_code").await;
    claims_ok("UserJwtClaims", &decode(&user_token));

    // Each token opens its own kind of call only.
    let call = |op: &Operation, header: &str, value: String| {
        let req = common::example_request(&client, &spec, op, &server);
        let client = client.clone();
        let header = header.to_owned();
        async move {
            send_with(&client, req, &header, Some(&value))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        call(server_op, "x-server-authorization", server_token.clone()).await,
        200,
        "{}",
        server_op.id
    );
    assert_eq!(
        call(server_op, "x-server-authorization", user_token.clone()).await,
        401
    );
    assert_eq!(
        call(user_op, "authorization", format!("Bearer {user_token}")).await,
        user_op.success().unwrap().status
    );
    assert_eq!(
        call(user_op, "authorization", format!("Bearer {server_token}")).await,
        401
    );

    // A JWT signed with another secret is not ours.
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &decode(&user_token),
        &jsonwebtoken::EncodingKey::from_secret(b"someone else"),
    )
    .unwrap();
    assert_eq!(
        call(user_op, "authorization", format!("Bearer {forged}")).await,
        401
    );

    // The JWT flow's `login_url` carries a fresh user JWT in `token`.
    let login = op(&spec, "loginWithPasswordJwt");
    let (status, _, body) = read(
        common::example_request(&client, &spec, login, &server)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let url = body["login_url"].as_str().unwrap();
    let token = url
        .split("token=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    claims_ok("UserJwtClaims", &decode(token));
    assert_eq!(
        call(user_op, "authorization", format!("Bearer {token}")).await,
        user_op.success().unwrap().status
    );
}

#[tokio::test]
async fn empty_query_values_need_allow_empty_value() {
    /// The example request of `op` with its `key` query value emptied (`key=`).
    fn emptied(req: reqwest::RequestBuilder) -> reqwest::Request {
        let mut req = req.build().unwrap();
        let url = req.url().as_str().replace("key=difficulty", "key=");
        assert!(url.contains("key=") && !url.contains("difficulty"), "{url}");
        *req.url_mut() = url.parse().unwrap();
        req
    }
    let client = common::client();
    // `key` does not declare `allowEmptyValue`: the documented 400, naming the parameter.
    let spec = common::spec("lootlocker");
    let server = common::start("lootlocker").await;
    let del = op(&spec, "deletePlayerStorageItem");
    let req = emptied(common::example_request(&client, &spec, del, &server));
    let (status, _, err) = read(client.execute(req).await.unwrap()).await;
    assert_eq!(status, 400, "{err}");
    assert_documented(&spec, del, 400, &err);
    assert_eq!(err["param"], "key", "{err}");
    assert!(common::strings(&err).contains("empty"), "{err}");

    // The same spec with `allowEmptyValue: true` on `key` takes the empty value.
    let mut root = spec.root.clone();
    let params = root["paths"][del.path.as_str()]["delete"]["parameters"]
        .as_array_mut()
        .unwrap();
    let key = params.iter_mut().find(|p| p["name"] == "key").unwrap();
    key["allowEmptyValue"] = Value::Bool(true);
    let allowing = std::sync::Arc::new(
        Spec::from_value(spec.path.clone(), root, spec.profile.clone()).unwrap(),
    );
    let del = op(&allowing, "deletePlayerStorageItem");
    assert!(
        del.parameters
            .iter()
            .any(|p| p.name == "key" && p.allow_empty)
    );
    let server =
        gamespec_conformance::mock::MockServer::start(allowing.clone(), MockOptions::default())
            .await
            .expect("mock starts");
    let req = emptied(common::example_request(&client, &allowing, del, &server));
    let (status, _, body) = read(client.execute(req).await.unwrap()).await;
    assert_eq!(status, del.success().unwrap().status, "{body}");
}

#[test]
fn cli_prints_one_ready_line_and_rejects_bad_input() {
    let bin = env!("CARGO_BIN_EXE_conformance");
    let mut child = Command::new(bin)
        .args(["mock", "--spec", "lootlocker", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    assert!(
        ready["url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{line}"
    );
    assert!(ready["credentials"]["sessionToken"].is_string(), "{line}");
    assert_eq!(ready["credentials"]["domainKey"], "mock-domain-key");
    child.kill().unwrap();
    child.wait().unwrap();

    for args in [
        &["mock", "--spec", "no-such-api"][..],
        &["mock", "--spec", "lootlocker", "--port", "not-a-port"][..],
        &["mock"][..],
    ] {
        let out = Command::new(bin).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
