//! Server-sent events for open console pages:
//! `GET /sse/billing-events?user_id=<id>` sends `event: billing` /
//! `data: <user id>` whenever a billing event is stored for that user;
//! without `user_id` it sends `data: global` for events that concern no user
//! (the global billing log). Browsers refetch their table on each event.
//! The same checks as the pages: a session (401), `users.view` (403), and the
//! user within the administrator's scope (404).

use app::error::AppError;
use app::permissions::admin::USERS_VIEW;
use app::server::auth;
use app::server::state::Notice;
use app::server::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub fn routes<S: Clone + Send + Sync + 'static>(app: AppState) -> Router<S> {
    Router::new().route("/sse/billing-events", get(billing_events)).with_state(app)
}

#[derive(Deserialize)]
struct BillingQuery {
    user_id: Option<String>,
}

fn refuse(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(serde_json::json!({ "error": e.to_string() }))).into_response()
}

async fn billing_events(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<BillingQuery>) -> Response {
    let admin = match auth::cookie(&headers, auth::ADMIN_COOKIE) {
        None => return refuse(AppError::Unauthorized),
        Some(token) => match auth::admin_for_token(&state, &token).await {
            Ok(Some(a)) => a,
            Ok(None) => return refuse(AppError::Unauthorized),
            Err(e) => return refuse(e),
        },
    };
    if let Err(e) = admin.require(USERS_VIEW) {
        return refuse(e);
    }
    let want = match q.user_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return refuse(AppError::invalid("user_id", "must be a user id")),
        },
    };
    if let Some(id) = want {
        if let Err(e) = app::server::services::users::find_visible(&state.db, &admin, id).await {
            return refuse(e);
        }
    }
    let data = want.map(|id| id.to_string()).unwrap_or_else(|| "global".into());
    // Subscribed before answering, so nothing stored from now on is missed.
    let rx = state.notices.subscribe();
    let stream = futures::stream::unfold((rx, data), move |(mut rx, data)| async move {
        loop {
            match rx.recv().await {
                Ok(Notice::BillingEvent { user_id }) if user_id == want => break,
                Ok(_) => continue,
                // Missed some notices: one refetch covers them all.
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return None,
            }
        }
        let event = Event::default().event("billing").data(data.clone());
        Some((Ok::<_, Infallible>(event), (rx, data)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
