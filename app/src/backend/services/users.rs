//! Users as the console lists and opens them, always through the
//! administrator's scope.

use super::scope;
use crate::backend::auth::Admin;
use crate::backend::entities::users;
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::types::{Page, TableQuery, UserKind, UserRow, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Value};

/// Sort keys of every users table (the list, sub users in the card and the
/// web client).
pub const USER_SORTS: &[SortKey] = &[
    SortKey::ts("created", "u.created_at").desc(),
    SortKey::int("id", "u.id"),
    SortKey::text("name", "u.name"),
    SortKey::text("login", "u.login"),
];

/// The users list: search by name or login, filter by kind and status.
pub async fn list<C: ConnectionTrait>(db: &C, admin: &Admin, query: &TableQuery) -> Result<Page<UserRow>, AppError> {
    let plan = Plan::new(USER_SORTS, "u.id", query, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![];
    let mut sql = format!(
        "SELECT u.id, u.name, u.login, u.kind, u.status, u.created_at, u.parent_id, {} FROM users u WHERE 1=1",
        plan.select_sql()
    );
    sql.push_str(&sql::contains(query.q.as_deref(), &["u.name", "u.login"], &mut values)?);
    if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        let kind = UserKind::parse(kind).ok_or_else(|| AppError::invalid("kind", "unknown user kind"))?;
        values.push(kind.slug().into());
        sql.push_str(&format!(" AND u.kind = ${}", values.len()));
    }
    if let Some(status) = query.status.as_deref().filter(|s| !s.is_empty()) {
        let status = UserStatus::parse(status).ok_or_else(|| AppError::invalid("status", "unknown status"))?;
        values.push(status.slug().into());
        sql.push_str(&format!(" AND u.status = ${}", values.len()));
    }
    #[derive(FromQueryResult)]
    struct User {
        id: i64,
        name: String,
        login: String,
        kind: String,
        status: String,
        created_at: DateTime<Utc>,
    }
    let tz = admin.time_zone;
    let row = |r: User| UserRow {
        id: r.id,
        name: r.name,
        login: r.login,
        kind: UserKind::parse(&r.kind).unwrap_or(UserKind::Billing),
        status: UserStatus::parse(&r.status).unwrap_or(UserStatus::Active),
        created_at: fmt::datetime(r.created_at, tz),
    };
    // A scoped administrator on PostgreSQL: the scope's `EXISTS` conditions
    // would become hashed subplans, every user in scope found before the
    // first row (35 ms a page for a city on 20,000 users, docs/benchmarks.md).
    // The next users in the page's order, checked one by one, fill a page at
    // once when the scope is broad; a narrow scope (the window holds less
    // than a page of its users) takes the whole query below.
    if !admin.is_super && db.get_database_backend() == DbBackend::Postgres {
        let window = plan.fetch_window(
            db,
            &sql,
            values.clone(),
            SCOPE_WINDOW,
            |n| scope::user_condition_per_row(admin, "COALESCE(w.parent_id, w.id)", n),
            row,
        );
        if let Some(page) = window.await? {
            return Ok(page);
        }
    }
    let (cond, scope_values) = scope::user_condition(admin, "COALESCE(u.parent_id, u.id)", values.len());
    values.extend(scope_values);
    sql.push_str(&format!(" AND {cond}"));
    Ok(plan.fetch(db, &sql, values, row).await?)
}

/// How many users (eight pages) a scoped administrator's list checks one
/// by one before it asks for the whole set in scope.
const SCOPE_WINDOW: u64 = 200;

/// A user as the sub-user tables list it (`u.id, u.name, u.login, u.created_at`).
#[derive(FromQueryResult)]
pub struct UserBasics {
    pub id: i64,
    pub name: String,
    pub login: String,
    pub created_at: DateTime<Utc>,
}

/// Loads a user the administrator may see, or 404 (also when out of scope,
/// so that its existence is not revealed).
pub async fn find_visible<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<users::Model, AppError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    if admin.is_super {
        return Ok(user);
    }
    let (cond, mut values) = scope::user_condition(admin, "$1", 1);
    values.insert(0, Value::from(user.parent_id.unwrap_or(user.id)));
    #[derive(FromQueryResult)]
    struct Visible {
        ok: bool,
    }
    let visible = sql::row::<Visible, _>(db, format!("SELECT {cond} AS ok"), values).await?;
    if visible.is_some_and(|v| v.ok) {
        Ok(user)
    } else {
        Err(AppError::not_found("User"))
    }
}

/// The sub user `sub_id` of the main user `main_id`, or 404: the one lookup
/// behind the console's Sub users tab and the web client's sub-user actions.
pub async fn find_sub<C: ConnectionTrait>(db: &C, main_id: i64, sub_id: i64) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(sub_id)
        .one(db)
        .await?
        .filter(|s| s.parent_id == Some(main_id))
        .ok_or_else(|| AppError::not_found("Sub user"))
}

/// Locks a main user's row for the rest of the write transaction `db`
/// (PostgreSQL `SELECT … FOR UPDATE`), so that what its sub users may be
/// granted cannot change between a check and the write: every change to it
/// (Access saves, licence changes, grants to sub users) locks this row
/// first. On SQLite the transaction already holds the single writer lock
/// (`AppState::write`), which serialises every write.
pub async fn lock_main<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<(), AppError> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        sql::exec(db, "SELECT id FROM users WHERE id = $1 FOR UPDATE", vec![main_id.into()]).await?;
    }
    Ok(())
}

/// The one rule for a new login, an administrator's or a sub user's (422
/// naming `login`).
pub fn valid_login(login: &str) -> Result<(), AppError> {
    let ok_chars = login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if login.len() < 3 || login.len() > 64 || !ok_chars {
        return Err(AppError::invalid("login", "use 3 to 64 letters, digits or . _ - @ (no spaces)"));
    }
    Ok(())
}

/// The one rule for a person's name (422 naming `name`).
pub fn valid_name(name: &str) -> Result<(), AppError> {
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "enter a name of 1 to 100 characters"));
    }
    Ok(())
}
