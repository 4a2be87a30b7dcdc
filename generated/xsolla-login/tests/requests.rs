//! The hand-written layer against a local test server: which header each security scheme lands
//! in, the exact token requests, that an obtained token is used by the next call, and the
//! hand-written multipart uploads.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use xsolla_login::{Client, types};

const USER_JWT: &str = "user.jwt.e0d4c4a1";
const SERVER_JWT: &str = "server.jwt.7b14f0a8";
const PROJECT: &str = "5883ebbd-55bf-4917-9668-293aa8d1e6af";

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn body_json(req: &Request) -> Value {
    serde_json::from_slice(&req.body).expect("request body is JSON")
}

fn body_text(req: &Request) -> &str {
    std::str::from_utf8(&req.body).expect("request body is UTF-8")
}

fn project() -> uuid::Uuid {
    PROJECT.parse().unwrap()
}

/// Asserts the request carries exactly the credentials of one scheme (or none).
fn assert_auth(req: &Request, bearer: Option<&str>, server: Option<&str>) {
    let what = format!("{} {}", req.method, req.url.path());
    assert_eq!(
        header(req, "authorization"),
        bearer.map(|t| format!("Bearer {t}")).as_deref(),
        "{what}"
    );
    assert_eq!(header(req, "x-server-authorization"), server, "{what}");
    assert_eq!(
        header(req, "api-version"),
        None,
        "{what}: generator header is stripped"
    );
}

fn token_response(access_token: &str, refresh_token: Option<&str>) -> ResponseTemplate {
    let mut body =
        json!({"access_token": access_token, "token_type": "bearer", "expires_in": 3600});
    if let Some(refresh) = refresh_token {
        body["refresh_token"] = json!(refresh);
        body["scope"] = json!("offline");
    }
    ResponseTemplate::new(200).set_body_json(body)
}

async fn mount(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn client_with_both_tokens(server: &MockServer) -> Client {
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_user_jwt(USER_JWT);
    client.credentials().set_server_jwt(SERVER_JWT);
    client
}

#[tokio::test]
async fn each_scheme_lands_in_its_own_header() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/users/search/by_nickname",
        ResponseTemplate::new(200)
            .set_body_json(json!({"users": [], "offset": 0, "total_count": 0})),
    )
    .await;
    mount(
        &server,
        "GET",
        &format!("/projects/{PROJECT}/users"),
        ResponseTemplate::new(200)
            .set_body_json(json!({"count": 0, "next_after": null, "next_url": null, "users": []})),
    )
    .await;
    mount(
        &server,
        "GET",
        &format!("/projects/{PROJECT}/jwks.json"),
        ResponseTemplate::new(200).set_body_json(json!({"keys": []})),
    )
    .await;

    let client = client_with_both_tokens(&server).await;
    client
        .search_users_by_nickname()
        .nickname("Kestrel")
        .limit(std::num::NonZeroU64::new(20).unwrap())
        .offset(0)
        .send()
        .await
        .expect("user-JWT call succeeds");
    client
        .list_project_users()
        .project_id(project())
        .limit(std::num::NonZeroU64::new(50).unwrap())
        .order("desc")
        .user_groups(vec![1, 4127])
        .send()
        .await
        .expect("server-JWT call succeeds");
    let jwks = client
        .get_json_web_key_set()
        .project_id(project())
        .send()
        .await
        .expect("open call succeeds");
    assert!(jwks.keys.is_empty());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);

    let user = &requests[0];
    assert_eq!(user.method.as_str(), "GET");
    assert_eq!(user.url.path(), "/users/search/by_nickname");
    assert_eq!(user.url.query(), Some("limit=20&nickname=Kestrel&offset=0"));
    assert!(user.body.is_empty());
    assert_auth(user, Some(USER_JWT), None);

    let admin = &requests[1];
    assert_eq!(admin.method.as_str(), "GET");
    assert_eq!(admin.url.path(), format!("/projects/{PROJECT}/users"));
    assert_eq!(
        admin.url.query(),
        Some("limit=50&order=desc&user_groups=1&user_groups=4127")
    );
    assert!(admin.body.is_empty());
    assert_auth(admin, None, Some(SERVER_JWT));

    let open = &requests[2];
    assert_eq!(open.method.as_str(), "GET");
    assert_eq!(open.url.path(), format!("/projects/{PROJECT}/jwks.json"));
    assert_eq!(open.url.query(), None);
    assert!(open.body.is_empty());
    assert_auth(open, None, None);
}

