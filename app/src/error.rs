//! The one error type of the console boundary: every server function returns
//! `Result<_, AppError>`. Each variant documents the HTTP status it maps to.
//! Internal details are logged on the server and never sent to the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401 — no administrator (or client) session, or it expired.
    #[error("Please sign in.")]
    Unauthorized,
    /// 403 — signed in but missing the named permission.
    #[error("You do not have the permission “{0}”.")]
    Forbidden(String),
    /// 403 — signed in and permitted, but the change would give or touch more
    /// than the caller holds (an administrator escalating); says why.
    #[error("{0}")]
    Refused(String),
    /// 404 — the thing does not exist or is outside the administrator's scope.
    #[error("{0} not found.")]
    NotFound(String),
    /// 409 — a precondition failed (someone else saved first).
    #[error("{0}")]
    Conflict(String),
    /// 422 — invalid input; `field` names the offending field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// 429 — too many attempts.
    #[error("Too many attempts. Wait a minute and try again.")]
    RateLimited,
    /// 503 — the database is unavailable.
    #[error("The service is temporarily unavailable. Try again shortly.")]
    Unavailable,
    /// 500 — anything else; the cause is in the server log only.
    #[error("Something went wrong on the server.")]
    Internal,
    /// Transport or encoding failure of the server-function call itself.
    #[error("Request failed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(what.to_string())
    }
    pub fn forbidden(permission: &str) -> Self {
        Self::Forbidden(permission.to_string())
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden(_) | Self::Refused(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Invalid { .. } => 422,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

/// `?` on a database call: a connection that cannot be had is a 503, any
/// other database error a 500; the cause goes to the log, never to the
/// browser.
#[cfg(feature = "ssr")]
impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match &e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable
            }
            _ => {
                tracing::error!(error = %e, "database error");
                Self::Internal
            }
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that fail to decode are the caller's fault, not ours.
            ServerFnErrorErr::Args(msg) => Self::invalid("request", msg),
            other => Self::Transport(other.to_string()),
        }
    }
}
