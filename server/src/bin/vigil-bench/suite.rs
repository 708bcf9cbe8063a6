//! The measurements, per backend, in the order the report shows them.

use crate::load::{self, Stats};
use crate::proc::{Launch, ServerProc, ADMIN_PASSWORD};
use crate::report::{self, Asset, BackendReport, LoadFigure, PurgeFigure, TabFigure};
use crate::{ingest, raw, Args};
use app::types::catalogue::CardTab;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The card's tabs, in order.
pub const TABS: &[CardTab] = CardTab::ALL;
/// SSR and static runs: connections (the issue's figure).
const SSR_CONNECTIONS: usize = 32;
pub const WARMUP: Duration = Duration::from_secs(1);

/// A database URL for `backend`: the cached benchmark data set (kept between
/// runs: generating it takes minutes) or, with `fresh`, an empty one.
pub async fn database_url(args: &Args, backend: &str, name: &str, fresh: bool) -> Result<String, String> {
    if backend == "sqlite" {
        let dir = args.cache.join("bench");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{name}.db"));
        if fresh {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        return Ok(format!("sqlite://{}", path.display()));
    }
    let admin = sea_orm::Database::connect(&args.pg_url)
        .await
        .map_err(|e| format!("PostgreSQL at {}: {e}", args.pg_url))?;
    let q = |sql: String| Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql);
    let exists = admin
        .query_one_raw(q(format!("SELECT 1 FROM pg_database WHERE datname = '{name}'")))
        .await
        .map_err(|e| e.to_string())?
        .is_some();
    if fresh && exists {
        admin
            .execute_raw(q(format!("DROP DATABASE {name} WITH (FORCE)")))
            .await
            .map_err(|e| e.to_string())?;
    }
    if fresh || !exists {
        admin
            .execute_raw(q(format!("CREATE DATABASE {name}")))
            .await
            .map_err(|e| e.to_string())?;
    }
    let base = args.pg_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&args.pg_url);
    Ok(format!("{base}/{name}"))
}

/// Drops a scratch PostgreSQL database.
async fn drop_pg(args: &Args, name: &str) {
    if let Ok(admin) = sea_orm::Database::connect(&args.pg_url).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = admin
            .execute_raw(Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql))
            .await;
    }
}

pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0)
}

async fn text(db: &DatabaseConnection, sql: &str) -> String {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get_by_index::<String>(0).ok())
        .unwrap_or_default()
}

