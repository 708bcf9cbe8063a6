//! `/pkg` assets: the build step's `.br`/`.gz` files are what the server
//! sends, with the original's Content-Type, `Vary: accept-encoding` and the
//! hashed names' year-long caching (server/src/assets.rs); a file without
//! them is still compressed on the fly.

use crate::support::{serve_site, state, Backend};

/// A few hundred KB of WASM-like text: compressible, above the compression
/// layer's minimum size.
fn body() -> Vec<u8> {
    (0..40_000u32)
        .flat_map(|i| format!("(func $f{} (result i32) i32.const {})\n", i % 113, i % 7).into_bytes())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn precompressed_assets_are_served_as_built() {
    let st = state(Backend::Sqlite).await.unwrap();
    let root = std::env::temp_dir().join(format!("vigil-assets-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    let wasm = body();
    std::fs::write(root.join("pkg/vigil.h4sh3d.wasm"), &wasm).unwrap();
    let report = server::assets::precompress(&root.join("pkg")).unwrap();
    assert_eq!(report.written, 1);
    // Written after the step: no siblings, so compressed on the fly.
    std::fs::write(root.join("pkg/vigil.l4t3r.js"), &wasm).unwrap();
    let br_file = std::fs::read(root.join("pkg/vigil.h4sh3d.wasm.br")).unwrap();
    let gz_file = std::fs::read(root.join("pkg/vigil.h4sh3d.wasm.gz")).unwrap();
    // A server-side quality-11 file differs from what the on-the-fly layer
    // would make, so comparing bytes tells which one was sent.
    assert!(br_file.len() < gz_file.len());

    let srv = serve_site(st, &root.display().to_string()).await;
    let fetch = |path: &'static str, enc: Option<&'static str>| {
        let srv = &srv;
        async move {
            let mut req = srv.client.get(format!("{}{path}", srv.base));
            if let Some(enc) = enc {
                req = req.header("accept-encoding", enc);
            }
            let res = req.send().await.unwrap();
            let h = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_string());
            let heads = (
                res.status().as_u16(),
                h("content-encoding"),
                h("content-type"),
                h("vary"),
                h("cache-control"),
            );
            (heads, res.bytes().await.unwrap().to_vec())
        }
    };
    let immutable = Some("public, max-age=31536000, immutable".to_string());
    let wasm_type = Some("application/wasm".to_string());
    let vary = Some("accept-encoding".to_string());

    // What Chromium sends: brotli is preferred, and it is the build's file.
    let (h, bytes) = fetch("/pkg/vigil.h4sh3d.wasm", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(h, (200, Some("br".into()), wasm_type.clone(), vary.clone(), immutable.clone()));
    assert!(
        bytes == br_file,
        "not the precompressed .br ({} bytes, file {})",
        bytes.len(),
        br_file.len()
    );

    let (h, bytes) = fetch("/pkg/vigil.h4sh3d.wasm", Some("gzip")).await;
    assert_eq!(h, (200, Some("gzip".into()), wasm_type.clone(), vary.clone(), immutable.clone()));
    assert!(bytes == gz_file, "not the precompressed .gz");

    let (h, bytes) = fetch("/pkg/vigil.h4sh3d.wasm", None).await;
    assert_eq!((h.0, h.1, h.2, h.4), (200, None, wasm_type.clone(), immutable.clone()));
    assert!(bytes == wasm, "identity answer differs from the file");

    // No siblings: the compression layer still compresses, once.
    let (h, bytes) = fetch("/pkg/vigil.l4t3r.js", Some("br")).await;
    assert_eq!((h.0, h.1.as_deref(), h.3), (200, Some("br"), vary.clone()));
    assert!(h.2.as_deref().unwrap_or("").contains("javascript"), "{:?}", h.2);
    let mut plain = vec![];
    std::io::Read::read_to_end(&mut brotli::Decompressor::new(&bytes[..], 4096), &mut plain).unwrap();
    assert!(plain == wasm, "on-the-fly answer does not decode to the file");

    let (h, _) = fetch("/pkg/vigil.n0ne.wasm", Some("br")).await;
    assert_eq!(h.0, 404);
    std::fs::remove_dir_all(&root).unwrap();
}

/// A file served while another request's page render is the thread's
/// current reactive owner (how requests interleave on a per-core runtime)
/// gets none of that page's response headers, and the page keeps them:
/// leptos_axum's file handler made its owner a child of the current one and
/// took the page's headers, which left the page without its nonce policy
/// (`own_owner` in server/src/router.rs).
#[tokio::test(flavor = "current_thread")]
async fn a_file_does_not_take_the_headers_of_a_page_being_rendered() {
    use axum::http::{header, HeaderValue, Request};
    use leptos::prelude::*;
    use tower::ServiceExt;

    let st = state(Backend::Sqlite).await.unwrap();
    let root = std::env::temp_dir().join(format!("vigil-assets-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let router = server::router::build_with(
        st,
        crate::support::leptos_options(&root.display().to_string()),
        None,
        server::router::Options::default(),
    );
    // A page render's owner, current on this thread, with its policy set.
    let page = Owner::new_root(None);
    let page_options = leptos_axum::ResponseOptions::default();
    page.with(|| provide_context(page_options.clone()));
    page_options.insert_header(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("script-src 'nonce-page'"));
    page.set();

    let res = router
        .oneshot(Request::get("/favicon.svg").body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let policy = res
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        !policy.as_deref().unwrap_or("").contains("nonce-page"),
        "the file took the page's policy: {policy:?}"
    );
    let kept = page_options.0.read().unwrap().headers.get(header::CONTENT_SECURITY_POLICY).cloned();
    assert_eq!(
        kept,
        Some(HeaderValue::from_static("script-src 'nonce-page'")),
        "the page lost its policy"
    );
    page.unset();
}
