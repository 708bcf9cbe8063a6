//! Saving a subscriber's permissions: the Access settings tab of any user
//! and a sub user's permissions from its main user's Sub users tab.
//!
//! Rules (permissions.md): slugs come from the catalogue
//! ([`crate::permissions`] plus `analytic-cases-<type>` per analytics type);
//! a sub user never holds more than its main user, and of the analytics types
//! only those whose level the main user holds licences for; taking a
//! permission from a main user takes it from its sub users. Two
//! administrators saving at once cannot overwrite each other: a save names
//! the `permissions_version` it was based on and fails with 409 when it moved.

use super::licences::{licensed_levels, rows};
use super::users;
use crate::error::AppError;
use crate::permissions::{admin::SUBUSERS_EDIT, ANALYTIC_CASES_PREFIX, USER_PERMISSION_GROUPS};
use crate::server::auth::{db_err, Admin};
use crate::server::entities::users::Model as UserModel;
use crate::server::fmt;
use crate::server::state::AppState;
use crate::types::access::{AccessSaved, SubUserAccess};
use crate::types::card::{PermissionGroup, PermissionItem};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement, Value};
use std::collections::BTreeSet;

/// More slugs than this in one request is not a form an administrator sent.
const MAX_SLUGS: usize = 500;

/// The permission catalogue with its data-driven part (analytics types).
pub struct Catalogue {
    /// `analytic-cases-<type>` → (label, level id), in display order.
    pub analytics: Vec<(String, String, i64)>,
}

