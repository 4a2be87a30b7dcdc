//! What progenitor generated, read back from its own output: which builder each client method
//! returns, the setters of every builder with the exact type their `TryInto<T>` bound names, and
//! the named types of the `types` module.
//!
//! Reading the generated `syn::File` instead of predicting progenitor's type choices keeps the
//! dispatch code in step with the client whatever typify decides.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{
    FnArg, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type, TypeParamBound,
    WherePredicate,
};

/// One setter of a builder: `fn name<V>(self, value: V) where V: TryInto<T>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setter {
    /// The method name (progenitor's sanitized parameter name, or `body`).
    pub name: String,
    /// `T`, as Rust source valid inside the client crate once `types` is in scope.
    pub target: String,
}

/// The parts of a progenitor file the dispatch code is written against.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Client method name → builder struct name.
    pub methods: BTreeMap<String, String>,
    /// Builder struct name → its setters, in declaration order.
    pub builders: BTreeMap<String, Vec<Setter>>,
    /// Names of the structs, enums and aliases in the `types` module.
    pub types: BTreeSet<String>,
}

/// Read `file` (progenitor's output for the builder interface).
pub fn read(file: &syn::File) -> Generated {
    let mut out = Generated::default();
    for item in &file.items {
        match item {
            Item::Impl(imp) if type_name(&imp.self_ty).as_deref() == Some("Client") => {
                out.methods.extend(client_methods(imp));
            }
            Item::Mod(m) if m.ident == "builder" => {
                for (name, setters) in builders(module_items(m)) {
                    out.builders.insert(name, setters);
                }
            }
            Item::Mod(m) if m.ident == "types" => out.types = type_names(module_items(m)),
            _ => {}
        }
    }
    out
}

fn module_items(m: &syn::ItemMod) -> &[Item] {
    m.content
        .as_ref()
        .map(|(_, items)| items.as_slice())
        .unwrap_or(&[])
}

/// The last segment of a path type, e.g. `Client` for `super::Client`.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `pub fn start_guest_session(&self) -> builder::StartGuestSession<'_>` → its two names.
fn client_methods(imp: &syn::ItemImpl) -> Vec<(String, String)> {
    imp.items
        .iter()
        .filter_map(|item| {
            let ImplItem::Fn(f) = item else { return None };
            let ReturnType::Type(_, ty) = &f.sig.output else {
                return None;
            };
            let Type::Path(p) = ty.as_ref() else {
                return None;
            };
            let segments: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            match segments.as_slice() {
                [module, name] if module == "builder" => {
                    Some((f.sig.ident.to_string(), name.clone()))
                }
                _ => None,
            }
        })
        .collect()
}

/// Every `impl Builder<'a>` of the builder module with its setters.
fn builders(items: &[Item]) -> Vec<(String, Vec<Setter>)> {
    items
        .iter()
        .filter_map(|item| {
            let Item::Impl(imp) = item else { return None };
            if imp.trait_.is_some() {
                return None;
            }
            let name = type_name(&imp.self_ty)?;
            let setters = imp
                .items
                .iter()
                .filter_map(|i| match i {
                    ImplItem::Fn(f) => setter(&f.sig),
                    _ => None,
                })
                .collect();
            Some((name, setters))
        })
        .collect()
}

/// A setter takes `self` and one `value: V` argument, and bounds `V: TryInto<T>`.
fn setter(sig: &syn::Signature) -> Option<Setter> {
    let typed_args: Vec<&syn::PatType> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(t),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let [arg] = typed_args.as_slice() else {
        return None;
    };
    let param = type_name(&arg.ty)?;
    let bounds = sig.generics.where_clause.as_ref()?;
    let target = bounds.predicates.iter().find_map(|pred| {
        let WherePredicate::Type(pt) = pred else {
            return None;
        };
        if type_name(&pt.bounded_ty).as_deref() != Some(param.as_str()) {
            return None;
        }
        pt.bounds.iter().find_map(try_into_target)
    })?;
    Some(Setter {
        name: sig.ident.to_string(),
        target,
    })
}

/// `std::convert::TryInto<T>` → `T` as source text.
fn try_into_target(bound: &TypeParamBound) -> Option<String> {
    let TypeParamBound::Trait(t) = bound else {
        return None;
    };
    let last = t.path.segments.last()?;
    if last.ident != "TryInto" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(ty) => Some(ty.to_token_stream().to_string()),
        _ => None,
    })
}

fn type_names(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s.ident.to_string()),
            Item::Enum(e) => Some(e.ident.to_string()),
            Item::Type(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_methods_setters_and_types() {
        let file: syn::File = syn::parse_str(
            r#"
            pub mod types {
                pub struct Score { pub value: i64 }
                pub enum Mode { A }
                pub type Alias = String;
            }
            impl Client {
                pub fn submit_score(&self) -> builder::SubmitScore<'_> { todo!() }
                pub fn baseurl(&self) -> &String { todo!() }
            }
            pub mod builder {
                impl<'a> SubmitScore<'a> {
                    pub fn new(client: &'a super::Client) -> Self { todo!() }
                    pub fn board_id<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<::std::num::NonZeroU64> { self }
                    pub fn body<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::Score>,
                        <V as std::convert::TryInto<types::Score>>::Error: std::fmt::Display,
                    { self }
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where F: std::ops::FnOnce(types::builder::Score) -> types::builder::Score { self }
                    pub async fn send(self) -> Result<(), ()> { Ok(()) }
                }
            }
            "#,
        )
        .unwrap();
        let g = read(&file);
        assert_eq!(g.methods["submit_score"], "SubmitScore");
        assert_eq!(g.methods.len(), 1);
        let setters = &g.builders["SubmitScore"];
        let names: Vec<&str> = setters.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["board_id", "body"]);
        assert_eq!(setters[0].target.replace(' ', ""), "::std::num::NonZeroU64");
        assert_eq!(setters[1].target.replace(' ', ""), "types::Score");
        assert_eq!(
            g.types.iter().collect::<Vec<_>>(),
            ["Alias", "Mode", "Score"]
        );
    }
}
