//! Test support: fresh databases per test on both backends, an in-process
//! server on a random port, and signed-in administrators.

#![allow(dead_code)]

use app::backend::{clock::Clock, db, entities, seed, AppState};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};
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
    let conn = db::connect(&url).await.expect("connect + migrate");
    seed::reference_data(&conn).await.unwrap();
    Some(AppState::new(conn, Clock::system()))
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

/// The server under test, on a random loopback port.
pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    /// Served exactly as `main` serves (a current-thread runtime per
    /// thread), stopped when the test's server is dropped.
    serving: server::http::Serving,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.serving.stop();
    }
}

/// The billing secret every test server is configured with.
pub const TEST_BILLING_SECRET: &str = "test-billing-secret-0123456789";

pub async fn serve(state: AppState) -> TestServer {
    serve_site(state, "target/site").await
}

/// [`serve`] with static files from `site_root`.
pub async fn serve_site(state: AppState, site_root: &str) -> TestServer {
    serve_configured(state, site_root, server::router::Options::default()).await
}

/// [`serve`] with the transport options (trusted proxies, https).
pub async fn serve_with(state: AppState, options: server::router::Options) -> TestServer {
    serve_configured(state, "target/site", options).await
}

async fn serve_configured(state: AppState, site_root: &str, options: server::router::Options) -> TestServer {
    let leptos = leptos::prelude::LeptosOptions::builder()
        .output_name("vigil")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build();
    let router = server::router::build_with(state.clone(), leptos, Some(TEST_BILLING_SECRET.to_string()), options);
    let (serving, addr) = server::http::spawn("127.0.0.1:0".parse().unwrap(), router, 2).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestServer {
        base: format!("http://{addr}"),
        state,
        client,
        serving,
    }
}

/// Creates an administrator with `permissions` and scope (location ids);
/// returns its id and a session cookie header value.
pub async fn admin_session(st: &AppState, login: &str, is_super: bool, permissions: &[&str], scope: &[i64]) -> (i64, String) {
    let now = st.clock.now();
    let admin = entities::admins::Entity::insert(entities::admins::ActiveModel {
        login: Set(login.into()),
        name: Set(format!("Admin {login}")),
        password_hash: Set(app::backend::password::hash("password-1")),
        is_super: Set(is_super),
        time_zone: Set("UTC".into()),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    for p in permissions {
        entities::admin_permissions::Entity::insert(entities::admin_permissions::ActiveModel {
            admin_id: Set(admin),
            slug: Set(p.to_string()),
        })
        .exec(&st.db)
        .await
        .unwrap();
    }
    for l in scope {
        entities::admin_scopes::Entity::insert(entities::admin_scopes::ActiveModel {
            admin_id: Set(admin),
            location_id: Set(*l),
        })
        .exec(&st.db)
        .await
        .unwrap();
    }
    let token = app::backend::auth::new_token();
    entities::admin_sessions::Entity::insert(entities::admin_sessions::ActiveModel {
        token_hash: Set(app::backend::auth::token_hash(&token)),
        admin_id: Set(admin),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
    })
    .exec(&st.db)
    .await
    .unwrap();
    (admin, format!("{}={token}", app::backend::auth::ADMIN_COOKIE))
}

/// Small demo data set (about 60 users).
pub async fn demo(st: &AppState) {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(60), |_, _, _| {})
        .await
        .unwrap();
}

pub async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Puts `user` in flat `number` behind `intercom` (an apartment and its
/// tenant link); the apartment's id.
pub async fn apartment(db: &DatabaseConnection, intercom: i64, number: i32, user: i64, now: chrono::DateTime<Utc>) -> i64 {
    let flat = entities::apartments::Entity::insert(entities::apartments::ActiveModel {
        intercom_id: Set(intercom),
        number: Set(number),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    app::backend::bulk::insert(
        db,
        "user_apartments",
        &["user_id", "apartment_id", "created_at"],
        vec![vec![user.into(), flat.into(), now.into()]],
    )
    .await
    .unwrap();
    flat
}
