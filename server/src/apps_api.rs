//! The HTTP API of the subscribers' desktop and mobile apps (and the web
//! client's live updates), plus the Login as User entry of the web client.
//! The web client's pages are `app::pages::client`, its server functions
//! `app::api::web_client`; all of them share the rules of
//! `app::backend::services::subscriber`.
//!
//!
//! - `POST /api/client/v1/session` `{"login","password"}` → a bearer token
//!   (the same `client_sessions` as the web client's cookie);
//! - `GET /api/client/v1/cameras` (bearer or `vigil_client` cookie) → the
//!   account's cameras with the user's `sync_version`;
//! - `GET /api/client/v1/events` → server-sent events: `event: ready` with the
//!   current version on connect, then `event: sync` `data:
//!   {"sync_version":N}` whenever the user is synchronized; the session is
//!   checked again while the stream is open, and a user holds at most
//!   [`MAX_STREAMS_PER_USER`] streams per instance (429 beyond);
//! - `GET /client/impersonate?ticket=…` consumes a Login as User ticket, sets
//!   the web client's cookie and redirects to `/client/cameras`; a spent or
//!   expired ticket gets a 410 page, a browser without the issuing
//!   administrator's console session a 403 page.
//!
//! Errors are JSON `{"error": …, "field"?: …}` with the `AppError` status.

use app::backend::services::{subscriber, sync::Presence};
use app::backend::state::Notice;
use app::backend::subscriber_auth::{self, ClientUser, TicketRefused};
use app::backend::throttle::{self, ClientAddress};
use app::backend::{auth, AppState};
use app::error::AppError;
use app::types::catalogue::UserPermission;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

#[derive(Clone)]
struct ClientApiState {
    app: AppState,
    presence: Presence,
}

/// `presence` is this instance's count of connected clients, shared with
/// the sync server function (the router hands it to both).
pub fn routes<S: Clone + Send + Sync + 'static>(app: AppState, presence: Presence) -> Router<S> {
    Router::new()
        .route("/api/client/v1/session", post(session))
        .route("/api/client/v1/cameras", get(cameras))
        .route("/api/client/v1/events", get(events))
        .route("/client/impersonate", get(impersonate))
        .with_state(ClientApiState { app, presence })
}

fn refuse(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match &e {
        AppError::Invalid { field, message } => json!({ "error": message, "field": field }),
        other => json!({ "error": other.to_string() }),
    };
    (status, Json(body)).into_response()
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<ClientUser, AppError> {
    let token = subscriber_auth::token_from_headers(headers).ok_or(AppError::Unauthorized)?;
    subscriber_auth::client_for_token(state, &token)
        .await?
        .ok_or(AppError::Unauthorized)
}

#[derive(Deserialize)]
struct SessionRequest {
    login: String,
    password: String,
}

async fn session(
    State(st): State<ClientApiState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    address: Option<Extension<ClientAddress>>,
    body: Bytes,
) -> Response {
    let Ok(req) = serde_json::from_slice::<SessionRequest>(&body) else {
        return refuse(AppError::invalid("body", "send JSON {\"login\": …, \"password\": …}"));
    };
    // The router's client address (X-Forwarded-For from a trusted proxy).
    let address = throttle::address_key(address.map_or(peer.ip(), |a| a.0 .0));
    match subscriber_auth::sign_in(&st.app, &req.login, &req.password, &address).await {
        Ok((token, expires_in)) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(json!({ "token": token, "token_type": "Bearer", "expires_in": expires_in })),
        )
            .into_response(),
        Err(e) => refuse(e),
    }
}

async fn cameras(State(st): State<ClientApiState>, headers: HeaderMap) -> Response {
    let result = async {
        let client = signed_in(&st.app, &headers).await?;
        client.require(UserPermission::CamerasView.slug())?;
        let version = subscriber::cameras::sync_version(&st.app.db, client.id).await?;
        let cameras = subscriber::cameras::all(&st.app.db, &client).await?;
        Ok::<_, AppError>(json!({
            "sync_version": version,
            "cameras": cameras.iter().map(|c| json!({
                "id": c.id,
                "name": c.name,
                "status": c.status,
                "blocked": c.blocked,
                "archive_days": c.archive_days,
                "location": c.location,
            })).collect::<Vec<_>>(),
            "settings": {
                "blocked": client.blocked,
                "permissions": client.permissions,
            },
        }))
    }
    .await;
    match result {
        Ok(body) => Json(body).into_response(),
        Err(e) => refuse(e),
    }
}

/// How often an idle client stream checks that its session is still good.
const RECHECK: Duration = Duration::from_secs(30);

/// Open live streams one user may hold on this instance (tabs, apps); the
/// next one is refused with 429, so one account cannot pin the server's
/// memory and broadcast work with thousands of idle streams.
pub const MAX_STREAMS_PER_USER: usize = 8;

/// An open client stream. Like the console's streams (`sse.rs`) the session
/// is checked again before every event and every [`RECHECK`]: sign-out,
/// termination, expiry, a password change or a revoked Login as User end
/// the stream (the browser's reconnect then gets the 401 and stops).
struct Open {
    rx: tokio::sync::broadcast::Receiver<Notice>,
    last: i64,
    token: String,
    user_id: i64,
    app: AppState,
    recheck: tokio::time::Interval,
    _guard: app::backend::services::sync::PresenceGuard,
}

impl Open {
    async fn still_allowed(&self) -> bool {
        matches!(subscriber_auth::client_for_token(&self.app, &self.token).await, Ok(Some(c)) if c.id == self.user_id)
    }
}

