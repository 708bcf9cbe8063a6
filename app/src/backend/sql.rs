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

/// A search box's "contains" filter on `columns`, case-insensitive, with `%`
/// and `_` taken literally: ` AND (LOWER(col) LIKE $n ESCAPE '\' OR …)`, its
/// pattern pushed to `values`; empty for an empty search. More than 100
/// characters is refused, naming the field `q`.
pub fn contains(q: Option<&str>, columns: &[&str], values: &mut Vec<Value>) -> Result<String, crate::error::AppError> {
    let q = q.map(str::trim).unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(crate::error::AppError::invalid(
            "q",
            "search text is too long (100 characters at most)",
        ));
    }
    if q.is_empty() {
        return Ok(String::new());
    }
    let escaped = q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    values.push(format!("%{escaped}%").into());
    let n = values.len();
    let any: Vec<String> = columns.iter().map(|c| format!("LOWER({c}) LIKE ${n} ESCAPE '\\'")).collect();
    Ok(format!(" AND ({})", any.join(" OR ")))
}
