//! The foundation: migrations, demo data, health, sign-in, sessions and the
//! users list with camera scope.

use crate::both;
use crate::support::*;
use app::backend::AppState;

both!(demo_data_covers_the_model, |st: AppState| async move {
    demo(&st).await;
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users").await, 60);
    for kind in ["billing", "admin", "sub"] {
        assert!(
            count(&st, format!("SELECT COUNT(*) FROM users WHERE kind = '{kind}'")).await > 0,
            "{kind}"
        );
    }
    for status in ["active", "partially_active", "inactive", "empty"] {
        assert!(
            count(&st, format!("SELECT COUNT(*) FROM cameras WHERE status = '{status}'")).await > 0,
            "{status}"
        );
    }
    assert!(count(&st, "SELECT COUNT(DISTINCT event_type) FROM billing_events").await >= 10);
    assert!(count(&st, "SELECT COUNT(*) FROM intercom_keys").await > 0);
    assert!(count(&st, "SELECT COUNT(*) FROM case_events").await > 0);
    // Inserting after generated ids works (sequences moved on PostgreSQL).
    user(&st, "fresh-user").await;
});

both!(health_and_sign_in, |st: AppState| async move {
    app::backend::seed::ensure_super_admin(&st.db, "correct-horse", st.clock.now())
        .await
        .unwrap();
    let srv = serve(st).await;
    assert_eq!(srv.get("/healthz", "").await.status, 200);

    // Wrong password: 422 naming the field; no cookie.
    let r = srv.post_fn("login", "", &[("login", "admin"), ("password", "nope")]).await;
    assert_eq!(r.status, 422);
    assert!(!r.sets_cookie());
    assert!(r.body.contains("password"));

    // Right password: an HttpOnly, SameSite=Strict session cookie.
    let r = srv.post_fn("login", "", &[("login", "admin"), ("password", "correct-horse")]).await;
    assert!(r.ok(), "{}", r.status);
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = r.cookie();
    let r = srv.post_fn("me", &session, "").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("\"login\":\"admin\""));

    // Without a session: 401.
    assert_eq!(srv.post_fn("me", "", "").await.status, 401);

    // Cross-site posts are refused before reaching the function.
    let r = srv
        .client
        .post(srv.url("/api/me"))
        .header("cookie", &session)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
});

both!(sign_in_is_rate_limited, |st: AppState| async move {
    app::backend::seed::ensure_super_admin(&st.db, "correct-horse", st.clock.now())
        .await
        .unwrap();
    let srv = serve(st).await;
    for _ in 0..5 {
        let r = srv.post_fn("login", "", &[("login", "admin"), ("password", "bad")]).await;
        assert_eq!(r.status, 422);
    }
    // Even the right password is refused while the limit holds.
    let r = srv.post_fn("login", "", &[("login", "admin"), ("password", "correct-horse")]).await;
    assert_eq!(r.status, 429);
});

