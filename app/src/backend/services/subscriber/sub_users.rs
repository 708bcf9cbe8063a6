//! A main user's sub users in the web client: listing, creating, their
//! permissions (never more than [`access::offered_to_sub`], checked inside
//! the write transaction after locking the main user's row), passwords and
//! deletion. The caller checked that the client is a main user holding the
//! action's `users-*` permission, and that a Login as User session does not
//! create sub users or set their passwords or permissions
//! ([`ClientUser::refuse_impersonated`]).

use crate::backend::entities::{client_sessions, user_permissions, users as user_rows};
use crate::backend::keyset::{Plan, PAGE_SIZE};
use crate::backend::services::{access, audit, users};
use crate::backend::subscriber_auth::ClientUser;
use crate::backend::{fmt, password, sql, AppState};
use crate::error::AppError;
use crate::permissions::looks_like_user_permission;
use crate::types::subscriber::{ClientSubUser, PermissionOption};
use crate::types::{Page, TableQuery, UserKind, UserStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::BTreeSet;

/// The permissions a main user may hand to its sub users, as the web
/// client's form lists them: exactly [`access::offered_to_sub`], in the
/// console's groups, order and labels (so never the Sub users group).
pub async fn grantable<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<Vec<PermissionOption>, AppError> {
    let catalogue = access::Catalogue::load(db).await?;
    let groups = access::sub_user_groups(db, &catalogue, main_id, &BTreeSet::new()).await?;
    Ok(groups
        .into_iter()
        .flat_map(|g| {
            let group = g.label;
            g.items.into_iter().map(move |i| PermissionOption {
                slug: i.slug,
                label: i.label,
                group: group.clone(),
            })
        })
        .collect())
}

/// Checks a requested permission set against what the main user may grant
/// ([`access::offered_to_sub`]); 422 naming `permissions` (and the offending
/// slugs) otherwise. Call it inside the write transaction after
/// [`users::lock_main`].
async fn checked_permissions<C: ConnectionTrait>(db: &C, main_id: i64, requested: &[String]) -> Result<BTreeSet<String>, AppError> {
    let catalogue = access::Catalogue::load(db).await?;
    let allowed = access::offered_to_sub(db, &catalogue, main_id).await?;
    let requested: BTreeSet<String> = requested.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let refused: Vec<&str> = requested.iter().filter(|s| !allowed.contains(*s)).map(String::as_str).collect();
    if !refused.is_empty() {
        let what = if refused.iter().all(|s| looks_like_user_permission(s)) {
            "more than your own rights (or analytics without licences)"
        } else {
            "unknown permissions"
        };
        return Err(AppError::invalid("permissions", format!("{what}: {}", refused.join(", "))));
    }
    Ok(requested)
}

/// The main user's sub users with their permissions, one keyset page.
pub async fn page<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientSubUser>, AppError> {
    let plan = Plan::new(users::USER_SORTS, "u.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT u.id, u.name, u.login, u.created_at, {} FROM users u WHERE u.parent_id = $1",
        plan.select_sql()
    );
    let mut page = plan
        .fetch(db, &sql, vec![client.id.into()], |r: users::UserBasics| ClientSubUser {
            id: r.id,
            name: r.name,
            login: r.login,
            created_at: fmt::datetime(r.created_at, chrono_tz::UTC),
            permissions: vec![],
        })
        .await?;
    if !page.rows.is_empty() {
        let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
        let perms = user_permissions::Entity::find()
            .filter(user_permissions::Column::UserId.is_in(ids))
            .all(db)
            .await?;
        for row in &mut page.rows {
            row.permissions = perms.iter().filter(|p| p.user_id == row.id).map(|p| p.slug.clone()).collect();
            row.permissions.sort();
        }
    }
    Ok(page)
}

fn valid_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 || password.len() > 200 {
        return Err(AppError::invalid("password", "use at least 8 characters"));
    }
    Ok(())
}

/// The sign-up form of a sub user.
pub struct NewSubUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub permissions: &'a [String],
}

