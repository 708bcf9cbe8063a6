//! Consistency and scope rules (issue 13, items 8 and 12): a grant to a sub
//! user cannot race with the main user losing the permission; taking a
//! level's licences away takes its analytics types from the sub users; the
//! Intercoms tab follows the administrator's scope; billing owns the login
//! namespace.

use crate::both;
use crate::client::{call, client_cookie, json, licence, user};
use crate::security::location;
use crate::sessions::billing_event;
use crate::support::*;
use app::backend::entities::intercoms;
use app::backend::AppState;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use std::time::Duration;

fn s(v: impl ToString) -> String {
    v.to_string()
}

async fn count(st: &AppState, sql: &str) -> i64 {
    scalar_i64(&st.db, sql).await
}

both!(sub_user_grant_cannot_race_a_removal, |st: AppState| async move {
    let alice = user(
        &st,
        "alice",
        "active",
        None,
        &["cameras-view", "ptz", "users-index", "users-store", "users-update"],
        false,
    )
    .await;
    let helper = user(&st, "alice-helper", "active", Some(alice), &["cameras-view"], false).await;
    let alice_c = client_cookie(&st, alice).await;
    let srv = serve(st.clone()).await;

    for attempt in ["create", "update"] {
        // An Access save that takes `ptz` from Alice (and trims her sub
        // users) is under way: its transaction holds her row (PostgreSQL) or
        // the writer lock (SQLite) while the grant arrives.
        let txn = st.write().await.unwrap();
        for sql in [
            format!("UPDATE users SET permissions_version = permissions_version + 1 WHERE id = {alice}"),
            format!("DELETE FROM user_permissions WHERE user_id = {alice} AND slug = 'ptz'"),
            format!("DELETE FROM user_permissions WHERE slug = 'ptz' AND user_id IN (SELECT id FROM users WHERE parent_id = {alice})"),
        ] {
            txn.execute_unprepared(&sql).await.unwrap();
        }
        let form: Vec<(&str, String)> = match attempt {
            "create" => vec![
                ("login", s("racer")),
                ("name", s("Racer")),
                ("password", s("racer-pw-1")),
                ("permissions[0]", s("cameras-view")),
                ("permissions[1]", s("ptz")),
            ],
            _ => vec![
                ("sub_user_id", s(helper)),
                ("permissions[0]", s("cameras-view")),
                ("permissions[1]", s("ptz")),
            ],
        };
        let endpoint = if attempt == "create" {
            "client/sub-users/create"
        } else {
            "client/sub-users/permissions"
        };
        let grant = {
            let (srv_base, client, cookie) = (srv.base.clone(), srv.client.clone(), alice_c.clone());
            tokio::spawn(async move {
                client
                    .post(format!("{srv_base}/api/{endpoint}"))
                    .header("cookie", cookie)
                    .header("accept", "application/json")
                    .form(&form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        };
        // Long enough for the grant to have read what it checks against
        // (argon2 hashing included) before the save commits.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        txn.commit().await.unwrap();
        let status = grant.await.unwrap();
        // Whatever the order, no sub user ends up holding what Alice lost.
        let leaked = count(
            &st,
            &format!(
                "SELECT COUNT(*) FROM user_permissions WHERE slug = 'ptz' AND user_id IN (SELECT id FROM users WHERE parent_id = {alice})"
            ),
        )
        .await;
        assert_eq!((attempt, status, leaked), (attempt, 422, 0));
        // Give `ptz` back for the next attempt.
        st.db
            .execute_unprepared(&format!("INSERT INTO user_permissions (user_id, slug) VALUES ({alice}, 'ptz')"))
            .await
            .unwrap();
    }
});

both!(licence_removal_trims_sub_users, |st: AppState| async move {
    let held = [
        "cameras-view",
        "analytic",
        "analytic-cases-line-crossing",
        "analytic-cases-visitor-counting",
    ];
    let alice = user(&st, "alice", "active", None, &held, false).await;
    let sub = user(&st, "alice-sub", "active", Some(alice), &held, false).await;
    let level = scalar_i64(&st.db, "SELECT level_id FROM analytics_types WHERE slug = 'line-crossing'").await;
    let other_level = scalar_i64(&st.db, "SELECT level_id FROM analytics_types WHERE slug = 'visitor-counting'").await;
    assert_ne!(level, other_level, "the test needs two levels");
    licence(&st, alice, &level_name(&st, level).await, 3).await;
    licence(&st, alice, &level_name(&st, other_level).await, 3).await;
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let srv = serve(st.clone()).await;

    let r = call(
        &srv,
        "access/licences/set",
        &root,
        &[("user_id", s(alice)), ("level_id", s(level)), ("total", s(0)), ("version", s(0))],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let slugs = |id: i64| {
        let st = &st;
        async move {
            st.db
                .query_all_raw(sea_orm::Statement::from_string(
                    st.db.get_database_backend(),
                    format!("SELECT slug FROM user_permissions WHERE user_id = {id} ORDER BY slug"),
                ))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get_by_index::<String>(0).unwrap())
                .collect::<Vec<_>>()
        }
    };
    // The sub user loses the unlicensed level's types only; the main user
    // keeps its own (the rule bounds sub users).
    assert_eq!(slugs(sub).await, ["analytic", "analytic-cases-visitor-counting", "cameras-view"]);
    assert_eq!(slugs(alice).await.len(), 4);
    assert_eq!(
        count(&st, &format!("SELECT permissions_version FROM users WHERE id = {sub}")).await,
        1
    );
    assert_eq!(
        count(
            &st,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'licences.set' AND detail LIKE '%\"sub_users_trimmed\":1%'"
        )
        .await,
        1
    );
});

async fn level_name(st: &AppState, level: i64) -> String {
    let row = st
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            st.db.get_database_backend(),
            format!("SELECT name FROM analytics_levels WHERE id = {level}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

async fn intercom(st: &AppState, name: &str, location: i64, tenant: i64) -> i64 {
    let id = intercoms::Entity::insert(intercoms::ActiveModel {
        name: Set(name.into()),
        address: Set(format!("{name} street 1")),
        department: Set("Entrance 1".into()),
        status: Set("online".into()),
        location_id: Set(Some(location)),
        flat_from: Set(1),
        flat_to: Set(40),
        created_at: Set(st.clock.now()),
        ..Default::default()
    })
    .exec(&st.db)
    .await
    .unwrap()
    .last_insert_id;
    apartment(&st.db, id, 7, tenant, st.clock.now()).await;
    id
}

both!(intercoms_tab_follows_the_scope, |st: AppState| async move {
    let (north, _) = location(&st, None, "city", "North").await;
    let (south, _) = location(&st, None, "city", "South").await;
    let alice = user(&st, "alice", "active", None, &["intercom-index"], false).await;
    crate::security::camera(&st, alice, "North porch", north).await;
    intercom(&st, "North gate", north, alice).await;
    intercom(&st, "South gate", south, alice).await;
    let (_, scoped) = admin_session(&st, "north", false, &["users.view"], &[north]).await;
    let (_, root) = admin_session(&st, "root", true, &[], &[]).await;
    let srv = serve(st.clone()).await;
    let names = |cookie: String| {
        let srv = &srv;
        async move {
            let page = json(
                call(
                    srv,
                    "card/intercoms",
                    &cookie,
                    &[("user_id", s(alice)), ("query[last]", s("false"))],
                )
                .await,
            )
            .await;
            page["rows"]
                .as_array()
                .unwrap_or_else(|| panic!("{page}"))
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(scoped).await, ["North gate"]);
    assert_eq!(names(root).await.len(), 2);
});

both!(billing_owns_the_login_namespace, |st: AppState| async move {
    let alice = user(&st, "alice", "active", None, &["users-index", "users-store"], false).await;
    let alice_c = client_cookie(&st, alice).await;
    let srv = serve(st.clone()).await;
    let create = |login: &'static str| {
        let (srv, cookie) = (&srv, alice_c.clone());
        async move {
            let form = [("login", s(login)), ("name", s("Helper")), ("password", s("helper-pw-1"))];
            call(srv, "client/sub-users/create", &cookie, &form).await
        }
    };
    let login_of = |id: i64| {
        let st = &st;
        async move {
            st.db
                .query_one_raw(sea_orm::Statement::from_string(
                    st.db.get_database_backend(),
                    format!("SELECT login FROM users WHERE id = {id}"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<String>(0)
                .unwrap()
        }
    };
    // A subscriber takes a login billing needs later…
    let r = create("carol").await;
    assert_eq!(r.status(), 200);
    let carol_sub = json(r).await.as_i64().unwrap();
    let r = create("dave").await;
    let dave_sub = json(r).await.as_i64().unwrap();

    // …billing's new_entity still gets it; the sub user moves aside.
    let a = billing_event(
        &st,
        "ns-1",
        "billing.new_entity",
        serde_json::json!({ "account": "B-1", "login": "carol", "password": "carol-pw-1", "name": "Carol" }),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let carol = count(&st, "SELECT id FROM users WHERE account = 'B-1'").await;
    assert_eq!(login_of(carol).await, "carol");
    assert_eq!(login_of(carol_sub).await, format!("carol~sub{carol_sub}"));
    assert!(a.body["detail"].as_str().unwrap().contains("gave the login up"), "{}", a.body);

    // update_login too.
    let a = billing_event(
        &st,
        "ns-2",
        "billing.new_entity",
        serde_json::json!({ "account": "B-2", "login": "erin", "password": "erin-pw-1", "name": "Erin" }),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let erin = count(&st, "SELECT id FROM users WHERE account = 'B-2'").await;
    let a = billing_event(
        &st,
        "ns-3",
        "billing.update_login",
        serde_json::json!({ "account": "B-2", "login": "dave" }),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(login_of(erin).await, "dave");
    assert_eq!(login_of(dave_sub).await, format!("dave~sub{dave_sub}"));

    // Between subscribers (billing users) the namespace is still shared and
    // unique: a taken login stays a 422, and a subscriber cannot take a
    // billing user's login.
    let a = billing_event(
        &st,
        "ns-4",
        "billing.update_login",
        serde_json::json!({ "account": "B-2", "login": "carol" }),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(login_of(erin).await, "dave");
    assert_eq!(create("carol").await.status(), 422);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'carol'").await, 1);
});
