//! The HTTP router: Leptos pages and server functions with the app state in
//! context, static files, health, and the security layers every response
//! gets.

use app::api::ctx::provide_request_context;
use app::backend::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos::reactive::computed::ScopedFuture;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sea_orm::ConnectionTrait;
use tower_http::compression::CompressionLayer;

#[derive(Clone)]
struct RouterState {
    app: AppState,
    leptos: LeptosOptions,
}

impl axum::extract::FromRef<RouterState> for LeptosOptions {
    fn from_ref(s: &RouterState) -> Self {
        s.leptos.clone()
    }
}

/// What the router needs from the configuration besides the billing secret.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `VIGIL_TRUSTED_PROXIES` (see `net`).
    pub trusted_proxies: crate::net::TrustedProxies,
    /// `VIGIL_PUBLIC_URL` is `https://…`: cookies are `Secure`, and HSTS is sent.
    pub https: bool,
}

/// `billing_secret`: the HMAC secret shared with billing (`VIGIL_BILLING_SECRET`);
/// without one the billing endpoint refuses every request.
pub fn build(app_state: AppState, leptos: LeptosOptions, billing_secret: Option<String>) -> Router {
    build_with(app_state, leptos, billing_secret, Options::default())
}

/// [`build`] with the transport [`Options`].
pub fn build_with(app_state: AppState, leptos: LeptosOptions, billing_secret: Option<String>, options: Options) -> Router {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let state = RouterState {
        app: app_state.clone(),
        leptos: leptos.clone(),
    };
    let ctx_state = app_state.clone();
    let fn_state = app_state.clone();
    // This instance's connected live clients, counted by the client event
    // stream and reported by the sync server function (via the extension).
    let presence = app::backend::services::sync::Presence::default();
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::billing::routes(
            app_state.clone(),
            crate::billing::BillingConfig::new(billing_secret),
        ))
        .merge(crate::sse::routes(app_state.clone()))
        .merge(crate::apps_api::routes(app_state.clone(), presence.clone()))
        .route(
            "/api/{*fn_name}",
            axum::routing::post(move |req: Request| {
                let s = fn_state.clone();
                async move { handle_server_fns_with_context(move || provide_request_context(s.clone()), req).await }
            })
            .get({
                let s = app_state.clone();
                move |req: Request| {
                    let s = s.clone();
                    async move { handle_server_fns_with_context(move || provide_request_context(s.clone()), req).await }
                }
            }),
        )
        .nest_service("/pkg", crate::assets::pkg_service(&leptos.site_root, &leptos.site_pkg_dir))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let s = app_state.clone();
                move || page_context(s.clone())
            },
            {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            },
        )
        // Error pages (404) render the app too, so they need the context
        // and their scripts' nonce in the policy.
        .fallback(leptos_axum::file_and_error_handler_with_context::<RouterState, _>(
            move || page_context(ctx_state.clone()),
            shell,
        ))
        .layer(middleware::from_fn(own_owner))
        .layer(axum::Extension(presence))
        .layer(middleware::from_fn_with_state(app_state.clone(), request_db))
        .layer(middleware::from_fn(error_status))
        .layer(middleware::from_fn_with_state(
            options.trusted_proxies.clone(),
            crate::net::client_address,
        ))
        .layer(middleware::from_fn(crate::limits::limit_bodies))
        .layer(middleware::from_fn(same_origin_posts))
        .layer(middleware::from_fn_with_state(options.https, security_headers))
        .layer(middleware::from_fn(crate::assets::vary_on_encoding))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// One database connection per page request (`app::backend::request_db`):
/// GET requests (pages, and server functions called with GET) get a handle
/// that leases a connection on its first statement; the connection goes back
/// to the pool when the response body has been sent or dropped. Other
/// methods may write, which takes a second connection, so they run each
/// statement on the pool as before.
async fn request_db(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let db = if matches!(*req.method(), Method::GET | Method::HEAD) {
        state.request_db()
    } else {
        state.direct_db()
    };
    req.extensions_mut().insert(db.clone());
    let res = next.run(req).await;
    let (parts, body) = res.into_parts();
    Response::from_parts(parts, Body::new(ReleaseAtEnd { body, db }))
}

/// A response body that gives the request's connection back when it ends.
struct ReleaseAtEnd {
    body: Body,
    db: app::backend::request_db::RequestDb,
}

impl Drop for ReleaseAtEnd {
    fn drop(&mut self) {
        self.db.release();
    }
}

