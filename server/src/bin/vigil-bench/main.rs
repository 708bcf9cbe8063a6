//! `vigil-bench`: Vigil's benchmark suite and load test, run against the
//! release `server` binary as a child process (so its memory is its own).
//!
//! ```text
//! vigil-bench suite [--backends sqlite,postgres] [--users 100000] [--secs 8]
//!                   [--load-secs 60] [--purge-events 1000000] [--out docs/benchmarks.md]
//! vigil-bench load  [--users 300] [--load-secs 5] [--connections 64] [--backends sqlite] [--abandon 0]
//! vigil-bench tabs|ingest --baseline DIR [--users N] [--secs N] [--rounds N] [--backends …]
//! ```
//! `suite` measures the user card's SSR beside a static file of the same size,
//! keyset paging, billing ingestion, the retention purge (via
//! `vigil-bench-purge`), the browser download and time to hydration (via
//! `end2end/bench/hydration.mjs`), memory, and the mixed load; it writes the
//! figures as Markdown. `load` is the short mixed load of the test command:
//! it exits 1 on any 5xx, transport failure, error in the server log, or
//! memory that does not come back near its rest level. `tabs` and `ingest`
//! compare this build with another (`--baseline`) on the same data set,
//! alternating (`compare.rs`).

mod compare;
mod ingest;
mod load;
mod proc;
mod raw;
mod report;
mod suite;

use std::path::PathBuf;
use std::process::ExitCode;

pub struct Args {
    pub command: String,
    pub backends: Vec<String>,
    pub users: u64,
    pub secs: u64,
    pub load_secs: u64,
    pub connections: usize,
    pub purge_events: u64,
    pub out: Option<PathBuf>,
    pub pg_url: String,
    pub site_root: PathBuf,
    pub cache: PathBuf,
    pub bin_dir: PathBuf,
    /// `tabs`, `ingest`: the other build (a directory with `relbin/server`
    /// and `site/`).
    pub baseline: Option<PathBuf>,
    /// `tabs`, `ingest`: alternating rounds.
    pub rounds: u64,
    /// `load`: the percentage of requests dropped after their answer's
    /// first chunk (pages cancelled mid-render).
    pub abandon: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or("expected `suite` or `load`")?;
    if !["suite", "load", "tabs", "ingest"].contains(&command.as_str()) {
        return Err(format!("unknown command {command:?}: expected `suite`, `load`, `tabs` or `ingest`"));
    }
    let suite = command == "suite";
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let mut a = Args {
        command,
        backends: vec!["sqlite".into()],
        users: if suite { 100_000 } else { 300 },
        secs: 8,
        load_secs: if suite { 60 } else { 5 },
        connections: 64,
        purge_events: 1_000_000,
        out: None,
        pg_url: std::env::var("VIGIL_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        site_root: PathBuf::from(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into())),
        cache: PathBuf::from(std::env::var("VIGIL_CACHE").unwrap_or_else(|_| format!("{home}/.cache/vigil"))),
        bin_dir: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".")),
        baseline: None,
        rounds: 3,
        abandon: 0,
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String, name: &str| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{name} must be a positive whole number"))
        };
        match flag.as_str() {
            "--backends" => {
                a.backends = value()?.split(',').map(|s| s.trim().to_string()).collect();
                if let Some(b) = a.backends.iter().find(|b| *b != "sqlite" && *b != "postgres") {
                    return Err(format!("--backends: unknown backend {b:?} (sqlite, postgres)"));
                }
            }
            "--users" => a.users = num(value()?, "--users")?,
            "--secs" => a.secs = num(value()?, "--secs")?,
            "--load-secs" => a.load_secs = num(value()?, "--load-secs")?,
            "--connections" => a.connections = num(value()?, "--connections")? as usize,
            "--purge-events" => a.purge_events = num(value()?, "--purge-events")?,
            "--out" => a.out = Some(PathBuf::from(value()?)),
            "--pg-url" => a.pg_url = value()?,
            "--site-root" => a.site_root = PathBuf::from(value()?),
            "--baseline" => a.baseline = Some(PathBuf::from(value()?)),
            "--rounds" => a.rounds = num(value()?, "--rounds")?,
            "--abandon" => {
                a.abandon = value()?
                    .parse::<u64>()
                    .ok()
                    .filter(|p| *p < 100)
                    .ok_or("--abandon must be a whole percentage from 0 to 99")?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vigil-bench: {e}");
            eprintln!("usage: vigil-bench suite|load|tabs|ingest [--baseline DIR] [--rounds N] [--backends sqlite,postgres] [--users N] [--secs N] [--load-secs N] [--connections N] [--purge-events N] [--out FILE] [--abandon PERCENT]");
            return ExitCode::from(2);
        }
    };
    let result = if args.command == "suite" {
        suite::suite(&args).await
    } else if args.command == "tabs" {
        compare::tabs(&args).await
    } else if args.command == "ingest" {
        compare::ingest(&args).await
    } else {
        suite::load_only(&args).await
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("vigil-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
