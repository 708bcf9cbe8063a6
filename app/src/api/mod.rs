//! Server functions, one file per domain. Each checks the session and the
//! administrator's permission on its first lines, on the server.

pub mod access;
pub mod auth;
pub mod billing;
pub mod card;
pub mod client;
pub mod devices;
pub mod impersonate;
pub mod users;

#[cfg(feature = "ssr")]
pub mod ctx {
    //! Request context for server functions: state, the signed-in
    //! administrator, and error statuses.

    use crate::error::AppError;
    use crate::server::auth::{self, Admin};
    use crate::server::AppState;
    use leptos::prelude::*;

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>().map(|p| p.headers).unwrap_or_default()
    }

    /// The signed-in administrator, or 401.
    pub async fn admin() -> Result<(AppState, Admin), AppError> {
        let state = state();
        let token = auth::cookie(&headers(), auth::ADMIN_COOKIE).ok_or(AppError::Unauthorized)?;
        let admin = auth::admin_for_token(&state, &token).await?.ok_or(AppError::Unauthorized)?;
        Ok((state, admin))
    }

    /// Sets the response status from the error, so that a server-function
    /// call answers 403/404/422… and an SSR page rendering it does too.
    pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result {
            if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
            }
        }
        result
    }
}
