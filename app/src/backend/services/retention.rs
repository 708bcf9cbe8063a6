//! The 7-day retention of analytics data (product spec §4): the purge that
//! deletes, for good, the cases of a level whose licences were all taken
//! away more than 7 days ago — with their cameras and events.
//!
//! It runs in two steps so that it is safe to interrupt and to run on several
//! server instances at once:
//! 1. **Claim**: a due allocation (total 0, `removed_at` 7+ days ago) is
//!    finished in one short transaction: its level's cases of that main user
//!    (and its sub users) get the status [`CLAIMED_STATUS`], which hides them
//!    for ever, and the allocation's `removed_at` is cleared (the row stays,
//!    with total 0 and a new version), so it is never claimed twice and new
//!    licences for that level start clean.
//! 2. **Delete**: claimed cases are deleted in bounded transactions (at most
//!    `batch` case events, [`CASES_PER_TRANSACTION`] cases each).
//!
//! On PostgreSQL both steps lock their rows with `FOR UPDATE SKIP LOCKED`: two
//! workers never take the same allocation or case, and neither waits for the
//! other. On SQLite the in-process writer lock serialises them.

use super::licences::RETENTION_DAYS;
use crate::backend::sql;
use crate::backend::state::AppState;
use crate::error::AppError;
use chrono::Duration;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Status of a case claimed by the purge: invisible and about to go.
pub const CLAIMED_STATUS: &str = "purging";

/// Case events deleted per transaction by the background job.
pub const DEFAULT_BATCH: usize = 2_000;

/// Cases handled per delete transaction (bounds the IN lists too).
pub const CASES_PER_TRANSACTION: usize = 200;

/// What was deleted for one main user and level.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LevelPurge {
    pub cases: u64,
    pub case_cameras: u64,
    pub events: u64,
}

/// The outcome of one [`purge_once`] run.
#[derive(Debug, Default, Clone)]
pub struct PurgeReport {
    /// Allocations whose retention ended in this run.
    pub allocations: u64,
    pub cases: u64,
    pub case_cameras: u64,
    pub events: u64,
    pub transactions: u64,
    pub longest_transaction: std::time::Duration,
    /// Per (main user id, level id).
    pub per_level: BTreeMap<(i64, i64), LevelPurge>,
}

impl PurgeReport {
    pub fn is_empty(&self) -> bool {
        self.allocations == 0 && self.cases == 0 && self.events == 0 && self.case_cameras == 0
    }

    fn timed(&mut self, started: Instant) {
        self.transactions += 1;
        self.longest_transaction = self.longest_transaction.max(started.elapsed());
    }
}

fn skip_locked<C: ConnectionTrait>(db: &C) -> &'static str {
    if db.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    }
}

/// Marks the level's cases of a main user (and its sub users) as claimed by
/// the purge. Returns how many cases were claimed.
pub async fn claim<C: ConnectionTrait>(db: &C, main_user_id: i64, level_id: i64) -> Result<u64, AppError> {
    Ok(sql::exec(
        db,
        "UPDATE analytics_cases SET status = $1 WHERE main_user_id = $2 AND level_id = $3 AND status <> $1",
        vec![CLAIMED_STATUS.into(), main_user_id.into(), level_id.into()],
    )
    .await?)
}

/// One run of the purge: claims every due allocation, then deletes every
/// claimed case with at most `batch` case events per transaction. Idempotent:
/// a second run right after finds nothing to do.
pub async fn purge_once(state: &AppState, batch: usize) -> Result<PurgeReport, AppError> {
    let batch = batch.clamp(1, 50_000);
    let mut report = PurgeReport::default();
    while claim_next(state, &mut report).await? {}
    while delete_next(state, batch, &mut report).await? {}
    for ((user_id, level_id), n) in &report.per_level {
        tracing::info!(
            job = "retention-purge",
            user_id,
            level_id,
            cases = n.cases,
            case_cameras = n.case_cameras,
            events = n.events,
            "deleted the analytics data of a level whose licences were taken away more than {RETENTION_DAYS} days ago"
        );
    }
    Ok(report)
}

