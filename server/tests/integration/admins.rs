//! Administrators and the audit log over HTTP (issue 16): escalation
//! attempts get 403 and change nothing (a permission not held, a wider
//! scope, editing a stronger administrator, disabling oneself, creating
//! beyond one's rights); concurrent edits of one administrator get 409;
//! disabling ends the administrator's sessions; every change is audited
//! with before and after; the audit log is limited to the reader's scope
//! and filters by administrator and user. Also the sub user's own Access
//! settings tab (offers exactly what may be granted) and the demo data's
//! conformance to the domain rules.

use crate::both;
use crate::support::*;
use app::backend::AppState;
use serde_json::Value as Json;

/// Everything about administrator `id` that an edit could change.
async fn snapshot(st: &AppState, id: i64) -> (i64, i64, String, String) {
    let version = count(st, format!("SELECT version FROM admins WHERE id = {id}")).await;
    let disabled = format!("SELECT CAST(CASE WHEN disabled THEN 1 ELSE 0 END AS BIGINT) FROM admins WHERE id = {id}");
    let disabled = count(st, disabled).await;
    let list = |sql: String| async move { strings(st, sql).await.join(",") };
    let perms = list(format!("SELECT slug FROM admin_permissions WHERE admin_id = {id} ORDER BY slug")).await;
    let scope = list(format!(
        "SELECT CAST(location_id AS TEXT) FROM admin_scopes WHERE admin_id = {id} ORDER BY location_id"
    ))
    .await;
    (version, disabled, perms, scope)
}

async fn audit_count(st: &AppState) -> i64 {
    count(st, "SELECT COUNT(*) FROM audit_log").await
}

fn version_of(body: &Json) -> i64 {
    body["version"].as_i64().unwrap_or_else(|| panic!("no version in {body}"))
}

both!(escalation_is_refused_and_changes_nothing, |st: AppState| async move {
    let (city_a, a_path) = location(&st, None, "city", "City A").await;
    let (street_a, _) = location(&st, Some((city_a, &a_path)), "street", "Street A1").await;
    let (city_b, _) = location(&st, None, "city", "City B").await;
    let (manager, m_cookie) = admin_session(&st, "adm-manager")
        .perms(&["admins.manage", "users.view"])
        .scope(&[city_a])
        .await;
    let (weak, _) = admin_session(&st, "adm-weak").perms(&["users.view"]).scope(&[street_a]).await;
    let (strong, _) = admin_session(&st, "adm-strong")
        .perms(&["users.view", "users.sync"])
        .scope(&[street_a])
        .await;
    let (wide, _) = admin_session(&st, "adm-wide").perms(&["users.view"]).scope(&[city_b]).await;
    let (root, _) = admin_session(&st, "adm-root").super_admin().await;
    let srv = serve(st.clone()).await;
    let v = |id: i64| {
        let st = st.clone();
        async move { snapshot(&st, id).await.0 }
    };

    // (what, endpoint, the administrator it aims at, the rest of the form).
    let attempts = [
        (
            "grant a permission not held",
            "admins/permissions",
            weak,
            "&permissions[0]=users.view&permissions[1]=users.sync".to_string(),
        ),
        ("a scope wider than one's own", "admins/scope", weak, format!("&scope[0]={city_b}")),
        (
            "edit an administrator holding more permissions",
            "admins/permissions",
            strong,
            "&permissions[0]=users.view".into(),
        ),
        (
            "edit an administrator with a wider scope",
            "admins/scope",
            wide,
            format!("&scope[0]={street_a}"),
        ),
        (
            "disable a stronger administrator",
            "admins/enabled",
            strong,
            "&enabled=false".into(),
        ),
        ("disable a super-administrator", "admins/enabled", root, "&enabled=false".into()),
        (
            "reset a stronger administrator's password",
            "admins/password",
            strong,
            String::new(),
        ),
        ("disable oneself", "admins/enabled", manager, "&enabled=false".into()),
    ];
    for (what, endpoint, target, rest) in attempts {
        let form = format!("id={target}&version={}{rest}", v(target).await);
        let before = snapshot(&st, target).await;
        let audits = audit_count(&st).await;
        let (status, body) = srv.call_fn(endpoint, &m_cookie, &form).await;
        assert_eq!(status, 403, "{what}: {body}");
        assert_eq!(snapshot(&st, target).await, before, "{what} changed the administrator");
        assert_eq!(audit_count(&st).await, audits, "{what} was audited as done");
    }
    // The manager is still signed in: disabling oneself ended nothing.
    let (status, _) = srv.call_fn("me", &m_cookie, "").await;
    assert_eq!(status, 200);

    // Creating beyond one's rights: 403 and no administrator.
    let admins = count(&st, "SELECT COUNT(*) FROM admins").await;
    for (what, extra) in [
        ("a permission not held", "permissions[0]=audit.view".to_string()),
        ("a wider scope", format!("scope[0]={city_b}")),
    ] {
        let form = format!("login=adm-new&name=New&{extra}");
        let (status, body) = srv.call_fn("admins/create", &m_cookie, &form).await;
        assert_eq!(status, 403, "create with {what}: {body}");
        assert_eq!(count(&st, "SELECT COUNT(*) FROM admins").await, admins);
    }
    // Unknown permission: 422 naming the field.
    let form = format!("id={weak}&version={}&permissions[0]=fly.drones", v(weak).await);
    let (status, body) = srv.call_fn("admins/permissions", &m_cookie, &form).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("permissions"), "{body}");

    // Within its rights the same manager succeeds, and each change is audited.
    let form = format!("login=adm-new&name=New+Operator&permissions[0]=users.view&scope[0]={street_a}");
    let (status, body) = srv.call_fn("admins/create", &m_cookie, &form).await;
    assert_eq!(status, 200, "{body}");
    let created = body["id"].as_i64().unwrap();
    assert!(
        body["password"].as_str().is_some_and(|p| p.len() >= 10),
        "a generated password is shown once: {body}"
    );
    assert_eq!(snapshot(&st, created).await.2, "users.view");
    let version = v(weak).await;
    let form = format!("id={weak}&scope[0]={city_a}&version={version}");
    let (status, body) = srv.call_fn("admins/scope", &m_cookie, &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_i64(), Some(version + 1));
    let (_, before, after) = {
        #[derive(sea_orm::FromQueryResult)]
        struct A {
            action: String,
            before_value: Option<String>,
            after_value: Option<String>,
        }
        let a = app::backend::sql::row::<A, _>(
            &st.db,
            "SELECT action, before_value, after_value FROM audit_log WHERE target_admin_id = $1 ORDER BY id DESC LIMIT 1",
            vec![weak.into()],
        )
        .await
        .unwrap()
        .unwrap();
        (a.action, a.before_value.unwrap(), a.after_value.unwrap())
    };
    assert!(before.contains("City A / Street A1"), "{before}");
    assert_eq!(after, r#"["City A"]"#);
});

