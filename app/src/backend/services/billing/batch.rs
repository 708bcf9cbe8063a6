//! Group commit of billing events: one writer per instance on SQLite, two on
//! PostgreSQL.
//!
//! SQLite has one writer at a time, so concurrent billing requests queue for
//! the writer lock, and each pays for its own BEGIN and COMMIT, with every
//! statement's continuation scheduled on a serving runtime that also renders
//! pages. Here one writer thread takes every event waiting in the queue and
//! applies them in a single transaction: the events of concurrent requests
//! share one BEGIN/COMMIT and the lock changes hands once per batch
//! (side by side in docs/benchmarks.md: 1.2× to 2.0× the events per second).
//! On PostgreSQL the same batch saves a commit (a WAL flush) and the round
//! trips of a transaction per event; writers of other instances commit in
//! parallel, and a race with them fails the batch on the unique index (then
//! every event of it is applied on its own, below). So an instance runs two
//! writers there ([`POSTGRES_WRITERS`]): while one waits for the server, the
//! other takes the next batch (1.5× the events per second, docs/benchmarks.md).
//!
//! The writer also answers retries: one query finds which of the batch's
//! request ids are stored already (those are answered from their stored
//! row), a second copy of an id within the batch is answered as the
//! duplicate of the first, and the new events' rows go in with one
//! multi-row insert at the end. So a batch of n events costs their effects'
//! statements plus two, where it cost one more per event and a duplicate
//! check per request on the serving runtime.
//!
//! A batch commits all its events or none. An event rejected with a 422
//! is left out and the batch applied again without it; the left-out
//! request, and every request of a batch that fails otherwise (a database
//! error), falls back to applying its event on its own
//! ([`super::receive`]'s single path), which gives each its exact answer
//! and stores the 422 (after the batch, so behind events that were in
//! flight with it). A request is answered only after its batch committed,
//! so a 202 still means stored and applied exactly once.

use super::event::Incoming;
use super::{announce_cluster, apply_incoming, event_row, Step};
use crate::backend::clock::Clock;
use crate::backend::cpu::pin_to_one_cpu;
use crate::backend::db::{is_closed, own_sqlite_connection};
use crate::backend::entities::billing_events;
use crate::backend::request_db::{RequestDb, StatementCount};
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::NotSet;
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, QueryFilter};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Most events in one transaction: bounds how long the writer lock is held,
/// so page writes waiting for it are not starved.
const MAX_BATCH: usize = 64;

/// Writers on PostgreSQL. A batch's time is mostly round trips to the
/// server and its commit's WAL flush, during which one writer waits; a
/// second one collects and applies the next batch meanwhile, as a second
/// instance would (so a race between the two is already handled: see the
/// module comment). SQLite has one writer at a time, so one.
const POSTGRES_WRITERS: usize = 2;

/// Most rejected events left out of one batch before the whole batch falls
/// back to one transaction per event: each leaves out one and applies the
/// rest again, so a batch holds the write lock for at most five passes.
const MAX_LEFT_OUT: usize = 4;

/// The writer's answer to a request once the batch committed: the stored
/// row, and whether it was stored before (a retry). `None` when the batch
/// failed: the caller applies the event on its own.
pub type Reply = Option<(billing_events::Model, bool)>;

struct Job {
    incoming: Incoming,
    password_hash: Option<String>,
    received_at: DateTime<Utc>,
    reply: oneshot::Sender<Reply>,
}

/// The sending end of one database's writer queue. The writer threads end
/// when the last [`crate::backend::AppState`] holding this is dropped.
pub struct Batcher {
    tx: mpsc::UnboundedSender<Job>,
    stats: Arc<Stats>,
}

/// Committed batches and the events in them, for tests and diagnostics.
#[derive(Default)]
struct Stats {
    batches: AtomicU64,
    events: AtomicU64,
}

/// What the writer needs of the state; no [`crate::backend::AppState`], whose
/// queue it would otherwise keep open forever.
struct Writer {
    /// One connection for every batch ([`RequestDb::writer`]).
    db: RequestDb,
    /// The state's pool: once it is closed, the writer stops applying.
    state_db: DatabaseConnection,
    /// The state's write lock on SQLite; none on PostgreSQL.
    lock: Option<Arc<Mutex<()>>>,
    clock: Clock,
    stats: Arc<Stats>,
    /// This instance, for the PostgreSQL notices of the batch's events.
    origin: u64,
}

