//! The subscribers' web client and client API: sign-in rules, Login as User
//! tickets and impersonated sessions, analytics cases within free licences,
//! sub users within the main user's rights, and Synchronize cameras reaching
//! a connected client's event stream.

use crate::both;
use crate::support::*;
use app::backend::AppState;
use std::time::Duration;

both!(sign_in_rules, |st: AppState| async move {
    let view = ["cameras-view"];
    let alice = user(&st, "alice").perms(&view).password(PW).await;
    camera(&st, alice, "Porch", None).await;
    camera(&st, alice, "Garage", None).await;
    let paula = user(&st, "paula").status("paused").perms(&view).password(PW).await;
    camera(&st, paula, "Yard", None).await;
    user(&st, "pat").sub_of(paula).perms(&view).password(PW).await;
    let terry = user(&st, "terry").status("terminated").perms(&view).password(PW).await;
    user(&st, "sam").sub_of(terry).perms(&view).password(PW).await;
    let yesterday = st.clock.now() - chrono::Duration::days(1);
    user(&st, "eve").admin_made(yesterday).perms(&view).password(PW).await;
    let srv = serve(st.clone()).await;
    let login = |l: &'static str, p: &'static str| {
        let srv = &srv;
        async move { srv.post_fn("client/login", "", &[("login", l), ("password", p)]).await }
    };

    // Terminated (itself or its main user) and expired accounts are refused, clearly.
    for (l, why) in [("terry", "terminated"), ("sam", "terminated"), ("eve", "expired")] {
        let r = login(l, PW).await;
        assert_eq!(r.status, 422, "{l}");
        assert!(!r.sets_cookie(), "{l}");
        assert!(r.body.contains(why), "{l}");
    }
    let r = login("alice", "wrong-password").await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("wrong login or password"));

    // A good sign-in: the client's own cookie, not the console's.
    let r = login("alice", PW).await;
    assert!(r.ok(), "{}", r.status);
    let set = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        set.starts_with("vigil_client=") && set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let alice_cookie = r.cookie();
    let page = srv.post_fn("client/cameras", &alice_cookie, "").await.json();
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|c| c["blocked"] == false && c["status_label"] == "Active"));

    // The SSR page renders the cameras for the signed-in subscriber.
    let r = srv.get("/client/cameras", &alice_cookie).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Porch") && r.body.contains("Garage"));
    // Without a session the client sends the browser to its own sign-in.
    let r = srv.get("/client/cameras", "").await;
    assert!((300..400).contains(&r.status), "{}", r.status);
    assert_eq!(r.location, "/client/login", "{:?}", r.headers);

    // A paused user, and the sub user of a paused main user, see cameras as blocked.
    for l in ["paula", "pat"] {
        let cookie = login(l, PW).await.cookie();
        let page = srv.post_fn("client/cameras", &cookie, "").await.json();
        let rows = page["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{l}");
        assert_eq!(rows[0]["name"], "Yard");
        assert_eq!(rows[0]["blocked"], true);
        assert_eq!(rows[0]["status_label"], "Blocked");
    }

    // The apps' API: a bearer token from the same sessions.
    let r = srv.app_session("paula", PW).await;
    assert_eq!(r.status, 200);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let body = srv.app_get("/api/client/v1/cameras", &format!("Bearer {token}")).await.json();
    assert_eq!(body["sync_version"], 0);
    assert_eq!(body["cameras"][0]["blocked"], true);
    assert_eq!(body["settings"]["blocked"], true);
    assert_eq!(srv.app_session("terry", PW).await.status, 422);
    assert_eq!(srv.app_get("/api/client/v1/cameras", "").await.status, 401);

    // Terminating a signed-in user ends its session at once.
    exec(&st, &format!("UPDATE users SET status = 'terminated' WHERE id = {alice}")).await;
    assert_eq!(srv.post_fn("client/cameras", &alice_cookie, "").await.status, 401);
});

