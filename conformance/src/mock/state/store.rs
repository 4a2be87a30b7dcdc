//! Where the stateful mock keeps what players did: players made by session starts (and the
//! credentials and aliases that find them), each player's collections, and the collections every
//! player shares (leaderboards, wallets). Items are JSON objects under a text key.
//!
//! Everything is bounded, so a client looping over session starts or writes cannot grow the mock
//! without end ([`Caps`]): players are a least-recently-used set (the oldest untouched player is
//! forgotten with all its data), credentials and aliases are LRU sets of the same kind, a
//! collection holds at most [`Caps::items`] items (a new key beyond it replaces the oldest one),
//! and a player's collections and the shared ones are LRU sets of at most [`Caps::collections`]
//! each. Which data is forgotten depends only on the requests, never on a hash order: a client
//! inventing collection names (random path segments) loses the ones it invented, not the
//! player's characters.
//!
//! Those counts alone bound nothing in bytes (10,000 players × 256 collections × 1,000 items of
//! up to a request body each), so all items together are also held to [`Caps::bytes`]: beyond
//! it, a write makes room by forgetting the least recently used other player, then the writer's
//! least recently used other collection, then a shared one, then the oldest other items of the
//! collection written.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;
use serde_json::Value;

use crate::mock::mix;

/// The bounds of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Players remembered (least recently used forgotten first).
    pub players: usize,
    /// Credentials remembered with their player.
    pub credentials: usize,
    /// Items per collection (the oldest key is dropped for a new one).
    pub items: usize,
    /// Collections per player, and shared collections in all.
    pub collections: usize,
    /// The bytes all items take together, as [`weight`] counts them.
    pub bytes: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            players: 10_000,
            credentials: 100_000,
            items: 1_000,
            collections: 256,
            // A fuzz run's players hold a few MB; one client writing 1 MB bodies reached
            // 430 MB in 300 requests without this bound.
            bytes: 64 * 1024 * 1024,
        }
    }
}

/// One player's facts; the number is the player's identity in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    /// Unique number (1,000,001 up).
    pub number: u64,
    /// The value that brings the player back on a later session start.
    pub key: String,
}

impl Player {
    /// A short upper-case code unique to the player (8 letters and digits).
    pub fn uid(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut bits = mix(self.number, 0x5549_4400);
        (0..8)
            .map(|_| {
                let c = ALPHABET[(bits % 32) as usize];
                bits /= 32;
                char::from(c)
            })
            .collect()
    }

    /// A version-4-shaped UUID unique to the player.
    pub fn uuid(&self) -> String {
        uuid_of(self.number)
    }

    /// A ULID unique to the player: a fixed creation time (2026-01-01) and 80 bits drawn from
    /// the number, so the same player always has the same ULID.
    pub fn ulid(&self) -> String {
        const CREATED_MS: u64 = 1_767_225_600_000;
        let random = (u128::from(mix(self.number, 0x554c_4944)) << 16)
            | u128::from(mix(self.number, 0x554c_4945) & 0xffff);
        ulid::Ulid::from_parts(CREATED_MS, random).to_string()
    }
}

/// A UUID-shaped text drawn from `n` (the same `n` gives the same text).
pub fn uuid_of(n: u64) -> String {
    let hi = mix(n, 1);
    let lo = mix(n, 2);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0x0fff,
        0x8000 | (lo >> 48) & 0x3fff,
        lo & 0xffff_ffff_ffff
    )
}

/// Items by key, in insertion order (lists without an order show them so), found by key in
/// constant time: a full collection is read or written on nearly every request of a fuzz run.
/// Each item is shared, so that a read takes the items out of the locked store without
/// copying them.
#[derive(Debug, Default, Clone)]
pub struct Collection {
    items: indexmap::IndexMap<String, Arc<Value>>,
    /// What the items weigh, keys included ([`weight`]).
    bytes: usize,
}

