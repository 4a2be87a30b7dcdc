//! Embeds the API registry (`spec/registry.toml`) and every spec file it names, so binaries
//! built from this crate serve `--spec NAME` from any directory.

use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(serde::Deserialize)]
struct Registry {
    api: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    spec: String,
    #[serde(default)]
    behaviour: Option<String>,
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_dir = manifest.join("../spec");
    let registry_path = spec_dir.join("registry.toml");
    println!("cargo::rerun-if-changed={}", registry_path.display());
    let text = match std::fs::read_to_string(&registry_path) {
        Ok(text) => text,
        Err(e) => {
            println!("cargo::error={}: {e}", registry_path.display());
            return;
        }
    };
    let registry: Registry = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            println!("cargo::error={}: {e}", registry_path.display());
            return;
        }
    };
    let mut out = String::new();
    let quoted = |p: &PathBuf| format!("{:?}", p.display().to_string());
    let _ = writeln!(
        out,
        "/// The registry text.\npub const REGISTRY: &str = include_str!({});",
        quoted(&registry_path)
    );
    out.push_str("/// Every spec file the registry names, by its path relative to `spec/`.\n");
    out.push_str("pub const SPECS: &[(&str, &str)] = &[\n");
    for entry in &registry.api {
        let path = spec_dir.join(&entry.spec);
        println!("cargo::rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({})),",
            entry.spec,
            quoted(&path)
        );
    }
    out.push_str("];\n");
    out.push_str("/// Every behaviour file the registry names, by its path relative to `spec/`.\n");
    out.push_str("pub const BEHAVIOURS: &[(&str, &str)] = &[\n");
    for file in registry.api.iter().filter_map(|e| e.behaviour.as_ref()) {
        let path = spec_dir.join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        let _ = writeln!(out, "    ({:?}, include_str!({})),", file, quoted(&path));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("embedded.rs"), out) {
        println!("cargo::error=cannot write embedded.rs: {e}");
    }
}
