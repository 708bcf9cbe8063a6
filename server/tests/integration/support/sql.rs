//! Small SQL reads and writes for checking and arranging database state.

use app::backend::AppState;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// The one integer `sql` returns (a count, an id, a version).
pub async fn count(st: &AppState, sql: impl AsRef<str>) -> i64 {
    scalar_i64(&st.db, sql.as_ref()).await
}

/// [`count`] on any connection (a second pool, a checker connection).
pub async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row: {sql}"));
    row.try_get_by_index::<i64>(0).unwrap()
}

/// The one text value `sql` returns (exactly one row).
pub async fn scalar(st: &AppState, sql: impl AsRef<str>) -> String {
    let sql = sql.as_ref();
    let v = strings(st, sql).await;
    assert_eq!(v.len(), 1, "{sql}: {v:?}");
    v[0].clone()
}

/// The first column of every row `sql` returns, as text.
pub async fn strings(st: &AppState, sql: impl AsRef<str>) -> Vec<String> {
    st.db
        .query_all_raw(Statement::from_string(st.db.get_database_backend(), sql.as_ref().to_string()))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// Runs a statement that arranges state.
pub async fn exec(st: &AppState, sql: impl AsRef<str>) {
    st.db.execute_unprepared(sql.as_ref()).await.unwrap();
}

/// The permissions `user` holds, sorted.
pub async fn perms_of(st: &AppState, user: i64) -> Vec<String> {
    strings(
        st,
        &format!("SELECT slug FROM user_permissions WHERE user_id = {user} ORDER BY slug"),
    )
    .await
}
