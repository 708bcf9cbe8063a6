//! `server`: runs Vigil.

use app::backend::{clock::Clock, db, demo, seed, AppState};
use leptos::prelude::LeptosOptions;
use server::config::Config;
use tracing_subscriber::EnvFilter;

// glibc's malloc took about a fifth of the CPU samples of a card-tab load
// (`perf`: _int_malloc, malloc_consolidate, free across the serving and
// SQLite worker threads); see docs/benchmarks.md for the side-by-side run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    server::memory::tune();
    // `server precompress <site-root>`: the build step after
    // `cargo leptos build` (server/src/assets.rs); serving takes no arguments.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("precompress") {
        std::process::exit(precompress(args.get(1).map(String::as_str).unwrap_or("target/site")));
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=error,sea_orm=warn")))
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vigil: configuration error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(config).await {
        eprintln!("vigil: {e}");
        std::process::exit(1);
    }
}

fn precompress(site_root: &str) -> i32 {
    let dir = std::path::Path::new(site_root).join("pkg");
    match server::assets::precompress(&dir) {
        Ok(r) => {
            println!(
                "precompressed {} file(s) in {} ({} KB -> {} KB brotli), {} already up to date",
                r.written,
                dir.display(),
                r.raw_bytes / 1024,
                r.br_bytes / 1024,
                r.up_to_date
            );
            0
        }
        Err(e) => {
            eprintln!("vigil: precompressing {}: {e}", dir.display());
            1
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let database = db::connect(&config.database_url)
        .await
        .map_err(|e| format!("database ({}): {e}", redact(&config.database_url)))?;
    let clock = Clock::system();
    seed::reference_data(&database)
        .await
        .map_err(|e| format!("seeding reference data: {e}"))?;
    if let Some(pw) = &config.admin_password {
        seed::ensure_super_admin(&database, pw.expose(), clock.now())
            .await
            .map_err(|e| format!("creating admin: {e}"))?;
        tracing::info!("super-administrator `admin` is ready (password from VIGIL_ADMIN_PASSWORD)");
    }
    if config.demo {
        let generated = demo::generate_if_empty(&database, &demo::DemoSize::users(config.demo_users), |stage, done, total| {
            eprint!("\rdemo data: {stage:<24} {done:>9}/{total:<9}");
            if done == total {
                eprintln!();
            }
        })
        .await
        .map_err(|e| format!("demo data: {e}"))?;
        if generated {
            tracing::info!("demo data generated");
        }
    }
    let state = AppState::new(database, clock);
    if !config.billing_batch {
        state.disable_billing_batch();
    }
    server::jobs::spawn_purge(state.clone(), std::time::Duration::from_secs(config.purge_interval_secs));
    // cargo-leptos writes hash.txt next to the binary when it hashes asset
    // names; the hashed names let browsers cache /pkg forever.
    let hash_files = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("hash.txt")))
        .is_some_and(|p| p.exists());
    let leptos = LeptosOptions::builder()
        .hash_files(hash_files)
        .output_name("vigil")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .build();
    let missing = server::assets::missing_precompressed(&std::path::Path::new(config.site_root.as_str()).join("pkg"));
    if !missing.is_empty() {
        tracing::warn!(
            files = missing.len(),
            "assets without a precompressed .br beside them are compressed on the fly at a lower quality; run `server precompress <site-root>` after building"
        );
    }
    let billing_secret = config.billing_secret.as_ref().map(|s| s.expose().to_string());
    if billing_secret.is_none() {
        tracing::warn!("VIGIL_BILLING_SECRET is not set: the billing endpoint refuses every request");
    }
    // Sync notices from other instances (PostgreSQL LISTEN; nothing on SQLite).
    server::notify::start(state.clone()).await?;
    let options = server::router::Options {
        trusted_proxies: config.trusted_proxies.clone(),
        https: config.public_url.as_ref().is_some_and(|u| u.https),
    };
    let router = server::router::build_with(state, leptos, billing_secret, options);
    let (serving, _) = server::http::spawn_with(config.site_addr, router, config.http_threads, config.http_runtime)
        .map_err(|e| format!("LEPTOS_SITE_ADDR {}: {e}", config.site_addr))?;
    println!("Vigil is running at http://{}", config.site_addr);
    if config.demo {
        println!("Sign in as `admin` with the password in VIGIL_ADMIN_PASSWORD (demo operators: `operator` / `operator-demo`, `viewer` / `viewer-demo`, `newcomer` / `newcomer-demo` without permissions).");
    } else {
        println!("Sign in as `admin` with the password in VIGIL_ADMIN_PASSWORD.");
    }
    shutdown_signal().await;
    // In-flight requests finish; live event streams never do, so an open
    // browser tab must not keep the process alive.
    let stopped = tokio::task::spawn_blocking(move || serving.shutdown());
    match tokio::time::timeout(std::time::Duration::from_secs(SHUTDOWN_GRACE_SECS), stopped).await {
        Ok(joined) => joined.map_err(|e| format!("server: {e}"))?.map_err(|e| format!("server: {e}")),
        Err(_) => {
            tracing::info!("connections still open after {SHUTDOWN_GRACE_SECS} s (live event streams); exiting");
            // Not a return: dropping the runtime would wait for the
            // blocking task that is still joining the serving threads.
            std::process::exit(0)
        }
    }
}

/// How long shutdown waits for open connections.
const SHUTDOWN_GRACE_SECS: u64 = 5;

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// The database URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}
