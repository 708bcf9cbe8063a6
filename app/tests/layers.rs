//! Imports flow one way (DEVELOPERS.md, "Layers"): wire types and catalogues
//! (`types`, `permissions`, `error`) ← services and the rest of the
//! server-only tree (`server`) ← server functions (`api`) ← pages and
//! components. This test reads every source file of the crate and fails on
//! any path, in a `use` line or inline, that names a module of a layer above
//! the file's own (`crate::…`, `super::…` climbing out of the layer, and
//! `crate::{…}` groups alike).

use std::path::{Path, PathBuf};

/// (top-level module, the top-level modules it must never name).
const RULES: &[(&str, &[&str])] = &[
    ("types", &["server", "api", "pages", "components"]),
    ("permissions", &["server", "api", "pages", "components"]),
    ("error", &["server", "api", "pages", "components"]),
    ("server", &["api", "pages", "components"]),
    ("api", &["pages", "components"]),
];

fn forbidden_for(module: &str) -> &'static [&'static str] {
    RULES.iter().find(|(m, _)| *m == module).map(|(_, f)| *f).unwrap_or(&[])
}

/// The module path of a source file: `src/server/services/client.rs` is
/// `["server", "services", "client"]`, a `mod.rs` its directory's module.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segments of the paths `s` names after `crate::`: one, or each
/// item of a `{…}` group.
fn heads(s: &str) -> Vec<String> {
    if let Some(group) = s.strip_prefix('{') {
        let mut out = vec![];
        let (mut depth, mut start) = (0usize, 0usize);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    out.push(ident_at(group[start..i].trim_start()).to_string());
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident_at(group[start..i].trim_start()).to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
        out
    } else {
        vec![ident_at(s).to_string()]
    }
}

/// Every top-level module the code of one file names (comments left out),
/// with the line it is named on.
fn named_modules(module: &[String], code: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    // Joined so that a `use crate::{…}` group spanning lines reads as one.
    let lines: Vec<&str> = code.lines().map(|l| l.split("//").next().unwrap_or("")).collect();
    let text = lines.join("\n");
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    for (at, _) in text.match_indices("crate::") {
        if text[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `app_crate::` and the like
        }
        for head in heads(&text[at + "crate::".len()..]) {
            out.push((line_of(at), head));
        }
    }
    for (at, _) in text.match_indices("super::") {
        if text[..at].ends_with("super::") || text[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // counted from the first `super::` of a chain
        }
        let mut rest = &text[at..];
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            up += 1;
            rest = r;
        }
        // `super` of a file's inline `mod tests` is the file itself.
        if up >= module.len() {
            for head in heads(rest) {
                out.push((line_of(at), head));
            }
        } else if module.len() - up >= 1 {
            out.push((line_of(at), module[0].clone()));
        }
    }
    out
}

/// The violations of one file: "path:line names module".
fn violations(module: &[String], code: &str, shown: &str) -> Vec<String> {
    let Some(top) = module.first() else {
        return vec![];
    };
    let forbidden = forbidden_for(top);
    named_modules(module, code)
        .into_iter()
        .filter(|(_, m)| forbidden.contains(&m.as_str()))
        .map(|(line, m)| format!("{shown}:{line}: `{top}` names `{m}`, a layer above it"))
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    sources(&src, &mut files);
    assert!(files.len() > 50, "found only {} source files under {}", files.len(), src.display());
    let mut found = vec![];
    let mut checked = 0;
    for file in &files {
        let module = module_path(&src, file);
        if module.first().is_some_and(|m| !forbidden_for(m).is_empty()) {
            checked += 1;
        }
        let code = std::fs::read_to_string(file).unwrap();
        found.extend(violations(&module, &code, &file.strip_prefix(&src).unwrap().display().to_string()));
    }
    assert!(checked > 40, "checked only {checked} files of the lower layers");
    assert!(found.is_empty(), "imports against the layers:\n{}", found.join("\n"));
}

/// The checker itself finds each way of naming a layer above.
#[test]
fn the_checker_sees_every_form() {
    let m = |p: &str| p.split('/').map(str::to_string).collect::<Vec<_>>();
    let bad = |module: &str, code: &str| !violations(&m(module), code, "x").is_empty();
    assert!(bad("server/services/client", "use crate::api::client::ClientCamera;"));
    assert!(bad("server/services/client", "use crate::{error::AppError, api::client::X};"));
    assert!(bad(
        "server/services/client",
        "use crate::{\n    error::AppError,\n    pages::x,\n};"
    ));
    assert!(bad("server/services/client", "let x = crate::api::ctx::db();"));
    assert!(bad("server/services/client", "use super::super::super::api::x;"));
    assert!(bad("types/card", "use crate::server::entities::users;"));
    assert!(bad("types", "use crate::api::x;"));
    assert!(bad("api/card", "use crate::pages::card::UserCard;"));
    assert!(!bad("server/services/client", "use crate::types::subscriber::ClientCamera;"));
    assert!(!bad("server/services/client", "use super::access; // crate::api::x in a comment"));
    assert!(!bad("server/services/client", "use super::super::entities::users;"));
    assert!(!bad("api/card", "use crate::server::services::card;"));
    assert!(!bad("pages/card", "use crate::api::card::card_header;"));
}
