//! The figures as Markdown (`docs/benchmarks.md`), every goal of the
//! benchmark issue marked met or not met with its figure.

use crate::load::Stats;
use crate::Args;
use std::fmt::Write;
use std::time::Duration;

pub struct Counts {
    pub users: i64,
    pub cameras: i64,
    pub events: i64,
    pub heavy_cameras: i64,
    pub heavy_events: i64,
}

pub struct TabFigure {
    pub slug: &'static str,
    pub bytes: u64,
    pub ssr: Stats,
    pub stat: Stats,
}

impl TabFigure {
    pub fn ratio(&self) -> f64 {
        self.ssr.throughput() / self.stat.throughput().max(1e-9)
    }
}

pub struct LoadFigure {
    pub connections: usize,
    pub stats: Stats,
    pub rss_before_kib: u64,
    pub rss_peak_kib: u64,
    pub rss_after_kib: u64,
    pub errors_in_log: Vec<String>,
    pub memory_ok: bool,
    pub passed: bool,
}

pub struct PurgeFigure {
    pub events: u64,
    pub transactions: u64,
    pub total_s: f64,
    pub longest_ms: f64,
}

pub struct BackendReport {
    pub backend: String,
    pub version: String,
    pub generated_secs: Option<f64>,
    pub counts: Counts,
    pub rss_rest_kib: u64,
    pub tabs: Vec<TabFigure>,
    pub events_first: Stats,
    pub events_last: Stats,
    pub ingest_1: Stats,
    pub ingest_16: Stats,
    /// SQLite: 16 clients with group commit off (`VIGIL_BILLING_BATCH=0`).
    pub ingest_16_unbatched: Option<Stats>,
    /// SQLite only: raw SQLite, one transaction per event (events/s).
    pub raw_sqlite: Option<Result<f64, String>>,
    pub load: LoadFigure,
    pub purge: Result<PurgeFigure, String>,
}

pub struct Asset {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub br: u64,
}

pub struct BrowserFigures {
    /// Every /pkg/ file a tab's cold load fetched.
    pub assets: Vec<Asset>,
    /// The tab whose cold load fetched the most (brotli), and those bytes:
    /// what the console's first page downloads at worst.
    pub first_page: (String, u64),
    pub hydration: Result<serde_json::Value, String>,
}

/// The figures a backend must reach (issue 12's "Done when").
struct Goals {
    ssr_ratio: f64,
    ingest_per_s: f64,
}

fn goals(backend: &str) -> Goals {
    if backend == "sqlite" {
        Goals {
            ssr_ratio: 0.3,
            ingest_per_s: 6000.0,
        }
    } else {
        Goals {
            ssr_ratio: 0.15,
            ingest_per_s: 3000.0,
        }
    }
}

fn mark(met: bool) -> &'static str {
    if met {
        "**met**"
    } else {
        "**not met**"
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|k| format!("{:.1} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!(
        "- CPU: {cpu}, {cores} cores, shared by the server and the load generator (both on this machine, over loopback)\n- Memory: {mem}\n- Linux {}\n- {rustc}; server built with the release profile, WASM with `wasm-release` (opt-level z, LTO) and wasm-opt 132\n",
        kernel.trim()
    )
}

