//! One database connection per request. Every SeaORM statement outside a
//! transaction takes a pool connection and gives it back, and sqlx pings a
//! connection when it is given back (and, unless turned off, when it is
//! taken): on SQLite each ping is a hand-off to the connection's worker
//! thread and back, on PostgreSQL a round trip to the server. A page that
//! runs its statements through a [`RequestDb`] takes one connection, lazily
//! on its first statement, keeps it for the request's next statements, and
//! gives it back once when the response ends ([`RequestDb::release`],
//! called by the router when the response body is dropped) or when the
//! request's owner is dropped.
//!
//! It gives it back to the state's [`Reserve`], not to the pool: a set of
//! connections taken out of the pool (`detach`) that only page requests
//! share, with its own limit and queue. Giving one back there costs no ping
//! and no task: the statement that last ran on it finished (a connection
//! whose statement was interrupted, or failed at the connection level, is
//! closed instead of kept), so there is nothing to test or flush.
//!
//! No transaction is opened: each statement autocommits as before, so a
//! request that writes (through [`super::AppState::write`], on its own
//! connection) reads its own write afterwards, and on SQLite no read
//! snapshot is held across statements (a held snapshot would keep
//! checkpoints from resetting the WAL for as long as a slow client reads
//! the stream).
//!
//! Services keep taking `&impl ConnectionTrait`; this type is one.
//!
//! The billing writer holds one for its whole life ([`RequestDb::writer`]):
//! its transactions run on one connection that never goes back to the pool
//! (no pool check of a returned connection after each batch), so on SQLite
//! the connection it opened from its pinned thread stays its own (see
//! `backend::cpu`).

use sea_orm::sqlx::{self, Connection, PgConnection, Postgres, Sqlite, SqliteConnection};
use sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Statements run for this process's state, counted for the tests that
/// hold a page to its number of statements.
pub type StatementCount = Arc<AtomicU64>;

/// How long a reserved connection lives before it is replaced (as the
/// pool's `max_lifetime`).
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A PostgreSQL connection idle this long is pinged before it is used again:
/// the server or a proxy may have closed it meanwhile (as the pool's
/// `test_before_acquire_if_idle_for`).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(60);

/// The request's database handle; cheap to clone (one per request, shared
/// by every server function the page calls).
#[derive(Clone)]
pub struct RequestDb(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    /// Where a leased handle takes its connection from and gives it back to;
    /// `None` for a writer, whose connection comes from the pool.
    reserve: Option<Arc<Reserve>>,
    /// The leased connection; `None` before the first statement and while a
    /// statement runs on it (see [`RequestDb::run`]).
    lease: tokio::sync::Mutex<Option<Lease>>,
    /// False for a request that must not hold a connection (see
    /// [`RequestDb::direct`]) and once the response has ended.
    leasing: AtomicBool,
    /// A writer's handle ([`RequestDb::writer`]): its connection may be
    /// inside a transaction, so one that failed is closed, never given back.
    writer: bool,
    statements: StatementCount,
}

impl Drop for Inner {
    /// A request dropped before its response ended (a server function
    /// called outside a page, a test) gives its connection back here.
    fn drop(&mut self) {
        if let (Some(lease), Some(reserve)) = (self.lease.get_mut().take(), &self.reserve) {
            reserve.give_back(&self.db, lease);
        }
    }
}

enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Conn {
    async fn from_pool(db: &DatabaseConnection) -> Result<Self, DbErr> {
        Ok(match db.get_database_backend() {
            DbBackend::Sqlite => Conn::Sqlite(db.get_sqlite_connection_pool().acquire().await.map_err(acquire_err)?.detach()),
            DbBackend::Postgres => Conn::Postgres(db.get_postgres_connection_pool().acquire().await.map_err(acquire_err)?.detach()),
            other => return Err(DbErr::Custom(format!("RequestDb: unsupported backend {other:?}"))),
        })
    }

    async fn close(self) {
        let closed = match self {
            Conn::Sqlite(c) => c.close().await,
            Conn::Postgres(c) => c.close().await,
        };
        if let Err(e) = closed {
            tracing::debug!(error = %e, "closing a connection failed");
        }
    }
}

/// A connection out of the pool, with what decides whether it is kept.
struct Lease {
    conn: Conn,
    created: Instant,
    /// A reserved connection's place in the [`Reserve`]'s limit.
    permit: Option<OwnedSemaphorePermit>,
}

/// The connections page requests lease (see the module's comment). At most
/// `size` are out of the pool at once, leased or idle; a request that finds
/// them all leased waits its turn (first come, first served) for as long as
/// the pool would make it wait.
pub struct Reserve {
    idle: std::sync::Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
}

struct Idle {
    conn: Conn,
    created: Instant,
    since: Instant,
}

