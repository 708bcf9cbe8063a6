//! The test harness every suite uses, and the only module suites import:
//! fresh databases per test on both backends and the `both!` macro (here),
//! the server under test with its typed requests (`server`), the data a
//! test starts from (`fixtures`) and small SQL reads (`sql`).

mod fixtures;
mod server;
mod sql;

pub use fixtures::*;
pub use server::*;
pub use sql::*;

use app::backend::{clock::Clock, db, seed, AppState};
use chrono::Utc;
use sea_orm::ConnectionTrait;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A value no other call of this test binary gets (logins, request IDs).
pub fn fresh() -> String {
    format!("t-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub fn pg_admin_url() -> String {
    std::env::var("VIGIL_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database URL of a fresh, empty database, or `None` (with a notice) when
/// PostgreSQL is unavailable outside CI. In CI a missing PostgreSQL fails.
pub async fn fresh_url(backend: Backend) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("vigil-tests");
            std::fs::create_dir_all(&dir).unwrap();
            Some(format!("sqlite://{}", dir.join(format!("{}.db", unique("t"))).display()))
        }
        Backend::Postgres => {
            let admin_url = pg_admin_url();
            let conn = match sea_orm::Database::connect(&admin_url).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("CI").as_deref() == Ok("true") {
                        panic!("PostgreSQL at {admin_url} is required in CI: {e}");
                    }
                    eprintln!("NOTICE: PostgreSQL unavailable ({e}); skipping the PostgreSQL variant");
                    return None;
                }
            };
            let name = unique("vigil_t");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
            Some(format!("{base}/{name}"))
        }
    }
}

/// A migrated database with reference data, wrapped in app state.
pub async fn state(backend: Backend) -> Option<AppState> {
    // The server's errors (internals are logged, never sent) appear in a
    // failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "error".into()))
        .with_test_writer()
        .try_init();
    let url = fresh_url(backend).await?;
    Some(connect(&url).await)
}

/// App state on the database at `url`, migrated and seeded with the
/// reference data (a second instance on the same database seeds nothing new).
pub async fn connect(url: &str) -> AppState {
    let conn = db::connect(url).await.expect("connect + migrate");
    seed::reference_data(&conn).await.unwrap();
    AppState::new(conn, Clock::system())
}

/// Runs a test body on SQLite and on PostgreSQL:
/// `both!(name, |st: AppState| async move { … });`
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(st) = $crate::support::state($crate::support::Backend::Sqlite).await {
                    ($body)(st).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(st) = $crate::support::state($crate::support::Backend::Postgres).await {
                    ($body)(st).await;
                }
            }
        }
    };
}

/// Small demo data set (about 60 users).
pub async fn demo(st: &AppState) {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(60), |_, _, _| {})
        .await
        .unwrap();
}
