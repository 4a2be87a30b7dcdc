//! Paginated lists as streams (generated from the spec's `x-pagination` annotations) against a
//! local test server: three pages collect every item, following the answer's cursor.

use futures_util::TryStreamExt;
use lootlocker_game::Client;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn score(rank: i64) -> Value {
    json!({
        "member_id": format!("48291{rank:02}"),
        "rank": rank,
        "score": 100_000 - rank,
        "metadata": "",
        "player": {"id": 4_829_100 + rank, "public_uid": "K7QX2M9P", "name": null, "ulid": "01J1F8X3Z5B7D9G1J3M5P7R9T1"}
    })
}

fn page(ranks: std::ops::RangeInclusive<i64>, next: Value) -> ResponseTemplate {
    let items: Vec<Value> = ranks.map(score).collect();
    ResponseTemplate::new(200).set_body_json(json!({
        "success": true,
        "pagination": {"total": 7, "next_cursor": next, "previous_cursor": null},
        "items": items
    }))
}

#[tokio::test]
async fn three_pages_of_scores_collect_every_item() {
    let server = MockServer::start().await;
    let route = "/game/leaderboards/weekly/list";
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param_is_missing("after"))
        .respond_with(page(1..=3, json!(3)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param("after", "3"))
        .respond_with(page(4..=6, json!(6)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param("after", "6"))
        .respond_with(page(7..=7, Value::Null))
        .mount(&server)
        .await;
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_session_token("e0d4c4a1b7b14f0a");

    let scores: Vec<_> = client
        .list_leaderboard_scores()
        .leaderboard_key("weekly")
        .count(3)
        .into_stream()
        .try_collect()
        .await
        .expect("every page is read");
    let ranks: Vec<i64> = scores.iter().map(|s| s.rank).collect();
    assert_eq!(ranks, (1..=7).collect::<Vec<_>>());

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert!(
            r.url.query().unwrap_or_default().contains("count=3"),
            "{:?}",
            r.url
        );
    }
}
