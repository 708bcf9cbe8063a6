//! Imports flow one way (DEVELOPERS.md, "Layers"): wire types and catalogues
//! (`types`, `permissions`, `error`) ← the server-only tree (`backend`:
//! services, sessions) ← server functions (`api`) ← pages and components.
//! Fails on any path naming a layer above the file's own, in a `use` line or
//! inline, as `crate::x`, inside a `crate::{…}` group, or `super::` climbing
//! out of the layer.

use std::path::Path;

/// (top-level module, the top-level modules it must never name).
const RULES: &[(&str, &[&str])] = &[
    ("types", &["backend", "api", "pages", "components"]),
    ("permissions", &["backend", "api", "pages", "components"]),
    ("error", &["backend", "api", "pages", "components"]),
    ("backend", &["api", "pages", "components"]),
    ("api", &["pages", "components"]),
];

fn ident(s: &str) -> &str {
    let s = s.trim_start();
    &s[..s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())]
}

/// The first segment of each path `s` starts with: one, or each item of a
/// `{…}` group.
fn heads(s: &str) -> Vec<&str> {
    let Some(group) = s.strip_prefix('{') else {
        return vec![ident(s)];
    };
    let (mut out, mut depth, mut start) = (vec![], 0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            '}' | ',' if depth == 0 => {
                out.push(ident(&group[start..i]));
                if c == '}' {
                    break;
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// "line: message" for each name of a forbidden layer in the code of the
/// module at `module` (its path from the crate root).
fn violations(module: &[&str], code: &str) -> Vec<String> {
    let Some(forbidden) = module.first().and_then(|top| RULES.iter().find(|(m, _)| m == top)).map(|r| r.1) else {
        return vec![];
    };
    let code: Vec<&str> = code.lines().map(|l| l.split("//").next().unwrap_or("")).collect();
    let code = code.join("\n");
    let mut named = vec![];
    for (at, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        if code[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue; // part of a longer path, or of `super::super::`
        }
        let mut rest = &code[at..];
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            (up, rest) = (up + 1, r);
        }
        let rest = rest.strip_prefix("crate::").unwrap_or(rest);
        // `super::` that stays inside the file's own top-level module is fine.
        if up == 0 || up >= module.len() {
            named.extend(heads(rest).into_iter().map(|h| (at, h)));
        }
    }
    named
        .into_iter()
        .filter(|(_, h)| forbidden.contains(h))
        .map(|(at, h)| format!("{}: `{}` names `{h}`", code[..at].matches('\n').count() + 1, module[0]))
        .collect()
}

fn check_dir(src: &Path, dir: &Path, found: &mut Vec<String>, files: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            check_dir(src, &path, found, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut module: Vec<&str> = rel.iter().map(|p| p.to_str().unwrap()).collect();
            if module.last() == Some(&"mod") {
                module.pop();
            }
            let code = std::fs::read_to_string(&path).unwrap();
            found.extend(violations(&module, &code).into_iter().map(|v| format!("{}:{v}", rel.display())));
            *files += 1;
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut found, mut files) = (vec![], 0);
    check_dir(&src, &src, &mut found, &mut files);
    assert!(files > 100, "read only {files} files under {}", src.display());
    assert!(found.is_empty(), "imports against the layers:\n{}", found.join("\n"));
}

/// The check sees each way of naming a layer above, and nothing else.
#[test]
fn the_check_sees_every_form() {
    let bad = |module: &str, code: &str| !violations(&module.split('/').collect::<Vec<_>>(), code).is_empty();
    let service = "backend/services/subscriber/cameras";
    assert!(bad(service, "use crate::api::web_client::ClientCamera;"));
    assert!(bad(service, "use crate::{error::AppError, api::web_client::X};"));
    assert!(bad(service, "use crate::{\n    error::AppError,\n    pages::x,\n};"));
    assert!(bad(service, "let x = crate::api::ctx::db();"));
    assert!(bad(service, "use super::super::super::super::api::x;"));
    assert!(bad("types/card", "use crate::backend::entities::users;"));
    assert!(bad("types", "use crate::api::x;"));
    assert!(bad("api/card", "use crate::pages::card::UserCard;"));
    assert!(!bad(service, "use crate::types::subscriber::ClientCamera;"));
    assert!(!bad(service, "use super::access; // crate::api::x in a comment"));
    assert!(!bad(service, "use super::super::api::x;"));
    assert!(!bad("api/card", "use crate::backend::services::card;"));
    assert!(!bad("pages/card", "use crate::api::card::card_header;"));
}