impl Reserve {
    /// Room for `size` connections, opened on demand.
    pub fn new(size: usize) -> Self {
        Self {
            idle: std::sync::Mutex::new(Vec::with_capacity(size)),
            permits: Arc::new(Semaphore::new(size)),
        }
    }

    /// Connections waiting in the reserve (for tests).
    pub fn idle(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// The most recently given back connection (its caches are the
    /// warmest), or a new one from the pool.
    async fn take(&self, db: &DatabaseConnection) -> Result<Lease, DbErr> {
        if is_closed(db) {
            self.drain();
            return Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
        }
        let wait = match db.get_database_backend() {
            DbBackend::Postgres => db.get_postgres_connection_pool().options().get_acquire_timeout(),
            _ => db.get_sqlite_connection_pool().options().get_acquire_timeout(),
        };
        let permit = tokio::time::timeout(wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))?
            .map_err(|_| DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))?;
        loop {
            let Some(mut idle) = self.idle.lock().ok().and_then(|mut i| i.pop()) else {
                return Ok(Lease {
                    conn: Conn::from_pool(db).await?,
                    created: Instant::now(),
                    permit: Some(permit),
                });
            };
            if idle.created.elapsed() >= MAX_LIFETIME {
                tokio::spawn(idle.conn.close());
                continue;
            }
            if let Conn::Postgres(c) = &mut idle.conn {
                if idle.since.elapsed() >= PING_IF_IDLE_FOR && c.ping().await.is_err() {
                    continue;
                }
            }
            return Ok(Lease {
                conn: idle.conn,
                created: idle.created,
                permit: Some(permit),
            });
        }
    }

    /// Keeps a leased connection for the next request, unless the pool was
    /// closed meanwhile (the server stopping, a test's database gone).
    fn give_back(&self, db: &DatabaseConnection, lease: Lease) {
        let Lease { conn, created, permit } = lease;
        if permit.is_none() || is_closed(db) {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(Idle {
                conn,
                created,
                since: Instant::now(),
            });
        }
        // The permit goes after the connection is in place, so the request
        // it wakes finds it.
        drop(permit);
    }

    fn drain(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

fn is_closed(db: &DatabaseConnection) -> bool {
    super::db::is_closed(db)
}

impl RequestDb {
    /// A handle that leases one connection of `reserve` for the request.
    pub fn leased(db: DatabaseConnection, reserve: Arc<Reserve>, statements: StatementCount) -> Self {
        Self::new(db, Some(reserve), statements, true, false)
    }

    /// A handle that keeps its connection until it is dropped, for a writer
    /// that runs one transaction after another ([`RequestDb::begin`]).
    pub fn writer(db: DatabaseConnection, statements: StatementCount) -> Self {
        Self::new(db, None, statements, true, true)
    }

    /// A handle that runs each statement on the pool, as plain SeaORM does.
    /// For requests that write: a write takes a connection of its own
    /// (the SQLite writer lock, a transaction), and a request holding one
    /// connection while it waits for a second could, with enough such
    /// requests at once, exhaust the pool.
    pub fn direct(db: DatabaseConnection, statements: StatementCount) -> Self {
        Self::new(db, None, statements, false, false)
    }

    fn new(db: DatabaseConnection, reserve: Option<Arc<Reserve>>, statements: StatementCount, leasing: bool, writer: bool) -> Self {
        Self(Arc::new(Inner {
            db,
            reserve,
            lease: tokio::sync::Mutex::new(None),
            leasing: AtomicBool::new(leasing),
            writer,
            statements,
        }))
    }

    /// Begins a transaction on a writer's connection; on SQLite it takes the
    /// file's write lock at once (`IMMEDIATE`), so no statement of it fails
    /// to upgrade a read lock. Not counted as a statement (SeaORM's own
    /// transactions are not either).
    pub async fn begin(&self) -> Result<(), DbErr> {
        let sql = match self.get_database_backend() {
            DbBackend::Sqlite => "BEGIN IMMEDIATE",
            _ => "BEGIN",
        };
        self.control(sql).await
    }

    /// Commits the writer's transaction.
    pub async fn commit(&self) -> Result<(), DbErr> {
        self.control("COMMIT").await
    }

    /// Rolls the writer's transaction back; when that fails the connection
    /// is closed (which ends the transaction), never used again.
    pub async fn rollback(&self) -> Result<(), DbErr> {
        let result = self.control("ROLLBACK").await;
        if result.is_err() {
            if let Some(lease) = self.0.lease.lock().await.take() {
                lease.conn.close().await;
            }
        }
        result
    }

    async fn control(&self, sql: &'static str) -> Result<(), DbErr> {
        debug_assert!(self.0.writer, "transactions are for writer handles");
        // Released (its pool closed): no transaction on a stray connection.
        if !self.leasing() {
            return Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
        }
        self.run_uncounted(
            async |c| sqlx::raw_sql(sql).execute(c).await.map(drop),
            async |c| sqlx::raw_sql(sql).execute(c).await.map(drop),
        )
        .await?
        .map_err(exec_err)
    }

    /// Gives the connection back (to the reserve; a writer's is closed);
    /// later statements of the request (if any) run on the pool directly. A
    /// statement running right now keeps it until it finishes, then gives
    /// it back.
    pub fn release(&self) {
        self.0.leasing.store(false, Ordering::Release);
        if let Ok(mut slot) = self.0.lease.try_lock() {
            if let Some(lease) = slot.take() {
                self.let_go(lease);
            }
        }
    }

    /// Whether a connection is leased right now (for tests).
    pub fn holds_connection(&self) -> bool {
        self.0.lease.try_lock().map(|l| l.is_some()).unwrap_or(true)
    }

    async fn acquire(&self) -> Result<Lease, DbErr> {
        match &self.0.reserve {
            Some(reserve) => reserve.take(&self.0.db).await,
            None => Ok(Lease {
                conn: Conn::from_pool(&self.0.db).await?,
                created: Instant::now(),
                permit: None,
            }),
        }
    }

    fn let_go(&self, lease: Lease) {
        match &self.0.reserve {
            Some(reserve) => reserve.give_back(&self.0.db, lease),
            None => {
                tokio::spawn(lease.conn.close());
            }
        }
    }

    /// Runs one statement on the leased connection. The connection is taken
    /// out of its slot while the statement runs: if the caller's future is
    /// dropped midway (a client went away), the connection is dropped with
    /// it (closed) instead of being reused in an unknown state. After a
    /// connection-level error it is not reused either.
    async fn run<T>(
        &self,
        on_sqlite: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, sqlx::Error>,
        on_postgres: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<Result<T, sqlx::Error>, DbErr> {
        self.0.statements.fetch_add(1, Ordering::Relaxed);
        self.run_uncounted(on_sqlite, on_postgres).await
    }

    async fn run_uncounted<T>(
        &self,
        on_sqlite: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, sqlx::Error>,
        on_postgres: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<Result<T, sqlx::Error>, DbErr> {
        let mut slot = self.0.lease.lock().await;
        let mut lease = match slot.take() {
            Some(l) => l,
            None => self.acquire().await?,
        };
        let result = match &mut lease.conn {
            Conn::Sqlite(c) => on_sqlite(c).await,
            Conn::Postgres(c) => on_postgres(c).await,
        };
        let healthy = matches!(result, Ok(_) | Err(sqlx::Error::Database(_) | sqlx::Error::RowNotFound));
        if !healthy {
            // Possibly broken, or inside a transaction: never kept.
            lease.conn.close().await;
        } else if self.0.leasing.load(Ordering::Acquire) {
            *slot = Some(lease);
        } else {
            self.let_go(lease);
        }
        Ok(result)
    }

    fn leasing(&self) -> bool {
        self.0.leasing.load(Ordering::Acquire)
    }
}

fn acquire_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        e => DbErr::Conn(RuntimeErr::SqlxError(e.into())),
    }
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(e.into()))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(e.into()))
}

