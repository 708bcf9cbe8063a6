//! The billing webhook, `POST /api/billing/v1/events` (contract:
//! `shared/spec/billing-api.md`), and its OpenAPI document: the HTTP side of
//! billing and its answers. In order: the body limit (413), the signature
//! over the raw bytes (401, nothing stored), parsing (400, nothing stored;
//! [`app::backend::services::billing::parse`]), then storing and applying in
//! one transaction ([`app::backend::services::billing::receive`]). The
//! events themselves and their rules live in that app module.

pub mod openapi;
pub mod signature;

use app::backend::services::billing::{self, parse};
use app::backend::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

/// Bodies over this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;

/// The billing side of the configuration. The secret has no `Debug` output.
#[derive(Clone, Default)]
pub struct BillingConfig {
    secret: Option<Arc<str>>,
}

impl BillingConfig {
    pub fn new(secret: Option<String>) -> Self {
        Self {
            secret: secret.filter(|s| !s.is_empty()).map(Arc::from),
        }
    }
}

impl std::fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingConfig")
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .finish()
    }
}

#[derive(Clone)]
struct BillingState {
    app: AppState,
    config: BillingConfig,
}

/// The billing routes, ready to merge into the main router.
pub fn routes<S: Clone + Send + Sync + 'static>(app: AppState, config: BillingConfig) -> Router<S> {
    Router::new()
        .route("/api/billing/v1/events", post(receive))
        .route("/api/billing/v1/openapi.json", get(openapi_json))
        .with_state(BillingState { app, config })
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn openapi_json() -> Response {
    Json(openapi::document()).into_response()
}

async fn receive(State(st): State<BillingState>, req: Request) -> Response {
    let Some(secret) = st.config.secret.clone() else {
        return error(
            StatusCode::UNAUTHORIZED,
            "billing is not configured on this server (VIGIL_BILLING_SECRET is not set)",
        );
    };
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || error(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 64 KiB");
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) if e.to_string().contains("length limit exceeded") => return too_large(),
        Err(e) => {
            tracing::debug!(error = %e, "billing: could not read the body");
            return error(StatusCode::BAD_REQUEST, "the body could not be read");
        }
    };
    let sig = parts.headers.get(signature::HEADER).and_then(|v| v.to_str().ok());
    if let Err(why) = signature::verify(&secret, sig, &bytes, st.app.clock.now().timestamp()) {
        return error(StatusCode::UNAUTHORIZED, why);
    }
    let incoming = match parse::parse(&bytes) {
        Ok(i) => i,
        Err(bad) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": bad.message, "field": bad.field }))).into_response();
        }
    };
    match billing::receive(&st.app, incoming).await {
        Ok(answer) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(answer.body),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "billing: database unavailable; answered 503");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; nothing was stored, please retry",
            )
        }
    }
}
