//! `cargo xtask docs`: offline HTML reference docs and single-file bundles of every registered
//! spec, into `target/docs/`, with a headless Chromium check that each page renders its
//! operations with the network cut off.
//!
//! * `<api>.yaml` and `<api>.json`: `redocly bundle` (every `$ref` file pulled into one document),
//!   for teams that fetch one file.
//! * `<api>.html`: `redocly build-docs --inlineBundle`: Redoc's script is inlined, so the page
//!   works from `file://` with no network (without the flag it loads Redoc from a CDN and shows
//!   only its title and menu offline).
//! * The check: Debian's `chromium`, headless, with every host name resolving to nothing, loads
//!   the page, runs its script and dumps the DOM; every tag of the spec must show at least one of
//!   its operations as `METHOD /path` in the rendered text (sections Redoc has not rendered in the
//!   first view are opened by their route, `#/<tag slug>`). A screenshot (`<api>.png`) is kept.
//!
//! Redocly comes from the same pinned npm tree as `cargo xtask validate`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gamespec_spec::registry::{Api, apis};
use serde_json::Value;

use crate::error::{ToolError, io_error};
use crate::install::{NO_NODE, PINS, REINSTALL};
use crate::process::{combined, output};
use crate::validate::{REDOCLY_JS, install_npm_tools};

/// Where the docs and bundles go, relative to the workspace root.
pub const OUT: &str = "target/docs";
/// Longest one tool run may take.
const TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// What to do without Chromium.
const NO_CHROMIUM: &str = "install Chromium (Debian: apt-get install chromium)";
/// Flags for a headless, offline Chromium: no sandbox (CI runs as root), no GPU, every host name
/// but loopback unresolvable, and virtual time so the page's script finishes before the dump.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--window-size=1440,1800",
    "--virtual-time-budget=15000",
];

/// What the docs of one API came to.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Tags in the spec.
    pub tags: usize,
    /// Tags whose rendered section shows none of their operations.
    pub tags_without_operations: Vec<String>,
    /// Operations shown as `METHOD /path` in the rendered page (the first view and each tag's
    /// section opened by its route), of all operations.
    pub operations_shown: usize,
    /// Operations in the spec.
    pub operations: usize,
}

/// Build bundles, docs and screenshots of every registered API; one report per API.
pub fn run(root: &Path) -> Result<Vec<(String, Report)>, ToolError> {
    let npm = install_npm_tools(root)?;
    let redocly = npm.join(REDOCLY_JS);
    let config = root.join(PINS).join("redocly.yaml");
    let out = root.join(OUT);
    std::fs::create_dir_all(&out).map_err(io_error(&out))?;
    let mut reports = Vec::new();
    for api in apis() {
        let spec = api.spec_path(root);
        let html = out.join(format!("{}.html", api.name));
        let steps: [(&str, Vec<String>); 3] = [
            (
                "bundle",
                vec![
                    "--ext".into(),
                    "yaml".into(),
                    "-o".into(),
                    out_arg(&out, api, "yaml"),
                ],
            ),
            (
                "bundle",
                vec![
                    "--ext".into(),
                    "json".into(),
                    "-o".into(),
                    out_arg(&out, api, "json"),
                ],
            ),
            (
                "build-docs",
                vec![
                    "--inlineBundle".into(),
                    "-o".into(),
                    html.display().to_string(),
                ],
            ),
        ];
        for (command, args) in steps {
            let mut redocly_run = Command::new("node");
            redocly_run
                .arg(&redocly)
                .arg(command)
                .arg(&spec)
                .arg("--config")
                .arg(&config)
                .args(&args)
                .env("REDOCLY_TELEMETRY", "off")
                .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
            let step = format!("redocly {command} {} {}", api.spec_file(), args.join(" "));
            let result = output(redocly_run, "node", NO_NODE, &step, TIMEOUT)?;
            if !result.status.success() {
                return Err(ToolError::failed(step, &combined(&result), REINSTALL));
            }
        }
        let url = format!("file://{}", html.display());
        let by_tag = operations_by_tag(&crate::mock::load_spec(api, &spec)?.value);
        let mut dom = dump_dom(&url)?;
        if by_tag
            .values()
            .all(|ops| !shown_any(ops, &visible_text(&dom)))
        {
            // Virtual time runs out before the script when the machine is very busy: once more.
            dom = dump_dom(&url)?;
        }
        let png = out.join(format!("{}.png", api.name));
        let mut shot = Command::new("chromium");
        shot.args(CHROMIUM_FLAGS)
            .arg(format!("--screenshot={}", png.display()))
            .arg(&url);
        let result = output(
            shot,
            "chromium",
            NO_CHROMIUM,
            "chromium --screenshot",
            TIMEOUT,
        )?;
        if !result.status.success() || !png.is_file() {
            return Err(ToolError::failed(
                "chromium --screenshot",
                &combined(&result),
                NO_CHROMIUM,
            ));
        }
        let mut text = visible_text(&dom);
        // Redoc renders the sections near the viewport; open each section not rendered yet
        // by its route (`#/<tag slug>`, what its menu entry links to).
        let unrendered: Vec<&String> = by_tag
            .iter()
            .filter(|(_, ops)| !shown_any(ops, &text))
            .map(|(tag, _)| tag)
            .collect();
        for tag in unrendered {
            text.push(' ');
            text.push_str(&visible_text(&dump_dom(&format!("{url}#/{}", slug(tag)))?));
        }
        let report = check(&by_tag, &text);
        println!(
            "{}: {} ({} KiB), bundles {}.yaml and {}.json; offline render: {}/{} tags show operations, {}/{} operations shown{}; screenshot {}",
            api.name,
            html.strip_prefix(root).unwrap_or(&html).display(),
            std::fs::metadata(&html).map_or(0, |m| m.len() / 1024),
            api.name,
            api.name,
            report.tags - report.tags_without_operations.len(),
            report.tags,
            report.operations_shown,
            report.operations,
            if report.tags_without_operations.is_empty() {
                String::new()
            } else {
                format!(
                    " (none shown for: {})",
                    report.tags_without_operations.join(", ")
                )
            },
            png.strip_prefix(root).unwrap_or(&png).display(),
        );
        reports.push((api.name.clone(), report));
    }
    Ok(reports)
}

