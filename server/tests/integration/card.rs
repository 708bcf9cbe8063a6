//! The user card: scope (foreign users are 404 on every tab; the Cameras tab
//! shows in-scope cameras only), server-side rendering of every tab and
//! their statuses, bounded queries for a heavy user, and reproducible
//! sorting and paging over HTTP.

use crate::both;
use crate::support::*;
use app::backend::bulk::insert;
use app::backend::entities::billing_events;
use app::backend::AppState;
use app::types::catalogue::CardTab;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set, Statement, Value};
use serde_json::Value as Json;

/// The card's server functions (`/api/card/<endpoint>`): the header and one per tab.
fn endpoints() -> impl Iterator<Item = &'static str> {
    std::iter::once("header").chain(CardTab::ALL.iter().map(|t| t.slug()))
}

/// Calls a card server function (`/api/card/<endpoint>`) about `user`;
/// table endpoints get `query` (default: the first page).
async fn tab(srv: &TestServer, endpoint: &str, cookie: &str, user: i64, query: &str) -> (u16, Json) {
    let query = match CardTab::parse(endpoint).is_some_and(CardTab::is_table) {
        true if query.is_empty() => "&query[last]=false".to_string(),
        true => format!("&{query}"),
        false => String::new(),
    };
    srv.call_fn(&format!("card/{endpoint}"), cookie, &format!("user_id={user}{query}"))
        .await
}

/// The first city of the demo data and an entrance inside it and outside it.
async fn places(st: &AppState) -> (i64, i64, i64) {
    let city = count(st, "SELECT MIN(id) FROM locations WHERE kind = 'city'").await;
    let entrance = |like: &str| format!("SELECT MIN(id) FROM locations WHERE kind = 'entrance' AND path {like} '/{city}/%'");
    (city, count(st, entrance("LIKE")).await, count(st, entrance("NOT LIKE")).await)
}

struct Owner {
    id: i64,
    camera: i64,
    foreign_camera: i64,
    intercom: i64,
    sub: i64,
}

