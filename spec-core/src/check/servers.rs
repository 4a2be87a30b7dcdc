//! Server URLs: each a URL (absolute, or relative to where the document is served) once its
//! `{variables}` are filled in with their defaults, every variable declared, and a variable's
//! default among its `enum` when it has one.

use serde_json::Value;

use super::Found;
use crate::paths::HTTP_METHODS;
use crate::pointer;

pub(super) fn check(root: &Value, found: &mut Found) {
    let mut lists = vec![("/servers".to_owned(), root.get("servers"))];
    for (path, item) in root
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = pointer::join(["paths", path.as_str()]);
        lists.push((format!("{at}/servers"), item.get("servers")));
        for m in HTTP_METHODS {
            lists.push((
                format!("{at}/{m}/servers"),
                item.get(*m).and_then(|o| o.get("servers")),
            ));
        }
    }
    for (at, list) in lists {
        for (i, server) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            server_url(&format!("{at}/{i}"), server, found);
        }
    }
}

fn server_url(at: &str, server: &Value, found: &mut Found) {
    let Some(url) = server.get("url").and_then(Value::as_str) else {
        found.invalid(format!("{at}/url"), "a server needs a `url` string");
        return;
    };
    let variables = server.get("variables").and_then(Value::as_object);
    for (name, var) in variables.into_iter().flatten() {
        let default = var.get("default").and_then(Value::as_str);
        let here = format!("{at}/variables/{}", pointer::escape(name));
        match (default, var.get("enum").and_then(Value::as_array)) {
            (None, _) => found.invalid(
                format!("{here}/default"),
                "a server variable needs a `default`",
            ),
            (Some(d), Some(values)) if !values.iter().any(|v| v.as_str() == Some(d)) => {
                found.invalid(
                    format!("{here}/default"),
                    format!("default `{d}` is not one of the variable's `enum`"),
                );
            }
            _ => {}
        }
    }
    // Fill in each `{name}` with its default.
    let mut filled = String::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            found.invalid(
                format!("{at}/url"),
                format!("`{{` is never closed in `{url}`"),
            );
            return;
        };
        let name = &rest[open + 1..open + close];
        match variables
            .and_then(|v| v.get(name))
            .and_then(|v| v.get("default"))
            .and_then(Value::as_str)
        {
            Some(d) => filled.push_str(d),
            None => {
                found.invalid(
                    format!("{at}/url"),
                    format!("`{{{name}}}` in `{url}` is not declared in the server's `variables`"),
                );
                return;
            }
        }
        rest = &rest[open + close + 1..];
    }
    filled.push_str(rest);
    let parsed = match url::Url::parse(&filled) {
        Err(url::ParseError::RelativeUrlWithoutBase) => url::Url::parse("http://localhost/")
            .and_then(|base| base.join(&filled))
            .map(|_| ()),
        other => other.map(|_| ()),
    };
    if let Err(e) = parsed {
        found.invalid(format!("{at}/url"), format!("`{url}` is not a URL: {e}"));
    }
}
