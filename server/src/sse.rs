//! Server-sent events for open console pages:
//! `GET /sse/billing-events?user_id=<id>` sends `event: billing` /
//! `data: <user id>` whenever a billing event is stored for that user;
//! without `user_id` it sends `data: global` for events that concern no user
//! (the global billing log). Browsers refetch their table on each event.
//! The same checks as the pages: a session (401), `users.view` (403), and the
//! user within the administrator's scope (404); repeated while the stream is
//! open, which ends when they fail (at once when an administrator is
//! disabled).

use app::backend::auth::{self, Admin};
use app::backend::services::users;
use app::backend::state::Notice;
use app::backend::AppState;
use app::error::AppError;
use app::permissions::admin::USERS_VIEW;
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

/// How often an idle stream checks that its session may still see it.
const RECHECK: Duration = Duration::from_secs(30);

/// An open stream. The session is checked again before every event and
/// every [`RECHECK`], so signing out, losing `users.view` or the user
/// leaving the scope ends the stream (the browser's reconnect then gets the
/// 401, 403 or 404 and stops).
struct Open {
    rx: tokio::sync::broadcast::Receiver<Notice>,
    data: String,
    want: Option<i64>,
    token: String,
    state: AppState,
    recheck: tokio::time::Interval,
}

impl Open {
    async fn still_allowed(&self) -> bool {
        match viewer(&self.state, &self.token).await {
            Err(_) => false,
            Ok(admin) => match self.want {
                None => true,
                Some(id) => users::find_visible(&self.state.db, &admin, id).await.is_ok(),
            },
        }
    }
}

/// The administrator of `token` if it may read the billing log: a session
/// (401) with `users.view` (403).
async fn viewer(state: &AppState, token: &str) -> Result<Admin, AppError> {
    let admin = auth::admin_for_token(state, token).await?.ok_or(AppError::Unauthorized)?;
    admin.require(USERS_VIEW)?;
    Ok(admin)
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
    let Some(token) = auth::cookie(&headers, auth::ADMIN_COOKIE) else {
        return refuse(AppError::Unauthorized);
    };
    let admin = match viewer(&state, &token).await {
        Ok(a) => a,
        Err(e) => return refuse(e),
    };
    let want = match q.user_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return refuse(AppError::invalid("user_id", "must be a user id")),
        },
    };
    if let Some(id) = want {
        if let Err(e) = users::find_visible(&state.db, &admin, id).await {
            return refuse(e);
        }
    }
    let data = want.map(|id| id.to_string()).unwrap_or_else(|| "global".into());
    // Subscribed before answering, so nothing stored from now on is missed.
    let open = Open {
        rx: state.notices.subscribe(),
        data,
        want,
        token,
        state,
        recheck: tokio::time::interval_at(tokio::time::Instant::now() + RECHECK, RECHECK),
    };
    let stream = futures::stream::unfold(open, |mut open| async move {
        loop {
            tokio::select! {
                notice = open.rx.recv() => match notice {
                    Ok(Notice::BillingEvent { user_id }) if user_id == open.want => break,
                    // A disabled administrator's streams end at once, not
                    // at the next periodic check.
                    Ok(Notice::AdminDisabled { .. }) => {
                        if !open.still_allowed().await {
                            return None;
                        }
                    }
                    Ok(_) => continue,
                    // Missed some notices: one refetch covers them all.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                },
                _ = open.recheck.tick() => {
                    if !open.still_allowed().await {
                        return None;
                    }
                }
            }
        }
        if !open.still_allowed().await {
            return None;
        }
        let event = Event::default().event("billing").data(open.data.clone());
        Some((Ok::<_, Infallible>(event), open))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
