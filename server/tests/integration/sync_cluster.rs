//! Two server instances on one PostgreSQL database: a sync pressed on
//! instance A reaches a client connected to instance B through `NOTIFY
//! vigil_sync` and B's listener task, and a billing event stored on A
//! reaches B's console streams through `NOTIFY vigil_billing`. PostgreSQL only (SQLite has one
//! instance); skipped with a notice outside CI when PostgreSQL is down.

use crate::support::*;
use app::backend::{clock::Clock, db, seed, AppState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reaches_clients_of_other_instances() {
    let Some(url) = fresh_url(Backend::Postgres).await else {
        return;
    };
    let a = AppState::new(db::connect(&url).await.unwrap(), Clock::system());
    seed::reference_data(&a.db).await.unwrap();
    let b = AppState::new(db::connect(&url).await.unwrap(), Clock::system());
    let _la = server::notify::start(a.clone()).await.unwrap().expect("a listener on PostgreSQL");
    let _lb = server::notify::start(b.clone()).await.unwrap().expect("a listener on PostgreSQL");

    let alice = user(&a, "alice").perms(&["cameras-view"]).await;
    camera(&a, alice, "Porch", None).await;
    let (_, admin) = admin_session(&a, "root").super_admin().await;
    let alice_c = client_cookie(&a, alice).await;
    let (srv_a, srv_b) = (serve(a.clone()).await, serve(b.clone()).await);

    // The client is connected to B only.
    let mut stream = srv_b.open("/api/client/v1/events", &alice_c).await;
    assert_eq!(stream.status(), 200);
    wait_for_event(&mut stream, "event: ready", 5).await;

    let (status, out) = srv_a.call_fn("sync-cameras", &admin, &[("user_id", alice)]).await;
    assert_eq!(status, 200, "{out}");
    // Nobody on A; the outcome says other instances were told.
    assert_eq!(out["local_clients"], 0);
    assert_eq!(out["cluster"], true);

    let seen = wait_for_event(&mut stream, "event: sync", 5).await;
    assert!(seen.contains("data: {\"sync_version\":1}"), "{seen:?}");
    // The same version is not sent twice (B hears it once, via PostgreSQL).
    let again = tokio::time::timeout(std::time::Duration::from_millis(700), stream.chunk()).await;
    assert!(again.is_err() || !String::from_utf8_lossy(&again.unwrap().unwrap().unwrap_or_default()).contains("event: sync"));
}

/// A billing event stored through instance A reaches a console stream on
/// instance B (`NOTIFY vigil_billing`), and A's own stream hears it once
/// (A's listener skips its own notices: they were broadcast locally).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_events_reach_consoles_of_other_instances() {
    let Some(url) = fresh_url(Backend::Postgres).await else {
        return;
    };
    let a = AppState::new(db::connect(&url).await.unwrap(), Clock::system());
    seed::reference_data(&a.db).await.unwrap();
    let b = AppState::new(db::connect(&url).await.unwrap(), Clock::system());
    let _la = server::notify::start(a.clone()).await.unwrap().expect("a listener on PostgreSQL");
    let _lb = server::notify::start(b.clone()).await.unwrap().expect("a listener on PostgreSQL");
    let (_, admin) = admin_session(&a, "root").super_admin().await;
    let (srv_a, srv_b) = (serve(a.clone()).await, serve(b.clone()).await);
    let mut on_a = srv_a.open("/sse/billing-events", &admin).await;
    let mut on_b = srv_b.open("/sse/billing-events", &admin).await;
    assert_eq!((on_a.status().as_u16(), on_b.status().as_u16()), (200, 200));

    // An event of no user: the global billing log.
    let camera = serde_json::json!({ "mac": "00:1A:2B:3C:4D:01", "serial_number": "SN-C1" });
    let answer = billing_event(&a, "cluster-1", "billing.new_camera", camera).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let seen = wait_for_event(&mut on_b, "event: billing", 5).await;
    assert!(seen.contains("data: global"), "{seen:?}");
    wait_for_event(&mut on_a, "event: billing", 5).await;
    let again = tokio::time::timeout(std::time::Duration::from_millis(700), on_a.chunk()).await;
    assert!(
        again.is_err() || !String::from_utf8_lossy(&again.unwrap().unwrap().unwrap_or_default()).contains("event: billing"),
        "instance A told its stream twice"
    );

    // A user's event reaches that user's card on B.
    let cora = serde_json::json!({ "account": "C-1", "login": "cora", "password": "cora-pw-1", "name": "Cora" });
    let answer = billing_event(&a, "cluster-2", "billing.new_entity", cora).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let cora = account(&a, "C-1").await;
    let mut cora_on_b = srv_b.open(&format!("/sse/billing-events?user_id={cora}"), &admin).await;
    assert_eq!(cora_on_b.status(), 200);
    let answer = billing_event(&a, "cluster-3", "billing.pause_entity", serde_json::json!({ "account": "C-1" })).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let seen = wait_for_event(&mut cora_on_b, "event: billing", 5).await;
    assert!(seen.contains(&format!("data: {cora}")), "{seen:?}");
}
