//! Administrator sessions and permission checks. Sessions live in the
//! database (several server instances share them); the cookie carries a
//! random token and the database only its SHA-256.

use super::entities::login_attempts;
use super::state::AppState;
use crate::error::AppError;
use crate::types::AdminMe;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryResult, Set, Statement};
use sha2::{Digest, Sha256};

pub const ADMIN_COOKIE: &str = "vigil_admin";
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per login and per address within the window.
pub const MAX_FAILURES_PER_LOGIN: u64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

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
    // Every page and server function starts here: session, administrator,
    // permissions and scope in one round trip instead of five.
    let sql = admin_select(
        state.backend(),
        "admin_sessions ss JOIN admins a ON a.id = ss.admin_id WHERE ss.token_hash = $1",
        ", ss.expires_at",
    );
    let row = state
        .db
        .query_one_raw(Statement::from_sql_and_values(state.backend(), sql, [token_hash(token).into()]))
        .await
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    let expires_at: DateTime<Utc> = row.try_get("", "expires_at").map_err(db_err)?;
    if expires_at <= state.clock.now() {
        return Ok(None);
    }
    admin_of_row(&row).map(Some)
}

pub async fn load_admin<C: ConnectionTrait>(db: &C, admin_id: i64) -> Result<Option<Admin>, AppError> {
    let backend = db.get_database_backend();
    let sql = admin_select(backend, "admins a WHERE a.id = $1", "");
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [admin_id.into()]))
        .await
        .map_err(db_err)?;
    row.map(|r| admin_of_row(&r)).transpose()
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

fn admin_of_row(row: &QueryResult) -> Result<Admin, AppError> {
    let list = |col: &str| -> Result<Vec<String>, AppError> {
        let joined: Option<String> = row.try_get("", col).map_err(db_err)?;
        Ok(joined
            .map(|j| j.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default())
    };
    let is_super: bool = row.try_get("", "is_super").map_err(db_err)?;
    let time_zone: String = row.try_get("", "time_zone").map_err(db_err)?;
    Ok(Admin {
        id: row.try_get("", "id").map_err(db_err)?,
        login: row.try_get("", "login").map_err(db_err)?,
        name: row.try_get("", "name").map_err(db_err)?,
        is_super,
        time_zone: super::fmt::parse_tz(&time_zone),
        permissions: list("permissions")?,
        // A super-administrator's scope is everything.
        scope_paths: if is_super { vec![] } else { list("scope_paths")? },
    })
}

/// Counts recent failures for the rate limit; `Err(RateLimited)` when over.
pub async fn check_rate_limit(state: &AppState, login: &str, address: &str) -> Result<(), AppError> {
    use sea_orm::PaginatorTrait;
    let since = state.clock.now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    for (scope, subject, max) in [
        ("login", login, MAX_FAILURES_PER_LOGIN),
        ("address", address, MAX_FAILURES_PER_ADDRESS),
    ] {
        let n = login_attempts::Entity::find()
            .filter(login_attempts::Column::Scope.eq(scope))
            .filter(login_attempts::Column::Subject.eq(subject))
            .filter(login_attempts::Column::AttemptedAt.gt(since))
            .count(&state.db)
            .await
            .map_err(db_err)?;
        if n >= max {
            return Err(AppError::RateLimited);
        }
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, login: &str, address: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    let rows = [("login", login), ("address", address)].map(|(scope, subject)| login_attempts::ActiveModel {
        scope: Set(scope.to_string()),
        subject: Set(subject.to_string()),
        attempted_at: Set(now),
        ..Default::default()
    });
    let txn = state.write().await.map_err(db_err)?;
    login_attempts::Entity::insert_many(rows).exec(&*txn).await.map_err(db_err)?;
    txn.commit().await.map_err(db_err)
}

/// Maps a database error to the boundary error, logging the cause.
pub fn db_err(e: sea_orm::DbErr) -> AppError {
    use sea_orm::DbErr;
    match &e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
            tracing::warn!(error = %e, "database unavailable");
            AppError::Unavailable
        }
        _ => {
            tracing::error!(error = %e, "database error");
            AppError::Internal
        }
    }
}
