//! `#[cfg(feature = ...)]` on progenitor's output: each operation's `Client` method and builder
//! behind the features of its tags, and each item of `types` behind the features of the
//! operations that reach it.
//!
//! Reach is transitive and read from the tokens: an item reaches every type or serde default
//! function whose name appears in it (paths, and the strings of `#[serde(default = "...")]`;
//! doc comments do not count). Reading names rather than resolving paths can only find too
//! much, never too little, so a gate may be wider than needed but never breaks a build. A type
//! reached by every tag, or by an item no operation reaches (a schema kept for the hand-written
//! layer or for users), stays ungated: it is compiled in every build that has any operation.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use crate::generate::GenerateError;

/// The features that compile an item; empty means always compiled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate(BTreeSet<String>);

impl Gate {
    /// A gate on `features` (any of them compiles the item).
    pub fn any(features: impl IntoIterator<Item = String>) -> Gate {
        Gate(features.into_iter().collect())
    }

    /// Whether the item is always compiled.
    pub fn is_open(&self) -> bool {
        self.0.is_empty()
    }

    /// The `#[cfg(...)]` line of the gate, or an empty string when it is open.
    pub fn attribute_text(&self) -> String {
        match self.cfg_predicate() {
            Some(p) => format!("#[cfg({p})]"),
            None => String::new(),
        }
    }

    fn cfg_predicate(&self) -> Option<String> {
        let features: Vec<String> = self.0.iter().map(|f| format!("feature = {f:?}")).collect();
        match features.len() {
            0 => None,
            1 => Some(features[0].clone()),
            _ => Some(format!("any({})", features.join(", "))),
        }
    }

    fn attribute(&self) -> Result<Option<syn::Attribute>, GenerateError> {
        let Some(predicate) = self.cfg_predicate() else {
            return Ok(None);
        };
        let tokens: TokenStream = predicate
            .parse()
            .map_err(|e| GenerateError::Syntax(format!("cfg `{predicate}`: {e}")))?;
        Ok(Some(syn::parse_quote!(#[cfg(#tokens)])))
    }
}

/// What [`apply`] gated: the gate of every operation builder, by builder name.
#[derive(Debug, Clone, Default)]
pub struct Gated {
    /// Builder struct name (`StartGuestSession`) → its gate.
    pub builders: BTreeMap<String, Gate>,
    /// Items of `types` (and of its `builder` and `defaults` modules) that got a gate.
    pub types_gated: usize,
    /// Items of `types` left open.
    pub types_open: usize,
}

/// Put the gates on `file`. `operations` maps each builder struct name to the features of its
/// operation; `all` is every feature.
pub fn apply(
    file: &mut syn::File,
    operations: &BTreeMap<String, BTreeSet<String>>,
    all: &BTreeSet<String>,
) -> Result<Gated, GenerateError> {
    let close = |features: &BTreeSet<String>| {
        if features.is_superset(all) {
            Gate::default()
        } else {
            Gate::any(features.iter().cloned())
        }
    };
    let graph = Graph::read(module_items(file, "types"));
    let mut reach: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut builders = BTreeMap::new();
    for item in module_items(file, "builder") {
        let Some(name) = item_name(item) else {
            continue;
        };
        let Some(features) = operations.get(&name) else {
            continue;
        };
        builders.insert(name, close(features));
        let mut starts = BTreeSet::new();
        words(item.to_token_stream(), &mut starts);
        for node in graph.closure(starts) {
            reach
                .entry(node)
                .or_default()
                .extend(features.iter().cloned());
        }
    }
    // What no operation reaches stays, and so does everything it reaches.
    let unreached: BTreeSet<String> = graph
        .nodes()
        .filter(|n| !reach.contains_key(*n))
        .cloned()
        .collect();
    let always = graph.closure(unreached);
    let gates: BTreeMap<String, Gate> = graph
        .nodes()
        .map(|n| {
            let gate = match reach.get(n) {
                Some(features) if !always.contains(n) => close(features),
                _ => Gate::default(),
            };
            (n.clone(), gate)
        })
        .collect();

    let mut gated = Gated::default();
    for item in module_items_mut(file, "types") {
        gate_type_item(item, &graph, &gates, &mut gated)?;
    }
    for item in module_items_mut(file, "builder") {
        if let Some(gate) = item_name(item).and_then(|n| builders.get(&n))
            && let Some(attrs) = item_attrs(item)
        {
            push_attr(attrs, gate)?;
        }
    }
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() || !is_client(&block.self_ty) {
            continue;
        }
        for member in &mut block.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            let syn::ReturnType::Type(_, ret) = &f.sig.output else {
                continue;
            };
            if let Some(gate) = last_ident(ret).and_then(|n| builders.get(&n)) {
                push_attr(&mut f.attrs, gate)?;
            }
        }
    }
    gated.builders = builders;
    Ok(gated)
}

/// Gate one item of `types`, or of its `builder` and `defaults` modules, by the node it belongs
/// to.
fn gate_type_item(
    item: &mut syn::Item,
    graph: &Graph,
    gates: &BTreeMap<String, Gate>,
    gated: &mut Gated,
) -> Result<(), GenerateError> {
    if let syn::Item::Mod(m) = item {
        if matches!(m.ident.to_string().as_str(), "builder" | "defaults")
            && let Some((_, items)) = &mut m.content
        {
            for inner in items {
                gate_type_item(inner, graph, gates, gated)?;
            }
        }
        return Ok(());
    }
    let Some(node) = graph.owner(item) else {
        return Ok(());
    };
    let Some(gate) = gates.get(&node) else {
        return Ok(());
    };
    if gate.is_open() {
        gated.types_open += 1;
    } else {
        gated.types_gated += 1;
    }
    match item_attrs(item) {
        Some(attrs) => push_attr(attrs, gate),
        None => Ok(()),
    }
}

fn push_attr(attrs: &mut Vec<syn::Attribute>, gate: &Gate) -> Result<(), GenerateError> {
    if let Some(attr) = gate.attribute()? {
        attrs.insert(0, attr);
    }
    Ok(())
}

/// The names in `types` (types and serde default functions) and which names each one's items
/// mention.
struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn read(types: &[syn::Item]) -> Graph {
        let mut names = BTreeSet::new();
        collect_names(types, &mut names);
        let mut graph = Graph {
            edges: names.iter().map(|n| (n.clone(), BTreeSet::new())).collect(),
        };
        graph.collect_edges(types);
        graph
    }

