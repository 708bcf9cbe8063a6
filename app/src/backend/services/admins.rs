//! Administrators managed from the console (`/admins`): list and search,
//! create, enable or disable, reset a password, set permissions and camera
//! scope. The caller checked `admins.manage`; this module enforces the rest
//! (permissions.md): nobody grants what they do not hold, widens a scope
//! beyond their own, edits an administrator stronger than themselves, or
//! disables themselves — each refused with 403 before anything changes.
//! Every change names the administrator's `version` it was based on (409
//! when it moved) and writes an audit row in the same transaction.
//! Disabling ends the administrator's console sessions, the web-client
//! sessions it opened with Login as User, and (through a notice) its open
//! event streams; permission and scope changes apply on its next request,
//! since every request loads them afresh.

use super::audit::{self, Entry};
use super::locations;
use super::users::{valid_login, valid_name};
use crate::backend::auth::{self, Admin};
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::state::{AppState, Notice};
use crate::backend::{fmt, password, sql};
use crate::error::AppError;
use crate::permissions::admin as perms;
use crate::types::admins::{AdminCreated, AdminDetail, AdminRow, LocationOption};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::{BTreeSet, HashMap};

/// More scope locations than this in one administrator is not a form.
const MAX_SCOPE: usize = 100;

const SORTS: &[SortKey] = &[
    SortKey::text("name", "a.name"),
    SortKey::text("login", "a.login"),
    SortKey::int("id", "a.id"),
    SortKey::ts("created", "a.created_at").desc(),
];

/// An administrator as an editor sees it: disabled ones included.
#[derive(Debug, Clone)]
pub struct Target {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub is_super: bool,
    pub disabled: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub permissions: BTreeSet<String>,
    /// (location id, materialised path).
    pub scope: Vec<(i64, String)>,
}

