//! Server functions of `/admins`: administrators, their permissions and
//! camera scope. Each checks the session and `admins.manage` on its first
//! lines; `services::admins` enforces the escalation rules (403) and the
//! version precondition (409).

use crate::error::AppError;
use crate::types::admins::{AdminCreated, AdminDetail, AdminRow, LocationOption};
use crate::types::{Page, TableQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::as_admin,
    crate::backend::services::{admins, locations},
    crate::permissions::admin::ADMINS_MANAGE,
};

#[server(prefix = "/api", endpoint = "admins/list")]
pub async fn list_admins(query: TableQuery) -> Result<Page<AdminRow>, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move { admins::list(&c.state.db, &c.admin, &query).await }).await
}

#[server(prefix = "/api", endpoint = "admins/get")]
pub async fn get_admin(id: i64) -> Result<AdminDetail, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move { admins::detail(&c.state.db, &c.admin, id).await }).await
}

/// Creates an administrator; without a password one is generated and
/// returned once.
#[server(prefix = "/api", endpoint = "admins/create")]
pub async fn create_admin(
    login: String,
    name: String,
    #[server(default)] password: Option<String>,
    #[server(default)] permissions: Vec<String>,
    #[server(default)] scope: Vec<i64>,
) -> Result<AdminCreated, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        let new = admins::NewAdmin {
            login,
            name,
            password,
            permissions,
            scope,
        };
        admins::create(&c.state, &c.admin, new).await
    })
    .await
}

/// Enables or disables an administrator; the new version.
#[server(prefix = "/api", endpoint = "admins/enabled")]
pub async fn set_admin_enabled(id: i64, enabled: bool, version: i64) -> Result<i64, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        admins::set_enabled(&c.state, &c.admin, id, enabled, version).await
    })
    .await
}

/// Resets a password: the new version and the generated password, if any.
#[server(prefix = "/api", endpoint = "admins/password")]
pub async fn reset_admin_password(
    id: i64,
    #[server(default)] password: Option<String>,
    version: i64,
) -> Result<(i64, Option<String>), AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        admins::reset_password(&c.state, &c.admin, id, password, version).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admins/permissions")]
pub async fn set_admin_permissions(id: i64, #[server(default)] permissions: Vec<String>, version: i64) -> Result<i64, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        admins::set_permissions(&c.state, &c.admin, id, permissions, version).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "admins/scope")]
pub async fn set_admin_scope(id: i64, #[server(default)] scope: Vec<i64>, version: i64) -> Result<i64, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        admins::set_scope(&c.state, &c.admin, id, scope, version).await
    })
    .await
}

/// The scope picker: children of `parent`, the roots of the caller's scope,
/// or a search by name — within the caller's scope.
#[server(prefix = "/api", endpoint = "admins/locations")]
pub async fn browse_locations(
    #[server(default)] parent: Option<i64>,
    #[server(default)] q: String,
) -> Result<Vec<LocationOption>, AppError> {
    as_admin(ADMINS_MANAGE, |c| async move {
        locations::browse(&c.state.db, &c.admin, parent, &q).await
    })
    .await
}
