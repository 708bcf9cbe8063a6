//! The server under test, on a random loopback port, and the requests a
//! test makes to it. Every request method takes the path or endpoint
//! first, then the cookie (`""`: none), then the body.

use app::backend::AppState;
use reqwest::header::HeaderMap;
use serde_json::Value as Json;
use std::fmt::Display;

/// The billing secret every test server is configured with.
pub const TEST_BILLING_SECRET: &str = "test-billing-secret-0123456789";

/// How long a page may take before it counts as stalled.
const STALL: std::time::Duration = std::time::Duration::from_secs(10);

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    /// Served exactly as `main` serves (a current-thread runtime per
    /// thread), stopped when the test's server is dropped. Keep the server
    /// alive while the test still reads through its state's pool: a
    /// connection the server opened belongs to one of these runtimes, and
    /// once they are gone a query on it fails ("Tokio context … being
    /// shutdown").
    serving: server::http::Serving,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.serving.stop();
    }
}

pub async fn serve(state: AppState) -> TestServer {
    serve_site(state, "target/site").await
}

/// [`serve`] with static files from `site_root`.
pub async fn serve_site(state: AppState, site_root: &str) -> TestServer {
    serve_configured(state, site_root, server::router::Options::default()).await
}

/// [`serve`] with the transport options (trusted proxies, https).
pub async fn serve_with(state: AppState, options: server::router::Options) -> TestServer {
    serve_configured(state, "target/site", options).await
}

/// The Leptos options of a test server with static files from `site_root`.
pub fn leptos_options(site_root: &str) -> leptos::prelude::LeptosOptions {
    leptos::prelude::LeptosOptions::builder()
        .output_name("vigil")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

async fn serve_configured(state: AppState, site_root: &str, options: server::router::Options) -> TestServer {
    let router = server::router::build_with(
        state.clone(),
        leptos_options(site_root),
        Some(TEST_BILLING_SECRET.to_string()),
        options,
    );
    let (serving, addr) = server::http::spawn("127.0.0.1:0".parse().unwrap(), router, 2).unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestServer {
        base: format!("http://{addr}"),
        state,
        client,
        serving,
    }
}

/// What came back; the body is left unread for event streams.
pub struct Answer {
    pub status: u16,
    /// The `Location` header, empty when there is none.
    pub location: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub async fn read(r: reqwest::Response) -> Answer {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let location = headers.get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
        let stream = headers
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap_or("").starts_with("text/event-stream"));
        let body = if stream { String::new() } else { r.text().await.unwrap() };
        Answer {
            status,
            location,
            headers,
            body,
        }
    }

    fn stalled(what: String) -> Answer {
        Answer {
            status: 0,
            location: String::new(),
            headers: HeaderMap::new(),
            body: what,
        }
    }

    /// The body as JSON; a body that is not JSON as a JSON string.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|_| Json::String(self.body.clone()))
    }

    /// The `name=value` part of the `Set-Cookie` header (panics without one).
    pub fn cookie(&self) -> String {
        let set = self.headers.get("set-cookie").expect("a Set-Cookie header").to_str().unwrap();
        set.split(';').next().unwrap().to_string()
    }

    pub fn sets_cookie(&self) -> bool {
        self.headers.contains_key("set-cookie")
    }

    /// 2xx or 3xx.
    pub fn ok(&self) -> bool {
        (200..400).contains(&self.status)
    }
}

/// A form body: already encoded text, or name/value pairs.
pub trait FormBody {
    fn encode(&self) -> String;
}

impl FormBody for str {
    fn encode(&self) -> String {
        self.to_string()
    }
}

impl FormBody for String {
    fn encode(&self) -> String {
        self.clone()
    }
}

impl<K: AsRef<str>, V: Display> FormBody for [(K, V)] {
    fn encode(&self) -> String {
        let pair = |(k, v): &(K, V)| format!("{}={}", url_encode(k.as_ref()), url_encode(&v.to_string()));
        self.iter().map(pair).collect::<Vec<_>>().join("&")
    }
}

impl<K: AsRef<str>, V: Display, const N: usize> FormBody for [(K, V); N] {
    fn encode(&self) -> String {
        self[..].encode()
    }
}

impl<K: AsRef<str>, V: Display> FormBody for Vec<(K, V)> {
    fn encode(&self) -> String {
        self[..].encode()
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `name[0]=…&name[1]=…` pairs, as a form sends a list.
pub fn indexed<T: Display>(name: &str, items: &[T]) -> Vec<(String, String)> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("{name}[{i}]"), v.to_string()))
        .collect()
}

/// `pairs` plus the `permissions[i]` list.
pub fn fields(pairs: &[(&str, String)], permissions: &[&str]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    out.extend(indexed("permissions", permissions));
    out
}

/// A billing webhook body (`occurred_at` fixed).
pub fn event(id: &str, ty: &str, data: Json) -> String {
    serde_json::json!({ "id": id, "type": ty, "occurred_at": "2026-11-26T10:00:00Z", "data": data }).to_string()
}

/// The signature header billing sends for `body` at Unix time `t`.
pub fn sign_at(t: i64, body: &[u8]) -> String {
    server::billing::signature::sign(TEST_BILLING_SECRET, t, body)
}

