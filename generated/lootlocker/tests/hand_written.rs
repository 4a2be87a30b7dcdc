//! The hand-written methods (multipart uploads, streamed responses) against a local test server:
//! exact method, path, headers and form fields, with the session token applied by the hooks.

use lootlocker_game::{Client, Upload, streamed, types};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "5f0c9a77e3b24d1c8a6e2b4d9f1a3c5e";

fn player_file() -> serde_json::Value {
    json!({
        "id": 2261, "revision_id": "01J5B7M3Q9T2W6Y8A1C3E5G7J9", "name": "slot1.sav", "size": 4,
        "purpose": "SAVE_GAME", "public": false,
        "url": "https://cdn.example.test/player-files/2261", "url_expires_at": "2026-08-01T16:00:00Z",
        "created_at": "2026-07-30T12:04:11Z"
    })
}

fn save_game() -> Upload {
    Upload {
        bytes: b"SAVE".to_vec(),
        file_name: "slot1.sav".into(),
        content_type: "application/octet-stream".into(),
    }
}

async fn client_for(server: &MockServer) -> Client {
    let client = Client::with_base_url(&server.uri()).unwrap();
    client.credentials().set_session_token(TOKEN);
    client
}

fn header<'a>(req: &'a Request, name: &str) -> &'a str {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The `name="…"` parts of a multipart body, with their content (text parts only).
fn form_fields(req: &Request) -> Vec<(String, String)> {
    let boundary = header(req, "content-type")
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .to_owned();
    let body = String::from_utf8_lossy(&req.body).into_owned();
    body.split(&format!("--{boundary}"))
        .filter_map(|part| {
            let name = part.split("name=\"").nth(1)?.split('"').next()?.to_owned();
            let content = part
                .split("\r\n\r\n")
                .nth(1)?
                .trim_end_matches("\r\n")
                .to_owned();
            Some((name, content))
        })
        .collect()
}

#[tokio::test]
async fn upload_player_file_sends_the_form_with_the_session_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/game/player/files"))
        .respond_with(ResponseTemplate::new(200).set_body_json(player_file()))
        .mount(&server)
        .await;
    let client = client_for(&server).await;
    let file = client
        .upload_player_file(save_game(), "SAVE_GAME", Some(true))
        .await
        .unwrap();
    assert_eq!(file.id, 2261);

    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/game/player/files");
    assert!(header(req, "content-type").starts_with("multipart/form-data; boundary="));
    assert_eq!(header(req, "x-session-token"), TOKEN);
    assert_eq!(header(req, "accept"), "application/json");
    assert!(req.headers.get("api-version").is_none());
    let body = String::from_utf8_lossy(&req.body);
    assert!(
        body.contains("name=\"file\"; filename=\"slot1.sav\""),
        "{body}"
    );
    assert_eq!(
        form_fields(req),
        vec![
            ("file".into(), "SAVE".into()),
            ("purpose".into(), "SAVE_GAME".into()),
            ("public".into(), "true".into())
        ]
    );
}

#[tokio::test]
async fn update_player_file_puts_to_the_file_path_and_maps_404() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/game/player/files/2261"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "not_found", "message": "no such file"})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server).await;
    let err = client
        .update_player_file(2261, save_game())
        .await
        .unwrap_err();
    match err {
        lootlocker_game::Error::ErrorResponse(body) => {
            assert_eq!(body.status().as_u16(), 404);
            assert_eq!(body.code.as_deref(), Some("not_found"));
        }
        other => panic!("expected the typed 404 body, got {other:?}"),
    }
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.method.as_str(), "PUT");
    assert_eq!(form_fields(req), vec![("file".into(), "SAVE".into())]);
    assert_eq!(header(req, "x-session-token"), TOKEN);
}

#[tokio::test]
async fn undeclared_status_is_unexpected_and_bad_content_type_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(418).set_body_string("teapot"))
        .mount(&server)
        .await;
    let client = client_for(&server).await;
    let purpose = types::AddFileToAssetCandidateRequestPurpose::PrimaryThumbnail;
    let err = client
        .add_file_to_asset_candidate(1203, save_game(), purpose)
        .await
        .unwrap_err();
    assert!(
        matches!(err, lootlocker_game::Error::UnexpectedResponse(_)),
        "{err:?}"
    );
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        req.url.path(),
        "/game/v1/player/assets/candidates/1203/file"
    );
    assert_eq!(
        form_fields(req)[1],
        ("purpose".into(), "primary_thumbnail".into())
    );

    let bad = Upload {
        content_type: "not a type".into(),
        ..save_game()
    };
    let err = client.upload_player_file(bad, "x", None).await.unwrap_err();
    assert!(
        matches!(err, lootlocker_game::Error::InvalidRequest(_)),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing sent for the bad upload"
    );
}

#[tokio::test]
async fn streamed_inventory_is_collected_into_typed_items() {
    let server = MockServer::start().await;
    let body = r#"{"instance_id":5012,"variation_id":118,"acquisition_source":"purchase","asset":{"id":3312,"name":"Ember Longsword"}},{"instance_id":5020,"variation_id":null,"acquisition_source":"grant_default_loadout","asset":{"id":3340,"name":"Frost Hood"}},{"streamedObjectCount":2}"#;
    Mock::given(method("GET"))
        .and(path("/game/v1/player/inventory"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/plain"))
        .mount(&server)
        .await;
    let client = client_for(&server).await;
    let response = client.stream_player_inventory().send().await.unwrap();
    let items: Vec<serde_json::Value> = streamed::collect(response).await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["instance_id"], 5020);
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(header(req, "x-session-token"), TOKEN);
}

#[test]
fn upload_debug_shows_size_not_content() {
    let shown = format!("{:?}", save_game());
    assert!(
        shown.contains("<4 bytes>") && !shown.contains("SAVE\""),
        "{shown}"
    );
}