/// Creates a sub user of the (main user) client, granted no more than
/// [`access::offered_to_sub`].
pub async fn create(state: &AppState, client: &ClientUser, new: NewSubUser<'_>) -> Result<i64, AppError> {
    let login = new.login.trim();
    users::valid_login(login)?;
    let name = new.name.trim();
    users::valid_name(name)?;
    valid_password(new.password)?;
    let hash = password::hash_async(new.password.to_string()).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    // Checked inside the transaction, after locking the main user: checked
    // before it, a concurrent Access save could take a permission away (and
    // trim the existing sub users) between the check and this insert.
    users::lock_main(&*txn, client.id).await?;
    let perms = checked_permissions(&*txn, client.id, new.permissions).await?;
    let taken = user_rows::Entity::find()
        .filter(user_rows::Column::Login.eq(login))
        .one(&*txn)
        .await?
        .is_some();
    if taken {
        return Err(AppError::invalid("login", "this login is already taken"));
    }
    let id = user_rows::Entity::insert(user_rows::ActiveModel {
        kind: Set(UserKind::Sub.slug().into()),
        status: Set(UserStatus::Active.slug().into()),
        parent_id: Set(Some(client.id)),
        login: Set(login.to_string()),
        password_hash: Set(hash),
        name: Set(name.to_string()),
        properties: Set("{}".into()),
        sync_version: Set(0),
        permissions_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&*txn)
    .await?
    .last_insert_id;
    insert_permissions(&*txn, id, &perms).await?;
    let detail = serde_json::json!({ "sub_user_id": id, "login": login, "permissions": perms });
    audit::record(&*txn, client.audit_entry("client.sub_user.create", detail), now).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert_permissions<C: ConnectionTrait>(db: &C, user_id: i64, perms: &BTreeSet<String>) -> Result<(), AppError> {
    if perms.is_empty() {
        return Ok(());
    }
    user_permissions::Entity::insert_many(perms.iter().map(|slug| user_permissions::ActiveModel {
        user_id: Set(user_id),
        slug: Set(slug.clone()),
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Replaces a sub user's permissions, granting no more than
/// [`access::offered_to_sub`].
pub async fn set_permissions(state: &AppState, client: &ClientUser, sub_id: i64, permissions: &[String]) -> Result<(), AppError> {
    let now = state.clock.now();
    let txn = state.write().await?;
    users::lock_main(&*txn, client.id).await?;
    let sub = users::find_sub(&*txn, client.id, sub_id).await?;
    let perms = checked_permissions(&*txn, client.id, permissions).await?;
    user_permissions::Entity::delete_many()
        .filter(user_permissions::Column::UserId.eq(sub.id))
        .exec(&*txn)
        .await?;
    insert_permissions(&*txn, sub.id, &perms).await?;
    sql::exec(
        &*txn,
        "UPDATE users SET permissions_version = permissions_version + 1, updated_at = $2 WHERE id = $1",
        vec![sub.id.into(), now.into()],
    )
    .await?;
    let detail = serde_json::json!({ "sub_user_id": sub.id, "permissions": perms });
    audit::record(&*txn, client.audit_entry("client.sub_user.permissions", detail), now).await?;
    Ok(txn.commit().await?)
}

/// Deletes a sub user of the client.
pub async fn delete(state: &AppState, client: &ClientUser, sub_id: i64) -> Result<(), AppError> {
    let now = state.clock.now();
    let txn = state.write().await?;
    let sub = users::find_sub(&*txn, client.id, sub_id).await?;
    user_rows::Entity::delete_by_id(sub.id).exec(&*txn).await?;
    let detail = serde_json::json!({ "sub_user_id": sub.id, "login": sub.login });
    audit::record(&*txn, client.audit_entry("client.sub_user.delete", detail), now).await?;
    Ok(txn.commit().await?)
}

/// Sets a sub user's password and ends its open sessions.
pub async fn set_password(state: &AppState, client: &ClientUser, sub_id: i64, new_password: &str) -> Result<(), AppError> {
    valid_password(new_password)?;
    let hash = password::hash_async(new_password.to_string()).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    let sub = users::find_sub(&*txn, client.id, sub_id).await?;
    let mut row: user_rows::ActiveModel = sub.clone().into();
    row.password_hash = Set(hash);
    row.updated_at = Set(now);
    user_rows::Entity::update(row).exec(&*txn).await?;
    client_sessions::Entity::delete_many()
        .filter(client_sessions::Column::UserId.eq(sub.id))
        .exec(&*txn)
        .await?;
    let detail = serde_json::json!({ "sub_user_id": sub.id });
    audit::record(&*txn, client.audit_entry("client.sub_user.password", detail), now).await?;
    Ok(txn.commit().await?)
}
