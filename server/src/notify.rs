//! Fan-out of notices between server instances. A sync on one instance
//! sends PostgreSQL `NOTIFY vigil_sync`, a stored billing event `NOTIFY
//! vigil_billing` (each inside its transaction); every instance runs one
//! listener task on a dedicated connection (`LISTEN` on both) that
//! re-broadcasts what it hears into its own `AppState::notices`, where the
//! live client streams and the console's billing streams pick it up. On
//! SQLite there is one instance and the local broadcast is enough.

use app::backend::services::{billing, sync};
use app::backend::AppState;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::DbBackend;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Starts the listener (PostgreSQL only). It is listening when this returns,
/// so a sync made afterwards on any instance reaches this one.
pub async fn start(state: AppState) -> Result<Option<JoinHandle<()>>, String> {
    if state.backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let pool = state.db.get_postgres_connection_pool().clone();
    let mut listener = PgListener::connect_with(&pool)
        .await
        .map_err(|e| format!("LISTEN {}: {e}", sync::CHANNEL))?;
    listener
        .listen_all([sync::CHANNEL, billing::CHANNEL])
        .await
        .map_err(|e| format!("LISTEN {}, {}: {e}", sync::CHANNEL, billing::CHANNEL))?;
    Ok(Some(tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(n) if n.channel() == billing::CHANNEL => {
                    if let Some(notice) = billing::parse_notice(n.payload(), state.origin) {
                        state.notify(notice);
                    }
                }
                Ok(n) => {
                    for notice in sync::parse(n.payload()) {
                        state.notify(notice);
                    }
                }
                Err(e) => {
                    // recv() reconnects on its next call; notices sent while
                    // disconnected are lost, and clients catch up on their
                    // next sync or reconnect.
                    tracing::warn!(error = %e, "sync listener lost its connection; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })))
}