impl Batcher {
    /// `sqlite_write_lock`: the state's write lock, which the writer takes
    /// on SQLite (one writer at a time); PostgreSQL's writers need none.
    /// `statements` counts the writers' statements with the state's.
    pub fn start(
        db: DatabaseConnection,
        statements: StatementCount,
        sqlite_write_lock: Arc<Mutex<()>>,
        clock: Clock,
        origin: u64,
    ) -> std::io::Result<Self> {
        // Unbounded, yet bounded in practice: every job is an open HTTP
        // request waiting for its answer.
        let (tx, rx) = mpsc::unbounded_channel();
        // The writers take turns at the queue: one waits for jobs and takes
        // all that wait, then applies them while the next one waits.
        let rx = Arc::new(Mutex::new(rx));
        let stats = Arc::new(Stats::default());
        let (writers, lock) = match db.get_database_backend() {
            DbBackend::Sqlite => (1, Some(sqlite_write_lock)),
            _ => (POSTGRES_WRITERS, None),
        };
        for i in 0..writers {
            let (state_db, statements, lock, clock, stats, rx) = (
                db.clone(),
                statements.clone(),
                lock.clone(),
                clock.clone(),
                stats.clone(),
                rx.clone(),
            );
            // Its own thread, so the writer is never queued behind page
            // renders on the serving runtimes while it holds the lock.
            std::thread::Builder::new().name(format!("billing-writer{i}")).spawn(move || {
                // On SQLite the writer has a connection of its own, opened
                // from this thread once it is pinned, so the connection's
                // worker thread shares its CPU (see `backend::cpu`).
                let db = match own_sqlite_connection(&state_db) {
                    Some(own) => {
                        let cpu = pin_to_one_cpu();
                        tracing::debug!(?cpu, "billing: the writer and its SQLite connection share a CPU");
                        own
                    }
                    None => state_db.clone(),
                };
                let writer = Writer {
                    db: RequestDb::writer(db, statements),
                    state_db,
                    lock,
                    clock,
                    stats,
                    origin,
                };
                match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt.block_on(writer.run(rx)),
                    // Its end of the queue is dropped: another writer takes
                    // the events, or, with none left, each request applies
                    // its event on its own.
                    Err(e) => tracing::error!(error = %e, "billing: a writer's runtime did not start"),
                }
            })?;
        }
        Ok(Self { tx, stats })
    }

    /// (batches committed, events in them) since the writer started.
    pub fn committed(&self) -> (u64, u64) {
        (
            self.stats.batches.load(Ordering::Relaxed),
            self.stats.events.load(Ordering::Relaxed),
        )
    }

    /// Hands the event to the writer and waits for its batch. `None`: the
    /// writer is gone or the batch failed; the caller applies it alone.
    pub(super) async fn submit(&self, incoming: &Incoming, password_hash: Option<String>, received_at: DateTime<Utc>) -> Reply {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            incoming: incoming.clone(),
            password_hash,
            received_at,
            reply,
        };
        self.tx.send(job).ok()?;
        answer.await.ok().flatten()
    }
}

impl Writer {
    async fn run(self, rx: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        loop {
            let taken = rx.lock().await.recv_many(&mut batch, MAX_BATCH).await;
            if taken == 0 {
                break;
            }
            self.commit(std::mem::take(&mut batch)).await;
        }
    }

    async fn commit(&self, jobs: Vec<Job>) {
        let replies = {
            let _guard = match &self.lock {
                Some(lock) => Some(lock.lock().await),
                None => None,
            };
            self.apply_all(&jobs).await
        };
        let applied = replies.iter().filter(|r| matches!(r, Some((_, false)))).count();
        if applied > 0 {
            self.stats.batches.fetch_add(1, Ordering::Relaxed);
            self.stats.events.fetch_add(applied as u64, Ordering::Relaxed);
        }
        for (job, reply) in jobs.into_iter().zip(replies) {
            let _ = job.reply.send(reply);
        }
    }

