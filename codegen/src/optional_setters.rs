//! Setters of optional fields on the type builders (`types::builder`) that take the value itself.
//!
//! typify's setter of an optional field takes `T: TryInto<Option<X>>`, so a caller writes
//! `.game_key(Some("dev_0123".to_owned()))`; a `&str` is refused because `Option<String>` has no
//! `From<&str>`. This pass makes that setter take `T: TryInto<X>` and store `Some`, so
//! `.game_key("dev_0123")` works, and adds `<name>_opt(Option<X>)` for callers that hold an
//! `Option` (or want to set `None`). A field whose `_opt` name is taken keeps typify's setter.

use std::collections::BTreeSet;

use quote::{ToTokens, format_ident};

/// Rewrite the optional-field setters of every builder in `types::builder`; the number rewritten.
pub fn rewrite(file: &mut syn::File) -> usize {
    let Some(builders) =
        module_mut(&mut file.items, "types").and_then(|t| module_mut(t, "builder"))
    else {
        return 0;
    };
    let mut count = 0;
    for item in builders {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() {
            continue;
        }
        let taken: BTreeSet<String> = block
            .items
            .iter()
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut added: Vec<syn::ImplItem> = Vec::new();
        for member in &mut block.items {
            let syn::ImplItem::Fn(setter) = member else {
                continue;
            };
            // `type_` (a keyword field) becomes `type_opt`, not `type__opt`.
            let opt_name = format!("{}_opt", setter.sig.ident.to_string().trim_end_matches('_'));
            if taken.contains(&opt_name) {
                continue;
            }
            let Some(inner) = optional_bound(setter) else {
                continue;
            };
            let Some(field) = assigned_field(setter) else {
                continue;
            };
            let message = syn::LitStr::new(
                &format!("error converting supplied value for {field}: {{e}}"),
                proc_macro2::Span::call_site(),
            );
            let field = format_ident!("{field}");
            let name = &setter.sig.ident;
            let opt = format_ident!("{opt_name}");
            // Plain rather than generic: it is compiled once, and an `Option` needs no
            // conversion.
            added.push(syn::parse_quote! {
                pub fn #opt(mut self, value: ::std::option::Option<#inner>) -> Self {
                    self.#field = Ok(value);
                    self
                }
            });
            *setter = syn::parse_quote! {
                pub fn #name<T>(mut self, value: T) -> Self
                where
                    T: ::std::convert::TryInto<#inner>,
                    T::Error: ::std::fmt::Display,
                {
                    self.#field = value
                        .try_into()
                        .map(::std::option::Option::Some)
                        .map_err(|e| format!(#message));
                    self
                }
            };
            count += 1;
        }
        block.items.extend(added);
    }
    count
}

/// `X` when the setter's bound is `T: TryInto<Option<X>>`.
fn optional_bound(setter: &syn::ImplItemFn) -> Option<syn::Type> {
    let clause = setter.sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|p| {
        let syn::WherePredicate::Type(t) = p else {
            return None;
        };
        t.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(tb) = b else {
                return None;
            };
            let last = tb.path.segments.last()?;
            if last.ident != "TryInto" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let Some(syn::GenericArgument::Type(syn::Type::Path(option))) = args.args.first()
            else {
                return None;
            };
            let segment = option.path.segments.last()?;
            if segment.ident != "Option" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(inner) = &segment.arguments else {
                return None;
            };
            match inner.args.first()? {
                syn::GenericArgument::Type(ty) => Some(ty.clone()),
                _ => None,
            }
        })
    })
}

/// `name` of the setter's `self.name = …` statement.
fn assigned_field(setter: &syn::ImplItemFn) -> Option<String> {
    setter.block.stmts.iter().find_map(|s| {
        let syn::Stmt::Expr(syn::Expr::Assign(assign), _) = s else {
            return None;
        };
        let syn::Expr::Field(field) = &*assign.left else {
            return None;
        };
        Some(field.member.to_token_stream().to_string())
    })
}

fn module_mut<'i>(items: &'i mut [syn::Item], name: &str) -> Option<&'i mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, i)| i),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_setters_take_the_value_and_keep_an_opt_variant() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub mod builder {
                    pub struct Body { key: Result<Option<String>, String>, n: Result<i64, String> }
                    impl Body {
                        pub fn key<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.key = value.try_into().map_err(|e| format!("error converting supplied value for key: {e}"));
                            self
                        }
                        pub fn n<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<i64>,
                            T::Error: ::std::fmt::Display,
                        {
                            self.n = value.try_into().map_err(|e| format!("error converting supplied value for n: {e}"));
                            self
                        }
                    }
                }
            }
        };
        assert_eq!(rewrite(&mut file), 1);
        // Compare without layout: whitespace and the trailing commas of wrapped signatures.
        let text: String = prettyplease::unparse(&file)
            .split_whitespace()
            .collect::<String>()
            .replace(",)", ")");
        assert!(
            text.contains("pubfnkey<T>(mutself,value:T)->SelfwhereT:::std::convert::TryInto<::std::string::String>"),
            "{text}"
        );
        assert!(text.contains(".map(::std::option::Option::Some)"), "{text}");
        assert!(
            text.contains("pubfnkey_opt(mutself,value:::std::option::Option<::std::string::String>)->Self{self.key=Ok(value);self}"),
            "{text}"
        );
        assert!(!text.contains("pubfnn_opt"), "{text}");
    }
}