/// A user with something on every tab, made explicitly: a camera inside the
/// first city and one outside it, an intercom with a key, a sub user, a
/// billing event, `users-index`, and licences on two levels (one in
/// retention).
async fn owner(st: &AppState, inside: i64, outside: i64) -> Owner {
    let now = st.clock.now();
    let id = user(st, "card-owner").name("Card Owner").profile().permissions_version(3);
    let id = id
        .properties(r#"{"plan":"gold","floors":3}"#)
        .perms(&["users-index", "cameras-view"])
        .await;
    let camera = self::camera(st, id, "Porch camera", Some(inside)).await;
    let foreign_camera = self::camera(st, id, "Dacha camera", Some(outside)).await;
    let sub = user(st, "card-owner-sub").name("Owner Junior").sub_of(id).await;
    let intercom = self::intercom(st, "Gate intercom", Some(inside)).await;
    let apartment = apartment(st, intercom, 12, id).await;
    let key = vec![intercom.into(), apartment.into(), id.into(), "0000003045CAAC".into(), now.into()];
    let columns = ["intercom_id", "apartment_id", "user_id", "code", "created_at"];
    insert(&st.db, "intercom_keys", &columns, vec![key]).await.unwrap();
    billing_events::Entity::insert(billing_events::ActiveModel {
        request_id: Set("req-card-1".into()),
        event_type: Set("billing.attach_camera".into()),
        user_id: Set(Some(id)),
        account: Set(Some("ACC-card-owner".into())),
        payload: Set("{}".into()),
        outcome: Set("applied".into()),
        detail: Set(None),
        http_status: Set(202),
        occurred_at: Set(Some(now)),
        received_at: Set(now),
        processed_at: Set(now),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap();
    let (l1, l2) = (level(st, "Level 1").await, level(st, "Level 2").await);
    licences(st, id, l1, 3).await;
    let removed: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
    let in_retention = vec![id.into(), l2.into(), 0i32.into(), removed.into(), 0i64.into(), now.into()];
    let columns = ["user_id", "level_id", "total", "removed_at", "version", "updated_at"];
    insert(&st.db, "licence_allocations", &columns, vec![in_retention]).await.unwrap();
    // The sub user's case counts against the main user's licences.
    case(st, sub, id, "line-crossing", &[camera]).await;
    Owner {
        id,
        camera,
        foreign_camera,
        intercom,
        sub,
    }
}

fn ids(v: &Json) -> Vec<i64> {
    column(&v["rows"], "id")
}

both!(foreign_users_are_404_on_every_tab, |st: AppState| async move {
    demo(&st).await;
    let (city, inside, outside) = places(&st).await;
    let o = owner(&st, inside, outside).await;
    // A user with everything, but entirely outside the first city.
    let foreign = user(&st, "far-away").name("Far Away").properties(r#"{"secret":"x"}"#);
    let foreign = foreign.perms(&["users-index"]).await;
    camera(&st, foreign, "Far camera", Some(outside)).await;
    for level in strings(&st, "SELECT CAST(id AS TEXT) FROM analytics_levels").await {
        licences(&st, foreign, level.parse().unwrap(), 2).await;
    }
    let (_, limited) = admin_session(&st, "limited").perms(&["users.view"]).scope(&[city]).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let (_, noperm) = admin_session(&st, "noperm").scope(&[city]).await;
    let srv = serve(st.clone()).await;

    for endpoint in endpoints() {
        // The super-administrator sees the foreign user on every tab…
        let (status, body) = tab(&srv, endpoint, &root, foreign, "").await;
        assert_eq!(status, 200, "{endpoint}: {body}");
        // …the scoped one gets a 404 and nothing of the user.
        let (status, body) = tab(&srv, endpoint, &limited, foreign, "").await;
        assert_eq!(status, 404, "{endpoint}: {body}");
        let text = body.to_string();
        assert!(
            !text.contains("far-away") && !text.contains("Far") && !text.contains("rows"),
            "{endpoint}: {text}"
        );
        // Without users.view: 403 before anything is looked up.
        let (status, _) = tab(&srv, endpoint, &noperm, o.id, "").await;
        assert_eq!(status, 403, "{endpoint}");
        // An unknown user is a 404 as well.
        let (status, _) = tab(&srv, endpoint, &root, 9_999_999, "").await;
        assert_eq!(status, 404, "{endpoint}");
    }

    // The owner is in scope, but only its in-scope camera is listed.
    let (status, mine) = tab(&srv, "cameras", &limited, o.id, "query[sort]=id").await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(ids(&mine), vec![o.camera]);
    // Its address: the names along its location's path, from the city down.
    let loc = mine["rows"][0]["location"].as_str().unwrap();
    let path = scalar(
        &st,
        format!(
            "SELECT l.path FROM cameras c JOIN locations l ON l.id = c.location_id WHERE c.id = {}",
            o.camera
        ),
    )
    .await;
    let mut names = vec![];
    for id in path.trim_matches('/').split('/') {
        names.push(scalar(&st, format!("SELECT name FROM locations WHERE id = {id}")).await);
    }
    assert!(names.len() >= 2, "{path}");
    assert_eq!(loc, names.join(", "));
    assert!(loc.contains("Entrance"), "{loc}");
    let (_, all) = tab(&srv, "cameras", &root, o.id, "query[sort]=id").await;
    let mut expected = vec![o.camera, o.foreign_camera];
    expected.sort();
    assert_eq!(ids(&all), expected);
    // Every camera a scoped administrator sees on any in-scope user's tab
    // lies in its city.
    let visible = count(&st, &format!(
            "SELECT MIN(u.id) FROM users u WHERE u.parent_id IS NULL AND EXISTS (SELECT 1 FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
             JOIN locations l ON l.id = c.location_id WHERE uc.user_id = u.id AND l.path LIKE '/{city}/%') AND u.id <> {}",
            o.id
        ),
    )
    .await;
    let (_, theirs) = tab(&srv, "cameras", &limited, visible, "query[sort]=id").await;
    assert!(!ids(&theirs).is_empty());
    for cam in ids(&theirs) {
        let n = count(
            &st,
            &format!(
                "SELECT COUNT(*) FROM cameras c JOIN locations l ON l.id = c.location_id WHERE c.id = {cam} AND l.path LIKE '/{city}/%'"
            ),
        )
        .await;
        assert_eq!(n, 1, "camera {cam} is out of scope");
    }
    let _ = (o.intercom, o.sub);
});

both!(tabs_render_on_the_server, |st: AppState| async move {
    demo(&st).await;
    let (city, inside, outside) = places(&st).await;
    let o = owner(&st, inside, outside).await;
    // A user with neither users-index nor licences: two tabs do not exist.
    let plain = user(&st, "plain-user").await;
    let in_scope_plain = user(&st, "plain-in-scope").await;
    camera(&st, in_scope_plain, "Plain porch", Some(inside)).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let (_, noperm) = admin_session(&st, "noperm").await;
    let (_, viewer) = admin_session(&st, "card-viewer").perms(&["users.view"]).scope(&[city]).await;
    let srv = serve(st.clone()).await;
    let id = o.id;

    // What each tab shows of the owner (a new tab is a new arm).
    for tab in CardTab::ALL {
        let needles: Vec<String> = match tab {
            CardTab::User => vec![
                "ACC-card-owner".into(),
                "C-777".into(),
                "Home 100".into(),
                "gold".into(),
                "floors".into(),
            ],
            CardTab::Cameras => vec![
                "Porch camera".into(),
                "Dacha camera".into(),
                format!("/cameras/{}/general", o.camera),
            ],
            CardTab::Intercoms => vec![
                "Gate intercom".into(),
                "0000003045CAAC".into(),
                format!("/intercoms/{}/general", o.intercom),
            ],
            CardTab::SubUsers => vec!["card-owner-sub".into(), format!("/users/{}/user", o.sub)],
            CardTab::BillingEvents => vec!["req-card-1".into(), "Billing. Attach camera".into()],
            CardTab::Access => vec!["perm-users-index".into(), "Analytics types".into()],
            CardTab::Analytics => vec!["Level 1".into(), "Data will be deleted on 2026-11-27".into()],
        };
        let Answer { status, body: html, .. } = srv.get(&format!("/users/{id}/{tab}"), &root).await;
        assert_eq!(status, 200, "{tab}: {html}");
        // The header and the tab list come with every tab.
        assert!(html.contains("card-owner") && html.contains("role=\"tablist\""), "{tab}");
        assert!(html.contains(&format!("id=\"tab-{tab}\"")), "{tab}");
        for n in &needles {
            assert!(html.contains(n.as_str()), "{tab}: missing {n}");
        }
        // The active tab is the selected one and the only tab stop.
        let tag = tag_of(&html, &format!("id=\"tab-{tab}\""));
        assert!(tag.contains("aria-selected=\"true\"") && tag.contains("tabindex=\"0\""), "{tag}");
        assert_eq!(html.matches("tabindex=\"0\"").count(), 2, "{tab}: one tab stop plus the panel");
    }
    // Every tab, in catalogue order.
    let Answer { body: html, .. } = srv.get(&format!("/users/{id}/user"), &root).await;
    let at: Vec<usize> = CardTab::ALL
        .iter()
        .map(|t| html.find(&format!("id=\"tab-{t}\"")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    // Access: checked exactly as held; disabled only without users.access.edit.
    let Answer { body: html, .. } = srv.get(&format!("/users/{id}/access"), &root).await;
    assert!(tag_of(&html, "id=\"perm-users-index\"").contains("checked"));
    assert!(!tag_of(&html, "id=\"perm-ptz\"").contains("checked"));
    assert!(!tag_of(&html, "id=\"perm-ptz\"").contains("disabled"));
    assert!(html.contains("data-permissions-version=\"3\""));
    let Answer { body: html, .. } = srv.get(&format!("/users/{id}/access"), &viewer).await;
    assert!(tag_of(&html, "id=\"perm-users-index\"").contains("checked"));
    assert!(tag_of(&html, "id=\"perm-ptz\"").contains("disabled"));
    assert!(html.contains("users.access.edit"));
    // Analytics: used counts the sub user's case camera.
    let (_, body) = tab(&srv, "analytics", &root, id, "").await;
    assert_eq!(body[0]["total"], 3);
    assert_eq!(body[0]["used"], 1);
    assert_eq!(body[0]["free"], 2);
    assert!(body[0]["deleted_on"].is_null());
    assert_eq!(body[1]["deleted_on"], "2026-11-27");

    // /users/:id opens the User tab.
    let Answer { status, location, .. } = srv.get(&format!("/users/{id}"), &root).await;
    assert_eq!(status, 302);
    assert_eq!(location, format!("/users/{id}/user"));
    // Unknown tab, unknown user, non-numeric id, hidden tabs: 404 pages.
    for path in [
        format!("/users/{id}/nope"),
        "/users/9999999/user".to_string(),
        "/users/abc/cameras".to_string(),
        format!("/users/{plain}/sub-users"),
    ] {
        let Answer { status, body: html, .. } = srv.get(&path, &root).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("404"), "{path}");
        assert!(!html.contains("card-owner"), "{path}");
    }
    // The plain user's card lists neither hidden tab for an administrator
    // without licenses.edit…
    let Answer { status, body: html, .. } = srv.get(&format!("/users/{in_scope_plain}/user"), &viewer).await;
    assert_eq!(status, 200);
    assert!(!html.contains("tab-sub-users") && !html.contains("tab-analytics"));
    let Answer { status, body: html, .. } = srv.get(&format!("/users/{in_scope_plain}/analytics"), &viewer).await;
    assert_eq!(status, 404);
    assert!(html.contains("404"));
    // …while one with licenses.edit gets the Analytics tab, empty, with the
    // form that gives the first licences.
    let Answer { status, body: html, .. } = srv.get(&format!("/users/{plain}/user"), &root).await;
    assert_eq!(status, 200);
    assert!(!html.contains("tab-sub-users") && html.contains("tab-analytics"));
    let Answer { status, body: html, .. } = srv.get(&format!("/users/{plain}/analytics"), &root).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("The user has no analytics licences.") && html.contains("licence-form"),
        "{html}"
    );
    // Missing permission: 403. No session: to sign-in and back.
    let Answer { status, body: html, .. } = srv.get(&format!("/users/{id}/cameras"), &noperm).await;
    assert_eq!(status, 403);
    assert!(!html.contains("Porch camera"));
    let Answer { status, location, .. } = srv.get(&format!("/users/{id}/cameras"), "").await;
    assert!(status == 302 || status == 303, "{status}");
    assert!(location.starts_with("/login?next="), "{location}");
    assert!(location.contains(&format!("users/{id}/cameras")), "{location}");
});

/// The opening tag that contains `marker`.
fn tag_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("{marker} not in page"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// 10,000 cameras and `events` billing events for one user.
async fn heavy_user(st: &AppState, events: i64) -> i64 {
    let id = user(st, "heavy").name("Heavy Business").await;
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let txn = st.write().await.unwrap();
    let first_cam = app::backend::bulk::next_id(&*txn, "cameras").await.unwrap();
    let cams: Vec<Vec<Value>> = (0..10_000i64)
        .map(|i| {
            vec![
                (first_cam + i).into(),
                format!("Cam {:05}", (i * 7919) % 10_000).into(),
                format!("0A:00:00:{:02X}:{:02X}:{:02X}", (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF).into(),
                format!("SNH-{i}").into(),
                ["active", "inactive", "empty", "partially_active"][(i % 4) as usize].into(),
                "manual".into(),
                base.into(),
            ]
        })
        .collect();
    insert(
        &*txn,
        "cameras",
        &["id", "name", "mac", "serial_number", "status", "source", "created_at"],
        cams,
    )
    .await
    .unwrap();
    let links = (0..10_000i64)
        .map(|i| vec![id.into(), (first_cam + i).into(), base.into()])
        .collect();
    insert(&*txn, "user_cameras", &["user_id", "camera_id", "created_at"], links)
        .await
        .unwrap();
    let events = (0..events)
        .map(|i| {
            let at = base + Duration::seconds(i * 10);
            vec![
                format!("heavy-{i}").into(),
                "billing.attach_camera".into(),
                id.into(),
                "{}".into(),
                "applied".into(),
                202i32.into(),
                at.into(),
                at.into(),
            ]
        })
        .collect();
    insert(
        &*txn,
        "billing_events",
        &[
            "request_id",
            "event_type",
            "user_id",
            "payload",
            "outcome",
            "http_status",
            "received_at",
            "processed_at",
        ],
        events,
    )
    .await
    .unwrap();
    app::backend::bulk::fix_sequences(&*txn, &["cameras"]).await.unwrap();
    txn.commit().await.unwrap();
    // Fresh statistics, as a live database would have.
    st.db.execute_unprepared("ANALYZE").await.unwrap();
    id
}

both!(heavy_user_pages_stay_bounded, |st: AppState| async move {
    let id = heavy_user(&st, 200_000).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;

    // Billing events: newest first, one page, a cursor onwards.
    let (status, first) = tab(&srv, "billing-events", &root, id, "").await;
    assert_eq!(status, 200, "{first}");
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[0]["request_id"], "heavy-199999");
    assert_eq!(rows[24]["request_id"], "heavy-199975");
    assert!(first["next"].is_string() && first["prev"].is_null());
    let next = first["next"].as_str().unwrap();
    let (_, second) = tab(&srv, "billing-events", &root, id, &format!("query[after]={next}")).await;
    assert_eq!(second["rows"][0]["request_id"], "heavy-199974");
    let (status, last) = tab(&srv, "billing-events", &root, id, "query[last]=true").await;
    assert_eq!(status, 200);
    let rows = last["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[24]["request_id"], "heavy-0");
    assert_eq!(rows[0]["request_id"], "heavy-24");
    assert!(last["next"].is_null() && last["prev"].is_string());

    // The statement behind a page reads one page plus one row, and walks an
    // index in (received_at, id) order under a LIMIT instead of sorting the
    // history. (SQLite takes (user_id, received_at, id); PostgreSQL, seeing
    // that this user owns every row of the table, may walk (received_at, id)
    // and filter: equally bounded.)
    let query = app::types::TableQuery {
        after: Some(next.to_string()),
        ..Default::default()
    };
    let (plan, base, mut values) = app::backend::services::card_tables::billing_events_plan(id, &query).unwrap();
    let (cond, extra) = plan.where_sql(values.len());
    values.extend(extra);
    let sql = format!("{base}{cond}{}", plan.order_sql());
    let backend = st.db.get_database_backend();
    let fetched = st
        .db
        .query_all_raw(Statement::from_sql_and_values(backend, &sql, values.clone()))
        .await
        .unwrap();
    assert_eq!(fetched.len(), 26, "LIMIT page + 1");
    let plan_text = explain(&st, &sql, values).await;
    match backend {
        sea_orm::DbBackend::Postgres => {
            assert!(plan_text.starts_with("Limit"), "{plan_text}");
            assert!(
                plan_text.contains("Index Scan Backward using billing_events_user")
                    || plan_text.contains("Index Scan Backward using billing_events_received"),
                "{plan_text}"
            );
            assert!(!plan_text.contains("Sort"), "{plan_text}");
        }
        _ => {
            assert!(plan_text.contains("USING INDEX billing_events_user"), "{plan_text}");
            assert!(!plan_text.contains("TEMP B-TREE"), "{plan_text}");
        }
    }

    // Cameras: one page of 25 of 10,000; the last page ends at the last camera.
    let (status, cams) = tab(&srv, "cameras", &root, id, "query[sort]=id").await;
    assert_eq!(status, 200, "{cams}");
    assert_eq!(ids(&cams).len(), 25);
    assert!(cams["next"].is_string());
    let max = count(&st, &format!("SELECT MAX(camera_id) FROM user_cameras WHERE user_id = {id}")).await;
    let min = count(&st, &format!("SELECT MIN(camera_id) FROM user_cameras WHERE user_id = {id}")).await;
    assert_eq!(ids(&cams)[0], min);
    let (_, last) = tab(&srv, "cameras", &root, id, "query[sort]=id&query[last]=true").await;
    assert_eq!(ids(&last).len(), 25);
    assert_eq!(*ids(&last).last().unwrap(), max);
    assert!(last["next"].is_null() && last["prev"].is_string());
});

async fn explain(st: &AppState, sql: &str, values: Vec<Value>) -> String {
    let backend = st.db.get_database_backend();
    let prefix = match backend {
        sea_orm::DbBackend::Postgres => "EXPLAIN ",
        _ => "EXPLAIN QUERY PLAN ",
    };
    let rows = st
        .db
        .query_all_raw(Statement::from_sql_and_values(backend, format!("{prefix}{sql}"), values))
        .await
        .unwrap();
    rows.iter()
        .map(|r| match backend {
            sea_orm::DbBackend::Postgres => r.try_get::<String>("", "QUERY PLAN").unwrap(),
            _ => r.try_get::<String>("", "detail").unwrap(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

both!(sorting_and_paging_reproduce_over_http, |st: AppState| async move {
    let id = heavy_user(&st, 0).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;
    let q = "query[sort]=name&query[dir]=desc";
    let (_, p1) = tab(&srv, "cameras", &root, id, q).await;
    let names = |v: &Json| column::<String>(&v["rows"], "name");
    let n1 = names(&p1);
    let mut sorted = n1.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(n1, sorted);
    assert_eq!(n1[0], "Cam 09999");
    let next = p1["next"].as_str().unwrap().to_string();
    let q2 = format!("{q}&query[after]={next}");
    let (_, p2) = tab(&srv, "cameras", &root, id, &q2).await;
    let (_, again) = tab(&srv, "cameras", &root, id, &q2).await;
    assert_eq!(p2, again, "the same query string gives the same page");
    let n2 = names(&p2);
    assert_eq!(n2[0], "Cam 09974");
    assert!(n2.iter().all(|n| n < n1.last().unwrap()));
    // Back from page 2 is page 1.
    let prev = p2["prev"].as_str().unwrap().to_string();
    let (_, back) = tab(&srv, "cameras", &root, id, &format!("{q}&query[before]={prev}")).await;
    assert_eq!(names(&back), n1);
    // The server-rendered page for that query string shows the same rows.
    let Answer { status, body: html, .. } = srv
        .get(&format!("/users/{id}/cameras?sort=name&dir=desc&after={next}"), &root)
        .await;
    assert_eq!(status, 200);
    for n in &n2 {
        assert!(html.contains(n.as_str()), "{n}");
    }
    assert!(!html.contains(n1[0].as_str()));
    assert!(html.contains("aria-sort=\"descending\""));
    // Sub users and intercoms take the same query string shape.
    let (status, _) = tab(&srv, "intercoms", &root, id, "query[sort]=created").await;
    assert_eq!(status, 200);
    let (status, body) = tab(&srv, "cameras", &root, id, "query[sort]=mac").await;
    assert_eq!(status, 422, "{body}");
});

/// Statements a card tab page may run, rendered on the server by direct
/// URL: the session with its administrator, permissions and scope; the card
/// user with everything the header shows; the tab's own (issue 12).
const MAX_STATEMENTS_PER_TAB_PAGE: u64 = 3;

// Counted by the state's statement counter (every statement on the pool and
// on the requests' own connections), for every tab of the catalogue, as a
// super administrator and as one whose scope is applied in SQL.
both!(card_tab_pages_stay_within_their_statements, |st: AppState| async move {
    use std::sync::atomic::Ordering;
    demo(&st).await;
    let (city, inside, outside) = places(&st).await;
    let o = owner(&st, inside, outside).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let (_, viewer) = admin_session(&st, "card-viewer")
        .perms(&["users.view", "licenses.edit"])
        .scope(&[city])
        .await;
    let srv = serve(st.clone()).await;
    for (who, cookie) in [("super", &root), ("scoped", &viewer)] {
        for (slug, label) in CardTab::ALL.iter().map(|t| (t.slug(), t.label())) {
            let before = st.statements.load(Ordering::SeqCst);
            let Answer { status, body: html, .. } = srv.get(&format!("/users/{}/{slug}", o.id), cookie).await;
            let ran = st.statements.load(Ordering::SeqCst) - before;
            assert_eq!(status, 200, "{who} {slug}: {html}");
            assert!(html.contains(label), "{who} {slug}: the tab is not on the page");
            // The session and the card user at least: the counter counts.
            assert!(ran >= 2, "{who} {slug}: only {ran} statements counted");
            assert!(
                ran <= MAX_STATEMENTS_PER_TAB_PAGE,
                "{who} {slug}: {ran} statements, at most {MAX_STATEMENTS_PER_TAB_PAGE}"
            );
        }
    }
    // Each request's connection went back to the pool with its response:
    // every connection is idle again (the last release may trail the last
    // byte the client read by a moment).
    let idle = || match st.backend() {
        sea_orm::DbBackend::Sqlite => {
            let p = st.db.get_sqlite_connection_pool();
            (p.num_idle(), p.size() as usize)
        }
        _ => {
            let p = st.db.get_postgres_connection_pool();
            (p.num_idle(), p.size() as usize)
        }
    };
    let mut waited = 0;
    while idle().0 != idle().1 && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
    }
    assert_eq!(idle().0, idle().1, "connections still taken after the responses ended");
});
