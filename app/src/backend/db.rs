//! Opening the database (SQLite file or PostgreSQL URL) and migrating it.

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, SqlxSqliteConnector};
use std::str::FromStr;
use std::time::Duration;

/// How long a pooled connection lives before it is replaced.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// How many connections page requests lease at once (`request_db::Reserve`),
/// beside the pool's own. The pool keeps serving what writes (requests other
/// than GET, the background jobs); on PostgreSQL it is the smaller of the
/// two: an instance opens at most 8 + 16 connections, and one per billing
/// writer, each only when its load needs it.
pub fn reserve_size(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 16,
        _ => 8,
    }
}

/// Connects and runs pending migrations. A SQLite file (and its folder) is
/// created when missing.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = if url.starts_with("sqlite:") {
        super::sqlite_lib::configure();
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("DATABASE_URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = opts.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("DATABASE_URL: cannot create {}: {e}", dir.display())))?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // No ping when a connection is taken: on SQLite it is a hand-off
            // to the connection's worker thread and back for nothing (the
            // file cannot go away like a server). Connections are renewed
            // after `MAX_LIFETIME` instead.
            .test_before_acquire(false)
            .max_lifetime(MAX_LIFETIME)
            .connect_with(opts)
            .await
            .map_err(|e| DbErr::Custom(format!("DATABASE_URL: {e}")))?;
        SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
    } else {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false)
            // No round trip to ping a connection on every checkout; one that
            // sat idle long enough for the server or a proxy to have closed
            // it is still pinged, and every connection is renewed after
            // `MAX_LIFETIME`.
            .test_before_acquire(false)
            .test_before_acquire_if_idle_for(Duration::from_secs(60))
            .max_lifetime(MAX_LIFETIME);
        Database::connect(opts).await?
    };
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Whether `db`'s pool was closed (the server shutting down, or a test's
/// database gone): a writer holding a connection of its own stops with it.
pub fn is_closed(db: &DatabaseConnection) -> bool {
    match db.get_database_backend() {
        DbBackend::Sqlite => db.get_sqlite_connection_pool().is_closed(),
        DbBackend::Postgres => db.get_postgres_connection_pool().is_closed(),
        _ => false,
    }
}

/// For a SQLite `db`, a pool of one connection to the same file with the
/// same options, for a writer that keeps that connection (the billing
/// writer, `services::billing::batch`): the connection is opened by the
/// thread that first uses it, and its worker thread starts from there.
/// `None` on PostgreSQL.
pub fn own_sqlite_connection(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with(options);
    Some(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}
