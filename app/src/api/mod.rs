//! Server functions, one file per domain. A console server function is
//! written one way: `as_admin(PERMISSION, |c| async move { … })`
//! ([`ctx::as_admin`]) checks the session and the administrator's
//! permission on the server before its body runs, and sets the response
//! status from the body's error.

pub mod access;
pub mod admins;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod card;
pub mod devices;
pub mod impersonate;
pub mod users;
pub mod web_client;

#[cfg(feature = "ssr")]
pub mod ctx {
    //! Request context for server functions: state, the signed-in
    //! administrator, and error statuses.

    use crate::backend::auth::{self, Admin};
    use crate::backend::request_db::RequestDb;
    use crate::backend::services::card::{self, CardUser};
    use crate::backend::services::licences::{self, Level};
    use crate::backend::AppState;
    use crate::error::AppError;
    use leptos::prelude::*;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    pub fn state() -> AppState {
        expect_context::<AppState>()
    }

    /// The request's database handle: one connection for every statement
    /// of the page or server function (see [`RequestDb`]). Services take it
    /// as `&impl ConnectionTrait`; writes still go through
    /// `AppState::write()`.
    pub fn db() -> RequestDb {
        use_context::<RequestDb>().unwrap_or_else(|| state().direct_db())
    }

    pub fn headers() -> http::HeaderMap {
        use_context::<http::request::Parts>().map(|p| p.headers).unwrap_or_default()
    }

    /// Adds a `Set-Cookie` header to this server function's response.
    pub fn set_cookie(value: &str) -> Result<(), AppError> {
        let opts = expect_context::<leptos_axum::ResponseOptions>();
        opts.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(value).map_err(|_| AppError::Internal)?,
        );
        Ok(())
    }

    /// The sign-in throttle's key for this request's client.
    pub fn address() -> String {
        crate::backend::throttle::request_address(use_context::<http::request::Parts>().as_ref())
    }

    /// The administrator of this request, loaded at most once: a page's
    /// server-side render calls several server functions (layout, card
    /// header, tab), which share it instead of each reading the session,
    /// the permissions and the scope again. Provided per request by the
    /// router; never shared between requests, so a revoked session or
    /// permission takes effect on the next request.
    #[derive(Clone, Default)]
    pub struct RequestAdmin(std::sync::Arc<tokio::sync::OnceCell<Option<Admin>>>);

    /// Call in the router's per-request context closure. The router puts
    /// the request's [`RequestDb`] in the request's extensions (it gives
    /// the connection back when the response body ends); without one,
    /// statements run on the pool.
    pub fn provide_request_context(state: AppState) {
        let db = with_context::<http::request::Parts, _>(|p| p.extensions.get::<RequestDb>().cloned())
            .flatten()
            .unwrap_or_else(|| state.direct_db());
        provide_context(db);
        provide_context(state);
        provide_context(RequestAdmin::default());
        provide_context(RequestCards::default());
        provide_context(RequestLevels::default());
    }

    /// Values loaded at most once per request and key, shared by the server
    /// functions one page render calls (the card header and its tab, the
    /// Analytics tab and its licence form). Concurrent callers of one key
    /// wait for the first instead of loading it again. Per request only, so
    /// a change shows on the next request.
    pub struct PerRequest<V>(Arc<Mutex<HashMap<i64, Slot<V>>>>);

    /// One key's value, loaded by the first caller.
    type Slot<V> = Arc<tokio::sync::OnceCell<Arc<V>>>;

    impl<V> Default for PerRequest<V> {
        fn default() -> Self {
            Self(Default::default())
        }
    }

    impl<V> Clone for PerRequest<V> {
        fn clone(&self) -> Self {
            Self(self.0.clone())
        }
    }

    impl<V: Send + Sync + 'static> PerRequest<V> {
        async fn get<F>(&self, key: i64, load: impl FnOnce() -> F) -> Result<Arc<V>, AppError>
        where
            F: std::future::Future<Output = Result<V, AppError>>,
        {
            let cell = self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(key).or_default().clone();
            Ok(cell.get_or_try_init(|| async { load().await.map(Arc::new) }).await?.clone())
        }
    }

    /// Card users of this request (valid for its one administrator).
    pub type RequestCards = PerRequest<CardUser>;
    /// Analytics levels with a user's allocations, of this request.
    pub type RequestLevels = PerRequest<Vec<Level>>;

    /// The user of a card as `admin` may see it (404 otherwise), loaded
    /// once per request: the header loads it, the tab reuses it.
    pub async fn card_user(admin: &Admin, user_id: i64) -> Result<Arc<CardUser>, AppError> {
        let load = || async { card::card_user(&db(), admin, user_id).await };
        match use_context::<RequestCards>() {
            Some(cache) => cache.get(user_id, load).await,
            None => load().await.map(Arc::new),
        }
    }

    /// The analytics levels with the allocations of a user the caller has
    /// already loaded through [`card_user`], once per request.
    pub async fn levels(user_id: i64) -> Result<Arc<Vec<Level>>, AppError> {
        let load = || async { licences::levels(&db(), user_id).await };
        match use_context::<RequestLevels>() {
            Some(cache) => cache.get(user_id, load).await,
            None => load().await.map(Arc::new),
        }
    }

    /// The signed-in administrator, or 401.
    pub async fn admin() -> Result<(AppState, Admin), AppError> {
        let state = state();
        let token = with_context::<http::request::Parts, _>(|p| auth::cookie(&p.headers, auth::ADMIN_COOKIE))
            .flatten()
            .ok_or(AppError::Unauthorized)?;
        let db = db();
        let admin = match use_context::<RequestAdmin>() {
            Some(cache) => cache
                .0
                .get_or_try_init(|| auth::admin_for_token_in(&db, &state.clock, &token))
                .await?
                .clone(),
            None => auth::admin_for_token_in(&db, &state.clock, &token).await?,
        };
        Ok((state, admin.ok_or(AppError::Unauthorized)?))
    }

    /// What a console server function's body works with: the state and the
    /// signed-in administrator, who holds the permission the function named.
    pub struct Console {
        pub state: AppState,
        pub admin: Admin,
    }

    impl Console {
        /// The user of a card as the administrator may see it (404
        /// otherwise), once per request ([`card_user`]).
        pub async fn card(&self, user_id: i64) -> Result<Arc<CardUser>, AppError> {
            card_user(&self.admin, user_id).await
        }
    }

    /// The one shape of a console server function: the session (401), the
    /// permission (403), then `body`; its error sets the response status
    /// ([`respond`]).
    pub async fn as_admin<T, F, Fut>(permission: &str, body: F) -> Result<T, AppError>
    where
        F: FnOnce(Console) -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        respond(
            async {
                let (state, admin) = admin().await?;
                admin.require(permission)?;
                body(Console { state, admin }).await
            }
            .await,
        )
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
