//! Server functions of the subscribers' web client (`/client`); its pages
//! are `pages::client`, its wire types [`crate::types::subscriber`], its
//! rules `backend::services::subscriber`. Each starts with the client session
//! (cookie `vigil_client`, apart from the administrators' `vigil_admin`) and
//! the subscriber permission it needs ([`ctx::as_client`]), checked here as
//! the console's are in its server functions.

use crate::error::AppError;
use crate::types::subscriber::{CaseOptions, ClientCamera, ClientCase, ClientMe, ClientSubUser, PermissionOption};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::backend::services::subscriber;
#[cfg(feature = "ssr")]
use crate::types::catalogue::UserPermission;
#[cfg(feature = "ssr")]
use ctx::{as_client, Need};

#[cfg(feature = "ssr")]
pub mod ctx {
    //! The signed-in subscriber of a server-function call.

    use crate::backend::subscriber_auth::{self, ClientUser};
    use crate::backend::AppState;
    use crate::error::AppError;
    use std::future::Future;

    /// The signed-in subscriber, or 401.
    pub async fn client() -> Result<(AppState, ClientUser), AppError> {
        let state = crate::api::ctx::state();
        let token =
            crate::backend::auth::cookie(&crate::api::ctx::headers(), subscriber_auth::CLIENT_COOKIE).ok_or(AppError::Unauthorized)?;
        let client = subscriber_auth::client_for_token(&state, &token)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok((state, client))
    }

