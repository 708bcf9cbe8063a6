//! One database connection per request. Every SeaORM statement outside a
//! transaction takes a pool connection and gives it back, and sqlx pings a
//! connection when it is given back (and, unless turned off, when it is
//! taken): on SQLite each ping is a hand-off to the connection's worker
//! thread and back. A page that runs its statements through a
//! [`RequestDb`] takes one connection, lazily on its first statement, keeps
//! it for the request's next statements, and gives it back once when the
//! response ends ([`RequestDb::release`], called by the router when the
//! response body is dropped) or when the request's owner is dropped.
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

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement};
use sea_query_sqlx::SqlxValues;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Statements run for this process's state, counted for the tests that
/// hold a page to its number of statements.
pub type StatementCount = Arc<AtomicU64>;

/// The request's database handle; cheap to clone (one per request, shared
/// by every server function the page calls).
#[derive(Clone)]
pub struct RequestDb(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
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

enum Lease {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl RequestDb {
    /// A handle that leases one connection for the request.
    pub fn leased(db: DatabaseConnection, statements: StatementCount) -> Self {
        Self::new(db, statements, true, false)
    }

    /// A handle that keeps its connection until it is dropped, for a writer
    /// that runs one transaction after another ([`RequestDb::begin`]).
    pub fn writer(db: DatabaseConnection, statements: StatementCount) -> Self {
        Self::new(db, statements, true, true)
    }

    /// A handle that runs each statement on the pool, as plain SeaORM does.
    /// For requests that write: a write takes a connection of its own
    /// (the SQLite writer lock, a transaction), and a request holding one
    /// connection while it waits for a second could, with enough such
    /// requests at once, exhaust the pool.
    pub fn direct(db: DatabaseConnection, statements: StatementCount) -> Self {
        Self::new(db, statements, false, false)
    }

    fn new(db: DatabaseConnection, statements: StatementCount, leasing: bool, writer: bool) -> Self {
        Self(Arc::new(Inner {
            db,
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
                lease.close().await;
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
            async |c| sqlx::raw_sql(sql).execute(&mut **c).await.map(drop),
            async |c| sqlx::raw_sql(sql).execute(&mut **c).await.map(drop),
        )
        .await?
        .map_err(exec_err)
    }

    /// Gives the connection back to the pool; later statements of the
    /// request (if any) run on the pool directly. A statement running right
    /// now keeps it until it finishes, then gives it back.
    pub fn release(&self) {
        self.0.leasing.store(false, Ordering::Release);
        if let Ok(mut lease) = self.0.lease.try_lock() {
            lease.take();
        }
    }

    /// Whether a connection is leased right now (for tests).
    pub fn holds_connection(&self) -> bool {
        self.0.lease.try_lock().map(|l| l.is_some()).unwrap_or(true)
    }

    async fn acquire(&self) -> Result<Lease, DbErr> {
        let db = &self.0.db;
        let lease = match db.get_database_backend() {
            DbBackend::Sqlite => Lease::Sqlite(db.get_sqlite_connection_pool().acquire().await.map_err(acquire_err)?),
            DbBackend::Postgres => Lease::Postgres(db.get_postgres_connection_pool().acquire().await.map_err(acquire_err)?),
            other => return Err(DbErr::Custom(format!("RequestDb: unsupported backend {other:?}"))),
        };
        Ok(lease)
    }

    /// Runs one statement on the leased connection. The connection is taken
    /// out of its slot while the statement runs: if the caller's future is
    /// dropped midway (a client went away), the connection goes back to the
    /// pool, whose release check resets it, instead of being reused in an
    /// unknown state. After a connection-level error it is not reused either.
    async fn run<T>(
        &self,
        on_sqlite: impl AsyncFnOnce(&mut PoolConnection<Sqlite>) -> Result<T, sqlx::Error>,
        on_postgres: impl AsyncFnOnce(&mut PoolConnection<Postgres>) -> Result<T, sqlx::Error>,
    ) -> Result<Result<T, sqlx::Error>, DbErr> {
        self.0.statements.fetch_add(1, Ordering::Relaxed);
        self.run_uncounted(on_sqlite, on_postgres).await
    }

    async fn run_uncounted<T>(
        &self,
        on_sqlite: impl AsyncFnOnce(&mut PoolConnection<Sqlite>) -> Result<T, sqlx::Error>,
        on_postgres: impl AsyncFnOnce(&mut PoolConnection<Postgres>) -> Result<T, sqlx::Error>,
    ) -> Result<Result<T, sqlx::Error>, DbErr> {
        let mut slot = self.0.lease.lock().await;
        let mut lease = match slot.take() {
            Some(l) => l,
            None => self.acquire().await?,
        };
        let result = match &mut lease {
            Lease::Sqlite(c) => on_sqlite(c).await,
            Lease::Postgres(c) => on_postgres(c).await,
        };
        let healthy = matches!(result, Ok(_) | Err(sqlx::Error::Database(_) | sqlx::Error::RowNotFound));
        if healthy && self.0.leasing.load(Ordering::Acquire) {
            *slot = Some(lease);
        } else if self.0.writer {
            // Possibly inside a transaction: never back to the pool.
            lease.close().await;
        }
        Ok(result)
    }

    fn leasing(&self) -> bool {
        self.0.leasing.load(Ordering::Acquire)
    }
}

impl Lease {
    async fn close(self) {
        let closed = match self {
            Lease::Sqlite(c) => c.close().await,
            Lease::Postgres(c) => c.close().await,
        };
        if let Err(e) = closed {
            tracing::debug!(error = %e, "closing a writer's connection failed");
        }
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
            async |c| query::<Sqlite>(&stmt).execute(&mut **c).await.map(ExecResult::from),
            async |c| query::<Postgres>(&stmt).execute(&mut **c).await.map(ExecResult::from),
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
            async |c| {
                query::<Sqlite>(&stmt)
                    .fetch_optional(&mut **c)
                    .await
                    .map(|r| r.map(QueryResult::from))
            },
            async |c| {
                query::<Postgres>(&stmt)
                    .fetch_optional(&mut **c)
                    .await
                    .map(|r| r.map(QueryResult::from))
            },
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
                    .fetch_all(&mut **c)
                    .await?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect())
            },
            async |c| {
                Ok(query::<Postgres>(&stmt)
                    .fetch_all(&mut **c)
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