    fn collect_edges(&mut self, items: &[syn::Item]) {
        for item in items {
            if let syn::Item::Mod(m) = item {
                if let Some((_, inner)) = &m.content {
                    self.collect_edges(inner);
                }
                continue;
            }
            let Some(node) = self.owner(item) else {
                continue;
            };
            let mut mentioned = BTreeSet::new();
            words(item.to_token_stream(), &mut mentioned);
            mentioned.retain(|w| self.edges.contains_key(w));
            // An impl for a foreign type (`Vec<Item>`) belongs to every type its header names.
            let mut sources = self.header_nodes(item);
            if item_name(item).as_ref() == Some(&node) {
                sources.clear();
            }
            sources.insert(node);
            for source in sources {
                if let Some(edges) = self.edges.get_mut(&source) {
                    edges.extend(mentioned.iter().filter(|w| **w != source).cloned());
                }
            }
        }
    }

    fn nodes(&self) -> impl Iterator<Item = &String> {
        self.edges.keys()
    }

    /// The node an item belongs to: its own name, or for an `impl` the type it is for, else the
    /// first type its header names (`impl From<Wrapper> for Vec<Item>`: `Item`). An impl whose
    /// header names several types makes them reach each other (see `collect_edges`), so they
    /// share one gate and any of them is right.
    fn owner(&self, item: &syn::Item) -> Option<String> {
        if let Some(name) = item_name(item)
            && self.edges.contains_key(&name)
        {
            return Some(name);
        }
        self.header_nodes(item).into_iter().next()
    }

    /// The nodes an `impl` header names.
    fn header_nodes(&self, item: &syn::Item) -> BTreeSet<String> {
        let syn::Item::Impl(block) = item else {
            return BTreeSet::new();
        };
        let mut header = BTreeSet::new();
        words(block.self_ty.to_token_stream(), &mut header);
        if let Some((path, _)) = &block.trait_ {
            words(path.to_token_stream(), &mut header);
        }
        header.retain(|w| self.edges.contains_key(w));
        header
    }

    /// Every node reachable from the names in `starts` (those that are nodes), them included.
    fn closure(&self, starts: BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = starts
            .into_iter()
            .filter(|s| self.edges.contains_key(s))
            .collect();
        while let Some(node) = todo.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            if let Some(next) = self.edges.get(&node) {
                todo.extend(next.iter().filter(|n| !seen.contains(*n)).cloned());
            }
        }
        seen
    }
}

/// The names a node can have: types of `types` and of its `builder` module (same names), and
/// the functions of `defaults`.
fn collect_names(items: &[syn::Item], names: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Mod(m) if matches!(m.ident.to_string().as_str(), "builder" | "defaults") => {
                if let Some((_, inner)) = &m.content {
                    collect_names(inner, names);
                }
            }
            syn::Item::Struct(_) | syn::Item::Enum(_) | syn::Item::Type(_) | syn::Item::Fn(_) => {
                names.extend(item_name(item));
            }
            _ => {}
        }
    }
}

fn item_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
        syn::Item::Impl(block) => last_ident(&block.self_ty),
        _ => None,
    }
}

/// The attributes of the kinds of item a gate goes on (others are left alone).
fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    match item {
        syn::Item::Struct(s) => Some(&mut s.attrs),
        syn::Item::Enum(e) => Some(&mut e.attrs),
        syn::Item::Type(t) => Some(&mut t.attrs),
        syn::Item::Fn(f) => Some(&mut f.attrs),
        syn::Item::Impl(i) => Some(&mut i.attrs),
        _ => None,
    }
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    Some(p.path.segments.last()?.ident.to_string())
}

fn module_items<'f>(file: &'f syn::File, name: &str) -> &'f [syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

