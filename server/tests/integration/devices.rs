//! The camera profile and the intercom card: scope (out of scope is a 404
//! like unknown), linking and unlinking users to flats (permission, flat
//! range, audit) and the server-rendered pages over HTTP.

use crate::both;
use crate::support::*;
use app::backend::AppState;

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The demo's first city, and ids of a camera and an intercom inside and
/// outside it.
struct Fixture {
    city: i64,
    cam_in: i64,
    cam_out: i64,
    ic_in: i64,
    ic_out: i64,
}

async fn fixture(st: &AppState) -> Fixture {
    let city = count(st, "SELECT MIN(id) FROM locations WHERE kind = 'city'").await;
    let dev = |table: &str, inside: bool| {
        format!(
            "SELECT MIN(d.id) FROM {table} d JOIN locations l ON l.id = d.location_id WHERE l.path {} '/{city}/%'",
            if inside { "LIKE" } else { "NOT LIKE" }
        )
    };
    Fixture {
        city,
        cam_in: count(st, &dev("cameras", true)).await,
        cam_out: count(st, &dev("cameras", false)).await,
        ic_in: count(st, &dev("intercoms", true)).await,
        ic_out: count(st, &dev("intercoms", false)).await,
    }
}

/// A main user with a location in (or outside) the city and no link to
/// `intercom`.
async fn user_for(st: &AppState, city: i64, inside: bool, intercom: i64) -> (i64, String, String) {
    let cond = if inside { "" } else { "NOT " };
    let sql = format!(
        "SELECT MIN(u.id) FROM users u WHERE u.parent_id IS NULL \
         AND {cond}(EXISTS (SELECT 1 FROM user_locations ul JOIN locations l ON l.id = ul.location_id \
             WHERE ul.user_id = u.id AND l.path LIKE '/{city}/%') \
         OR EXISTS (SELECT 1 FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id JOIN locations l ON l.id = c.location_id \
             WHERE uc.user_id = u.id AND l.path LIKE '/{city}/%')) \
         AND NOT EXISTS (SELECT 1 FROM user_apartments ua JOIN apartments a ON a.id = ua.apartment_id \
             WHERE ua.user_id = u.id AND a.intercom_id = {intercom})"
    );
    let id = count(st, &sql).await;
    let name = scalar(st, &format!("SELECT name FROM users WHERE id = {id}")).await;
    let login = scalar(st, &format!("SELECT login FROM users WHERE id = {id}")).await;
    (id, name, login)
}

