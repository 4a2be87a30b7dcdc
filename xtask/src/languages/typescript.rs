//! The TypeScript client: openapi-typescript types, an openapi-fetch smoke program written from
//! the plan (every call spelled out, so `tsc --strict` checks each path, parameter and body
//! against the generated types), compiled and run with node.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::{Context, PINS, Report, count_lines, show, smoke_summary};
use crate::error::{ToolError, io_error};
use crate::install::{self, NO_NODE, REINSTALL};
use crate::process::{combined, output};

/// The npm tree under `target/validators/`.
const NPM_DIR: &str = "languages-npm";
/// Longest one tool run may take.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The compiler settings: strict, plus the checks strict leaves out that matter for API types.
const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "types": ["node"],
    "skipLibCheck": false,
    "outDir": "build"
  },
  "files": ["api.ts", "smoke.ts"]
}
"#;

/// Install the pinned npm tools (first use only); returns their `node_modules`.
fn install(root: &Path) -> Result<PathBuf, ToolError> {
    let dir = install::install_npm(
        root,
        PINS,
        NPM_DIR,
        "openapi-typescript, openapi-fetch, typescript",
    )?;
    Ok(dir.join("node_modules"))
}

/// Generate, compile and smoke-test the TypeScript client of `cx.api`.
pub fn run(cx: &Context) -> Result<Report, ToolError> {
    let modules = install(cx.root)?;
    let mut report = Report::default();

    let mut generate = Command::new("node");
    generate
        .arg(modules.join("openapi-typescript/bin/cli.js"))
        .arg(&cx.spec)
        .arg("-o")
        .arg(cx.out.join("api.ts"));
    let out = output(generate, "node", NO_NODE, "openapi-typescript", TIMEOUT)?;
    let text = combined(&out);
    std::fs::write(cx.out.join("generate.log"), &text).ok();
    let is_warning = |l: &str| {
        let l = l.to_ascii_lowercase();
        l.contains("warn") || l.contains("error")
    };
    report.warnings = count_lines(&text, is_warning);
    show(&text, is_warning, 20);
    if !out.status.success() {
        return Err(ToolError::failed("openapi-typescript", &text, REINSTALL));
    }

    let plan_text = std::fs::read_to_string(&cx.plan).map_err(io_error(&cx.plan))?;
    let plan: Value = serde_json::from_str(&plan_text).unwrap_or_default();
    let files = [
        ("smoke.ts", smoke_program(&plan)),
        ("tsconfig.json", TSCONFIG.to_owned()),
        ("package.json", "{ \"type\": \"module\" }\n".to_owned()),
    ];
    for (name, text) in files {
        let path = cx.out.join(name);
        std::fs::write(&path, text).map_err(io_error(&path))?;
    }
    let link = cx.out.join("node_modules");
    std::os::unix::fs::symlink(&modules, &link).map_err(io_error(&link))?;

    let mut tsc = Command::new("node");
    tsc.arg(modules.join("typescript/bin/tsc"))
        .args(["-p", "tsconfig.json", "--pretty", "false"])
        .current_dir(&cx.out);
    let out = output(tsc, "node", NO_NODE, "tsc --strict", TIMEOUT)?;
    let text = combined(&out);
    std::fs::write(cx.out.join("tsc.log"), &text).ok();
    let is_error = |l: &str| l.contains("error TS");
    report.compile_errors = count_lines(&text, is_error);
    show(&text, is_error, 20);
    if !out.status.success() {
        report.compile_errors = report.compile_errors.max(1);
        return Ok(report);
    }

    let mut smoke = Command::new("node");
    smoke
        .arg(cx.out.join("build/smoke.js"))
        .arg(cx.base_url)
        .current_dir(&cx.out);
    let out = output(
        smoke,
        "node",
        NO_NODE,
        "the TypeScript smoke program",
        TIMEOUT,
    )?;
    std::fs::write(cx.out.join("smoke.log"), combined(&out)).ok();
    show(&String::from_utf8_lossy(&out.stderr), |_| true, 20);
    smoke_summary(&String::from_utf8_lossy(&out.stdout), &mut report)?;
    Ok(report)
}

