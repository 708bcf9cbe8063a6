//! The foundation: migrations, demo data, health, sign-in, sessions and the
//! users list with camera scope.

use crate::both;
use crate::support::*;
use app::backend::AppState;

both!(demo_data_covers_the_model, |st: AppState| async move {
    demo(&st).await;
    let db = &st.db;
    assert_eq!(scalar_i64(db, "SELECT COUNT(*) FROM users").await, 60);
    for kind in ["billing", "admin", "sub"] {
        assert!(
            scalar_i64(db, &format!("SELECT COUNT(*) FROM users WHERE kind = '{kind}'")).await > 0,
            "{kind}"
        );
    }
    for status in ["active", "partially_active", "inactive", "empty"] {
        assert!(
            scalar_i64(db, &format!("SELECT COUNT(*) FROM cameras WHERE status = '{status}'")).await > 0,
            "{status}"
        );
    }
    assert!(scalar_i64(db, "SELECT COUNT(DISTINCT event_type) FROM billing_events").await >= 10);
    assert!(scalar_i64(db, "SELECT COUNT(*) FROM intercom_keys").await > 0);
    assert!(scalar_i64(db, "SELECT COUNT(*) FROM case_events").await > 0);
    // Inserting after generated ids works (sequences moved on PostgreSQL).
    db_insert_user(&st).await;
});

async fn db_insert_user(st: &AppState) {
    use app::backend::entities::users;
    use sea_orm::{EntityTrait, Set};
    let now = st.clock.now();
    users::Entity::insert(users::ActiveModel {
        kind: Set("admin".into()),
        status: Set("active".into()),
        login: Set("fresh-user".into()),
        password_hash: Set("x".into()),
        name: Set("Fresh".into()),
        properties: Set("{}".into()),
        sync_version: Set(0),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap();
}

both!(health_and_sign_in, |st: AppState| async move {
    app::backend::seed::ensure_super_admin(&st.db, "correct-horse", st.clock.now())
        .await
        .unwrap();
    let srv = serve(st).await;
    let r = srv.client.get(format!("{}/healthz", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // Wrong password: 422 naming the field; no cookie.
    let r = srv
        .client
        .post(format!("{}/api/login", srv.base))
        .form(&[("login", "admin"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("password"));

    // Right password: an HttpOnly, SameSite=Strict session cookie.
    let r = srv
        .client
        .post(format!("{}/api/login", srv.base))
        .header("accept", "application/json")
        .form(&[("login", "admin"), ("password", "correct-horse")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let r = srv
        .client
        .post(format!("{}/api/me", srv.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("\"login\":\"admin\""));

    // Without a session: 401.
    let r = srv.client.post(format!("{}/api/me", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Cross-site posts are refused before reaching the function.
    let r = srv
        .client
        .post(format!("{}/api/me", srv.base))
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
        let r = srv
            .client
            .post(format!("{}/api/login", srv.base))
            .form(&[("login", "admin"), ("password", "bad")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
    }
    // Even the right password is refused while the limit holds.
    let r = srv
        .client
        .post(format!("{}/api/login", srv.base))
        .form(&[("login", "admin"), ("password", "correct-horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
});

both!(users_list_respects_scope, |st: AppState| async move {
    demo(&st).await;
    // Scope: the first city only.
    let city: i64 = scalar_i64(&st.db, "SELECT MIN(id) FROM locations WHERE kind = 'city'").await;
    let (_, limited) = admin_session(&st, "limited", false, &["users.view"], &[city]).await;
    let (_, superadmin) = admin_session(&st, "root", true, &[], &[]).await;
    let (_, nothing) = admin_session(&st, "noperm", false, &[], &[city]).await;
    let srv = serve(st.clone()).await;
    let list = |cookie: String, q: &'static str| {
        let srv = &srv;
        async move {
            srv.client
                .post(format!("{}/api/users/list", srv.base))
                .header("cookie", cookie)
                .body(q)
                .header("content-type", "application/x-www-form-urlencoded")
                .send()
                .await
                .unwrap()
        }
    };
    let r = list(nothing.clone(), "query[sort]=id").await;
    assert_eq!(r.status(), 403);
    let all: serde_json::Value = list(superadmin.clone(), "query[sort]=id&query[dir]=asc")
        .await
        .json()
        .await
        .unwrap();
    let mine: serde_json::Value = list(limited.clone(), "query[sort]=id&query[dir]=asc").await.json().await.unwrap();
    let ids = |v: &serde_json::Value| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
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
        assert_eq!(scalar_i64(&st.db, &in_scope(id)).await, 1, "user {id} is out of scope");
    }
    assert!(ids(&mine).len() < ids(&all).len() || ids(&all) != ids(&mine));

    // Paging forward then to the last page and back reproduces pages.
    let next = all["next"].as_str().unwrap().to_string();
    let p2: serde_json::Value = srv
        .client
        .post(format!("{}/api/users/list", srv.base))
        .header("cookie", &superadmin)
        .form(&[("query[sort]", "id"), ("query[dir]", "asc"), ("query[after]", next.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&p2)[0], ids(&all)[24] + 1);
    let last: serde_json::Value = list(superadmin.clone(), "query[sort]=id&query[dir]=asc&query[last]=true")
        .await
        .json()
        .await
        .unwrap();
    let max = scalar_i64(&st.db, "SELECT MAX(id) FROM users").await;
    assert_eq!(*ids(&last).last().unwrap(), max);
    assert!(last["next"].is_null() && last["prev"].is_string());

    // Bad input names the field.
    let r = list(superadmin.clone(), "query[sort]=password_hash").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("sort"));
});

// Pages and server-function answers are compressed with what the browser
// accepts (brotli preferred), and sent plain to a client that accepts none.
both!(responses_are_compressed_as_negotiated, |st: AppState| async move {
    let srv = serve(st).await;
    for (accept, expect) in [("br, gzip", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
        let r = srv
            .client
            .get(format!("{}/login", srv.base))
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
