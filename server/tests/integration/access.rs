//! Access settings, sub-user permissions and licence totals over HTTP: the
//! permission checks, the version precondition (409, nothing changes), the
//! cascade from main to sub users, the bounds of a sub user, and the audit.

use crate::both;
use crate::support::*;
use app::backend::AppState;
use serde_json::Value as Json;

async fn version_of(st: &AppState, user: i64) -> i64 {
    count(st, format!("SELECT permissions_version FROM users WHERE id = {user}")).await
}

async fn audits(st: &AppState, action: &str) -> i64 {
    count(st, format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await
}

both!(access_save_conflict_and_cascade, |st: AppState| async move {
    let main = user(&st, "main1").perms(&["cameras-view", "ptz", "users-index"]).await;
    let sub = user(&st, "sub1").sub_of(main).perms(&["cameras-view", "ptz"]).await;
    let other_sub = user(&st, "sub2").sub_of(main).perms(&["cameras-view"]).await;
    let (_, boss) = admin_session(&st, "boss").super_admin().await;
    let (_, viewer) = admin_session(&st, "viewer").perms(&["users.view"]).await;
    let srv = serve(st.clone()).await;
    let wanted = ["cameras-view", "archives-show", "users-index"];
    let form = |version: i64, perms: &[&str]| fields(&[("user_id", main.to_string()), ("version", version.to_string())], perms);

    // Without users.access.edit: 403 and nothing changes.
    let (status, _) = srv.call_fn("access/save", &viewer, &form(0, &wanted)).await;
    assert_eq!(status, 403);
    assert_eq!(perms_of(&st, main).await, ["cameras-view", "ptz", "users-index"]);

    // Unknown slug: 422 naming "permissions".
    let (status, body) = srv.call_fn("access/save", &boss, &form(0, &["cameras-view", "fly-drones"])).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("permissions"), "{body}");
    assert_eq!(version_of(&st, main).await, 0);

    // A real save: ptz taken away (from the sub user too), archives-show given.
    let (status, body) = srv.call_fn("access/save", &boss, &form(0, &wanted)).await;
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
    let detail = scalar(&st, "SELECT detail FROM audit_log WHERE action = 'access.save'").await;
    let detail: Json = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["added"], serde_json::json!(["archives-show"]));
    assert_eq!(detail["removed"], serde_json::json!(["ptz"]));
    assert_eq!(detail["sub_users_trimmed"], 1);

    // A second administrator saves on the same (now stale) version: 409, nothing changes.
    let (status, body) = srv
        .call_fn("access/save", &boss, &form(0, &["cameras-view", "ptz", "marks-index"]))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.to_string().contains("Another administrator"), "{body}");
    assert!(body.to_string().contains("the current settings are shown"), "{body}");
    assert_eq!(perms_of(&st, main).await, ["archives-show", "cameras-view", "users-index"]);
    assert_eq!(version_of(&st, main).await, 1);
    assert_eq!(audits(&st, "access.save").await, 1);

    // Out of scope (an administrator with the permission but no scope): 404.
    let (_, scoped) = admin_session(&st, "scoped").perms(&["users.view", "users.access.edit"]).await;
    let (status, _) = srv.call_fn("access/save", &scoped, &form(1, &wanted)).await;
    assert_eq!(status, 404);

    // A sub user's own Access tab is bounded by its main user.
    let sub_form = |perms: &[&str]| fields(&[("user_id", sub.to_string()), ("version", "1".into())], perms);
    let (status, body) = srv.call_fn("access/save", &boss, &sub_form(&["cameras-view", "ptz"])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["cameras-view"]);
    let (status, body) = srv
        .call_fn("access/save", &boss, &sub_form(&["cameras-view", "archives-show"]))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["archives-show", "cameras-view"]);
});

