//! Security suite. Each of its parts is a submodule:
//!
//! - `authz`: the authorisation matrix, every server function and every other
//!   route (pages, client API, event streams, Login as User, the billing
//!   webhook) against every kind of caller, with the expected answer per cell;
//! - `escaping`: strings that billing sends (names, addresses, request IDs,
//!   camera models, location names) come out as escaped text on the console
//!   pages and in the web client, never as markup;
//! - `headers`: the security headers on every kind of response, the
//!   per-response script nonce, and HTTPS deployments (Secure cookies, HSTS);
//! - `billing_signature`, `body_limits`, `sign_in`: unauthenticated denial of
//!   service and sign-in abuse (issue 13).
//!
//! This file holds what they share: the world the matrix runs against and
//! requests made the way a browser makes them.

use crate::support::*;
use app::backend::bulk::insert;
use app::backend::entities::{admin_sessions, analytics_cases, cameras, intercoms, locations};
use app::backend::AppState;
use reqwest::header::HeaderMap;
use sea_orm::{ConnectionTrait, EntityTrait, Set, Value};
use std::sync::atomic::{AtomicU64, Ordering};

mod authz;
mod billing_signature;
mod body_limits;
mod escaping;
mod headers;
mod sign_in;

/// In the login, name and device names of the target user (and in nothing
/// else), so that any answer that leaks the target can be spotted.
pub const MARKER: &str = "sec-target";
/// In the logins of the other account, outside the target's city.
pub const OTHER: &str = "sec-bob";

