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

use super::licences::licensed_levels;
use super::users;
use crate::backend::auth::Admin;
use crate::backend::entities::users::Model as UserModel;
use crate::backend::state::AppState;
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::permissions::{admin::SUBUSERS_EDIT, sub_user_may_hold, ANALYTIC_CASES_PREFIX};
use crate::types::access::{AccessSaved, SubUserAccess};
use crate::types::card::{PermissionGroup, PermissionItem};
use crate::types::catalogue::{PermissionGroupName, UserPermission};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
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
        #[derive(FromQueryResult)]
        struct Type {
            slug: String,
            name: String,
            level_id: i64,
            level: String,
        }
        let found = sql::rows::<Type, _>(
            db,
            "SELECT t.slug, t.name, t.level_id, l.name AS level FROM analytics_types t \
             JOIN analytics_levels l ON l.id = t.level_id ORDER BY l.position, t.name",
            vec![],
        )
        .await?;
        let analytics = found
            .into_iter()
            .map(|t| {
                (
                    format!("{ANALYTIC_CASES_PREFIX}{}", t.slug),
                    format!("{} ({})", t.name, t.level),
                    t.level_id,
                )
            })
            .collect();
        Ok(Self { analytics })
    }

    pub fn contains(&self, slug: &str) -> bool {
        UserPermission::parse(slug).is_some() || self.analytics.iter().any(|(s, _, _)| s == slug)
    }

    /// The level an `analytic-cases-<type>` slug belongs to.
    pub fn level_of(&self, slug: &str) -> Option<i64> {
        self.analytics.iter().find(|(s, _, _)| s == slug).map(|(_, _, l)| *l)
    }

    fn label_of(&self, slug: &str) -> String {
        UserPermission::parse(slug)
            .map(|p| p.label().to_string())
            .or_else(|| self.analytics.iter().find(|(s, _, _)| s == slug).map(|(_, l, _)| l.clone()))
            .unwrap_or_else(|| slug.to_string())
    }

    /// Grouped checkboxes of the slugs `offered` lets through, checked as
    /// in `held`; for a sub user (`to_sub`) without the groups never offered
    /// to one.
    pub fn groups(&self, offered: impl Fn(&str) -> bool, held: &BTreeSet<String>, to_sub: bool) -> Vec<PermissionGroup> {
        let item = |slug: &str, label: &str| PermissionItem {
            slug: slug.to_string(),
            label: label.to_string(),
            checked: held.contains(slug),
        };
        let mut groups: Vec<PermissionGroup> = PermissionGroupName::ALL
            .iter()
            .filter(|g| !to_sub || g.offered_to_sub())
            .map(|g| PermissionGroup {
                label: g.label().to_string(),
                items: g.items().filter(|p| offered(p.slug())).map(|p| item(p.slug(), p.label())).collect(),
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
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    Ok(
        sql::rows::<Slug, _>(db, "SELECT slug FROM user_permissions WHERE user_id = $1", vec![user_id.into()])
            .await?
            .into_iter()
            .map(|r| r.slug)
            .collect(),
    )
}

/// What a main user may pass on to its sub users: its own permissions, with
/// analytics types only of levels it holds licences for, and never the Sub
/// users group (sub users do not manage sub users). The one rule behind the
/// sub user's own Access settings tab, its main user's Sub users tab and
/// the server's refusal of anything else.
pub async fn offered_to_sub<C: ConnectionTrait>(db: &C, catalogue: &Catalogue, main_user_id: i64) -> Result<BTreeSet<String>, AppError> {
    // One statement (a card tab page has three): the main user's slugs,
    // analytics types only where the type's level has licences
    // (`licences::licensed_levels`' rule).
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    let found = sql::rows::<Slug, _>(
        db,
        &format!(
            "SELECT p.slug FROM user_permissions p WHERE p.user_id = $1 AND (p.slug NOT LIKE '{ANALYTIC_CASES_PREFIX}%' \
             OR EXISTS (SELECT 1 FROM analytics_types t JOIN licence_allocations la ON la.level_id = t.level_id \
             WHERE '{ANALYTIC_CASES_PREFIX}' || t.slug = p.slug AND la.user_id = $1 AND la.total > 0))"
        ),
        vec![main_user_id.into()],
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|r| r.slug)
        .filter(|s| sub_user_may_hold(s) && catalogue.contains(s))
        .collect())
}

/// A sub user's grouped checkboxes, offering exactly [`offered_to_sub`]
/// (the Sub users group left out altogether), checked as in `held`.
pub async fn sub_user_groups<C: ConnectionTrait>(
    db: &C,
    catalogue: &Catalogue,
    main_user_id: i64,
    held: &BTreeSet<String>,
) -> Result<Vec<PermissionGroup>, AppError> {
    let offered = offered_to_sub(db, catalogue, main_user_id).await?;
    Ok(catalogue.groups(|s| offered.contains(s), held, true))
}

/// A sub user's permissions for the editor on its main user's Sub users tab.
pub async fn sub_user_access<C: ConnectionTrait>(db: &C, admin: &Admin, main_id: i64, sub_id: i64) -> Result<SubUserAccess, AppError> {
    let main = users::find_visible(db, admin, main_id).await?;
    let sub = users::find_sub(db, main.id, sub_id).await?;
    let catalogue = Catalogue::load(db).await?;
    let held = held(db, sub.id).await?;
    let groups = sub_user_groups(db, &catalogue, main.id, &held).await?;
    Ok(SubUserAccess {
        sub_user_id: sub.id,
        name: sub.name,
        login: sub.login,
        permissions_version: sub.permissions_version,
        can_edit: admin.can(SUBUSERS_EDIT),
        groups,
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
    let sub = users::find_sub(&state.db, main.id, sub_id).await?;
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
    let txn = state.write().await?;
    let db = &*txn;
    if let Some(main_id) = target.parent_id {
        // Lock the main user first (a main-user save locks it too, by its
        // version update), so its permissions cannot shrink under us.
        users::lock_main(db, main_id).await?;
        let offered = offered_to_sub(db, &catalogue, main_id).await?;
        let licensed = licensed_levels(db, main_id).await?;
        if let Some(bad) = wanted.iter().find(|s| !offered.contains(*s)) {
            let label = catalogue.label_of(bad);
            let message = match catalogue.level_of(bad) {
                Some(level) if !licensed.contains(&level) => {
                    format!("“{label}” is not offered: the main user holds no licences of that level")
                }
                _ if !sub_user_may_hold(bad) => format!("“{label}” is not offered: sub users do not manage sub users"),
                _ => format!("“{label}” is more than the main user has"),
            };
            return Err(AppError::invalid("permissions", message));
        }
    }
    let bumped = sql::exec(
        db,
        "UPDATE users SET permissions_version = permissions_version + 1 WHERE id = $1 AND permissions_version = $2",
        vec![target.id.into(), version.into()],
    )
    .await?;
    if bumped == 0 {
        return Err(conflict(db, admin, target.id).await);
    }
    let before = held(db, target.id).await?;
    let added: Vec<String> = wanted.difference(&before).cloned().collect();
    let removed: Vec<String> = before.difference(&wanted).cloned().collect();
    for chunk in removed.chunks(100) {
        let mut values: Vec<Value> = vec![target.id.into()];
        values.extend(chunk.iter().map(|s| Value::from(s.clone())));
        let list = (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        sql::exec(
            db,
            format!("DELETE FROM user_permissions WHERE user_id = $1 AND slug IN ({list})"),
            values,
        )
        .await?;
    }
    if !added.is_empty() {
        let rows_: Vec<Vec<Value>> = added.iter().map(|s| vec![target.id.into(), s.clone().into()]).collect();
        crate::backend::bulk::insert(db, "user_permissions", &["user_id", "slug"], rows_).await?;
    }
    let trimmed = if target.parent_id.is_none() && !removed.is_empty() {
        let lost = "slug NOT IN (SELECT slug FROM user_permissions WHERE user_id = $1)";
        trim_sub_users(db, lost, vec![target.id.into()]).await?
    } else {
        0
    };
    let mut detail = serde_json::json!({ "added": added, "removed": removed, "sub_users_trimmed": trimmed });
    if let Some(main_id) = target.parent_id {
        detail["main_user_id"] = main_id.into();
    }
    super::audit::record(
        db,
        super::audit::Entry {
            admin_id: Some(admin.id),
            action,
            user_id: Some(target.id),
            detail,
            before: Some(serde_json::json!(before)),
            after: Some(serde_json::json!(wanted)),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(AccessSaved {
        permissions_version: version + 1,
        added,
        removed,
        sub_users_trimmed: trimmed,
    })
}

/// Takes from the sub users of the main user `$1` the permissions that
/// `condition` (on `user_permissions` rows, with `values`) names: whatever
/// the main user no longer holds, or a level it lost the licences of. Their
/// versions move so open editors see the change. Returns how many sub users
/// lost something.
pub async fn trim_sub_users<C: ConnectionTrait>(db: &C, condition: &str, values: Vec<Value>) -> Result<u64, AppError> {
    let excess = format!("FROM user_permissions WHERE user_id IN (SELECT id FROM users WHERE parent_id = $1) AND {condition}");
    let affected: Vec<i64> = sql::rows::<sql::Id, _>(db, format!("SELECT DISTINCT user_id AS id {excess}"), values.clone())
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if affected.is_empty() {
        return Ok(0);
    }
    sql::exec(db, format!("DELETE {excess}"), values).await?;
    for chunk in affected.chunks(500) {
        let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        sql::exec(
            db,
            format!("UPDATE users SET permissions_version = permissions_version + 1 WHERE id IN ({list})"),
            chunk.iter().map(|id| Value::from(*id)).collect(),
        )
        .await?;
    }
    Ok(affected.len() as u64)
}

/// The 409 of a stale save, saying who saved last and when.
async fn conflict<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> AppError {
    #[derive(FromQueryResult)]
    struct Last {
        created_at: DateTime<Utc>,
        name: Option<String>,
    }
    // Best effort: the 409 stands even when this lookup fails.
    let last = sql::row::<Last, _>(
        db,
        "SELECT a.created_at, ad.name FROM audit_log a LEFT JOIN admins ad ON ad.id = a.admin_id \
         WHERE a.user_id = $1 AND a.action IN ('access.save', 'subuser.access.save') ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
        vec![user_id.into()],
    )
    .await
    .ok()
    .flatten();
    let when = last.as_ref().map(|r| fmt::datetime(r.created_at, admin.time_zone));
    let who = last.and_then(|r| r.name);
    AppError::conflict(match (who, when) {
        (Some(who), Some(when)) => {
            format!("Another administrator ({who}) saved these settings at {when}; the current settings are shown.")
        }
        (None, Some(when)) => format!("Another administrator saved these settings at {when}; the current settings are shown."),
        _ => "These settings were changed meanwhile; the current settings are shown.".to_string(),
    })
}
