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
    use crate::server::{auth, entities::admin_sessions, entities::admins, password as pw};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    let result: Result<(), AppError> = async {
        let state = super::ctx::state();
        let login = login.trim().to_string();
        if login.is_empty() {
            return Err(AppError::invalid("login", "enter your login"));
        }
        if password.is_empty() {
            return Err(AppError::invalid("password", "enter your password"));
        }
        let address = client_address();
        auth::check_rate_limit(&state, &login, &address).await?;
        let admin = admins::Entity::find()
            .filter(admins::Column::Login.eq(&login))
            .one(&state.db)
            .await?;
        let ok = match &admin {
            Some(a) if !a.disabled => pw::verify_async(password, a.password_hash.clone()).await,
            // Same work whether or not the login exists.
            _ => {
                pw::verify_async(password, DUMMY_HASH.clone()).await;
                false
            }
        };
        let Some(admin) = admin.filter(|_| ok) else {
            auth::record_failure(&state, &login, &address).await?;
            return Err(AppError::invalid("password", "wrong login or password"));
        };
        let token = auth::new_token();
        let now = state.clock.now();
        let txn = state.write().await?;
        admin_sessions::Entity::insert(admin_sessions::ActiveModel {
            token_hash: Set(auth::token_hash(&token)),
            admin_id: Set(admin.id),
            created_at: Set(now),
            expires_at: Set(now + chrono::Duration::hours(auth::SESSION_HOURS)),
        })
        .exec(&*txn)
        .await?;
        txn.commit().await?;
        let opts = expect_context::<leptos_axum::ResponseOptions>();
        let cookie = auth::session_cookie(auth::ADMIN_COOKIE, &token, auth::SESSION_HOURS * 3600, "/");
        opts.append_header(
            http::header::SET_COOKIE,
            http::HeaderValue::from_str(&cookie).map_err(|_| AppError::Internal)?,
        );
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    }
    .await;
    super::ctx::respond(result)
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{auth, entities::admin_sessions};
    use sea_orm::EntityTrait;
    let state = super::ctx::state();
    if let Some(token) = auth::cookie(&super::ctx::headers(), auth::ADMIN_COOKIE) {
        let txn = state.write().await?;
        admin_sessions::Entity::delete_by_id(auth::token_hash(&token)).exec(&*txn).await?;
        txn.commit().await?;
    }
    let opts = expect_context::<leptos_axum::ResponseOptions>();
    opts.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_static("vigil_admin=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    leptos_axum::redirect("/login");
    Ok(())
}

/// Only local paths: never redirect to another site after sign-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/users".to_string(),
    }
}

/// A real hash to verify against when the login is unknown, so that timing
/// does not tell which logins exist.
#[cfg(feature = "ssr")]
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| crate::server::password::hash("not a password"));

#[cfg(feature = "ssr")]
fn client_address() -> String {
    use leptos::prelude::use_context;
    let parts = use_context::<http::request::Parts>();
    parts
        .as_ref()
        .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_local_only() {
        assert_eq!(super::safe_next(Some("/users/5/cameras")), "/users/5/cameras");
        assert_eq!(super::safe_next(Some("//evil.example")), "/users");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/users");
        assert_eq!(super::safe_next(None), "/users");
    }
}