impl http_body::Body for ReleaseAtEnd {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let frame = std::pin::Pin::new(&mut this.body).poll_frame(cx);
        if let std::task::Poll::Ready(None) = frame {
            this.db.release();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

async fn healthz(State(state): State<RouterState>) -> Response {
    match state.app.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Cross-site request protection for mutations: besides SameSite=Strict
/// cookies, a POST whose Origin (or Sec-Fetch-Site) says it came from another
/// site is refused. The billing webhook is signed instead and exempt.
async fn same_origin_posts(req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !req.uri().path().starts_with("/api/billing/") {
        let headers = req.headers();
        let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
        let origin_mismatch = match (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
            (Some(_), None) => true,
            _ => false,
        };
        if cross_site || origin_mismatch {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(req).await
}

/// Server-function errors raised before the function body runs (arguments
/// that do not decode) leave Leptos answering 500; the JSON body is an
/// [`app::error::AppError`] whose own status is the right one.
async fn error_status(req: Request, next: Next) -> Response {
    let is_fn = req.uri().path().starts_with("/api/") && !req.uri().path().starts_with("/api/billing/");
    let res = next.run(req).await;
    if !is_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The per-request context of pages (and of the server functions the
/// router registers with them): the app's request context, and the page's
/// Content-Security-Policy naming the nonce Leptos put on this response's
/// inline scripts (leptos_axum provides one per render).
fn page_context(state: AppState) {
    provide_request_context(state);
    if let (Some(nonce), Some(res)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(v) = HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
            res.insert_header(header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

/// Runs each request's handling under a reactive root owner of its own.
///
/// leptos_axum's static-file fallback and server-function handler make
/// their owner with `Owner::new()`, a child of whatever owner is current on
/// the thread; a page render still current there (on our per-core runtimes
/// another request's render runs on the same thread) made the file's
/// response find that page's `ResponseOptions` and take its headers: the
/// page went out without its nonce policy and none of its scripts ran
/// (under load, about one browser-test run in two; found 2026-11-30).
/// Under this root, what a handler looks up is its own or nothing.
async fn own_owner(req: Request, next: Next) -> Response {
    ScopedFuture {
        owner: Owner::new_root(None),
        observer: None,
        fut: next.run(req),
    }
    .await
}

/// The policy of every response. Scripts: this site's files, and inline
/// scripts only with the response's nonce (the hydration bootstrap and
/// the streamed resource data); WASM needs `wasm-unsafe-eval`. Responses
/// without inline scripts (JSON, files, redirects) get no nonce at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

/// Two years, as browsers' preload lists ask for; sent only when
/// `VIGIL_PUBLIC_URL` is https (browsers ignore it over plain HTTP anyway).
const HSTS: &str = "max-age=63072000";

async fn security_headers(State(https): State<bool>, req: Request, next: Next) -> Response<Body> {
    static DEFAULT_CSP: std::sync::LazyLock<HeaderValue> =
        std::sync::LazyLock::new(|| HeaderValue::from_str(&content_security_policy(None)).expect("ASCII policy"));
    let cache = asset_cache_control(req.uri().path());
    // A cheap clone (the URI shares its bytes); only the rare error below
    // reads it.
    let uri = req.uri().clone();
    let mut res = next.run(req).await;
    let success = res.status().is_success();
    let h = res.headers_mut();
    // Leptos pages carry a policy with their nonce and other HTML its own
    // (see own_owner): one without is a page whose scripts will not run.
    // An HTML file of the site (served from disk, so with `Last-Modified`)
    // is not a page and gets the default policy below; logging it would
    // write an error per request (the benchmark's static twins of the pages
    // did, which slowed the static side of the comparison).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && !h.contains_key(header::LAST_MODIFIED)
        && h.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        tracing::error!(
            path = uri.path(),
            "an HTML page without its nonce policy: its inline scripts would be refused"
        );
    }
    if let (Some(cache), true) = (cache, success) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    // A page's own policy (with its nonce) wins.
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(DEFAULT_CSP.clone());
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A handler's stricter policy (the Login as User link: no-referrer) wins.
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        secure_cookies(h);
    }
    res
}

/// Behind https every cookie is `Secure`: the session cookies are made in
/// the app, which does not know the deployment, so they are marked here.
fn secure_cookies(h: &mut axum::http::HeaderMap) {
    if !h.contains_key(header::SET_COOKIE) {
        return;
    }
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let secure = c
            .to_str()
            .ok()
            .filter(|s| !s.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure")))
            .and_then(|s| HeaderValue::from_str(&format!("{s}; Secure")).ok());
        h.append(header::SET_COOKIE, secure.unwrap_or(c));
    }
}

/// Hashed asset names (`/pkg/vigil.<hash>.wasm`) never change content, so
/// browsers may keep them for a year; anything else under /pkg revalidates.
fn asset_cache_control(path: &str) -> Option<&'static str> {
    let name = path.strip_prefix("/pkg/")?;
    if name.split('.').count() >= 3 {
        Some("public, max-age=31536000, immutable")
    } else {
        Some("no-cache")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cookies_become_secure_once() {
        let mut h = axum::http::HeaderMap::new();
        h.append(axum::http::header::SET_COOKIE, "a=1; Path=/; HttpOnly".parse().unwrap());
        h.append(axum::http::header::SET_COOKIE, "b=2; Secure; Path=/".parse().unwrap());
        super::secure_cookies(&mut h);
        let all: Vec<_> = h.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(all, ["a=1; Path=/; HttpOnly; Secure", "b=2; Secure; Path=/"]);
    }

    #[test]
    fn scripts_need_a_nonce_never_unsafe_inline() {
        let page = super::content_security_policy(Some("abc"));
        assert!(page.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{page}");
        let other = super::content_security_policy(None);
        assert!(other.contains("script-src 'self' 'wasm-unsafe-eval';"), "{other}");
        assert!(!page.contains("script-src 'self' 'unsafe-inline'") && !other.contains("'nonce-"));
    }

    #[test]
    fn hashed_assets_are_immutable() {
        assert_eq!(
            super::asset_cache_control("/pkg/vigil.a1b2c3.wasm"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(super::asset_cache_control("/pkg/vigil.css"), Some("no-cache"));
        assert_eq!(super::asset_cache_control("/users"), None);
    }
}
