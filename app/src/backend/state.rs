//! Shared server state handed to every server function, the billing webhook
//! and the background jobs.

use super::clock::Clock;
use crate::backend::request_db::{RequestDb, Reserve, StatementCount};
use crate::backend::services::billing::batch::Batcher;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use tokio::sync::{broadcast, Mutex, MutexGuard, Semaphore};

/// A change other parts of the server (and open browsers) may want to hear
/// about: a billing event stored for a user, or a camera sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    BillingEvent {
        user_id: Option<i64>,
    },
    Sync {
        user_id: i64,
        sync_version: i64,
    },
    /// An administrator was disabled: its open event streams end now.
    AdminDisabled {
        admin_id: i64,
    },
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
    /// SQLite allows one writer at a time, and a deferred transaction that
    /// upgrades to a write lock fails instead of waiting; so on SQLite write
    /// transactions take this lock first. On PostgreSQL it is never contended
    /// because [`AppState::write`] skips it.
    write_lock: Arc<Mutex<()>>,
    pub notices: broadcast::Sender<Notice>,
    /// This instance's random id, carried in its PostgreSQL NOTIFY payloads
    /// so that its listener skips what it already broadcast locally.
    pub origin: u64,
    /// Statements run through `db` and through every request's
    /// [`RequestDb`], counted (the tests hold each page to its number).
    pub statements: StatementCount,
    /// The connections page requests lease (see [`Reserve`]).
    pub reserve: Arc<Reserve>,
    /// The group-commit writer of billing events (SQLite and PostgreSQL),
    /// started on the first event (see `services::billing::batch`).
    billing_batcher: Arc<OnceLock<Option<Batcher>>>,
    /// Sign-in password checks (Argon2, 19 MiB each) running at once: one
    /// per core (see `throttle`).
    pub password_checks: Arc<Semaphore>,
}

/// A write transaction, holding the SQLite writer lock while it lives.
pub struct WriteTxn<'a> {
    pub txn: DatabaseTransaction,
    _guard: Option<MutexGuard<'a, ()>>,
}

impl std::ops::Deref for WriteTxn<'_> {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn<'_> {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl AppState {
    pub fn new(mut db: DatabaseConnection, clock: Clock) -> Self {
        let (notices, _) = broadcast::channel(1024);
        let statements = StatementCount::default();
        let counted = statements.clone();
        db.set_metric_callback(move |_| {
            counted.fetch_add(1, Ordering::Relaxed);
        });
        let reserve = Arc::new(Reserve::new(super::db::reserve_size(db.get_database_backend())));
        Self {
            statements,
            reserve,
            db,
            clock,
            write_lock: Arc::new(Mutex::new(())),
            notices,
            origin: rand::random(),
            billing_batcher: Default::default(),
            password_checks: Arc::new(Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))),
        }
    }

    /// Every billing event in its own transaction (`VIGIL_BILLING_BATCH=0`);
    /// only before the first event.
    pub fn disable_billing_batch(&self) {
        let _ = self.billing_batcher.set(None);
    }

    /// The billing writer queue of this instance (group commit, see
    /// [`Batcher`]). On SQLite it shares the write lock; on PostgreSQL its
    /// writers commit in parallel with each other and with other writers.
    pub fn billing_batcher(&self) -> Option<&Batcher> {
        self.billing_batcher
            .get_or_init(|| {
                Batcher::start(
                    self.db.clone(),
                    self.statements.clone(),
                    self.write_lock.clone(),
                    self.clock.clone(),
                    self.origin,
                )
                .map_err(|e| tracing::error!(error = %e, "billing: no writer thread; events apply one by one"))
                .ok()
            })
            .as_ref()
    }

    /// A request's handle that leases one connection (see [`RequestDb`]).
    pub fn request_db(&self) -> RequestDb {
        RequestDb::leased(self.db.clone(), self.reserve.clone(), self.statements.clone())
    }

    /// A request's handle that runs each statement on the pool (requests
    /// that write; see [`RequestDb::direct`]).
    pub fn direct_db(&self) -> RequestDb {
        RequestDb::direct(self.db.clone(), self.statements.clone())
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Begins a write transaction (see `write_lock`).
    pub async fn write(&self) -> Result<WriteTxn<'_>, DbErr> {
        let guard = match self.backend() {
            DbBackend::Sqlite => Some(self.write_lock.lock().await),
            _ => None,
        };
        let txn = self.db.begin().await?;
        Ok(WriteTxn { txn, _guard: guard })
    }

    pub fn notify(&self, notice: Notice) {
        // Nobody listening is fine.
        let _ = self.notices.send(notice);
    }
}
