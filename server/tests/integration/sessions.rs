//! Sessions that must not outlive or outgrow what granted them (issue 13,
//! items 6, 7, 9 and 10): a Login as User session stays within its
//! administrator's permission and camera scope on every request and leaves
//! nothing that outlasts it; two users are never open in one browser's web
//! client; a billing password reset ends the user's sessions; the client's
//! live stream is checked again while open and capped per user.

use crate::both;
use crate::client::{call, client_cookie, json, user, wait_for_event};
use crate::security::{get, impersonated, location};
use crate::support::*;
use app::backend::entities::client_sessions;
use app::backend::AppState;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

fn s(v: impl ToString) -> String {
    v.to_string()
}

async fn count(st: &AppState, sql: &str) -> i64 {
    scalar_i64(&st.db, sql).await
}

const MANAGER: [&str; 6] = [
    "cameras-view",
    "users-index",
    "users-store",
    "users-update",
    "users-destroy",
    "users-change-password",
];

both!(impersonation_stays_within_its_administrator, |st: AppState| async move {
    let (north, _) = location(&st, None, "city", "North").await;
    let (south, _) = location(&st, None, "city", "South").await;
    let mut perms = MANAGER.to_vec();
    perms.push("analytic");
    let alice = user(&st, "alice", "active", None, &perms, false).await;
    let helper = user(&st, "alice-helper", "active", Some(alice), &["cameras-view"], false).await;
    crate::security::camera(&st, alice, "North porch", north).await;
    crate::security::camera(&st, alice, "South yard", south).await;
    // Only what Login as User needs, scoped to the north.
    let (admin_id, admin) = admin_session(&st, "support", false, &["users.view", "users.impersonate"], &[north]).await;
    let srv = serve(st.clone()).await;
    let imp = impersonated(&srv, &admin, alice).await;
    let own = client_cookie(&st, alice).await;

    // Cameras outside the administrator's scope are not shown, in the web
    // client, the apps' API and the case form; the user's own session sees both.
    let names = |v: &serde_json::Value, key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let q = [("query[last]", s("false"))];
    assert_eq!(
        names(&json(call(&srv, "client/cameras", &imp, &q).await).await, "rows"),
        ["North porch"]
    );
    assert_eq!(names(&json(call(&srv, "client/cameras", &own, &q).await).await, "rows").len(), 2);
    let api = |cookie: String| {
        let srv = &srv;
        async move {
            let r = srv
                .client
                .get(format!("{}/api/client/v1/cameras", srv.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            json(r).await
        }
    };
    assert_eq!(names(&api(imp.clone()).await, "cameras"), ["North porch"]);
    assert_eq!(names(&api(own.clone()).await, "cameras").len(), 2);
    assert_eq!(
        names(&json(call(&srv, "client/case-options", &imp, &[]).await).await, "cameras"),
        ["North porch"]
    );

    // Nothing that outlasts the session: no new sub user, no password, no
    // permission edit (those go through the console, with subusers.edit and
    // the version precondition).
    let r = call(
        &srv,
        "client/sub-users/create",
        &imp,
        &[
            ("login", s("backdoor")),
            ("name", s("Backdoor")),
            ("password", s("known-password-1")),
            ("permissions[0]", s("cameras-view")),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'backdoor'").await, 0);
    let r = call(
        &srv,
        "client/sub-users/password",
        &imp,
        &[("sub_user_id", s(helper)), ("password", s("known-password-1"))],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        scalar_string(&st, &format!("SELECT password_hash FROM users WHERE id = {helper}")).await,
        "not-a-hash"
    );
    let r = call(
        &srv,
        "client/sub-users/permissions",
        &imp,
        &[("sub_user_id", s(helper)), ("permissions[0]", s("analytic"))],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {helper}")).await,
        1
    );
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'client.sub_user.%'").await,
        0
    );
    // The user's own session still manages its sub users.
    let r = call(
        &srv,
        "client/sub-users/permissions",
        &own,
        &[("sub_user_id", s(helper)), ("permissions[0]", s("analytic"))],
    )
    .await;
    assert_eq!(r.status(), 200);

    // Checked on every request: revoking users.impersonate, or the scope,
    // stops the open session at once (it comes back with them: nothing but
    // the check changed).
    let whoami = || call(&srv, "client/whoami", &imp, &[]);
    assert_eq!(whoami().await.status(), 200);
    st.db
        .execute_unprepared(&format!(
            "DELETE FROM admin_permissions WHERE admin_id = {admin_id} AND slug = 'users.impersonate'"
        ))
        .await
        .unwrap();
    assert_eq!(whoami().await.status(), 401);
    st.db
        .execute_unprepared(&format!(
            "INSERT INTO admin_permissions (admin_id, slug) VALUES ({admin_id}, 'users.impersonate')"
        ))
        .await
        .unwrap();
    assert_eq!(whoami().await.status(), 200);
    st.db
        .execute_unprepared(&format!(
            "UPDATE admin_scopes SET location_id = {south} WHERE admin_id = {admin_id}"
        ))
        .await
        .unwrap();
    // Alice has a camera in the south too: still visible, and now only that one.
    assert_eq!(
        names(&json(call(&srv, "client/cameras", &imp, &q).await).await, "rows"),
        ["South yard"]
    );
    st.db
        .execute_unprepared(&format!("DELETE FROM admin_scopes WHERE admin_id = {admin_id}"))
        .await
        .unwrap();
    assert_eq!(whoami().await.status(), 401);
    assert_eq!(call(&srv, "client/whoami", &own, &[]).await.status(), 200);
});

async fn scalar_string(st: &AppState, sql: &str) -> String {
    let row = st
        .db
        .query_one_raw(sea_orm::Statement::from_string(st.db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// A Login as User link for `user`, made by the administrator of `admin`.
async fn ticket(srv: &TestServer, admin: &str, user: i64) -> String {
    let r = call(srv, "impersonate", admin, &[("user_id", s(user))]).await;
    assert_eq!(r.status(), 200);
    json(r).await.as_str().unwrap().to_string()
}

both!(one_user_per_browser_web_client, |st: AppState| async move {
    let alice = user(&st, "alice", "active", None, &["cameras-view"], false).await;
    let bob = user(&st, "bob", "active", None, &["cameras-view"], false).await;
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let srv = serve(st.clone()).await;
    let tab_a = impersonated(&srv, &root, alice).await;
    let whoami = |cookie: String| {
        let srv = &srv;
        async move {
            let r = call(srv, "client/whoami", &cookie, &[]).await;
            (
                r.status().as_u16(),
                if r.status() == 200 { json(r).await["id"].as_i64() } else { None },
            )
        }
    };
    assert_eq!(whoami(tab_a.clone()).await, (200, Some(alice)));

    // Opening Bob in the same browser (its cookie jar holds Alice's session)
    // is refused: Alice's tab would otherwise act on Bob's account.
    let url = ticket(&srv, &root, bob).await;
    let browser = format!("{root}; {tab_a}");
    let r = get(&srv, &url, &browser).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.headers.get("set-cookie").is_none());
    assert!(r.body.contains("User alice") && r.body.contains("End session"), "{}", r.body);
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM impersonation_tickets WHERE used_at IS NULL").await,
        1
    );
    assert_eq!(whoami(tab_a.clone()).await, (200, Some(alice)));

    // Once Alice's session is ended (End session in her tab), Bob opens.
    let r = call(&srv, "client/logout", &tab_a, &[]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let r = get(&srv, &url, &browser).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let tab_b = r.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert_eq!(whoami(tab_b.clone()).await, (200, Some(bob)));
    // The cookie outlives the 30-minute session…
    let set = r.headers["set-cookie"].to_str().unwrap();
    assert!(set.contains(&format!("Max-Age={}", 12 * 3600)), "{set}");

    // …so that an expired session, whose tab may still be open, blocks a
    // second user too: that tab's next action fails instead of acting on
    // the other account.
    st.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(whoami(tab_b.clone()).await.0, 401);
    let (_, root2) = admin_session(&st, "root-2", true, &[], &[]).await;
    let url = ticket(&srv, &root2, alice).await;
    let browser = format!("{root2}; {tab_b}");
    assert_eq!(get(&srv, &url, &browser).await.status, 409);
    // Nor does the sign-in form switch a Login as User tab to another account.
    let r = call(
        &srv,
        "client/login",
        &tab_b,
        &[("login", s("alice")), ("password", s("whatever-1"))],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(r.headers().get("set-cookie").is_none());
    // The same user again is no re-targeting: allowed.
    let url = ticket(&srv, &root2, bob).await;
    assert_eq!(get(&srv, &url, &browser).await.status, 303);
});

/// Stores and applies one billing event, as the webhook does after the
/// signature check.
pub async fn billing_event(st: &AppState, id: &str, ty: &str, data: serde_json::Value) -> app::backend::services::billing::Answer {
    let body = serde_json::json!({ "id": id, "type": ty, "occurred_at": "2026-11-26T10:00:00Z", "data": data }).to_string();
    let incoming = app::backend::services::billing::parse::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{}", e.message));
    app::backend::services::billing::receive(st, incoming).await.unwrap()
}

both!(billing_password_reset_ends_sessions, |st: AppState| async move {
    let a = billing_event(
        &st,
        "pw-1",
        "billing.new_entity",
        serde_json::json!({ "account": "A-9", "login": "dora", "password": "first-pw-1", "name": "Dora" }),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let dora = count(&st, "SELECT id FROM users WHERE account = 'A-9'").await;
    let sub = user(&st, "dora-sub", "active", Some(dora), &["cameras-view"], false).await;
    let (web, app_token, sub_c) = (
        client_cookie(&st, dora).await,
        client_cookie(&st, dora).await,
        client_cookie(&st, sub).await,
    );
    let srv = serve(st.clone()).await;
    assert_eq!(call(&srv, "client/whoami", &web, &[]).await.status(), 200);

    let a = billing_event(
        &st,
        "pw-2",
        "billing.update_password",
        serde_json::json!({ "account": "A-9", "password": "second-pw-2" }),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert!(
        a.body["detail"].as_str().unwrap().contains("2 client session(s) ended"),
        "{}",
        a.body
    );
    // The web client and the app (bearer token) are both signed out…
    assert_eq!(call(&srv, "client/whoami", &web, &[]).await.status(), 401);
    let bearer = app_token.split_once('=').unwrap().1.to_string();
    let r = srv
        .client
        .get(format!("{}/api/client/v1/cameras", srv.base))
        .header("authorization", format!("Bearer {bearer}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // …and nobody else is: the sub user's password did not change.
    assert_eq!(call(&srv, "client/whoami", &sub_c, &[]).await.status(), 200);
});

/// Everything a stream sends until it ends (`true`) or `secs` pass.
async fn until_end(mut res: reqwest::Response, secs: u64) -> (String, bool) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => return (text, true),
            Err(_) => return (text, false),
        }
        if text.contains("event: sync") {
            return (text, false);
        }
    }
}

both!(client_stream_checked_again_and_capped, |st: AppState| async move {
    let alice = user(&st, "alice", "active", None, &["cameras-view"], false).await;
    let subs = [
        user(&st, "signs-out", "active", Some(alice), &["cameras-view"], false).await,
        user(&st, "expires", "active", Some(alice), &["cameras-view"], false).await,
        user(&st, "terminated", "active", Some(alice), &["cameras-view"], false).await,
    ];
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let srv = serve(st.clone()).await;
    let open = |cookie: String| {
        let srv = &srv;
        async move {
            let mut r = srv
                .client
                .get(format!("{}/api/client/v1/events", srv.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            wait_for_event(&mut r, "event: ready", 5).await;
            r
        }
    };
    let alice_c = client_cookie(&st, alice).await;
    let cookies = [
        client_cookie(&st, subs[0]).await,
        client_cookie(&st, subs[1]).await,
        client_cookie(&st, subs[2]).await,
    ];
    let stays = open(alice_c.clone()).await;
    let mut ending = vec![];
    for c in &cookies {
        ending.push(open(c.clone()).await);
    }
    // Sign-out, expiry, termination.
    assert!(call(&srv, "client/logout", &cookies[0], &[]).await.status().as_u16() < 400);
    client_sessions::Entity::update_many()
        .col_expr(
            client_sessions::Column::ExpiresAt,
            Expr::value(st.clock.now() - chrono::Duration::minutes(1)),
        )
        .filter(client_sessions::Column::UserId.eq(subs[1]))
        .exec(&st.db)
        .await
        .unwrap();
    st.db
        .execute_unprepared(&format!("UPDATE users SET status = 'terminated' WHERE id = {}", subs[2]))
        .await
        .unwrap();
    // A sync reaches all four users; only the live session hears it.
    assert_eq!(call(&srv, "sync-cameras", &root, &[("user_id", s(alice))]).await.status(), 200);
    for (res, who) in ending.into_iter().zip(["signed out", "expired", "terminated"]) {
        let (text, ended) = until_end(res, 10).await;
        assert!(ended && !text.contains("event: sync"), "{who}: ended {ended}, got {text:?}");
    }
    let (text, ended) = until_end(stays, 10).await;
    assert!(!ended && text.contains("event: sync"), "live: ended {ended}, got {text:?}");

    // At most MAX_STREAMS_PER_USER open streams per user; others unaffected.
    let bob = user(&st, "bob", "active", None, &["cameras-view"], false).await;
    let bob_c = client_cookie(&st, bob).await;
    let mut held = vec![];
    for _ in 0..server::apps_api::MAX_STREAMS_PER_USER {
        held.push(open(bob_c.clone()).await);
    }
    let r = srv
        .client
        .get(format!("{}/api/client/v1/events", srv.base))
        .header("cookie", &bob_c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let _alice_again = open(alice_c).await;
});