/// Claims one due allocation; false when none is left (or all are being
/// claimed by other workers).
async fn claim_next(state: &AppState, report: &mut PurgeReport) -> Result<bool, AppError> {
    let now = state.clock.now();
    let cutoff = now - Duration::days(RETENTION_DAYS);
    let txn = state.write().await?;
    let started = Instant::now();
    #[derive(FromQueryResult)]
    struct Due {
        user_id: i64,
        level_id: i64,
    }
    let due = sql::row::<Due, _>(
        &*txn,
        format!(
            "SELECT user_id, level_id FROM licence_allocations \
             WHERE total = 0 AND removed_at IS NOT NULL AND removed_at <= $1 ORDER BY removed_at, user_id, level_id LIMIT 1{}",
            skip_locked(&*txn)
        ),
        vec![cutoff.into()],
    )
    .await?;
    let Some(Due { user_id, level_id }) = due else {
        return Ok(false);
    };
    let claimed = claim(&*txn, user_id, level_id).await?;
    sql::exec(
        &*txn,
        "UPDATE licence_allocations SET removed_at = NULL, version = version + 1, updated_at = $1 \
         WHERE user_id = $2 AND level_id = $3 AND total = 0",
        vec![now.into(), user_id.into(), level_id.into()],
    )
    .await?;
    txn.commit().await?;
    report.timed(started);
    report.allocations += 1;
    report.per_level.entry((user_id, level_id)).or_default();
    tracing::info!(
        job = "retention-purge",
        user_id,
        level_id,
        cases = claimed,
        "retention ended: cases claimed for deletion"
    );
    Ok(true)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Deletes up to `batch` events of up to [`CASES_PER_TRANSACTION`] claimed
/// cases, and the cases themselves once their events are gone. False when
/// no claimed case is left for this worker.
async fn delete_next(state: &AppState, batch: usize, report: &mut PurgeReport) -> Result<bool, AppError> {
    let txn = state.write().await?;
    let started = Instant::now();
    #[derive(FromQueryResult)]
    struct Case {
        id: i64,
        main_user_id: i64,
        level_id: i64,
    }
    let cases = sql::rows::<Case, _>(
        &*txn,
        format!(
            "SELECT id, main_user_id, level_id FROM analytics_cases WHERE status = $1 ORDER BY id LIMIT {CASES_PER_TRANSACTION}{}",
            skip_locked(&*txn)
        ),
        vec![CLAIMED_STATUS.into()],
    )
    .await?;
    if cases.is_empty() {
        return Ok(false);
    }
    let mut group_of: HashMap<i64, (i64, i64)> = HashMap::with_capacity(cases.len());
    for c in cases {
        group_of.insert(c.id, (c.main_user_id, c.level_id));
    }
    let ids: Vec<Value> = group_of.keys().map(|id| Value::from(*id)).collect();
    let list = placeholders(1, ids.len());
    let mut values = ids.clone();
    values.push((batch as i64).into());
    let deleted = sql::rows::<sql::Id, _>(
        &*txn,
        format!(
            "DELETE FROM case_events WHERE id IN (SELECT id FROM case_events WHERE case_id IN ({list}) LIMIT ${}) RETURNING case_id AS id",
            ids.len() + 1
        ),
        values,
    )
    .await?;
    for r in &deleted {
        if let Some(g) = group_of.get(&r.id) {
            report.per_level.entry(*g).or_default().events += 1;
        }
    }
    report.events += deleted.len() as u64;
    if deleted.len() < batch {
        // Every event of these cases is gone: the cases and cameras follow.
        let cams = sql::rows::<sql::Id, _>(
            &*txn,
            format!("DELETE FROM analytics_case_cameras WHERE case_id IN ({list}) RETURNING case_id AS id"),
            ids.clone(),
        )
        .await?;
        for r in &cams {
            if let Some(g) = group_of.get(&r.id) {
                report.per_level.entry(*g).or_default().case_cameras += 1;
            }
        }
        report.case_cameras += cams.len() as u64;
        let gone = sql::rows::<sql::Id, _>(
            &*txn,
            format!(
                "DELETE FROM analytics_cases WHERE id IN ({list}) AND status = ${} RETURNING id",
                ids.len() + 1
            ),
            ids.iter().cloned().chain([Value::from(CLAIMED_STATUS)]).collect::<Vec<_>>(),
        )
        .await?;
        for r in &gone {
            if let Some(g) = group_of.get(&r.id) {
                report.per_level.entry(*g).or_default().cases += 1;
            }
        }
        report.cases += gone.len() as u64;
    }
    txn.commit().await?;
    report.timed(started);
    Ok(true)
}
