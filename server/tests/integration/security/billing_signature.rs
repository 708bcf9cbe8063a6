//! The billing signature header (issue 13, item 1): a header stuffed with
//! `v1` values used to cost one HMAC over the whole body per value on the
//! serving thread (20,000 values: 862 ms, with /healthz waiting behind it).
//! Now at most two 64-digit values are looked at, the MAC is computed once,
//! and anything else is refused 401 before the body is hashed.

use super::*;
use crate::both;
use std::time::{Duration, Instant};

/// A billing event; `pad` bytes of padding make it as large as an attacker likes.
fn event(pad: usize) -> String {
    if pad == 0 {
        return format!(r#"{{"id":"{}","type":"billing.ping","data":{{}}}}"#, fresh());
    }
    format!(
        r#"{{"id":"{}","type":"billing.ping","data":{{}},"pad":"{}"}}"#,
        fresh(),
        "p".repeat(pad)
    )
}

async fn send(srv: &TestServer, body: String, header: String) -> (u16, String) {
    let a = srv.billing_raw(body, Some(header)).await;
    (a.status, a.body)
}

/// The `v1` value billing would send for `body` at time `t` (the same `t`
/// the header names: signing at another second gives another MAC).
fn good_v1(body: &str, t: i64) -> String {
    let header = server::billing::signature::sign(TEST_BILLING_SECRET, t, body.as_bytes());
    header.split_once(",v1=").unwrap().1.to_string()
}

both!(stuffed_signature_headers_are_refused_at_once, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let now = chrono::Utc::now().timestamp();
    // The right value hidden among thousands of junk ones: before, it was
    // found (and the event stored) after 20,000 HMACs.
    let body = event(0);
    let stuffed = format!("t={now}{},v1={}", ",v1=00".repeat(20_000), good_v1(&body, now));
    let (status, answer) = send(&srv, body, stuffed).await;
    assert_eq!(status, 401, "{answer}");
    // A third 64-digit value, and values of the wrong length, are refused too.
    let body = event(0);
    let zeros = "0".repeat(64);
    let three = format!("t={now},v1={zeros},v1={zeros},v1={}", good_v1(&body, now));
    assert_eq!(send(&srv, body.clone(), three).await.0, 401);
    let short = format!("t={now},v1={}", &good_v1(&body, now)[..62]);
    assert_eq!(send(&srv, body, short).await.0, 401);

    // Several stuffed requests with 60 KiB bodies at once, one per serving
    // thread and more: each is refused, and /healthz is answered meanwhile.
    let hostile = format!("t={now}{}", ",v1=00".repeat(20_000));
    let started = Instant::now();
    let attacks = (0..6).map(|_| {
        let (srv, hostile) = (&srv, hostile.clone());
        async move { send(srv, event(60 * 1024), hostile).await }
    });
    let health = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = Instant::now();
        let r = srv.client.get(format!("{}/healthz", srv.base)).send().await.unwrap();
        (r.status().as_u16(), t.elapsed())
    };
    let (answers, (health_status, health_took)) = tokio::join!(futures::future::join_all(attacks), health);
    for (status, answer) in &answers {
        assert_eq!(*status, 401, "{answer}");
        assert!(answer.contains("512 bytes"), "refused for its size: {answer}");
    }
    assert_eq!(health_status, 200);
    // Generous bounds (a debug build on a busy machine): the point is that
    // neither waits behind gigabytes of hashing.
    assert!(health_took < Duration::from_secs(5), "/healthz took {health_took:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "six refusals took {:?}",
        started.elapsed()
    );

    // Billing's real headers still pass: one value, or two while the secret
    // rotates (in either order).
    let body = event(0);
    let (status, answer) = send(&srv, body.clone(), format!("t={now},v1={}", good_v1(&body, now))).await;
    assert!((200..300).contains(&status), "{status}: {answer}");
    let body = event(0);
    let other = "ab".repeat(32);
    let (status, answer) = send(&srv, body.clone(), format!("t={now},v1={other},v1={}", good_v1(&body, now))).await;
    assert!((200..300).contains(&status), "{status}: {answer}");
    let body = event(0);
    let (status, answer) = send(&srv, body.clone(), format!("t={now}, v1={}, v1={other}", good_v1(&body, now))).await;
    assert!((200..300).contains(&status), "{status}: {answer}");
});
