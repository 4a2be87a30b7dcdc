//! The engine that plays an API's behaviour file (`spec/behaviour/<api>.toml`, read by
//! [`gamespec_spec::behaviour`]) against the [`store`](super::store): session starts make or find
//! players, writes put, remove, credit, debit and submit items, reads fill the answer from the
//! store ([`render`]). Nothing here knows an operation or an API: every fact comes
//! from the file.
//!
//! A read of a collection nobody wrote, or of an item that is not stored, leaves the answer as
//! the stateless mock makes it; so does a debit of a balance the mock never saw credited. Only
//! what the players did is shown, and the conformance runner's cases on fresh data keep their
//! example answers.

use std::borrow::Cow;
use std::sync::Arc;

use gamespec_spec::behaviour::{Action, Behaviour, Effect, PlayerField, Scope, Source, Sources};
use gamespec_spec::pointer;
use gamespec_spec::spec::Spec;
use serde_json::{Map, Value};

use super::render;
use super::store::{Caps, Holder, Inner, Player, Store};

/// The parts of a request the sources read.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// Path parameters as sent (percent-encoded).
    pub path: &'a [(String, String)],
    /// Query parameters.
    pub query: &'a [(String, String)],
    /// The parsed body (JSON, or form fields by name).
    pub body: Option<&'a Value>,
    /// The caller's credentials ([`crate::mock::security::identity`]); empty when anonymous.
    pub identity: &'a str,
}

/// A write the API refuses (a debit below the floor); nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// The explanation for the error body.
    pub message: String,
    /// The request field at fault (the amount's body field), for the error body's `param`.
    pub param: Option<String>,
}

/// The behaviour of one spec, ready to play.
#[derive(Debug)]
pub struct Engine {
    behaviour: Behaviour,
    /// Effect indexes per operation index.
    by_operation: Vec<Vec<usize>>,
    store: Store,
}

impl Engine {
    /// The engine of `behaviour` for `spec` (effects of unknown operations never run; the
    /// spec-core test keeps the files free of them).
    pub fn new(spec: &Spec, behaviour: Behaviour, caps: Caps) -> Engine {
        let by_operation = spec
            .operations
            .iter()
            .map(|op| {
                behaviour
                    .effects
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.operation == op.id)
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        Engine {
            behaviour,
            by_operation,
            store: Store::new(caps),
        }
    }

    /// The store (for counts in tests and benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether operation `index` has effects.
    pub fn touches(&self, index: usize) -> bool {
        self.by_operation.get(index).is_some_and(|e| !e.is_empty())
    }

    /// The player a session start is for: the one its `same` value brings back, or a new one.
    pub fn session_player(&self, call: Call<'_>) -> Player {
        let mut inner = self.store.lock();
        let key = self
            .behaviour
            .players
            .same
            .as_ref()
            .and_then(|s| {
                let mut ctx = Ctx::new(call, None, &mut inner);
                ctx.text(s)
            })
            .filter(|k| !k.is_empty());
        inner.player_for_key(key.as_deref())
    }

    /// The JWT claims that name `player` (claims pointer → value), for tokens signed for them.
    pub fn claims(&self, player: &Player) -> Vec<(String, Value)> {
        self.behaviour
            .players
            .claims
            .iter()
            .map(|(pointer, field)| (pointer.clone(), fact(player, *field)))
            .collect()
    }

    /// A session start for `player` answered with success: remember the issued `credentials`
    /// as the player's, write the player's facts into `answer`, then run the operation's own
    /// effects as that player. `Ok(true)` when `answer` was filled.
    pub fn start_session(
        &self,
        index: usize,
        call: Call<'_>,
        player: Player,
        credentials: &[String],
        answer: Option<&mut Value>,
    ) -> Result<bool, Refused> {
        let mut answer = answer;
        let mut filled = false;
        if let Some(answer) = answer.as_deref_mut() {
            for (pointer, field) in &self.behaviour.players.answer {
                if let Some(like) = pointer::get(answer, pointer).cloned() {
                    filled = true;
                    let fact = fact(&player, *field);
                    render::set(answer, pointer, render::coerced(&like, &fact));
                }
            }
        }
        let writes = {
            let mut inner = self.store.lock();
            for c in credentials {
                inner.bind(c, &player);
            }
            self.run(index, call, Some(player), &mut inner)?
        };
        Ok(Write::all(writes, answer) || filled)
    }

    /// Run the effects of operation `index` for a request answered with success; `Ok(true)`
    /// when `answer` was filled from state.
    pub fn apply(
        &self,
        index: usize,
        call: Call<'_>,
        answer: Option<&mut Value>,
    ) -> Result<bool, Refused> {
        let writes = {
            let mut inner = self.store.lock();
            let player = inner.player_of(call.identity);
            self.run(index, call, player, &mut inner)?
        };
        Ok(Write::all(writes, answer))
    }

    /// Run the effects of operation `index`; the answer writes they ask for, in order.
    fn run(
        &self,
        index: usize,
        call: Call<'_>,
        player: Option<Player>,
        inner: &mut Inner,
    ) -> Result<Vec<Write<'_>>, Refused> {
        let mut writes = Vec::new();
        for &i in self.by_operation.get(index).into_iter().flatten() {
            let effect = &self.behaviour.effects[i];
            let mut ctx = Ctx::new(call, player.as_ref(), inner);
            ctx.effect(effect, &mut writes)?;
        }
        Ok(writes)
    }
}