both!(device_reads_respect_scope, |st: AppState| async move {
    demo(&st).await;
    let f = fixture(&st).await;
    let (_, limited) = admin_session(&st, "t-limited").perms(&["users.view"]).scope(&[f.city]).await;
    let (_, blind) = admin_session(&st, "t-blind").scope(&[f.city]).await;
    let srv = serve(st.clone()).await;

    // In scope: the profile with its location path and viewers.
    let Answer { status, body, .. } = srv.post_fn("cameras/profile", &limited, &[("id", f.cam_in.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    let cam: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(cam["id"].as_i64(), Some(f.cam_in));
    let city_name = scalar(&st, &format!("SELECT name FROM locations WHERE id = {}", f.city)).await;
    let location = cam["location"].as_array().unwrap();
    assert_eq!(location.len(), 4, "city, street, house, entrance: {location:?}");
    assert_eq!(location[0].as_str(), Some(city_name.as_str()));
    let viewer_ids: Vec<i64> = column(&cam["viewers"], "id");
    let expected = count(&st, format!("SELECT MIN(user_id) FROM user_cameras WHERE camera_id = {}", f.cam_in)).await;
    assert!(viewer_ids.contains(&expected), "{viewer_ids:?}");

    // Out of scope, unknown and non-numeric ids are all 404; nothing leaks.
    for id in [f.cam_out.to_string(), "99999999".into(), "abc".into()] {
        let Answer { status, body, .. } = srv.post_fn("cameras/profile", &limited, &[("id", id.clone())]).await;
        assert_eq!(status, 404, "camera {id}: {body}");
        assert!(!body.contains("SN"), "{body}");
    }
    let Answer { status, .. } = srv.post_fn("cameras/profile", &blind, &[("id", f.cam_in.to_string())]).await;
    assert_eq!(status, 403);

    // Intercoms: the same rule through the intercom's location.
    let Answer { status, body, .. } = srv.post_fn("intercoms/card", &limited, &[("id", f.ic_in.to_string())]).await;
    assert_eq!(status, 200, "{body}");
    let card: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(card["id"].as_i64(), Some(f.ic_in));
    assert_eq!(card["can_edit"].as_bool(), Some(false));
    let q = |id: String| vec![("id", id), ("query[sort]", "number".to_string())];
    let Answer { status, body, .. } = srv.post_fn("intercoms/apartments", &limited, &q(f.ic_in.to_string())).await;
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let numbers: Vec<i64> = column(&page["rows"], "number");
    let stored = count(&st, &format!("SELECT COUNT(*) FROM apartments WHERE intercom_id = {}", f.ic_in)).await;
    assert_eq!(numbers.len() as i64, stored.min(25));
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "sorted by number: {numbers:?}");
    for id in [f.ic_out.to_string(), "99999999".into(), "x1".into()] {
        let Answer { status, body, .. } = srv.post_fn("intercoms/card", &limited, &[("id", id.clone())]).await;
        assert_eq!(status, 404, "intercom {id}: {body}");
        let Answer { status, body, .. } = srv.post_fn("intercoms/apartments", &limited, &q(id.clone())).await;
        assert_eq!(status, 404, "apartments of {id}: {body}");
    }
});

both!(linking_users_to_flats, |st: AppState| async move {
    demo(&st).await;
    let f = fixture(&st).await;
    let (viewer_id, viewer) = admin_session(&st, "t-viewer").perms(&["users.view"]).scope(&[f.city]).await;
    let (editor_id, editor) = admin_session(&st, "t-editor")
        .perms(&["users.view", "intercoms.edit"])
        .scope(&[f.city])
        .await;
    let (_, root) = admin_session(&st, "t-root").super_admin().await;
    let srv = serve(st.clone()).await;
    let (user, user_name, user_login) = user_for(&st, f.city, true, f.ic_in).await;
    let (stranger, stranger_name, stranger_login) = user_for(&st, f.city, false, f.ic_in).await;
    let (flat_from, flat_to) = (
        count(
            &st,
            &format!("SELECT CAST(flat_from AS BIGINT) FROM intercoms WHERE id = {}", f.ic_in),
        )
        .await,
        count(
            &st,
            &format!("SELECT CAST(flat_to AS BIGINT) FROM intercoms WHERE id = {}", f.ic_in),
        )
        .await,
    );
    let flat = flat_to; // the demo fills flats from the bottom
    assert_eq!(
        count(
            &st,
            &format!(
                "SELECT COUNT(*) FROM apartments WHERE intercom_id = {} AND number = {flat}",
                f.ic_in
            )
        )
        .await,
        0
    );
    let links = || count(&st, "SELECT COUNT(*) FROM user_apartments");
    let audits = |action: &str| count(&st, format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"));
    let before = links().await;
    let form = |number: String, who: String| vec![("intercom_id", f.ic_in.to_string()), ("number", number), ("user", who)];

    // Without intercoms.edit: 403 and nothing changes.
    let Answer { status, body, .. } = srv
        .post_fn("intercoms/link", &viewer, &form(flat.to_string(), user.to_string()))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(links().await, before);
    assert_eq!(audits("intercom.link").await, 0);
    let _ = viewer_id;

    // A flat outside the range, or not a number: 422 naming "number".
    for bad in [(flat_to + 1).to_string(), (flat_from - 1).to_string(), "twelve".into()] {
        let Answer { status, body, .. } = srv.post_fn("intercoms/link", &editor, &form(bad.clone(), user.to_string())).await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body.contains("number"), "{body}");
    }
    // A user outside the scope is unknown; an intercom outside it too.
    let Answer { status, .. } = srv
        .post_fn("intercoms/link", &editor, &form(flat.to_string(), stranger_login.clone()))
        .await;
    assert_eq!(status, 404);
    let Answer { status, .. } = srv
        .post_fn(
            "intercoms/link",
            &editor,
            &[
                ("intercom_id", f.ic_out.to_string()),
                ("number", "1".into()),
                ("user", user.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(links().await, before);

    // Success by login: the flat row, the link, the audit row, and the
    // user's intercoms now include this one.
    let Answer { status, body, .. } = srv
        .post_fn("intercoms/link", &editor, &form(flat.to_string(), user_login.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    let outcome: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(outcome["message"].as_str().unwrap(), format!("Linked {user_name} to flat {flat}."));
    assert_eq!(links().await, before + 1);
    let ic_in = f.ic_in;
    let user_has_intercom = || {
        count(
            &st,
            format!(
                "SELECT COUNT(*) FROM user_apartments ua JOIN apartments a ON a.id = ua.apartment_id \
                 WHERE ua.user_id = {user} AND a.intercom_id = {ic_in} AND a.number = {flat}"
            ),
        )
    };
    assert_eq!(user_has_intercom().await, 1);
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'intercom.link' AND admin_id = {editor_id} AND user_id = {user}")
        )
        .await,
        1
    );
    let detail = scalar(&st, "SELECT detail FROM audit_log WHERE action = 'intercom.link'").await;
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["intercom_id"].as_i64(), Some(f.ic_in));
    assert_eq!(detail["flat"].as_i64(), Some(flat));

    // Linking again: a conflict with a clear message, no second audit row.
    let Answer { status, body, .. } = srv
        .post_fn("intercoms/link", &editor, &form(flat.to_string(), user.to_string()))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("already linked"), "{body}");
    assert_eq!(audits("intercom.link").await, 1);

    // A super admin links an out-of-scope user to the same flat; the
    // limited admin sees it as "another subscriber", without name or id.
    let Answer { status, body, .. } = srv
        .post_fn("intercoms/link", &root, &form(flat.to_string(), stranger.to_string()))
        .await;
    assert_eq!(status, 200, "{body}");
    let Answer { status, body, .. } = srv
        .post_fn(
            "intercoms/apartments",
            &editor,
            &[
                ("id", f.ic_in.to_string()),
                ("query[sort]", "number".into()),
                ("query[dir]", "desc".into()),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let row = &page["rows"][0];
    assert_eq!(row["number"].as_i64(), Some(flat));
    let users = row["users"].as_array().unwrap();
    assert_eq!(users.len(), 2, "{users:?}");
    assert!(users.iter().any(|u| u["Visible"]["id"].as_i64() == Some(user)), "{users:?}");
    assert!(users.iter().any(|u| u == "Hidden"), "{users:?}");
    assert!(!body.contains(&stranger_name) && !body.contains(&stranger_login), "{body}");

    // Unlink: 403 without the permission, then success with an audit row.
    let unlink = vec![
        ("intercom_id", f.ic_in.to_string()),
        ("number", flat.to_string()),
        ("user_id", user.to_string()),
    ];
    let Answer { status, .. } = srv.post_fn("intercoms/unlink", &viewer, &unlink).await;
    assert_eq!(status, 403);
    assert_eq!(user_has_intercom().await, 1);
    // The out-of-scope user cannot be unlinked by the limited admin.
    let Answer { status, .. } = srv
        .post_fn(
            "intercoms/unlink",
            &editor,
            &[
                ("intercom_id", f.ic_in.to_string()),
                ("number", flat.to_string()),
                ("user_id", stranger.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let Answer { status, body, .. } = srv.post_fn("intercoms/unlink", &editor, &unlink).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("Unlinked {user_name} from flat {flat}.")), "{body}");
    assert_eq!(user_has_intercom().await, 0);
    assert_eq!(
        count(
            &st,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'intercom.unlink' AND user_id = {user}")
        )
        .await,
        1
    );
    // Unlinking again is refused, and nothing more is audited.
    let Answer { status, .. } = srv.post_fn("intercoms/unlink", &editor, &unlink).await;
    assert_eq!(status, 409);
    assert_eq!(audits("intercom.unlink").await, 1);
});

both!(device_pages_render_on_the_server, |st: AppState| async move {
    demo(&st).await;
    let f = fixture(&st).await;
    let (_, limited) = admin_session(&st, "t-limited")
        .perms(&["users.view", "intercoms.edit"])
        .scope(&[f.city])
        .await;
    let srv = serve(st.clone()).await;

    let cam_name = scalar(&st, &format!("SELECT name FROM cameras WHERE id = {}", f.cam_in)).await;
    let serial = scalar(&st, &format!("SELECT serial_number FROM cameras WHERE id = {}", f.cam_in)).await;
    let Answer { status, body, .. } = srv.get(&format!("/cameras/{}/general", f.cam_in), &limited).await;
    assert_eq!(status, 200);
    assert!(body.contains(&html_escape(&cam_name)) && body.contains(&serial), "{body}");
    assert!(
        body.contains("role=\"tablist\"") && body.contains("aria-selected=\"true\""),
        "{body}"
    );

    let ic_name = scalar(&st, &format!("SELECT name FROM intercoms WHERE id = {}", f.ic_in)).await;
    let Answer { status, body, .. } = srv.get(&format!("/intercoms/{}/general", f.ic_in), &limited).await;
    assert_eq!(status, 200);
    assert!(body.contains(&html_escape(&ic_name)), "{body}");
    assert!(body.contains("data-testid=\"intercom-general\""), "{body}");

    // The apartments tab lists a linked user by name and offers the form.
    let linked = scalar(
        &st,
        &format!(
            "SELECT MIN(u.name) FROM users u JOIN user_apartments ua ON ua.user_id = u.id JOIN apartments a ON a.id = ua.apartment_id \
             WHERE a.intercom_id = {}",
            f.ic_in
        ),
    )
    .await;
    let Answer { status, body, .. } = srv.get(&format!("/intercoms/{}/apartments", f.ic_in), &limited).await;
    assert_eq!(status, 200);
    assert!(body.contains(&html_escape(&ic_name)), "{body}");
    assert!(body.contains("data-testid=\"apartments-table\""), "{body}");
    assert!(body.contains(&html_escape(&linked)), "{body}");
    assert!(body.contains("name=\"number\""), "{body}");

    // `/intercoms/:id` opens General data.
    let r = srv.get(&format!("/intercoms/{}", f.ic_in), &limited).await;
    assert!((300..400).contains(&r.status), "{}", r.status);
    assert_eq!(r.location, format!("/intercoms/{}/general", f.ic_in));

    // Unknown, out of scope, non-numeric or unknown tab: a real 404.
    for path in [
        "/cameras/99999999/general".to_string(),
        format!("/cameras/{}/general", f.cam_out),
        "/cameras/abc/general".into(),
        "/intercoms/99999999/general".into(),
        format!("/intercoms/{}/apartments", f.ic_out),
        format!("/intercoms/{}/nonsense", f.ic_in),
    ] {
        let Answer { status, body, .. } = srv.get(&path, &limited).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("404"), "{path}: {body}");
    }
});
