//! The stateful mock as a game-backend double: small games played against it over HTTP, one per
//! API, checking that what a player did reads back, that another player cannot see a player's
//! private data, and that every answer still validates against the spec (the oracle of
//! `common`). The last test shows `--stateless` (`MockOptions::stateless`) answering as before.

mod common;

use common::Oracle;
use gamespec_conformance::mock::{MockHandle, MockOptions, MockServer};
use gamespec_spec::spec::Spec;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// A client of one mock that checks every answer against the spec.
struct Game {
    spec: Arc<Spec>,
    oracle: Oracle,
    http: reqwest::Client,
    mock: MockHandle,
}

impl Game {
    async fn start(api: &str, options: MockOptions) -> Game {
        let spec = common::spec(api);
        let mock = MockServer::start(spec.clone(), options).await.unwrap();
        Game {
            oracle: Oracle::new(spec.clone()),
            spec,
            http: reqwest::Client::new(),
            mock,
        }
    }

    /// Call `operation` with `path` filled in, headers, and a JSON body or multipart form;
    /// the status and JSON body, after checking them against the spec.
    async fn call(
        &self,
        operation: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> (u16, Value) {
        let op = self.spec.operation(operation).unwrap();
        let method = Method::from_bytes(op.method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.mock.url()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Form(fields) => {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in fields {
                    form = if k == "file" {
                        form.part(
                            k,
                            reqwest::multipart::Part::bytes(v.as_bytes().to_vec())
                                .file_name("slot.sav"),
                        )
                    } else {
                        form.text(k, v)
                    };
                }
                req.multipart(form)
            }
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = res.bytes().await.unwrap();
        self.oracle
            .check(op, status, content_type.as_deref(), &bytes);
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

/// A LootLocker guest: the session token and the answer's player facts.
struct Guest {
    token: String,
    id: u64,
    ulid: String,
    public_uid: String,
    identifier: String,
}

async fn guest(game: &Game, identifier: Option<&str>) -> Guest {
    let mut body = json!({"game_key": "dev_6f1c2a9e", "game_version": "1.0.0"});
    if let Some(i) = identifier {
        body["player_identifier"] = json!(i);
    }
    let (status, answer) = game
        .call(
            "startGuestSession",
            "/game/v2/session/guest",
            &[],
            Body::Json(body),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    Guest {
        token: answer["session_token"].as_str().unwrap().to_owned(),
        id: answer["player_id"].as_u64().unwrap(),
        ulid: answer["player_ulid"].as_str().unwrap().to_owned(),
        public_uid: answer["public_uid"].as_str().unwrap().to_owned(),
        identifier: answer["player_identifier"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn lootlocker_a_small_game_reads_back_what_the_players_did() {
    let game = Game::start("lootlocker", MockOptions::default()).await;
    let a = guest(&game, None).await;
    let b = guest(&game, None).await;
    assert_ne!(a.id, b.id, "two guests are two players");
    assert_ne!(a.public_uid, b.public_uid);
    let again = guest(&game, Some(&a.identifier)).await;
    assert_eq!(
        again.id, a.id,
        "the stored identifier brings the same player back"
    );
    let ha = [("x-session-token", a.token.as_str())];
    let hb = [("x-session-token", b.token.as_str())];

    // Scores for two players: ranks and the member list agree.
    let board = "/game/leaderboards/weekly";
    let submit = |score: i64| Body::Json(json!({"score": score, "metadata": "map=harbor"}));
    let (s, mine) = game
        .call(
            "submitLeaderboardScore",
            &format!("{board}/submit"),
            &ha,
            submit(500),
        )
        .await;
    assert_eq!(
        (s, mine["rank"].as_u64(), mine["member_id"].as_str()),
        (200, Some(1), Some(a.id.to_string().as_str()))
    );
    let (_, theirs) = game
        .call(
            "submitLeaderboardScore",
            &format!("{board}/submit"),
            &hb,
            submit(900),
        )
        .await;
    assert_eq!(theirs["rank"], json!(1), "900 beats 500");
    // A worse score does not replace a better one.
    let (_, worse) = game
        .call(
            "submitLeaderboardScore",
            &format!("{board}/submit"),
            &ha,
            submit(100),
        )
        .await;
    assert_eq!(
        (worse["score"].as_i64(), worse["rank"].as_u64()),
        (Some(500), Some(2))
    );
    let (_, list) = game
        .call(
            "listLeaderboardScores",
            &format!("{board}/list?count=10"),
            &ha,
            Body::None,
        )
        .await;
    let members: Vec<(String, i64, u64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["member_id"].as_str().unwrap().to_owned(),
                i["score"].as_i64().unwrap(),
                i["rank"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        members,
        vec![(b.id.to_string(), 900, 1), (a.id.to_string(), 500, 2)]
    );
    let (_, rank) = game
        .call(
            "getLeaderboardMemberRank",
            &format!("{board}/member/{}", a.id),
            &hb,
            Body::None,
        )
        .await;
    assert_eq!(
        (rank["rank"].as_u64(), rank["score"].as_i64()),
        (Some(2), Some(500))
    );

    // Storage: write, read back, public keys visible to another player, private ones not.
    let write = json!({"payload": [
        {"key": "difficulty", "value": "nightmare", "order": 1, "is_public": false},
        {"key": "favourite_map", "value": "harbour", "order": 2, "is_public": true}
    ]});
    let (s, written) = game
        .call(
            "updatePlayerStorage",
            "/game/v1/player/storage",
            &ha,
            Body::Json(write),
        )
        .await;
    assert_eq!(
        (s, written["payload"].as_array().map(Vec::len)),
        (200, Some(2))
    );
    let (_, all) = game
        .call(
            "getPlayerStorage",
            "/game/v1/player/storage",
            &ha,
            Body::None,
        )
        .await;
    let keys = |v: &Value| -> Vec<(String, String)> {
        v["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["key"].as_str().unwrap().into(),
                    e["value"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        keys(&all),
        vec![
            ("difficulty".into(), "nightmare".into()),
            ("favourite_map".into(), "harbour".into())
        ]
    );
    let (_, one) = game
        .call(
            "getPlayerStorage",
            "/game/v1/player/storage?key=difficulty",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(one["payload"]["value"], json!("nightmare"));
    let (_, public) = game
        .call(
            "getPlayerPublicStorage",
            &format!("/game/v1/player/{}/storage", a.public_uid),
            &hb,
            Body::None,
        )
        .await;
    assert_eq!(
        keys(&public),
        vec![("favourite_map".into(), "harbour".into())],
        "B sees only A's public key"
    );
    let (_, left) = game
        .call(
            "deletePlayerStorageItem",
            "/game/v1/player/storage?key=difficulty",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(
        keys(&left),
        vec![("favourite_map".into(), "harbour".into())]
    );

    // A wallet: credit, debit, and a debit below zero refused with the documented 400.
    let change = |amount: &str| {
        Body::Json(
            json!({"amount": amount, "currency_id": "01J8QK7P9R1S3T5V7W9X1Y3Z5A", "wallet_id": "wallet-a"}),
        )
    };
    let (s, credited) = game
        .call("creditBalance", "/game/balances/credit", &ha, change("100"))
        .await;
    assert_eq!((s, credited["amount"].as_str()), (200, Some("100")));
    let (_, debited) = game
        .call("debitBalance", "/game/balances/debit", &ha, change("30"))
        .await;
    assert_eq!(debited["amount"], json!("70"));
    let (s, refused) = game
        .call("debitBalance", "/game/balances/debit", &ha, change("71"))
        .await;
    assert_eq!(
        (s, refused["param"].as_str()),
        (400, Some("amount")),
        "{refused}"
    );
    let (_, balances) = game
        .call(
            "listBalances",
            "/game/balances/wallet/wallet-a",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(
        balances["balances"][0]["amount"],
        json!("70"),
        "the refused debit changed nothing"
    );

    // Files: upload → list → B cannot read it → delete → gone.
    let form = || {
        Body::Form(vec![
            ("file", "save data".into()),
            ("purpose", "SAVE_GAME".into()),
            ("public", "false".into()),
        ])
    };
    let (s, file) = game
        .call("uploadPlayerFile", "/game/player/files", &ha, form())
        .await;
    assert_eq!(s, 200, "{file}");
    let id = file["id"].as_u64().unwrap();
    let (_, second) = game
        .call("uploadPlayerFile", "/game/player/files", &ha, form())
        .await;
    assert_ne!(
        second["id"].as_u64(),
        Some(id),
        "each upload gets its own id"
    );
    let (_, files) = game
        .call("listPlayerFiles", "/game/player/files", &ha, Body::None)
        .await;
    let ids: Vec<u64> = files["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![id, second["id"].as_u64().unwrap()]);
    let file_path = format!("/game/player/files/{id}");
    let (s, own) = game
        .call("getPlayerFile", &file_path, &ha, Body::None)
        .await;
    assert_eq!(
        (s, own["id"].as_u64(), own["public"].as_bool()),
        (200, Some(id), Some(false))
    );
    let (s, _) = game
        .call("getPlayerFile", &file_path, &hb, Body::None)
        .await;
    assert_eq!(s, 404, "another player's private file is not visible");
    let (_, others) = game
        .call(
            "listOtherPlayerPublicFiles",
            &format!("/game/player/{}/files", a.id),
            &hb,
            Body::None,
        )
        .await;
    assert_eq!(others["items"], json!([]), "A has no public files");
    let (s, _) = game
        .call("deletePlayerFile", &file_path, &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = game
        .call("getPlayerFile", &file_path, &ha, Body::None)
        .await;
    assert_eq!(s, 404, "a deleted file is gone");
    let (_, files) = game
        .call("listPlayerFiles", "/game/player/files", &ha, Body::None)
        .await;
    assert_eq!(files["items"].as_array().map(Vec::len), Some(1));

    // Heroes: create → rename → list → delete → gone from the list.
    let hero = Body::Json(json!({"hero_id": 17, "name": "Sir Reginald", "is_default": true}));
    let (s, created) = game
        .call("createPlayerHero", "/game/v1/player/heroes", &ha, hero)
        .await;
    assert_eq!(
        (s, created["hero"]["hero_name"].as_str()),
        (200, Some("Sir Reginald"))
    );
    let hero_path = format!("/game/v1/player/heroes/{}", created["hero"]["id"]);
    let rename = Body::Json(json!({"name": "Sir Reginald the Brave"}));
    game.call("updatePlayerHero", &hero_path, &ha, rename).await;
    let (_, read) = game
        .call("getPlayerHero", &hero_path, &ha, Body::None)
        .await;
    assert_eq!(read["hero"]["hero_name"], json!("Sir Reginald the Brave"));
    let (_, heroes) = game
        .call(
            "listPlayerHeroes",
            "/game/v1/player/heroes",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(heroes["heroes"].as_array().map(Vec::len), Some(1));
    let (s, _) = game
        .call("deletePlayerHero", &hero_path, &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, heroes) = game
        .call(
            "listPlayerHeroes",
            "/game/v1/player/heroes",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(heroes["heroes"], json!([]));

    // Following: B follows A; A's followers and B's following show it, until B unfollows.
    let follow = format!("/game/player/{}/followers/follow", a.public_uid);
    let (s, _) = game.call("followPlayer", &follow, &hb, Body::None).await;
    assert_eq!(s, 204);
    let followers = format!("/game/player/{}/followers", a.public_uid);
    let (_, list) = game
        .call("listFollowers", &followers, &ha, Body::None)
        .await;
    assert_eq!(list["followers"][0]["publicuid"], json!(b.public_uid));
    let following = format!("/game/player/{}/following", b.public_uid);
    let (_, list) = game
        .call("listFollowing", &following, &ha, Body::None)
        .await;
    assert_eq!(list["followers"][0]["publicuid"], json!(a.public_uid));
    let unfollow = format!("/game/player/{}/followers/unfollow", a.public_uid);
    game.call("unfollowPlayer", &unfollow, &hb, Body::None)
        .await;
    let (_, list) = game
        .call("listFollowers", &followers, &ha, Body::None)
        .await;
    assert_eq!(list["followers"], json!([]));

    // Asset instance storage: create → list → update → get → delete.
    let instance = "/game/v1/asset/instance/5012/storage";
    let pair = Body::Json(json!({"key": "owner_note", "value": "first sword"}));
    let (_, created) = game
        .call("createInstanceStorageItem", instance, &ha, pair)
        .await;
    let pairs = created["storage"].as_array().unwrap();
    assert_eq!(
        (pairs.len(), &pairs[0]["value"]),
        (1, &json!("first sword"))
    );
    let item = format!("{instance}/{}", pairs[0]["id"]);
    let change = Body::Json(json!({"key": "owner_note", "value": "second sword"}));
    game.call("updateInstanceStorageItem", &item, &ha, change)
        .await;
    let (_, read) = game
        .call("getInstanceStorageItem", &item, &ha, Body::None)
        .await;
    assert_eq!(read["storage"]["value"], json!("second sword"));
    let (_, left) = game
        .call("deleteInstanceStorageItem", &item, &ha, Body::None)
        .await;
    assert_eq!(left["storage"], json!([]));

    // B's own storage is B's: A's keys are not in it.
    let (_, theirs) = game
        .call(
            "getPlayerStorage",
            "/game/v1/player/storage",
            &hb,
            Body::None,
        )
        .await;
    assert!(
        !common::strings(&theirs).contains("nightmare"),
        "B's storage read shows none of A's private keys: {theirs}"
    );
    game.mock.shutdown().await.unwrap();
}

#[tokio::test]
async fn lootlocker_characters_friends_and_inventory_read_back() {
    let game = Game::start("lootlocker", MockOptions::default()).await;
    let a = guest(&game, None).await;
    let b = guest(&game, None).await;
    assert_ne!(a.ulid, b.ulid, "each player has a ULID of their own");
    let ha = [("x-session-token", a.token.as_str())];
    let hb = [("x-session-token", b.token.as_str())];

    // Characters: create → rename → list (plain and with loadouts) → delete → gone.
    let new = Body::Json(json!({"name": "Ostara", "character_type_id": 8, "is_default": false}));
    let (s, created) = game
        .call("createCharacter", "/game/v1/player/character", &ha, new)
        .await;
    let loadouts = created["loadouts"].as_array().unwrap();
    assert_eq!(
        (s, loadouts.len(), &loadouts[0]["character"]["name"]),
        (200, 1, &json!("Ostara")),
        "{created}"
    );
    assert_eq!(
        loadouts[0]["loadout"],
        json!([]),
        "a new character has nothing equipped"
    );
    let id = loadouts[0]["character"]["id"].as_u64().unwrap();
    let character = format!("/game/v1/player/character/{id}");
    let rename = Body::Json(json!({"name": "Ostara the Wise", "is_default": true}));
    let (s, renamed) = game.call("updateCharacter", &character, &ha, rename).await;
    assert_eq!(
        (s, &renamed["loadouts"][0]["character"]["name"]),
        (200, &json!("Ostara the Wise"))
    );
    let list = "/game/v1/player/character/list";
    let (_, listed) = game.call("listCharacters", list, &ha, Body::None).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(
        (&items[0]["id"], &items[0]["name"], &items[0]["is_default"]),
        (&json!(id), &json!("Ostara the Wise"), &json!(true))
    );
    let (_, all) = game
        .call(
            "listCharacterLoadouts",
            "/game/v1/player/character/loadout",
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(all["loadouts"][0]["character"]["id"], json!(id));
    let (_, theirs) = game.call("listCharacters", list, &hb, Body::None).await;
    assert!(
        !common::strings(&theirs).contains("Ostara the Wise"),
        "B's characters are not A's: {theirs}"
    );
    let (s, _) = game
        .call("deleteCharacter", &character, &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, listed) = game.call("listCharacters", list, &ha, Body::None).await;
    assert_eq!(listed["items"], json!([]), "a deleted character is gone");
    // Renaming a character nobody created makes none.
    let never = format!("/game/v1/player/character/{}", id + 1_000);
    let rename = Body::Json(json!({"name": "Nobody", "is_default": false}));
    game.call("updateCharacter", &never, &ha, rename).await;
    let (_, listed) = game.call("listCharacters", list, &ha, Body::None).await;
    assert_eq!(listed["items"], json!([]), "an update creates nothing");

    // Friends: A asks B; B sees the request and accepts; both are friends until A ends it.
    let friend_of = |ulid: &str| format!("/game/player/friends/{ulid}");
    let incoming = "/game/player/friends/incoming";
    let outgoing = "/game/player/friends/outgoing";
    let friends = "/game/player/friends";
    let (s, _) = game
        .call("sendFriendRequest", &friend_of(&b.ulid), &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, list) = game
        .call("listIncomingFriendRequests", incoming, &hb, Body::None)
        .await;
    assert_eq!(
        (
            &list["incoming"][0]["player_id"],
            &list["incoming"][0]["public_uid"]
        ),
        (&json!(a.ulid), &json!(a.public_uid)),
        "{list}"
    );
    let (_, list) = game
        .call("listOutgoingFriendRequests", outgoing, &ha, Body::None)
        .await;
    assert_eq!(list["outgoing"][0]["player_id"], json!(b.ulid));
    let accept = format!("{incoming}/{}/accept", a.ulid);
    let (s, _) = game
        .call("acceptFriendRequest", &accept, &hb, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, list) = game.call("listFriends", friends, &ha, Body::None).await;
    assert_eq!(list["friends"][0]["player_id"], json!(b.ulid), "{list}");
    // (B wrote this entry by accepting: the mock knows A's ULID from the path, not A's UID.)
    let (_, list) = game.call("listFriends", friends, &hb, Body::None).await;
    assert_eq!(list["friends"][0]["player_id"], json!(a.ulid), "{list}");
    let (_, list) = game
        .call("listIncomingFriendRequests", incoming, &hb, Body::None)
        .await;
    assert_eq!(list["incoming"], json!([]), "an accepted request is done");
    let (_, list) = game
        .call("listOutgoingFriendRequests", outgoing, &ha, Body::None)
        .await;
    assert_eq!(list["outgoing"], json!([]));
    let (s, friend) = game
        .call("getFriend", &friend_of(&b.ulid), &ha, Body::None)
        .await;
    assert_eq!((s, &friend["player_id"]), (200, &json!(b.ulid)));
    let (s, _) = game
        .call("deleteFriend", &friend_of(&b.ulid), &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    for h in [&ha, &hb] {
        let (_, list) = game.call("listFriends", friends, h, Body::None).await;
        assert_eq!(
            list["friends"],
            json!([]),
            "a friendship ends on both sides"
        );
    }
    // Accepting a request that was never sent makes no friendship.
    let unsent = format!("{incoming}/{}/accept", b.ulid);
    game.call("acceptFriendRequest", &unsent, &ha, Body::None)
        .await;
    for h in [&ha, &hb] {
        let (_, list) = game.call("listFriends", friends, h, Body::None).await;
        assert_eq!(list["friends"], json!([]), "no request, no friendship");
    }
    let (s, _) = game
        .call("getFriend", &friend_of(&b.ulid), &ha, Body::None)
        .await;
    assert_eq!(s, 404, "a deleted friend is gone");

    // A request withdrawn by its sender, and one declined by its receiver, leave no trace.
    game.call("sendFriendRequest", &friend_of(&b.ulid), &ha, Body::None)
        .await;
    let cancel = format!("{outgoing}/{}/cancel", b.ulid);
    let (s, _) = game
        .call("cancelOutgoingFriendRequest", &cancel, &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, list) = game
        .call("listIncomingFriendRequests", incoming, &hb, Body::None)
        .await;
    assert_eq!(list["incoming"], json!([]), "a cancelled request is gone");
    game.call("sendFriendRequest", &friend_of(&a.ulid), &hb, Body::None)
        .await;
    let decline = format!("{incoming}/{}/decline", b.ulid);
    let (s, _) = game
        .call("declineFriendRequest", &decline, &ha, Body::None)
        .await;
    assert_eq!(s, 204);
    let (_, list) = game
        .call("listOutgoingFriendRequests", outgoing, &hb, Body::None)
        .await;
    assert_eq!(list["outgoing"], json!([]), "a declined request is gone");

    // Blocking: A's block list shows B until A unblocks.
    let blocked = "/game/player/friends/blocked";
    let block = format!("{}/block", friend_of(&b.ulid));
    let (s, _) = game.call("blockPlayer", &block, &ha, Body::None).await;
    assert_eq!(s, 204);
    let (_, list) = game
        .call("listBlockedPlayers", blocked, &ha, Body::None)
        .await;
    assert_eq!(list["blocked"][0]["player_id"], json!(b.ulid), "{list}");
    let unblock = format!("{}/unblock", friend_of(&b.ulid));
    game.call("unblockPlayer", &unblock, &ha, Body::None).await;
    let (_, list) = game
        .call("listBlockedPlayers", blocked, &ha, Body::None)
        .await;
    assert_eq!(list["blocked"], json!([]));

    // Inventory: a granted asset shows in both listings until it is deleted.
    let grant = Body::Json(json!({"asset_id": 4401, "asset_variation_id": 9}));
    let (s, granted) = game
        .call(
            "grantAssetToPlayer",
            "/game/player/inventory/grant",
            &ha,
            grant,
        )
        .await;
    assert_eq!((s, &granted["asset_id"]), (200, &json!(4401)), "{granted}");
    let instance = granted["id"].as_u64().unwrap();
    let inventory = "/game/v1/player/inventory/list";
    let (_, list) = game
        .call("listPlayerInventory", inventory, &ha, Body::None)
        .await;
    let entries = list["inventory"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    assert_eq!(
        (&entries[0]["instance_id"], &entries[0]["asset"]["id"]),
        (&json!(instance), &json!(4401))
    );
    let simple = "/game/player/inventories/v1";
    let (_, list) = game
        .call(
            "listSimplifiedInventory",
            simple,
            &ha,
            Body::Json(json!({})),
        )
        .await;
    assert_eq!(list["items"][0]["instance_id"], json!(instance), "{list}");
    let (_, theirs) = game
        .call("listPlayerInventory", inventory, &hb, Body::None)
        .await;
    assert_ne!(
        theirs["inventory"][0]["instance_id"],
        json!(instance),
        "B's inventory is not A's"
    );
    let (s, _) = game
        .call(
            "deleteInventoryItem",
            &format!("/game/player/inventory/{instance}"),
            &ha,
            Body::None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, list) = game
        .call("listPlayerInventory", inventory, &ha, Body::None)
        .await;
    assert_eq!(list["inventory"], json!([]), "a deleted instance is gone");
    let (_, list) = game
        .call(
            "listSimplifiedInventory",
            simple,
            &ha,
            Body::Json(json!({})),
        )
        .await;
    assert_eq!(list["items"], json!([]));
    game.mock.shutdown().await.unwrap();
}

const PROJECT: &str = "5883ebbd-55bf-4917-9668-293aa8d1e6af";

/// Sign in (or register) and return the bearer header value.
async fn xsolla_login(game: &Game, operation: &str, path: &str, body: Value) -> String {
    let (status, answer) = game
        .call(
            operation,
            &format!("{path}?projectId={PROJECT}"),
            &[],
            Body::Json(body),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let url = answer["login_url"].as_str().unwrap();
    let query = url.split_once('?').unwrap().1;
    let token = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .unwrap();
    format!("Bearer {token}")
}

#[tokio::test]
async fn xsolla_users_attributes_friends_and_devices_persist() {
    let game = Game::start("xsolla", MockOptions::default()).await;
    let register = json!({"username": "kestrel", "password": "Orbit-42-Kestrel", "email": "kestrel@example.com", "fields": {"nickname": "Kes"}});
    let first = xsolla_login(&game, "registerUserJwt", "/user", register).await;
    let login = json!({"username": "kestrel", "password": "Orbit-42-Kestrel"});
    let me = xsolla_login(&game, "loginWithPasswordJwt", "/login", login).await;
    let other = xsolla_login(
        &game,
        "loginWithPasswordJwt",
        "/login",
        json!({"username": "nova", "password": "Kestrel-42-Orbit"}),
    )
    .await;
    let h = [("authorization", me.as_str())];
    let ho = [("authorization", other.as_str())];

    // The user exists, with what registration sent, under either credential.
    let (_, details) = game
        .call("getUserDetails", "/users/me", &h, Body::None)
        .await;
    assert_eq!(
        (
            details["username"].as_str(),
            details["email"].as_str(),
            details["nickname"].as_str()
        ),
        (Some("kestrel"), Some("kestrel@example.com"), Some("Kes"))
    );
    let (_, again) = game
        .call(
            "getUserDetails",
            "/users/me",
            &[("authorization", first.as_str())],
            Body::None,
        )
        .await;
    assert_eq!(
        again["id"], details["id"],
        "register and login are the same user"
    );
    let (_, nova) = game
        .call("getUserDetails", "/users/me", &ho, Body::None)
        .await;
    assert_eq!(nova["username"], json!("nova"));
    assert_ne!(nova["id"], details["id"]);

    // Attributes: update → read back; removing a key removes it.
    let update = json!({"attributes": [
        {"key": "favourite_class", "value": "ranger", "permission": "public"},
        {"key": "tutorial_done", "value": "true"}
    ]});
    let (s, _) = game
        .call(
            "updateUserAttributes",
            "/attributes/users/me/update",
            &h,
            Body::Json(update),
        )
        .await;
    assert_eq!(s, 204);
    let read = || Body::Json(json!({}));
    let (_, attributes) = game
        .call("getUserAttributes", "/attributes/users/me/get", &h, read())
        .await;
    assert_eq!(
        attributes,
        json!([
            {"key": "favourite_class", "value": "ranger", "permission": "public"},
            {"key": "tutorial_done", "value": "true", "permission": "private"}
        ])
    );
    let remove = json!({"removing_keys": ["tutorial_done"]});
    game.call(
        "updateUserAttributes",
        "/attributes/users/me/update",
        &h,
        Body::Json(remove),
    )
    .await;
    let (_, attributes) = game
        .call("getUserAttributes", "/attributes/users/me/get", &h, read())
        .await;
    assert_eq!(attributes.as_array().map(Vec::len), Some(1));

    // Friends: a request sent shows as requested; cancelling drops it.
    let friend = nova["id"].as_str().unwrap().to_owned();
    let act = |action: &str| Body::Json(json!({"action": action, "user": friend}));
    let (s, _) = game
        .call(
            "updateUserFriends",
            "/users/me/relationships",
            &h,
            act("friend_request_add"),
        )
        .await;
    assert_eq!(s, 204);
    let (_, friends) = game
        .call(
            "listUserFriends",
            "/users/me/relationships?type=friends",
            &h,
            Body::None,
        )
        .await;
    let relationships = friends["relationships"].as_array().unwrap();
    assert_eq!(relationships.len(), 1);
    assert_eq!(relationships[0]["user"]["id"], json!(friend));
    assert_eq!(
        relationships[0]["status_outgoing"],
        json!("friend_requested")
    );
    game.call(
        "updateUserFriends",
        "/users/me/relationships",
        &h,
        act("friend_request_cancel"),
    )
    .await;
    let (_, friends) = game
        .call(
            "listUserFriends",
            "/users/me/relationships?type=friends",
            &h,
            Body::None,
        )
        .await;
    assert_eq!(friends["relationships"], json!([]));

    // Linked devices: link → listed → unlink → gone.
    let device = Body::Json(json!({"device": "Pixel 9", "device_id": "a3f91c7e5b2d4088"}));
    let (s, _) = game
        .call(
            "linkDeviceToAccount",
            "/users/me/devices/android",
            &h,
            device,
        )
        .await;
    assert_eq!(s, 204);
    let (_, devices) = game
        .call("listUserDevices", "/users/me/devices", &h, Body::None)
        .await;
    assert_eq!(devices.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (devices[0]["device"].as_str(), devices[0]["type"].as_str()),
        (Some("Pixel 9"), Some("android"))
    );
    let (_, none) = game
        .call("listUserDevices", "/users/me/devices", &ho, Body::None)
        .await;
    assert!(
        !common::strings(&none).contains("Pixel 9"),
        "another user's devices are not shown"
    );
    let id = devices[0]["id"].as_u64().unwrap();
    let (s, _) = game
        .call(
            "unlinkDeviceFromAccount",
            &format!("/users/me/devices/{id}"),
            &h,
            Body::None,
        )
        .await;
    assert_eq!(s, 204);
    let (_, devices) = game
        .call("listUserDevices", "/users/me/devices", &h, Body::None)
        .await;
    assert_eq!(devices, json!([]));
    game.mock.shutdown().await.unwrap();
}

#[tokio::test]
async fn stateless_answers_with_the_examples_as_before() {
    let options = MockOptions {
        stateless: true,
        ..MockOptions::default()
    };
    let game = Game::start("lootlocker", options).await;
    let a = guest(&game, None).await;
    let b = guest(&game, None).await;
    assert_eq!(
        a.id, b.id,
        "stateless: every session answers the example's player"
    );
    let h = [("x-session-token", a.token.as_str())];
    let body = Body::Json(json!({"score": 5}));
    let (_, member) = game
        .call(
            "submitLeaderboardScore",
            "/game/leaderboards/weekly/submit",
            &h,
            body,
        )
        .await;
    assert_eq!(
        member["score"],
        json!(98200),
        "the example, not the score sent"
    );
    game.mock.shutdown().await.unwrap();
}
