//! Consistency and scope rules (issue 13, items 8 and 12): a grant to a sub
//! user cannot race with the main user losing the permission; taking a
//! level's licences away takes its analytics types from the sub users; the
//! Intercoms tab follows the administrator's scope; billing owns the login
//! namespace.

use crate::both;
use crate::support::*;
use app::backend::AppState;
use sea_orm::ConnectionTrait;
use std::time::Duration;

both!(sub_user_grant_cannot_race_a_removal, |st: AppState| async move {
    let alice = user(&st, "alice")
        .perms(&["cameras-view", "ptz", "users-index", "users-store", "users-update"])
        .await;
    let helper = user(&st, "alice-helper").sub_of(alice).perms(&["cameras-view"]).await;
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
        let (endpoint, who) = match attempt {
            "create" => ("client/sub-users/create", "login=racer&name=Racer&password=racer-pw-1".to_string()),
            _ => ("client/sub-users/permissions", format!("sub_user_id={helper}")),
        };
        let form = format!("{who}&permissions[0]=cameras-view&permissions[1]=ptz");
        let grant = async { srv.post_fn(endpoint, &alice_c, &form).await.status };
        let save = async {
            // Long enough for the grant to have read what it checks against
            // (argon2 hashing included) before the save commits.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            txn.commit().await.unwrap();
        };
        let (status, ()) = tokio::join!(grant, save);
        // Whatever the order, no sub user ends up holding what Alice lost.
        let subs = format!("SELECT id FROM users WHERE parent_id = {alice}");
        let leaked = count(
            &st,
            format!("SELECT COUNT(*) FROM user_permissions WHERE slug = 'ptz' AND user_id IN ({subs})"),
        )
        .await;
        assert_eq!((attempt, status, leaked), (attempt, 422, 0));
        // Give `ptz` back for the next attempt.
        exec(&st, format!("INSERT INTO user_permissions (user_id, slug) VALUES ({alice}, 'ptz')")).await;
    }
});

both!(licence_removal_trims_sub_users, |st: AppState| async move {
    let held = [
        "cameras-view",
        "analytic",
        "analytic-cases-line-crossing",
        "analytic-cases-visitor-counting",
    ];
    let alice = user(&st, "alice").perms(&held).await;
    let sub = user(&st, "alice-sub").sub_of(alice).perms(&held).await;
    let level = count(&st, "SELECT level_id FROM analytics_types WHERE slug = 'line-crossing'").await;
    let other_level = count(&st, "SELECT level_id FROM analytics_types WHERE slug = 'visitor-counting'").await;
    assert_ne!(level, other_level, "the test needs two levels");
    licences(&st, alice, level, 3).await;
    licences(&st, alice, other_level, 3).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;

    let form = [("user_id", alice), ("level_id", level), ("total", 0), ("version", 0)];
    let (status, body) = srv.call_fn("access/licences/set", &root, &form).await;
    assert_eq!(status, 200, "{body}");
    // The sub user loses the unlicensed level's types only; the main user
    // keeps its own (the rule bounds sub users).
    assert_eq!(
        perms_of(&st, sub).await,
        ["analytic", "analytic-cases-visitor-counting", "cameras-view"]
    );
    assert_eq!(perms_of(&st, alice).await.len(), 4);
    assert_eq!(
        count(&st, format!("SELECT permissions_version FROM users WHERE id = {sub}")).await,
        1
    );
    let trimmed = "SELECT COUNT(*) FROM audit_log WHERE action = 'licences.set' AND detail LIKE '%\"sub_users_trimmed\":1%'";
    assert_eq!(count(&st, trimmed).await, 1);
});

both!(intercoms_tab_follows_the_scope, |st: AppState| async move {
    let (north, _) = location(&st, None, "city", "North").await;
    let (south, _) = location(&st, None, "city", "South").await;
    let alice = user(&st, "alice").perms(&["intercom-index"]).await;
    camera(&st, alice, "North porch", Some(north)).await;
    for (name, city) in [("North gate", north), ("South gate", south)] {
        let intercom = intercom(&st, name, Some(city)).await;
        apartment(&st, intercom, 7, alice).await;
    }
    let (_, scoped) = admin_session(&st, "north").perms(&["users.view"]).scope(&[north]).await;
    let (_, root) = admin_session(&st, "root").super_admin().await;
    let srv = serve(st.clone()).await;
    let names = |cookie: String| {
        let srv = &srv;
        async move {
            let form = format!("user_id={alice}&query[last]=false");
            column::<String>(&srv.post_fn("card/intercoms", &cookie, &form).await.json()["rows"], "name")
        }
    };
    assert_eq!(names(scoped).await, ["North gate"]);
    assert_eq!(names(root).await.len(), 2);
});

both!(billing_owns_the_login_namespace, |st: AppState| async move {
    let alice = user(&st, "alice").perms(&["users-index", "users-store"]).await;
    let alice_c = client_cookie(&st, alice).await;
    let srv = serve(st.clone()).await;
    let create = |login: &'static str| {
        let (srv, cookie) = (&srv, alice_c.clone());
        let form = format!("login={login}&name=Helper&password=helper-pw-1");
        async move { srv.post_fn("client/sub-users/create", &cookie, &form).await }
    };
    let login_of = |id: i64| scalar(&st, format!("SELECT login FROM users WHERE id = {id}"));
    let new_entity = |account: &str, login: &str| serde_json::json!({ "account": account, "login": login, "password": format!("{login}-pw-1"), "name": login });
    // A subscriber takes a login billing needs later…
    let r = create("carol").await;
    assert_eq!(r.status, 200);
    let carol_sub = r.json().as_i64().unwrap();
    let dave_sub = create("dave").await.json().as_i64().unwrap();

    // …billing's new_entity still gets it; the sub user moves aside.
    let a = billing_event(&st, "ns-1", "billing.new_entity", new_entity("B-1", "carol")).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let carol = account(&st, "B-1").await;
    assert_eq!(login_of(carol).await, "carol");
    assert_eq!(login_of(carol_sub).await, format!("carol~sub{carol_sub}"));
    assert!(a.body["detail"].as_str().unwrap().contains("gave the login up"), "{}", a.body);

    // update_login too.
    let a = billing_event(&st, "ns-2", "billing.new_entity", new_entity("B-2", "erin")).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let erin = account(&st, "B-2").await;
    let data = serde_json::json!({ "account": "B-2", "login": "dave" });
    let a = billing_event(&st, "ns-3", "billing.update_login", data).await;
    assert_eq!(a.status, 202, "{}", a.body);
    assert_eq!(login_of(erin).await, "dave");
    assert_eq!(login_of(dave_sub).await, format!("dave~sub{dave_sub}"));

    // Between subscribers (billing users) the namespace is still shared and
    // unique: a taken login stays a 422, and a subscriber cannot take a
    // billing user's login.
    let data = serde_json::json!({ "account": "B-2", "login": "carol" });
    let a = billing_event(&st, "ns-4", "billing.update_login", data).await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(login_of(erin).await, "dave");
    assert_eq!(create("carol").await.status, 422);
    assert_eq!(count(&st, "SELECT COUNT(*) FROM users WHERE login = 'carol'").await, 1);
});