/// The statement as an sqlx query with its values bound, as SeaORM's own
/// drivers build it.
fn query<DB: sqlx::Database>(stmt: &Statement) -> sqlx::query::Query<'_, DB, SqlxValues>
where
    SqlxValues: sqlx::IntoArguments<DB>,
{
    let values = stmt.values.clone().unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

#[async_trait::async_trait]
impl ConnectionTrait for RequestDb {
    fn get_database_backend(&self) -> DbBackend {
        self.0.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        if !self.leasing() {
            return self.0.db.execute_raw(stmt).await;
        }
        self.run(
            async |c| query::<Sqlite>(&stmt).execute(c).await.map(ExecResult::from),
            async |c| query::<Postgres>(&stmt).execute(c).await.map(ExecResult::from),
        )
        .await?
        .map_err(exec_err)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        // Schema changes and the like: never part of a page.
        self.0.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !self.leasing() {
            return self.0.db.query_one_raw(stmt).await;
        }
        self.run(
            async |c| query::<Sqlite>(&stmt).fetch_optional(c).await.map(|r| r.map(QueryResult::from)),
            async |c| query::<Postgres>(&stmt).fetch_optional(c).await.map(|r| r.map(QueryResult::from)),
        )
        .await?
        .map_err(query_err)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !self.leasing() {
            return self.0.db.query_all_raw(stmt).await;
        }
        self.run(
            async |c| {
                Ok(query::<Sqlite>(&stmt)
                    .fetch_all(c)
                    .await?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect())
            },
            async |c| {
                Ok(query::<Postgres>(&stmt)
                    .fetch_all(c)
                    .await?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect())
            },
        )
        .await?
        .map_err(query_err)
    }
}
