//! Administrator sessions and permission checks. Sessions live in the
//! database (several server instances share them); the cookie carries a
//! random token and the database only its SHA-256.

use super::sql;
use super::state::AppState;
use crate::error::AppError;
use crate::types::AdminMe;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use sha2::{Digest, Sha256};

pub const ADMIN_COOKIE: &str = "vigil_admin";
pub const SESSION_HOURS: i64 = 12;

/// A signed-in administrator, loaded once per request.
#[derive(Debug, Clone)]
pub struct Admin {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub is_super: bool,
    pub time_zone: chrono_tz::Tz,
    pub permissions: Vec<String>,
    /// Materialised paths of the scope's locations (empty for a super-admin,
    /// whose scope is everything).
    pub scope_paths: Vec<String>,
}

impl Admin {
    pub fn can(&self, permission: &str) -> bool {
        self.is_super || self.permissions.iter().any(|p| p == permission)
    }

    /// First line of every handler: the permission, or 403.
    pub fn require(&self, permission: &str) -> Result<(), AppError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::forbidden(permission))
        }
    }

    pub fn me(&self) -> AdminMe {
        AdminMe {
            id: self.id,
            login: self.login.clone(),
            name: self.name.clone(),
            is_super: self.is_super,
            time_zone: self.time_zone.name().to_string(),
            permissions: self.permissions.clone(),
        }
    }
}

/// Verifies an administrator's login and password (throttled, see
/// `throttle`; `address` from [`super::throttle::request_address`]) and opens
/// a session. Returns the token; the cookie lives [`SESSION_HOURS`].
pub async fn sign_in(state: &AppState, login: &str, password: &str, address: &str) -> Result<String, AppError> {
    use super::entities::{admin_sessions, admins};
    use super::throttle::{self, Realm};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    let admin = throttle::authenticate(state, Realm::Console, login, password, address, async |login| {
        let admin = admins::Entity::find()
            .filter(admins::Column::Login.eq(login))
            .one(&state.db)
            .await?;
        Ok(admin.filter(|a| !a.disabled).map(|a| (a.id, a.password_hash)))
    })
    .await?;
    let token = new_token();
    let now = state.clock.now();
    let txn = state.write().await?;
    admin_sessions::Entity::insert(admin_sessions::ActiveModel {
        token_hash: Set(token_hash(&token)),
        admin_id: Set(admin),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::hours(SESSION_HOURS)),
    })
    .exec(&*txn)
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Ends the session whose cookie `headers` carry, if any.
pub async fn sign_out(state: &AppState, headers: &http::HeaderMap) -> Result<(), AppError> {
    use super::entities::admin_sessions;
    use sea_orm::EntityTrait;
    if let Some(token) = cookie(headers, ADMIN_COOKIE) {
        let txn = state.write().await?;
        admin_sessions::Entity::delete_by_id(token_hash(&token)).exec(&*txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Reads one cookie from request headers.
pub fn cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn session_cookie(name: &str, token: &str, max_age_secs: i64, path: &str) -> String {
    format!("{name}={token}; Path={path}; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}")
}

pub fn clear_cookie(name: &str, path: &str) -> String {
    format!("{name}=; Path={path}; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Loads the administrator of a session token, if the session is alive.
pub async fn admin_for_token(state: &AppState, token: &str) -> Result<Option<Admin>, AppError> {
    admin_for_token_in(&state.db, &state.clock, token).await
}

/// [`admin_for_token`] on a given connection (a request's own).
pub async fn admin_for_token_in<C: ConnectionTrait>(db: &C, clock: &super::clock::Clock, token: &str) -> Result<Option<Admin>, AppError> {
    // Every page and server function starts here: session, administrator,
    // permissions and scope in one round trip instead of five.
    let sql = admin_select(
        db.get_database_backend(),
        "admin_sessions ss JOIN admins a ON a.id = ss.admin_id WHERE ss.token_hash = $1",
        ", ss.expires_at",
    );
    let Some(row) = sql::row::<SessionRow, _>(db, sql, vec![token_hash(token).into()]).await? else {
        return Ok(None);
    };
    if row.expires_at <= clock.now() {
        return Ok(None);
    }
    Ok(Some(row.admin.into()))
}

pub async fn load_admin<C: ConnectionTrait>(db: &C, admin_id: i64) -> Result<Option<Admin>, AppError> {
    let sql = admin_select(db.get_database_backend(), "admins a WHERE a.id = $1", "");
    Ok(sql::row::<AdminRow, _>(db, sql, vec![admin_id.into()]).await?.map(Admin::from))
}

/// The administrator columns, its permission slugs and its scope's
/// location paths (each list comma-joined: slugs and id paths have no
/// commas), from `from` (which names the administrator `a`); disabled
/// administrators are not found.
fn admin_select(backend: DbBackend, from: &str, extra: &str) -> String {
    let agg = match backend {
        DbBackend::Postgres => "string_agg",
        _ => "group_concat",
    };
    format!(
        "SELECT a.id, a.login, a.name, a.is_super, a.time_zone{extra}, \
         (SELECT {agg}(p.slug, ',') FROM admin_permissions p WHERE p.admin_id = a.id) AS permissions, \
         (SELECT {agg}(l.path, ',') FROM admin_scopes sc JOIN locations l ON l.id = sc.location_id WHERE sc.admin_id = a.id) AS scope_paths \
         FROM {from} AND NOT a.disabled"
    )
}

/// What [`admin_select`] reads.
#[derive(FromQueryResult)]
struct AdminRow {
    id: i64,
    login: String,
    name: String,
    is_super: bool,
    time_zone: String,
    permissions: Option<String>,
    scope_paths: Option<String>,
}

#[derive(FromQueryResult)]
struct SessionRow {
    expires_at: DateTime<Utc>,
    #[sea_orm(nested)]
    admin: AdminRow,
}

impl From<AdminRow> for Admin {
    fn from(row: AdminRow) -> Self {
        let list = |joined: Option<String>| -> Vec<String> {
            joined
                .map(|j| j.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
                .unwrap_or_default()
        };
        Admin {
            id: row.id,
            login: row.login,
            name: row.name,
            is_super: row.is_super,
            time_zone: super::fmt::parse_tz(&row.time_zone),
            permissions: list(row.permissions),
            // A super-administrator's scope is everything.
            scope_paths: if row.is_super { vec![] } else { list(row.scope_paths) },
        }
    }
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
