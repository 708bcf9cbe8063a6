//! Synchronize cameras: makes a user's environments (web client, apps) take
//! on the camera availability the console holds. The console's state is the
//! truth (cameras of `user_cameras`, blocked while paused, detached cameras
//! gone); a sync bumps `users.sync_version` of the user and its sub users in
//! one transaction and tells every connected client: on this instance through
//! [`AppState::notify`], on the others through PostgreSQL `NOTIFY
//! vigil_sync` (sent inside the transaction, so it is delivered on commit
//! only). [`Presence`] counts this instance's connected clients per user.

use super::audit::{self, Entry};
use crate::backend::auth::Admin;
use crate::backend::state::Notice;
use crate::backend::{sql, AppState};
use crate::error::AppError;
use crate::types::sync::SyncOutcome;
use crate::types::UserStatus;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The PostgreSQL channel of sync notices between instances.
pub const CHANNEL: &str = "vigil_sync";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; a main user with
/// many sub users is sent in chunks of this many entries.
const CHUNK: usize = 200;

/// Connected live clients (SSE streams) of this server instance, per user.
/// One per instance (the router owns it), shared by the event stream and
/// the sync server function.
#[derive(Clone, Default)]
pub struct Presence {
    inner: Arc<Mutex<HashMap<i64, usize>>>,
}

/// Keeps a client counted while it lives.
pub struct PresenceGuard {
    presence: Presence,
    user_id: i64,
}

impl Presence {
    pub fn connect(&self, user_id: i64) -> PresenceGuard {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()).entry(user_id).or_default() += 1;
        PresenceGuard {
            presence: self.clone(),
            user_id,
        }
    }

    /// [`Presence::connect`] unless the user already holds `max` streams
    /// here (checked and counted under one lock, so a burst cannot overshoot).
    pub fn try_connect(&self, user_id: i64, max: usize) -> Option<PresenceGuard> {
        let mut map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(user_id).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        drop(map);
        Some(PresenceGuard {
            presence: self.clone(),
            user_id,
        })
    }

    /// Connected clients of these users on this instance.
    pub fn count(&self, user_ids: &[i64]) -> usize {
        let map = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        user_ids.iter().map(|id| map.get(id).copied().unwrap_or(0)).sum()
    }
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        let mut map = self.presence.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.user_id) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.user_id);
            }
        }
    }
}

/// The NOTIFY payload: `{"users":[[user_id, sync_version], …]}`.
pub fn payload(entries: &[(i64, i64)]) -> String {
    serde_json::json!({ "users": entries }).to_string()
}

/// Parses a NOTIFY payload back into notices (nothing for a foreign one).
pub fn parse(payload: &str) -> Vec<Notice> {
    #[derive(serde::Deserialize)]
    struct P {
        users: Vec<(i64, i64)>,
    }
    serde_json::from_str::<P>(payload)
        .map(|p| {
            p.users
                .into_iter()
                .map(|(user_id, sync_version)| Notice::Sync { user_id, sync_version })
                .collect()
        })
        .unwrap_or_default()
}

/// Synchronizes `user_id` (already loaded through the administrator's
/// scope). A sub user's sync touches it alone; a main user's touches its sub
/// users too, since they see its cameras.
pub async fn sync_user(state: &AppState, admin: &Admin, user_id: i64, presence: Option<&Presence>) -> Result<SyncOutcome, AppError> {
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let backend = db.get_database_backend();
    sql::exec(
        db,
        "UPDATE users SET sync_version = sync_version + 1, updated_at = $2 WHERE id = $1 OR parent_id = $1",
        vec![user_id.into(), now.into()],
    )
    .await?;
    #[derive(FromQueryResult)]
    struct Synced {
        id: i64,
        sync_version: i64,
        status: String,
        parent_id: Option<i64>,
        main_status: Option<String>,
    }
    let users = sql::rows::<Synced, _>(
        db,
        "SELECT u.id, u.sync_version, u.status, u.parent_id, m.status AS main_status FROM users u \
         LEFT JOIN users m ON m.id = u.parent_id WHERE u.id = $1 OR u.parent_id = $1 ORDER BY u.id",
        vec![user_id.into()],
    )
    .await?;
    let mut entries = vec![];
    let mut blocked = false;
    let mut main_id = user_id;
    for u in users {
        entries.push((u.id, u.sync_version));
        if u.id == user_id {
            blocked = u.status == UserStatus::Paused.slug() || u.main_status.as_deref() == Some(UserStatus::Paused.slug());
            main_id = u.parent_id.unwrap_or(user_id);
        }
    }
    if entries.is_empty() {
        return Err(AppError::not_found("User"));
    }
    let cameras = sql::count(
        db,
        "SELECT COUNT(*) AS n FROM user_cameras WHERE user_id = $1",
        vec![main_id.into()],
    )
    .await?;
    let detail = serde_json::json!({ "cameras": cameras, "blocked": blocked, "users": entries.len() });
    audit::record(db, Entry::on_user(admin.id, "users.sync", user_id, detail), now).await?;
    let cluster = backend == DbBackend::Postgres;
    if cluster {
        for chunk in entries.chunks(CHUNK) {
            sql::exec(db, "SELECT pg_notify($1, $2)", vec![CHANNEL.into(), payload(chunk).into()]).await?;
        }
    }
    txn.commit().await?;
    for (id, version) in &entries {
        state.notify(Notice::Sync {
            user_id: *id,
            sync_version: *version,
        });
    }
    let ids: Vec<i64> = entries.iter().map(|e| e.0).collect();
    Ok(SyncOutcome {
        cameras,
        blocked,
        users: entries.len() as i64,
        local_clients: presence.map(|p| p.count(&ids)).unwrap_or(0) as i64,
        cluster,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let p = payload(&[(5, 2), (9, 7)]);
        assert_eq!(
            parse(&p),
            vec![
                Notice::Sync {
                    user_id: 5,
                    sync_version: 2
                },
                Notice::Sync {
                    user_id: 9,
                    sync_version: 7
                }
            ]
        );
        assert!(parse("nonsense").is_empty());
    }

    #[test]
    fn presence_counts_while_connected() {
        let p = Presence::default();
        let a = p.connect(1);
        let _b = p.connect(1);
        let _c = p.connect(2);
        assert_eq!(p.count(&[1, 2, 3]), 3);
        drop(a);
        assert_eq!(p.count(&[1]), 1);
    }
}
