//! Server functions behind the two buttons of the user card header: Login as
//! User (`users.impersonate`) and Synchronize cameras (`users.sync`). Both
//! check the permission first, then load the user through the
//! administrator's scope (404 when outside it).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a sync did, for the administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// Cameras the user's environments now have.
    pub cameras: i64,
    /// The account is paused: the cameras are pushed as blocked.
    pub blocked: bool,
    /// The user and its sub users whose version was bumped.
    pub users: i64,
    /// Live clients connected to this server instance that were notified.
    pub local_clients: i64,
    /// PostgreSQL: other instances were told too (their clients are not
    /// counted here).
    pub cluster: bool,
}

impl SyncOutcome {
    /// The sentence the card shows.
    pub fn summary(&self) -> String {
        let cams = if self.cameras == 1 { "camera" } else { "cameras" };
        let clients = if self.local_clients == 1 { "client" } else { "clients" };
        let mut s = format!(
            "Synchronized {} {cams}{}; {} connected {clients} notified",
            self.cameras,
            if self.blocked { " (blocked: the account is paused)" } else { "" },
            self.local_clients
        );
        if self.cluster {
            s.push_str(" on this server; other servers notified via PostgreSQL");
        }
        s.push('.');
        s
    }
}

/// Makes a single-use Login as User link (valid 60 seconds) for the user;
/// the browser opens it in a new tab.
#[server(prefix = "/api", endpoint = "impersonate")]
pub async fn start_impersonation(user_id: i64) -> Result<String, AppError> {
    use crate::permissions::admin::USERS_IMPERSONATE;
    use crate::server::{client_auth, services::users};
    super::ctx::respond(
        async {
            let (state, admin) = super::ctx::admin().await?;
            admin.require(USERS_IMPERSONATE)?;
            let user = users::find_visible(&state.db, &admin, user_id).await?;
            let ticket = client_auth::issue_ticket(&state, admin.id, &user).await?;
            Ok(format!("/client/impersonate?ticket={ticket}"))
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "sync-cameras")]
pub async fn sync_cameras(user_id: i64) -> Result<SyncOutcome, AppError> {
    use crate::permissions::admin::USERS_SYNC;
    use crate::server::services::{sync, users};
    super::ctx::respond(
        async {
            let (state, admin) = super::ctx::admin().await?;
            admin.require(USERS_SYNC)?;
            let user = users::find_visible(&state.db, &admin, user_id).await?;
            // The router puts this instance's presence in the request extensions.
            let presence = use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<sync::Presence>().cloned());
            sync::sync_user(&state, &admin, user.id, presence.as_ref()).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::SyncOutcome;

    #[test]
    fn summary_is_honest_about_other_servers() {
        let o = SyncOutcome {
            cameras: 12,
            blocked: false,
            users: 1,
            local_clients: 2,
            cluster: false,
        };
        assert_eq!(o.summary(), "Synchronized 12 cameras; 2 connected clients notified.");
        let o = SyncOutcome { cluster: true, ..o };
        assert!(o.summary().contains("other servers notified via PostgreSQL"));
    }
}