fn with_cookie(req: reqwest::RequestBuilder, cookie: &str) -> reqwest::RequestBuilder {
    if cookie.is_empty() {
        req
    } else {
        req.header("cookie", cookie)
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A GET as a browser navigates to a page. A page that never finishes
    /// is status 0 (see `stalls.rs`: it used to happen in Leptos' async SSR).
    pub async fn get(&self, path: &str, cookie: &str) -> Answer {
        let req = self.client.get(self.url(path)).header("accept", "text/html");
        let attempt = async { Answer::read(with_cookie(req, cookie).send().await.unwrap()).await };
        tokio::time::timeout(STALL, attempt)
            .await
            .unwrap_or_else(|_| Answer::stalled(format!("GET {path} stalled: no complete answer within {STALL:?}")))
    }

    /// A same-origin POST with a raw body (Origin and Sec-Fetch-Site as a
    /// browser sends them on this site's own pages).
    pub async fn post(&self, path: &str, cookie: &str, content_type: &str, body: String) -> Answer {
        let req = self
            .client
            .post(self.url(path))
            .header("origin", &self.base)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .header("content-type", content_type)
            .body(body);
        Answer::read(with_cookie(req, cookie).send().await.unwrap()).await
    }

    /// A server function (console or web client) called as the hydrated
    /// app calls it: a form-encoded POST to `/api/<endpoint>` asking for JSON.
    pub async fn post_fn(&self, endpoint: &str, cookie: &str, form: &(impl FormBody + ?Sized)) -> Answer {
        let path = format!("/api/{endpoint}");
        self.post(&path, cookie, "application/x-www-form-urlencoded", form.encode()).await
    }

    /// [`Self::post_fn`] as status and JSON body.
    pub async fn call_fn(&self, endpoint: &str, cookie: &str, form: &(impl FormBody + ?Sized)) -> (u16, Json) {
        let a = self.post_fn(endpoint, cookie, form).await;
        (a.status, a.json())
    }

    /// A GET of the client API (the apps); `auth` is a cookie or `Bearer <token>`.
    pub async fn app_get(&self, path: &str, auth: &str) -> Answer {
        Answer::read(self.app_request(path, auth).send().await.unwrap()).await
    }

    fn app_request(&self, path: &str, auth: &str) -> reqwest::RequestBuilder {
        let req = self.client.get(self.url(path));
        match auth.strip_prefix("Bearer ") {
            Some(token) => req.bearer_auth(token),
            None => with_cookie(req, auth),
        }
    }

    /// The apps' sign-in: a bearer token's answer.
    pub async fn app_session(&self, login: &str, password: &str) -> Answer {
        let body = serde_json::json!({ "login": login, "password": password });
        let r = self
            .client
            .post(self.url("/api/client/v1/session"))
            .json(&body)
            .send()
            .await
            .unwrap();
        Answer::read(r).await
    }

    /// An event stream (console or client), left open for the test to read.
    pub async fn open(&self, path: &str, auth: &str) -> reqwest::Response {
        self.app_request(path, auth).send().await.unwrap()
    }

    /// A billing webhook request signed now with the test secret; the
    /// answer must be JSON.
    pub async fn billing(&self, body: &str) -> (u16, Json) {
        let sig = sign_at(chrono::Utc::now().timestamp(), body.as_bytes());
        let a = self.billing_raw(body, Some(sig)).await;
        let json = serde_json::from_str(&a.body).unwrap_or_else(|_| panic!("not JSON ({}): {}", a.status, a.body));
        (a.status, json)
    }

    /// A billing webhook request with this signature header (none: `None`).
    pub async fn billing_raw(&self, body: impl Into<Vec<u8>>, signature: Option<String>) -> Answer {
        let mut req = self
            .client
            .post(self.url("/api/billing/v1/events"))
            .header("content-type", "application/json");
        if let Some(s) = signature {
            req = req.header("x-billing-signature", s);
        }
        Answer::read(req.body(body.into()).send().await.unwrap()).await
    }
}

/// Reads an event stream until `needle` appears (or panics after `secs`).
pub async fn wait_for_event(r: &mut reqwest::Response, needle: &str, secs: u64) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, r.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} within {secs}s; got {seen:?}"))
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended; got {seen:?}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    seen
}

/// Everything a stream sends until it ends (`true`), sends `stop`, or
/// `secs` pass.
pub async fn until_end(mut res: reqwest::Response, stop: &str, secs: u64) -> (String, bool) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, res.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => return (text, true),
            Err(_) => return (text, false),
        }
        if text.contains(stop) {
            return (text, false);
        }
    }
}

/// The signature header billing sends for `body` now.
pub fn sign_now(body: &[u8]) -> String {
    sign_at(chrono::Utc::now().timestamp(), body)
}

/// The permission slugs an Access answer offers (its `groups`' items).
pub fn offered(body: &Json) -> Vec<String> {
    let groups = body["groups"].as_array().unwrap_or_else(|| panic!("no groups in {body}"));
    let items = groups.iter().flat_map(|g| g["items"].as_array().unwrap());
    items.map(|i| i["slug"].as_str().unwrap().to_string()).collect()
}

/// Field `key` of every item of the JSON array `list` (a page's `rows`).
pub fn column<T: serde::de::DeserializeOwned>(list: &Json, key: &str) -> Vec<T> {
    let items = list.as_array().unwrap_or_else(|| panic!("not a list: {list}"));
    items.iter().map(|i| serde_json::from_value(i[key].clone()).unwrap()).collect()
}