both!(users_list_respects_scope, |st: AppState| async move {
    demo(&st).await;
    // Scope: the first city only.
    let city: i64 = count(&st, "SELECT MIN(id) FROM locations WHERE kind = 'city'").await;
    let (_, limited) = admin_session(&st, "limited").perms(&["users.view"]).scope(&[city]).await;
    let (_, superadmin) = admin_session(&st, "root").super_admin().await;
    let (_, nothing) = admin_session(&st, "noperm").scope(&[city]).await;
    let srv = serve(st.clone()).await;
    let list = |cookie: &str, q: &str| {
        let (srv, cookie, q) = (&srv, cookie.to_string(), format!("query[sort]=id&query[dir]=asc{q}"));
        async move { srv.call_fn("users/list", &cookie, &q).await }
    };
    assert_eq!(list(&nothing, "").await.0, 403);
    let (_, all) = list(&superadmin, "").await;
    let (_, mine) = list(&limited, "").await;
    let ids = |v: &serde_json::Value| column::<i64>(&v["rows"], "id");
    assert_eq!(ids(&all).len(), 25);
    // Every user the limited admin sees is in its city (via cameras or locations).
    let in_scope = |id: i64| {
        format!(
            "SELECT COUNT(*) FROM users u WHERE u.id = {id} AND EXISTS (SELECT 1 FROM user_locations ul JOIN locations l ON l.id = ul.location_id \
             WHERE ul.user_id = COALESCE(u.parent_id, u.id) AND l.path LIKE '/{city}/%' UNION ALL SELECT 1 FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
             JOIN locations l ON l.id = c.location_id WHERE uc.user_id = COALESCE(u.parent_id, u.id) AND l.path LIKE '/{city}/%')"
        )
    };
    assert!(!ids(&mine).is_empty());
    for id in ids(&mine) {
        assert_eq!(count(&st, in_scope(id)).await, 1, "user {id} is out of scope");
    }
    assert!(ids(&mine).len() < ids(&all).len() || ids(&all) != ids(&mine));

    // Paging forward then to the last page and back reproduces pages.
    let next = all["next"].as_str().unwrap().to_string();
    let (_, p2) = list(&superadmin, &format!("&query[after]={next}")).await;
    assert_eq!(ids(&p2)[0], ids(&all)[24] + 1);
    let (_, last) = list(&superadmin, "&query[last]=true").await;
    let max = count(&st, "SELECT MAX(id) FROM users").await;
    assert_eq!(*ids(&last).last().unwrap(), max);
    assert!(last["next"].is_null() && last["prev"].is_string());

    // Bad input names the field.
    let (status, body) = srv.call_fn("users/list", &superadmin, "query[sort]=password_hash").await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("sort"));
});

// Pages and server-function answers are compressed with what the browser
// accepts (brotli preferred), and sent plain to a client that accepts none.
both!(responses_are_compressed_as_negotiated, |st: AppState| async move {
    let srv = serve(st).await;
    for (accept, expect) in [("br, gzip", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
        let r = srv
            .client
            .get(srv.url("/login"))
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let encoding = r
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        assert_eq!(encoding.as_deref(), expect, "{accept}");
        let body = r.bytes().await.unwrap();
        if expect.is_none() {
            assert!(String::from_utf8_lossy(&body).contains("<html"), "a plain page");
        } else {
            assert!(
                !String::from_utf8_lossy(&body).contains("<html"),
                "{accept}: the body is compressed"
            );
        }
    }
});

/// Migration 4 fills the address of the locations already there: a tree
/// written under migration 3, then the rest of the migrations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_locations_get_their_address() {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(url) = fresh_url(backend).await else { continue };
        let url = if url.starts_with("sqlite:") {
            format!("{url}?mode=rwc")
        } else {
            url
        };
        let db = sea_orm::Database::connect(&url).await.unwrap();
        Migrator::up(&db, Some(3)).await.unwrap();
        // A city, a street under it, a house, an entrance, and a second
        // city: paths as billing writes them.
        db.execute_unprepared(
            "INSERT INTO locations (id, parent_id, kind, name, path, created_at) VALUES \
             (1, NULL, 'city', 'Samara', '/1/', '2026-01-01T00:00:00Z'), \
             (2, 1, 'street', 'Lenina St', '/1/2/', '2026-01-01T00:00:00Z'), \
             (3, 2, 'house', '4', '/1/2/3/', '2026-01-01T00:00:00Z'), \
             (4, 3, 'entrance', 'Entrance 2', '/1/2/3/4/', '2026-01-01T00:00:00Z'), \
             (5, NULL, 'city', 'Moscow', '/5/', '2026-01-01T00:00:00Z')",
        )
        .await
        .unwrap();
        Migrator::up(&db, None).await.unwrap();
        let st = AppState::new(db, app::backend::clock::Clock::system());
        assert_eq!(
            strings(&st, "SELECT address FROM locations ORDER BY id").await,
            [
                "Samara",
                "Samara, Lenina St",
                "Samara, Lenina St, 4",
                "Samara, Lenina St, 4, Entrance 2",
                "Moscow"
            ],
            "{backend:?}"
        );
    }
}

