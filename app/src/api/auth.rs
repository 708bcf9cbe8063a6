//! Administrator sign-in, sign-out and "who am I".

use crate::error::AppError;
use crate::types::AdminMe;
use leptos::prelude::*;

/// The signed-in administrator (401 when there is none).
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<AdminMe, AppError> {
    ctx_me().await
}

#[cfg(feature = "ssr")]
async fn ctx_me() -> Result<AdminMe, AppError> {
    super::ctx::respond(super::ctx::admin().await.map(|(_, a)| a.me()))
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(login: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::backend::auth;
    let result: Result<(), AppError> = async {
        let token = auth::sign_in(&super::ctx::state(), &login, &password, &super::ctx::address()).await?;
        super::ctx::set_cookie(&auth::session_cookie(auth::ADMIN_COOKIE, &token, auth::SESSION_HOURS * 3600, "/"))?;
        leptos_axum::redirect(&auth::safe_next(next.as_deref()));
        Ok(())
    }
    .await;
    super::ctx::respond(result)
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::backend::auth;
    auth::sign_out(&super::ctx::state(), &super::ctx::headers()).await?;
    super::ctx::set_cookie(&auth::clear_cookie(auth::ADMIN_COOKIE, "/"))?;
    leptos_axum::redirect("/login");
    Ok(())
}