/// About how many bytes a JSON value takes in memory: its text, and a fixed cost per value
/// (allocation, map entry). An estimate, but one that grows with everything a client sends.
pub fn weight(value: &Value) -> usize {
    const NODE: usize = 32;
    match value {
        Value::String(s) => NODE + s.len(),
        Value::Array(items) => items.iter().map(weight).fold(NODE, usize::saturating_add),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| NODE.saturating_add(k.len()).saturating_add(weight(v)))
            .fold(NODE, usize::saturating_add),
        _ => NODE,
    }
}

/// The weight of an item under `key`.
fn entry_weight(key: &str, value: &Value) -> usize {
    key.len().saturating_add(weight(value))
}

impl Collection {
    /// The item under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.items.get(key).map(|v| &**v)
    }

    /// The item under `key`, shared.
    pub fn shared(&self, key: &str) -> Option<&Arc<Value>> {
        self.items.get(key)
    }

    /// Store `value` under `key`, replacing what was there; beyond `cap` items the oldest goes.
    /// Writes go through [`Inner::put`], which keeps the store's weight.
    fn put(&mut self, key: &str, value: Value, cap: usize) {
        let added = entry_weight(key, &value);
        if let Some(slot) = self.items.get_mut(key) {
            let old = entry_weight(key, slot);
            *slot = Arc::new(value);
            self.bytes = self.bytes.saturating_sub(old).saturating_add(added);
            return;
        }
        if self.items.len() >= cap.max(1) {
            self.take(0);
        }
        self.items.insert(key.to_owned(), Arc::new(value));
        self.bytes = self.bytes.saturating_add(added);
    }

    /// Remove the item under `key`; whether there was one.
    fn remove(&mut self, key: &str) -> bool {
        self.items.get_index_of(key).is_some_and(|at| self.take(at))
    }

    /// Remove the oldest item not under `key`; whether there was one.
    fn remove_oldest_but(&mut self, key: &str) -> bool {
        self.items
            .keys()
            .position(|k| k != key)
            .is_some_and(|at| self.take(at))
    }

    /// Remove the item at position `at`, and its weight; whether there was one.
    fn take(&mut self, at: usize) -> bool {
        let Some((k, v)) = self.items.shift_remove_index(at) else {
            return false;
        };
        self.bytes = self.bytes.saturating_sub(entry_weight(&k, &v));
        true
    }

    /// Every item, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.items.values().map(|v| &**v)
    }

    /// Every key with its item, in insertion order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Arc<Value>)> {
        self.items.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many items it holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Whose collection: a player's (by number) or everyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// The player with this number.
    Player(u64),
    /// Shared by all players.
    Shared,
}

#[derive(Debug)]
struct PlayerData {
    player: Player,
    collections: LruCache<String, Collection>,
}

impl PlayerData {
    fn bytes(&self) -> usize {
        self.collections
            .iter()
            .map(|(_, c)| c.bytes)
            .fold(0, usize::saturating_add)
    }
}

/// The store's contents, under one lock (a request holds it for a few map operations).
#[derive(Debug)]
pub struct Inner {
    caps: Caps,
    players: LruCache<u64, PlayerData>,
    /// Credential → player number.
    credentials: LruCache<String, u64>,
    /// Key, UID, UUID, ULID and number text → player number.
    aliases: LruCache<String, u64>,
    shared: LruCache<String, Collection>,
    /// What every stored item weighs together (at most [`Caps::bytes`] after each write).
    bytes: usize,
    next_player: u64,
    next_seq: u64,
}

/// The stateful mock's store.
#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
}