#[derive(FromQueryResult)]
struct AdminBase {
    id: i64,
    login: String,
    name: String,
    is_super: bool,
    disabled: bool,
    version: i64,
    created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct PermRow {
    admin_id: i64,
    slug: String,
}

#[derive(FromQueryResult)]
struct ScopeRow {
    admin_id: i64,
    location_id: i64,
    path: String,
}

fn id_list(n: usize, from: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// Permissions and scopes of `ids`, each keyed by administrator.
async fn rights<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> Result<(HashMap<i64, BTreeSet<String>>, HashMap<i64, Vec<(i64, String)>>), AppError> {
    let mut p: HashMap<i64, BTreeSet<String>> = HashMap::new();
    let mut s: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    if ids.is_empty() {
        return Ok((p, s));
    }
    let values: Vec<Value> = ids.iter().map(|id| Value::from(*id)).collect();
    let list = id_list(ids.len(), 1);
    for r in sql::rows::<PermRow, _>(
        db,
        format!("SELECT admin_id, slug FROM admin_permissions WHERE admin_id IN ({list})"),
        values.clone(),
    )
    .await?
    {
        p.entry(r.admin_id).or_default().insert(r.slug);
    }
    for r in sql::rows::<ScopeRow, _>(
        db,
        format!(
            "SELECT sc.admin_id, sc.location_id, l.path FROM admin_scopes sc JOIN locations l ON l.id = sc.location_id \
             WHERE sc.admin_id IN ({list}) ORDER BY l.path"
        ),
        values,
    )
    .await?
    {
        s.entry(r.admin_id).or_default().push((r.location_id, r.path));
    }
    Ok((p, s))
}

/// Loads an administrator (disabled or not), or 404.
pub async fn load<C: ConnectionTrait>(db: &C, id: i64) -> Result<Target, AppError> {
    let base = sql::row::<AdminBase, _>(
        db,
        "SELECT id, login, name, is_super, disabled, version, created_at FROM admins WHERE id = $1",
        vec![id.into()],
    )
    .await?
    .ok_or_else(|| AppError::not_found("Administrator"))?;
    let (mut p, mut s) = rights(db, &[id]).await?;
    Ok(Target {
        id: base.id,
        login: base.login,
        name: base.name,
        is_super: base.is_super,
        disabled: base.disabled,
        version: base.version,
        created_at: base.created_at,
        permissions: p.remove(&id).unwrap_or_default(),
        scope: s.remove(&id).unwrap_or_default(),
    })
}

/// Why `editor` may not edit `target` (it exceeds the editor), if it may not.
pub fn exceeds(editor: &Admin, target: &Target) -> Option<String> {
    if editor.is_super {
        return None;
    }
    if target.is_super {
        return Some("This is a super-administrator; only a super-administrator can change it.".into());
    }
    if let Some(p) = target.permissions.iter().find(|p| !editor.can(p)) {
        return Some(format!(
            "This administrator holds “{}”, which you do not hold; you cannot change it.",
            perms::label(p)
        ));
    }
    if target.scope.iter().any(|(_, path)| !locations::within(editor, path)) {
        return Some("This administrator's camera scope is wider than yours; you cannot change it.".into());
    }
    None
}

fn refuse_if_exceeds(editor: &Admin, target: &Target) -> Result<(), AppError> {
    match exceeds(editor, target) {
        Some(reason) => Err(AppError::refused(reason)),
        None => Ok(()),
    }
}

/// Validated permission slugs: unknown ones are a 422, ones the editor does
/// not hold a 403.
fn grantable(editor: &Admin, slugs: &[String]) -> Result<BTreeSet<String>, AppError> {
    if slugs.len() > perms::ALL.len() * 2 {
        return Err(AppError::invalid("permissions", "too many permissions in one request"));
    }
    let mut out = BTreeSet::new();
    for s in slugs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !perms::is_known(s) {
            let shown: String = s.chars().take(60).collect();
            return Err(AppError::invalid("permissions", format!("unknown permission “{shown}”")));
        }
        if !editor.can(s) {
            return Err(AppError::refused(format!(
                "You cannot grant “{}”: you do not hold it yourself.",
                perms::label(s)
            )));
        }
        out.insert(s.to_string());
    }
    Ok(out)
}

/// Validated scope locations: unknown ones are a 422, ones outside the
/// editor's scope a 403. Returns (id, label) in the order given, deduplicated.
async fn scope_within<C: ConnectionTrait>(db: &C, editor: &Admin, ids: &[i64]) -> Result<Vec<(i64, String)>, AppError> {
    if ids.len() > MAX_SCOPE {
        return Err(AppError::invalid("scope", format!("at most {MAX_SCOPE} locations")));
    }
    let mut unique: Vec<i64> = vec![];
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let found = locations::describe(db, &unique, "scope").await?;
    let mut out = vec![];
    for (o, path) in found {
        if !locations::within(editor, &path) {
            return Err(AppError::refused(format!(
                "You cannot give the scope “{}”: it is outside your own camera scope.",
                o.label
            )));
        }
        out.push((o.id, o.label));
    }
    Ok(out)
}

/// Moves the version from `version`; 409 when another save moved it first.
async fn bump<C: ConnectionTrait>(db: &C, id: i64, version: i64) -> Result<i64, AppError> {
    let n = sql::exec(
        db,
        "UPDATE admins SET version = version + 1 WHERE id = $1 AND version = $2",
        vec![id.into(), version.into()],
    )
    .await?;
    if n == 0 {
        return Err(AppError::conflict(
            "Another administrator changed this administrator meanwhile; the current settings are shown.",
        ));
    }
    Ok(version + 1)
}

/// Labels of scope locations, for the audit log's before and after.
async fn scope_labels<C: ConnectionTrait>(db: &C, scope: &[(i64, String)]) -> Result<Vec<String>, AppError> {
    let ids: Vec<i64> = scope.iter().map(|(id, _)| *id).collect();
    Ok(locations::describe(db, &ids, "scope")
        .await?
        .into_iter()
        .map(|(o, _)| o.label)
        .collect())
}

/// The password to store: the one given (at least 10 characters), or a
/// generated one, which is returned to be shown once.
fn new_password(given: Option<String>) -> Result<(String, Option<String>), AppError> {
    match given.filter(|p| !p.is_empty()) {
        Some(p) if p.chars().count() < 10 || p.len() > 200 => Err(AppError::invalid("password", "use at least 10 characters")),
        Some(p) => Ok((p, None)),
        None => {
            let generated: String = auth::new_token().chars().take(16).collect();
            Ok((generated.clone(), Some(generated)))
        }
    }
}

/// `/admins`: search by name or login, keyset-paginated.
pub async fn list<C: ConnectionTrait>(db: &C, editor: &Admin, query: &TableQuery) -> Result<Page<AdminRow>, AppError> {
    let plan = Plan::new(SORTS, "a.id", query, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![];
    let mut sql = format!(
        "SELECT a.id, a.login, a.name, a.is_super, a.disabled, a.version, a.created_at, {} FROM admins a WHERE 1=1",
        plan.select_sql()
    );
    sql.push_str(&sql::contains(query.q.as_deref(), &["a.name", "a.login"], &mut values)?);
    let tz = editor.time_zone;
    let page = plan.fetch(db, &sql, values, |r: AdminBase| r).await?;
    let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    let (mut p, mut s) = rights(db, &ids).await?;
    let mut labels: HashMap<i64, String> = HashMap::new();
    let all_scope: Vec<i64> = s
        .values()
        .flatten()
        .map(|(id, _)| *id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for (o, _) in locations::describe(db, &all_scope, "scope").await? {
        labels.insert(o.id, o.label);
    }
    Ok(Page {
        rows: page
            .rows
            .into_iter()
            .map(|r| AdminRow {
                permissions: p.remove(&r.id).unwrap_or_default().into_iter().collect(),
                scope: s
                    .remove(&r.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, _)| labels.get(&id).cloned().unwrap_or_default())
                    .collect(),
                created_at: fmt::datetime(r.created_at, tz),
                id: r.id,
                login: r.login,
                name: r.name,
                is_super: r.is_super,
                disabled: r.disabled,
            })
            .collect(),
        next: page.next,
        prev: page.prev,
        sort: page.sort,
        dir: page.dir,
    })
}

/// One administrator for its edit page.
pub async fn detail<C: ConnectionTrait>(db: &C, editor: &Admin, id: i64) -> Result<AdminDetail, AppError> {
    let t = load(db, id).await?;
    let ids: Vec<i64> = t.scope.iter().map(|(id, _)| *id).collect();
    let scope: Vec<LocationOption> = locations::describe(db, &ids, "scope").await?.into_iter().map(|(o, _)| o).collect();
    Ok(AdminDetail {
        id: t.id,
        login: t.login.clone(),
        name: t.name.clone(),
        is_super: t.is_super,
        disabled: t.disabled,
        version: t.version,
        created_at: fmt::datetime(t.created_at, editor.time_zone),
        permissions: t.permissions.iter().cloned().collect(),
        scope,
        grantable: perms::ALL.iter().filter(|p| editor.can(p)).map(|p| p.to_string()).collect(),
        locked: exceeds(editor, &t),
        is_self: t.id == editor.id,
    })
}

/// What a new administrator gets.
pub struct NewAdmin {
    pub login: String,
    pub name: String,
    pub password: Option<String>,
    pub permissions: Vec<String>,
    pub scope: Vec<i64>,
}

pub async fn create(state: &AppState, editor: &Admin, new: NewAdmin) -> Result<AdminCreated, AppError> {
    let login = new.login.trim().to_string();
    let name = new.name.trim().to_string();
    valid_login(&login)?;
    valid_name(&name)?;
    let (plain, shown) = new_password(new.password)?;
    let granted = grantable(editor, &new.permissions)?;
    let scope = scope_within(&state.db, editor, &new.scope).await?;
    let hash = password::hash_async(plain).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    if sql::count(db, "SELECT COUNT(*) AS n FROM admins WHERE login = $1", vec![login.clone().into()]).await? > 0 {
        return Err(AppError::invalid("login", "this login is taken"));
    }
    #[derive(FromQueryResult)]
    struct NewId {
        id: i64,
    }
    let id = sql::row::<NewId, _>(
        db,
        "INSERT INTO admins (login, name, password_hash, is_super, time_zone, disabled, version, created_at) \
         VALUES ($1, $2, $3, FALSE, $4, FALSE, 0, $5) RETURNING id",
        vec![
            login.clone().into(),
            name.clone().into(),
            hash.into(),
            editor.time_zone.name().into(),
            now.into(),
        ],
    )
    .await?
    .ok_or(AppError::Internal)?
    .id;
    write_rights(db, id, Some(&granted), Some(scope.as_slice())).await?;
    let after = serde_json::json!({
        "login": login,
        "name": name,
        "permissions": granted,
        "scope": scope.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>(),
    });
    audit::record(
        db,
        Entry {
            admin_id: Some(editor.id),
            action: "admin.create",
            target_admin_id: Some(id),
            detail: serde_json::json!({ "password_generated": shown.is_some() }),
            after: Some(after),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(AdminCreated { id, password: shown })
}

/// Replaces the permissions and/or scope rows of `id`.
async fn write_rights<C: ConnectionTrait>(
    db: &C,
    id: i64,
    permissions: Option<&BTreeSet<String>>,
    scope: Option<&[(i64, String)]>,
) -> Result<(), AppError> {
    if let Some(permissions) = permissions {
        sql::exec(db, "DELETE FROM admin_permissions WHERE admin_id = $1", vec![id.into()]).await?;
        if !permissions.is_empty() {
            let rows: Vec<Vec<Value>> = permissions.iter().map(|s| vec![id.into(), s.clone().into()]).collect();
            crate::backend::bulk::insert(db, "admin_permissions", &["admin_id", "slug"], rows).await?;
        }
    }
    if let Some(scope) = scope {
        sql::exec(db, "DELETE FROM admin_scopes WHERE admin_id = $1", vec![id.into()]).await?;
        if !scope.is_empty() {
            let rows: Vec<Vec<Value>> = scope.iter().map(|(l, _)| vec![id.into(), (*l).into()]).collect();
            crate::backend::bulk::insert(db, "admin_scopes", &["admin_id", "location_id"], rows).await?;
        }
    }
    Ok(())
}

/// The common start of every change: the target (404), not stronger than
/// the editor (403), inside the caller's transaction.
async fn editable<C: ConnectionTrait>(db: &C, editor: &Admin, id: i64) -> Result<Target, AppError> {
    let t = load(db, id).await?;
    refuse_if_exceeds(editor, &t)?;
    Ok(t)
}

/// Enables or disables an administrator. Nobody disables themself.
/// Disabling ends its sessions now and its open streams on the notice.
pub async fn set_enabled(state: &AppState, editor: &Admin, id: i64, enabled: bool, version: i64) -> Result<i64, AppError> {
    if id == editor.id && !enabled {
        return Err(AppError::refused("You cannot disable yourself."));
    }
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let t = editable(db, editor, id).await?;
    let version = bump(db, id, version).await?;
    sql::exec(
        db,
        "UPDATE admins SET disabled = $1 WHERE id = $2",
        vec![(!enabled).into(), id.into()],
    )
    .await?;
    if !enabled {
        end_sessions(db, id).await?;
    }
    audit::record(
        db,
        Entry {
            admin_id: Some(editor.id),
            action: if enabled { "admin.enable" } else { "admin.disable" },
            target_admin_id: Some(id),
            before: Some(serde_json::json!({ "disabled": t.disabled })),
            after: Some(serde_json::json!({ "disabled": !enabled })),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    if !enabled {
        state.notify(Notice::AdminDisabled { admin_id: id });
    }
    Ok(version)
}

/// Ends every console session of `id`, every web-client session it opened
/// with Login as User and its unused Login as User links.
async fn end_sessions<C: ConnectionTrait>(db: &C, id: i64) -> Result<(), AppError> {
    sql::exec(db, "DELETE FROM admin_sessions WHERE admin_id = $1", vec![id.into()]).await?;
    sql::exec(db, "DELETE FROM client_sessions WHERE impersonator_admin_id = $1", vec![id.into()]).await?;
    // A Login as User link it made but nobody followed yet opens nothing.
    sql::exec(
        db,
        "DELETE FROM impersonation_tickets WHERE admin_id = $1 AND used_at IS NULL",
        vec![id.into()],
    )
    .await?;
    Ok(())
}

/// Sets a new password (given, or generated and returned once) and ends the
/// administrator's sessions, unless it is the editor's own.
pub async fn reset_password(
    state: &AppState,
    editor: &Admin,
    id: i64,
    given: Option<String>,
    version: i64,
) -> Result<(i64, Option<String>), AppError> {
    let (plain, shown) = new_password(given)?;
    let hash = password::hash_async(plain).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    editable(db, editor, id).await?;
    let version = bump(db, id, version).await?;
    sql::exec(
        db,
        "UPDATE admins SET password_hash = $1 WHERE id = $2",
        vec![hash.into(), id.into()],
    )
    .await?;
    if id != editor.id {
        end_sessions(db, id).await?;
    }
    audit::record(
        db,
        Entry {
            admin_id: Some(editor.id),
            action: "admin.password.reset",
            target_admin_id: Some(id),
            detail: serde_json::json!({ "password_generated": shown.is_some() }),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((version, shown))
}

/// Replaces an administrator's permissions with ones the editor holds.
pub async fn set_permissions(state: &AppState, editor: &Admin, id: i64, slugs: Vec<String>, version: i64) -> Result<i64, AppError> {
    let wanted = grantable(editor, &slugs)?;
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let t = editable(db, editor, id).await?;
    let version = bump(db, id, version).await?;
    write_rights(db, id, Some(&wanted), None).await?;
    audit::record(
        db,
        Entry {
            admin_id: Some(editor.id),
            action: "admin.permissions.set",
            target_admin_id: Some(id),
            before: Some(serde_json::json!(t.permissions)),
            after: Some(serde_json::json!(wanted)),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

/// Replaces an administrator's camera scope with locations inside the
/// editor's own.
pub async fn set_scope(state: &AppState, editor: &Admin, id: i64, location_ids: Vec<i64>, version: i64) -> Result<i64, AppError> {
    let scope = scope_within(&state.db, editor, &location_ids).await?;
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let t = editable(db, editor, id).await?;
    let before = scope_labels(db, &t.scope).await?;
    let version = bump(db, id, version).await?;
    write_rights(db, id, None, Some(scope.as_slice())).await?;
    audit::record(
        db,
        Entry {
            admin_id: Some(editor.id),
            action: "admin.scope.set",
            target_admin_id: Some(id),
            before: Some(serde_json::json!(before)),
            after: Some(serde_json::json!(scope.iter().map(|(_, l)| l.clone()).collect::<Vec<_>>())),
            ..Default::default()
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}