/// The live stream of one client. Notices of other users are skipped, and a
/// version already sent is never sent again (on PostgreSQL the local notice
/// and the instance's own NOTIFY both arrive).
async fn events(State(st): State<ClientApiState>, headers: HeaderMap) -> Response {
    let Some(token) = subscriber_auth::token_from_headers(&headers) else {
        return refuse(AppError::Unauthorized);
    };
    let client = match subscriber_auth::client_for_token(&st.app, &token).await {
        Ok(Some(c)) => c,
        Ok(None) => return refuse(AppError::Unauthorized),
        Err(e) => return refuse(e),
    };
    let Some(guard) = st.presence.try_connect(client.id, MAX_STREAMS_PER_USER) else {
        return refuse(AppError::RateLimited);
    };
    // Subscribed before reading the version, so no sync falls in between.
    let rx = st.app.notices.subscribe();
    let version = match subscriber::cameras::sync_version(&st.app.db, client.id).await {
        Ok(v) => v,
        Err(e) => return refuse(e),
    };
    let ready = Event::default().event("ready").data(json!({ "sync_version": version }).to_string());
    let open = Open {
        rx,
        last: version,
        token,
        user_id: client.id,
        app: st.app.clone(),
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK),
        _guard: guard,
    };
    let updates = futures::stream::unfold(open, |mut open| async move {
        let next = loop {
            tokio::select! {
                notice = open.rx.recv() => match notice {
                    Ok(Notice::Sync { user_id, sync_version }) if user_id == open.user_id && sync_version > open.last => break sync_version,
                    Ok(_) => continue,
                    // Missed notices: the stored version tells whether a sync was among them.
                    Err(RecvError::Lagged(_)) => match subscriber::cameras::sync_version(&open.app.db, open.user_id).await {
                        Ok(v) if v > open.last => break v,
                        _ => continue,
                    },
                    Err(RecvError::Closed) => return None,
                },
                _ = open.recheck.tick() => {
                    if !open.still_allowed().await {
                        return None;
                    }
                }
            }
        };
        if !open.still_allowed().await {
            return None;
        }
        open.last = next;
        let event = Event::default().event("sync").data(json!({ "sync_version": next }).to_string());
        Some((Ok::<_, Infallible>(event), open))
    });
    let stream = futures::StreamExt::chain(futures::stream::once(async move { Ok::<_, Infallible>(ready) }), updates);
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold the events back.
    res.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

#[derive(Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

async fn impersonate(State(st): State<ClientApiState>, headers: HeaderMap, Query(q): Query<TicketQuery>) -> Response {
    let ticket = q.ticket.unwrap_or_default();
    let console = auth::cookie(&headers, auth::ADMIN_COOKIE);
    let open = auth::cookie(&headers, subscriber_auth::CLIENT_COOKIE);
    let outcome = if ticket.is_empty() || ticket.len() > 100 {
        Err(TicketRefused::Spent)
    } else {
        subscriber_auth::consume_ticket(&st.app, &ticket, console.as_deref(), open.as_deref()).await
    };
    match outcome {
        Ok((token, max_age)) => {
            let cookie = auth::session_cookie(subscriber_auth::CLIENT_COOKIE, &token, max_age, "/");
            let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, "/client/cameras")]).into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            no_store(res)
        }
        Err(TicketRefused::Spent) => page(
            StatusCode::GONE,
            "This link has expired or was already used",
            "A Login as User link works once, within a minute of being made. Press Login as User on the user card again.",
        ),
        Err(TicketRefused::WrongBrowser) => page(
            StatusCode::FORBIDDEN,
            "Open this link where you are signed in to the console",
            "A Login as User link works only in the browser in which the administrator who made it is signed in to the console.",
        ),
        Err(TicketRefused::OtherUserOpen(name)) => other_user_open(&name),
        Err(TicketRefused::NotAllowed) => page(
            StatusCode::FORBIDDEN,
            "Login as User is not allowed",
            "The administrator no longer has the permission, or this user can no longer use the web client.",
        ),
        Err(TicketRefused::Failed(e)) => page(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Could not sign in",
            &e.to_string(),
        ),
    }
}

/// 409: this browser's web client is signed in as another user. All its
/// tabs share one cookie, so opening a second user here would make the
/// first user's open tabs act on the second account; the administrator ends
/// the first session (End session in its tab) or signs this browser's web
/// client out from here, knowingly, then presses Login as User again.
fn other_user_open(name: &str) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Another user is open · Vigil</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b2330}}</style>\
         </head><body><main role=\"main\"><h1>The web client is open as another user in this browser</h1>\
         <p>This browser's web client is signed in as <strong>{n}</strong>. Its tabs share one session, so opening another \
         user here would switch those tabs to the other account. Press <em>End session</em> in the tab of {n}, then press \
         Login as User again.</p>\
         <form method=\"post\" action=\"/api/client/logout\"><button type=\"submit\">Sign the web client out of {n} in every tab of this browser</button></form>\
         </main></body></html>",
        n = esc(name)
    );
    no_store((StatusCode::CONFLICT, Html(html)).into_response())
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The ticket is in the URL: never send it on as a referrer.
    res.headers_mut()
        .insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // These pages have no inline script: the policy without a nonce is
    // their own (the router flags HTML that comes without one).
    if let Ok(csp) = HeaderValue::from_str(&crate::router::content_security_policy(None)) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

/// A small self-contained page (no WASM needed to read it).
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · Vigil</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b2330}}\
         a{{color:#0b5cad}}</style></head><body><main role=\"main\"><h1>{t}</h1><p>{x}</p>\
         <p><a href=\"/client/login\">Sign in to the web client</a></p></main></body></html>",
        t = esc(title),
        x = esc(text)
    );
    no_store((status, Html(html)).into_response())
}
