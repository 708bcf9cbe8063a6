//! The security headers of server/src/router.rs on every kind of response:
//! pages (signed in or not, 2xx, redirects, 403 and 404 pages), the sign-in
//! pages, server functions (answers and refusals), the web client and its
//! API, event streams, the billing webhook, and static files.

use super::*;
use crate::both;

/// Which headers a response lacks or has wrong.
fn missing(a: &Answer) -> Vec<String> {
    let h = |name: &str| a.headers.get(name).map(|v| v.to_str().unwrap_or("").to_string());
    let mut out = vec![];
    match h("content-security-policy") {
        Some(csp) => {
            for directive in [
                "default-src 'self'",
                "frame-ancestors 'none'",
                "base-uri 'self'",
                "form-action 'self'",
            ] {
                if !csp.contains(directive) {
                    out.push(format!("CSP without {directive}: {csp}"));
                }
            }
        }
        None => out.push("no Content-Security-Policy".into()),
    }
    if h("x-content-type-options").as_deref() != Some("nosniff") {
        out.push(format!("X-Content-Type-Options {:?}", h("x-content-type-options")));
    }
    if h("x-frame-options").as_deref() != Some("DENY") {
        out.push(format!("X-Frame-Options {:?}", h("x-frame-options")));
    }
    if !matches!(h("referrer-policy").as_deref(), Some("same-origin" | "no-referrer")) {
        out.push(format!("Referrer-Policy {:?}", h("referrer-policy")));
    }
    out
}

both!(every_response_carries_them, |st: AppState| async move {
    let w = world(&st).await;
    let root = std::env::temp_dir().join(format!("vigil-site-{}", fresh()));
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("pkg/vigil.h4sh3d.css"), "body{}").unwrap();
    std::fs::write(root.join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let srv = serve_site(st.clone(), &root.display().to_string()).await;
    let admin = admin_cookie(&st, w.admin_in).await;
    let none = admin_cookie(&st, w.lacking[0].1).await;
    let client = crate::client::client_cookie(&st, w.main).await;
    let support = admin_cookie(&st, w.support).await;
    let (m, c, i) = (w.main, w.camera, w.intercom);

    let mut seen: Vec<(String, Answer)> = vec![];
    let page = |path: String, cookie: &str| {
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { (format!("GET {path}"), get(srv, &path, &cookie).await) }
    };
    // Console pages: every route, then redirects, 403, 404 and sign-in.
    for tab in ["user", "cameras", "intercoms", "sub-users", "billing-events", "access", "analytics"] {
        seen.push(page(format!("/users/{m}/{tab}"), &admin).await);
    }
    for path in [
        "/users".to_string(),
        "/billing-log".into(),
        format!("/cameras/{c}/general"),
        format!("/intercoms/{i}/general"),
        format!("/intercoms/{i}/apartments"),
        "/".into(),
        format!("/users/{m}"),
        format!("/intercoms/{i}"),
        "/no-such-page".into(),
        "/users/99999999/user".into(),
        format!("/users/{m}/no-such-tab"),
    ] {
        seen.push(page(path, &admin).await);
    }
    seen.push(page("/users".into(), &none).await);
    seen.push(page(format!("/users/{m}/user"), "").await);
    seen.push(page("/login".into(), "").await);
    seen.push(page("/client/login".into(), "").await);
    // The web client, its API and Login as User.
    for path in ["/client", "/client/cameras", "/client/cases", "/client/sub-users"] {
        seen.push(page(path.into(), &client).await);
        seen.push(page(path.into(), "").await);
    }
    let link = server_fn(&srv, "impersonate", &support, &format!("user_id={m}")).await;
    let link: String = serde_json::from_str(&link.body).unwrap();
    // Redeemed where the issuing administrator is signed in to the console.
    let ticket = page(link.clone(), &support).await;
    let imp = ticket.1.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    seen.push(ticket);
    seen.push(page(link, "").await);
    seen.push(page("/client/cameras".into(), &imp).await);
    seen.push(page("/api/client/v1/cameras".into(), &client).await);
    seen.push(page("/api/client/v1/cameras".into(), "").await);
    seen.push(page("/api/client/v1/events".into(), &client).await);
    seen.push(page(format!("/sse/billing-events?user_id={m}"), &admin).await);
    seen.push(page("/sse/billing-events".into(), "").await);
    // Server functions: answers, refusals, bad input, another site.
    for (endpoint, cookie, form) in [
        ("me", admin.as_str(), String::new()),
        ("me", "", String::new()),
        ("users/list", none.as_str(), "query[last]=false".to_string()),
        ("card/header", admin.as_str(), format!("user_id={m}")),
        ("card/header", admin.as_str(), format!("user_id={}", w.bob)),
        ("client/whoami", client.as_str(), String::new()),
        ("login", "", "login=x&password=".to_string()),
        ("card/cameras", admin.as_str(), format!("user_id={m}&query[sort]=password_hash")),
    ] {
        seen.push((format!("fn {endpoint}"), server_fn(&srv, endpoint, cookie, &form).await));
    }
    let r = srv
        .client
        .post(format!("{}/api/me", srv.base))
        .header("origin", "https://evil.example")
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    seen.push(("cross-site fn me".into(), answer(r).await));
    let r = srv.client.get(format!("{}/api/me", srv.base)).send().await.unwrap();
    seen.push(("GET /api/me".into(), answer(r).await));
    // Billing, health, static files (hashed, plain, missing).
    seen.push((
        "billing unsigned".into(),
        post(&srv, "/api/billing/v1/events", "", "application/json", "{}".into()).await,
    ));
    let body = format!(r#"{{"id":"{}","type":"billing.ping","data":{{}}}}"#, fresh());
    seen.push(("billing signed".into(), billing(&srv, &body).await));
    for path in [
        "/api/billing/v1/openapi.json",
        "/healthz",
        "/pkg/vigil.h4sh3d.css",
        "/favicon.svg",
        "/pkg/missing.js",
    ] {
        seen.push(page(path.into(), "").await);
    }

    let mut wrong = vec![];
    let mut statuses = std::collections::BTreeSet::new();
    for (what, a) in &seen {
        statuses.insert(a.status);
        for m in missing(a) {
            wrong.push(format!("{what} ({}): {m}", a.status));
        }
    }
    // The set above really covers every kind of answer.
    for s in [200, 202, 302, 303, 401, 403, 404, 405, 410, 422] {
        assert!(statuses.contains(&s), "no {s} among {statuses:?}");
    }
    let asset = &seen.iter().find(|(w, _)| w.ends_with("h4sh3d.css")).unwrap().1;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.headers["cache-control"], "public, max-age=31536000, immutable");
    assert!(
        wrong.is_empty(),
        "{} responses of {}:\n{}",
        wrong.len(),
        seen.len(),
        wrong.join("\n")
    );
    std::fs::remove_dir_all(&root).ok();
});