/// A write into the answer that an effect asks for, made once the store is unlocked: filling
/// a full list takes hundreds of microseconds, and every other stateful request waits for the
/// store while it is locked. The items are the stored ones, shared, not copied.
enum Write<'e> {
    /// Items at `at`, each with its rank written at `rank` when given.
    List {
        at: &'e str,
        items: Vec<(Arc<Value>, usize)>,
        rank: Option<&'e str>,
    },
    /// Items written by one request (an `each` write), at `at`.
    Written { at: &'e str, items: Vec<Value> },
    /// One item at `at`.
    One { at: &'e str, item: Value },
}

impl Write<'_> {
    /// Make `writes` into `answer`, in order; whether there was any to make.
    fn all(writes: Vec<Write<'_>>, answer: Option<&mut Value>) -> bool {
        let Some(answer) = answer else {
            return false;
        };
        let filled = !writes.is_empty();
        for write in writes {
            match write {
                Write::List { at, items, rank } => render::ranked_list(answer, at, &items, rank),
                Write::Written { at, items } => render::list(answer, at, &items),
                Write::One { at, item } => render::one(answer, at, &item),
            }
        }
        filled
    }
}

/// A player fact as JSON.
fn fact(player: &Player, field: PlayerField) -> Value {
    match field {
        PlayerField::Number => Value::from(player.number),
        PlayerField::NumberText => Value::from(player.number.to_string()),
        PlayerField::Uid => Value::from(player.uid()),
        PlayerField::Uuid => Value::from(player.uuid()),
        PlayerField::Ulid => Value::from(player.ulid()),
        PlayerField::Key => Value::from(player.key.clone()),
    }
}

/// One effect's run: the request, the caller, the store, and the element of `each`.
struct Ctx<'a, 'b> {
    call: Call<'a>,
    player: Option<&'a Player>,
    inner: &'b mut Inner,
    item: Option<Value>,
    built: Value,
}

impl<'a, 'b> Ctx<'a, 'b> {
    fn new(call: Call<'a>, player: Option<&'a Player>, inner: &'b mut Inner) -> Self {
        Ctx {
            call,
            player,
            inner,
            item: None,
            built: Value::Object(Map::new()),
        }
    }

    /// The first source of the alternatives that has a value (`null` counts as none).
    fn value(&mut self, sources: &Sources) -> Option<Value> {
        sources
            .0
            .iter()
            .find_map(|s| self.one(s))
            .filter(|v| !v.is_null())
    }

    fn one(&mut self, source: &Source) -> Option<Value> {
        let find = |pairs: &[(String, String)], name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        match source {
            Source::Path(name) => find(self.call.path, name).map(|raw| {
                Value::String(
                    percent_encoding::percent_decode_str(&raw)
                        .decode_utf8_lossy()
                        .into_owned(),
                )
            }),
            Source::Query(name) => find(self.call.query, name).map(Value::String),
            Source::Body(p) => pointer::get(self.call.body?, p).cloned(),
            Source::Item(p) => pointer::get(self.item.as_ref()?, p).cloned(),
            Source::Field(p) => pointer::get(&self.built, p).cloned(),
            Source::Player(field) => self.player.map(|p| fact(p, *field)),
            Source::Seq => Some(Value::from(self.inner.seq())),
            Source::Const(text) => Some(Value::String(text.clone())),
            Source::Json(value) => Some(value.clone()),
        }
    }

