//! Two server instances on one PostgreSQL database: a sync pressed on
//! instance A reaches a client connected to instance B through `NOTIFY
//! vigil_sync` and B's listener task. PostgreSQL only (SQLite has one
//! instance); skipped with a notice outside CI when PostgreSQL is down.

use crate::client::{camera, client_cookie, user, wait_for_event};
use crate::support::*;
use app::server::{clock::Clock, db, seed, AppState};

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

    let alice = user(&a, "alice", "active", None, &["cameras-view"], false).await;
    camera(&a, alice, "Porch").await;
    let (_, admin) = admin_session(&a, "root", true, &[], &[]).await;
    let alice_c = client_cookie(&a, alice).await;
    let (srv_a, srv_b) = (serve(a.clone()).await, serve(b.clone()).await);

    // The client is connected to B only.
    let mut stream = srv_b
        .client
        .get(format!("{}/api/client/v1/events", srv_b.base))
        .header("cookie", &alice_c)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    wait_for_event(&mut stream, "event: ready", 5).await;

    let r = srv_a
        .client
        .post(format!("{}/api/sync-cameras", srv_a.base))
        .header("cookie", &admin)
        .form(&[("user_id", alice.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: serde_json::Value = r.json().await.unwrap();
    // Nobody on A; the outcome says other instances were told.
    assert_eq!(out["local_clients"], 0);
    assert_eq!(out["cluster"], true);

    let seen = wait_for_event(&mut stream, "event: sync", 5).await;
    assert!(seen.contains("data: {\"sync_version\":1}"), "{seen:?}");
    // The same version is not sent twice (B hears it once, via PostgreSQL).
    let again = tokio::time::timeout(std::time::Duration::from_millis(700), stream.chunk()).await;
    assert!(again.is_err() || !String::from_utf8_lossy(&again.unwrap().unwrap().unwrap_or_default()).contains("event: sync"));
}