/// The smoke program: the login, then each planned call, every one a typed openapi-fetch call.
fn smoke_program(plan: &Value) -> String {
    let mut ts = String::from(
        r#"// Written by `cargo xtask languages` from the smoke plan; do not edit.
import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const client = createClient<paths>({ baseUrl: process.argv[2] ?? "" });
let calls = 0;
let decoded = 0;
let session: string | undefined;

// A call decodes when it has the planned status and openapi-fetch parsed a JSON body into `data`.
async function check(
  operationId: string,
  status: number,
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<Record<string, unknown> | undefined> {
  try {
    const { data, error, response } = await call;
    if (response.status !== status || data === undefined || data === null) {
      console.error(`${operationId}: status ${response.status}, planned ${status}: ${JSON.stringify(error ?? data).slice(0, 300)}`);
      return undefined;
    }
    return data as Record<string, unknown>;
  } catch (e) {
    console.error(`${operationId}: ${String(e)}`);
    return undefined;
  }
}

function withSession(value: string): string | undefined {
  return value.includes("$session") ? (session === undefined ? undefined : value.replace("$session", session)) : value;
}

"#,
    );
    if let Some(login) = plan.get("login").filter(|l| !l.is_null()) {
        let token = &login["token"];
        let extract = match token.get("field").and_then(Value::as_str) {
            Some(field) => format!(
                "typeof wire[{0}] === \"string\" ? wire[{0}] : undefined",
                js(&Value::from(field))
            ),
            None => format!(
                "typeof wire[{0}] === \"string\" ? new URL(wire[{0}]).searchParams.get({1}) ?? undefined : undefined",
                js(&token["url_field"]),
                js(&token["param"])
            ),
        };
        let _ = writeln!(
            ts,
            "{{\n  const wire = await check({id}, {status}, client.{method}({path}, {{ {params}body: {body} }}));\n  if (wire !== undefined) {{ session = {extract}; }}\n}}\n",
            id = js(&login["operationId"]),
            status = login["status"],
            method = login["method"]
                .as_str()
                .unwrap_or("post")
                .to_ascii_uppercase(),
            path = js(&login["path"]),
            params = params(&login["params"]),
            body = login["body"],
        );
    }
    for call in plan["calls"].as_array().into_iter().flatten() {
        let headers: Vec<String> = call["auth"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "[{}, withSession({}) ?? \"\"]",
                    js(&a["header"]),
                    js(&a["value"])
                )
            })
            .collect();
        let _ = writeln!(
            ts,
            "calls += 1;\nif (await check({id}, {status}, client.GET({path}, {{ {params}headers: new Headers([{headers}] as [string, string][]) }})) !== undefined) decoded += 1;\n",
            id = js(&call["operationId"]),
            status = call["status"],
            path = js(&call["path"]),
            params = params(&call["params"]),
            headers = headers.join(", "),
        );
    }
    ts.push_str(
        "console.log(JSON.stringify({ session: session !== undefined, calls, decoded }));\n",
    );
    ts
}

/// `params: { path: {...}, query: {...}, header: {...} }, ` for the planned parameters.
fn params(list: &Value) -> String {
    let mut by_place: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for p in list.as_array().into_iter().flatten() {
        let place = p["in"].as_str().unwrap_or("query");
        by_place
            .entry(place)
            .or_default()
            .push(format!("{}: {}", js(&p["name"]), p["value"]));
    }
    if by_place.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = by_place
        .into_iter()
        .map(|(place, fields)| format!("{place}: {{ {} }}", fields.join(", ")))
        .collect();
    format!("params: {{ {} }}, ", inner.join(", "))
}

/// A JSON value as a JavaScript literal.
fn js(value: &Value) -> String {
    value.to_string()
}
