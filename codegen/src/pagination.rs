//! `into_stream` methods for paginated lists, from the spec's annotations: the styles declared
//! once in `x-pagination-styles` and each list's `x-pagination` (its style and items field).
//! The Rust types (cursor parameter, page, items, error) are read from progenitor's output, so
//! the methods call exactly the generated builder and `send`.

use std::collections::BTreeMap;

use quote::ToTokens;
use serde_json::Value;

use gamespec_spec::paths::operations;

use crate::features::gate::Gate;
use crate::generate::GenerateError;

/// The `impl` blocks adding `into_stream` to the builder of every annotated operation.
/// Each block carries the feature gate of its builder (`gates`, by builder name; none when
/// absent).
pub fn stream_methods(
    spec: &Value,
    file: &syn::File,
    gates: &BTreeMap<String, Gate>,
) -> Result<String, GenerateError> {
    let styles = spec.get("x-pagination-styles");
    let builders = module(file, "builder");
    let types = module(file, "types");
    let mut out = String::new();
    for op in operations(spec) {
        let Some(annotation) = op.value.get("x-pagination") else {
            continue;
        };
        let fail = |why: &str| GenerateError::Pagination(format!("{}: {why}", op.id));
        let style_name = annotation
            .get("style")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("x-pagination has no style"))?;
        let items = annotation
            .get("items")
            .and_then(Value::as_str)
            .ok_or_else(|| fail("x-pagination names no items field"))?;
        let style = styles.and_then(|s| s.get(style_name)).ok_or_else(|| {
            fail(&format!(
                "style {style_name:?} is not in x-pagination-styles"
            ))
        })?;
        let text = |key: &str| {
            style
                .get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| fail(&format!("style {style_name:?} has no {key}")))
        };
        let param = text("param")?;
        let (kind, pointer) = match text("kind")? {
            "cursor" => ("Cursor", text("next")?),
            "offset" => ("Offset", text("total")?),
            other => return Err(fail(&format!("unknown pagination kind {other:?}"))),
        };
        let name = heck::ToUpperCamelCase::to_upper_camel_case(op.id.as_str());
        let builder = find_struct(builders, &name).ok_or_else(|| fail("no generated builder"))?;
        let cursor = field(builder, param)
            .map(|t| unwrap_generic(unwrap_generic(t, "Result"), "Option"))
            .ok_or_else(|| fail(&format!("the builder has no {param:?} parameter")))?;
        let (page, error) = send_types(builders, &name).ok_or_else(|| fail("no send method"))?;
        let page_name = last_ident(page).ok_or_else(|| fail("unnamed page type"))?;
        let page_struct =
            find_struct(types, &page_name).ok_or_else(|| fail("the page type is not a struct"))?;
        let items_type = field(page_struct, items)
            .ok_or_else(|| fail(&format!("the page has no {items:?} field")))?;
        let optional = last_ident(items_type).as_deref() == Some("Option");
        let list = unwrap_generic(items_type, "Option");
        let item = in_types(unwrap_generic(list, "Vec"));
        let take = if optional {
            format!("page.{items}.unwrap_or_default()")
        } else {
            format!("page.{items}")
        };
        let cfg = gates
            .get(&name)
            .map(Gate::attribute_text)
            .unwrap_or_default();
        out.push_str(&format!(
            r#"
{cfg}
impl<'a> builder::{name}<'a> {{
    /// Every item of every page of `{id}` as one stream, fetched page by page as it is read
    /// (pagination style `{style_name}` of the spec: `{param}` ← `{pointer}`). The builder's other
    /// parameters are sent with every page; the first error ends the stream.
    pub fn into_stream(self) -> ::gamespec_client_support::ItemStream<'a, {item}, Error<{error}>> {{
        ::gamespec_client_support::paginate(
            self,
            ::gamespec_client_support::PageStyle::{kind},
            |builder, cursor| async move {{
                let builder = match cursor {{
                    Some(cursor) => builder.{param}(
                        ::gamespec_client_support::cursor_as::<{cursor}>(cursor)
                            .map_err(Error::InvalidRequest)?,
                    ),
                    None => builder,
                }};
                let page = builder.send().await?.into_inner();
                let next = ::gamespec_client_support::json_at(&page, {pointer:?});
                Ok(::gamespec_client_support::Page {{ items: {take}, next }})
            }},
        )
    }}
}}
"#,
            id = op.id,
            item = item.to_token_stream(),
            error = error.to_token_stream(),
            cursor = cursor.to_token_stream(),
        ));
    }
    if out.is_empty() {
        return Ok(out);
    }
    let file: syn::File = syn::parse_str(&out).map_err(|e| GenerateError::Syntax(e.to_string()))?;
    Ok(format!(
        "/// Paginated lists as streams (`x-pagination` in the spec).\n{}",
        prettyplease::unparse(&file)
    ))
}

