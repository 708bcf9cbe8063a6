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
    use crate::backend::throttle::{self, Realm};
    use crate::backend::{auth, entities::admin_sessions, entities::admins};
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
        let address = throttle::request_address(use_context::<http::request::Parts>().as_ref());
        // Recorded before the password is checked (see `throttle`).
        let attempt = throttle::admit(&state, Realm::Console, &login, &address).await?;
        let admin = admins::Entity::find()
            .filter(admins::Column::Login.eq(&login))
            .one(&state.db)
            .await?
            .filter(|a| !a.disabled);
        // Same work whether or not the login exists.
        let hash = admin
            .as_ref()
            .map_or_else(|| crate::backend::password::DUMMY_HASH.clone(), |a| a.password_hash.clone());
        let ok = throttle::check_password(&state, &attempt, password, hash).await?;
        let Some(admin) = admin.filter(|_| ok) else {
            return Err(AppError::invalid("password", "wrong login or password"));
        };
        throttle::succeeded(&state, &attempt).await?;
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
    use crate::backend::{auth, entities::admin_sessions};
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

/// Where to go after sign-in: only a path on this site, else `/users`.
///
/// Accepted: printable ASCII without spaces (`!`..=`~`), starting with one
/// `/` that is not followed by another `/`, with no backslash anywhere, and
/// at most [`MAX_NEXT`] bytes. Browsers drop tabs and newlines from URLs and
/// read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would
/// become `//evil.example`, another site; and a control character in a
/// `Location` header is not a valid header value at all (leptos_axum's
/// `redirect` panics on it). Anything outside the rule goes to `/users`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/users".to_string(),
    }
}

/// The longest `next` kept (a console URL with its query fits easily).
pub const MAX_NEXT: usize = 2048;

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() <= MAX_NEXT && b.first() == Some(&b'/') && b.get(1) != Some(&b'/') && b.iter().all(|c| (b'!'..=b'~').contains(c) && *c != b'\\')
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/users/5/cameras")), "/users/5/cameras");
        assert_eq!(safe_next(Some("/users?q=a%20b&sort=-id#top")), "/users?q=a%20b&sort=-id#top");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(None), "/users");
        for hostile in [
            "",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "evil.example",
            "users",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\n",
            "/ /evil.example",
            "/users\u{0}",
            "/users\u{7f}",
            "/caf\u{e9}",
            "/\u{2215}\u{2215}evil.example",
            "\t//evil.example",
            " /users",
            "/users/..\\..\\evil",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/users", "{hostile:?}");
        }
        assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(super::MAX_NEXT)))), "/users");
    }

    #[cfg(feature = "ssr")]
    proptest::proptest! {
        /// Whatever comes in, what goes out is a valid header value and a
        /// path on this site.
        #[test]
        fn any_next_is_a_local_header_value(n in proptest::prelude::any::<String>()) {
            let out = safe_next(Some(&n));
            proptest::prop_assert!(http::HeaderValue::from_str(&out).is_ok());
            proptest::prop_assert!(out.starts_with('/') && !out.starts_with("//") && !out.contains('\\'));
            proptest::prop_assert!(out == n || out == "/users");
        }

        #[test]
        fn slash_led_ascii_is_kept_unless_it_leaves_the_site(n in "/[\\x00-\\x7f]{0,40}") {
            let out = safe_next(Some(&n));
            let leaves = n.starts_with("//") || n.bytes().any(|c| !(b'!'..=b'~').contains(&c) || c == b'\\');
            proptest::prop_assert_eq!(out == "/users" && n != "/users", leaves);
        }
    }
}
