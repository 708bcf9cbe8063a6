//! The 7-day retention of analytics data: taking all licences of a level
//! away hides its cases; giving them back within 7 days shows them again,
//! unchanged; after 7 days the purge deletes them (and only them), once,
//! even with two workers on one PostgreSQL database.

use crate::both;
use crate::support::*;
use app::backend::auth::{load_admin, Admin};
use app::backend::services::{licences, retention};
use app::backend::{clock::Clock, db, seed, AppState};
use chrono::Duration;

async fn boss(st: &AppState) -> Admin {
    let (id, _) = admin_session(st, "boss").super_admin().await;
    load_admin(&st.db, id).await.unwrap().unwrap()
}

/// Case ids of `main` (and its sub users) visible to subscribers.
async fn visible_cases(st: &AppState, main: i64) -> Vec<i64> {
    let visible = licences::visible_case_condition("ac");
    let sql = format!("SELECT CAST(ac.id AS TEXT) FROM analytics_cases ac WHERE ac.main_user_id = {main} AND {visible} ORDER BY ac.id");
    strings(st, sql).await.iter().map(|id| id.parse().unwrap()).collect()
}

async fn events_of(st: &AppState, cases: &[i64]) -> i64 {
    let list = cases.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
    count(st, &format!("SELECT COUNT(*) FROM case_events WHERE case_id IN ({list})")).await
}

async fn version(st: &AppState, user: i64, level: i64) -> i64 {
    count(
        st,
        format!("SELECT version FROM licence_allocations WHERE user_id = {user} AND level_id = {level}"),
    )
    .await
}

async fn set(st: &AppState, admin: &Admin, user: i64, level: i64, total: i64) {
    let v = version(st, user, level).await;
    licences::set_total(st, admin, user, level, total, v).await.unwrap();
}

both!(retention_story, |st: AppState| async move {
    let admin = boss(&st).await;
    let (l1, l2) = (level(&st, "Level 1").await, level(&st, "Level 2").await);
    let main = user(&st, "m1").perms(&["analytic"]).await;
    let sub = user(&st, "s1").sub_of(main).await;
    let other = user(&st, "m2").perms(&["analytic"]).await;
    licences(&st, main, l1, 5).await;
    licences(&st, main, l2, 2).await;
    licences(&st, other, l1, 2).await;
    let c1 = case_with_events(&st, main, main, "line-crossing", 2, 10).await;
    let c2 = case_with_events(&st, sub, main, "loud-sound", 1, 5).await;
    let c3 = case_with_events(&st, main, main, "visitor-counting", 1, 4).await;
    let c4 = case_with_events(&st, other, other, "line-crossing", 1, 3).await;
    assert_eq!(visible_cases(&st, main).await, vec![c1, c2, c3]);

    // All Level 1 licences taken away: its cases (also the sub user's) are hidden.
    set(&st, &admin, main, l1, 0).await;
    assert_eq!(visible_cases(&st, main).await, vec![c3]);
    assert_eq!(licences::hidden_levels(&st.db, main).await.unwrap(), vec![l1]);
    assert_eq!(visible_cases(&st, other).await, vec![c4]);

    // Day 6: nothing is purged; licences come back and so do the cases, unchanged.
    st.clock.advance(Duration::days(6));
    assert!(retention::purge_once(&st, 2_000).await.unwrap().is_empty());
    set(&st, &admin, main, l1, 5).await;
    assert_eq!(visible_cases(&st, main).await, vec![c1, c2, c3]);
    assert_eq!(events_of(&st, &[c1]).await, 10);
    assert_eq!(events_of(&st, &[c2]).await, 5);
    assert!(licences::hidden_levels(&st.db, main).await.unwrap().is_empty());

    // Taken away again: the 7 days start anew.
    set(&st, &admin, main, l1, 0).await;
    st.clock.advance(Duration::minutes(6 * 1440 + 1296)); // 6.9 days
    assert!(retention::purge_once(&st, 2_000).await.unwrap().is_empty());
    assert_eq!(events_of(&st, &[c1, c2]).await, 15);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM analytics_cases WHERE id IN ({c1},{c2})")).await,
        2
    );

    // Day 7: purged — cases, their cameras and events — and nothing else.
    st.clock.advance(Duration::minutes(150));
    let report = retention::purge_once(&st, 4).await.unwrap();
    assert_eq!(report.allocations, 1);
    assert_eq!((report.cases, report.case_cameras, report.events), (2, 3, 15));
    assert!(report.transactions >= 4, "bounded batches: {report:?}");
    let per = report.per_level.get(&(main, l1)).cloned().unwrap();
    assert_eq!((per.cases, per.case_cameras, per.events), (2, 3, 15));
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM analytics_cases WHERE id IN ({c1},{c2})")).await,
        0
    );
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM analytics_case_cameras WHERE case_id IN ({c1},{c2})")
        )
        .await,
        0
    );
    assert_eq!(events_of(&st, &[c1, c2]).await, 0);
    assert_eq!(visible_cases(&st, main).await, vec![c3]);
    assert_eq!(events_of(&st, &[c3]).await, 4);
    assert_eq!(visible_cases(&st, other).await, vec![c4]);
    assert_eq!(events_of(&st, &[c4]).await, 3);
    // The allocation is finished (total 0, no retention date) and never purged twice.
    assert_eq!(
        count(
            &st,
            &format!(
                "SELECT COUNT(*) FROM licence_allocations WHERE user_id = {main} AND level_id = {l1} AND total = 0 AND removed_at IS NULL"
            )
        )
        .await,
        1
    );
    assert!(licences::hidden_levels(&st.db, main).await.unwrap().is_empty());
    assert!(retention::purge_once(&st, 2_000).await.unwrap().is_empty());
    // New licences for the level start clean.
    set(&st, &admin, main, l1, 2).await;
    assert_eq!(visible_cases(&st, main).await, vec![c3]);
});