    fn text(&mut self, sources: &Sources) -> Option<String> {
        self.value(sources).as_ref().and_then(render::text)
    }

    /// The item key: every part's text joined with `/`; `None` when a part has no value.
    fn key(&mut self, parts: &[Sources]) -> Option<String> {
        let texts: Option<Vec<String>> = parts.iter().map(|p| self.text(p)).collect();
        texts.map(|t| t.join("/"))
    }

    /// Run `effect`, adding the answer writes it asks for to `writes`.
    fn effect<'e>(
        &mut self,
        effect: &'e Effect,
        writes: &mut Vec<Write<'e>>,
    ) -> Result<(), Refused> {
        if let Some(when) = &effect.when {
            let value = self.text(&when.source);
            if !value.is_some_and(|v| when.equals.contains(&v)) {
                return Ok(());
            }
        }
        let holder = match (effect.scope, &effect.owner) {
            (Scope::Shared, _) => Holder::Shared,
            (Scope::Player, Some(owner)) => {
                let Some(alias) = self.text(owner) else {
                    return Ok(());
                };
                match self.inner.player_named(&alias) {
                    Some(p) => Holder::Player(p.number),
                    None => return Ok(()),
                }
            }
            (Scope::Player, None) => match self.player {
                Some(p) => Holder::Player(p.number),
                None => return Ok(()),
            },
        };
        let collection = match &effect.within {
            Some(within) => match self.text(within) {
                Some(w) => format!("{}/{w}", effect.collection),
                None => return Ok(()),
            },
            None => effect.collection.clone(),
        };
        if !effect.action.writes() {
            writes.extend(self.read(effect, holder, &collection));
            return Ok(());
        }
        let elements = match &effect.each {
            Some(each) => match self.value(each) {
                Some(Value::Array(items)) => items.into_iter().map(Some).collect(),
                _ => return Ok(()),
            },
            None => vec![None],
        };
        let mut written = Vec::new();
        for element in elements {
            self.item = element;
            self.built = Value::Object(Map::new());
            if let Some(item) = self.write(effect, holder, &collection)? {
                written.push(item);
            }
        }
        if let Some(at) = &effect.at {
            match (&effect.each, written.len()) {
                (Some(_), 1..) => writes.push(Write::Written { at, items: written }),
                (None, 1) => writes.extend(written.pop().map(|item| Write::One { at, item })),
                _ => {}
            }
        }
        Ok(())
    }

    /// One write; the item as stored afterwards (with its rank), if any.
    fn write(
        &mut self,
        effect: &Effect,
        holder: Holder,
        collection: &str,
    ) -> Result<Option<Value>, Refused> {
        for (pointer, source) in &effect.fields {
            if let Some(v) = self.value(source) {
                render::set(&mut self.built, pointer, v);
            }
        }
        let Some(key) = self.key(&effect.key) else {
            return Ok(None);
        };
        if let Some(required) = &effect.requires {
            let held = self.inner.collection(holder, required);
            if held.and_then(|c| c.get(&key)).is_none() {
                return Ok(None);
            }
        }
        let built = std::mem::take(&mut self.built);
        let existing = self
            .inner
            .collection(holder, collection)
            .and_then(|c| c.get(&key))
            .cloned();
        let stored = match effect.action {
            Action::Remove => {
                self.inner.remove(holder, collection, &key);
                return Ok(None);
            }
            Action::Put => match existing {
                Some(e) => render::overlaid(&e, &built),
                // An update of an item never stored creates nothing.
                None if !effect.create => return Ok(None),
                None => built,
            },
            Action::Submit => {
                let better = match (&existing, &effect.order_by) {
                    (Some(old), Some(by)) => {
                        let (old, new) = (
                            number(pointer::get(old, by)),
                            number(pointer::get(&built, by)),
                        );
                        match (old, new) {
                            (Some(o), Some(n)) if effect.descending => n > o,
                            (Some(o), Some(n)) => n < o,
                            _ => true,
                        }
                    }
                    _ => true,
                };
                if better {
                    built
                } else {
                    existing.unwrap_or(built)
                }
            }
            Action::Credit | Action::Debit => {
                let (Some(at), Some(amount)) = (&effect.balance, &effect.amount) else {
                    return Ok(None);
                };
                let Some(amount) = self.value(amount) else {
                    return Ok(None);
                };
                let Some(delta) = number(Some(&amount)) else {
                    return Ok(None);
                };
                let old = existing.as_ref().and_then(|e| number(pointer::get(e, at)));
                let new = match (effect.action, old) {
                    (Action::Credit, old) => old.unwrap_or(0.0) + delta,
                    // A balance never credited here is not known: the answer stays as it is.
                    (_, None) => return Ok(None),
                    (_, Some(old)) => {
                        let new = old - delta;
                        if effect.floor.is_some_and(|f| new < f as f64) {
                            let param =
                                effect
                                    .amount
                                    .iter()
                                    .flat_map(|a| &a.0)
                                    .find_map(|s| match s {
                                        Source::Body(p) => p.rsplit('/').next().map(str::to_owned),
                                        _ => None,
                                    });
                            return Err(Refused {
                                message: format!(
                                    "the balance is too low: it holds {}, the debit takes {}",
                                    written(old),
                                    written(delta)
                                ),
                                param,
                            });
                        }
                        new
                    }
                };
                let mut item = existing.map_or(built.clone(), |e| render::overlaid(&e, &built));
                let value = match amount {
                    Value::String(_) => Value::String(written(new)),
                    _ => serde_json::Number::from_f64(new).map_or(Value::Null, Value::Number),
                };
                render::set(&mut item, at, value);
                item
            }
            Action::List | Action::Get => return Ok(None),
        };
        if !self.inner.put(holder, collection, &key, stored.clone()) {
            return Ok(None);
        }
        Ok(Some(
            self.ranked_item(effect, holder, collection, &key)
                .unwrap_or(stored),
        ))
    }

    /// The item under `key`, with its rank written where the effect ranks items; `None` when
    /// the collection has no such item or the effect's filter leaves it out.
    fn ranked_item(
        &mut self,
        effect: &Effect,
        holder: Holder,
        collection: &str,
        key: &str,
    ) -> Option<Value> {
        let (item, rank) = *self
            .ranked(effect, holder, collection, Some(key), None)
            .first()?;
        let mut item = Value::clone(item);
        if let Some(at) = &effect.rank {
            render::set(&mut item, at, Value::from(rank as u64));
        }
        Some(item)
    }

    /// The collection's items, filtered and ordered as the effect says, each with its rank (from
    /// 1): only the item under `only` when given, else the first `limit` (all without one).
    /// Nothing is copied, and one item's rank is counted without sorting: a fuzz run fills a
    /// leaderboard to its cap and then submits a score on nearly every request.
    fn ranked(
        &mut self,
        effect: &Effect,
        holder: Holder,
        collection: &str,
        only: Option<&str>,
        limit: Option<usize>,
    ) -> Vec<(&Arc<Value>, usize)> {
        let Some(c) = self.inner.collection(holder, collection) else {
            return Vec::new();
        };
        if only.is_some_and(|k| c.get(k).is_none()) {
            return Vec::new();
        }
        let filter: Vec<(&str, String)> = effect
            .filter
            .iter()
            .map(|(p, expected)| (p.as_str(), toml_text(expected)))
            .collect();
        let kept = |v: &Value| {
            filter.iter().all(|(p, expected)| {
                pointer::get(v, p).and_then(render::text).as_deref() == Some(expected.as_str())
            })
        };
        let by = effect.order_by.as_deref();
        let order = |a: &SortKey, b: &SortKey| {
            let order = a.cmp(b);
            if effect.descending {
                order.reverse()
            } else {
                order
            }
        };
        if let Some(only) = only {
            let Some(target) = c.shared(only).filter(|v| kept(v)) else {
                return Vec::new();
            };
            let target_key = SortKey::of(target, by);
            // The rank a stable sort would give: every item ordered before it, and every
            // equal one stored before it, comes first.
            let mut before = 0;
            let mut seen = false;
            for (k, v) in c.entries().filter(|(_, v)| kept(v)) {
                if k == only {
                    seen = true;
                    continue;
                }
                match order(&SortKey::of(v, by), &target_key) {
                    std::cmp::Ordering::Less => before += 1,
                    std::cmp::Ordering::Equal if !seen => before += 1,
                    _ => {}
                }
            }
            return vec![(target, before + 1)];
        }
        // Each item's key is read once, not at every comparison of the sort.
        let mut items: Vec<(SortKey, &Arc<Value>)> = c
            .entries()
            .map(|(_, v)| v)
            .filter(|v| kept(v))
            .map(|v| (SortKey::of(v, by), v))
            .collect();
        if effect.order_by.is_some() {
            items.sort_by(|(a, _), (b, _)| order(a, b));
        }
        items
            .into_iter()
            .take(limit.unwrap_or(usize::MAX))
            .enumerate()
            .map(|(i, (_, item))| (item, i + 1))
            .collect()
    }

    /// The answer write of a read (list or get), if the store has something to show.
    fn read<'e>(
        &mut self,
        effect: &'e Effect,
        holder: Holder,
        collection: &str,
    ) -> Option<Write<'e>> {
        let at = effect.at.as_deref().unwrap_or("");
        match effect.action {
            Action::List => {
                self.inner.collection(holder, collection)?;
                let limit = effect
                    .limit
                    .as_ref()
                    .and_then(|l| self.text(l))
                    .and_then(|t| t.parse::<usize>().ok());
                let items = self
                    .ranked(effect, holder, collection, None, limit)
                    .into_iter()
                    .map(|(item, rank)| (Arc::clone(item), rank))
                    .collect();
                let rank = effect.rank.as_deref();
                Some(Write::List { at, items, rank })
            }
            Action::Get => {
                let key = self.key(&effect.key)?;
                let item = self.ranked_item(effect, holder, collection, &key)?;
                Some(Write::One { at, item })
            }
            _ => None,
        }
    }
}