#[tokio::test]
async fn a_missing_token_sends_no_header_at_all() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/users/account/code",
        ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": "003-040", "description": "Unauthorized user."}
        })),
    )
    .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_server_jwt(SERVER_JWT);
    let err = client
        .create_account_linking_code()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let req = &server.received_requests().await.unwrap()[0];
    assert_auth(req, None, None);
}

#[tokio::test]
async fn server_token_is_obtained_then_sent_on_link_by_code() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/oauth2/token",
        token_response(SERVER_JWT, None),
    )
    .await;
    mount(
        &server,
        "POST",
        "/users/account/link",
        ResponseTemplate::new(204),
    )
    .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_user_jwt(USER_JWT);
    let token = client
        .obtain_server_token("7104", "example-server-client-secret")
        .await
        .expect("token call succeeds");
    assert_eq!(token.access_token.expose(), SERVER_JWT);
    assert_eq!(token.expires_in, Some(3600));
    assert_eq!(
        client.credentials().server_jwt().as_deref(),
        Some(SERVER_JWT)
    );
    assert_eq!(
        client.credentials().user_jwt().as_deref(),
        Some(USER_JWT),
        "user token untouched"
    );

    let linked = client
        .link_accounts_by_code()
        .body(
            types::LinkAccountsByCodeRequest::builder()
                .code("234155")
                .platform(types::LinkAccountsByCodeRequestPlatform::Xbox)
                .user_id("2535428504476914")
                .publisher_project_id(212345),
        )
        .send()
        .await
        .expect("link succeeds");
    assert_eq!(linked.status().as_u16(), 204);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);

    let token_req = &requests[0];
    assert_eq!(token_req.method.as_str(), "POST");
    assert_eq!(token_req.url.path(), "/oauth2/token");
    assert_eq!(token_req.url.query(), None);
    assert_eq!(
        header(token_req, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(header(token_req, "accept"), Some("application/json"));
    // Fields in the order of the generated struct (alphabetical); a form is order-insensitive.
    assert_eq!(
        body_text(token_req),
        "client_id=7104&client_secret=example-server-client-secret&grant_type=client_credentials"
    );
    assert_auth(token_req, None, None);

    let link = &requests[1];
    assert_eq!(link.method.as_str(), "POST");
    assert_eq!(link.url.path(), "/users/account/link");
    assert_eq!(link.url.query(), None);
    assert_eq!(header(link, "content-type"), Some("application/json"));
    assert_eq!(
        body_json(link),
        json!({"code": "234155", "platform": "xbox", "user_id": "2535428504476914", "publisher_project_id": 212345})
    );
    assert_auth(link, None, Some(SERVER_JWT));
}

#[tokio::test]
async fn refresh_replaces_the_user_token_for_the_next_call() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/oauth2/token",
        token_response("user.jwt.refreshed", Some("rT_next")),
    )
    .await;
    mount(
        &server,
        "POST",
        "/users/account/code",
        ResponseTemplate::new(200).set_body_json(json!({"code": "123456"})),
    )
    .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_user_jwt(USER_JWT);
    let answer = client
        .refresh_user_token("5821", "rT_8fK2mQx9vLp3sWz7YbN4c", None)
        .await
        .expect("refresh succeeds");
    assert_eq!(
        answer.refresh_token.as_ref().map(|s| s.expose()),
        Some("rT_next")
    );
    assert_eq!(
        client.credentials().user_jwt().as_deref(),
        Some("user.jwt.refreshed")
    );
    assert_eq!(client.credentials().server_jwt(), None);

    let code = client
        .create_account_linking_code()
        .send()
        .await
        .expect("code call succeeds");
    assert_eq!(code.code, "123456");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let refresh = &requests[0];
    assert_eq!(refresh.method.as_str(), "POST");
    assert_eq!(refresh.url.path(), "/oauth2/token");
    assert_eq!(
        header(refresh, "content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        body_text(refresh),
        "client_id=5821&grant_type=refresh_token&refresh_token=rT_8fK2mQx9vLp3sWz7YbN4c"
    );
    assert_auth(refresh, None, None);

    let next = &requests[1];
    assert_eq!(next.method.as_str(), "POST");
    assert_eq!(next.url.path(), "/users/account/code");
    assert_eq!(next.url.query(), None);
    assert!(next.body.is_empty());
    assert_auth(next, Some("user.jwt.refreshed"), None);
}

