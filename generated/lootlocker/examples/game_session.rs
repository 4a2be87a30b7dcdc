//! A game backend tool's first minutes with LootLocker: a guest session, the leaderboards (every
//! page, as a stream), and the player's key-value storage.
//!
//! Run it against the mock (`conformance mock --spec lootlocker` prints its URL):
//! `GAMESPEC_BASE_URL=http://127.0.0.1:4010 cargo run -p lootlocker-game --example game_session`.
//! Without `GAMESPEC_BASE_URL` it talks to the shared LootLocker host with
//! `GAMESPEC_GAME_KEY` as the game key.

use std::time::Duration;

use futures_util::TryStreamExt;
use lootlocker_game::{Client, RetryPolicy, types};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent("gamespec-quickstart/1.0")
        .retry(RetryPolicy::default().max_attempts(4));
    if let Ok(url) = std::env::var("GAMESPEC_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let game_key = std::env::var("GAMESPEC_GAME_KEY").unwrap_or_else(|_| "dev_quickstart".into());

    // The session token is captured by the client and sent on every later call.
    let session = client
        .start_guest_session()
        .body(
            types::StartGuestSessionBody::builder()
                .game_key(game_key)
                .game_version("1.0.0"),
        )
        .send()
        .await?;
    println!("session started for player {}", session.player_id);

    let boards: Vec<_> = client
        .list_leaderboards()
        .count(20)
        .into_stream()
        .try_collect()
        .await?;
    println!("{} leaderboards", boards.len());

    client
        .update_player_storage()
        .body(types::UpdatePlayerStorageBody {
            payload: vec![types::UpdatePlayerStorageBodyPayloadItem {
                key: "last_tool_run".into(),
                value: "quickstart".into(),
                is_public: Some(false),
                order: None,
            }],
        })
        .send()
        .await?;
    let storage = client.get_player_storage().send().await?;
    println!(
        "storage written and read back (success: {:?})",
        storage.success
    );
    Ok(())
}
