//! Request body limits, for every route that reads a body. A body over its
//! route's limit is answered 413 before any handler sees it, whether it
//! declares its length or arrives chunked (the body is read here, up to the
//! limit, and handed on in memory). A body that takes longer than
//! [`BODY_TIME`] to arrive is answered 408.
//!
//! | route | limit | why |
//! | --- | --- | --- |
//! | server functions (`/api/…`) | [`SERVER_FN`] | arguments are a few hundred bytes |
//! | `/api/client/cases/create` | [`CASE_CREATE`] | up to 10,000 camera ids, the service's cap |
//! | `/api/client/v1/session` | [`CLIENT_SESSION`] | a login and a password |
//! | `/api/billing/v1/events` | its own 64 KiB | checked by the webhook, with its JSON answer |
//! | anything else | [`OTHER`] | pages, streams and files read no body |

use app::error::AppError;
use axum::body::HttpBody as _;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;

pub const SERVER_FN: usize = 16 * 1024;
pub const CASE_CREATE: usize = 512 * 1024;
pub const CLIENT_SESSION: usize = 4 * 1024;
pub const OTHER: usize = 4 * 1024;
/// How long a body may take to arrive (408 after).
pub const BODY_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// The limit of a path; `None` where the handler enforces its own.
pub fn limit_for(path: &str) -> Option<usize> {
    match path {
        p if p.starts_with("/api/billing/") => None,
        "/api/client/v1/session" => Some(CLIENT_SESSION),
        "/api/client/cases/create" => Some(CASE_CREATE),
        p if p.starts_with("/api/") => Some(SERVER_FN),
        _ => Some(OTHER),
    }
}

/// Middleware: enforces [`limit_for`].
pub async fn limit_bodies(req: Request, next: Next) -> Response {
    let Some(limit) = limit_for(req.uri().path()) else {
        return next.run(req).await;
    };
    // Most requests (every GET) have no body: nothing to read.
    if req.body().size_hint().exact() == Some(0) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(req.uri().path(), limit);
    }
    let (parts, body) = req.into_parts();
    let mut chunks = body.into_data_stream();
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let read = async {
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(c) if buf.len() + c.len() > limit => return Err(too_large(parts.uri.path(), limit)),
                Ok(c) => buf.extend_from_slice(&c),
                Err(e) => {
                    tracing::debug!(error = %e, "request body could not be read");
                    return Err((StatusCode::BAD_REQUEST, "the request body could not be read").into_response());
                }
            }
        }
        Ok(())
    };
    // A body trickled in a byte at a time would hold its connection open
    // for as long as the sender likes.
    match tokio::time::timeout(BODY_TIME, read).await {
        Ok(Ok(())) => {}
        Ok(Err(refused)) => return refused,
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "the request body took too long",
            )
                .into_response()
        }
    }
    next.run(Request::from_parts(parts, Body::from(Bytes::from(buf)))).await
}

/// 413 in the route's own error shape: an [`AppError`] for server functions
/// (the app shows its message), `{"error": …}` for the client API.
fn too_large(path: &str, limit: usize) -> Response {
    let message = format!("the request body is over {} KiB", limit / 1024);
    let body = if path.starts_with("/api/client/v1/") || !path.starts_with("/api/") {
        serde_json::json!({ "error": message })
    } else {
        serde_json::to_value(AppError::invalid("request", message)).unwrap_or_default()
    };
    // The rest of the body is not read: the connection closes after this.
    (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONNECTION, "close")], Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_reading_route_has_a_small_limit() {
        assert_eq!(limit_for("/api/login"), Some(SERVER_FN));
        assert_eq!(limit_for("/api/client/login"), Some(SERVER_FN));
        assert_eq!(limit_for("/api/client/cases/create"), Some(CASE_CREATE));
        assert_eq!(limit_for("/api/client/v1/session"), Some(CLIENT_SESSION));
        assert_eq!(limit_for("/api/billing/v1/events"), None);
        assert_eq!(limit_for("/users/5/user"), Some(OTHER));
        const { assert!(SERVER_FN <= 64 * 1024 && CLIENT_SESSION <= SERVER_FN) };
    }
}
