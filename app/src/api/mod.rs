//! Server functions, one file per domain. Each checks the session and the
//! administrator's permission on its first lines, on the server.

pub mod access;
pub mod admins;
pub mod audit;
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

    /// The administrator of this request, loaded at most once: a page's
    /// server-side render calls several server functions (layout, card
    /// header, tab), which share it instead of each reading the session,
    /// the permissions and the scope again. Provided per request by the
    /// router; never shared between requests, so a revoked session or
    /// permission takes effect on the next request.
    #[derive(Clone, Default)]
    pub struct RequestAdmin(std::sync::Arc<tokio::sync::OnceCell<Option<Admin>>>);

    /// Call in the router's per-request context closure.
    pub fn provide_request_context(state: AppState) {
        provide_context(state);
        provide_context(RequestAdmin::default());
    }

    /// The signed-in administrator, or 401.
    pub async fn admin() -> Result<(AppState, Admin), AppError> {
        let state = state();
        let token = auth::cookie(&headers(), auth::ADMIN_COOKIE).ok_or(AppError::Unauthorized)?;
        let admin = match use_context::<RequestAdmin>() {
            Some(cache) => cache.0.get_or_try_init(|| auth::admin_for_token(&state, &token)).await?.clone(),
            None => auth::admin_for_token(&state, &token).await?,
        };
        Ok((state, admin.ok_or(AppError::Unauthorized)?))
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
