//! Paginated lists as streams (generated from the spec's `x-pagination` annotations) against a
//! local test server: offset pages up to `total_count`, and `after` cursors up to a null
//! `next_after`.

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xsolla_login::Client;

fn user(i: u32) -> Value {
    json!({"nickname": format!("Kestrel{i}"), "user_id": format!("2f6d8a1c-94be-4c57-a0d3-6e1b7f9c4a{i:02}")})
}

#[tokio::test]
async fn offset_pages_are_read_up_to_the_total() {
    let server = MockServer::start().await;
    for (offset, users) in [(None, 0..2), (Some("2"), 2..4), (Some("4"), 4..5)] {
        let matcher = Mock::given(method("GET")).and(path("/users/search/by_nickname"));
        let matcher = match offset {
            Some(o) => matcher.and(query_param("offset", o)),
            None => matcher.and(query_param_is_missing("offset")),
        };
        matcher
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "users": users.map(user).collect::<Vec<_>>(),
                "offset": offset.map_or(0, |o| o.parse::<u32>().unwrap()),
                "total_count": 5
            })))
            .mount(&server)
            .await;
    }
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_user_jwt("user.jwt.e0d4c4a1");
    let found: Vec<_> = client
        .search_users_by_nickname()
        .nickname("Kestrel")
        .into_stream()
        .try_collect()
        .await
        .expect("every page is read");
    let names: Vec<&str> = found.iter().map(|u| u.nickname.as_str()).collect();
    assert_eq!(
        names,
        ["Kestrel0", "Kestrel1", "Kestrel2", "Kestrel3", "Kestrel4"]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