impl Catalogue {
    pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Self, AppError> {
        let found = rows(
            db,
            "SELECT t.slug, t.name, t.level_id, l.name AS level FROM analytics_types t \
             JOIN analytics_levels l ON l.id = t.level_id ORDER BY l.position, t.name",
            vec![],
        )
        .await?;
        let analytics = found
            .iter()
            .map(|r| {
                let slug: String = r.try_get("", "slug")?;
                let name: String = r.try_get("", "name")?;
                let level: String = r.try_get("", "level")?;
                Ok((
                    format!("{ANALYTIC_CASES_PREFIX}{slug}"),
                    format!("{name} ({level})"),
                    r.try_get("", "level_id")?,
                ))
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(db_err)?;
        Ok(Self { analytics })
    }

    pub fn contains(&self, slug: &str) -> bool {
        crate::permissions::fixed_user_slugs().any(|s| s == slug) || self.analytics.iter().any(|(s, _, _)| s == slug)
    }

    /// The level an `analytic-cases-<type>` slug belongs to.
    pub fn level_of(&self, slug: &str) -> Option<i64> {
        self.analytics.iter().find(|(s, _, _)| s == slug).map(|(_, _, l)| *l)
    }

    fn label_of(&self, slug: &str) -> String {
        USER_PERMISSION_GROUPS
            .iter()
            .flat_map(|(_, items)| items.iter())
            .find(|(s, _)| *s == slug)
            .map(|(_, l)| l.to_string())
            .or_else(|| self.analytics.iter().find(|(s, _, _)| s == slug).map(|(_, l, _)| l.clone()))
            .unwrap_or_else(|| slug.to_string())
    }

    /// Grouped checkboxes of the slugs `offered` lets through, checked as in `held`.
    pub fn groups(&self, offered: impl Fn(&str) -> bool, held: &BTreeSet<String>) -> Vec<PermissionGroup> {
        let item = |slug: &str, label: &str| PermissionItem {
            slug: slug.to_string(),
            label: label.to_string(),
            checked: held.contains(slug),
        };
        let mut groups: Vec<PermissionGroup> = USER_PERMISSION_GROUPS
            .iter()
            .map(|(label, items)| PermissionGroup {
                label: label.to_string(),
                items: items.iter().filter(|(s, _)| offered(s)).map(|(s, l)| item(s, l)).collect(),
            })
            .collect();
        groups.push(PermissionGroup {
            label: "Analytics types".into(),
            items: self
                .analytics
                .iter()
                .filter(|(s, _, _)| offered(s))
                .map(|(s, l, _)| item(s, l))
                .collect(),
        });
        groups
    }
}

/// The slugs a user holds.
pub async fn held<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<BTreeSet<String>, AppError> {
    rows(db, "SELECT slug FROM user_permissions WHERE user_id = $1", vec![user_id.into()])
        .await?
        .iter()
        .map(|r| r.try_get::<String>("", "slug").map_err(db_err))
        .collect()
}

/// What a main user may pass on to its sub users: its own permissions, with
/// analytics types only of levels it holds licences for.
pub async fn offered_to_sub<C: ConnectionTrait>(db: &C, catalogue: &Catalogue, main_user_id: i64) -> Result<BTreeSet<String>, AppError> {
    let licensed = licensed_levels(db, main_user_id).await?;
    Ok(held(db, main_user_id)
        .await?
        .into_iter()
        .filter(|s| match catalogue.level_of(s) {
            Some(level) => licensed.contains(&level),
            None => catalogue.contains(s),
        })
        .collect())
}

/// Writes one audit row.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    admin_id: i64,
    user_id: i64,
    action: &str,
    detail: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO audit_log (admin_id, user_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
        vec![
            admin_id.into(),
            user_id.into(),
            action.into(),
            detail.to_string().into(),
            now.into(),
        ],
    ))
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The sub user `sub_id` of `main`, or 404.
async fn find_sub<C: ConnectionTrait>(db: &C, main: &UserModel, sub_id: i64) -> Result<UserModel, AppError> {
    crate::server::entities::users::Entity::find_by_id(sub_id)
        .one(db)
        .await
        .map_err(db_err)?
        .filter(|s| s.parent_id == Some(main.id))
        .ok_or_else(|| AppError::not_found("Sub user"))
}

/// A sub user's permissions for the editor on its main user's Sub users tab.
pub async fn sub_user_access<C: ConnectionTrait>(db: &C, admin: &Admin, main_id: i64, sub_id: i64) -> Result<SubUserAccess, AppError> {
    let main = users::find_visible(db, admin, main_id).await?;
    let sub = find_sub(db, &main, sub_id).await?;
    let catalogue = Catalogue::load(db).await?;
    let offered = offered_to_sub(db, &catalogue, main.id).await?;
    let held = held(db, sub.id).await?;
    Ok(SubUserAccess {
        sub_user_id: sub.id,
        name: sub.name,
        login: sub.login,
        permissions_version: sub.permissions_version,
        can_edit: admin.can(SUBUSERS_EDIT),
        groups: catalogue.groups(|s| offered.contains(s), &held),
    })
}

/// Saves the Access settings tab of any user (the caller checked
/// `users.access.edit`). A sub user's save is bounded like
/// [`save_sub_user`].
pub async fn save_user(state: &AppState, admin: &Admin, user_id: i64, slugs: Vec<String>, version: i64) -> Result<AccessSaved, AppError> {
    let user = users::find_visible(&state.db, admin, user_id).await?;
    apply(state, admin, &user, slugs, version, "access.save").await
}

/// Saves a sub user's permissions from its main user's Sub users tab (the
/// caller checked `subusers.edit`). 404 when the sub user is not the main
/// user's.
pub async fn save_sub_user(
    state: &AppState,
    admin: &Admin,
    main_id: i64,
    sub_id: i64,
    slugs: Vec<String>,
    version: i64,
) -> Result<AccessSaved, AppError> {
    let main = users::find_visible(&state.db, admin, main_id).await?;
    let sub = find_sub(&state.db, &main, sub_id).await?;
    apply(state, admin, &sub, slugs, version, "subuser.access.save").await
}

/// Validated against the catalogue, de-duplicated.
fn known(catalogue: &Catalogue, slugs: Vec<String>) -> Result<BTreeSet<String>, AppError> {
    if slugs.len() > MAX_SLUGS {
        return Err(AppError::invalid("permissions", "too many permissions in one request"));
    }
    let mut out = BTreeSet::new();
    for s in slugs {
        let s = s.trim().to_string();
        if !catalogue.contains(&s) {
            let shown: String = s.chars().take(60).collect();
            return Err(AppError::invalid("permissions", format!("unknown permission “{shown}”")));
        }
        out.insert(s);
    }
    Ok(out)
}

fn sql(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

/// The one save path: precondition, bounds, replace, cascade, audit — in one
/// transaction.
async fn apply(
    state: &AppState,
    admin: &Admin,
    target: &UserModel,
    slugs: Vec<String>,
    version: i64,
    action: &str,
) -> Result<AccessSaved, AppError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let wanted = known(&catalogue, slugs)?;
    let now = state.clock.now();
    let txn = state.write().await.map_err(db_err)?;
    let db = &*txn;
    if let Some(main_id) = target.parent_id {
        // Lock the main user first (a main-user save locks it too, by its
        // version update), so its permissions cannot shrink under us.
        if db.get_database_backend() == DbBackend::Postgres {
            db.query_all_raw(sql(db, "SELECT id FROM users WHERE id = $1 FOR UPDATE", vec![main_id.into()]))
                .await
                .map_err(db_err)?;
        }
        let offered = offered_to_sub(db, &catalogue, main_id).await?;
        let licensed = licensed_levels(db, main_id).await?;
        if let Some(bad) = wanted.iter().find(|s| !offered.contains(*s)) {
            let label = catalogue.label_of(bad);
            let message = match catalogue.level_of(bad) {
                Some(level) if !licensed.contains(&level) => {
                    format!("“{label}” is not offered: the main user holds no licences of that level")
                }
                _ => format!("“{label}” is more than the main user has"),
            };
            return Err(AppError::invalid("permissions", message));
        }
    }
    let bumped = db
        .execute_raw(sql(
            db,
            "UPDATE users SET permissions_version = permissions_version + 1 WHERE id = $1 AND permissions_version = $2",
            vec![target.id.into(), version.into()],
        ))
        .await
        .map_err(db_err)?;
    if bumped.rows_affected() == 0 {
        return Err(conflict(db, admin, target.id).await);
    }
    let before = held(db, target.id).await?;
    let added: Vec<String> = wanted.difference(&before).cloned().collect();
    let removed: Vec<String> = before.difference(&wanted).cloned().collect();
    for chunk in removed.chunks(100) {
        let mut values: Vec<Value> = vec![target.id.into()];
        values.extend(chunk.iter().map(|s| Value::from(s.clone())));
        let list = (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        db.execute_raw(sql(
            db,
            &format!("DELETE FROM user_permissions WHERE user_id = $1 AND slug IN ({list})"),
            values,
        ))
        .await
        .map_err(db_err)?;
    }
    if !added.is_empty() {
        let rows_: Vec<Vec<Value>> = added.iter().map(|s| vec![target.id.into(), s.clone().into()]).collect();
        crate::server::bulk::insert(db, "user_permissions", &["user_id", "slug"], rows_)
            .await
            .map_err(db_err)?;
    }
    let trimmed = if target.parent_id.is_none() && !removed.is_empty() {
        trim_sub_users(db, target.id).await?
    } else {
        0
    };
    let mut detail = serde_json::json!({ "added": added, "removed": removed, "sub_users_trimmed": trimmed });
    if let Some(main_id) = target.parent_id {
        detail["main_user_id"] = main_id.into();
    }
    audit(db, admin.id, target.id, action, &detail, now).await?;
    txn.commit().await.map_err(db_err)?;
    Ok(AccessSaved {
        permissions_version: version + 1,
        added,
        removed,
        sub_users_trimmed: trimmed,
    })
}

/// Takes from a main user's sub users whatever the main user no longer
/// holds; their versions move so open editors see the change. Returns how
/// many sub users lost something.
async fn trim_sub_users<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<u64, AppError> {
    const EXCESS: &str = "FROM user_permissions WHERE user_id IN (SELECT id FROM users WHERE parent_id = $1) \
                          AND slug NOT IN (SELECT slug FROM user_permissions WHERE user_id = $1)";
    let affected: Vec<i64> = rows(db, &format!("SELECT DISTINCT user_id {EXCESS}"), vec![main_id.into()])
        .await?
        .iter()
        .map(|r| r.try_get::<i64>("", "user_id").map_err(db_err))
        .collect::<Result<_, _>>()?;
    if affected.is_empty() {
        return Ok(0);
    }
    db.execute_raw(sql(db, &format!("DELETE {EXCESS}"), vec![main_id.into()]))
        .await
        .map_err(db_err)?;
    for chunk in affected.chunks(500) {
        let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        db.execute_raw(sql(
            db,
            &format!("UPDATE users SET permissions_version = permissions_version + 1 WHERE id IN ({list})"),
            chunk.iter().map(|id| Value::from(*id)).collect(),
        ))
        .await
        .map_err(db_err)?;
    }
    Ok(affected.len() as u64)
}

/// The 409 of a stale save, saying who saved last and when.
async fn conflict<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> AppError {
    let last = rows(
        db,
        "SELECT a.created_at, ad.name FROM audit_log a LEFT JOIN admins ad ON ad.id = a.admin_id \
         WHERE a.user_id = $1 AND a.action IN ('access.save', 'subuser.access.save') ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
        vec![user_id.into()],
    )
    .await
    .ok()
    .and_then(|r| r.into_iter().next());
    let when = last
        .as_ref()
        .and_then(|r| r.try_get::<DateTime<Utc>>("", "created_at").ok())
        .map(|t| fmt::datetime(t, admin.time_zone));
    let who = last.as_ref().and_then(|r| r.try_get::<Option<String>>("", "name").ok().flatten());
    AppError::conflict(match (who, when) {
        (Some(who), Some(when)) => {
            format!("Another administrator ({who}) saved these settings at {when}; the current settings are shown.")
        }
        (None, Some(when)) => format!("Another administrator saved these settings at {when}; the current settings are shown."),
        _ => "These settings were changed meanwhile; the current settings are shown.".to_string(),
    })
}
