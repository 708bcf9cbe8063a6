//! The HTTP router: Leptos pages and server functions with the app state in
//! context, static files, health, and the security layers every response
//! gets.

use app::api::ctx::provide_request_context;
use app::server::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
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

/// `billing_secret`: the HMAC secret shared with billing (`VIGIL_BILLING_SECRET`);
/// without one the billing endpoint refuses every request.
pub fn build(app_state: AppState, leptos: LeptosOptions, billing_secret: Option<String>) -> Router {
    // Once per process: generating the list sets a process-wide flag that
    // parks any resource first polled meanwhile forever (leptos#4773), so a
    // second router built beside a serving one (tests, the benchmark tools)
    // would hang that one's pages.
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
    let presence = app::server::services::sync::Presence::default();
    Router::new()
        .route("/healthz", get(healthz))
        .merge(crate::billing::routes(
            app_state.clone(),
            crate::billing::BillingConfig::new(billing_secret),
        ))
        .merge(crate::sse::routes(app_state.clone()))
        .merge(crate::client_api::routes(app_state.clone(), presence.clone()))
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
        .leptos_routes_with_context(&state, routes, move || provide_request_context(ctx_state.clone()), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<RouterState, _>(shell))
        .layer(axum::Extension(presence))
        .layer(middleware::from_fn(error_status))
        .layer(middleware::from_fn(same_origin_posts))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(crate::assets::vary_on_encoding))
        .layer(CompressionLayer::new())
        .with_state(state)
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

async fn security_headers(req: Request, next: Next) -> Response<Body> {
    let cache = asset_cache_control(req.uri().path());
    let mut res = next.run(req).await;
    let success = res.status().is_success();
    let h = res.headers_mut();
    if let (Some(cache), true) = (cache, success) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    // Hydration needs wasm-unsafe-eval; Leptos' inline hydration bootstrap
    // needs 'unsafe-inline' for scripts.
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A handler's stricter policy (the Login as User link: no-referrer) wins.
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    res
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
    fn hashed_assets_are_immutable() {
        assert_eq!(
            super::asset_cache_control("/pkg/vigil.a1b2c3.wasm"),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(super::asset_cache_control("/pkg/vigil.css"), Some("no-cache"));
        assert_eq!(super::asset_cache_control("/users"), None);
    }
}
