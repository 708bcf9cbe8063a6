//! Server functions behind the two buttons of the user card header: Login as
//! User (`users.impersonate`) and Synchronize cameras (`users.sync`). Both
//! check the permission first, then load the user through the
//! administrator's scope (404 when outside it).

use crate::error::AppError;
use crate::types::sync::SyncOutcome;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ctx::as_admin,
    crate::backend::services::{sync, users},
    crate::backend::subscriber_auth,
    crate::permissions::admin::{USERS_IMPERSONATE, USERS_SYNC},
};

/// Makes a single-use Login as User link (valid 60 seconds) for the user;
/// the browser opens it in a new tab.
#[server(prefix = "/api", endpoint = "impersonate")]
pub async fn start_impersonation(user_id: i64) -> Result<String, AppError> {
    as_admin(USERS_IMPERSONATE, |c| async move {
        let user = users::find_visible(&c.state.db, &c.admin, user_id).await?;
        let ticket = subscriber_auth::issue_ticket(&c.state, c.admin.id, &user).await?;
        Ok(format!("/client/impersonate?ticket={ticket}"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "sync-cameras")]
pub async fn sync_cameras(user_id: i64) -> Result<SyncOutcome, AppError> {
    as_admin(USERS_SYNC, |c| async move {
        let user = users::find_visible(&c.state.db, &c.admin, user_id).await?;
        // The router puts this instance's presence in the request extensions.
        let presence = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<sync::Presence>().cloned());
        sync::sync_user(&c.state, &c.admin, user.id, presence.as_ref()).await
    })
    .await
}