both!(login_as_user_tickets, |st: AppState| async move {
    let alice = user(&st, "alice")
        .perms(&["cameras-view", "analytic", "analytic-cases-line-crossing"])
        .await;
    let cam = camera(&st, alice, "Porch", None).await;
    licences(&st, alice, level(&st, "Level 1").await, 3).await;
    let (admin_id, admin_cookie) = admin_session(&st, "root").super_admin().await;
    let (_, viewer_cookie) = admin_session(&st, "viewer").perms(&["users.view"]).await;
    let srv = serve(st.clone()).await;

    // Without users.impersonate: 403, and no ticket exists.
    let r = srv.post_fn("impersonate", &viewer_cookie, &[("user_id", alice)]).await;
    assert_eq!(r.status, 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM impersonation_tickets").await, 0);

    let url = srv.ticket(&admin_cookie, alice).await;
    assert!(url.starts_with("/client/impersonate?ticket="), "{url}");
    // Stored hashed, bound to this administrator and user.
    let ticket = url.split("ticket=").nth(1).unwrap();
    let tickets = |cond: String| count(&st, format!("SELECT COUNT(*) FROM impersonation_tickets WHERE {cond}"));
    assert_eq!(tickets(format!("ticket_hash = '{ticket}'")).await, 0);
    let unspent = format!("admin_id = {admin_id} AND user_id = {alice} AND used_at IS NULL");
    assert_eq!(tickets(unspent.clone()).await, 1);

    // Only in the browser holding the issuing administrator's console
    // session: without it, or with another administrator's, 403 and the
    // ticket stays unspent.
    let (_, other_admin) = admin_session(&st, "other-root").super_admin().await;
    for cookie in ["", other_admin.as_str()] {
        let r = srv.get(&url, cookie).await;
        assert_eq!(r.status, 403);
        assert!(!r.sets_cookie());
        assert!(r.body.contains("signed in to the console"));
    }
    assert_eq!(tickets(unspent).await, 1);
    let r = srv.get(&url, &admin_cookie).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location, "/client/cameras");
    let set = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        set.starts_with("vigil_client=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let client = r.cookie();
    let sessions = format!("SELECT COUNT(*) FROM client_sessions WHERE user_id = {alice} AND impersonator_admin_id = {admin_id}");
    assert_eq!(count(&st, &sessions).await, 1);
    let me = srv.post_fn("client/whoami", &client, "").await.json();
    assert_eq!(me["id"], alice);
    assert_eq!(me["impersonator"], "Admin root");
    let audited = |action: &str, cond: &str| {
        count(
            &st,
            format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND admin_id = {admin_id} AND {cond}"),
        )
    };
    let start = format!("user_id = {alice} AND on_behalf_of_user = {alice}");
    assert_eq!(audited("impersonation.start", &start).await, 1);
    // The page itself shows the banner (server-rendered).
    let html = srv.get("/client/cameras", &client).await.body;
    assert!(html.contains("by administrator") && html.contains("Admin root") && html.contains("End session"));

    // Replayed: refused with a clear page, no cookie.
    let r = srv.get(&url, "").await;
    assert_eq!(r.status, 410);
    assert!(!r.sets_cookie());
    assert!(r.body.contains("expired or was already used"));

    // Actions in the session are audited as the administrator's on the user's behalf.
    let form = format!("type_slug=line-crossing&name=Door&camera_ids[0]={cam}");
    let r = srv.post_fn("client/cases/create", &client, &form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let behalf = format!("on_behalf_of_user = {alice}");
    assert_eq!(audited("client.case.create", &behalf).await, 1);

    // End session: the client session is gone and audited; the console session is untouched.
    let r = srv.post_fn("client/logout", &client, "").await;
    assert!(r.ok(), "{}", r.status);
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(srv.post_fn("client/whoami", &client, "").await.status, 401);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 0);
    assert_eq!(audited("impersonation.end", &format!("user_id = {alice}")).await, 1);
    assert_eq!(srv.post_fn("me", &admin_cookie, "").await.status, 200);

    // A ticket older than 60 seconds is refused.
    let url = srv.ticket(&admin_cookie, alice).await;
    st.clock.advance(chrono::Duration::seconds(61));
    let r = srv.get(&url, "").await;
    assert_eq!(r.status, 410);
    assert!(!r.sets_cookie());
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 0);
    // An unknown ticket too.
    assert_eq!(srv.get("/client/impersonate?ticket=forged", "").await.status, 410);
});

