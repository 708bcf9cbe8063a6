//! The subscribers' web client and client API: sign-in rules, Login as User
//! tickets and impersonated sessions, analytics cases within free licences,
//! sub users within the main user's rights, and Synchronize cameras reaching
//! a connected client's event stream.

use crate::both;
use crate::support::*;
use app::backend::entities::{cameras, client_sessions, licence_allocations, user_cameras, user_permissions, users};
use app::backend::AppState;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value;
use std::time::Duration;

pub const PW: &str = "subscriber-pw-1";

/// A user with `perms`; the password is [`PW`] when `with_password`
/// (hashing is slow, so only sign-in tests pay for it).
pub async fn user(st: &AppState, login: &str, status: &str, parent: Option<i64>, perms: &[&str], with_password: bool) -> i64 {
    let now = st.clock.now();
    let hash = if with_password {
        app::backend::password::hash(PW)
    } else {
        "not-a-hash".into()
    };
    let id = users::Entity::insert(users::ActiveModel {
        kind: Set(if parent.is_some() { "sub" } else { "billing" }.into()),
        status: Set(status.into()),
        parent_id: Set(parent),
        login: Set(login.into()),
        password_hash: Set(hash),
        name: Set(format!("User {login}")),
        properties: Set("{}".into()),
        sync_version: Set(0),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    for p in perms {
        user_permissions::Entity::insert(user_permissions::ActiveModel {
            user_id: Set(id),
            slug: Set(p.to_string()),
        })
        .exec(&st.db)
        .await
        .unwrap();
    }
    id
}

pub async fn camera(st: &AppState, user_id: i64, name: &str) -> i64 {
    let now = st.clock.now();
    let id = cameras::Entity::insert(cameras::ActiveModel {
        name: Set(name.into()),
        mac: Set(format!("00:1A:2B:{:02X}:{:02X}:{:02X}", user_id % 256, name.len(), rand_byte(name))),
        serial_number: Set(format!("SN-{user_id}-{name}")),
        status: Set("active".into()),
        source: Set("billing".into()),
        archive_days: Set(7),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    user_cameras::Entity::insert(user_cameras::ActiveModel {
        user_id: Set(user_id),
        camera_id: Set(id),
        created_at: Set(now),
    })
    .exec(&st.db)
    .await
    .unwrap();
    id
}

fn rand_byte(s: &str) -> u8 {
    s.bytes().fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b))
}

pub async fn licence(st: &AppState, user_id: i64, level: &str, total: i32) -> i64 {
    let level_id = scalar_i64(&st.db, &format!("SELECT id FROM analytics_levels WHERE name = '{level}'")).await;
    licence_allocations::Entity::insert(licence_allocations::ActiveModel {
        user_id: Set(user_id),
        level_id: Set(level_id),
        total: Set(total),
        removed_at: Set(None),
        version: Set(0),
        updated_at: Set(st.clock.now()),
    })
    .exec(&st.db)
    .await
    .unwrap();
    level_id
}

/// A web-client session cookie for `user_id`, made directly.
pub async fn client_cookie(st: &AppState, user_id: i64) -> String {
    let token = app::backend::auth::new_token();
    let now = st.clock.now();
    client_sessions::Entity::insert(client_sessions::ActiveModel {
        token_hash: Set(app::backend::auth::token_hash(&token)),
        user_id: Set(user_id),
        impersonator_admin_id: Set(None),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
    })
    .exec(&st.db)
    .await
    .unwrap();
    format!("vigil_client={token}")
}

/// POSTs a server function with a form body and the cookie.
pub async fn call(srv: &TestServer, endpoint: &str, cookie: &str, form: &[(&str, String)]) -> reqwest::Response {
    srv.client
        .post(format!("{}/api/{endpoint}", srv.base))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// [`call`] with owned field names (indexed lists such as `camera_ids[0]`).
async fn call_owned(srv: &TestServer, endpoint: &str, cookie: &str, form: Vec<(String, String)>) -> reqwest::Response {
    let form: Vec<(&str, String)> = form.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    call(srv, endpoint, cookie, &form).await
}

pub async fn json(r: reqwest::Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"))
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

async fn count(st: &AppState, sql: &str) -> i64 {
    scalar_i64(&st.db, sql).await
}

/// Reads an SSE response until `needle` appears (or panics after `secs`).
pub async fn wait_for_event(r: &mut reqwest::Response, needle: &str, secs: u64) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} within {secs}s; got {seen:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended; got {seen:?}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

both!(sign_in_rules, |st: AppState| async move {
    let alice = user(&st, "alice", "active", None, &["cameras-view"], true).await;
    camera(&st, alice, "Porch").await;
    camera(&st, alice, "Garage").await;
    let paula = user(&st, "paula", "paused", None, &["cameras-view"], true).await;
    camera(&st, paula, "Yard").await;
    user(&st, "pat", "active", Some(paula), &["cameras-view"], true).await;
    let terry = user(&st, "terry", "terminated", None, &["cameras-view"], true).await;
    user(&st, "sam", "active", Some(terry), &["cameras-view"], true).await;
    let eve = user(&st, "eve", "active", None, &["cameras-view"], true).await;
    st.db
        .execute_unprepared(&format!("UPDATE users SET kind = 'admin' WHERE id = {eve}"))
        .await
        .unwrap();
    let mut eve_row: users::ActiveModel = users::Entity::find_by_id(eve).one(&st.db).await.unwrap().unwrap().into();
    eve_row.expires_at = Set(Some(st.clock.now() - chrono::Duration::days(1)));
    users::Entity::update(eve_row).exec(&st.db).await.unwrap();
    let srv = serve(st.clone()).await;

    let login = |l: &'static str, p: &'static str| {
        let srv = &srv;
        async move { call(srv, "client/login", "", &[("login", s(l)), ("password", s(p))]).await }
    };
    // Terminated (itself or its main user) and expired accounts are refused, clearly.
    for (l, why) in [("terry", "terminated"), ("sam", "terminated"), ("eve", "expired")] {
        let r = login(l, PW).await;
        assert_eq!(r.status(), 422, "{l}");
        assert!(r.headers().get("set-cookie").is_none(), "{l}");
        assert!(r.text().await.unwrap().contains(why), "{l}");
    }
    let r = login("alice", "wrong-password").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("wrong login or password"));

    // A good sign-in: the client's own cookie, not the console's.
    let r = login("alice", PW).await;
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    let set = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(
        set.starts_with("vigil_client=") && set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let alice_cookie = set.split(';').next().unwrap().to_string();
    let page = json(call(&srv, "client/cameras", &alice_cookie, &[]).await).await;
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|c| c["blocked"] == false && c["status_label"] == "Active"));

    // The SSR page renders the cameras for the signed-in subscriber.
    let r = srv
        .client
        .get(format!("{}/client/cameras", srv.base))
        .header("cookie", &alice_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Porch") && html.contains("Garage"));
    // Without a session the client sends the browser to its own sign-in.
    let r = srv
        .client
        .get(format!("{}/client/cameras", srv.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(
        r.headers().get("location").map(|l| l.to_str().unwrap()),
        Some("/client/login"),
        "{:?}",
        r.headers()
    );

    // A paused user, and the sub user of a paused main user, see cameras as blocked.
    for l in ["paula", "pat"] {
        let set = login(l, PW)
            .await
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        let page = json(call(&srv, "client/cameras", &cookie, &[]).await).await;
        let rows = page["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{l}");
        assert_eq!(rows[0]["name"], "Yard");
        assert_eq!(rows[0]["blocked"], true);
        assert_eq!(rows[0]["status_label"], "Blocked");
    }

    // The apps' API: a bearer token from the same sessions.
    let r = srv
        .client
        .post(format!("{}/api/client/v1/session", srv.base))
        .json(&serde_json::json!({ "login": "paula", "password": PW }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = json(r).await["token"].as_str().unwrap().to_string();
    let body = json(
        srv.client
            .get(format!("{}/api/client/v1/cameras", srv.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["sync_version"], 0);
    assert_eq!(body["cameras"][0]["blocked"], true);
    assert_eq!(body["settings"]["blocked"], true);
    let r = srv
        .client
        .post(format!("{}/api/client/v1/session", srv.base))
        .json(&serde_json::json!({ "login": "terry", "password": PW }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = srv.client.get(format!("{}/api/client/v1/cameras", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // Terminating a signed-in user ends its session at once.
    st.db
        .execute_unprepared(&format!("UPDATE users SET status = 'terminated' WHERE id = {alice}"))
        .await
        .unwrap();
    assert_eq!(call(&srv, "client/cameras", &alice_cookie, &[]).await.status(), 401);
});

both!(login_as_user_tickets, |st: AppState| async move {
    let alice = user(
        &st,
        "alice",
        "active",
        None,
        &["cameras-view", "analytic", "analytic-cases-line-crossing"],
        false,
    )
    .await;
    let cam = camera(&st, alice, "Porch").await;
    licence(&st, alice, "Level 1", 3).await;
    let (admin_id, admin_cookie) = admin_session(&st, "root", true, &[], &[]).await;
    let (_, viewer_cookie) = admin_session(&st, "viewer", false, &["users.view"], &[]).await;
    let srv = serve(st.clone()).await;

    // Without users.impersonate: 403, and no ticket exists.
    let r = call(&srv, "impersonate", &viewer_cookie, &[("user_id", s(alice))]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM impersonation_tickets").await, 0);

    let url = json(call(&srv, "impersonate", &admin_cookie, &[("user_id", s(alice))]).await).await;
    let url = url.as_str().unwrap().to_string();
    assert!(url.starts_with("/client/impersonate?ticket="), "{url}");
    // Stored hashed, bound to this administrator and user.
    let ticket = url.split("ticket=").nth(1).unwrap().to_string();
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM impersonation_tickets WHERE ticket_hash = '{ticket}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM impersonation_tickets WHERE admin_id = {admin_id} AND user_id = {alice} AND used_at IS NULL")
        )
        .await,
        1
    );

    // Only in the browser holding the issuing administrator's console
    // session: without it, or with another administrator's, 403 and the
    // ticket stays unspent.
    let (_, other_admin) = admin_session(&st, "other-root", true, &[], &[]).await;
    for cookie in ["", other_admin.as_str()] {
        let r = srv
            .client
            .get(format!("{}{url}", srv.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.headers().get("set-cookie").is_none());
        assert!(r.text().await.unwrap().contains("signed in to the console"));
    }
    assert_eq!(
        count(&st, "SELECT COUNT(*) FROM impersonation_tickets WHERE used_at IS NULL").await,
        1
    );
    let r = srv
        .client
        .get(format!("{}{url}", srv.base))
        .header("cookie", &admin_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/client/cameras");
    let set = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(
        set.starts_with("vigil_client=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let client = set.split(';').next().unwrap().to_string();
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM client_sessions WHERE user_id = {alice} AND impersonator_admin_id = {admin_id}")
        )
        .await,
        1
    );
    let me = json(call(&srv, "client/whoami", &client, &[]).await).await;
    assert_eq!(me["id"], alice);
    assert_eq!(me["impersonator"], "Admin root");
    assert_eq!(
        count(
            &st,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'impersonation.start' AND admin_id = {admin_id} AND user_id = {alice} AND on_behalf_of_user = {alice}"
            )
        )
        .await,
        1
    );
    // The page itself shows the banner (server-rendered).
    let html = srv
        .client
        .get(format!("{}/client/cameras", srv.base))
        .header("cookie", &client)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("by administrator") && html.contains("Admin root") && html.contains("End session"));

    // Replayed: refused with a clear page, no cookie.
    let r = srv.client.get(format!("{}{url}", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.text().await.unwrap().contains("expired or was already used"));

    // Actions in the session are audited as the administrator's on the user's behalf.
    let r = call(
        &srv,
        "client/cases/create",
        &client,
        &[("type_slug", s("line-crossing")), ("name", s("Door")), ("camera_ids[0]", s(cam))],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'client.case.create' AND admin_id = {admin_id} AND on_behalf_of_user = {alice}")
        )
        .await,
        1
    );

    // End session: the client session is gone and audited; the console session is untouched.
    let r = call(&srv, "client/logout", &client, &[]).await;
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    assert!(r.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(call(&srv, "client/whoami", &client, &[]).await.status(), 401);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 0);
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'impersonation.end' AND admin_id = {admin_id} AND user_id = {alice}")
        )
        .await,
        1
    );
    assert_eq!(call(&srv, "me", &admin_cookie, &[]).await.status(), 200);

    // A ticket older than 60 seconds is refused.
    let url = json(call(&srv, "impersonate", &admin_cookie, &[("user_id", s(alice))]).await).await;
    st.clock.advance(chrono::Duration::seconds(61));
    let r = srv
        .client
        .get(format!("{}{}", srv.base, url.as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.headers().get("set-cookie").is_none());
    assert_eq!(count(&st, "SELECT COUNT(*) FROM client_sessions").await, 0);
    // An unknown ticket too.
    let r = srv
        .client
        .get(format!("{}/client/impersonate?ticket=forged", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
});

both!(cases_within_free_licences, |st: AppState| async move {
    let perms = ["cameras-view", "analytic", "analytic-cases-line-crossing"];
    let alice = user(&st, "alice", "active", None, &perms, false).await;
    let c1 = camera(&st, alice, "One").await;
    let c2 = camera(&st, alice, "Two").await;
    let c3 = camera(&st, alice, "Three").await;
    let bob = user(&st, "bob", "active", None, &perms, false).await;
    let foreign = camera(&st, bob, "Bob's").await;
    let sub = user(&st, "alice-sub", "active", Some(alice), &perms, false).await;
    licence(&st, alice, "Level 1", 2).await;
    let (alice_c, sub_c) = (client_cookie(&st, alice).await, client_cookie(&st, sub).await);
    let srv = serve(st.clone()).await;
    let create = |cookie: &str, slug: &str, cams: &[i64]| {
        let mut form = vec![(s("type_slug"), s(slug)), (s("name"), s("Watch"))];
        form.extend(cams.iter().enumerate().map(|(i, c)| (format!("camera_ids[{i}]"), s(c))));
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { call_owned(srv, "client/cases/create", &cookie, form).await }
    };

    let opts = json(call(&srv, "client/case-options", &alice_c, &[]).await).await;
    let types = opts["types"].as_array().unwrap();
    assert_eq!(types.len(), 1, "{opts}");
    assert_eq!(types[0]["slug"], "line-crossing");
    assert_eq!(types[0]["free"], 2);

    // Three cameras need three licences: 422 naming cameras, nothing stored.
    let r = create(&alice_c, "line-crossing", &[c1, c2, c3]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("cameras"));
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_cases").await, 0);
    // A type the user has no right for: 403.
    assert_eq!(create(&alice_c, "zone-intrusion", &[c1]).await.status(), 403);
    // Someone else's camera: 422.
    let r = create(&alice_c, "line-crossing", &[foreign]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("cameras"));

    let r = create(&alice_c, "line-crossing", &[c1, c2]).await;
    assert_eq!(r.status(), 200);
    let case_id = json(r).await.as_i64().unwrap();
    // The sub user draws on the same licences: none left.
    let r = create(&sub_c, "line-crossing", &[c3]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("cameras"));
    let listed = json(call(&srv, "client/cases", &alice_c, &[]).await).await;
    assert_eq!(listed["rows"][0]["id"], case_id, "{listed}");
    assert_eq!(listed["rows"][0]["cameras"], 2);
    // A sub user sees only its own cases.
    assert_eq!(
        json(call(&srv, "client/cases", &sub_c, &[]).await).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Deleting frees the licences.
    assert_eq!(
        call(&srv, "client/cases/delete", &alice_c, &[("case_id", s(case_id))])
            .await
            .status(),
        200
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_case_cameras").await, 0);
    assert_eq!(create(&sub_c, "line-crossing", &[c3]).await.status(), 200);
    assert_eq!(
        json(call(&srv, "client/case-options", &alice_c, &[]).await).await["types"][0]["free"],
        1
    );

    // Cases of a level whose licences were removed disappear from the client.
    st.db
        .execute_unprepared(&format!(
            "UPDATE licence_allocations SET total = 0, removed_at = updated_at WHERE user_id = {alice}"
        ))
        .await
        .unwrap();
    assert_eq!(
        json(call(&srv, "client/cases", &sub_c, &[]).await).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        json(call(&srv, "client/cases", &alice_c, &[]).await).await["rows"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(count(&st, "SELECT COUNT(*) FROM analytics_cases").await, 1, "hidden, still stored");
    assert_eq!(create(&alice_c, "line-crossing", &[c1]).await.status(), 422);
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
    let alice = user(&st, "alice", "active", None, &perms, false).await;
    licence(&st, alice, "Level 1", 2).await;
    let alice_c = client_cookie(&st, alice).await;
    let srv = serve(st.clone()).await;
    let create = |login: &str, granted: &[&str]| {
        let mut form = vec![(s("login"), s(login)), (s("name"), s("Helper")), (s("password"), s("helper-pw-1"))];
        form.extend(granted.iter().enumerate().map(|(i, p)| (format!("permissions[{i}]"), s(p))));
        let srv = &srv;
        let cookie = alice_c.clone();
        async move { call_owned(srv, "client/sub-users/create", &cookie, form).await }
    };
    let subs = || async { count(&st, &format!("SELECT COUNT(*) FROM users WHERE parent_id = {alice}")).await };

    // More than the main user holds: 422 naming permissions, nobody created.
    let r = create("helper", &["cameras-view", "ptz"]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("permissions") && body.contains("ptz"), "{body}");
    // Held, but its level is not licensed: refused too.
    let r = create("helper", &["analytic-cases-face-recognition"]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(subs().await, 0);

    let grantable = json(call(&srv, "client/sub-users/grantable", &alice_c, &[]).await).await;
    let slugs: Vec<&str> = grantable.as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"analytic-cases-line-crossing") && !slugs.contains(&"analytic-cases-face-recognition"));
    // The web client offers what the console offers (access::offered_to_sub):
    // never the Sub users group, though alice holds all of it.
    assert!(
        slugs.contains(&"cameras-view") && !slugs.iter().any(|s| s.starts_with("users-")),
        "{slugs:?}"
    );
    let r = create("helper", &["cameras-view", "users-index"]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(subs().await, 0);

    let r = create("helper", &["cameras-view", "analytic-cases-line-crossing"]).await;
    assert_eq!(r.status(), 200);
    let sub = json(r).await.as_i64().unwrap();
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {sub}")).await,
        2
    );
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM users WHERE id = {sub} AND kind = 'sub' AND password_hash LIKE '$argon2id$%'")
        )
        .await,
        1
    );
    let r = create("helper", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("login"));

    let set = |granted: &[&str]| {
        let mut form = vec![(s("sub_user_id"), s(sub))];
        form.extend(granted.iter().enumerate().map(|(i, p)| (format!("permissions[{i}]"), s(p))));
        let srv = &srv;
        let cookie = alice_c.clone();
        async move { call_owned(srv, "client/sub-users/permissions", &cookie, form).await }
    };
    assert_eq!(set(&["archives-show"]).await.status(), 422);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {sub}")).await,
        2
    );
    assert_eq!(set(&["cameras-view"]).await.status(), 200);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM user_permissions WHERE user_id = {sub}")).await,
        1
    );

    // A sub user manages no sub users.
    let sub_c = client_cookie(&st, sub).await;
    assert_eq!(call(&srv, "client/sub-users", &sub_c, &[]).await.status(), 403);
    let listed = json(call(&srv, "client/sub-users", &alice_c, &[]).await).await;
    assert_eq!(listed["rows"][0]["login"], "helper");

    // A new password ends the sub user's sessions and signs in.
    let r = call(
        &srv,
        "client/sub-users/password",
        &alice_c,
        &[("sub_user_id", s(sub)), ("password", s("short"))],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = call(
        &srv,
        "client/sub-users/password",
        &alice_c,
        &[("sub_user_id", s(sub)), ("password", s("new-helper-pw"))],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(call(&srv, "client/whoami", &sub_c, &[]).await.status(), 401);
    let r = call(
        &srv,
        "client/login",
        "",
        &[("login", s("helper")), ("password", s("new-helper-pw"))],
    )
    .await;
    assert!(r.headers().get("set-cookie").is_some());

    assert_eq!(
        call(&srv, "client/sub-users/delete", &alice_c, &[("sub_user_id", s(sub))])
            .await
            .status(),
        200
    );
    assert_eq!(subs().await, 0);
    // Another account's sub user is a 404.
    let bob = user(&st, "bob", "active", None, &[], false).await;
    let bobs = user(&st, "bobs-sub", "active", Some(bob), &[], false).await;
    assert_eq!(
        call(&srv, "client/sub-users/delete", &alice_c, &[("sub_user_id", s(bobs))])
            .await
            .status(),
        404
    );
});

both!(sync_notifies_connected_clients, |st: AppState| async move {
    let alice = user(&st, "alice", "active", None, &["cameras-view"], false).await;
    let sub = user(&st, "alice-sub", "active", Some(alice), &["cameras-view"], false).await;
    camera(&st, alice, "Porch").await;
    let gone = camera(&st, alice, "Garage").await;
    let other = user(&st, "bob", "active", None, &["cameras-view"], false).await;
    let (_, admin) = admin_session(&st, "root", true, &[], &[]).await;
    let (_, viewer) = admin_session(&st, "viewer", false, &["users.view"], &[]).await;
    let (sub_c, other_c) = (client_cookie(&st, sub).await, client_cookie(&st, other).await);
    let srv = serve(st.clone()).await;

    // Without users.sync: 403, nothing changes.
    assert_eq!(call(&srv, "sync-cameras", &viewer, &[("user_id", s(alice))]).await.status(), 403);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE sync_version <> 0").await, 0);

    let mut sub_stream = srv
        .client
        .get(format!("{}/api/client/v1/events", srv.base))
        .header("cookie", &sub_c)
        .send()
        .await
        .unwrap();
    assert_eq!(sub_stream.status(), 200);
    assert!(sub_stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    wait_for_event(&mut sub_stream, "event: ready", 5).await;
    let mut other_stream = srv
        .client
        .get(format!("{}/api/client/v1/events", srv.base))
        .header("cookie", &other_c)
        .send()
        .await
        .unwrap();
    wait_for_event(&mut other_stream, "event: ready", 5).await;

    // Billing detached a camera; the administrator synchronizes.
    st.db
        .execute_unprepared(&format!("DELETE FROM user_cameras WHERE camera_id = {gone}"))
        .await
        .unwrap();
    let out = json(call(&srv, "sync-cameras", &admin, &[("user_id", s(alice))]).await).await;
    assert_eq!(out["cameras"], 1, "{out}");
    assert_eq!(out["users"], 2);
    assert_eq!(out["local_clients"], 1);
    assert_eq!(count(&st, &format!("SELECT sync_version FROM users WHERE id = {alice}")).await, 1);
    assert_eq!(count(&st, &format!("SELECT sync_version FROM users WHERE id = {sub}")).await, 1);
    assert_eq!(count(&st, &format!("SELECT sync_version FROM users WHERE id = {other}")).await, 0);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM audit_log WHERE action = 'users.sync'").await, 1);

    let seen = wait_for_event(&mut sub_stream, "event: sync", 5).await;
    assert!(seen.contains("data: {\"sync_version\":1}"), "{seen:?}");
    // Another user's stream hears nothing.
    let quiet = tokio::time::timeout(Duration::from_millis(500), other_stream.chunk()).await;
    assert!(quiet.is_err() || !String::from_utf8_lossy(&quiet.unwrap().unwrap().unwrap_or_default()).contains("sync"));

    // The apps read the new state and version.
    let body = json(
        srv.client
            .get(format!("{}/api/client/v1/cameras", srv.base))
            .header("cookie", &sub_c)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["sync_version"], 1);
    assert_eq!(body["cameras"].as_array().unwrap().len(), 1);
    assert_eq!(body["cameras"][0]["name"], "Porch");
});
