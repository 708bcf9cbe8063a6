//! Access settings, sub-user permissions and licence totals over HTTP: the
//! permission checks, the version precondition (409, nothing changes), the
//! cascade from main to sub users, the bounds of a sub user, and the audit.
//! Also the fixtures the retention suite shares.

use crate::both;
use crate::support::*;
use app::backend::{bulk, entities, AppState};
use sea_orm::{ConnectionTrait, EntityTrait, Set, Statement, Value};
use serde_json::Value as Json;

/// A user of `kind` ("billing", "admin" or "sub") holding `perms`.
pub async fn make_user(st: &AppState, login: &str, kind: &str, parent: Option<i64>, perms: &[&str]) -> i64 {
    let now = st.clock.now();
    let id = entities::users::Entity::insert(entities::users::ActiveModel {
        kind: Set(kind.into()),
        status: Set("active".into()),
        parent_id: Set(parent),
        login: Set(login.into()),
        password_hash: Set("x".into()),
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
    let rows = perms.iter().map(|p| vec![Value::from(id), Value::from(p.to_string())]).collect();
    bulk::insert(&st.db, "user_permissions", &["user_id", "slug"], rows).await.unwrap();
    id
}

pub async fn level_id(st: &AppState, name: &str) -> i64 {
    scalar_i64(&st.db, &format!("SELECT id FROM analytics_levels WHERE name = '{name}'")).await
}

pub async fn type_id(st: &AppState, slug: &str) -> i64 {
    scalar_i64(&st.db, &format!("SELECT id FROM analytics_types WHERE slug = '{slug}'")).await
}

pub async fn give_licences(st: &AppState, user: i64, level: i64, total: i32) {
    let now = st.clock.now();
    bulk::insert(
        &st.db,
        "licence_allocations",
        &["user_id", "level_id", "total", "removed_at", "version", "updated_at"],
        vec![vec![
            user.into(),
            level.into(),
            total.into(),
            Value::from(None::<chrono::DateTime<chrono::Utc>>),
            0i64.into(),
            now.into(),
        ]],
    )
    .await
    .unwrap();
}

/// An analytics case of `owner` (main user `main`) of type `type_slug` with
/// `cameras` new cameras and `events` events spread over them. Returns its id.
pub async fn make_case(st: &AppState, owner: i64, main: i64, type_slug: &str, cameras: usize, events: usize) -> i64 {
    let db = &st.db;
    let now = st.clock.now();
    let t = type_id(st, type_slug).await;
    let level = scalar_i64(db, &format!("SELECT level_id FROM analytics_types WHERE id = {t}")).await;
    let first_cam = bulk::next_id(db, "cameras").await.unwrap();
    let cams: Vec<Vec<Value>> = (0..cameras as i64)
        .map(|i| {
            let id = first_cam + i;
            vec![
                id.into(),
                format!("Cam {id}").into(),
                format!("02:00:00:{:02x}:{:02x}:{:02x}", (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff).into(),
                format!("SN{id}").into(),
                "active".into(),
                "manual".into(),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        db,
        "cameras",
        &["id", "name", "mac", "serial_number", "status", "source", "created_at"],
        cams,
    )
    .await
    .unwrap();
    let case = bulk::next_id(db, "analytics_cases").await.unwrap();
    bulk::insert(
        db,
        "analytics_cases",
        &[
            "id",
            "user_id",
            "main_user_id",
            "type_id",
            "level_id",
            "name",
            "status",
            "created_at",
        ],
        vec![vec![
            case.into(),
            owner.into(),
            main.into(),
            t.into(),
            level.into(),
            format!("Case {case}").into(),
            "active".into(),
            now.into(),
        ]],
    )
    .await
    .unwrap();
    let cc = (0..cameras as i64)
        .map(|i| vec![Value::from(case), Value::from(first_cam + i)])
        .collect();
    bulk::insert(db, "analytics_case_cameras", &["case_id", "camera_id"], cc)
        .await
        .unwrap();
    let ev = (0..events)
        .map(|e| {
            vec![
                Value::from(case),
                Value::from(first_cam + (e % cameras.max(1)) as i64),
                Value::from("line_crossed"),
                Value::from(format!("snap/{case}/{e}.jpg")),
                Value::from(now),
            ]
        })
        .collect();
    bulk::insert(
        db,
        "case_events",
        &["case_id", "camera_id", "kind", "snapshot_ref", "occurred_at"],
        ev,
    )
    .await
    .unwrap();
    bulk::fix_sequences(db, &["cameras", "analytics_cases"]).await.unwrap();
    case
}

pub async fn perms_of(st: &AppState, user: i64) -> Vec<String> {
    let rows = st
        .db
        .query_all_raw(Statement::from_sql_and_values(
            st.db.get_database_backend(),
            "SELECT slug FROM user_permissions WHERE user_id = $1 ORDER BY slug",
            vec![user.into()],
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "slug").unwrap()).collect()
}

async fn version_of(st: &AppState, user: i64) -> i64 {
    scalar_i64(&st.db, &format!("SELECT permissions_version FROM users WHERE id = {user}")).await
}

async fn audits(st: &AppState, action: &str) -> i64 {
    scalar_i64(&st.db, &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await
}

/// POSTs a server function with form fields; returns (status, JSON body).
pub async fn call(srv: &TestServer, cookie: &str, endpoint: &str, fields: &[(String, String)]) -> (u16, Json) {
    let r = srv
        .client
        .post(format!("{}/api/{endpoint}", srv.base))
        .header("cookie", cookie)
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Json::String(text)))
}

pub fn fields(pairs: &[(&str, String)], perms: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    out.extend(perms.iter().enumerate().map(|(i, p)| (format!("permissions[{i}]"), p.to_string())));
    out
}

both!(access_save_conflict_and_cascade, |st: AppState| async move {
    let main = make_user(&st, "main1", "billing", None, &["cameras-view", "ptz", "users-index"]).await;
    let sub = make_user(&st, "sub1", "sub", Some(main), &["cameras-view", "ptz"]).await;
    let other_sub = make_user(&st, "sub2", "sub", Some(main), &["cameras-view"]).await;
    let (_, boss) = admin_session(&st, "boss", true, &[], &[]).await;
    let (_, viewer) = admin_session(&st, "viewer", false, &["users.view"], &[]).await;
    let srv = serve(st.clone()).await;
    let wanted = ["cameras-view", "archives-show", "users-index"];
    let form = |version: i64, perms: &[&str]| fields(&[("user_id", main.to_string()), ("version", version.to_string())], perms);

    // Without users.access.edit: 403 and nothing changes.
    let (status, _) = call(&srv, &viewer, "access/save", &form(0, &wanted)).await;
    assert_eq!(status, 403);
    assert_eq!(perms_of(&st, main).await, ["cameras-view", "ptz", "users-index"]);

    // Unknown slug: 422 naming "permissions".
    let (status, body) = call(&srv, &boss, "access/save", &form(0, &["cameras-view", "fly-drones"])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("permissions"), "{body}");
    assert_eq!(version_of(&st, main).await, 0);

    // A real save: ptz taken away (from the sub user too), archives-show given.
    let (status, body) = call(&srv, &boss, "access/save", &form(0, &wanted)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["permissions_version"], 1);
    assert_eq!(body["added"], serde_json::json!(["archives-show"]));
    assert_eq!(body["removed"], serde_json::json!(["ptz"]));
    assert_eq!(body["sub_users_trimmed"], 1);
    assert_eq!(perms_of(&st, main).await, ["archives-show", "cameras-view", "users-index"]);
    assert_eq!(perms_of(&st, sub).await, ["cameras-view"]);
    assert_eq!(version_of(&st, sub).await, 1, "the trimmed sub user's version moves");
    assert_eq!(perms_of(&st, other_sub).await, ["cameras-view"]);
    assert_eq!(version_of(&st, other_sub).await, 0, "an untouched sub user keeps its version");
    assert_eq!(audits(&st, "access.save").await, 1);
    let detail = scalar_text(&st, "SELECT detail FROM audit_log WHERE action = 'access.save'").await;
    let detail: Json = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["added"], serde_json::json!(["archives-show"]));
    assert_eq!(detail["removed"], serde_json::json!(["ptz"]));
    assert_eq!(detail["sub_users_trimmed"], 1);

    // A second administrator saves on the same (now stale) version: 409, nothing changes.
    let (status, body) = call(&srv, &boss, "access/save", &form(0, &["cameras-view", "ptz", "marks-index"])).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("Another administrator"), "{body}");
    assert!(body.to_string().contains("the current settings are shown"), "{body}");
    assert_eq!(perms_of(&st, main).await, ["archives-show", "cameras-view", "users-index"]);
    assert_eq!(version_of(&st, main).await, 1);
    assert_eq!(audits(&st, "access.save").await, 1);

    // Out of scope (an administrator with the permission but no scope): 404.
    let (_, scoped) = admin_session(&st, "scoped", false, &["users.view", "users.access.edit"], &[]).await;
    let (status, _) = call(&srv, &scoped, "access/save", &form(1, &wanted)).await;
    assert_eq!(status, 404);

    // A sub user's own Access tab is bounded by its main user.
    let sub_form = |perms: &[&str]| fields(&[("user_id", sub.to_string()), ("version", "1".into())], perms);
    let (status, body) = call(&srv, &boss, "access/save", &sub_form(&["cameras-view", "ptz"])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["cameras-view"]);
    let (status, body) = call(&srv, &boss, "access/save", &sub_form(&["cameras-view", "archives-show"])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["archives-show", "cameras-view"]);
});

async fn scalar_text(st: &AppState, sql: &str) -> String {
    let row = st
        .db
        .query_one_raw(Statement::from_string(st.db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

both!(sub_user_permissions_are_bounded, |st: AppState| async move {
    let main = make_user(
        &st,
        "main2",
        "billing",
        None,
        &[
            "cameras-view",
            "analytic",
            "users-index",
            "analytic-cases-line-crossing",
            "analytic-cases-face-recognition",
        ],
    )
    .await;
    give_licences(&st, main, level_id(&st, "Level 1").await, 2).await;
    let sub = make_user(&st, "sub3", "sub", Some(main), &["cameras-view"]).await;
    let stranger = make_user(&st, "main3", "billing", None, &[]).await;
    let strangers_sub = make_user(&st, "sub4", "sub", Some(stranger), &[]).await;
    let (_, boss) = admin_session(&st, "boss", true, &[], &[]).await;
    let (_, no_sub_edit) = admin_session(&st, "limited", false, &["users.view", "users.access.edit"], &[]).await;
    let srv = serve(st.clone()).await;
    let form = |sub_id: i64, version: i64, perms: &[&str]| {
        fields(
            &[
                ("user_id", main.to_string()),
                ("sub_user_id", sub_id.to_string()),
                ("version", version.to_string()),
            ],
            perms,
        )
    };

    // Only what the main user holds, and analytics types of licensed levels, are offered.
    let (status, body) = call(
        &srv,
        &boss,
        "access/sub-user",
        &fields(&[("user_id", main.to_string()), ("sub_user_id", sub.to_string())], &[]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let offered: Vec<String> = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| {
            g["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["slug"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(offered.contains(&"analytic-cases-line-crossing".to_string()), "{offered:?}");
    assert!(!offered.contains(&"analytic-cases-face-recognition".to_string()), "{offered:?}");
    assert!(!offered.contains(&"ptz".to_string()), "{offered:?}");

    // Without subusers.edit: 403.
    let (status, _) = call(&srv, &no_sub_edit, "access/sub-user/save", &form(sub, 0, &["cameras-view"])).await;
    assert_eq!(status, 403);

    let (status, body) = call(
        &srv,
        &boss,
        "access/sub-user/save",
        &form(sub, 0, &["cameras-view", "analytic-cases-line-crossing"]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
    assert_eq!(audits(&st, "subuser.access.save").await, 1);

    // Forged: an analytics type of a level the main user has no licences for.
    let (status, body) = call(
        &srv,
        &boss,
        "access/sub-user/save",
        &form(sub, 1, &["cameras-view", "analytic-cases-face-recognition"]),
    )
    .await;
    assert!(status == 422 || status == 403, "{status} {body}");
    assert!(body.to_string().contains("permissions"), "{body}");
    // More than the main user holds.
    let (status, body) = call(&srv, &boss, "access/sub-user/save", &form(sub, 1, &["ptz"])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
    assert_eq!(version_of(&st, sub).await, 1);
    assert_eq!(audits(&st, "subuser.access.save").await, 1);

    // Stale version: 409.
    let (status, _) = call(&srv, &boss, "access/sub-user/save", &form(sub, 0, &["cameras-view"])).await;
    assert_eq!(status, 409);
    // Another main user's sub user: 404.
    let (status, _) = call(&srv, &boss, "access/sub-user/save", &form(strangers_sub, 0, &[])).await;
    assert_eq!(status, 404);
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
});

both!(licence_totals, |st: AppState| async move {
    let main = make_user(&st, "main4", "billing", None, &["analytic"]).await;
    let sub = make_user(&st, "sub5", "sub", Some(main), &[]).await;
    let l1 = level_id(&st, "Level 1").await;
    let l2 = level_id(&st, "Level 2").await;
    give_licences(&st, main, l1, 3).await;
    make_case(&st, main, main, "line-crossing", 1, 2).await;
    make_case(&st, sub, main, "smoke-fire", 1, 2).await; // the sub user's case uses the main user's licences
    let (_, boss) = admin_session(&st, "boss", true, &[], &[]).await;
    let (_, viewer) = admin_session(&st, "viewer", false, &["users.view"], &[]).await;
    let srv = serve(st.clone()).await;
    let set = |level: i64, total: i64, version: i64| {
        fields(
            &[
                ("user_id", main.to_string()),
                ("level_id", level.to_string()),
                ("total", total.to_string()),
                ("version", version.to_string()),
            ],
            &[],
        )
    };
    let total_of = |level: i64| {
        let st = st.clone();
        async move {
            scalar_i64(
                &st.db,
                &format!("SELECT CAST(total AS BIGINT) FROM licence_allocations WHERE user_id = {main} AND level_id = {level}"),
            )
            .await
        }
    };

    let (status, _) = call(&srv, &viewer, "access/licences/set", &set(l1, 5, 0)).await;
    assert_eq!(status, 403);
    // Below the 2 in use: 422 naming "total".
    let (status, body) = call(&srv, &boss, "access/licences/set", &set(l1, 1, 0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "total", "{body}");
    let (status, body) = call(&srv, &boss, "access/licences/set", &set(l1, -1, 0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(total_of(l1).await, 3);

    // The form shows used and free per level.
    let (status, body) = call(&srv, &boss, "access/licences", &fields(&[("user_id", main.to_string())], &[])).await;
    assert_eq!(status, 200, "{body}");
    let row = body["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level_id"] == l1)
        .unwrap()
        .clone();
    assert_eq!(
        (row["total"].as_i64(), row["used"].as_i64(), row["free"].as_i64()),
        (Some(3), Some(2), Some(1))
    );

    // Exactly the used number is fine; 0 (taking all away) is too.
    let (status, body) = call(&srv, &boss, "access/licences/set", &set(l1, 2, 0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);
    let (status, body) = call(&srv, &boss, "access/licences/set", &set(l1, 0, 1)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["deleted_on"].is_string(), "{body}");
    assert_eq!(
        app::backend::services::licences::hidden_levels(&st.db, main).await.unwrap(),
        vec![l1]
    );
    // Stale version: 409 and nothing changes.
    let (status, _) = call(&srv, &boss, "access/licences/set", &set(l1, 5, 1)).await;
    assert_eq!(status, 409);
    assert_eq!(total_of(l1).await, 0);
    // A new level (no row yet, version 0).
    let (status, body) = call(&srv, &boss, "access/licences/set", &set(l2, 4, 0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(total_of(l2).await, 4);
    // Licences for a sub user are refused: it draws on its main user's.
    let mut f = set(l2, 4, 0);
    f[0].1 = sub.to_string();
    let (status, _) = call(&srv, &boss, "access/licences/set", &f).await;
    assert_eq!(status, 422);
    assert_eq!(audits(&st, "licences.set").await, 3);
});
