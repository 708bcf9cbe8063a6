//! Strings billing provides are data, never markup: a subscriber's name,
//! login, address, tariff and properties, request IDs, the address
//! directory's location names and a camera's serial number and model, all
//! carrying `<script>` and `<img onerror>`, come out escaped on the console
//! pages and in the web client; and a name that closes `<title>` (written by
//! leptos_meta outside the view's escaping) stays inside it.

use super::*;
use crate::both;
use serde_json::json;

/// `<script>alert(n)</script>`: each field gets its own `n`, so a failure
/// names the field.
fn script(n: u32) -> String {
    format!("<script>alert({n})</script>")
}

fn escaped(n: u32) -> String {
    format!("&lt;script&gt;alert({n})&lt;/script&gt;")
}

const IMG: &str = "<img src=x onerror=alert(2)>";
const IMG_ESCAPED: &str = "&lt;img src=x onerror=alert(2)&gt;";

async fn applied(srv: &TestServer, body: String) {
    let (status, a) = srv.billing(&body).await;
    assert_eq!((status, &a["outcome"]), (202, &json!("applied")), "{body}: {a}");
}

/// The document without its `<title>` element (see `page_titles_are_escaped`).
fn without_title(html: &str) -> String {
    match (html.find("<title>"), html.find("</title>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b + "</title>".len()..]),
        _ => html.to_string(),
    }
}

/// The page at `path` shows every field `ns` escaped, and no live markup.
async fn check(srv: &TestServer, cookie: &str, path: &str, ns: &[u32], img: bool) -> String {
    let page = srv.get(path, cookie).await;
    assert_eq!(page.status, 200, "{path}");
    let html = &without_title(&page.body);
    for raw in ["<script>alert(", "<img src=x", "<b>key"] {
        if let Some(at) = html.find(raw) {
            panic!(
                "{path}: raw {raw:?} in the page: …{:?}…",
                &html[at.saturating_sub(300)..(at + 200).min(html.len())]
            );
        }
    }
    for n in ns {
        assert!(html.contains(&escaped(*n)), "{path}: field alert({n}) not shown escaped");
    }
    if img {
        assert!(html.contains(IMG_ESCAPED), "{path}: the name's <img> not shown escaped");
    }
    html.clone()
}

both!(billing_strings_render_as_text, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    // The address directory is billing's too.
    exec(
        &st,
        format!(
            "INSERT INTO address_directory (csa, city, street, house, entrance) VALUES ('77-XSS-1', '{}City', '{}St', '1', NULL)",
            script(8),
            script(9)
        ),
    )
    .await;
    let data = json!({
        "account": "XSS-1", "login": script(4), "password": "xss-password-1",
        "name": format!("{}{IMG}", script(1)), "address": script(3), "tariff": script(5),
        "contract_number": "C-1", "properties": { "<b>key</b>": script(6) },
    });
    applied(&srv, event(&script(7), "billing.new_entity", data)).await;
    let loc = json!({ "account": "XSS-1", "csa": "77-XSS-1" });
    applied(&srv, event("xss-2", "billing.create_location", loc)).await;
    let cam = json!({ "mac": "02:00:00:00:0A:01", "serial_number": script(10), "model": script(11) });
    applied(&srv, event(&script(13), "billing.new_camera", cam)).await;
    let attach = json!({ "account": "XSS-1", "mac": "02:00:00:00:0A:01", "csa": "77-XSS-1" });
    applied(&srv, event("xss-4", "billing.attach_camera", attach)).await;
    let user = count(&st, "SELECT id FROM users WHERE account = 'XSS-1'").await;
    let camera = count(&st, "SELECT id FROM cameras WHERE mac = '02:00:00:00:0A:01'").await;
    // Billing does not name cameras; a name written in the database is shown the same way.
    exec(&st, format!("UPDATE cameras SET name = '{}' WHERE id = {camera}", script(12))).await;
    let (_, root) = admin_session(&st, "xss-root").super_admin().await;

    let html = check(&srv, &root, &format!("/users/{user}/user"), &[1, 3, 4, 5, 6], true).await;
    assert!(html.contains("&lt;b&gt;key&lt;/b&gt;"), "the property's name");
    check(&srv, &root, "/users", &[1, 4], true).await;
    check(&srv, &root, &format!("/users/{user}/billing-events"), &[1, 7], true).await;
    check(&srv, &root, &format!("/users/{user}/cameras"), &[12], false).await;
    check(&srv, &root, &format!("/cameras/{camera}/general"), &[8, 9, 10, 11, 12], false).await;
    check(&srv, &root, "/billing-log", &[13], false).await;
    let client = client_cookie(&st, user).await;
    check(&srv, &client, "/client/cameras", &[1, 9, 12], true).await;
});

// The `<title>` is written by leptos_meta outside the escaped view: a name
// that closes it must not open a script after it.
both!(page_titles_are_escaped, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let breakout = |n: u32| format!("</title>{}", script(n));
    let data = json!({ "account": "XSS-T", "login": "xss-title", "password": "xss-password-1", "name": breakout(20) });
    applied(&srv, event("xss-title-1", "billing.new_entity", data)).await;
    let user = count(&st, "SELECT id FROM users WHERE account = 'XSS-T'").await;
    let (city, _) = location(&st, None, "city", "Title City").await;
    let camera = camera(&st, user, &breakout(21), Some(city)).await;
    let intercom = intercom(&st, &breakout(22), Some(city)).await;
    let (_, root) = admin_session(&st, "xss-root").super_admin().await;
    let mut wrong = vec![];
    for (path, n) in [
        (format!("/users/{user}/user"), 20),
        (format!("/users/{user}/cameras"), 20),
        (format!("/cameras/{camera}/general"), 21),
        (format!("/intercoms/{intercom}/general"), 22),
    ] {
        let page = srv.get(&path, &root).await;
        assert_eq!(page.status, 200, "{path}");
        let title = page
            .body
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap_or("");
        if page.body.contains("<script>alert(") || !title.contains(&format!("&lt;/title&gt;{}", escaped(n))) {
            let at = page.body.find("<title>").unwrap_or(0);
            wrong.push(format!("{path}: {}…", &page.body[at..(at + 90).min(page.body.len())]));
        }
    }
    assert!(wrong.is_empty(), "names break out of <title>:\n{}", wrong.join("\n"));
});