pub fn markdown(args: &Args, backends: &[BackendReport], browser: Option<&BrowserFigures>, took: Duration) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Produced by `.ci/vigil bench`, which builds the release site and runs\n`vigil-bench suite --backends {} --users {} --secs {} --load-secs {} --purge-events {} --out docs/benchmarks.md`\non {} UTC; the run took {:.0} min. Every figure below comes from that one run;\nratios compare measurements taken side by side in it.\n",
        args.backends.join(","),
        args.users,
        args.secs,
        args.load_secs,
        args.purge_events,
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        took.as_secs_f64() / 60.0
    );
    let _ = writeln!(md, "## Machine\n\n{}", machine());

    // Goals.
    let _ = writeln!(md, "## Goals\n");
    let mut header = "| Goal |".to_string();
    let mut sep = "| --- |".to_string();
    for b in backends {
        let _ = write!(header, " {} |", b.backend);
        sep.push_str(" --- |");
    }
    let _ = writeln!(md, "{header}\n{sep}");
    let row = |md: &mut String, goal: &str, cell: &dyn Fn(&BackendReport) -> String| {
        let cells: Vec<String> = backends.iter().map(cell).collect();
        let _ = writeln!(md, "| {goal} | {} |", cells.join(" | "));
    };
    row(
        &mut md,
        "SSR of every tab ÷ a static file of the same size, ≥ 0.3 on SQLite, ≥ 0.15 on PostgreSQL (req/s, 32 connections)",
        &|b| {
            let goal = goals(&b.backend).ssr_ratio;
            let worst = b.tabs.iter().min_by(|x, y| x.ratio().total_cmp(&y.ratio()));
            match worst {
                Some(w) => format!("{} (lowest {:.2}, {})", mark(w.ratio() >= goal), w.ratio(), w.slug),
                None => "—".into(),
            }
        },
    );
    row(
        &mut md,
        "Last page of 200,000 billing events within 1.1× of the first (p50)",
        &|b| {
            let r = b.events_last.percentile_ms(50.0) / b.events_first.percentile_ms(50.0).max(1e-9);
            format!("{} ({r:.2}×)", mark(r <= 1.1))
        },
    );
    row(
        &mut md,
        "Billing ingestion, 16 clients, ≥ 6,000 events/s on SQLite, ≥ 3,000 on PostgreSQL",
        &|b| {
            let t = b.ingest_16.throughput();
            let raw = match &b.raw_sqlite {
                Some(Ok(r)) => format!(", {:.2} × raw SQLite", t / r),
                _ => String::new(),
            };
            format!("{} ({t:.0}/s{raw})", mark(t >= goals(&b.backend).ingest_per_s))
        },
    );
    row(
        &mut md,
        "Purge of 1,000,000 case events: time and longest transaction",
        &|b| match &b.purge {
            Ok(p) => format!("{:.1} s, longest {:.0} ms", p.total_s, p.longest_ms),
            Err(_) => "**failed**".into(),
        },
    );
    row(&mut md, "Mixed load: no 5xx, no error in the log, memory back near rest", &|b| {
        format!(
            "{} ({} requests, {} 5xx, {} log errors, {} → {})",
            mark(b.load.passed),
            b.load.stats.requests,
            b.load.stats.server_errors(),
            b.load.errors_in_log.len(),
            mib(b.load.rss_before_kib),
            mib(b.load.rss_after_kib)
        )
    });
    if let Some(br) = browser {
        let (tab, total) = &br.first_page;
        let _ = writeln!(
            md,
            "| Console download ≤ 250 KB brotli (WASM + JS + CSS of the first page, largest tab: {tab}) | {} ({}) |{}",
            mark(*total <= 250_000),
            kb(*total),
            " — |".repeat(backends.len().saturating_sub(1))
        );
    }
    let _ = writeln!(md);

    for b in backends {
        backend_section(&mut md, b);
    }
    if let Some(br) = browser {
        browser_section(&mut md, br);
    }
    let _ = writeln!(
        md,
        "## How to read this\n\n- Load: closed loop, each connection sends its next request when the answer is read; latency is per request, percentiles are exact (nearest rank).\n- Pages and static files are fetched without `Accept-Encoding` (no compression on either side of the ratio); the browser download figures ask for gzip and brotli explicitly.\n- The SQLite data set is cached in `~/.cache/vigil/bench/` and the PostgreSQL one in the database `vigil_bench_<users>`; the first run generates them (the time is shown above). Billing ingestion adds cameras and locations to random subscribers of the data set (never to the heavy user), so later runs see a slightly larger set.\n"
    );
    md
}

fn latency(s: &Stats) -> String {
    format!("{:.1} / {:.1}", s.percentile_ms(50.0), s.percentile_ms(99.0))
}

