//! The security headers of server/src/router.rs on every kind of response:
//! pages (signed in or not, 2xx, redirects, 403 and 404 pages), the sign-in
//! pages, server functions (answers and refusals), the web client and its
//! API, event streams, the billing webhook, and static files. Scripts run
//! only with the nonce of their own response (never `'unsafe-inline'`), and
//! an HTTPS deployment (`VIGIL_PUBLIC_URL=https://…`) gets `Secure` cookies
//! and HSTS.

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
    out.extend(script_nonce_problems(a));
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

/// The nonce the policy allows inline scripts with, if any.
fn csp_nonce(a: &Answer) -> Option<String> {
    let csp = a.headers.get("content-security-policy")?.to_str().ok()?;
    let rest = csp.split("'nonce-").nth(1)?;
    Some(rest.split('\'').next()?.to_string())
}

/// Scripts only with this response's nonce: the policy never allows inline
/// scripts at large, and every `<script>` of an HTML answer carries the
/// nonce its policy names (else the browser would not run the hydration
/// bootstrap).
fn script_nonce_problems(a: &Answer) -> Vec<String> {
    let mut out = vec![];
    let csp = a.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or("");
    let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap_or("");
    if script_src.contains("'unsafe-inline'") || script_src.contains("'unsafe-eval'") || script_src.contains('*') {
        out.push(format!("script-src allows inline or foreign scripts: {script_src}"));
    }
    let nonce = csp_nonce(a);
    for tag in a.body.split("<script").skip(1).map(|t| t.split('>').next().unwrap_or("")) {
        match &nonce {
            Some(n) if tag.contains(&format!("nonce=\"{n}\"")) => {}
            Some(n) => out.push(format!("<script{tag}> without the nonce {n}")),
            None => out.push(format!("<script{tag}> but the policy names no nonce")),
        }
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
    let client = client_cookie(&st, w.main).await;
    let support = admin_cookie(&st, w.support).await;
    let (m, c, i) = (w.main, w.camera, w.intercom);

    let mut seen: Vec<(String, Answer)> = vec![];
    let page = |path: String, cookie: &str| {
        let (srv, cookie) = (&srv, cookie.to_string());
        async move { (format!("GET {path}"), srv.get(&path, &cookie).await) }
    };
    // Console pages: every route, then redirects, 403, 404 and sign-in.
    for tab in app::types::catalogue::CardTab::ALL {
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
    let link = srv.post_fn("impersonate", &support, &format!("user_id={m}")).await;
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
        seen.push((format!("fn {endpoint}"), srv.post_fn(endpoint, cookie, &form).await));
    }
    let r = srv
        .client
        .post(format!("{}/api/me", srv.base))
        .header("origin", "https://evil.example")
        .header("cookie", &admin)
        .send()
        .await
        .unwrap();
    seen.push(("cross-site fn me".into(), Answer::read(r).await));
    let r = srv.client.get(format!("{}/api/me", srv.base)).send().await.unwrap();
    seen.push(("GET /api/me".into(), Answer::read(r).await));
    // Billing, health, static files (hashed, plain, missing).
    seen.push((
        "billing unsigned".into(),
        srv.post("/api/billing/v1/events", "", "application/json", "{}".into()).await,
    ));
    let body = format!(r#"{{"id":"{}","type":"billing.ping","data":{{}}}}"#, fresh());
    seen.push((
        "billing signed".into(),
        srv.billing_raw(body.as_str(), Some(sign_now(body.as_bytes()))).await,
    ));
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
    // The nonce check above was not vacuous: pages, error pages and sign-in
    // pages do carry inline scripts, each page with a nonce of its own.
    let scripted: Vec<&(String, Answer)> = seen.iter().filter(|(_, a)| a.body.contains("<script")).collect();
    for page in [
        "GET /login",
        "GET /client/login",
        "GET /users",
        "GET /no-such-page",
        "GET /client/cameras",
    ] {
        assert!(scripted.iter().any(|(w, _)| w == page), "{page} has no script");
    }
    let nonces: std::collections::BTreeSet<String> = scripted.iter().filter_map(|(_, a)| csp_nonce(a)).collect();
    assert_eq!(nonces.len(), scripted.len(), "one nonce per scripted page");
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

/// The Set-Cookie values of an answer.
fn cookies(a: &Answer) -> Vec<String> {
    a.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

both!(https_deployments_get_secure_cookies_and_hsts, |st: AppState| async move {
    let w = world(&st).await;
    app::backend::seed::ensure_super_admin(&st.db, "correct-horse", st.clock.now())
        .await
        .unwrap();
    let support = admin_cookie(&st, w.support).await;
    let client = client_cookie(&st, w.main).await;
    // Both servers live to the end: a pooled PostgreSQL connection opened on
    // the first one's serving runtime would fail once that runtime stopped
    // ("Tokio context … being shutdown"); one state outlives its servers
    // only in tests.
    let mut servers = vec![];
    for https in [false, true] {
        let srv = serve_with(
            st.clone(),
            server::router::Options {
                https,
                ..Default::default()
            },
        )
        .await;
        let mut answers: Vec<(String, Answer)> = vec![];
        let sign_in = srv.post_fn("login", "", "login=admin&password=correct-horse").await;
        assert_eq!(sign_in.status, 200, "{}", sign_in.body);
        let admin = cookies(&sign_in)[0].split(';').next().unwrap().to_string();
        answers.push(("console sign-in".into(), sign_in));
        answers.push(("console sign-out".into(), srv.post_fn("logout", &admin, "").await));
        let link = srv.post_fn("impersonate", &support, &format!("user_id={}", w.main)).await;
        let link: String = serde_json::from_str(&link.body).unwrap();
        // Redeemed in the issuing administrator's browser (a ticket elsewhere
        // is refused and sets nothing).
        answers.push(("Login as User".into(), srv.get(&link, &support).await));
        answers.push(("client sign-out".into(), srv.post_fn("client/logout", &client, "").await));
        let mut set = 0;
        for (what, a) in &answers {
            for c in cookies(a) {
                set += 1;
                assert_eq!(c.contains("; Secure"), https, "{what} (https: {https}): {c}");
                assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{what}: {c}");
            }
        }
        assert_eq!(set, 4, "every answer above sets a cookie");
        // HSTS on every kind of answer, and only for https.
        for path in ["/login", "/users", "/healthz", "/no-such-page", "/api/billing/v1/openapi.json"] {
            let a = srv.get(path, "").await;
            let hsts = a.headers.get("strict-transport-security").map(|v| v.to_str().unwrap().to_string());
            if https {
                let age: u64 = hsts
                    .as_deref()
                    .and_then(|v| v.strip_prefix("max-age="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{path}: HSTS {hsts:?}"));
                assert!(age >= 31_536_000, "{path}: {age}");
            } else {
                assert_eq!(hsts, None, "{path}");
            }
        }
        servers.push(srv);
    }
});

both!(every_page_gets_its_own_nonce, |st: AppState| async move {
    let srv = serve(st.clone()).await;
    let mut nonces = std::collections::BTreeSet::new();
    for _ in 0..5 {
        let a = srv.get("/login", "").await;
        assert_eq!(a.status, 200);
        assert!(script_nonce_problems(&a).is_empty(), "{:?}", script_nonce_problems(&a));
        let n = csp_nonce(&a).expect("a nonce");
        // 128 bits, base64: unguessable, and valid in a header and an attribute.
        assert!(
            n.len() >= 22 && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{n}"
        );
        // The hydration bootstrap is among the scripts that carry it.
        assert!(a.body.contains(&format!("<script type=\"module\" nonce=\"{n}\">")), "{}", a.body);
        nonces.insert(n);
    }
    assert_eq!(nonces.len(), 5);
});
