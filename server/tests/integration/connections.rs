//! The connections page requests lease (`app::backend::request_db`): given
//! back to the state's reserve and taken again by the next request, never
//! lost to an interrupted statement, queued when all are out, and gone once
//! the pool is closed.

use crate::both;
use crate::support::*;
use app::backend::request_db::Reserve;
use app::backend::AppState;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::sync::Arc;
use std::time::Duration;

fn sql(st: &AppState, sql: &str) -> Statement {
    Statement::from_string(st.backend(), sql)
}

/// A table only the connection that made it can see: a later statement that
/// reads it proves it runs on that same connection.
const PROBE: &str = "CREATE TEMP TABLE lease_probe (x INTEGER)";
const READ_PROBE: &str = "SELECT x FROM lease_probe";

/// Waits (up to 2 s) for the reserve to hold `n` idle connections: the
/// server gives a page's connection back when it has sent the body's last
/// frame, which may come a moment after the client read the last byte.
async fn idle_becomes(st: &AppState, n: usize) {
    for _ in 0..200 {
        if st.reserve.idle() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(st.reserve.idle(), n, "idle connections in the reserve");
}

both!(page_requests_one_after_another_share_one_connection, |st: AppState| async move {
    let (_, cookie) = admin_session(&st, "boss").super_admin().await;
    let alice = user(&st, "alice").await;
    let srv = serve(st.clone()).await;
    for tab in ["user", "cameras", "billing-events"] {
        let r = srv.get(&format!("/users/{alice}/{tab}"), &cookie).await;
        assert_eq!(r.status, 200, "{tab}");
        idle_becomes(&st, 1).await;
    }
});

both!(a_given_back_connection_is_the_next_requests, |st: AppState| async move {
    let first = st.request_db();
    first.execute_raw(sql(&st, PROBE)).await.unwrap();
    first.release();
    assert!(!first.holds_connection());
    assert_eq!(st.reserve.idle(), 1);
    let second = st.request_db();
    second.query_all_raw(sql(&st, READ_PROBE)).await.unwrap();
    // Dropped without a release (a server function outside a page): given
    // back all the same.
    drop(second);
    assert_eq!(st.reserve.idle(), 1);
    let third = st.request_db();
    third.query_all_raw(sql(&st, READ_PROBE)).await.unwrap();
});

both!(
    a_request_waits_for_its_turn_when_every_connection_is_out,
    |mut st: AppState| async move {
        st.reserve = Arc::new(Reserve::new(1));
        let first = st.request_db();
        first.execute_raw(sql(&st, PROBE)).await.unwrap();
        let second = st.request_db();
        let stmt = sql(&st, READ_PROBE);
        let waiting = tokio::spawn(async move { second.query_all_raw(stmt).await.map(|rows| rows.len()) });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "the reserve holds one connection, and it is out");
        first.release();
        let answer = tokio::time::timeout(Duration::from_secs(5), waiting).await;
        assert!(matches!(answer, Ok(Ok(Ok(0)))), "{answer:?}");
    }
);

both!(an_interrupted_statement_gives_its_place_back, |mut st: AppState| async move {
    st.reserve = Arc::new(Reserve::new(1));
    let slow = match st.backend() {
        DbBackend::Sqlite => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT COUNT(*) FROM c",
        _ => "SELECT pg_sleep(1)",
    };
    let db = st.request_db();
    db.execute_raw(sql(&st, PROBE)).await.unwrap();
    let interrupted = tokio::time::timeout(Duration::from_millis(20), db.query_all_raw(sql(&st, slow))).await;
    assert!(interrupted.is_err(), "the statement should still have been running");
    drop(db);
    // Not kept (its state is unknown), and its place is free at once.
    assert_eq!(st.reserve.idle(), 0);
    let next = st.request_db();
    let answer = tokio::time::timeout(Duration::from_secs(5), next.query_one_raw(sql(&st, "SELECT 1"))).await;
    assert!(matches!(answer, Ok(Ok(Some(_)))), "{answer:?}");
    let fresh = next.query_all_raw(sql(&st, READ_PROBE)).await;
    assert!(fresh.is_err(), "a new connection, without the interrupted one's table");
});

both!(a_closed_pool_ends_the_reserve, |st: AppState| async move {
    let first = st.request_db();
    first.query_one_raw(sql(&st, "SELECT 1")).await.unwrap();
    first.release();
    assert_eq!(st.reserve.idle(), 1);
    st.db.close_by_ref().await.unwrap();
    let next = st.request_db();
    assert!(next.query_one_raw(sql(&st, "SELECT 1")).await.is_err());
    assert_eq!(st.reserve.idle(), 0);
});
