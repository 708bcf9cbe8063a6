//! The `<head>` links to the built assets (stylesheet, JS glue, WASM) and
//! the scripts that start the islands.
//!
//! Leptos's `HashedStylesheet` and `HydrationScripts` read `hash.txt` from
//! disk on every render, and its island script waits for
//! `requestIdleCallback` before it even imports the JS glue. Here the hashed
//! names are read once per process, the WASM is fetched and compiled while
//! the page is still being parsed (a classic script in the head), and the
//! islands start as soon as the document is parsed (docs/benchmarks.md,
//! issue 14). Server only: the shell is rendered on the server.

use leptos::prelude::*;

/// The hashed file names of one build (`vigil.<hash>.css` and so on), or the
/// plain names when the build does not hash them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetNames {
    pub css: String,
    pub js: String,
    pub wasm: String,
    /// The loader of the lazy islands' chunks (`__wasm_split.<hash>`), which
    /// the JS glue imports; only in builds with `--split`.
    pub split: Option<String>,
}

impl AssetNames {
    /// Reads cargo-leptos's `hash.txt` (`js: <hash>` lines) when hashing is
    /// on; without it the names are unhashed, as Leptos does.
    pub fn from_hash_file(output_name: &str, hashes: Option<&str>) -> Self {
        let mut names = AssetNames {
            css: output_name.to_string(),
            js: output_name.to_string(),
            wasm: output_name.to_string(),
            split: None,
        };
        if let Some(hashes) = hashes {
            for (file, hash) in hashes.lines().filter_map(|l| l.trim().split_once(':')) {
                let slot = match file.trim() {
                    "split" => names.split.insert("__wasm_split".to_string()),
                    "css" => &mut names.css,
                    "js" => &mut names.js,
                    "wasm" => &mut names.wasm,
                    _ => continue,
                };
                slot.push('.');
                slot.push_str(hash.trim());
            }
        }
        names
    }

    /// The names for this process's build, read on first use.
    fn current(options: &LeptosOptions) -> AssetNames {
        let hashes = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
            })
            .flatten();
        if options.hash_files && hashes.is_none() {
            tracing::error!("asset hashing is on but hash.txt next to the binary could not be read");
        }
        let mut names = AssetNames::from_hash_file(&options.output_name, hashes.as_deref());
        // Built without cargo-leptos, the module keeps wasm-bindgen's own
        // name (Leptos's `HydrationScripts` does the same).
        if hashes.is_none() && option_env!("LEPTOS_OUTPUT_NAME").is_none() {
            names.wasm.push_str("_bg");
        }
        names
    }
}

/// What [`Assets`] writes into every page, built once per process: the
/// hrefs and the two scripts' texts depend only on the build.
struct Head {
    css: String,
    js: String,
    split: Option<String>,
    early: String,
    boot: String,
}

impl Head {
    fn get(options: &LeptosOptions) -> &'static Head {
        static HEAD: std::sync::OnceLock<Head> = std::sync::OnceLock::new();
        HEAD.get_or_init(|| {
            let names = AssetNames::current(options);
            let pkg = format!("/{}", options.site_pkg_dir);
            let js = format!("{pkg}/{}.js", names.js);
            let wasm = format!("{pkg}/{}.wasm", names.wasm);
            Head {
                css: format!("{pkg}/{}.css", names.css),
                // The glue imports the chunk loader statically, but
                // Chromium's module preload does not fetch a module's
                // imports: without its own preload it would be fetched only
                // once the glue runs, after the parse.
                split: names.split.map(|s| format!("{pkg}/{s}.js")),
                // `compileStreaming` needs the server's `application/wasm`;
                // on any failure the boot script hands wasm-bindgen the URL.
                early: format!(
                    "window.__vigilWasm=WebAssembly.compileStreaming?WebAssembly.compileStreaming(fetch({wasm:?},{{priority:\"high\"}})).catch(()=>{wasm:?}):null;"
                ),
                // A static import: the glue is fetched and linked while the
                // page is parsed (a dynamic `import()` started only after
                // it, measured 65 ms).
                boot: format!("import * as glue from {js:?};\n{}(glue,{wasm:?});", include_str!("island_boot.js")),
                js,
            }
        })
    }
}

/// The stylesheet, the module preloads of the JS glue (and of the chunk
/// loader with `--split`), and the two scripts that load the WASM and
/// hydrate the page's islands.
#[component]
pub fn Assets(options: LeptosOptions) -> impl IntoView {
    let head = Head::get(&options);
    // In islands mode only islands carry hydration markers (Leptos's
    // `HydrationScripts` does the same).
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let nonce = leptos::nonce::use_nonce();
    let split = head
        .split
        .as_deref()
        .map(|href| view! { <link rel="modulepreload" href=href crossorigin="anonymous"/> });
    // The WASM script comes before the stylesheet: an inline classic script
    // after a stylesheet waits for it (and blocks the parser meanwhile).
    view! {
        <script nonce=nonce.clone()>{head.early.as_str()}</script>
        <link rel="stylesheet" id="leptos" href=head.css.as_str()/>
        <link rel="modulepreload" href=head.js.as_str() crossorigin="anonymous"/>
        {split}
        <script type="module" nonce=nonce>{head.boot.as_str()}</script>
    }
}

#[cfg(test)]
mod tests {
    use super::AssetNames;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let n = AssetNames::from_hash_file("vigil", Some("js: abc\nwasm: def\n\ncss: 123\nsplit: x\n"));
        assert_eq!(n.js, "vigil.abc");
        assert_eq!(n.wasm, "vigil.def");
        assert_eq!(n.css, "vigil.123");
        assert_eq!(n.split.as_deref(), Some("__wasm_split.x"));
    }

    #[test]
    fn without_a_hash_file_the_names_are_plain() {
        let n = AssetNames::from_hash_file("vigil", None);
        assert_eq!((n.css.as_str(), n.js.as_str(), n.wasm.as_str()), ("vigil", "vigil", "vigil"));
        assert_eq!(n.split, None);
    }
}