/// Everything the matrix needs, made directly in the database.
pub struct World {
    pub main: i64,
    pub sub: i64,
    /// A second sub user of `main`, the one sub-user edits are aimed at.
    pub helper: i64,
    /// Sub users of `main` that the main, sub and impersonated columns may
    /// try to delete (one each, so every allowed delete really deletes).
    pub doomed: [i64; 3],
    /// Cases of the main user (main and impersonated columns) and of the sub
    /// user, one per client column.
    pub cases: [i64; 3],
    /// A case of the main user that only its sub user tries to delete.
    pub keep_case: i64,
    pub camera: i64,
    pub intercom: i64,
    pub level2: i64,
    /// Another account, outside the in-scope administrators' city.
    pub bob: i64,
    pub bob_sub: i64,
    pub bob_case: i64,
    pub bob_camera: i64,
    /// Every administrator permission, scoped to the target's city / to
    /// another city.
    pub admin_in: i64,
    pub admin_out: i64,
    /// (permission, administrator holding all the others, in scope); the
    /// empty permission is an administrator without any.
    pub lacking: Vec<(&'static str, i64)>,
    /// A super-administrator that opens the Login as User sessions.
    pub support: i64,
    /// An administrator holding `users.view` on the target's entrance.
    pub operator: i64,
    pub city_in: i64,
    pub entrance_in: i64,
}

static SEQ: AtomicU64 = AtomicU64::new(1);

/// A value no other call of this test binary gets (logins, request IDs).
pub fn fresh() -> String {
    format!("sec-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed))
}

pub async fn location(st: &AppState, parent: Option<(i64, &str)>, kind: &str, name: &str) -> (i64, String) {
    let id = locations::Entity::insert(locations::ActiveModel {
        parent_id: Set(parent.map(|p| p.0)),
        csa: Set(None),
        kind: Set(kind.into()),
        name: Set(name.into()),
        path: Set(format!("/tmp-{}/", fresh())),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    let path = format!("{}{id}/", parent.map(|p| p.1).unwrap_or("/"));
    st.db
        .execute_unprepared(&format!("UPDATE locations SET path = '{path}' WHERE id = {id}"))
        .await
        .unwrap();
    (id, path)
}

pub async fn camera(st: &AppState, user: i64, name: &str, location: i64) -> i64 {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let id = cameras::Entity::insert(cameras::ActiveModel {
        name: Set(name.into()),
        mac: Set(format!(
            "02:5E:C0:{:02X}:{:02X}:{:02X}",
            (n >> 16) & 0xFF,
            (n >> 8) & 0xFF,
            n & 0xFF
        )),
        serial_number: Set(format!("SN-SEC-{n}")),
        status: Set("active".into()),
        location_id: Set(Some(location)),
        source: Set("billing".into()),
        archive_days: Set(7),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    insert(
        &st.db,
        "user_cameras",
        &["user_id", "camera_id", "created_at"],
        vec![vec![user.into(), id.into(), st.clock.now().into()]],
    )
    .await
    .unwrap();
    id
}

/// A line-crossing case of `user` (main user `main`) on `camera`.
async fn case(st: &AppState, user: i64, main: i64, camera: i64) -> i64 {
    let ty = scalar_i64(&st.db, "SELECT id FROM analytics_types WHERE slug = 'line-crossing'").await;
    let level = scalar_i64(&st.db, &format!("SELECT level_id FROM analytics_types WHERE id = {ty}")).await;
    let id = analytics_cases::Entity::insert(analytics_cases::ActiveModel {
        user_id: Set(user),
        main_user_id: Set(main),
        type_id: Set(ty),
        level_id: Set(level),
        name: Set("Door watch".into()),
        status: Set("active".into()),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    insert(
        &st.db,
        "analytics_case_cameras",
        &["case_id", "camera_id"],
        vec![vec![id.into(), camera.into()]],
    )
    .await
    .unwrap();
    id
}

async fn licences(st: &AppState, user: i64, level: i64, total: i32) {
    insert(
        &st.db,
        "licence_allocations",
        &["user_id", "level_id", "total", "removed_at", "version", "updated_at"],
        vec![vec![
            user.into(),
            level.into(),
            total.into(),
            Value::from(None::<chrono::DateTime<chrono::Utc>>),
            0i64.into(),
            st.clock.now().into(),
        ]],
    )
    .await
    .unwrap();
}

/// Face recognition is held but not licensed (Level 3): it may not be passed
/// on to sub users.
pub const MAIN_PERMS: [&str; 9] = [
    "cameras-view",
    "analytic",
    "analytic-cases-line-crossing",
    "analytic-cases-face-recognition",
    "users-index",
    "users-store",
    "users-update",
    "users-destroy",
    "users-change-password",
];
pub const SUB_PERMS: [&str; 3] = ["cameras-view", "analytic", "analytic-cases-line-crossing"];

pub async fn world(st: &AppState) -> World {
    use crate::client::user;
    let (city_in, in_path) = location(st, None, "city", "Scope City").await;
    let (entrance_in, _) = location(st, Some((city_in, &in_path)), "entrance", "Entrance 1").await;
    let (city_out, out_path) = location(st, None, "city", "Other City").await;
    let (entrance_out, _) = location(st, Some((city_out, &out_path)), "entrance", "Entrance 9").await;

    let main = user(st, MARKER, "active", None, &MAIN_PERMS, false).await;
    let camera = camera(st, main, &format!("{MARKER} porch"), entrance_in).await;
    let sub = user(st, "sec-sub", "active", Some(main), &SUB_PERMS, false).await;
    let helper = user(st, "sec-helper", "active", Some(main), &["cameras-view"], false).await;
    let mut doomed = [0; 3];
    for (i, d) in doomed.iter_mut().enumerate() {
        *d = user(st, &format!("sec-doomed-{i}"), "active", Some(main), &[], false).await;
    }
    let level = |n: i64| format!("SELECT id FROM analytics_levels ORDER BY position LIMIT 1 OFFSET {n}");
    let (level1, level2) = (scalar_i64(&st.db, &level(0)).await, scalar_i64(&st.db, &level(1)).await);
    licences(st, main, level1, 50).await;
    let cases = [
        case(st, main, main, camera).await,
        case(st, sub, main, camera).await,
        case(st, main, main, camera).await,
    ];
    let keep_case = case(st, main, main, camera).await;
    let intercom = intercoms::Entity::insert(intercoms::ActiveModel {
        name: Set(format!("{MARKER} gate")),
        address: Set("Scope City, Main St 1".into()),
        department: Set("Entrance 1".into()),
        status: Set("online".into()),
        location_id: Set(Some(entrance_in)),
        flat_from: Set(1),
        flat_to: Set(40),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;

    let bob = user(st, OTHER, "active", None, &MAIN_PERMS, false).await;
    let bob_camera = self::camera(st, bob, "Bob's yard", entrance_out).await;
    let bob_sub = user(st, "sec-bob-sub", "active", Some(bob), &SUB_PERMS, false).await;
    licences(st, bob, level1, 5).await;
    let bob_case = case(st, bob, bob, bob_camera).await;
    // Bob lives behind the target's intercom too: its Apartments tab must not
    // name him to administrators of the target's city.
    apartment(&st.db, intercom, 12, bob, st.clock.now()).await;

    use app::permissions::admin::{ALL, USERS_VIEW};
    let perms: Vec<&str> = ALL.to_vec();
    let (admin_in, _) = admin_session(st, "sec-in", false, &perms, &[city_in]).await;
    let (admin_out, _) = admin_session(st, "sec-out", false, &perms, &[city_out]).await;
    // The administrator the administrator-management rows edit: weaker than
    // the in-scope column, outside the out-of-scope column's scope.
    let (operator, _) = admin_session(st, "sec-operator", false, &[USERS_VIEW], &[entrance_in]).await;
    let mut lacking = vec![("", admin_session(st, "sec-lacks-all", false, &[], &[city_in]).await.0)];
    for p in &perms {
        let others: Vec<&str> = perms.iter().copied().filter(|o| o != p).collect();
        lacking.push((*p, admin_session(st, &format!("sec-lacks-{p}"), false, &others, &[city_in]).await.0));
    }
    let (support, _) = admin_session(st, "sec-support", true, &[], &[]).await;
    World {
        main,
        sub,
        helper,
        doomed,
        cases,
        keep_case,
        camera,
        intercom,
        level2,
        bob,
        bob_sub,
        bob_case,
        bob_camera,
        admin_in,
        admin_out,
        lacking,
        support,
        operator,
        city_in,
        entrance_in,
    }
}

/// A new console session of an existing administrator.
pub async fn admin_cookie(st: &AppState, admin: i64) -> String {
    let token = app::backend::auth::new_token();
    let now = st.clock.now();
    admin_sessions::Entity::insert(admin_sessions::ActiveModel {
        token_hash: Set(app::backend::auth::token_hash(&token)),
        admin_id: Set(admin),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(1)),
    })
    .exec(&st.db)
    .await
    .unwrap();
    format!("{}={token}", app::backend::auth::ADMIN_COOKIE)
}

/// A web-client session opened the real way: Login as User by `admin`,
/// then the ticket link, as the new browser tab follows it (in the same
/// browser, so with the administrator's console cookie).
pub async fn impersonated(srv: &TestServer, admin: &str, user: i64) -> String {
    let r = server_fn(srv, "impersonate", admin, &format!("user_id={user}")).await;
    assert_eq!(r.status, 200, "impersonate: {}", r.body);
    let url: String = serde_json::from_str(&r.body).unwrap();
    let r = get(srv, &url, admin).await;
    assert_eq!(r.status, 303, "{url}: {}", r.body);
    let set = r.headers["set-cookie"].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

/// What came back: the body is left unread for event streams.
pub struct Answer {
    pub status: u16,
    pub location: String,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let location = headers.get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    let stream = headers
        .get("content-type")
        .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/event-stream"));
    let body = if stream { String::new() } else { r.text().await.unwrap() };
    Answer {
        status,
        location,
        headers,
        body,
    }
}

fn with_cookie(req: reqwest::RequestBuilder, cookie: &str) -> reqwest::RequestBuilder {
    if cookie.is_empty() {
        req
    } else {
        req.header("cookie", cookie)
    }
}

/// How long a page may take before it counts as stalled.
const STALL: std::time::Duration = std::time::Duration::from_secs(10);

/// A GET as a browser navigates to a page. A page that never finishes is
/// status 0 (see `stalls.rs`: it used to happen in Leptos' async SSR).
pub async fn get(srv: &TestServer, path: &str, cookie: &str) -> Answer {
    let req = srv.client.get(format!("{}{path}", srv.base)).header("accept", "text/html");
    let attempt = async { answer(with_cookie(req, cookie).send().await.unwrap()).await };
    match tokio::time::timeout(STALL, attempt).await {
        Ok(a) => a,
        Err(_) => Answer {
            status: 0,
            location: String::new(),
            headers: HeaderMap::new(),
            body: format!("GET {path} stalled: no complete answer within {STALL:?}"),
        },
    }
}

/// A same-origin POST with a raw body (Origin and Sec-Fetch-Site as a
/// browser sends them on this site's own pages).
pub async fn post(srv: &TestServer, path: &str, cookie: &str, content_type: &str, body: String) -> Answer {
    let req = srv
        .client
        .post(format!("{}{path}", srv.base))
        .header("origin", &srv.base)
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .header("content-type", content_type)
        .body(body);
    answer(with_cookie(req, cookie).send().await.unwrap()).await
}

/// A server function called as the hydrated app calls it: a form-encoded
/// POST to `/api/<endpoint>` asking for JSON.
pub async fn server_fn(srv: &TestServer, endpoint: &str, cookie: &str, form: &str) -> Answer {
    post(
        srv,
        &format!("/api/{endpoint}"),
        cookie,
        "application/x-www-form-urlencoded",
        form.to_string(),
    )
    .await
}

/// A billing webhook request signed with the test server's secret.
pub async fn billing(srv: &TestServer, body: &str) -> Answer {
    let sig = server::billing::signature::sign(TEST_BILLING_SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
    let r = srv
        .client
        .post(format!("{}/api/billing/v1/events", srv.base))
        .header("content-type", "application/json")
        .header("x-billing-signature", sig)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    answer(r).await
}