fn backend_section(md: &mut String, b: &BackendReport) {
    let _ = writeln!(md, "## {} ({})\n", b.backend, b.version);
    let c = &b.counts;
    let _ = writeln!(
        md,
        "Data set: {} users, {} cameras, {} billing events; the heavy user has {} cameras and {} billing events.{}\n",
        c.users,
        c.cameras,
        c.events,
        c.heavy_cameras,
        c.heavy_events,
        b.generated_secs
            .map(|s| format!(" Generated in this run in {s:.0} s."))
            .unwrap_or_default()
    );
    let _ = writeln!(
        md,
        "### SSR of the user card by direct URL (heavy user) beside a static file of the same size, 32 connections\n"
    );
    let _ = writeln!(
        md,
        "| Tab | Bytes | SSR req/s | SSR p50 / p99 ms | Static req/s | Static p50 / p99 ms | Ratio |"
    );
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for t in &b.tabs {
        let _ = writeln!(
            md,
            "| {} | {} | {:.0} | {} | {:.0} | {} | {:.2} |",
            t.slug,
            t.bytes,
            t.ssr.throughput(),
            latency(&t.ssr),
            t.stat.throughput(),
            latency(&t.stat),
            t.ratio()
        );
    }
    let bad: Vec<String> = b
        .tabs
        .iter()
        .filter(|t| t.ssr.count(|s| s != 200) + t.ssr.failures > 0)
        .map(|t| format!("{}: {}", t.slug, t.ssr.statuses()))
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(md, "\nNon-200 answers: {}", bad.join("; "));
    }
    let _ = writeln!(md, "\n### Keyset paging: billing events of the heavy user, 32 connections\n");
    let _ = writeln!(md, "| Page | req/s | p50 / p99 ms |\n| --- | ---: | ---: |");
    let _ = writeln!(md, "| first | {:.0} | {} |", b.events_first.throughput(), latency(&b.events_first));
    let _ = writeln!(md, "| last | {:.0} | {} |", b.events_last.throughput(), latency(&b.events_last));
    let _ = writeln!(
        md,
        "\n### Billing ingestion (signed, idempotent; 10% retries of already-sent ids)\n"
    );
    let _ = writeln!(md, "| Clients | events/s | p50 / p99 ms | Answers |\n| ---: | ---: | ---: | --- |");
    for (n, s) in [(1, &b.ingest_1), (16, &b.ingest_16)] {
        let _ = writeln!(md, "| {n} | {:.0} | {} | {} |", s.throughput(), latency(s), s.statuses());
    }
    if let Some(s) = &b.ingest_16_unbatched {
        let _ = writeln!(
            md,
            "| 16, one transaction per event (`VIGIL_BILLING_BATCH=0`, same data, after the load) | {:.0} | {} | {} |",
            s.throughput(),
            latency(s),
            s.statuses()
        );
    }
    match &b.raw_sqlite {
        Some(Ok(r)) => {
            let _ = writeln!(
                md,
                "| raw SQLite, one transaction per event (C API, no HTTP, no ORM; same pragmas) | {r:.0} | — | ingestion with 16 clients = {:.2} × raw |",
                b.ingest_16.throughput() / r
            );
        }
        Some(Err(e)) => {
            let _ = writeln!(md, "| raw SQLite, one transaction per event | failed: {e} | | |");
        }
        None => {}
    }
    let _ = writeln!(md, "\n### Retention purge (`vigil-bench-purge`)\n");
    match &b.purge {
        Ok(p) => {
            let _ = writeln!(
                md,
                "{} case events purged in {:.1} s ({:.0} events/s) over {} transactions; the longest transaction took {:.1} ms.",
                p.events,
                p.total_s,
                p.events as f64 / p.total_s.max(1e-9),
                p.transactions,
                p.longest_ms
            );
        }
        Err(e) => {
            let _ = writeln!(md, "Failed: {e}");
        }
    }
    let l = &b.load;
    let _ = writeln!(
        md,
        "\n### Mixed load ({} connections, {:.0} s: tab pages of 2,000 users and of the heavy user, server functions, billing events)\n",
        l.connections,
        l.stats.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "{:.0} requests/s, p50 / p99 {} ms; answers {}; errors in the server log: {}.\n",
        l.stats.throughput(),
        latency(&l.stats),
        l.stats.statuses(),
        l.errors_in_log.len()
    );
    let _ = writeln!(md, "### Server memory (resident)\n");
    let _ = writeln!(
        md,
        "At rest after start: {}. Before the mixed load: {}; peak during it: {}; 10 s after it: {} ({}).\n",
        mib(b.rss_rest_kib),
        mib(l.rss_before_kib),
        mib(l.rss_peak_kib),
        mib(l.rss_after_kib),
        if l.memory_ok { "back near rest" } else { "not back near rest" }
    );
}

fn browser_section(md: &mut String, br: &BrowserFigures) {
    let _ = writeln!(
        md,
        "## The browser\n\n### What the console downloads (`/pkg`, served by the server)\n\nThe files the cold loads of the card's tabs fetched before hydrating.\n"
    );
    let _ = writeln!(md, "| File | Raw | gzip | brotli |\n| --- | ---: | ---: | ---: |");
    let (mut r, mut g, mut b) = (0, 0, 0);
    for a in &br.assets {
        let _ = writeln!(md, "| `{}` | {} | {} | {} |", a.name, kb(a.raw), kb(a.gzip), kb(a.br));
        r += a.raw;
        g += a.gzip;
        b += a.br;
    }
    let _ = writeln!(md, "| **every file above** | {} | {} | {} |", kb(r), kb(g), kb(b));
    let (tab, first) = &br.first_page;
    let _ = writeln!(md, "| **first page, largest tab ({tab})** | | | {} |\n", kb(*first));
    let _ = writeln!(
        md,
        "### Time to hydration of each tab (headless Debian Chromium, ms from navigation start)\n"
    );
    match &br.hydration {
        Ok(v) => {
            let _ = writeln!(md, "Chromium {}. Cold: a fresh browser context; warm: the same context again (assets from the HTTP cache), median of the runs.\n", v["chromium"].as_str().unwrap_or("?"));
            let _ = writeln!(
                md,
                "| Tab | Cold | Warm (median) | Files | Brotli |\n| --- | ---: | ---: | ---: | ---: |"
            );
            if let Some(tabs) = v["tabs"].as_object() {
                for (slug, t) in tabs {
                    let mut warm: Vec<f64> = t["warm_ms"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                        .unwrap_or_default();
                    warm.sort_by(f64::total_cmp);
                    let median = warm.get(warm.len() / 2).copied().unwrap_or(0.0);
                    let files = t["pkg"].as_array().map(|a| a.len()).unwrap_or(0);
                    let _ = writeln!(
                        md,
                        "| {slug} | {:.0} | {median:.0} | {files} | {} |",
                        t["cold_ms"].as_f64().unwrap_or(0.0),
                        kb(t["pkg_br_bytes"].as_u64().unwrap_or(0))
                    );
                }
            }
            let _ = writeln!(md);
        }
        Err(e) => {
            let _ = writeln!(md, "Not measured: {e}\n");
        }
    }
}