/// Signs in as `admin`; the session cookie (`name=value`).
pub async fn sign_in(base: &str) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .post(format!("{base}/api/login"))
        .header("accept", "application/json")
        .form(&[("login", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("vigil_admin="))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("sign-in failed: {}", res.status()))
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// A private copy of the built site, so the static twins of the pages can be
/// written beside the real assets and served by the same handler.
fn site_copy(args: &Args, tag: &str) -> Result<PathBuf, String> {
    site_copy_of(&args.site_root, tag)
}

/// A scratch copy of the site at `root` with an empty `bench/` folder.
pub fn site_copy_of(root: &Path, tag: &str) -> Result<PathBuf, String> {
    if !root.join("pkg").is_dir() {
        return Err(format!(
            "{} has no pkg/: build the site first (cargo leptos build --release)",
            root.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!("vigil-bench-site-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(root, &dir).map_err(|e| format!("copying the site: {e}"))?;
    std::fs::create_dir_all(dir.join("bench")).map_err(|e| e.to_string())?;
    Ok(dir)
}

fn get(client: &reqwest::Client, url: String, cookie: &str) -> reqwest::RequestBuilder {
    client.get(url).header("cookie", cookie)
}

pub async fn suite(args: &Args) -> Result<bool, String> {
    let started = Instant::now();
    let mut backends = vec![];
    let mut browser: Option<report::BrowserFigures> = None;
    let mut ok = true;
    for backend in &args.backends {
        eprintln!("==> {backend}: data set of {} users", args.users);
        let (r, b) = one_backend(args, backend, browser.is_none()).await?;
        ok &= r.load.passed;
        backends.push(r);
        if browser.is_none() {
            browser = b;
        }
    }
    let md = report::markdown(args, &backends, browser.as_ref(), started.elapsed());
    println!("{md}");
    if let Some(out) = &args.out {
        std::fs::write(out, &md).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("==> written to {}", out.display());
    }
    Ok(ok)
}

async fn one_backend(args: &Args, backend: &str, measure_browser: bool) -> Result<(BackendReport, Option<report::BrowserFigures>), String> {
    let name = format!("vigil_bench_{}", args.users);
    let url = database_url(args, backend, &name, false).await?;
    let db = app::backend::db::connect(&url).await.map_err(|e| format!("{backend}: {e}"))?;
    let empty = scalar(&db, "SELECT COUNT(*) FROM users").await == 0;
    let site = site_copy(args, backend)?;
    let logs = args.cache.join("bench");
    let t = Instant::now();
    let exe = args.bin_dir.join("server");
    let launch = || Launch {
        exe: &exe,
        database_url: &url,
        site_root: &site,
        demo_users: args.users,
        log: logs.join(format!("server-{backend}.log")),
        env: &[],
    };
    let mut server = ServerProc::start(launch(), Duration::from_secs(3 * 3600)).await?;
    let generated_secs = empty.then(|| t.elapsed().as_secs_f64());
    if let Some(s) = generated_secs {
        eprintln!("   generated the data set in {s:.0} s");
        // The generator's page cache and buffers stay in the process that
        // ran it; the figures are for a server started on the data set.
        server.stop().await;
        server = ServerProc::start(launch(), Duration::from_secs(600)).await?;
    }
    let version = if backend == "sqlite" {
        format!("SQLite {}", text(&db, "SELECT sqlite_version()").await)
    } else {
        format!("PostgreSQL {}", text(&db, "SHOW server_version").await)
    };
    let heavy = scalar(&db, "SELECT id FROM users WHERE login = 'northwind'").await;
    let counts = report::Counts {
        users: scalar(&db, "SELECT COUNT(*) FROM users").await,
        cameras: scalar(&db, "SELECT COUNT(*) FROM cameras").await,
        events: scalar(&db, "SELECT COUNT(*) FROM billing_events").await,
        heavy_cameras: scalar(&db, &format!("SELECT COUNT(*) FROM user_cameras WHERE user_id = {heavy}")).await,
        heavy_events: scalar(&db, &format!("SELECT COUNT(*) FROM billing_events WHERE user_id = {heavy}")).await,
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_rest_kib = server.rss_kib();
    let cookie = sign_in(&server.base).await?;
    let client = load::client(args.connections.max(SSR_CONNECTIONS));
    let secs = Duration::from_secs(args.secs);

    // SSR of every tab beside a static file of the same bytes.
    let mut tabs = vec![];
    for slug in TABS {
        let url = format!("{}/users/{heavy}/{slug}", server.base);
        let res = get(&client, url.clone(), &cookie).send().await.map_err(|e| e.to_string())?;
        if res.status() != 200 {
            return Err(format!("{url}: {}", res.status()));
        }
        let body = res.bytes().await.map_err(|e| e.to_string())?;
        std::fs::write(site.join("bench").join(format!("{slug}.html")), &body).map_err(|e| e.to_string())?;
        let errors_before = server.error_lines().len();
        let ssr = measure(&client, url, &cookie, secs).await;
        let stat = measure(&client, format!("{}/bench/{slug}.html", server.base), &cookie, secs).await;
        // A server that logs while it serves is slowed by it: its figures
        // would not be what serving costs.
        if let Some(first) = server.error_lines().get(errors_before) {
            return Err(format!("the server logged errors while {slug} was measured: {first}"));
        }
        eprintln!(
            "   {slug:<15} {:>7} B  SSR {:>7.0}/s p99 {:>6.1} ms   static {:>7.0}/s   ratio {:.2}",
            body.len(),
            ssr.throughput(),
            ssr.percentile_ms(99.0),
            stat.throughput(),
            ssr.throughput() / stat.throughput().max(1e-9)
        );
        tabs.push(TabFigure {
            slug: slug.slug(),
            bytes: body.len() as u64,
            ssr,
            stat,
        });
    }
    // Keyset paging: the first and the last page of the billing events.
    let events_url = format!("{}/users/{heavy}/billing-events?sort=created&dir=desc", server.base);
    let events_first = measure(&client, events_url.clone(), &cookie, secs).await;
    let events_last = measure(&client, format!("{events_url}&last=1"), &cookie, secs).await;
    eprintln!(
        "   billing events: first page p50 {:.1} ms, last page p50 {:.1} ms",
        events_first.percentile_ms(50.0),
        events_last.percentile_ms(50.0)
    );

    // Billing ingestion: one client, then sixteen.
    let targets = Arc::new(ingest::targets(&db).await?);
    let run = (chrono::Utc::now().timestamp() & 0xFFFF) as u32;
    let ingest_1 = load::run(
        1,
        WARMUP,
        secs,
        ingest::requests(client.clone(), &server.base, targets.clone(), run),
    )
    .await;
    let ingest_16 = load::run(
        16,
        WARMUP,
        secs,
        ingest::requests(client.clone(), &server.base, targets.clone(), run ^ 0x8000),
    )
    .await;
    eprintln!(
        "   billing ingestion: 1 client {:.0}/s, 16 clients {:.0}/s ({})",
        ingest_1.throughput(),
        ingest_16.throughput(),
        ingest_16.statuses()
    );

    let browser = if measure_browser {
        Some(browser_figures(args, &server, heavy).await)
    } else {
        None
    };

    // The mixed load, then memory after it.
    let load = mixed_load(
        &server,
        &cookie,
        &db,
        heavy,
        args.connections,
        Duration::from_secs(args.load_secs),
        targets,
        run ^ 0x4000,
        args.abandon,
    )
    .await?;
    server.stop().await;

    // Side by side on SQLite: the same ingestion with one transaction per
    // event (group commit off), on a second server over the same data.
    let ingest_16_unbatched = if backend == "sqlite" {
        let plain = ServerProc::start(
            Launch {
                log: logs.join(format!("server-{backend}-unbatched.log")),
                env: &[("VIGIL_BILLING_BATCH", "0")],
                ..launch()
            },
            Duration::from_secs(600),
        )
        .await?;
        let s = load::run(
            16,
            WARMUP,
            secs,
            ingest::requests(client.clone(), &plain.base, Arc::new(ingest::targets(&db).await?), run ^ 0x2000),
        )
        .await;
        eprintln!(
            "   billing ingestion without group commit: 16 clients {:.0}/s ({})",
            s.throughput(),
            s.statuses()
        );
        plain.stop().await;
        Some(s)
    } else {
        None
    };
    // The floor under those figures, in the same run: raw SQLite, one
    // transaction per event, no HTTP (src/bin/vigil-bench/raw.rs).
    let raw_sqlite = if backend == "sqlite" {
        let dir = logs.clone();
        let r = tokio::task::spawn_blocking(move || raw::one_transaction_per_event(&dir, secs))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r);
        match &r {
            Ok(rate) => eprintln!(
                "   raw SQLite, one transaction per event: {rate:.0}/s (ingestion with 16 clients = {:.2} × raw)",
                ingest_16.throughput() / rate
            ),
            Err(e) => eprintln!("   raw SQLite: {e}"),
        }
        Some(r)
    } else {
        None
    };
    let _ = std::fs::remove_dir_all(&site);

    let purge = purge(args, backend).await;
    Ok((
        BackendReport {
            backend: backend.to_string(),
            version,
            generated_secs,
            counts,
            rss_rest_kib,
            tabs,
            events_first,
            events_last,
            ingest_1,
            ingest_16,
            ingest_16_unbatched,
            raw_sqlite,
            load,
            purge,
        },
        browser,
    ))
}

pub async fn measure(client: &reqwest::Client, url: String, cookie: &str, secs: Duration) -> Stats {
    let (client, cookie) = (client.clone(), cookie.to_string());
    load::run(
        SSR_CONNECTIONS,
        WARMUP,
        secs,
        Arc::new(move |_, _| get(&client, url.clone(), &cookie)),
    )
    .await
}

/// The mixed load of the issue: tab pages of many users, server functions
/// and billing events, for `duration` at `connections`. Memory is read at
/// rest, at its peak, and after 10 s of quiet.
#[allow(clippy::too_many_arguments)]
pub async fn mixed_load(
    server: &ServerProc,
    cookie: &str,
    db: &DatabaseConnection,
    heavy: i64,
    connections: usize,
    duration: Duration,
    targets: Arc<ingest::Targets>,
    run: u32,
    abandon_percent: u64,
) -> Result<LoadFigure, String> {
    eprintln!("   mixed load: {connections} connections for {} s", duration.as_secs());
    let ids: Vec<i64> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM users ORDER BY id LIMIT 2000".to_string(),
        ))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
        .collect();
    let errors_before = server.error_lines().len();
    let rss_before_kib = server.rss_kib();
    let client = load::client(connections);
    let base = server.base.clone();
    let cookie = cookie.to_string();
    let billing = ingest::requests(client.clone(), &base, targets, run);
    // The tabs every user's card has.
    let always: Vec<CardTab> = TABS.iter().copied().filter(|t| t.always_shown()).collect();
    let make: load::MakeRequest = Arc::new(move |w, n| {
        let user = ids[((w as u64 * 104_729 + n * 7_919) % ids.len() as u64) as usize];
        let tab = TABS[(n as usize / 6 + w) % TABS.len()];
        // Sub users and Analytics exist only for some users: random users get
        // the tabs every user has.
        let common = always[(n as usize / 6 + w) % always.len()];
        let json = |c: reqwest::RequestBuilder| c.header("cookie", &cookie).header("accept", "application/json");
        match n % 6 {
            0 => get(&client, format!("{base}/users/{user}/{common}"), &cookie),
            1 => get(&client, format!("{base}/users/{heavy}/{tab}"), &cookie),
            2 => {
                json(client.post(format!("{base}/api/card/cameras"))).form(&[("user_id", user.to_string()), ("query[sort]", "name".into())])
            }
            3 => json(client.post(format!("{base}/api/users/list"))).form(&[("query[q]", "an"), ("query[sort]", "name")]),
            4 => json(client.post(format!("{base}/api/card/billing-events")))
                .form(&[("user_id", heavy.to_string()), ("query[last]", "true".into())]),
            _ => billing(w, n / 6),
        }
    });
    let (stats, rss_peak_kib) = load::peak_while(
        load::run_abandoning(connections, Duration::ZERO, duration, make, abandon_percent),
        Duration::from_millis(200),
        || server.rss_kib(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let rss_after_kib = server.rss_kib();
    let errors_in_log: Vec<String> = server.error_lines().into_iter().skip(errors_before).collect();
    // "Back near rest": within a quarter of the rest level plus 32 MiB of
    // allocator slack (the allocator keeps some freed pages for reuse).
    let memory_ok = rss_after_kib <= rss_before_kib + rss_before_kib / 4 + 32 * 1024;
    let unexpected = stats.count(|s| !(200..300).contains(&s));
    let passed = stats.server_errors() == 0 && stats.failures == 0 && unexpected == 0 && errors_in_log.is_empty() && memory_ok;
    eprintln!(
        "   mixed load: {:.0} req/s, p99 {:.1} ms, statuses {}, abandoned {}, log errors {}, memory {} → peak {} → after {} MiB: {}",
        stats.throughput(),
        stats.percentile_ms(99.0),
        stats.statuses(),
        stats.abandoned,
        errors_in_log.len(),
        rss_before_kib / 1024,
        rss_peak_kib / 1024,
        rss_after_kib / 1024,
        if passed { "PASS" } else { "FAIL" }
    );
    if let Some(f) = &stats.first_failure {
        eprintln!("   first transport failure: {f}");
    }
    for l in errors_in_log.iter().take(5) {
        eprintln!("   log: {l}");
    }
    Ok(LoadFigure {
        connections,
        stats,
        rss_before_kib,
        rss_peak_kib,
        rss_after_kib,
        errors_in_log,
        memory_ok,
        passed,
    })
}

/// What the browser downloads for the console, and the time to hydration.
///
/// The files are those the cold loads of `hydration.mjs` fetched; without
/// that list (the script failed), the newest `.js`, `.wasm` and `.css` of
/// `pkg/`.
async fn browser_figures(args: &Args, server: &ServerProc, heavy: i64) -> report::BrowserFigures {
    let hydration = hydration(server, heavy);
    if let Err(e) = &hydration {
        eprintln!("   {e}");
    }
    let pkg = args.site_root.join("pkg");
    // Per tab: the /pkg/ files its cold load fetched.
    let loaded: Vec<(String, Vec<String>)> = hydration
        .as_ref()
        .ok()
        .and_then(|v| v["tabs"].as_object())
        .map(|tabs| {
            tabs.iter()
                .map(|(slug, t)| {
                    let files = t["pkg"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|p| p.as_str()?.strip_prefix("/pkg/").map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (slug.clone(), files)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut names: Vec<String> = loaded.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        names = newest_assets(&pkg);
    }
    let client = load::client(1);
    let mut assets = vec![];
    for name in names {
        let raw = std::fs::metadata(pkg.join(&name)).map(|m| m.len()).unwrap_or(0);
        let mut sizes = [0u64; 2];
        for (i, enc) in ["gzip", "br"].iter().enumerate() {
            if let Ok(r) = client
                .get(format!("{}/pkg/{name}", server.base))
                .header("accept-encoding", *enc)
                .send()
                .await
            {
                sizes[i] = r.bytes().await.map(|b| b.len() as u64).unwrap_or(0);
            }
        }
        assets.push(Asset {
            name,
            raw,
            gzip: sizes[0],
            br: sizes[1],
        });
    }
    let br_of = |files: &[String]| -> u64 {
        files
            .iter()
            .filter_map(|f| assets.iter().find(|a| &a.name == f))
            .map(|a| a.br)
            .sum()
    };
    let first_page = loaded
        .iter()
        .map(|(slug, files)| (slug.clone(), br_of(files)))
        .max_by_key(|(_, b)| *b)
        .unwrap_or_else(|| ("every file".into(), assets.iter().map(|a| a.br).sum()));
    report::BrowserFigures {
        assets,
        first_page,
        hydration,
    }
}

/// The newest `.js`, `.wasm` and `.css` under `pkg` (the folder keeps older
/// hashed builds and TypeScript declarations, which no page loads).
fn newest_assets(pkg: &Path) -> Vec<String> {
    let mut out = vec![];
    for ext in ["js", "wasm", "css"] {
        let suffix = format!(".{ext}");
        let newest = std::fs::read_dir(pkg)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(&suffix))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
            .into_iter()
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
        out.extend(newest.map(|e| e.file_name().to_string_lossy().to_string()));
    }
    out
}

/// `end2end/bench/hydration.mjs` against `server`: cold and warm time to
/// hydration of each card tab, and the files each cold load fetched.
fn hydration(server: &ServerProc, heavy: i64) -> Result<serde_json::Value, String> {
    let script = std::env::current_dir().unwrap_or_default().join("end2end/bench/hydration.mjs");
    // Blocking is fine here: nothing else of the bench runs meanwhile.
    std::process::Command::new("node")
        .arg(&script)
        .arg(&server.base)
        .arg(ADMIN_PASSWORD)
        .arg(heavy.to_string())
        .current_dir(std::env::current_dir().unwrap_or_default().join("end2end"))
        .output()
        .map_err(|e| format!("node {}: {e}", script.display()))
        .and_then(|o| {
            if o.status.success() {
                serde_json::from_slice::<serde_json::Value>(&o.stdout).map_err(|e| format!("hydration output: {e}"))
            } else {
                Err(format!(
                    "hydration script failed: {}",
                    String::from_utf8_lossy(&o.stderr).lines().take(5).collect::<Vec<_>>().join(" / ")
                ))
            }
        })
}

/// The retention purge of `purge_events` case events (`vigil-bench-purge`).
async fn purge(args: &Args, backend: &str) -> Result<PurgeFigure, String> {
    eprintln!("   retention purge of {} case events", args.purge_events);
    let mut cmd = std::process::Command::new(args.bin_dir.join("vigil-bench-purge"));
    cmd.arg("--events").arg(args.purge_events.to_string());
    if backend == "postgres" {
        cmd.arg("--database-url")
            .arg(database_url(args, backend, "vigil_bench_purge", true).await?);
    }
    let out = cmd.output().map_err(|e| format!("vigil-bench-purge: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        return Err(format!(
            "vigil-bench-purge failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let field = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("vigil-bench-purge printed no {label:?}: {text}"))
    };
    let figure = PurgeFigure {
        events: field("purged events")? as u64,
        transactions: field("transactions")? as u64,
        total_s: field("total time")?,
        longest_ms: field("longest transaction")?,
    };
    eprintln!("   purge: {:.1} s, longest transaction {:.1} ms", figure.total_s, figure.longest_ms);
    if backend == "postgres" {
        drop_pg(args, "vigil_bench_purge").await;
    }
    Ok(figure)
}

/// `vigil-bench load`: a fresh database with a small demo data set, the mixed
/// load, pass or fail.
pub async fn load_only(args: &Args) -> Result<bool, String> {
    let backend = args.backends.first().map(String::as_str).unwrap_or("sqlite");
    let name = format!("vigil_load_{}", std::process::id());
    let url = database_url(args, backend, &name, true).await?;
    let site = site_copy(args, "load")?;
    let server = ServerProc::start(
        Launch {
            exe: &args.bin_dir.join("server"),
            database_url: &url,
            site_root: &site,
            demo_users: args.users,
            log: std::env::temp_dir().join(format!("{name}.log")),
            env: &[],
        },
        Duration::from_secs(600),
    )
    .await?;
    let db = app::backend::db::connect(&url).await.map_err(|e| e.to_string())?;
    let heavy = scalar(&db, "SELECT id FROM users WHERE login = 'northwind'").await;
    let cookie = sign_in(&server.base).await?;
    let targets = Arc::new(ingest::targets(&db).await?);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let run = (chrono::Utc::now().timestamp() & 0xFFFF) as u32;
    let figure = mixed_load(
        &server,
        &cookie,
        &db,
        heavy,
        args.connections,
        Duration::from_secs(args.load_secs),
        targets,
        run,
        args.abandon,
    )
    .await?;
    let log = server.log.clone();
    server.stop().await;
    drop(db);
    let _ = std::fs::remove_dir_all(&site);
    if backend == "sqlite" {
        if let Some(path) = url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    } else {
        drop_pg(args, &name).await;
    }
    if figure.passed {
        let _ = std::fs::remove_file(log);
    } else {
        eprintln!("   server log kept at {}", log.display());
    }
    Ok(figure.passed)
}