both!(cases_within_free_licences, |st: AppState| async move {
    let perms = ["cameras-view", "analytic", "analytic-cases-line-crossing"];
    let alice = user(&st, "alice").perms(&perms).await;
    let c1 = camera(&st, alice, "One", None).await;
    let c2 = camera(&st, alice, "Two", None).await;
    let c3 = camera(&st, alice, "Three", None).await;
    let bob = user(&st, "bob").perms(&perms).await;
    let foreign = camera(&st, bob, "Bob's", None).await;
    let sub = user(&st, "alice-sub").sub_of(alice).perms(&perms).await;
    licences(&st, alice, level(&st, "Level 1").await, 2).await;
    let (alice_c, sub_c) = (client_cookie(&st, alice).await, client_cookie(&st, sub).await);
    let srv = serve(st.clone()).await;
    let create = |cookie: &str, slug: &str, cams: &[i64]| {
        let mut form = indexed("camera_ids", cams);
        form.extend([("type_slug".into(), slug.into()), ("name".into(), "Watch".into())]);
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { srv.post_fn("client/cases/create", &cookie, &form).await }
    };
    let cases = |cookie: &str| {
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { column::<i64>(&srv.post_fn("client/cases", &cookie, "").await.json()["rows"], "id") }
    };

    let opts = srv.post_fn("client/case-options", &alice_c, "").await.json();
    let types = opts["types"].as_array().unwrap();
    assert_eq!(types.len(), 1, "{opts}");
    assert_eq!(types[0]["slug"], "line-crossing");
    assert_eq!(types[0]["free"], 2);

    // Three cameras need three licences: 422 naming cameras, nothing stored.
    let r = create(&alice_c, "line-crossing", &[c1, c2, c3]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("cameras"));
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_cases").await, 0);
    // A type the user has no right for: 403.
    assert_eq!(create(&alice_c, "zone-intrusion", &[c1]).await.status, 403);
    // Someone else's camera: 422.
    let r = create(&alice_c, "line-crossing", &[foreign]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("cameras"));

    let r = create(&alice_c, "line-crossing", &[c1, c2]).await;
    assert_eq!(r.status, 200);
    let case_id = r.json().as_i64().unwrap();
    // The sub user draws on the same licences: none left.
    let r = create(&sub_c, "line-crossing", &[c3]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("cameras"));
    let listed = srv.post_fn("client/cases", &alice_c, "").await.json();
    assert_eq!(column::<i64>(&listed["rows"], "id"), [case_id], "{listed}");
    assert_eq!(listed["rows"][0]["cameras"], 2);
    // A sub user sees only its own cases.
    assert_eq!(cases(&sub_c).await.len(), 0);

    // Deleting frees the licences.
    let r = srv.post_fn("client/cases/delete", &alice_c, &[("case_id", case_id)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_case_cameras").await, 0);
    assert_eq!(create(&sub_c, "line-crossing", &[c3]).await.status, 200);
    let opts = srv.post_fn("client/case-options", &alice_c, "").await.json();
    assert_eq!(opts["types"][0]["free"], 1);

    // Cases of a level whose licences were removed disappear from the client.
    exec(
        &st,
        &format!("UPDATE licence_allocations SET total = 0, removed_at = updated_at WHERE user_id = {alice}"),
    )
    .await;
    assert_eq!(cases(&sub_c).await.len(), 0);
    assert_eq!(cases(&alice_c).await.len(), 0);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_cases").await, 1, "hidden, still stored");
    assert_eq!(create(&alice_c, "line-crossing", &[c1]).await.status, 422);
});

both!(sub_users_within_own_rights, |st: AppState| async move {
    let perms = [
        "cameras-view",
        "users-index",
        "users-store",
        "users-update",
        "users-destroy",
        "users-change-password",
        "analytic",
        "analytic-cases-line-crossing",
        "analytic-cases-face-recognition",
    ];
    let alice = user(&st, "alice").perms(&perms).await;
    licences(&st, alice, level(&st, "Level 1").await, 2).await;
    let alice_c = client_cookie(&st, alice).await;
    let srv = serve(st.clone()).await;
    let create = |login: &str, granted: &[&str]| {
        let pairs = [
            ("login", login.to_string()),
            ("name", "Helper".into()),
            ("password", "helper-pw-1".into()),
        ];
        let (srv, cookie, form) = (&srv, alice_c.clone(), fields(&pairs, granted));
        async move { srv.post_fn("client/sub-users/create", &cookie, &form).await }
    };
    let subs = || count(&st, format!("SELECT COUNT(*) FROM users WHERE parent_id = {alice}"));

    // More than the main user holds: 422 naming permissions, nobody created.
    let r = create("helper", &["cameras-view", "ptz"]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("permissions") && r.body.contains("ptz"), "{}", r.body);
    // Held, but its level is not licensed: refused too.
    assert_eq!(create("helper", &["analytic-cases-face-recognition"]).await.status, 422);
    assert_eq!(subs().await, 0);

    let grantable = srv.post_fn("client/sub-users/grantable", &alice_c, "").await.json();
    let slugs: Vec<String> = column(&grantable, "slug");
    let held = |slug: &str| slugs.iter().any(|s| s == slug);
    assert!(held("analytic-cases-line-crossing") && !held("analytic-cases-face-recognition"));
    // The web client offers what the console offers (access::offered_to_sub):
    // never the Sub users group, though alice holds all of it.
    assert!(held("cameras-view") && !slugs.iter().any(|s| s.starts_with("users-")), "{slugs:?}");
    assert_eq!(create("helper", &["cameras-view", "users-index"]).await.status, 422);
    assert_eq!(subs().await, 0);

    let r = create("helper", &["cameras-view", "analytic-cases-line-crossing"]).await;
    assert_eq!(r.status, 200);
    let sub = r.json().as_i64().unwrap();
    let held = || count(&st, format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {sub}"));
    assert_eq!(held().await, 2);
    let argon = format!("SELECT COUNT(*) FROM users WHERE id = {sub} AND kind = 'sub' AND password_hash LIKE '$argon2id$%'");
    assert_eq!(count(&st, &argon).await, 1);
    let r = create("helper", &[]).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("login"));

    let set = |granted: &[&str]| {
        let (srv, cookie, form) = (&srv, alice_c.clone(), fields(&[("sub_user_id", sub.to_string())], granted));
        async move { srv.post_fn("client/sub-users/permissions", &cookie, &form).await }
    };
    assert_eq!(set(&["archives-show"]).await.status, 422);
    assert_eq!(held().await, 2);
    assert_eq!(set(&["cameras-view"]).await.status, 200);
    assert_eq!(held().await, 1);

    // A sub user manages no sub users.
    let sub_c = client_cookie(&st, sub).await;
    assert_eq!(srv.post_fn("client/sub-users", &sub_c, "").await.status, 403);
    let listed = srv.post_fn("client/sub-users", &alice_c, "").await.json();
    assert_eq!(listed["rows"][0]["login"], "helper");

    // A new password ends the sub user's sessions and signs in.
    let password = |pw: &str| format!("sub_user_id={sub}&password={pw}");
    let r = srv.post_fn("client/sub-users/password", &alice_c, &password("short")).await;
    assert_eq!(r.status, 422);
    let r = srv.post_fn("client/sub-users/password", &alice_c, &password("new-helper-pw")).await;
    assert_eq!(r.status, 200);
    assert_eq!(srv.post_fn("client/whoami", &sub_c, "").await.status, 401);
    let r = srv
        .post_fn("client/login", "", &[("login", "helper"), ("password", "new-helper-pw")])
        .await;
    assert!(r.sets_cookie());

    let r = srv.post_fn("client/sub-users/delete", &alice_c, &[("sub_user_id", sub)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(subs().await, 0);
    // Another account's sub user is a 404.
    let bob = user(&st, "bob").await;
    let bobs = user(&st, "bobs-sub").sub_of(bob).await;
    let r = srv.post_fn("client/sub-users/delete", &alice_c, &[("sub_user_id", bobs)]).await;
    assert_eq!(r.status, 404);
});

both!(sync_notifies_connected_clients, |st: AppState| async move {
    let alice = user(&st, "alice").perms(&["cameras-view"]).await;
    let sub = user(&st, "alice-sub").sub_of(alice).perms(&["cameras-view"]).await;
    camera(&st, alice, "Porch", None).await;
    let gone = camera(&st, alice, "Garage", None).await;
    let other = user(&st, "bob").perms(&["cameras-view"]).await;
    let (_, admin) = admin_session(&st, "root").super_admin().await;
    let (_, viewer) = admin_session(&st, "viewer").perms(&["users.view"]).await;
    let (sub_c, other_c) = (client_cookie(&st, sub).await, client_cookie(&st, other).await);
    let srv = serve(st.clone()).await;

    // Without users.sync: 403, nothing changes.
    assert_eq!(srv.post_fn("sync-cameras", &viewer, &[("user_id", alice)]).await.status, 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE sync_version <> 0").await, 0);

    let mut sub_stream = srv.open("/api/client/v1/events", &sub_c).await;
    assert_eq!(sub_stream.status(), 200);
    assert!(sub_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    wait_for_event(&mut sub_stream, "event: ready", 5).await;
    let mut other_stream = srv.open("/api/client/v1/events", &other_c).await;
    wait_for_event(&mut other_stream, "event: ready", 5).await;

    // Billing detached a camera; the administrator synchronizes.
    exec(&st, &format!("DELETE FROM user_cameras WHERE camera_id = {gone}")).await;
    let out = srv.post_fn("sync-cameras", &admin, &[("user_id", alice)]).await.json();
    assert_eq!(out["cameras"], 1, "{out}");
    assert_eq!(out["users"], 2);
    assert_eq!(out["local_clients"], 1);
    let version = |id: i64| count(&st, format!("SELECT sync_version FROM users WHERE id = {id}"));
    assert_eq!((version(alice).await, version(sub).await, version(other).await), (1, 1, 0));
    assert_eq!(count(&st, "SELECT COUNT(*) FROM audit_log WHERE action = 'users.sync'").await, 1);

    let seen = wait_for_event(&mut sub_stream, "event: sync", 5).await;
    assert!(seen.contains("data: {\"sync_version\":1}"), "{seen:?}");
    // Another user's stream hears nothing.
    let quiet = tokio::time::timeout(Duration::from_millis(500), other_stream.chunk()).await;
    assert!(quiet.is_err() || !String::from_utf8_lossy(&quiet.unwrap().unwrap().unwrap_or_default()).contains("sync"));

    // The apps read the new state and version.
    let body = srv.app_get("/api/client/v1/cameras", &sub_c).await.json();
    assert_eq!(body["sync_version"], 1);
    assert_eq!(body["cameras"].as_array().unwrap().len(), 1);
    assert_eq!(body["cameras"][0]["name"], "Porch");
});
