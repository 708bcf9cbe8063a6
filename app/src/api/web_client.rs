//! Server functions of the subscribers' web client (`/client`); its wire
//! types are [`crate::types::subscriber`]. Each starts with the client session (cookie `vigil_client`, apart
//! from the administrators' `vigil_admin`) and the subscriber permission it
//! needs; the rules live in `server::services::client`.

use crate::error::AppError;
use crate::types::subscriber::{CaseOptions, ClientCamera, ClientCase, ClientMe, ClientSubUser, PermissionOption};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod ctx {
    //! The signed-in subscriber of a server-function call.

    use crate::error::AppError;
    use crate::server::client_auth::{self, ClientUser};
    use crate::server::AppState;

    pub async fn client() -> Result<(AppState, ClientUser), AppError> {
        let state = crate::api::ctx::state();
        let token = crate::server::auth::cookie(&crate::api::ctx::headers(), client_auth::CLIENT_COOKIE).ok_or(AppError::Unauthorized)?;
        let client = client_auth::client_for_token(&state, &token).await?.ok_or(AppError::Unauthorized)?;
        Ok((state, client))
    }

    pub fn set_cookie(value: &str) -> Result<(), AppError> {
        let opts = leptos::prelude::expect_context::<leptos_axum::ResponseOptions>();
        opts.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(value).map_err(|_| AppError::Internal)?,
        );
        Ok(())
    }

    /// The sign-in throttle's key for this request's client.
    pub fn address() -> String {
        crate::server::throttle::request_address(leptos::prelude::use_context::<http::request::Parts>().as_ref())
    }
}

#[server(prefix = "/api", endpoint = "client/login")]
pub async fn client_login(login: String, password: String) -> Result<(), AppError> {
    use crate::server::{auth, client_auth};
    crate::api::ctx::respond(
        async {
            let state = crate::api::ctx::state();
            // One user per browser (DEVELOPERS.md): an open Login as User
            // tab must not silently become another account's.
            let open = auth::cookie(&crate::api::ctx::headers(), client_auth::CLIENT_COOKIE);
            if let Some(name) = client_auth::impersonation_open_for_other(&state, open.as_deref(), &login).await? {
                return Err(AppError::conflict(format!(
                    "This browser's web client is open as {name} through Login as User. End that session first (End session in its tab)."
                )));
            }
            let (token, max_age) = client_auth::sign_in(&state, &login, &password, &ctx::address()).await?;
            ctx::set_cookie(&auth::session_cookie(client_auth::CLIENT_COOKIE, &token, max_age, "/"))?;
            leptos_axum::redirect("/client/cameras");
            Ok(())
        }
        .await,
    )
}

/// Signs out, or ends a Login as User session; the browser is signed out
/// either way (the cookie is cleared even when the session was gone).
#[server(prefix = "/api", endpoint = "client/logout")]
pub async fn client_logout() -> Result<(), AppError> {
    use crate::server::{auth, client_auth};
    crate::api::ctx::respond(
        async {
            if let Ok((state, client)) = ctx::client().await {
                client_auth::end_session(&state, &client).await?;
            }
            ctx::set_cookie(&auth::clear_cookie(client_auth::CLIENT_COOKIE, "/"))?;
            leptos_axum::redirect("/client/login?ended=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/whoami")]
pub async fn client_whoami() -> Result<ClientMe, AppError> {
    crate::api::ctx::respond(
        async {
            let (_, c) = ctx::client().await?;
            Ok(ClientMe {
                id: c.id,
                name: c.name,
                login: c.login,
                is_sub: c.is_sub,
                blocked: c.blocked,
                permissions: c.permissions,
                impersonator: c.impersonator.map(|(_, name)| name),
            })
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/cameras")]
pub async fn client_cameras(#[server(default)] query: TableQuery) -> Result<Page<ClientCamera>, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::cameras(&state.db, &c, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/cases")]
pub async fn client_cases(#[server(default)] query: TableQuery) -> Result<Page<ClientCase>, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::cases(&state.db, &c, &query).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/case-options")]
pub async fn client_case_options() -> Result<CaseOptions, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::case_options(&state.db, &c).await
        }
        .await,
    )
}

/// Creates a case; answers its id.
#[server(prefix = "/api", endpoint = "client/cases/create")]
pub async fn create_case(type_slug: String, name: String, #[server(default)] camera_ids: Vec<i64>) -> Result<i64, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::create_case(&state, &c, &type_slug, &name, &camera_ids).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/cases/delete")]
pub async fn delete_case(case_id: i64) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::delete_case(&state, &c, case_id).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/sub-users")]
pub async fn client_sub_users(#[server(default)] query: TableQuery) -> Result<Page<ClientSubUser>, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::sub_users(&state.db, &c, &query).await
        }
        .await,
    )
}

/// The permissions the signed-in main user may grant.
#[server(prefix = "/api", endpoint = "client/sub-users/grantable")]
pub async fn grantable_permissions() -> Result<Vec<PermissionOption>, AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            if c.is_sub {
                return Err(AppError::forbidden("users-index"));
            }
            c.require("users-index")?;
            crate::server::services::client::grantable(&state.db, c.id).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/sub-users/create")]
pub async fn create_sub_user(
    login: String,
    name: String,
    password: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<i64, AppError> {
    use crate::server::services::client::{self as svc, NewSubUser};
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            let new = NewSubUser {
                login: &login,
                name: &name,
                password: &password,
                permissions: &permissions,
            };
            svc::create_sub_user(&state, &c, new).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/sub-users/permissions")]
pub async fn set_sub_user_permissions(sub_user_id: i64, #[server(default)] permissions: Vec<String>) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::set_sub_user_permissions(&state, &c, sub_user_id, &permissions).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/sub-users/delete")]
pub async fn delete_sub_user(sub_user_id: i64) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::delete_sub_user(&state, &c, sub_user_id).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/sub-users/password")]
pub async fn set_sub_user_password(sub_user_id: i64, password: String) -> Result<(), AppError> {
    crate::api::ctx::respond(
        async {
            let (state, c) = ctx::client().await?;
            crate::server::services::client::set_sub_user_password(&state, &c, sub_user_id, &password).await
        }
        .await,
    )
}