/// What an item is ordered by: the value at the effect's `order_by` pointer. Items without
/// one come first, then numbers (and numeric text) by value, then other text as text; without
/// a pointer, every item is equal (they keep their stored order). Comparing a number with text
/// as text and with another number by value would not be a total order (10 < "5" < 9 < 10),
/// and sorting by such a comparison panics.
/// Text keys borrow the item's string (a sorted list of 1,000 items would copy each).
#[derive(Debug)]
struct SortKey<'v> {
    number: Option<f64>,
    text: Option<Cow<'v, str>>,
}

impl<'v> SortKey<'v> {
    fn of(item: &'v Value, by: Option<&str>) -> SortKey<'v> {
        let at = by.and_then(|by| pointer::get(item, by));
        let number = number(at);
        SortKey {
            number,
            // A number is compared by its value only: its text is never read.
            text: match (number, at) {
                (Some(_), _) => None,
                (None, Some(Value::String(s))) => Some(Cow::Borrowed(s.as_str())),
                (None, at) => at.and_then(render::text).map(Cow::Owned),
            },
        }
    }

    fn cmp(&self, other: &SortKey<'_>) -> std::cmp::Ordering {
        let class = |k: &SortKey<'_>| match (k.number, &k.text) {
            (None, None) => 0,
            (Some(_), _) => 1,
            (None, Some(_)) => 2,
        };
        class(self)
            .cmp(&class(other))
            .then_with(|| match (self.number, other.number) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => self.text.cmp(&other.text),
            })
    }
}

