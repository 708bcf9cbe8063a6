//! The users list.

use crate::error::AppError;
use crate::types::{Page, TableQuery, UserRow};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::{as_admin, db},
    crate::backend::services::users,
    crate::permissions::admin::USERS_VIEW,
};

#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users(query: TableQuery) -> Result<Page<UserRow>, AppError> {
    as_admin(USERS_VIEW, |c| async move { users::list(&db(), &c.admin, &query).await }).await
}