both!(sub_user_permissions_are_bounded, |st: AppState| async move {
    let main = user(&st, "main2")
        .perms(&[
            "cameras-view",
            "analytic",
            "users-index",
            "analytic-cases-line-crossing",
            "analytic-cases-face-recognition",
        ])
        .await;
    licences(&st, main, level(&st, "Level 1").await, 2).await;
    let sub = user(&st, "sub3").sub_of(main).perms(&["cameras-view"]).await;
    let stranger = user(&st, "main3").await;
    let strangers_sub = user(&st, "sub4").sub_of(stranger).await;
    let (_, boss) = admin_session(&st, "boss").super_admin().await;
    let (_, no_sub_edit) = admin_session(&st, "limited").perms(&["users.view", "users.access.edit"]).await;
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
    let (status, body) = srv
        .call_fn("access/sub-user", &boss, &[("user_id", main), ("sub_user_id", sub)])
        .await;
    assert_eq!(status, 200, "{body}");
    let offered = offered(&body);
    assert!(offered.contains(&"analytic-cases-line-crossing".to_string()), "{offered:?}");
    assert!(!offered.contains(&"analytic-cases-face-recognition".to_string()), "{offered:?}");
    assert!(!offered.contains(&"ptz".to_string()), "{offered:?}");

    // Without subusers.edit: 403.
    let (status, _) = srv
        .call_fn("access/sub-user/save", &no_sub_edit, &form(sub, 0, &["cameras-view"]))
        .await;
    assert_eq!(status, 403);

    let (status, body) = srv
        .call_fn(
            "access/sub-user/save",
            &boss,
            &form(sub, 0, &["cameras-view", "analytic-cases-line-crossing"]),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
    assert_eq!(audits(&st, "subuser.access.save").await, 1);

    // Forged: an analytics type of a level the main user has no licences for.
    let (status, body) = srv
        .call_fn(
            "access/sub-user/save",
            &boss,
            &form(sub, 1, &["cameras-view", "analytic-cases-face-recognition"]),
        )
        .await;
    assert!(status == 422 || status == 403, "{status} {body}");
    assert!(body.to_string().contains("permissions"), "{body}");
    // More than the main user holds.
    let (status, body) = srv.call_fn("access/sub-user/save", &boss, &form(sub, 1, &["ptz"])).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
    assert_eq!(version_of(&st, sub).await, 1);
    assert_eq!(audits(&st, "subuser.access.save").await, 1);

    // Stale version: 409.
    let (status, _) = srv.call_fn("access/sub-user/save", &boss, &form(sub, 0, &["cameras-view"])).await;
    assert_eq!(status, 409);
    // Another main user's sub user: 404.
    let (status, _) = srv.call_fn("access/sub-user/save", &boss, &form(strangers_sub, 0, &[])).await;
    assert_eq!(status, 404);
    assert_eq!(perms_of(&st, sub).await, ["analytic-cases-line-crossing", "cameras-view"]);
});

both!(licence_totals, |st: AppState| async move {
    let main = user(&st, "main4").perms(&["analytic"]).await;
    let sub = user(&st, "sub5").sub_of(main).await;
    let l1 = level(&st, "Level 1").await;
    let l2 = level(&st, "Level 2").await;
    licences(&st, main, l1, 3).await;
    case_with_events(&st, main, main, "line-crossing", 1, 2).await;
    case_with_events(&st, sub, main, "smoke-fire", 1, 2).await; // the sub user's case uses the main user's licences
    let (_, boss) = admin_session(&st, "boss").super_admin().await;
    let (_, viewer) = admin_session(&st, "viewer").perms(&["users.view"]).await;
    let srv = serve(st.clone()).await;
    let set = |level: i64, total: i64, version: i64| format!("user_id={main}&level_id={level}&total={total}&version={version}");
    let total_of = |level: i64| {
        count(
            &st,
            format!("SELECT CAST(total AS BIGINT) FROM licence_allocations WHERE user_id = {main} AND level_id = {level}"),
        )
    };

    let (status, _) = srv.call_fn("access/licences/set", &viewer, &set(l1, 5, 0)).await;
    assert_eq!(status, 403);
    // Below the 2 in use: 422 naming "total".
    let (status, body) = srv.call_fn("access/licences/set", &boss, &set(l1, 1, 0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Invalid"]["field"], "total", "{body}");
    let (status, body) = srv.call_fn("access/licences/set", &boss, &set(l1, -1, 0)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(total_of(l1).await, 3);

    // The form shows used and free per level.
    let (status, body) = srv.call_fn("access/licences", &boss, &[("user_id", main)]).await;
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
    let (status, body) = srv.call_fn("access/licences/set", &boss, &set(l1, 2, 0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 1);
    let (status, body) = srv.call_fn("access/licences/set", &boss, &set(l1, 0, 1)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["deleted_on"].is_string(), "{body}");
    assert_eq!(
        app::backend::services::licences::hidden_levels(&st.db, main).await.unwrap(),
        vec![l1]
    );
    // Stale version: 409 and nothing changes.
    let (status, _) = srv.call_fn("access/licences/set", &boss, &set(l1, 5, 1)).await;
    assert_eq!(status, 409);
    assert_eq!(total_of(l1).await, 0);
    // A new level (no row yet, version 0).
    let (status, body) = srv.call_fn("access/licences/set", &boss, &set(l2, 4, 0)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(total_of(l2).await, 4);
    // Licences for a sub user are refused: it draws on its main user's.
    let for_sub = set(l2, 4, 0).replace(&format!("user_id={main}"), &format!("user_id={sub}"));
    let (status, _) = srv.call_fn("access/licences/set", &boss, &for_sub).await;
    assert_eq!(status, 422);
    assert_eq!(audits(&st, "licences.set").await, 3);
});
