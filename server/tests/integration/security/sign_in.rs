//! Sign-in under attack (issue 13, items 3–5): concurrent guesses are
//! counted before any is checked; the back-off is per (login, address), so
//! nobody can lock the real administrator out; `X-Forwarded-For` counts only
//! from trusted proxies; and `next` never leaves the site or breaks the answer.

use super::*;
use crate::both;
use app::backend::throttle::{FIRST_DELAY_SECS, PAIR_FREE};
use server::net::TrustedProxies;
use server::router::Options;

const ADMIN_PW: &str = "correct-horse";

async fn with_admin(st: &AppState) {
    app::backend::seed::ensure_super_admin(&st.db, ADMIN_PW, st.clock.now())
        .await
        .unwrap();
}

fn behind_proxy() -> Options {
    Options {
        trusted_proxies: TrustedProxies::parse("127.0.0.1,::1").unwrap(),
        https: false,
    }
}

/// A console sign-in as the login form sends it; `from` is the
/// `X-Forwarded-For` a proxy would add (empty: none).
async fn console(srv: &TestServer, login: &str, password: &str, from: &str) -> u16 {
    let mut req = srv
        .client
        .post(format!("{}/api/login", srv.base))
        .header("accept", "application/json")
        .form(&[("login", login), ("password", password)]);
    if !from.is_empty() {
        req = req.header("x-forwarded-for", from);
    }
    req.send().await.unwrap().status().as_u16()
}

/// A client-API sign-in (the desktop and mobile apps).
async fn client_api(srv: &TestServer, login: &str, password: &str, from: &str) -> u16 {
    let mut req = srv
        .client
        .post(format!("{}/api/client/v1/session", srv.base))
        .json(&serde_json::json!({ "login": login, "password": password }));
    if !from.is_empty() {
        req = req.header("x-forwarded-for", from);
    }
    req.send().await.unwrap().status().as_u16()
}

fn tally(statuses: &[u16]) -> (usize, usize) {
    let wrong = statuses.iter().filter(|s| **s == 422).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(wrong + limited, statuses.len(), "only 422 and 429 expected: {statuses:?}");
    (wrong, limited)
}

both!(parallel_guesses_are_counted_before_any_is_checked, |st: AppState| async move {
    with_admin(&st).await;
    user(&st, "parallel-sub").perms(&["cameras-view"]).password(PW).await;
    let srv = serve(st.clone()).await;
    // 40 wrong passwords at once: before, all 40 were evaluated (40 × 422).
    let console_burst = futures::future::join_all((0..40).map(|i| {
        let srv = &srv;
        async move { console(srv, "admin", &format!("guess-{i}"), "").await }
    }))
    .await;
    let (wrong, limited) = tally(&console_burst);
    assert!(wrong <= PAIR_FREE, "{wrong} console guesses evaluated: {console_burst:?}");
    assert!(limited >= 40 - PAIR_FREE);
    let client_burst = futures::future::join_all((0..40).map(|i| {
        let srv = &srv;
        async move { client_api(srv, "parallel-sub", &format!("guess-{i}"), "").await }
    }))
    .await;
    let (wrong, _) = tally(&client_burst);
    assert!(wrong <= PAIR_FREE, "{wrong} client guesses evaluated: {client_burst:?}");
    // What was evaluated is what was recorded, one row per pair and attempt.
    let recorded = scalar_i64(&st.db, "SELECT COUNT(*) FROM login_attempts WHERE scope = 'pair'").await;
    assert!(recorded <= 2 * PAIR_FREE as i64, "{recorded} attempts recorded");
});

both!(back_off_doubles_and_success_clears_it, |st: AppState| async move {
    with_admin(&st).await;
    let srv = serve(st.clone()).await;
    for _ in 0..PAIR_FREE {
        assert_eq!(console(&srv, "admin", "bad", "").await, 422);
    }
    // Even the right password waits: the pair is backing off.
    assert_eq!(console(&srv, "admin", ADMIN_PW, "").await, 429);
    st.clock.advance(chrono::Duration::seconds(FIRST_DELAY_SECS + 1));
    assert_eq!(console(&srv, "admin", "bad", "").await, 422);
    // The next wait is twice as long.
    st.clock.advance(chrono::Duration::seconds(FIRST_DELAY_SECS + 1));
    assert_eq!(console(&srv, "admin", ADMIN_PW, "").await, 429);
    st.clock.advance(chrono::Duration::seconds(FIRST_DELAY_SECS + 1));
    assert_eq!(console(&srv, "admin", ADMIN_PW, "").await, 200);
    // A success starts the pair afresh.
    assert_eq!(console(&srv, "admin", "bad", "").await, 422);
    assert_eq!(console(&srv, "admin", ADMIN_PW, "").await, 200);
});

