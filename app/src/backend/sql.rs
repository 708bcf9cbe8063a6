//! Raw SQL through SeaORM, written one way everywhere: `$N` placeholders
//! (SQLite and PostgreSQL both accept them) and rows mapped into
//! `FromQueryResult` structs, never read column by column.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement, Value};

/// A statement for `db`'s backend.
pub fn statement<C: ConnectionTrait>(db: &C, sql: impl Into<String>, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// Every row of a query, each mapped into `T`.
pub async fn rows<T: FromQueryResult, C: ConnectionTrait>(db: &C, sql: impl Into<String>, values: Vec<Value>) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(statement(db, sql, values)).all(db).await
}

/// The first row of a query, if any.
pub async fn row<T: FromQueryResult, C: ConnectionTrait>(db: &C, sql: impl Into<String>, values: Vec<Value>) -> Result<Option<T>, DbErr> {
    T::find_by_statement(statement(db, sql, values)).one(db).await
}

/// Runs a statement; the rows it changed.
pub async fn exec<C: ConnectionTrait>(db: &C, sql: impl Into<String>, values: Vec<Value>) -> Result<u64, DbErr> {
    Ok(db.execute_raw(statement(db, sql, values)).await?.rows_affected())
}

/// A query's single number, selected `AS n`; 0 without a row or for NULL.
pub async fn count<C: ConnectionTrait>(db: &C, sql: impl Into<String>, values: Vec<Value>) -> Result<i64, DbErr> {
    Ok(row::<N, _>(db, sql, values).await?.and_then(|r| r.n).unwrap_or(0))
}

#[derive(FromQueryResult)]
struct N {
    n: Option<i64>,
}

/// One id column, selected `AS id`.
#[derive(Debug, Clone, Copy, FromQueryResult)]
pub struct Id {
    pub id: i64,
}
