//! Portable DDL: one SQL text per migration with a few placeholders that
//! differ between SQLite and PostgreSQL. Plain DDL reads better than a builder
//! for a schema this size, and both backends are exercised by the test suite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

/// Replaces `{pk}`, `{ts}`, `{bool}`, `{json}` and `{blob}` with the backend's
/// types, then runs each `;`-separated statement.
pub async fn run(manager: &SchemaManager<'_>, ddl: &str) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let (pk, ts, boolean) = match backend {
        DatabaseBackend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "BOOLEAN"),
        DatabaseBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "BOOLEAN"),
        other => return Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
    };
    let sql: String = ddl
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("{pk}", pk)
        .replace("{ts}", ts)
        .replace("{bool}", boolean)
        .replace("{json}", "TEXT");
    let conn = manager.get_connection();
    for stmt in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        conn.execute_unprepared(stmt).await?;
    }
    Ok(())
}