both!(licences_back_after_the_deadline_do_not_restore, |st: AppState| async move {
    let admin = boss(&st).await;
    let l1 = level(&st, "Level 1").await;
    let main = user(&st, "m1").await;
    licences(&st, main, l1, 3).await;
    let c1 = case_with_events(&st, main, main, "line-crossing", 1, 7).await;
    set(&st, &admin, main, l1, 0).await;
    st.clock.advance(Duration::days(8));
    // The purge has not run yet, but the 7 days are over: the data stays gone.
    set(&st, &admin, main, l1, 3).await;
    assert!(visible_cases(&st, main).await.is_empty());
    let form = licences::form(&st.db, &admin, main).await.unwrap();
    assert_eq!(form.levels.iter().find(|l| l.level_id == l1).unwrap().used, 0);
    let report = retention::purge_once(&st, 2_000).await.unwrap();
    assert_eq!((report.allocations, report.cases, report.events), (0, 1, 7));
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM analytics_cases WHERE id = {c1}")).await,
        0
    );
});

/// Data for the concurrency test: `users` main users, each with Level 1 in
/// retention and `cases` cases of `events` events. Returns the totals.
async fn doomed_data(st: &AppState, users: usize, cases: usize, events: usize) -> (u64, u64, u64) {
    let admin = boss(st).await;
    let l1 = level(st, "Level 1").await;
    for u in 0..users {
        let main = user(st, &format!("m{u}")).await;
        licences(st, main, l1, cases as i32 * 2).await;
        for _ in 0..cases {
            case_with_events(st, main, main, "smoke-fire", 2, events).await;
        }
        set(st, &admin, main, l1, 0).await;
    }
    ((users * cases) as u64, (users * cases * 2) as u64, (users * cases * events) as u64)
}

async fn race(a: &AppState, b: &AppState, expected: (u64, u64, u64), users: u64) {
    let (ra, rb) = tokio::join!(retention::purge_once(a, 300), retention::purge_once(b, 300));
    let (ra, rb) = (ra.expect("worker a"), rb.expect("worker b"));
    assert_eq!(ra.allocations + rb.allocations, users, "{ra:?} {rb:?}");
    assert_eq!(ra.cases + rb.cases, expected.0, "{ra:?} {rb:?}");
    assert_eq!(ra.case_cameras + rb.case_cameras, expected.1);
    assert_eq!(ra.events + rb.events, expected.2);
    assert_eq!(count(a, "SELECT COUNT(*) FROM case_events").await, 0);
    assert_eq!(count(a, "SELECT COUNT(*) FROM analytics_cases").await, 0);
    assert_eq!(
        count(a, "SELECT COUNT(*) FROM licence_allocations WHERE removed_at IS NOT NULL").await,
        0
    );
}

// SQLite: two workers of one process share the writer lock.
both!(two_workers_in_one_process, |st: AppState| async move {
    let expected = doomed_data(&st, 3, 6, 250).await;
    st.clock.advance(Duration::days(7) + Duration::minutes(1));
    let other = st.clone();
    race(&st, &other, expected, 3).await;
});

/// PostgreSQL: two server instances (two connection pools) on one database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_postgres_purge_each_item_once() {
    let Some(url) = fresh_url(Backend::Postgres).await else { return };
    let first = db::connect(&url).await.unwrap();
    seed::reference_data(&first).await.unwrap();
    let clock = Clock::system();
    let a = AppState::new(first, clock.clone());
    let b = AppState::new(second_connection(&url).await, clock.clone());
    let expected = doomed_data(&a, 4, 8, 400).await;
    clock.advance(Duration::days(7) + Duration::minutes(1));
    race(&a, &b, expected, 4).await;
}

/// A second, independent connection pool to the same database (as another
/// server instance would have).
async fn second_connection(url: &str) -> sea_orm::DatabaseConnection {
    db::connect(url).await.expect("second connection")
}