fn out_arg(out: &Path, api: &Api, ext: &str) -> String {
    out.join(format!("{}.{ext}", api.name))
        .display()
        .to_string()
}

/// The page as Chromium renders it offline: its DOM after the script ran.
fn dump_dom(url: &str) -> Result<String, ToolError> {
    let mut dump = Command::new("chromium");
    dump.args(CHROMIUM_FLAGS).arg("--dump-dom").arg(url);
    let rendered = output(
        dump,
        "chromium",
        NO_CHROMIUM,
        "chromium --dump-dom",
        TIMEOUT,
    )?;
    if !rendered.status.success() {
        return Err(ToolError::failed(
            "chromium --dump-dom",
            &combined(&rendered),
            NO_CHROMIUM,
        ));
    }
    Ok(String::from_utf8_lossy(&rendered.stdout).into_owned())
}

/// Tag → its operations as (`method /path` as Redoc shows it, operationId).
type ByTag = BTreeMap<String, Vec<(String, String)>>;

/// Every operation of `spec`, grouped by tag.
fn operations_by_tag(spec: &Value) -> ByTag {
    let mut by_tag = ByTag::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if ![
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            let shown = format!("{method} {path}");
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            for tag in op["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                by_tag
                    .entry(tag.to_owned())
                    .or_default()
                    .push((shown.clone(), id.clone()));
            }
        }
    }
    by_tag
}

fn shown_any(ops: &[(String, String)], text: &str) -> bool {
    ops.iter().any(|(shown, _)| text.contains(shown.as_str()))
}

/// The route Redoc gives a tag's section: lower case, every run of other characters one `-`
/// (`User Generated Content (UGC)` → `user-generated-content-ugc`). A wrong guess can only make
/// the check fail, never pass: the section's operations must then appear.
fn slug(tag: &str) -> String {
    let mut slug = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// Which operations the rendered `text` shows, per tag.
fn check(by_tag: &ByTag, text: &str) -> Report {
    let mut all: Vec<&String> = by_tag.values().flatten().map(|(shown, _)| shown).collect();
    all.sort();
    all.dedup();
    Report {
        tags: by_tag.len(),
        tags_without_operations: by_tag
            .iter()
            .filter(|(_, ops)| !shown_any(ops, text))
            .map(|(tag, _)| tag.clone())
            .collect(),
        operations_shown: all.iter().filter(|s| text.contains(s.as_str())).count(),
        operations: all.len(),
    }
}

/// The text a reader sees in `html`'s body: scripts and styles dropped, tags removed,
/// whitespace collapsed, the common entities decoded.
fn visible_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |at| &html[at..]);
    let mut text = String::with_capacity(body.len() / 4);
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let tag = &rest[open..];
        let skip_to = ["script", "style"].iter().find_map(|name| {
            let opens =
                tag.len() > name.len() + 1 && tag[1..=name.len()].eq_ignore_ascii_case(name);
            opens.then(|| {
                let close = format!("</{name}");
                tag.find(&close).map_or(tag.len(), |c| c + close.len())
            })
        });
        let after = skip_to.unwrap_or(0);
        rest = match tag[after..].find('>') {
            Some(end) => &tag[after + end + 1..],
            None => "",
        };
    }
    text.push_str(rest);
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tag_slugs_follow_redoc_routes() {
        assert_eq!(slug("Characters and Heroes"), "characters-and-heroes");
        assert_eq!(
            slug("User Generated Content (UGC)"),
            "user-generated-content-ugc"
        );
        assert_eq!(slug("2FA"), "2fa");
    }

    #[test]
    fn visible_text_drops_scripts_styles_and_tags() {
        let html = "<head><title>t</title></head><body><style>a{}</style><div>GET <b>/a</b></div>\
                    <script>var x = '<div>post /b</div>';</script><p>x &amp; y</p></body>";
        assert_eq!(visible_text(html), "GET /a x & y");
    }

    #[test]
    fn a_tag_without_any_rendered_operation_is_reported() {
        let spec = json!({"paths": {
            "/a": {"get": {"tags": ["one"], "operationId": "getA"}, "post": {"tags": ["two"]}},
            "/b": {"get": {"tags": ["two"], "operationId": "getB"}, "parameters": []}
        }});
        let report = check(&operations_by_tag(&spec), "Operations get /a post /b");
        assert_eq!(report.operations, 3);
        assert_eq!(report.operations_shown, 1);
        assert_eq!(report.tags, 2);
        assert_eq!(report.tags_without_operations, vec!["two".to_owned()]);
    }
}
