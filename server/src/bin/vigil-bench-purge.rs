//! Benchmark of the retention purge: generates analytics cases with N case
//! events in a level whose licences were taken away, moves the clock past
//! the 7 days, runs the purge and prints the total time, events per second
//! and the longest single transaction.
//!
//! `cargo run --release -p server --bin vigil-bench-purge -- --events 1000000 [--cases 500] [--batch 2000] [--database-url URL]`
//! Without `--database-url` a fresh SQLite file in the temp folder is used.

use app::backend::services::retention;
use app::backend::{bulk, clock::Clock, db, seed, AppState};
use chrono::Duration;
use sea_orm::{ConnectionTrait, Statement, Value};
use std::time::Instant;

struct Args {
    events: u64,
    cases: u64,
    batch: usize,
    database_url: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        events: 1_000_000,
        cases: 500,
        batch: retention::DEFAULT_BATCH,
        database_url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--events" => args.events = value()?.parse().map_err(|_| "--events: a whole number".to_string())?,
            "--cases" => args.cases = value()?.parse().map_err(|_| "--cases: a whole number".to_string())?,
            "--batch" => args.batch = value()?.parse().map_err(|_| "--batch: a whole number".to_string())?,
            "--database-url" => args.database_url = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.cases == 0 || args.events == 0 {
        return Err("--events and --cases must be positive".into());
    }
    Ok(args)
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .expect("query")
        .expect("row")
        .try_get_by_index::<i64>(0)
        .expect("number")
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vigil-bench-purge: {e}");
            std::process::exit(2);
        }
    };
    let url = args.database_url.clone().unwrap_or_else(|| {
        let path = std::env::temp_dir().join(format!("vigil-bench-purge-{}.db", std::process::id()));
        format!("sqlite://{}", path.display())
    });
    let conn = db::connect(&url).await.expect("connect and migrate");
    seed::reference_data(&conn).await.expect("reference data");
    let clock = Clock::system();
    let state = AppState::new(conn, clock.clone());
    let backend = format!("{:?}", state.backend());

    // Generate: one main user, Level 1, `cases` cases with two cameras each.
    let started = Instant::now();
    let now = clock.now();
    let tag = format!("{}-{}", std::process::id(), now.timestamp());
    let level = scalar(&state.db, "SELECT id FROM analytics_levels ORDER BY position LIMIT 1").await;
    let type_id = scalar(&state.db, &format!("SELECT MIN(id) FROM analytics_types WHERE level_id = {level}")).await;
    let txn = state.write().await.expect("begin");
    let user = bulk::next_id(&*txn, "users").await.expect("id");
    bulk::insert(
        &*txn,
        "users",
        &[
            "id",
            "kind",
            "status",
            "login",
            "password_hash",
            "name",
            "properties",
            "created_at",
            "updated_at",
        ],
        vec![vec![
            user.into(),
            "billing".into(),
            "active".into(),
            format!("bench-{tag}").into(),
            "x".into(),
            "Purge benchmark".into(),
            "{}".into(),
            now.into(),
            now.into(),
        ]],
    )
    .await
    .expect("user");
    let cam0 = bulk::next_id(&*txn, "cameras").await.expect("id");
    let cams = (0..args.cases as i64 * 2)
        .map(|i| {
            let id = cam0 + i;
            vec![
                Value::from(id),
                Value::from(format!("Bench cam {id}")),
                Value::from(format!("bench-{tag}-{id}")),
                Value::from(format!("SN{id}")),
                Value::from("active"),
                Value::from("manual"),
                Value::from(now),
            ]
        })
        .collect();
    bulk::insert(
        &*txn,
        "cameras",
        &["id", "name", "mac", "serial_number", "status", "source", "created_at"],
        cams,
    )
    .await
    .expect("cameras");
    let case0 = bulk::next_id(&*txn, "analytics_cases").await.expect("id");
    let cases = (0..args.cases as i64)
        .map(|i| {
            vec![
                Value::from(case0 + i),
                Value::from(user),
                Value::from(user),
                Value::from(type_id),
                Value::from(level),
                Value::from(format!("Bench case {i}")),
                Value::from("active"),
                Value::from(now),
            ]
        })
        .collect();
    bulk::insert(
        &*txn,
        "analytics_cases",
        &[
            "id",
            "user_id",
            "main_user_id",
            "type_id",
            "level_id",
            "name",
            "status",
            "created_at",
        ],
        cases,
    )
    .await
    .expect("cases");
    let cc = (0..args.cases as i64)
        .flat_map(|i| {
            [
                vec![Value::from(case0 + i), Value::from(cam0 + 2 * i)],
                vec![Value::from(case0 + i), Value::from(cam0 + 2 * i + 1)],
            ]
        })
        .collect();
    bulk::insert(&*txn, "analytics_case_cameras", &["case_id", "camera_id"], cc)
        .await
        .expect("case cameras");
    // Events in chunks so memory stays flat.
    let mut made = 0u64;
    while made < args.events {
        let n = (args.events - made).min(100_000);
        let rows = (made..made + n)
            .map(|e| {
                let case = case0 + (e % args.cases) as i64;
                vec![
                    Value::from(case),
                    Value::from(cam0 + 2 * (case - case0) + (e % 2) as i64),
                    Value::from("line_crossed"),
                    Value::from(format!("snap/{case}/{e}.jpg")),
                    Value::from(now - Duration::seconds(e as i64)),
                ]
            })
            .collect();
        bulk::insert(
            &*txn,
            "case_events",
            &["case_id", "camera_id", "kind", "snapshot_ref", "occurred_at"],
            rows,
        )
        .await
        .expect("events");
        made += n;
    }
    bulk::insert(
        &*txn,
        "licence_allocations",
        &["user_id", "level_id", "total", "removed_at", "version", "updated_at"],
        vec![vec![user.into(), level.into(), 0i32.into(), now.into(), 1i64.into(), now.into()]],
    )
    .await
    .expect("allocation");
    bulk::fix_sequences(&*txn, &["users", "cameras", "analytics_cases", "case_events"])
        .await
        .expect("sequences");
    txn.commit().await.expect("commit");
    println!(
        "generated {} case events in {} cases on {backend} in {:.1} s",
        args.events,
        args.cases,
        started.elapsed().as_secs_f64()
    );

    // Past the 7 days: purge.
    clock.advance(Duration::days(7) + Duration::minutes(1));
    let started = Instant::now();
    let report = retention::purge_once(&state, args.batch).await.expect("purge");
    let took = started.elapsed();
    let left = scalar(
        &state.db,
        &format!("SELECT COUNT(*) FROM analytics_cases WHERE main_user_id = {user}"),
    )
    .await;
    println!("backend:                  {backend}");
    println!("batch (events/txn):       {}", args.batch);
    println!("purged events:            {}", report.events);
    println!("purged cases / cameras:   {} / {}", report.cases, report.case_cameras);
    println!("transactions:             {}", report.transactions);
    println!("total time:               {:.2} s", took.as_secs_f64());
    println!(
        "events per second:        {:.0}",
        report.events as f64 / took.as_secs_f64().max(1e-9)
    );
    println!(
        "longest transaction:      {:.1} ms",
        report.longest_transaction.as_secs_f64() * 1000.0
    );
    if args.database_url.is_none() {
        // The generated SQLite file is ours: do not leave hundreds of MB behind.
        if let Some(path) = url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
    if report.events != args.events || left != 0 {
        eprintln!(
            "vigil-bench-purge: expected {} events and no cases left, got {} events and {left} cases left",
            args.events, report.events
        );
        std::process::exit(1);
    }
}
