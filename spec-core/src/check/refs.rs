//! `$ref`s: each must resolve, point at the kind of object its position calls for (a schema's
//! `$ref` at a schema, not at `#/info` or a parameter), and not lead into a cycle no value can
//! end: a chain of `$ref`s that comes back to itself, or a schema that requires itself (through
//! `allOf`, a required property of an object, or the items of a non-empty array), which only an
//! infinite value could satisfy. Discriminator mappings are references too.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::nodes::{Kind, Nodes};
use super::{Found, Issue};
use crate::pointer;

pub(super) fn check(root: &Value, nodes: &Nodes<'_>, found: &mut Found) {
    crate::walk::objects(root, &mut |at, map| {
        if let Some(r) = map.get("$ref").filter(|r| !r.is_string()) {
            found.invalid(
                format!("{at}/$ref"),
                format!("`$ref` must be a string, not {r}"),
            );
        }
    });
    for r in crate::refs::all_refs(root) {
        if crate::refs::resolve(root, &r.target).is_none() {
            found
                .0
                .push((format!("{}/$ref", r.at), Issue::Unresolved(r.target)));
        }
    }
    for r in &nodes.refs {
        if crate::refs::resolve(root, &r.target).is_none() {
            continue;
        }
        match nodes.kind_of_target(&r.target) {
            Some(kind) if kind == r.expects => {}
            Some(kind) => found.invalid(
                format!("{}/$ref", r.at),
                format!(
                    "$ref {} points at {}, where {} is expected",
                    r.target,
                    kind.noun(),
                    r.expects.noun()
                ),
            ),
            None => found.invalid(
                format!("{}/$ref", r.at),
                format!(
                    "$ref {} points at a node that is not an OpenAPI object, where {} is \
                     expected",
                    r.target,
                    r.expects.noun()
                ),
            ),
        }
    }
    discriminators(root, nodes, found);
    cycles(nodes, found);
}

fn discriminators(root: &Value, nodes: &Nodes<'_>, found: &mut Found) {
    for (at, kind, map) in &nodes.objects {
        if *kind != Kind::Schema {
            continue;
        }
        let Some(mapping) = map
            .get("discriminator")
            .and_then(|d| d.get("mapping"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        for (value, target) in mapping {
            let here = format!("{at}/discriminator/mapping/{}", pointer::escape(value));
            let Some(target) = target.as_str() else {
                found.invalid(here, "a discriminator mapping value must be a string");
                continue;
            };
            // A bare name stands for `#/components/schemas/<name>`.
            let full = if target.starts_with('#') || target.contains('/') {
                target.to_owned()
            } else {
                format!("#/components/schemas/{}", pointer::escape(target))
            };
            if crate::refs::resolve(root, &full).is_none() {
                found.0.push((here, Issue::Unresolved(target.to_owned())));
            } else if nodes.kind_of_target(&full) != Some(Kind::Schema) {
                found.invalid(
                    here,
                    format!("discriminator mapping {target} does not point at a schema"),
                );
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Ref,
    AllOf,
    Required,
    Items,
}

/// The "every value of A contains a value of B" graph, and its cycles. Only nodes on an edge
/// are numbered, so a large spec's many leaf schemas cost nothing here.
fn cycles(nodes: &Nodes<'_>, found: &mut Found) {
    let mut pairs: Vec<(&str, String, Edge)> = Vec::new();
    for r in &nodes.refs {
        if let Some(t) = r.target.strip_prefix('#') {
            pairs.push((&r.at, t.to_owned(), Edge::Ref));
        }
    }
    for (at, kind, map) in &nodes.objects {
        if *kind != Kind::Schema {
            continue;
        }
        if let Some(all) = map.get("allOf").and_then(Value::as_array) {
            for i in 0..all.len() {
                pairs.push((at, format!("{at}/allOf/{i}"), Edge::AllOf));
            }
        }
        // `nullable: true` lets `null` stand in, which ends the chain.
        if map.get("nullable") == Some(&Value::Bool(true)) {
            continue;
        }
        let ty = map.get("type").and_then(Value::as_str);
        if ty == Some("object") {
            let props = map.get("properties").and_then(Value::as_object);
            for name in map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if props.is_some_and(|p| p.contains_key(name)) {
                    pairs.push((
                        at,
                        format!("{at}/properties/{}", pointer::escape(name)),
                        Edge::Required,
                    ));
                }
            }
        }
        if ty == Some("array") && map.get("minItems").and_then(Value::as_u64).unwrap_or(0) > 0 {
            pairs.push((at, format!("{at}/items"), Edge::Items));
        }
    }
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut id = |p: &str, names: &mut Vec<String>| -> usize {
        *ids.entry(p.to_owned()).or_insert_with(|| {
            names.push(p.to_owned());
            names.len() - 1
        })
    };
    let numbered: Vec<(usize, usize, Edge)> = pairs
        .iter()
        .map(|(from, to, edge)| (id(from, &mut names), id(to, &mut names), *edge))
        .collect();
    let mut edges: Vec<Vec<(usize, Edge)>> = vec![Vec::new(); names.len()];
    for (from, to, edge) in numbered {
        edges[from].push((to, edge));
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; names.len()];
    let mut reported: HashSet<usize> = HashSet::new();
    for start in 0..names.len() {
        if colour[start] != Colour::White {
            continue;
        }
        // (node, next edge to try); the grey nodes are exactly those on this stack.
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = Colour::Grey;
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            if next == edges[node].len() {
                colour[node] = Colour::Black;
                stack.pop();
                continue;
            }
            top.1 += 1;
            let (to, _) = edges[node][next];
            match colour[to] {
                Colour::White => {
                    colour[to] = Colour::Grey;
                    stack.push((to, 0));
                }
                Colour::Grey if reported.insert(to) => {
                    let from = stack.iter().position(|(n, _)| *n == to).unwrap_or(0);
                    let chain: Vec<(usize, Edge)> = stack[from..]
                        .iter()
                        .map(|(n, taken)| (*n, edges[*n][taken - 1].1))
                        .collect();
                    // A cycle entered at a `$ref` is shown at the `$ref` line.
                    let at = if chain[0].1 == Edge::Ref {
                        format!("{}/$ref", names[to])
                    } else {
                        names[to].to_owned()
                    };
                    found.invalid(at, describe(&names, &chain));
                }
                _ => {}
            }
        }
    }
}

fn describe(names: &[&str], chain: &[(usize, Edge)]) -> String {
    let mut path: Vec<&str> = chain.iter().map(|(n, _)| names[*n]).collect();
    path.push(names[chain[0].0]);
    let shown = if path.len() > 8 {
        format!(
            "{} → … → {}",
            path[..4].join(" → "),
            path[path.len() - 2..].join(" → ")
        )
    } else {
        path.join(" → ")
    };
    if chain.iter().all(|(_, e)| *e == Edge::Ref) {
        format!("$ref cycle {shown}: following it never reaches an object")
    } else {
        let how: Vec<&str> = chain
            .iter()
            .filter_map(|(_, e)| match e {
                Edge::Ref => None,
                Edge::AllOf => Some("allOf"),
                Edge::Required => Some("a required property"),
                Edge::Items => Some("the items of a non-empty array"),
            })
            .collect();
        format!(
            "no finite value satisfies this schema: it contains itself through {} ({shown}); \
             make one link optional (not required, nullable, or minItems 0)",
            how.join(" and ")
        )
    }
}
