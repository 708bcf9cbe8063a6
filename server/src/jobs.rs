//! Background jobs of the server. Each is a named task spawned by `main`
//! that runs a service on an interval; a failed run is logged and retried
//! at the next tick, never taking the server down.
//!
//! - `retention-purge`: deletes the analytics data of levels whose licences
//!   were taken away more than 7 days ago (see
//!   [`app::backend::services::retention`]). Safe to run on every instance.
//!   Each run also forgets sign-in attempts older than the throttle's
//!   memory ([`app::backend::throttle::forget_old`]).

use app::backend::AppState;
use std::time::Duration;
use tokio::task::JoinHandle;

pub use app::backend::services::retention::{purge_once, PurgeReport, DEFAULT_BATCH};

/// Name of the purge job in the logs.
pub const PURGE_JOB: &str = "retention-purge";

/// Spawns the retention purge, running every `every` (the first run shortly
/// after start, so a restarted server catches up).
pub fn spawn_purge(state: AppState, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(5).min(every), every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            run_purge(&state).await;
            if let Err(e) = app::backend::throttle::forget_old(&state).await {
                tracing::warn!(job = PURGE_JOB, error = %e, "forgetting old sign-in attempts failed");
            }
        }
    })
}

/// One run of the purge, logged.
pub async fn run_purge(state: &AppState) {
    match purge_once(state, DEFAULT_BATCH).await {
        Ok(r) if r.is_empty() => tracing::debug!(job = PURGE_JOB, "nothing to purge"),
        Ok(r) => tracing::info!(
            job = PURGE_JOB,
            allocations = r.allocations,
            cases = r.cases,
            case_cameras = r.case_cameras,
            events = r.events,
            transactions = r.transactions,
            longest_transaction_ms = r.longest_transaction.as_millis() as u64,
            "purge finished"
        ),
        Err(e) => tracing::warn!(job = PURGE_JOB, error = %e, "purge failed; retrying at the next run"),
    }
}