both!(concurrent_edits_of_one_administrator_conflict, |st: AppState| async move {
    let (city, _) = location(&st, None, "city", "City C").await;
    let (_, boss) = admin_session(&st, "adm-boss").super_admin().await;
    let (_, other_boss) = admin_session(&st, "adm-boss2").super_admin().await;
    let (target, _) = admin_session(&st, "adm-target").perms(&["users.view"]).scope(&[city]).await;
    let srv = serve(st.clone()).await;
    let (status, body) = srv.call_fn("admins/get", &boss, &[("id", target.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    let loaded = version_of(&body);

    // Two administrators save from the same loaded version at once: one wins.
    let a = fields(
        &[("id", target.to_string()), ("version", loaded.to_string())],
        &["users.view", "users.sync"],
    );
    let b = fields(
        &[("id", target.to_string()), ("version", loaded.to_string())],
        &["users.view", "audit.view"],
    );
    let (ra, rb) = tokio::join!(
        srv.call_fn("admins/permissions", &boss, &a),
        srv.call_fn("admins/permissions", &other_boss, &b)
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{ra:?} {rb:?}");
    let winner = if ra.0 == 200 { "audit.view" } else { "users.sync" };
    let loser_perms = snapshot(&st, target).await.2;
    assert!(!loser_perms.contains(winner), "the refused save changed something: {loser_perms}");
    assert_eq!(snapshot(&st, target).await.0, loaded + 1);

    // Every kind of change carries the precondition.
    for (endpoint, rest) in [
        ("admins/enabled", "&enabled=false"),
        ("admins/password", ""),
        ("admins/scope", ""),
        ("admins/permissions", ""),
    ] {
        let before = snapshot(&st, target).await;
        let form = format!("id={target}&version={loaded}{rest}");
        let (status, body) = srv.call_fn(endpoint, &boss, &form).await;
        assert_eq!(status, 409, "{endpoint}: {body}");
        assert_eq!(snapshot(&st, target).await, before, "{endpoint} changed something");
    }
});

both!(disabling_ends_sessions_and_is_audited, |st: AppState| async move {
    let (city, _) = location(&st, None, "city", "City D").await;
    let (boss_id, boss) = admin_session(&st, "adm-boss").super_admin().await;
    let (target, target_cookie) = admin_session(&st, "adm-op").perms(&["users.view"]).scope(&[city]).await;
    let srv = serve(st.clone()).await;
    let (status, _) = srv.call_fn("me", &target_cookie, "").await;
    assert_eq!(status, 200);
    let version = snapshot(&st, target).await.0;
    let form = format!("id={target}&enabled=false&version={version}");
    let (status, body) = srv.call_fn("admins/enabled", &boss, &form).await;
    assert_eq!(status, 200, "{body}");
    // Its next request: signed out.
    let (status, _) = srv.call_fn("me", &target_cookie, "").await;
    assert_eq!(status, 401);
    assert_eq!(
        count(&st, &format!("SELECT COUNT(*) FROM admin_sessions WHERE admin_id = {target}")).await,
        0
    );

    // The audit log shows it, with before and after, filtered by administrator.
    let (status, body) = srv.call_fn("audit/list", &boss, &[("query[admin]", boss_id.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    let row = &body["rows"][0];
    assert_eq!(row["action"], "admin.disable");
    assert_eq!(row["before"], r#"{"disabled":false}"#);
    assert_eq!(row["after"], r#"{"disabled":true}"#);
    assert_eq!(row["target"]["Admin"]["id"], target);
});

both!(audit_log_is_scoped_and_filtered, |st: AppState| async move {
    let (city_in, in_path) = location(&st, None, "city", "Audit In").await;
    let (entrance, _) = location(&st, Some((city_in, &in_path)), "entrance", "Entrance 1").await;
    let (city_out, out_path) = location(&st, None, "city", "Audit Out").await;
    let (entrance_out, _) = location(&st, Some((city_out, &out_path)), "entrance", "Entrance 2").await;
    let inside = user(&st, "audit-in").perms(&["cameras-view"]).await;
    let outside = user(&st, "audit-out").perms(&["cameras-view"]).await;
    camera(&st, inside, "porch", Some(entrance)).await;
    camera(&st, outside, "yard", Some(entrance_out)).await;
    let (boss_id, boss) = admin_session(&st, "adm-boss").super_admin().await;
    let (_, reader) = admin_session(&st, "adm-reader")
        .perms(&["audit.view", "users.view"])
        .scope(&[city_in])
        .await;
    let (_, no_audit) = admin_session(&st, "adm-noaudit").perms(&["users.view"]).scope(&[city_in]).await;
    let srv = serve(st.clone()).await;
    for user in [inside, outside] {
        let (status, body) = srv
            .call_fn(
                "access/save",
                &boss,
                &fields(
                    &[("user_id", user.to_string()), ("version", "0".to_string())],
                    &["cameras-view", "ptz"],
                ),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let users_in = |body: &Json| -> Vec<i64> {
        let targets = column::<Json>(&body["rows"], "target");
        targets.iter().filter_map(|t| t["User"]["id"].as_i64()).collect()
    };
    let (status, body) = srv.call_fn("audit/list", &reader, &[("query[last]", "false".to_string())]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(users_in(&body), [inside], "the reader sees only its scope: {body}");
    let (status, body) = srv.call_fn("audit/list", &boss, &[("query[user]", outside.to_string())]).await;
    assert_eq!(status, 200);
    assert_eq!(users_in(&body), [outside]);
    assert_eq!(body["rows"][0]["admin"][0], boss_id);
    let (status, body) = srv
        .call_fn(
            "audit/list",
            &boss,
            &[("query[from]", "2001-01-01".to_string()), ("query[to]", "2001-01-02".to_string())],
        )
        .await;
    assert_eq!(status, 200);
    assert!(body["rows"].as_array().unwrap().is_empty());
    let (status, body) = srv.call_fn("audit/list", &boss, &[("query[from]", "yesterday".to_string())]).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("from"), "{body}");
    let (status, _) = srv.call_fn("audit/list", &no_audit, &[("query[last]", "false".to_string())]).await;
    assert_eq!(status, 403);
});

both!(sub_users_own_access_tab_offers_what_may_be_granted, |st: AppState| async move {
    let main_perms = [
        "cameras-view",
        "ptz",
        "analytic",
        "analytic-cases-line-crossing",
        "analytic-cases-face-recognition",
        "users-index",
        "users-store",
    ];
    let no_licences = user(&st, "main-nolic").perms(&main_perms).await;
    let level1 = user(&st, "main-l1").perms(&main_perms).await;
    licences(&st, level1, level(&st, "Level 1").await, 3).await;
    let sub0 = user(&st, "sub-nolic").sub_of(no_licences).perms(&["cameras-view"]).await;
    let sub1 = user(&st, "sub-l1").sub_of(level1).perms(&["cameras-view"]).await;
    let (_, boss) = admin_session(&st, "adm-boss").super_admin().await;
    let srv = serve(st.clone()).await;
    for (main, sub, analytics) in [(no_licences, sub0, vec![]), (level1, sub1, vec!["analytic-cases-line-crossing"])] {
        let (status, own_tab) = srv.call_fn("card/access", &boss, &[("user_id", sub.to_string())]).await;
        assert_eq!(status, 200, "{own_tab}");
        let (status, main_tab) = srv
            .call_fn(
                "access/sub-user",
                &boss,
                &[("user_id", main.to_string()), ("sub_user_id", sub.to_string())],
            )
            .await;
        assert_eq!(status, 200);
        let mut expected: Vec<String> = ["cameras-view", "ptz", "analytic"].iter().map(|s| s.to_string()).collect();
        expected.extend(analytics.iter().map(|s| s.to_string()));
        let mut got = offered(&own_tab);
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "the sub user's own tab offers exactly what may be granted");
        assert_eq!(own_tab["groups"], main_tab["groups"], "one rule for both tabs");
        assert!(!own_tab.to_string().contains("\"Sub users\""), "{own_tab}");
        // What is not offered is refused, and changes nothing.
        let (status, body) = srv
            .call_fn(
                "access/save",
                &boss,
                &fields(
                    &[("user_id", sub.to_string()), ("version", "0".to_string())],
                    &["cameras-view", "users-index"],
                ),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("permissions"), "{body}");
        assert_eq!(
            count(&st, &format!("SELECT permissions_version FROM users WHERE id = {sub}")).await,
            0
        );
    }
});

both!(demo_data_follows_the_domain_rules, |st: AppState| async move {
    app::backend::demo::generate(&st.db, &app::backend::demo::DemoSize::users(400), |_, _, _| {})
        .await
        .unwrap();
    let n = |sql: &str| {
        let st = st.clone();
        let sql = sql.to_string();
        async move { count(&st, &sql).await }
    };
    assert!(
        n("SELECT COUNT(*) FROM users WHERE parent_id IS NOT NULL").await > 5,
        "the demo has sub users"
    );
    assert!(n("SELECT COUNT(*) FROM users WHERE status = 'terminated' AND parent_id IS NULL").await > 0);
    for (rule, sql) in [
        (
            "a sub user has its main user's status (billing pauses and terminates them together)",
            "SELECT COUNT(*) FROM users s JOIN users m ON m.id = s.parent_id WHERE s.status <> m.status",
        ),
        (
            "sub users are of kind sub, and only they have a main user",
            "SELECT COUNT(*) FROM users WHERE (kind = 'sub') <> (parent_id IS NOT NULL)",
        ),
        (
            "a main user is not itself a sub user",
            "SELECT COUNT(*) FROM users s JOIN users m ON m.id = s.parent_id WHERE m.parent_id IS NOT NULL",
        ),
        (
            "a sub user holds nothing its main user lacks",
            "SELECT COUNT(*) FROM user_permissions p JOIN users s ON s.id = p.user_id WHERE s.parent_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM user_permissions mp WHERE mp.user_id = s.parent_id AND mp.slug = p.slug)",
        ),
        (
            "a sub user holds no Sub users permission",
            "SELECT COUNT(*) FROM user_permissions p JOIN users s ON s.id = p.user_id WHERE s.parent_id IS NOT NULL \
             AND p.slug IN ('users-index', 'users-store', 'users-update', 'users-destroy', 'users-change-password')",
        ),
        (
            "a sub user's analytics types are of levels its main user holds licences for",
            "SELECT COUNT(*) FROM user_permissions p JOIN users s ON s.id = p.user_id JOIN analytics_types t \
             ON p.slug = 'analytic-cases-' || t.slug WHERE s.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \
             licence_allocations la WHERE la.user_id = s.parent_id AND la.level_id = t.level_id AND la.total > 0)",
        ),
        (
            "cases use no more licences than the main user holds",
            "SELECT COUNT(*) FROM (SELECT c.main_user_id, c.level_id, COUNT(*) AS used FROM analytics_case_cameras cc \
             JOIN analytics_cases c ON c.id = cc.case_id GROUP BY c.main_user_id, c.level_id) u LEFT JOIN licence_allocations la \
             ON la.user_id = u.main_user_id AND la.level_id = u.level_id WHERE la.total IS NULL OR u.used > la.total",
        ),
        (
            "only administrator-made accounts expire",
            "SELECT COUNT(*) FROM users WHERE (kind = 'admin') <> (expires_at IS NOT NULL)",
        ),
        (
            "a terminated account has no open web-client session",
            "SELECT COUNT(*) FROM client_sessions cs JOIN users u ON u.id = cs.user_id WHERE u.status = 'terminated'",
        ),
    ] {
        assert_eq!(n(sql).await, 0, "demo data breaks the rule: {rule}");
    }
});
