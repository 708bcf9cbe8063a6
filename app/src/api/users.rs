//! The users list.

use crate::error::AppError;
use crate::types::{Page, TableQuery, UserRow};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users(query: TableQuery) -> Result<Page<UserRow>, AppError> {
    use crate::permissions::admin::USERS_VIEW;
    super::ctx::respond(
        async {
            let (_, admin) = super::ctx::admin().await?;
            admin.require(USERS_VIEW)?;
            crate::server::services::users::list(&super::ctx::db(), &admin, &query).await
        }
        .await,
    )
}
