//! Crash safety of the billing webhook: the real server binary is killed
//! with SIGKILL while events stream in, then restarted on the same database.
//! Every event answered 2xx must be stored exactly once with its effect, and
//! no event may be half-applied: an event's effect exists iff its row does.

use crate::support::*;
use serde_json::json;
use std::collections::HashMap;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "crash-test-billing-secret-42";
const EVENTS: usize = 400;
const KILL_AFTER: usize = 120;

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

/// The server process, killed (SIGKILL) when dropped, so a failing test
/// leaves no server behind. std's process API: the test build resolves tokio
/// with the release build's features (see server/Cargo.toml).
struct Child(std::process::Child);

impl Child {
    /// SIGKILL, and reap it (returns at once after the kill).
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn start(url: &str, addr: &str) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env("DATABASE_URL", url)
        .env("LEPTOS_SITE_ADDR", addr)
        .env("VIGIL_BILLING_SECRET", SECRET)
        .env("RUST_LOG", "error")
        .env_remove("VIGIL_DEMO")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(Child)
        .expect("server binary starts");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("http://{addr}/healthz")).send().await {
            if r.status() == 200 {
                return child;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not become healthy at {addr}");
}

/// Event `i`: every tenth creates a subscriber (effect: a user with that
/// account), the rest register cameras (effect: a camera with that MAC).
fn event(i: usize) -> (String, String) {
    let id = format!("crash-{i}");
    let body = if i.is_multiple_of(10) {
        json!({ "id": id, "type": "billing.new_entity",
                "data": { "account": format!("C-{i}"), "login": format!("crash{i}"), "password": "pw-crash-1", "name": "Crash" } })
    } else {
        json!({ "id": id, "type": "billing.new_camera",
                "data": { "mac": format!("06:00:00:00:{:02X}:{:02X}", i >> 8, i & 0xFF), "serial_number": format!("SN-{i}") } })
    };
    (id, body.to_string())
}

async fn post(client: &reqwest::Client, addr: &str, body: &str) -> Option<u16> {
    let t = chrono::Utc::now().timestamp();
    let sig = server::billing::signature::sign(SECRET, t, body.as_bytes());
    client
        .post(format!("http://{addr}/api/billing/v1/events"))
        .header("content-type", "application/json")
        .header("x-billing-signature", sig)
        .body(body.to_string())
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

async fn effect_count(db: &sea_orm::DatabaseConnection, i: usize) -> i64 {
    if i.is_multiple_of(10) {
        scalar_i64(db, &format!("SELECT COUNT(*) FROM users WHERE account = 'C-{i}'")).await
    } else {
        scalar_i64(
            db,
            &format!(
                "SELECT COUNT(*) FROM cameras WHERE mac = '06:00:00:00:{:02X}:{:02X}'",
                i >> 8,
                i & 0xFF
            ),
        )
        .await
    }
}

async fn crash_run(url: String) {
    let addr = free_addr();
    let mut child = start(&url, &addr).await;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let answered = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<HashMap<usize, Option<u16>>>> = Arc::default();
    let killer = {
        let answered = answered.clone();
        async move {
            while answered.load(Ordering::SeqCst) < KILL_AFTER {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            child.kill();
        }
    };
    let sender = {
        use futures::StreamExt;
        let (client, addr, answered, results) = (client.clone(), addr.clone(), answered.clone(), results.clone());
        futures::stream::iter(0..EVENTS).for_each_concurrent(16, move |i| {
            let (client, addr, answered, results) = (client.clone(), addr.clone(), answered.clone(), results.clone());
            async move {
                let (_, body) = event(i);
                let status = post(&client, &addr, &body).await;
                if status.is_some() {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                results.lock().unwrap().insert(i, status);
            }
        })
    };
    tokio::join!(killer, sender);
    let results = results.lock().unwrap().clone();
    let ok: Vec<usize> = (0..EVENTS).filter(|i| matches!(results[i], Some(200..=299))).collect();
    assert!(ok.len() >= KILL_AFTER / 2, "only {} events answered 2xx before the kill", ok.len());
    assert!(ok.len() < EVENTS, "the kill came after every event was answered");

    // Restart on the same database.
    let addr2 = free_addr();
    let mut child2 = start(&url, &addr2).await;
    let db = app::backend::db::connect(&url).await.unwrap();
    for i in 0..EVENTS {
        let (id, _) = event(i);
        let rows = scalar_i64(&db, &format!("SELECT COUNT(*) FROM billing_events WHERE request_id = '{id}'")).await;
        let effects = effect_count(&db, i).await;
        if ok.contains(&i) {
            assert_eq!(rows, 1, "{id} answered 2xx but is not stored once");
        }
        assert!(rows <= 1 && effects <= 1, "{id}: {rows} rows, {effects} effects");
        assert_eq!(rows, effects, "{id} is half-applied: {rows} rows, {effects} effects");
    }

    // Billing retries whatever it did not get a 2xx for; everything ends
    // up stored and applied exactly once, and earlier 2xx are duplicates now.
    for i in 0..EVENTS {
        let (id, body) = event(i);
        let status = post(&client, &addr2, &body).await.expect("restarted server answers");
        if ok.contains(&i) {
            assert_eq!(status, 200, "{id}");
        } else {
            assert!(status == 200 || status == 202, "{id}: {status}");
        }
        assert_eq!(effect_count(&db, i).await, 1, "{id}");
    }
    assert_eq!(scalar_i64(&db, "SELECT COUNT(*) FROM billing_events").await, EVENTS as i64);
    child2.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_survives_sigkill_sqlite() {
    let url = fresh_url(Backend::Sqlite).await.unwrap();
    crash_run(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_survives_sigkill_postgres() {
    if let Some(url) = fresh_url(Backend::Postgres).await {
        crash_run(url).await;
    }
}