both!(a_stranger_cannot_lock_the_admin_out, |st: AppState| async move {
    with_admin(&st).await;
    user(&st, "victim-sub").perms(&["cameras-view"]).password(PW).await;
    let srv = serve_with(st.clone(), behind_proxy()).await;
    let stranger = "203.0.113.7";
    let mut statuses = vec![];
    for i in 0..30 {
        statuses.push(console(&srv, "admin", &format!("guess-{i}"), stranger).await);
        statuses.push(client_api(&srv, "victim-sub", &format!("guess-{i}"), stranger).await);
    }
    let (_, limited) = tally(&statuses);
    assert!(limited >= 40, "the stranger was not slowed down: {statuses:?}");
    // The real administrator and subscriber, elsewhere, are not locked out:
    // before, 5 wrong passwords from anyone locked the login for everyone.
    assert_eq!(console(&srv, "admin", ADMIN_PW, "198.51.100.2").await, 200);
    assert_eq!(client_api(&srv, "victim-sub", PW, "198.51.100.2").await, 200);
    // And they may still mistype a few times.
    assert_eq!(console(&srv, "admin", "typo", "198.51.100.2").await, 422);
    // The stranger still waits.
    assert_eq!(console(&srv, "admin", ADMIN_PW, stranger).await, 429);
});

both!(forwarded_for_counts_only_from_trusted_proxies, |st: AppState| async move {
    with_admin(&st).await;
    let direct = serve(st.clone()).await;
    // Without trusted proxies a client cannot dodge the back-off by
    // inventing a new X-Forwarded-For for every guess.
    for i in 0..PAIR_FREE {
        assert_eq!(console(&direct, "admin", "bad", &format!("192.0.2.{i}")).await, 422);
    }
    assert_eq!(console(&direct, "admin", "bad", "192.0.2.200").await, 429);
    assert_eq!(console(&direct, "admin", "bad", "").await, 429);
    // Behind a trusted proxy, each forwarded address is its own client
    // (another database: the attempts above stay out of it).
    let Some(other) = state(if st.backend() == sea_orm::DbBackend::Postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    })
    .await
    else {
        return;
    };
    with_admin(&other).await;
    let proxied = serve_with(other, behind_proxy()).await;
    for i in 0..PAIR_FREE + 2 {
        assert_eq!(console(&proxied, "admin", "bad", &format!("192.0.2.{i}")).await, 422);
    }
    // A client-written entry left of the proxy's own is not believed.
    for i in 0..PAIR_FREE {
        assert_eq!(console(&proxied, "admin", "bad", &format!("10.9.9.{i}, 198.51.100.77")).await, 422);
    }
    assert_eq!(console(&proxied, "admin", "bad", "10.9.9.99, 198.51.100.77").await, 429);
});

both!(next_stays_on_the_site_and_never_breaks_the_answer, |st: AppState| async move {
    with_admin(&st).await;
    let srv = serve(st.clone()).await;
    for (next, expected) in [
        ("/users/5/cameras?sort=name", "/users/5/cameras?sort=name"),
        ("/\t/evil.example", "/users"),
        ("/\n", "/users"),
        ("/\r\nSet-Cookie: x=1", "/users"),
        ("//evil.example", "/users"),
        ("/\\evil.example", "/users"),
        ("https://evil.example/", "/users"),
        ("/caf\u{e9}", "/users"),
    ] {
        // A plain form post (no JavaScript): the answer is a real redirect.
        let r = srv
            .client
            .post(format!("{}/api/login", srv.base))
            .header("accept", "text/html")
            .form(&[("login", "admin"), ("password", ADMIN_PW), ("next", next)])
            .send()
            .await
            .unwrap_or_else(|e| panic!("next={next:?}: no answer ({e})"));
        assert_eq!(r.status(), 302, "next={next:?}");
        assert_eq!(r.headers()["location"], expected, "next={next:?}");
    }
});