fn module<'f>(file: &'f syn::File, name: &str) -> &'f [syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
            _ => None,
        })
        .unwrap_or(&[])
}

fn find_struct<'f>(items: &'f [syn::Item], name: &str) -> Option<&'f syn::ItemStruct> {
    items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })
}

fn field<'f>(s: &'f syn::ItemStruct, name: &str) -> Option<&'f syn::Type> {
    s.fields
        .iter()
        .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        .map(|f| &f.ty)
}

/// The page and error types of the builder's `send`: `Result<ResponseValue<P>, Error<E>>`.
fn send_types<'f>(items: &'f [syn::Item], name: &str) -> Option<(&'f syn::Type, &'f syn::Type)> {
    let send = items.iter().find_map(|item| match item {
        syn::Item::Impl(block)
            if matches!(&*block.self_ty, syn::Type::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == name)) =>
        {
            block.items.iter().find_map(|i| match i {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                _ => None,
            })
        }
        _ => None,
    })?;
    let syn::ReturnType::Type(_, ret) = &send.sig.output else {
        return None;
    };
    let args = generic_args(ret)?;
    let (ok, err) = (args.first()?, args.get(1)?);
    Some((*generic_args(ok)?.first()?, *generic_args(err)?.first()?))
}

fn generic_args(ty: &syn::Type) -> Option<Vec<&syn::Type>> {
    let syn::Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
    )
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    Some(p.path.segments.last()?.ident.to_string())
}

/// `T` of `Wrapper<T>` when `ty` is that wrapper (by its last path segment), else `ty`.
fn unwrap_generic<'t>(ty: &'t syn::Type, wrapper: &str) -> &'t syn::Type {
    if last_ident(ty).as_deref() == Some(wrapper)
        && let Some(args) = generic_args(ty)
        && let Some(first) = args.first()
    {
        return first;
    }
    ty
}

/// A type written inside the generated `types` module, as seen from beside it: relative paths
/// get a `types::` prefix, recursively through generic arguments.
fn in_types(ty: &syn::Type) -> syn::Type {
    let mut ty = ty.clone();
    prefix(&mut ty);
    ty
}

fn prefix(ty: &mut syn::Type) {
    let syn::Type::Path(p) = ty else { return };
    for segment in p.path.segments.iter_mut() {
        if let syn::PathArguments::AngleBracketed(args) = &mut segment.arguments {
            for arg in args.args.iter_mut() {
                if let syn::GenericArgument::Type(t) = arg {
                    prefix(t);
                }
            }
        }
    }
    if p.path.leading_colon.is_none() && p.qself.is_none() {
        let first = p.path.segments.first().map(|s| s.ident.to_string());
        if !matches!(
            first.as_deref(),
            Some("types" | "crate" | "super" | "Self" | "Vec" | "Option" | "String")
        ) {
            p.path.segments.insert(
                0,
                syn::PathSegment::from(syn::Ident::new("types", proc_macro2::Span::call_site())),
            );
        }
    }
}