fn module_items_mut<'f>(file: &'f mut syn::File, name: &str) -> &'f mut [syn::Item] {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, i)| &mut i[..]),
            _ => None,
        })
        .unwrap_or(&mut [])
}

/// Every identifier in `tokens`, and every identifier-like word inside its string literals (serde
/// attributes name default functions in strings), skipping doc comments.
fn words(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let mut iter = tokens.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if matches!(iter.peek(), Some(TokenTree::Punct(bang)) if bang.as_char() == '!') {
                    iter.next();
                }
                if let Some(TokenTree::Group(g)) = iter.peek()
                    && is_doc(g.stream())
                {
                    iter.next();
                }
            }
            TokenTree::Punct(_) => {}
            TokenTree::Group(g) => words(g.stream(), out),
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            TokenTree::Literal(l) => {
                let text = l.to_string();
                if text.starts_with('"') {
                    out.extend(
                        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .filter(|w| !w.is_empty())
                            .map(str::to_owned),
                    );
                }
            }
        }
    }
}

fn is_doc(attr: TokenStream) -> bool {
    matches!(attr.into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                /// Mentions `Lonely` in a doc comment only.
                pub struct Shared { pub a: i64 }
                pub struct Only { #[serde(default = "defaults::only_b")] pub b: Leaf }
                pub struct Leaf(pub i64);
                pub struct Lonely { pub l: Kept }
                pub struct Kept(pub i64);
                impl ::std::convert::From<i64> for Leaf { fn from(v: i64) -> Self { Self(v) } }
                pub mod builder {
                    pub struct Only { b: Result<super::Leaf, String> }
                    impl ::std::convert::TryFrom<Only> for super::Only {
                        type Error = String;
                        fn try_from(v: Only) -> Result<Self, String> { todo!() }
                    }
                }
                pub mod defaults {
                    pub(super) fn only_b() -> super::Leaf { super::Leaf(1) }
                }
                pub mod error { pub struct ConversionError; }
            }
            pub struct Client;
            impl Client {
                pub fn get_a(&self) -> builder::GetA<'_> { builder::GetA::new(self) }
                pub fn get_b(&self) -> builder::GetB<'_> { builder::GetB::new(self) }
            }
            pub mod builder {
                pub struct GetA<'a> { body: types::builder::Only, c: &'a () }
                impl<'a> GetA<'a> { pub async fn send(self) -> types::Shared { todo!() } }
                pub struct GetB<'a> { c: &'a () }
                impl<'a> GetB<'a> { pub async fn send(self) -> types::Shared { todo!() } }
            }
        }
    }

    fn gated() -> String {
        let mut file = file();
        let operations = BTreeMap::from([
            ("GetA".to_owned(), BTreeSet::from(["a".to_owned()])),
            ("GetB".to_owned(), BTreeSet::from(["b".to_owned()])),
        ]);
        let all = BTreeSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()]);
        apply(&mut file, &operations, &all).unwrap();
        prettyplease::unparse(&file)
    }

    fn squeeze(text: &str) -> String {
        text.split_whitespace().collect()
    }

    #[test]
    fn operations_and_the_types_they_reach_get_their_features() {
        let text = squeeze(&gated());
        for want in [
            r#"#[cfg(feature="a")]pubfnget_a"#,
            r#"#[cfg(feature="b")]pubfnget_b"#,
            r#"#[cfg(feature="a")]pubstructGetA"#,
            r#"#[cfg(feature="a")]impl<'a>GetA<'a>"#,
            r#"#[cfg(any(feature="a",feature="b"))]///Mentions"#,
            // `Only` through the builder struct, `Leaf` through a serde default, transitively.
            r#"#[cfg(feature="a")]pubstructOnly"#,
            r#"#[cfg(feature="a")]impl::std::convert::From<i64>forLeaf"#,
            r#"#[cfg(feature="a")]pub(super)fnonly_b"#,
            r#"#[cfg(feature="a")]impl::std::convert::TryFrom<Only>forsuper::Only"#,
        ] {
            assert!(text.contains(want), "missing `{want}` in\n{}", gated());
        }
    }

    #[test]
    fn unreached_types_and_what_they_reach_stay_open() {
        let text = squeeze(&gated());
        assert!(text.contains("pubstructLonely"), "{}", gated());
        assert!(!text.contains(r#")]pubstructLonely"#), "{}", gated());
        assert!(text.contains("pubstructKept"), "{}", gated());
        assert!(!text.contains(r#")]pubstructKept"#), "{}", gated());
        assert!(text.contains("pubmoderror{pubstructConversionError;}"));
    }

    #[test]
    fn a_type_every_feature_reaches_stays_open() {
        let mut file = file();
        let operations = BTreeMap::from([
            ("GetA".to_owned(), BTreeSet::from(["a".to_owned()])),
            ("GetB".to_owned(), BTreeSet::from(["b".to_owned()])),
        ]);
        let all = BTreeSet::from(["a".to_owned(), "b".to_owned()]);
        apply(&mut file, &operations, &all).unwrap();
        let text = squeeze(&prettyplease::unparse(&file));
        assert!(text.contains("pubmodtypes{///Mentions"), "{text}");
    }
}
