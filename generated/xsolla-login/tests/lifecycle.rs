//! The credential lifecycle of the Xsolla client against a local test server: a password sign-in
//! leaves the client authenticated, a server JWT past its `exp` is renewed before the call that
//! would send it, and a user JWT answered 401 is renewed with the rotated refresh token and the
//! call repeated once.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use xsolla_login::{Client, types};

const PROJECT: &str = "5883ebbd-55bf-4917-9668-293aa8d1e6af";

/// An unsigned JWT with `exp` `seconds` from now (the client never verifies, it only reads `exp`).
fn jwt(subject: &str, seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2lnbmF0dXJl",
        enc.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        enc.encode(json!({"sub": subject, "exp": now + seconds}).to_string())
    )
}

fn token_response(access: &str, refresh: Option<&str>) -> ResponseTemplate {
    let mut body = json!({"access_token": access, "token_type": "bearer", "expires_in": 3600});
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
        body["scope"] = json!("offline");
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn users_page() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"count": 0, "next_after": null, "next_url": null, "users": []}))
}

fn search_page() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"users": [], "offset": 0, "total_count": 0}))
}

fn unauthorized() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "error": {"code": "003-040", "description": "Unauthorized user."}
    }))
}

fn auth_of<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn form(req: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect()
}

fn project() -> uuid::Uuid {
    PROJECT.parse().unwrap()
}

async fn list_users(client: &Client) -> Result<(), xsolla_login::Error<types::Error>> {
    client
        .list_project_users()
        .project_id(project())
        .limit(std::num::NonZeroU64::new(10).unwrap())
        .order("desc")
        .send()
        .await
        .map(|_| ())
}

#[tokio::test]
async fn password_sign_in_leaves_the_client_authenticated() {
    let server = MockServer::start().await;
    let user = jwt("user-1", 3600);
    Mock::given(method("POST"))
        .and(path("/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "login_url": format!("https://game.example.com/cb?token={user}&remember_me=false")
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/search/by_nickname"))
        .respond_with(search_page())
        .mount(&server)
        .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client
        .login_with_password_jwt()
        .project_id(project())
        .body(
            types::JwtPasswordLoginRequest::builder()
                .username("nova_rider")
                .password("Kestrel-42-Orbit")
                .remember_me(false),
        )
        .send()
        .await
        .expect("sign-in succeeds");
    assert_eq!(
        client.credentials().user_jwt().as_deref(),
        Some(user.as_str())
    );
    assert!(client.runtime().can_renew("userJwt"));

    client
        .search_users_by_nickname()
        .nickname("Kestrel")
        .send()
        .await
        .expect("authenticated call succeeds");
    let requests = server.received_requests().await.unwrap();
    let bearer = format!("Bearer {user}");
    assert_eq!(
        auth_of(&requests[1], "authorization"),
        Some(bearer.as_str())
    );
}

#[tokio::test]
async fn an_expired_server_jwt_is_renewed_before_the_call() {
    let server = MockServer::start().await;
    let expired = jwt("server-old", -60);
    let fresh = jwt("server-new", 3600);
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(token_response(&expired, None))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(token_response(&fresh, None))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/projects/{PROJECT}/users")))
        .and(header("x-server-authorization", fresh.as_str()))
        .respond_with(users_page())
        .mount(&server)
        .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client
        .obtain_server_token("7104", "example-server-client-secret")
        .await
        .expect("token call succeeds");
    assert_eq!(
        client.credentials().server_jwt().as_deref(),
        Some(expired.as_str())
    );
    list_users(&client)
        .await
        .expect("the call goes out with a fresh token");

    let requests = server.received_requests().await.unwrap();
    let seen: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        seen,
        vec![
            "POST /oauth2/token".to_owned(),
            "POST /oauth2/token".to_owned(),
            format!("GET /projects/{PROJECT}/users"),
        ],
        "the expired token is never sent"
    );
    assert_eq!(
        form(&requests[1]),
        form(&requests[0]),
        "the renewal repeats the grant"
    );
    assert!(
        form(&requests[1]).contains(&("grant_type".to_owned(), "client_credentials".to_owned()))
    );
    assert_eq!(
        client.credentials().server_jwt().as_deref(),
        Some(fresh.as_str())
    );
    assert_eq!(
        client.credentials().user_jwt(),
        None,
        "a server grant is not a user token"
    );
}

#[tokio::test]
async fn a_401_renews_the_user_jwt_with_the_rotated_refresh_token() {
    let server = MockServer::start().await;
    let first = jwt("user-1", 3600);
    let second = jwt("user-1", 7200);
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains("refresh_token=rT-1"))
        .respond_with(token_response(&first, Some("rT-2")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains("refresh_token=rT-2"))
        .respond_with(token_response(&second, Some("rT-3")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/search/by_nickname"))
        .and(header("authorization", format!("Bearer {first}").as_str()))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/search/by_nickname"))
        .and(header("authorization", format!("Bearer {second}").as_str()))
        .respond_with(search_page())
        .mount(&server)
        .await;

    let client = Client::with_base_url(&server.uri()).unwrap();
    client
        .refresh_user_token("5821", "rT-1", None)
        .await
        .expect("refresh succeeds");
    client
        .search_users_by_nickname()
        .nickname("Kestrel")
        .send()
        .await
        .expect("succeeds after renewal");
    assert_eq!(
        client.credentials().user_jwt().as_deref(),
        Some(second.as_str())
    );

    let requests = server.received_requests().await.unwrap();
    let refreshes: Vec<Value> = requests
        .iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .map(|r| {
            let fields = form(r);
            let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            json!({"grant": get("grant_type"), "refresh": get("refresh_token")})
        })
        .collect();
    assert_eq!(
        refreshes,
        vec![
            json!({"grant": "refresh_token", "refresh": "rT-1"}),
            json!({"grant": "refresh_token", "refresh": "rT-2"}),
        ]
    );
    assert_eq!(requests.len(), 4, "one renewal, one repeat");
}