fn cap(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

impl Store {
    /// An empty store with these bounds.
    pub fn new(caps: Caps) -> Store {
        Store {
            inner: Mutex::new(Inner {
                caps,
                players: LruCache::new(cap(caps.players)),
                credentials: LruCache::new(cap(caps.credentials)),
                aliases: LruCache::new(cap(caps.players.saturating_mul(5))),
                shared: LruCache::new(cap(caps.collections)),
                bytes: 0,
                next_player: 1_000_001,
                next_seq: 1_000,
            }),
        }
    }

    /// The contents, locked.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many players are remembered now (at most [`Caps::players`]).
    pub fn players(&self) -> usize {
        self.lock().players.len()
    }
}

impl Inner {
    /// The player that `key` brings back, or a new one (with `key`, or a fresh key when none).
    pub fn player_for_key(&mut self, key: Option<&str>) -> Player {
        if let Some(number) = key.and_then(|k| self.aliases.get(k).copied())
            && let Some(data) = self.players.get(&number)
        {
            return data.player.clone();
        }
        let number = self.next_player;
        self.next_player += 1;
        let key = key.map_or_else(|| uuid_of(number ^ 0x006b_6579), str::to_owned);
        let player = Player { number, key };
        for alias in [
            player.key.clone(),
            player.uid(),
            player.uuid(),
            player.ulid(),
            number.to_string(),
        ] {
            self.aliases.put(alias, number);
        }
        let forgotten = self.players.push(
            number,
            PlayerData {
                player: player.clone(),
                // Sparse: most players never hold more than a few collections.
                collections: LruCache::sparse(cap(self.caps.collections)),
            },
        );
        if let Some((_, data)) = forgotten {
            self.bytes = self.bytes.saturating_sub(data.bytes());
        }
        player
    }

    /// Remember that `credential` belongs to `player`.
    pub fn bind(&mut self, credential: &str, player: &Player) {
        if !credential.is_empty() {
            self.credentials.put(credential.to_owned(), player.number);
        }
    }

    /// The player a credential (the caller's identity) belongs to; a credential the mock has not
    /// seen with a session start (a pre-issued one, or one forgotten) gets a player of its own.
    pub fn player_of(&mut self, credential: &str) -> Option<Player> {
        if credential.is_empty() {
            return None;
        }
        // An identity joins every credential presented; the session start bound each alone.
        let parts = std::iter::once(credential).chain(credential.split(' '));
        for part in parts {
            if let Some(number) = self.credentials.get(part).copied()
                && let Some(data) = self.players.get(&number)
            {
                return Some(data.player.clone());
            }
        }
        let player = self.player_for_key(None);
        self.bind(credential, &player);
        Some(player)
    }

    /// The player an alias (key, UID, UUID, ULID or number) names, if remembered.
    pub fn player_named(&mut self, alias: &str) -> Option<Player> {
        let number = self.aliases.get(alias).copied()?;
        self.players.get(&number).map(|d| d.player.clone())
    }

    /// A fresh number.
    pub fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The collection `name` of `holder`, if it exists.
    pub fn collection(&mut self, holder: Holder, name: &str) -> Option<&Collection> {
        match holder {
            Holder::Shared => self.shared.get(name),
            Holder::Player(n) => self.players.get_mut(&n)?.collections.get(name),
        }
    }

    /// The collection `name` of `holder`, made when missing (`None` for a forgotten player).
    fn collection_mut(&mut self, holder: Holder, name: &str) -> Option<&mut Collection> {
        let Inner {
            players,
            shared,
            bytes,
            ..
        } = self;
        let collections = match holder {
            Holder::Shared => shared,
            Holder::Player(n) => &mut players.get_mut(&n)?.collections,
        };
        if !collections.contains(name) {
            // Full, the least recently used collection goes for a new one.
            let forgotten = collections.push(name.to_owned(), Collection::default());
            if let Some((_, c)) = forgotten {
                *bytes = bytes.saturating_sub(c.bytes);
            }
        }
        collections.get_mut(name)
    }

    /// Store `value` under `key` in `holder`'s collection `name` (made when missing), then
    /// make room under [`Caps::bytes`]. `false` for a forgotten player.
    pub fn put(&mut self, holder: Holder, name: &str, key: &str, value: Value) -> bool {
        let cap = self.caps.items;
        if self
            .change(holder, name, |c| c.put(key, value, cap))
            .is_none()
        {
            return false;
        }
        while self.bytes > self.caps.bytes && self.forget_one(holder, name, key) {}
        true
    }

    /// Remove the item under `key` from `holder`'s collection `name`; whether there was one.
    pub fn remove(&mut self, holder: Holder, name: &str, key: &str) -> bool {
        self.change(holder, name, |c| c.remove(key))
            .unwrap_or(false)
    }

    /// `change` applied to `holder`'s collection `name` (made when missing), the store's
    /// weight kept; `None` for a forgotten player.
    fn change<T>(
        &mut self,
        holder: Holder,
        name: &str,
        change: impl FnOnce(&mut Collection) -> T,
    ) -> Option<T> {
        let c = self.collection_mut(holder, name)?;
        let before = c.bytes;
        let out = change(c);
        let after = c.bytes;
        self.bytes = self.bytes.saturating_sub(before).saturating_add(after);
        Some(out)
    }

    /// Forget one thing the write of `key` to `holder`'s `name` did not just touch, least
    /// recently used first (see the module's documentation); `false` when nothing is left.
    fn forget_one(&mut self, holder: Holder, name: &str, key: &str) -> bool {
        let written_by = |n: u64| holder == Holder::Player(n);
        if self
            .players
            .peek_lru()
            .is_some_and(|(&n, _)| !written_by(n))
            && let Some((_, data)) = self.players.pop_lru()
        {
            self.bytes = self.bytes.saturating_sub(data.bytes());
            return true;
        }
        if let Holder::Player(n) = holder
            && let Some(data) = self.players.peek_mut(&n)
            && data
                .collections
                .peek_lru()
                .is_some_and(|(other, _)| other != name)
            && let Some((_, c)) = data.collections.pop_lru()
        {
            self.bytes = self.bytes.saturating_sub(c.bytes);
            return true;
        }
        let written_here = |other: &str| holder == Holder::Shared && other == name;
        if self
            .shared
            .peek_lru()
            .is_some_and(|(other, _)| !written_here(other))
            && let Some((_, c)) = self.shared.pop_lru()
        {
            self.bytes = self.bytes.saturating_sub(c.bytes);
            return true;
        }
        // The collection written is the most recently used: reaching it changes no order.
        self.change(holder, name, |c| c.remove_oldest_but(key))
            .unwrap_or(false)
    }

    /// What every stored item weighs together.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_brings_a_player_back_and_aliases_find_it() {
        let store = Store::new(Caps::default());
        let mut s = store.lock();
        let a = s.player_for_key(Some("guest-a"));
        let b = s.player_for_key(None);
        assert_ne!(a.number, b.number);
        assert_eq!(s.player_for_key(Some("guest-a")), a);
        assert_eq!(s.player_named(&a.uid()), Some(a.clone()));
        assert_eq!(s.player_named(&a.number.to_string()), Some(a.clone()));
        assert_eq!(s.player_named(&b.uuid()), Some(b.clone()));
        assert_eq!(s.player_named(&b.ulid()), Some(b.clone()));
        assert_eq!(b.ulid().len(), 26);
        assert_ne!(a.ulid(), b.ulid());
        s.bind("token-a", &a);
        assert_eq!(s.player_of("token-a"), Some(a));
        assert!(s.player_of("").is_none());
    }

    #[test]
    fn players_and_items_are_bounded() {
        let store = Store::new(Caps {
            players: 3,
            credentials: 3,
            items: 2,
            collections: 2,
            ..Caps::default()
        });
        let mut s = store.lock();
        let first = s.player_for_key(Some("first"));
        for i in 0..5 {
            s.player_for_key(Some(&format!("p{i}")));
        }
        drop(s);
        assert_eq!(store.players(), 3);
        let mut s = store.lock();
        assert!(s.player_named("first").is_none(), "{first:?} was forgotten");
        let p = s.player_for_key(Some("p4"));
        let c = s.collection_mut(Holder::Player(p.number), "files").unwrap();
        for i in 0..3 {
            c.put(&i.to_string(), Value::from(i), 2);
        }
        assert_eq!(c.len(), 2);
        assert!(c.get("0").is_none());
        assert!(c.remove("2") && !c.remove("2"));
    }

    #[test]
    fn the_collection_forgotten_is_the_least_recently_used_one() {
        let store = Store::new(Caps {
            collections: 2,
            ..Caps::default()
        });
        let mut s = store.lock();
        let number = s.player_for_key(None).number;
        for holder in [Holder::Player(number), Holder::Shared] {
            let put = |s: &mut Inner, name: &str| {
                if let Some(c) = s.collection_mut(holder, name) {
                    c.put("k", Value::from(1), 10);
                }
            };
            put(&mut s, "characters");
            // A client inventing names loses what it invented, however the names hash.
            for i in 0..50 {
                put(&mut s, &format!("storage/{i}"));
                assert!(s.collection(holder, "characters").is_some(), "lost at {i}");
            }
            assert!(s.collection(holder, "storage/49").is_some());
            assert!(s.collection(holder, "storage/48").is_none());
            // Left unread, it is the next to go.
            put(&mut s, "a");
            put(&mut s, "b");
            assert!(s.collection(holder, "characters").is_none());
        }
    }

    /// What the store's items weigh, counted again from scratch.
    fn recount(s: &Inner) -> usize {
        let players = s.players.iter().map(|(_, d)| d.bytes());
        let shared = s.shared.iter().map(|(_, c)| c.bytes);
        let counted: usize = players.chain(shared).sum();
        let items = s.players.iter().flat_map(|(_, d)| d.collections.iter());
        let items = items.chain(s.shared.iter()).flat_map(|(_, c)| c.entries());
        assert_eq!(
            counted,
            items.map(|(k, v)| entry_weight(k, v)).sum::<usize>()
        );
        counted
    }

    #[test]
    fn all_items_together_are_held_to_the_byte_cap() {
        let store = Store::new(Caps {
            bytes: 20_000,
            ..Caps::default()
        });
        let mut s = store.lock();
        let kb = Value::from("x".repeat(1_000));
        let weighs = entry_weight("k00", &kb);
        let [a, b, c] = ["a", "b", "c"].map(|k| Holder::Player(s.player_for_key(Some(k)).number));
        for (holder, n) in [(a, 6), (b, 6), (Holder::Shared, 3)] {
            for i in 0..n {
                assert!(s.put(holder, "storage", &format!("k{i:02}"), kb.clone()));
            }
        }
        assert_eq!(s.bytes(), 15 * weighs);
        // `c` writes past the cap: `a`, the least recently used player, goes first, whole.
        for i in 0..6 {
            s.put(c, "storage", &format!("k{i:02}"), kb.clone());
            assert!(s.bytes() <= 20_000, "{} after {i}", s.bytes());
            assert_eq!(s.bytes(), recount(&s));
        }
        assert!(s.collection(a, "storage").is_none());
        assert_eq!(s.collection(b, "storage").map(Collection::len), Some(6));
        // Alone with its collections, a writer loses its other collections, then shared
        // ones, then its oldest items; what it just wrote stays.
        s.put(c, "files", "f", kb.clone());
        for i in 6..40 {
            s.put(c, "storage", &format!("k{i:02}"), kb.clone());
            assert!(s.bytes() <= 20_000);
            assert_eq!(s.bytes(), recount(&s));
            assert!(
                s.collection(c, "storage")
                    .is_some_and(|c| c.get(&format!("k{i:02}")).is_some())
            );
        }
        assert!(s.collection(b, "storage").is_none());
        assert!(s.collection(c, "files").is_none());
        assert!(s.collection(Holder::Shared, "storage").is_none());
        let kept = s
            .collection(c, "storage")
            .map(Collection::len)
            .unwrap_or_default();
        assert_eq!(kept, 20_000 / weighs);
        assert!(
            s.collection(c, "storage")
                .is_some_and(|c| c.get("k00").is_none())
        );
        // Replacing and removing keep the count.
        s.put(c, "storage", "k39", Value::from(1));
        assert!(s.remove(c, "storage", "k38") && !s.remove(c, "storage", "k38"));
        assert_eq!(s.bytes(), recount(&s));
        // A player forgotten by the player cap takes its weight along.
        drop(s);
        let small = Store::new(Caps {
            players: 1,
            ..Caps::default()
        });
        let mut s = small.lock();
        let first = Holder::Player(s.player_for_key(None).number);
        s.put(first, "storage", "k", kb.clone());
        s.player_for_key(None);
        assert_eq!(s.bytes(), 0);
    }
}