// A scoped administrator's list, walked page by page both ways, is exactly
// the users in its scope in the list's order: for a broad scope (a city,
// filled from the next users checked one by one on PostgreSQL) and for a
// narrow one (an entrance, where that window falls short of a page).
both!(scoped_users_list_pages_are_the_scope, |st: AppState| async move {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(700), |_, _, _| {})
        .await
        .unwrap();
    let city: i64 = count(&st, "SELECT MIN(id) FROM locations WHERE kind = 'city'").await;
    let entrance: i64 = count(
        &st,
        "SELECT MIN(ul.location_id) FROM user_locations ul JOIN locations l ON l.id = ul.location_id WHERE l.kind = 'entrance'",
    )
    .await;
    let srv = serve(st.clone()).await;
    for place in [city, entrance] {
        let path = scalar(&st, format!("SELECT path FROM locations WHERE id = {place}")).await;
        let (_, cookie) = admin_session(&st, &format!("scoped-{place}"))
            .perms(&["users.view"])
            .scope(&[place])
            .await;
        let expected: Vec<i64> = strings(
            &st,
            format!(
                "SELECT CAST(u.id AS TEXT) FROM users u WHERE EXISTS (SELECT 1 FROM user_locations ul JOIN locations l ON l.id = ul.location_id \
                 WHERE ul.user_id = COALESCE(u.parent_id, u.id) AND l.path LIKE '{path}%' UNION ALL SELECT 1 FROM user_cameras uc \
                 JOIN cameras c ON c.id = uc.camera_id JOIN locations l ON l.id = c.location_id \
                 WHERE uc.user_id = COALESCE(u.parent_id, u.id) AND l.path LIKE '{path}%') ORDER BY u.created_at DESC, u.id DESC"
            ),
        )
        .await
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        assert!(!expected.is_empty(), "{path}");
        // Forward from the first page, then backward from the last.
        let seen: Vec<i64> = walk(&srv, &cookie, "", "next", "after").await.into_iter().flatten().collect();
        assert_eq!(seen, expected, "forward, scope {path}");
        let back: Vec<i64> = walk(&srv, &cookie, "&query[last]=true", "prev", "before")
            .await
            .into_iter()
            .rev()
            .flatten()
            .collect();
        assert_eq!(back, expected, "backward, scope {path}");
    }
    // On PostgreSQL the city's first page comes from the window alone; the
    // entrance's window falls short and the whole query runs after it: one
    // statement more.
    if st.backend() == sea_orm::DbBackend::Postgres {
        let mut used = vec![];
        for place in [city, entrance] {
            let (_, cookie) = admin_session(&st, &format!("counted-{place}"))
                .perms(&["users.view"])
                .scope(&[place])
                .await;
            let before = st.statements.load(std::sync::atomic::Ordering::Relaxed);
            let (status, _) = srv.call_fn("users/list", &cookie, "query[sort]=created").await;
            assert_eq!(status, 200);
            used.push(st.statements.load(std::sync::atomic::Ordering::Relaxed) - before);
        }
        assert_eq!(used[1], used[0] + 1, "statements (city, entrance): {used:?}");
    }
});

/// The ids of each page of the users list (newest first), from the page
/// `start` names, following the answer's `link` cursor as `param`.
async fn walk(srv: &TestServer, cookie: &str, start: &str, link: &str, param: &str) -> Vec<Vec<i64>> {
    let (mut pages, mut q) = (vec![], format!("query[sort]=created{start}"));
    loop {
        let (status, page) = srv.call_fn("users/list", cookie, &q).await;
        assert_eq!(status, 200, "{page}");
        pages.push(column::<i64>(&page["rows"], "id"));
        match page[link].as_str() {
            Some(cursor) => q = format!("query[sort]=created&query[{param}]={cursor}"),
            None => return pages,
        }
    }
}
