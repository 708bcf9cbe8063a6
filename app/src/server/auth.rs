//! Administrator sessions and permission checks. Sessions live in the
//! database (several server instances share them); the cookie carries a
//! random token and the database only its SHA-256.

use super::entities::{admin_permissions, admin_scopes, admin_sessions, admins, locations, login_attempts};
use super::state::AppState;
use crate::error::AppError;
use crate::types::AdminMe;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
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
    let now = state.clock.now();
    let Some(session) = admin_sessions::Entity::find_by_id(token_hash(token))
        .one(&state.db)
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    load_admin(&state.db, session.admin_id).await
}

pub async fn load_admin<C: ConnectionTrait>(db: &C, admin_id: i64) -> Result<Option<Admin>, AppError> {
    let Some(row) = admins::Entity::find_by_id(admin_id).one(db).await.map_err(db_err)? else {
        return Ok(None);
    };
    if row.disabled {
        return Ok(None);
    }
    let permissions = admin_permissions::Entity::find()
        .filter(admin_permissions::Column::AdminId.eq(admin_id))
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|p| p.slug)
        .collect();
    let scope_ids: Vec<i64> = admin_scopes::Entity::find()
        .filter(admin_scopes::Column::AdminId.eq(admin_id))
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|s| s.location_id)
        .collect();
    let scope_paths = if row.is_super || scope_ids.is_empty() {
        vec![]
    } else {
        locations::Entity::find()
            .filter(locations::Column::Id.is_in(scope_ids))
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|l| l.path)
            .collect()
    };
    Ok(Some(Admin {
        id: row.id,
        login: row.login,
        name: row.name,
        is_super: row.is_super,
        time_zone: super::fmt::parse_tz(&row.time_zone),
        permissions,
        scope_paths,
    }))
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