#[tokio::test]
async fn refresh_with_a_client_secret_sends_it() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/oauth2/token",
        token_response("user.jwt.2", None),
    )
    .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client
        .refresh_user_token("5821", "rT_1", Some("confidential-secret".to_owned()))
        .await
        .unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        body_text(req),
        "client_id=5821&client_secret=confidential-secret&grant_type=refresh_token&refresh_token=rT_1"
    );
}

#[tokio::test]
async fn failed_token_call_keeps_the_old_token_and_decodes_the_error() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/oauth2/token",
        ResponseTemplate::new(400).set_body_json(json!({
            "error": {"code": "010-019", "description": "OAuth client authentication failed."}
        })),
    )
    .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_server_jwt(SERVER_JWT);
    let err = client
        .obtain_server_token("7104", "wrong")
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    match err {
        xsolla_login::Error::ErrorResponse(body) => {
            assert_eq!(
                body.error.code,
                types::ErrorDetailCode::String("010-019".to_owned())
            );
        }
        other => panic!("expected a typed error body, got {other:?}"),
    }
    assert_eq!(
        client.credentials().server_jwt().as_deref(),
        Some(SERVER_JWT)
    );
}

/// The parts of a `multipart/form-data` body: (headers of the part, content), in order.
fn multipart_parts(req: &Request) -> Vec<(String, Vec<u8>)> {
    let content_type = header(req, "content-type").expect("content type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let delimiter = format!("--{boundary}");
    let body = &req.body;
    let mut parts = Vec::new();
    let mut rest: &[u8] = body;
    // Skip to the first delimiter, then split on "\r\n--boundary".
    let start = find(rest, delimiter.as_bytes()).expect("first boundary");
    rest = &rest[start + delimiter.len()..];
    let separator = format!("\r\n{delimiter}");
    while !rest.starts_with(b"--") {
        let rest_after_crlf = rest.strip_prefix(b"\r\n").expect("CRLF after boundary");
        let end = find(rest_after_crlf, separator.as_bytes()).expect("closing boundary");
        let part = &rest_after_crlf[..end];
        let split = find(part, b"\r\n\r\n").expect("part headers end");
        let headers = String::from_utf8(part[..split].to_vec()).unwrap();
        parts.push((headers, part[split + 4..].to_vec()));
        rest = &rest_after_crlf[end + separator.len()..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn upload_user_picture_sends_the_file_with_the_user_token() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/users/me/picture",
        ResponseTemplate::new(200).set_body_json(json!({
            "picture": "https://cdn.example.com/avatars/2f6d8a1c.png"
        })),
    )
    .await;
    let client = client_with_both_tokens(&server).await;
    let image: &[u8] = b"\x89PNG\r\n\x1a\n fake image bytes";
    let uploaded = client
        .upload_user_picture(image, "avatar.png", "image/png")
        .await
        .expect("upload succeeds");
    assert_eq!(
        uploaded.picture,
        "https://cdn.example.com/avatars/2f6d8a1c.png"
    );

    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/users/me/picture");
    assert_eq!(req.url.query(), None);
    assert_eq!(header(req, "accept"), Some("application/json"));
    assert!(
        header(req, "content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_auth(req, Some(USER_JWT), None);
    let parts = multipart_parts(req);
    assert_eq!(parts.len(), 1);
    let (headers, content) = &parts[0];
    assert!(
        headers
            .contains(r#"Content-Disposition: form-data; name="picture"; filename="avatar.png""#),
        "{headers}"
    );
    assert!(headers.contains("Content-Type: image/png"), "{headers}");
    assert_eq!(content.as_slice(), image);
}

#[tokio::test]
async fn import_users_sends_every_field_with_the_server_token() {
    let server = MockServer::start().await;
    let route = format!("/projects/{PROJECT}/user_import");
    mount(&server, "POST", &route, ResponseTemplate::new(204)).await;
    let client = client_with_both_tokens(&server).await;
    let csv = "email;username\nops@example.com;ops\n";
    let done = client
        .import_users(
            project(),
            csv,
            r#"{"email":0,"username":1}"#,
            "ops@example.com",
            Some(";"),
        )
        .await
        .expect("import succeeds");
    assert_eq!(done.status().as_u16(), 204);

    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), route);
    assert_eq!(req.url.query(), None);
    assert_auth(req, None, Some(SERVER_JWT));
    let parts = multipart_parts(req);
    let names: Vec<&str> = parts
        .iter()
        .map(|(h, _)| {
            let start = h.find("name=\"").expect("part name") + 6;
            let len = h[start..].find('"').unwrap();
            &h[start..start + len]
        })
        .collect();
    assert_eq!(names, ["users", "mapping", "email", "comma"]);
    assert!(
        parts[0].0.contains(r#"filename="users.csv""#),
        "{}",
        parts[0].0
    );
    assert!(
        parts[0].0.contains("Content-Type: text/csv"),
        "{}",
        parts[0].0
    );
    assert_eq!(parts[0].1, csv.as_bytes());
    assert_eq!(parts[1].1, br#"{"email":0,"username":1}"#);
    assert_eq!(parts[2].1, b"ops@example.com");
    assert_eq!(parts[3].1, b";");
}

#[tokio::test]
async fn import_users_without_separator_and_its_error_answer() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        &format!("/projects/{PROJECT}/user_import"),
        ResponseTemplate::new(403).set_body_json(json!({
            "error": {"code": "003-020", "description": "Forbidden."}
        })),
    )
    .await;
    let client = client_with_both_tokens(&server).await;
    let err = client
        .import_users(
            project(),
            b"a@example.com\n".to_vec(),
            r#"{"email":0}"#,
            "ops@example.com",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(
        matches!(err, xsolla_login::Error::ErrorResponse(_)),
        "{err:?}"
    );
    let req = &server.received_requests().await.unwrap()[0];
    let parts = multipart_parts(req);
    assert_eq!(parts.len(), 3, "no `comma` part when none is given");
}

#[tokio::test]
async fn upload_refuses_a_bad_content_type_before_sending() {
    let server = MockServer::start().await;
    let client = client_with_both_tokens(&server).await;
    let err = client
        .upload_user_picture(vec![1, 2, 3], "x.png", "not a mime")
        .await
        .unwrap_err();
    assert!(
        matches!(err, xsolla_login::Error::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn debug_output_redacts_both_tokens() {
    let client = Client::with_base_url("http://127.0.0.1:9").unwrap();
    client.credentials().set_user_jwt(USER_JWT);
    client.credentials().set_server_jwt(SERVER_JWT);
    for shown in [format!("{:?}", client.credentials()), format!("{client:?}")] {
        assert!(
            !shown.contains(USER_JWT) && !shown.contains(SERVER_JWT),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}

#[tokio::test]
async fn redirect_answer_gives_its_location() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth2/auth"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            "https://game.example/callback?code=Qx7&state=abcdefghij",
        ))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    let err = client
        .authorize_oauth2()
        .client_id(57)
        .response_type("code")
        .redirect_uri("https://game.example/callback")
        .state("abcdefghij")
        .scope("offline")
        .audience("https://api.game.example")
        .send()
        .await;
    let Err(err) = err else {
        panic!("a 302 is not a success")
    };
    assert_eq!(
        xsolla_login::redirect_location(&err),
        Some("https://game.example/callback?code=Qx7&state=abcdefghij"),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "the redirect is not followed"
    );
}
