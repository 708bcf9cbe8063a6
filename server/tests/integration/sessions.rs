//! Sessions that must not outlive or outgrow what granted them (issue 13,
//! items 6, 7, 9 and 10): a Login as User session stays within its
//! administrator's permission and camera scope on every request and leaves
//! nothing that outlasts it; two users are never open in one browser's web
//! client; a billing password reset ends the user's sessions; the client's
//! live stream is checked again while open and capped per user.

use crate::both;
use crate::support::*;
use app::backend::entities::client_sessions::{self, Column::*};
use app::backend::AppState;
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

const MANAGER: [&str; 7] = [
    "cameras-view",
    "users-index",
    "users-store",
    "users-update",
    "users-destroy",
    "users-change-password",
    "analytic",
];

both!(impersonation_stays_within_its_administrator, |st: AppState| async move {
    let (north, _) = location(&st, None, "city", "North").await;
    let (south, _) = location(&st, None, "city", "South").await;
    let alice = user(&st, "alice").perms(&MANAGER).await;
    let helper = user(&st, "alice-helper").sub_of(alice).perms(&["cameras-view"]).await;
    camera(&st, alice, "North porch", Some(north)).await;
    camera(&st, alice, "South yard", Some(south)).await;
    // Only what Login as User needs, scoped to the north.
    let (admin_id, admin) = admin_session(&st, "support")
        .perms(&["users.view", "users.impersonate"])
        .scope(&[north])
        .await;
    let srv = serve(st.clone()).await;
    let imp = srv.impersonated(&admin, alice).await;
    let own = client_cookie(&st, alice).await;

    // Cameras outside the administrator's scope are not shown, in the web
    // client, the apps' API and the case form; the user's own session sees both.
    let names = |v: serde_json::Value, key: &str| column::<String>(&v[key], "name");
    let cameras = |cookie: &str| {
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { names(srv.post_fn("client/cameras", &cookie, "query[last]=false").await.json(), "rows") }
    };
    assert_eq!(cameras(&imp).await, ["North porch"]);
    assert_eq!(cameras(&own).await.len(), 2);
    assert_eq!(
        names(srv.app_get("/api/client/v1/cameras", &imp).await.json(), "cameras"),
        ["North porch"]
    );
    assert_eq!(names(srv.app_get("/api/client/v1/cameras", &own).await.json(), "cameras").len(), 2);
    let options = srv.post_fn("client/case-options", &imp, "").await.json();
    assert_eq!(names(options, "cameras"), ["North porch"]);

    // Nothing that outlasts the session: no new sub user, no password, no
    // permission edit (those go through the console, with subusers.edit and
    // the version precondition).
    let backdoor = "login=backdoor&name=Backdoor&password=known-password-1&permissions[0]=cameras-view";
    assert_eq!(srv.post_fn("client/sub-users/create", &imp, backdoor).await.status, 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'backdoor'").await, 0);
    let password = format!("sub_user_id={helper}&password=known-password-1");
    assert_eq!(srv.post_fn("client/sub-users/password", &imp, &password).await.status, 403);
    let hash = scalar(&st, format!("SELECT password_hash FROM users WHERE id = {helper}")).await;
    assert_eq!(hash, "not-a-hash");
    let grant = format!("sub_user_id={helper}&permissions[0]=analytic");
    assert_eq!(srv.post_fn("client/sub-users/permissions", &imp, &grant).await.status, 403);
    assert_eq!(perms_of(&st, helper).await, ["cameras-view"]);
    let sub_user_audits = "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'client.sub_user.%'";
    assert_eq!(count(&st, sub_user_audits).await, 0);
    // The user's own session still manages its sub users.
    assert_eq!(srv.post_fn("client/sub-users/permissions", &own, &grant).await.status, 200);

    // Checked on every request: revoking users.impersonate, or the scope,
    // stops the open session at once (it comes back with them: nothing but
    // the check changed).
    let whoami = || async { srv.post_fn("client/whoami", &imp, "").await.status };
    assert_eq!(whoami().await, 200);
    exec(
        &st,
        format!("DELETE FROM admin_permissions WHERE admin_id = {admin_id} AND slug = 'users.impersonate'"),
    )
    .await;
    assert_eq!(whoami().await, 401);
    exec(
        &st,
        format!("INSERT INTO admin_permissions (admin_id, slug) VALUES ({admin_id}, 'users.impersonate')"),
    )
    .await;
    assert_eq!(whoami().await, 200);
    exec(
        &st,
        format!("UPDATE admin_scopes SET location_id = {south} WHERE admin_id = {admin_id}"),
    )
    .await;
    // Alice has a camera in the south too: still visible, and now only that one.
    assert_eq!(cameras(&imp).await, ["South yard"]);
    exec(&st, format!("DELETE FROM admin_scopes WHERE admin_id = {admin_id}")).await;
    assert_eq!(whoami().await, 401);
    assert_eq!(srv.post_fn("client/whoami", &own, "").await.status, 200);
});

both!(one_user_per_browser_web_client, |st: AppState| async move {
    let alice = user(&st, "alice").perms(&["cameras-view"]).await;
    let bob = user(&st, "bob").perms(&["cameras-view"]).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;
    let tab_a = srv.impersonated(&root, alice).await;
    let whoami = |cookie: String| {
        let srv = &srv;
        async move {
            let r = srv.post_fn("client/whoami", &cookie, "").await;
            (r.status, if r.status == 200 { r.json()["id"].as_i64() } else { None })
        }
    };
    assert_eq!(whoami(tab_a.clone()).await, (200, Some(alice)));

    // Opening Bob in the same browser (its cookie jar holds Alice's session)
    // is refused: Alice's tab would otherwise act on Bob's account.
    let url = srv.ticket(&root, bob).await;
    let browser = format!("{root}; {tab_a}");
    let r = srv.get(&url, &browser).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(!r.sets_cookie());
    assert!(r.body.contains("User alice") && r.body.contains("End session"), "{}", r.body);
    let unspent = "SELECT COUNT(*) FROM impersonation_tickets WHERE used_at IS NULL";
    assert_eq!(count(&st, unspent).await, 1);
    assert_eq!(whoami(tab_a.clone()).await, (200, Some(alice)));

    // Once Alice's session is ended (End session in her tab), Bob opens.
    assert!(srv.post_fn("client/logout", &tab_a, "").await.ok());
    let r = srv.get(&url, &browser).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let tab_b = r.cookie();
    assert_eq!(whoami(tab_b.clone()).await, (200, Some(bob)));
    // The cookie outlives the 30-minute session…
    let set = r.headers["set-cookie"].to_str().unwrap();
    assert!(set.contains(&format!("Max-Age={}", 12 * 3600)), "{set}");

    // …so that an expired session, whose tab may still be open, blocks a
    // second user too: that tab's next action fails instead of acting on
    // the other account.
    st.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(whoami(tab_b.clone()).await.0, 401);
    let (_, root2) = admin_session(&st, "root-2").super_admin().await;
    let url = srv.ticket(&root2, alice).await;
    let browser = format!("{root2}; {tab_b}");
    assert_eq!(srv.get(&url, &browser).await.status, 409);
    // Nor does the sign-in form switch a Login as User tab to another account.
    let r = srv.post_fn("client/login", &tab_b, "login=alice&password=whatever-1").await;
    assert_eq!(r.status, 409);
    assert!(!r.sets_cookie());
    // The same user again is no re-targeting: allowed.
    let url = srv.ticket(&root2, bob).await;
    assert_eq!(srv.get(&url, &browser).await.status, 303);
});

both!(billing_password_reset_ends_sessions, |st: AppState| async move {
    let data = serde_json::json!({ "account": "A-9", "login": "dora", "password": "first-pw-1", "name": "Dora" });
    let a = billing_event(&st, "pw-1", "billing.new_entity", data).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let dora = account(&st, "A-9").await;
    let sub = user(&st, "dora-sub").sub_of(dora).perms(&["cameras-view"]).await;
    let (web, app_token, sub_c) = (
        client_cookie(&st, dora).await,
        client_cookie(&st, dora).await,
        client_cookie(&st, sub).await,
    );
    let srv = serve(st.clone()).await;
    assert_eq!(srv.post_fn("client/whoami", &web, "").await.status, 200);

    let data = serde_json::json!({ "account": "A-9", "password": "second-pw-2" });
    let a = billing_event(&st, "pw-2", "billing.update_password", data).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let detail = a.body["detail"].as_str().unwrap();
    assert!(detail.contains("2 client session(s) ended"), "{}", a.body);
    // The web client and the app (bearer token) are both signed out…
    assert_eq!(srv.post_fn("client/whoami", &web, "").await.status, 401);
    let bearer = format!("Bearer {}", app_token.split_once('=').unwrap().1);
    assert_eq!(srv.app_get("/api/client/v1/cameras", &bearer).await.status, 401);
    // …and nobody else is: the sub user's password did not change.
    assert_eq!(srv.post_fn("client/whoami", &sub_c, "").await.status, 200);
});

both!(client_stream_checked_again_and_capped, |st: AppState| async move {
    let view = ["cameras-view"];
    let alice = user(&st, "alice").perms(&view).await;
    let subs = [
        user(&st, "signs-out").sub_of(alice).perms(&view).await,
        user(&st, "expires").sub_of(alice).perms(&view).await,
        user(&st, "terminated").sub_of(alice).perms(&view).await,
    ];
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;
    let open = |cookie: String| {
        let srv = &srv;
        async move {
            let mut r = srv.open("/api/client/v1/events", &cookie).await;
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
    assert!(srv.post_fn("client/logout", &cookies[0], "").await.status < 400);
    client_sessions::Entity::update_many()
        .col_expr(ExpiresAt, Expr::value(st.clock.now() - chrono::Duration::minutes(1)))
        .filter(UserId.eq(subs[1]))
        .exec(&st.db)
        .await
        .unwrap();
    exec(&st, format!("UPDATE users SET status = 'terminated' WHERE id = {}", subs[2])).await;
    // A sync reaches all four users; only the live session hears it.
    assert_eq!(srv.post_fn("sync-cameras", &root, &[("user_id", alice)]).await.status, 200);
    for (res, who) in ending.into_iter().zip(["signed out", "expired", "terminated"]) {
        let (text, ended) = until_end(res, "event: sync", 10).await;
        assert!(ended && !text.contains("event: sync"), "{who}: ended {ended}, got {text:?}");
    }
    let (text, ended) = until_end(stays, "event: sync", 10).await;
    assert!(!ended && text.contains("event: sync"), "live: ended {ended}, got {text:?}");

    // At most MAX_STREAMS_PER_USER open streams per user; others unaffected.
    let bob = user(&st, "bob").perms(&view).await;
    let bob_c = client_cookie(&st, bob).await;
    let mut held = vec![];
    for _ in 0..server::apps_api::MAX_STREAMS_PER_USER {
        held.push(open(bob_c.clone()).await);
    }
    assert_eq!(srv.open("/api/client/v1/events", &bob_c).await.status(), 429);
    let _alice_again = open(alice_c).await;
});