    /// What a server function needs of its subscriber (401 without a
    /// session, 403 naming the permission otherwise).
    pub enum Need {
        /// A session only.
        Session,
        /// The permission.
        Holds(&'static str),
        /// A main user holding the permission: sub users never manage sub
        /// users.
        Manager(&'static str),
        /// As `Manager`, outside a Login as User session (refused first,
        /// [`ClientUser::refuse_impersonated`]).
        ManagerInPerson(&'static str),
    }

    /// Runs a server function's body for the signed-in subscriber that has
    /// what `need` asks, and answers with the error's status.
    pub async fn as_client<T, F, Fut>(need: Need, body: F) -> Result<T, AppError>
    where
        F: FnOnce(AppState, ClientUser) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let run = async {
            let (state, client) = client().await?;
            match need {
                Need::Session => {}
                Need::Holds(p) => client.require(p)?,
                Need::Manager(p) => client.require_manager(p)?,
                Need::ManagerInPerson(p) => {
                    client.refuse_impersonated()?;
                    client.require_manager(p)?;
                }
            }
            body(state, client).await
        };
        crate::api::ctx::respond(run.await)
    }
}

#[server(prefix = "/api", endpoint = "client/login")]
pub async fn client_login(login: String, password: String) -> Result<(), AppError> {
    use crate::backend::{auth, subscriber_auth};
    crate::api::ctx::respond(
        async {
            let state = crate::api::ctx::state();
            // One user per browser (DEVELOPERS.md): an open Login as User
            // tab must not silently become another account's.
            let open = auth::cookie(&crate::api::ctx::headers(), subscriber_auth::CLIENT_COOKIE);
            if let Some(name) = subscriber_auth::impersonation_open_for_other(&state, open.as_deref(), &login).await? {
                return Err(AppError::conflict(format!(
                    "This browser's web client is open as {name} through Login as User. End that session first (End session in its tab)."
                )));
            }
            let (token, max_age) = subscriber_auth::sign_in(&state, &login, &password, &crate::api::ctx::address()).await?;
            crate::api::ctx::set_cookie(&auth::session_cookie(subscriber_auth::CLIENT_COOKIE, &token, max_age, "/"))?;
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
    use crate::backend::{auth, subscriber_auth};
    crate::api::ctx::respond(
        async {
            if let Ok((state, client)) = ctx::client().await {
                subscriber_auth::end_session(&state, &client).await?;
            }
            crate::api::ctx::set_cookie(&auth::clear_cookie(subscriber_auth::CLIENT_COOKIE, "/"))?;
            leptos_axum::redirect("/client/login?ended=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "client/whoami")]
pub async fn client_whoami() -> Result<ClientMe, AppError> {
    as_client(Need::Session, |_, c| async move {
        Ok(ClientMe {
            id: c.id,
            name: c.name,
            login: c.login,
            is_sub: c.is_sub,
            blocked: c.blocked,
            permissions: c.permissions,
            impersonator: c.impersonator.map(|(_, name)| name),
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/cameras")]
pub async fn client_cameras(#[server(default)] query: TableQuery) -> Result<Page<ClientCamera>, AppError> {
    as_client(Need::Holds(UserPermission::CamerasView.slug()), |state, c| async move {
        subscriber::cameras::page(&state.db, &c, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/cases")]
pub async fn client_cases(#[server(default)] query: TableQuery) -> Result<Page<ClientCase>, AppError> {
    as_client(Need::Holds(UserPermission::Analytic.slug()), |state, c| async move {
        subscriber::cases::page(&state.db, &c, &query).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/case-options")]
pub async fn client_case_options() -> Result<CaseOptions, AppError> {
    as_client(Need::Holds(UserPermission::Analytic.slug()), |state, c| async move {
        subscriber::cases::options(&state.db, &c).await
    })
    .await
}

/// Creates a case; answers its id.
#[server(prefix = "/api", endpoint = "client/cases/create")]
pub async fn create_case(type_slug: String, name: String, #[server(default)] camera_ids: Vec<i64>) -> Result<i64, AppError> {
    as_client(Need::Holds(UserPermission::Analytic.slug()), |state, c| async move {
        c.require(&format!("{}{type_slug}", crate::permissions::ANALYTIC_CASES_PREFIX))?;
        subscriber::cases::create(&state, &c, &type_slug, &name, &camera_ids).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/cases/delete")]
pub async fn delete_case(case_id: i64) -> Result<(), AppError> {
    as_client(Need::Holds(UserPermission::Analytic.slug()), |state, c| async move {
        subscriber::cases::delete(&state, &c, case_id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/sub-users")]
pub async fn client_sub_users(#[server(default)] query: TableQuery) -> Result<Page<ClientSubUser>, AppError> {
    as_client(Need::Manager(UserPermission::UsersIndex.slug()), |state, c| async move {
        subscriber::sub_users::page(&state.db, &c, &query).await
    })
    .await
}

/// The permissions the signed-in main user may grant.
#[server(prefix = "/api", endpoint = "client/sub-users/grantable")]
pub async fn grantable_permissions() -> Result<Vec<PermissionOption>, AppError> {
    as_client(Need::Manager(UserPermission::UsersIndex.slug()), |state, c| async move {
        subscriber::sub_users::grantable(&state.db, c.id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/sub-users/create")]
pub async fn create_sub_user(
    login: String,
    name: String,
    password: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<i64, AppError> {
    as_client(Need::ManagerInPerson(UserPermission::UsersStore.slug()), |state, c| async move {
        let new = subscriber::sub_users::NewSubUser {
            login: &login,
            name: &name,
            password: &password,
            permissions: &permissions,
        };
        subscriber::sub_users::create(&state, &c, new).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/sub-users/permissions")]
pub async fn set_sub_user_permissions(sub_user_id: i64, #[server(default)] permissions: Vec<String>) -> Result<(), AppError> {
    as_client(Need::ManagerInPerson(UserPermission::UsersUpdate.slug()), |state, c| async move {
        subscriber::sub_users::set_permissions(&state, &c, sub_user_id, &permissions).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/sub-users/delete")]
pub async fn delete_sub_user(sub_user_id: i64) -> Result<(), AppError> {
    as_client(Need::Manager(UserPermission::UsersDestroy.slug()), |state, c| async move {
        subscriber::sub_users::delete(&state, &c, sub_user_id).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "client/sub-users/password")]
pub async fn set_sub_user_password(sub_user_id: i64, password: String) -> Result<(), AppError> {
    as_client(
        Need::ManagerInPerson(UserPermission::UsersChangePassword.slug()),
        |state, c| async move { subscriber::sub_users::set_password(&state, &c, sub_user_id, &password).await },
    )
    .await
}
