//! The site's `/pkg` assets (the WASM, its JS glue and the stylesheet),
//! compressed once at build time and served as they are.
//!
//! Why: the on-the-fly compression layer uses a fast, low quality (measured
//! in docs/benchmarks.md: 759 KB served brotli against 559 KB at quality 11).
//! `server precompress <site-root>` — run by `.ci/vigil` right after
//! `cargo leptos build` — writes `<file>.br` (brotli 11) and `<file>.gz`
//! (gzip 9) beside every compressible file under `<site-root>/pkg`. At
//! runtime [`pkg_service`] answers with the precompressed file the client
//! accepts; the compression layer leaves responses that already carry a
//! `Content-Encoding` alone. A file without siblings (a build that skipped
//! the step) is still compressed on the fly, so nothing breaks, only grows.
//!
//! The step runs where the site is built because the site root may be
//! read-only where it is served.

use axum::http::{header, HeaderValue};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tower::Layer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};

/// Extensions worth compressing (the rest of /pkg: none today).
const COMPRESSIBLE: &[&str] = &["wasm", "js", "css", "svg", "html", "json", "txt"];

/// `/pkg/*` from `<site_root>/<pkg_dir>`, preferring the `.br`/`.gz` files.
///
/// ServeDir sets the Content-Type from the original name and
/// `Content-Encoding` from the file it picked; it does not set `Vary`, which
/// caches need (the same URL answers differently by `Accept-Encoding`).
/// Cache-Control for hashed names is set by the router's header layer.
pub fn pkg_service(site_root: &str, pkg_dir: &str) -> SetResponseHeader<ServeDir, HeaderValue> {
    let dir = Path::new(site_root).join(pkg_dir);
    SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("accept-encoding"))
        .layer(ServeDir::new(dir).precompressed_br().precompressed_gzip())
}

/// Router-wide: every `/pkg/` answer varies by `Accept-Encoding`, whichever
/// handler served it (the precompressed files carry no `Vary` of their own;
/// measured on the release build, the /pkg answers lacked it).
pub async fn vary_on_encoding(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let pkg = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    if pkg && !res.headers().contains_key(header::VARY) {
        res.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// What [`precompress`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Precompressed {
    /// Files compressed in this run.
    pub written: usize,
    /// Files whose `.br` and `.gz` were already newer than the file.
    pub up_to_date: usize,
    /// Bytes of the originals and of their brotli versions, this run.
    pub raw_bytes: u64,
    pub br_bytes: u64,
}

/// Writes `.br` (quality 11, 16 MiB window) and `.gz` (level 9) beside every
/// compressible file under `dir`, skipping files whose siblings are newer.
/// Each sibling is written to a temporary name and renamed, so a server
/// reading the folder never serves half a file.
pub fn precompress(dir: &Path) -> io::Result<Precompressed> {
    let mut out = Precompressed::default();
    for path in files(dir)? {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let br = sibling(&path, "br");
        let gz = sibling(&path, "gz");
        let modified = std::fs::metadata(&path)?.modified()?;
        let fresh = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).is_ok_and(|t| t >= modified);
        if fresh(&br) && fresh(&gz) {
            out.up_to_date += 1;
            continue;
        }
        let data = std::fs::read(&path)?;
        let brotli = brotli_11(&data)?;
        write_atomically(&br, &brotli)?;
        write_atomically(&gz, &gzip_9(&data)?)?;
        out.written += 1;
        out.raw_bytes += data.len() as u64;
        out.br_bytes += brotli.len() as u64;
    }
    Ok(out)
}

fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            out.extend(files(&entry.path())?);
        } else if ty.is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(ext);
    path.with_file_name(name)
}

pub fn brotli_11(data: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        // 2^24: the largest window every browser decodes; the WASM is
        // a few MB, so the default 4 MiB window would cut matches.
        lgwin: 24,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(data.len() / 3);
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

fn gzip_9(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::best());
    enc.write_all(data)?;
    enc.finish()
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Hashed assets under `dir` that have no `.br` beside them (the build
/// skipped [`precompress`]): logged at start so a slow download has a cause.
pub fn missing_precompressed(dir: &Path) -> Vec<String> {
    files(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            COMPRESSIBLE.contains(&ext) && !sibling(p, "br").exists()
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn precompress_writes_siblings_that_decode_to_the_file_and_skips_fresh_ones() {
        let dir = std::env::temp_dir().join(format!("vigil-precompress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let body: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("fn f{}() {{}}\n", i % 97).into_bytes())
            .collect();
        std::fs::write(dir.join("vigil.h4sh.wasm"), &body).unwrap();
        std::fs::write(dir.join("sub/vigil.h4sh.css"), b"body{color:red}").unwrap();
        std::fs::write(dir.join("vigil.d.ts.map.bin"), b"x").unwrap();

        let first = precompress(&dir).unwrap();
        assert_eq!(first.written, 2);
        assert!(first.br_bytes < first.raw_bytes / 10, "{first:?}");
        let mut unbr = vec![];
        brotli::Decompressor::new(&std::fs::read(dir.join("vigil.h4sh.wasm.br")).unwrap()[..], 4096)
            .read_to_end(&mut unbr)
            .unwrap();
        assert_eq!(unbr, body);
        let mut ungz = vec![];
        flate2::read::GzDecoder::new(&std::fs::read(dir.join("vigil.h4sh.wasm.gz")).unwrap()[..])
            .read_to_end(&mut ungz)
            .unwrap();
        assert_eq!(ungz, body);
        assert!(dir.join("sub/vigil.h4sh.css.br").exists());
        assert!(!dir.join("vigil.d.ts.map.bin.br").exists());
        // The .br/.gz files themselves are not compressed again.
        assert!(!dir.join("vigil.h4sh.wasm.br.br").exists());
        assert!(missing_precompressed(&dir).is_empty());

        let second = precompress(&dir).unwrap();
        assert_eq!((second.written, second.up_to_date), (0, 2));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