    /// Every job's reply, in job order, once the batch committed. A job
    /// whose event is rejected (a 422) is left out and the rest of the batch
    /// is applied again without it, up to [`MAX_LEFT_OUT`] times; the
    /// left-out job is answered `None` and stores its 422 on its own. Any
    /// other failure answers every job `None` (nothing of the batch is
    /// stored).
    async fn apply_all(&self, jobs: &[Job]) -> Vec<Reply> {
        if is_closed(&self.state_db) {
            self.db.release();
            return vec![None; jobs.len()];
        }
        let mut left_out = vec![false; jobs.len()];
        loop {
            if let Err(e) = self.db.begin().await {
                tracing::debug!(error = %e, "billing: a batch could not begin");
                return vec![None; jobs.len()];
            }
            match self.apply_in(jobs, &left_out).await {
                Ok(replies) => {
                    return match self.db.commit().await {
                        Ok(()) => replies,
                        Err(e) => {
                            tracing::debug!(error = %e, "billing: a batch did not commit; its events apply one by one");
                            // A COMMIT that failed (SQLite: busy) can leave
                            // the transaction open, holding the write lock.
                            let _ = self.db.rollback().await;
                            vec![None; jobs.len()]
                        }
                    };
                }
                Err((k, e)) => {
                    let _ = self.db.rollback().await;
                    let retry = matches!(e, Step::Rejected(_)) && left_out.iter().filter(|l| **l).count() < MAX_LEFT_OUT;
                    if !retry {
                        tracing::debug!(error = ?e, "billing: a batch failed; its events apply one by one");
                        return vec![None; jobs.len()];
                    }
                    left_out[k] = true;
                }
            }
        }
    }

    /// Applies the jobs not left out; on failure, the failing job's index.
    async fn apply_in(&self, jobs: &[Job], left_out: &[bool]) -> Result<Vec<Reply>, (usize, Step)> {
        let txn = &self.db;
        // On SQLite, under the write lock, no other delivery can be in
        // flight, so what this finds stored is the whole answer about
        // earlier copies. On PostgreSQL another instance (or a fallback here)
        // may be applying the same id: the batch's INSERT then waits for it
        // on the unique index and fails the batch, whose events apply one
        // by one (a deadlock with it ends the same way).
        let ids: Vec<&str> = jobs.iter().map(|j| j.incoming.request_id.as_str()).collect();
        let mut stored: HashMap<String, billing_events::Model> = billing_events::Entity::find()
            .filter(billing_events::Column::RequestId.is_in(ids))
            .all(txn)
            .await
            .map_err(|e| (0, Step::Db(e)))?
            .into_iter()
            .map(|row| (row.request_id.clone(), row))
            .collect();
        let now = self.clock.now();
        let mut fresh = Vec::with_capacity(jobs.len());
        // Which jobs carry a new event: one stored before, or a later copy of
        // an id first seen in this batch, is answered as a duplicate.
        let mut is_new = Vec::with_capacity(jobs.len());
        let mut first_copy = HashSet::new();
        for (k, job) in jobs.iter().enumerate() {
            let id = job.incoming.request_id.as_str();
            if left_out[k] || stored.contains_key(id) || !first_copy.insert(id) {
                is_new.push(false);
                continue;
            }
            let applied = apply_incoming(txn, &job.incoming, job.password_hash.clone(), now)
                .await
                .map_err(|e| (k, e))?;
            let mut row = event_row(&job.incoming, applied, job.received_at, now).into_active_model();
            row.id = NotSet;
            fresh.push(row);
            is_new.push(true);
        }
        let inserted = billing_events::Entity::insert_many(fresh)
            .exec_with_returning(txn)
            .await
            .map_err(|e| (0, Step::Db(e)))?;
        announce_cluster(txn, self.origin, inserted.iter().map(|row| row.user_id))
            .await
            .map_err(|e| (0, Step::Db(e)))?;
        // RETURNING's row order is unspecified: rows are matched by request id.
        stored.extend(inserted.into_iter().map(|row| (row.request_id.clone(), row)));
        Ok(jobs
            .iter()
            .zip(is_new)
            .zip(left_out)
            .map(|((job, new), out)| {
                // A left-out (rejected) job is answered by the single path,
                // which stores its 422.
                if *out {
                    return None;
                }
                stored.get(&job.incoming.request_id).map(|row| (row.clone(), !new))
            })
            .collect())
    }
}
