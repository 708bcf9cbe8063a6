//! Batched multi-row inserts for generated data (demo, tests, benchmarks).

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// Rows per statement are capped so that placeholders stay under both
/// backends' limits (SQLite 32766, PostgreSQL 65535).
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS: usize = 2_000;

pub async fn insert<C: ConnectionTrait>(db: &C, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let per = (MAX_PARAMS / columns.len()).clamp(1, MAX_ROWS);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut values = Vec::with_capacity(chunk.len() * columns.len());
        for (i, row) in chunk.into_iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..row.len() {
                if j > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("${}", values.len() + j + 1));
            }
            sql.push(')');
            values.extend(row);
        }
        db.execute_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, values))
            .await?;
    }
    Ok(())
}

/// After inserting explicit ids, PostgreSQL's sequences must move past them.
pub async fn fix_sequences<C: ConnectionTrait>(db: &C, tables: &[&str]) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for t in tables {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
        ))
        .await?;
    }
    Ok(())
}

/// The next free id of a table.
pub async fn next_id<C: ConnectionTrait>(db: &C, table: &str) -> Result<i64, DbErr> {
    Ok(super::sql::count(db, format!("SELECT COALESCE(MAX(id), 0) AS n FROM {table}"), vec![]).await? + 1)
}