/// A number from a JSON number or numeric text.
fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number as the API writes amounts: no fraction when whole.
fn written(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn engine(text: &str) -> (Engine, usize) {
        let api = gamespec_spec::registry::Api::named("lootlocker").unwrap();
        let spec = Spec::load(&api.name).unwrap();
        let behaviour = Behaviour::parse("t.toml", text).unwrap();
        let index = spec
            .operations
            .iter()
            .position(|o| o.id == behaviour.effects[0].operation)
            .unwrap();
        (Engine::new(&spec, behaviour, Caps::default()), index)
    }

    #[test]
    fn a_debit_below_the_floor_is_refused_and_changes_nothing() {
        let (e, credit) = engine(
            r#"
            [[effect]]
            operation = "creditBalance"
            action = "credit"
            collection = "balance"
            scope = "shared"
            key = ["body:/currency_id"]
            amount = "body:/amount"
            balance = "/amount"
            at = ""
            "#,
        );
        let body = json!({"amount": "100", "currency_id": "gems", "wallet_id": "w"});
        let call = Call {
            path: &[],
            query: &[],
            body: Some(&body),
            identity: "t",
        };
        let mut answer = json!({"amount": "0"});
        e.apply(credit, call, Some(&mut answer)).unwrap();
        e.apply(credit, call, Some(&mut answer)).unwrap();
        assert_eq!(answer["amount"], json!("200"));
        // The same effect as a debit with a floor, built by hand.
        let mut debit = e.behaviour.effects[0].clone();
        debit.action = Action::Debit;
        debit.floor = Some(0);
        let mut inner = e.store.lock();
        let mut ctx = Ctx::new(call, None, &mut inner);
        let body = json!({"amount": "250", "currency_id": "gems"});
        ctx.call.body = Some(&body);
        let refused = ctx.effect(&debit, &mut Vec::new()).unwrap_err();
        assert!(refused.message.contains("holds 200"), "{refused}");
        assert_eq!(refused.param.as_deref(), Some("amount"));
    }

    #[test]
    fn mixed_sort_keys_are_a_total_order() {
        let values = [
            json!({"s": 10}),
            json!({"s": "5"}),
            json!({"s": "5x"}),
            json!({"s": 9}),
            json!({"s": "10"}),
            json!({"s": "a"}),
            json!({"s": true}),
            json!({}),
            json!({"s": -1.5}),
        ];
        let keys: Vec<SortKey> = values.iter().map(|v| SortKey::of(v, Some("/s"))).collect();
        for a in &keys {
            for b in &keys {
                assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a:?} {b:?}");
                for c in &keys {
                    if a.cmp(b).is_le() && b.cmp(c).is_le() {
                        assert!(a.cmp(c).is_le(), "{a:?} <= {b:?} <= {c:?}");
                    }
                }
            }
        }
        let mut sorted: Vec<&Value> = values.iter().collect();
        sorted.sort_by(|a, b| SortKey::of(a, Some("/s")).cmp(&SortKey::of(b, Some("/s"))));
        let order: Vec<String> = sorted.iter().map(|v| v["s"].to_string()).collect();
        assert_eq!(
            order,
            [
                "null", "-1.5", "\"5\"", "9", "10", "\"10\"", "\"5x\"", "\"a\"", "true"
            ]
        );
    }

    #[test]
    fn ranks_follow_a_stable_sort_whether_one_item_or_a_page_is_read() {
        let board = r#"
            order_by = "/score"
            descending = true
            rank = "/rank"
            collection = "board"
            scope = "shared"
            within = "path:leaderboard_key"
            "#;
        let (e, submit) = engine(&format!(
            r#"
            [[effect]]
            operation = "submitLeaderboardScore"
            action = "submit"
            key = ["body:/member_id"]
            fields = {{ "/member_id" = "body:/member_id", "/score" = "body:/score" }}
            at = ""
            {board}
            [[effect]]
            operation = "listLeaderboardScores"
            action = "list"
            limit = "query:count"
            at = "/items"
            {board}
            "#
        ));
        let spec = Spec::load("lootlocker").unwrap();
        let list = spec
            .operations
            .iter()
            .position(|o| o.id == "listLeaderboardScores")
            .unwrap();
        let path = [("leaderboard_key".to_owned(), "weekly".to_owned())];
        let call = Call {
            path: &path,
            query: &[],
            body: None,
            identity: "t",
        };
        // The rank the answer to a score submission gives.
        let submitted = |member: &str, score: i64| {
            let body = json!({"member_id": member, "score": score});
            let mut answer = json!({});
            let sent = Call {
                body: Some(&body),
                ..call
            };
            e.apply(submit, sent, Some(&mut answer)).unwrap();
            answer["rank"].clone()
        };
        // Stored in the order a, b, c, d; a and c tie, and so do b and d.
        let ranks: Vec<Value> = [("a", 500), ("b", 900), ("c", 500), ("d", 900)]
            .into_iter()
            .map(|(member, score)| submitted(member, score))
            .collect();
        // Each answer ranks its member among those stored so far.
        assert_eq!(ranks, [json!(1), json!(1), json!(3), json!(2)]);
        let query = [("count".to_owned(), "3".to_owned())];
        let mut page = json!({"items": []});
        let listed = Call {
            query: &query,
            ..call
        };
        e.apply(list, listed, Some(&mut page)).unwrap();
        let members: Vec<(&str, u64)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["member_id"].as_str().unwrap(),
                    i["rank"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(members, [("b", 1), ("d", 2), ("a", 3)], "{page}");
        // Submitting again keeps the member's place in storage, so its rank among equals.
        assert_eq!(submitted("c", 500), json!(4));
    }
}
