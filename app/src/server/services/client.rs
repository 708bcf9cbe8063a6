//! What a signed-in subscriber sees and does in the web client and the apps:
//! its cameras (blocked while paused), its analytics cases within free
//! licences, and its sub users within its own rights. Every write leaves an
//! audit row; in a Login as User session it names the administrator.

use crate::api::client::{CaseOptions, CaseTypeOption, ClientCamera, ClientCase, ClientSubUser, NamedId, PermissionOption};
use crate::error::AppError;
use crate::permissions::{looks_like_user_permission, ANALYTIC_CASES_PREFIX};
use crate::server::client_auth::ClientUser;
use crate::server::entities::{audit_log, user_permissions, users};
use crate::server::keyset::{Plan, SortKey, SortKind, PAGE_SIZE};
use crate::server::services::access;
use crate::server::{fmt, password, sql, AppState};
use crate::types::catalogue::{CameraStatus, UserPermission};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Set, Value};
use std::collections::BTreeSet;

/// Writes one audit row.
pub async fn audit<C: ConnectionTrait>(
    db: &C,
    admin_id: Option<i64>,
    user_id: Option<i64>,
    on_behalf_of_user: Option<i64>,
    action: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        admin_id: Set(admin_id),
        user_id: Set(user_id),
        on_behalf_of_user: Set(on_behalf_of_user),
        action: Set(action.to_string()),
        detail: Set(detail.to_string()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

async fn audit_client<C: ConnectionTrait>(
    db: &C,
    client: &ClientUser,
    action: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (admin, on_behalf) = client.audit_actor();
    audit(db, admin, Some(client.id), on_behalf, action, detail, now).await
}

// ---------------------------------------------------------------- cameras

const CAMERA_SORTS: &[SortKey] = &[
    SortKey {
        name: "name",
        expr: "c.name",
        kind: SortKind::Text,
        default_desc: false,
    },
    SortKey {
        name: "id",
        expr: "c.id",
        kind: SortKind::Int,
        default_desc: false,
    },
    SortKey {
        name: "status",
        expr: "c.status",
        kind: SortKind::Text,
        default_desc: false,
    },
];

const CAMERA_SELECT: &str = "SELECT c.id, c.name, c.status, c.archive_days, \
     CASE WHEN p.name IS NULL THEN l.name ELSE p.name || ', ' || l.name END AS location";
const CAMERA_FROM: &str = " FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
     LEFT JOIN locations l ON l.id = c.location_id LEFT JOIN locations p ON p.id = l.parent_id WHERE uc.user_id = $1";

#[derive(FromQueryResult)]
struct Camera {
    id: i64,
    name: String,
    status: String,
    archive_days: i32,
    location: Option<String>,
}

impl Camera {
    fn shown(self, blocked: bool) -> ClientCamera {
        ClientCamera {
            id: self.id,
            name: self.name,
            status_label: if blocked { "Blocked" } else { CameraStatus::from_stored(&self.status).label() }.to_string(),
            status: self.status,
            blocked,
            archive_days: i64::from(self.archive_days),
            location: self.location,
        }
    }
}

/// The condition on a camera row aliased `cam` that a session may see: in a
/// Login as User session, the camera lies in the impersonating
/// administrator's scope (permissions.md: `users.view` is always limited by
/// the camera scope, and acting as the user does not widen it); otherwise
/// every camera of the account. Placeholders continue after `params`.
fn camera_scope(client: &ClientUser, cam: &str, params: usize) -> (String, Vec<Value>) {
    match &client.impersonator_admin {
        Some(admin) => super::scope::camera_condition(admin, cam, params),
        None => ("1=1".into(), vec![]),
    }
}

/// The cameras of the client's account, one keyset page. A sub user sees its
/// main user's cameras; both need `cameras-view`.
pub async fn cameras<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientCamera>, AppError> {
    client.require(UserPermission::CamerasView.slug())?;
    let plan = Plan::new(CAMERA_SORTS, "c.id", query, PAGE_SIZE)?;
    let (scope, mut values) = camera_scope(client, "c", 1);
    values.insert(0, client.main_id.into());
    let sql = format!("{CAMERA_SELECT}, {}{CAMERA_FROM} AND {scope}", plan.select_sql());
    let blocked = client.blocked;
    Ok(plan.fetch(db, &sql, values, |r: Camera| r.shown(blocked)).await?)
}

/// Every camera of the account (the apps' full picture after a sync).
pub async fn all_cameras<C: ConnectionTrait>(db: &C, client: &ClientUser) -> Result<Vec<ClientCamera>, AppError> {
    client.require(UserPermission::CamerasView.slug())?;
    let (scope, mut values) = camera_scope(client, "c", 1);
    values.insert(0, client.main_id.into());
    let sql = format!("{CAMERA_SELECT}{CAMERA_FROM} AND {scope} ORDER BY c.id");
    Ok(sql::rows::<Camera, _>(db, sql, values)
        .await?
        .into_iter()
        .map(|r| r.shown(client.blocked))
        .collect())
}

pub async fn sync_version<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<i64, AppError> {
    Ok(users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| u.sync_version)
        .unwrap_or(0))
}

// ---------------------------------------------------------------- analytics cases

/// Cases of a level whose licences were all taken away are hidden (kept for
/// the retention period, product spec §4): the licences service owns the rule.
fn case_visible() -> String {
    super::licences::visible_case_condition("ac")
}

const CASE_SORTS: &[SortKey] = &[
    SortKey {
        name: "created",
        expr: "ac.created_at",
        kind: SortKind::Ts,
        default_desc: true,
    },
    SortKey {
        name: "name",
        expr: "ac.name",
        kind: SortKind::Text,
        default_desc: false,
    },
    SortKey {
        name: "id",
        expr: "ac.id",
        kind: SortKind::Int,
        default_desc: false,
    },
];

/// Which cases a client sees: a main user every case of its account (sub
/// users' included, since they use its licences); a sub user its own.
fn case_owner(client: &ClientUser) -> (&'static str, i64) {
    if client.is_sub {
        ("ac.user_id", client.id)
    } else {
        ("ac.main_user_id", client.main_id)
    }
}

pub async fn cases<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientCase>, AppError> {
    client.require(UserPermission::Analytic.slug())?;
    let plan = Plan::new(CASE_SORTS, "ac.id", query, PAGE_SIZE)?;
    let (owner_col, owner) = case_owner(client);
    let sql = format!(
        "SELECT ac.id, ac.name, ac.status, ac.created_at, t.name AS type_name, t.slug AS type_slug, lv.name AS level_name, \
         (SELECT COUNT(*) FROM analytics_case_cameras acc WHERE acc.case_id = ac.id) AS cameras, {} \
         FROM analytics_cases ac JOIN analytics_types t ON t.id = ac.type_id JOIN analytics_levels lv ON lv.id = ac.level_id \
         WHERE {owner_col} = $1 AND {}",
        plan.select_sql(),
        case_visible()
    );
    #[derive(FromQueryResult)]
    struct Case {
        id: i64,
        name: String,
        status: String,
        type_slug: String,
        type_name: String,
        level_name: String,
        cameras: i64,
        created_at: DateTime<Utc>,
    }
    Ok(plan
        .fetch(db, &sql, vec![owner.into()], |r: Case| ClientCase {
            id: r.id,
            name: r.name,
            status: r.status,
            type_slug: r.type_slug,
            type_name: r.type_name,
            level_name: r.level_name,
            cameras: r.cameras,
            created_at: fmt::datetime(r.created_at, chrono_tz::UTC),
        })
        .await?)
}

/// Licences of a level of the account, levels whose licences were removed
/// left out.
#[derive(FromQueryResult)]
struct Licence {
    level_id: i64,
    name: String,
}

async fn licences<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<Vec<Licence>, AppError> {
    Ok(sql::rows(
        db,
        "SELECT la.level_id, lv.name FROM licence_allocations la JOIN analytics_levels lv ON lv.id = la.level_id \
         WHERE la.user_id = $1 AND la.removed_at IS NULL AND la.total > 0 ORDER BY lv.position",
        vec![main_id.into()],
    )
    .await?)
}

/// What the "new case" form offers: the types the client may use whose level
/// the account holds licences for (with the free count), and the cameras.
pub async fn case_options<C: ConnectionTrait>(db: &C, client: &ClientUser) -> Result<CaseOptions, AppError> {
    client.require(UserPermission::Analytic.slug())?;
    let levels = licences(db, client.main_id).await?;
    #[derive(FromQueryResult)]
    struct Type {
        slug: String,
        name: String,
        level_id: i64,
    }
    let types = sql::rows::<Type, _>(db, "SELECT slug, name, level_id FROM analytics_types ORDER BY level_id, id", vec![]).await?;
    let mut out = vec![];
    for t in types {
        let Some(level) = levels.iter().find(|l| l.level_id == t.level_id) else {
            continue;
        };
        if !client.can(&format!("{ANALYTIC_CASES_PREFIX}{}", t.slug)) {
            continue;
        }
        out.push(CaseTypeOption {
            name: t.name,
            slug: t.slug,
            level: level.name.clone(),
            free: super::licences::free_licences(db, client.main_id, t.level_id).await?,
        });
    }
    let cameras = if client.can(UserPermission::CamerasView.slug()) {
        #[derive(FromQueryResult)]
        struct Named {
            id: i64,
            name: String,
        }
        let (scope, mut values) = camera_scope(client, "c", 1);
        values.insert(0, client.main_id.into());
        sql::rows::<Named, _>(
            db,
            format!(
                "SELECT c.id, c.name FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
                 WHERE uc.user_id = $1 AND {scope} ORDER BY c.name, c.id LIMIT 500"
            ),
            values,
        )
        .await?
        .into_iter()
        .map(|r| NamedId { id: r.id, name: r.name })
        .collect()
    } else {
        vec![]
    };
    Ok(CaseOptions { types: out, cameras })
}

/// Creates a case if its cameras fit in the free licences of the type's
/// level. The count and the insert share one write transaction (on
/// PostgreSQL the allocation row is locked), so two concurrent creations
/// cannot both take the last licence.
pub async fn create_case(state: &AppState, client: &ClientUser, type_slug: &str, name: &str, camera_ids: &[i64]) -> Result<i64, AppError> {
    client.require(UserPermission::Analytic.slug())?;
    client.require(&format!("{ANALYTIC_CASES_PREFIX}{type_slug}"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "give the case a name of 1 to 100 characters"));
    }
    let cams: BTreeSet<i64> = camera_ids.iter().copied().collect();
    if cams.is_empty() {
        return Err(AppError::invalid("cameras", "choose at least one camera"));
    }
    if cams.len() > 10_000 {
        return Err(AppError::invalid("cameras", "too many cameras"));
    }
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let t = crate::server::entities::analytics_types::Entity::find()
        .filter(crate::server::entities::analytics_types::Column::Slug.eq(type_slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("type", "unknown analytics type"))?;
    let (type_id, level_id) = (t.id, t.level_id);
    let lock = if db.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    #[derive(FromQueryResult)]
    struct Allocation {
        total: i32,
        removed_at: Option<DateTime<Utc>>,
    }
    let alloc = sql::row::<Allocation, _>(
        db,
        format!("SELECT total, removed_at FROM licence_allocations WHERE user_id = $1 AND level_id = $2{lock}"),
        vec![client.main_id.into(), level_id.into()],
    )
    .await?;
    let total = match alloc {
        Some(a) if a.removed_at.is_none() => i64::from(a.total),
        _ => 0,
    };
    if total <= 0 {
        return Err(AppError::invalid("type", "your account holds no licences for this type's level"));
    }
    let free = super::licences::free_licences(db, client.main_id, level_id).await?;
    if cams.len() as i64 > free {
        return Err(AppError::invalid(
            "cameras",
            format!(
                "{} cameras need {} licences of this level, but only {free} of {total} are free",
                cams.len(),
                cams.len()
            ),
        ));
    }
    // Every camera must be the account's own (and one this session sees).
    let list = cams.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
    let (scope, mut values) = camera_scope(client, "c", 1);
    values.insert(0, client.main_id.into());
    let owned = sql::count(
        db,
        format!(
            "SELECT COUNT(*) AS n FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
             WHERE uc.user_id = $1 AND uc.camera_id IN ({list}) AND {scope}"
        ),
        values,
    )
    .await?;
    if owned != cams.len() as i64 {
        return Err(AppError::invalid("cameras", "some of the chosen cameras are not available to you"));
    }
    let id = crate::server::entities::analytics_cases::Entity::insert(crate::server::entities::analytics_cases::ActiveModel {
        user_id: Set(client.id),
        main_user_id: Set(client.main_id),
        type_id: Set(type_id),
        level_id: Set(level_id),
        name: Set(name.to_string()),
        status: Set("active".into()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    crate::server::entities::analytics_case_cameras::Entity::insert_many(cams.iter().map(|c| {
        crate::server::entities::analytics_case_cameras::ActiveModel {
            case_id: Set(id),
            camera_id: Set(*c),
        }
    }))
    .exec(db)
    .await?;
    audit_client(
        db,
        client,
        "client.case.create",
        serde_json::json!({ "case_id": id, "type": type_slug, "cameras": cams.len() }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Deletes a case the client sees (its events and camera links with it).
pub async fn delete_case(state: &AppState, client: &ClientUser, case_id: i64) -> Result<(), AppError> {
    client.require(UserPermission::Analytic.slug())?;
    let (owner_col, owner) = case_owner(client);
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    let found = sql::row::<Slug, _>(
        db,
        format!(
            "SELECT t.slug FROM analytics_cases ac JOIN analytics_types t ON t.id = ac.type_id \
             WHERE ac.id = $1 AND {owner_col} = $2 AND {}",
            case_visible()
        ),
        vec![case_id.into(), owner.into()],
    )
    .await?;
    let slug = found.ok_or_else(|| AppError::not_found("Case"))?.slug;
    client.require(&format!("{ANALYTIC_CASES_PREFIX}{slug}"))?;
    for sql in [
        "DELETE FROM case_events WHERE case_id = $1",
        "DELETE FROM analytics_case_cameras WHERE case_id = $1",
        "DELETE FROM analytics_cases WHERE id = $1",
    ] {
        sql::exec(db, sql, vec![case_id.into()]).await?;
    }
    audit_client(db, client, "client.case.delete", serde_json::json!({ "case_id": case_id }), now).await?;
    Ok(txn.commit().await?)
}

// ---------------------------------------------------------------- sub users

/// What a Login as User session may not do: create sub users, set their
/// passwords or change their permissions. Each would outlast the 30-minute
/// session (a known password signs in directly, with no impersonation
/// trail), or edit permissions without `subusers.edit` and the version
/// precondition; the administrator uses the console's Sub users tab for
/// permissions instead. Viewing and deleting stay allowed.
fn refuse_impersonated(client: &ClientUser) -> Result<(), AppError> {
    if client.impersonator.is_some() {
        return Err(AppError::forbidden(
            "subusers.edit (a Login as User session cannot create sub users, set their passwords or permissions; use the console)",
        ));
    }
    Ok(())
}

/// Only main users manage sub users, each action behind its own permission.
fn require_manager(client: &ClientUser, permission: &str) -> Result<(), AppError> {
    if client.is_sub {
        return Err(AppError::forbidden(permission));
    }
    client.require(permission)
}

/// The permissions a main user may hand to its sub users, labelled for the
/// web client: exactly [`access::offered_to_sub`], the one rule the console's
/// Sub users and Access tabs use too (so never the Sub users group).
pub async fn grantable<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<Vec<PermissionOption>, AppError> {
    let catalogue = access::Catalogue::load(db).await?;
    let own = access::offered_to_sub(db, &catalogue, main_id).await?;
    let mut out = vec![];
    for p in UserPermission::ALL.iter().filter(|p| own.contains(p.slug())) {
        out.push(PermissionOption {
            slug: p.slug().to_string(),
            label: p.label().to_string(),
            group: p.group().label().to_string(),
        });
    }
    #[derive(FromQueryResult)]
    struct Type {
        slug: String,
        name: String,
    }
    let licensed = sql::rows::<Type, _>(
        db,
        "SELECT t.slug, t.name FROM analytics_types t JOIN licence_allocations la ON la.level_id = t.level_id \
         WHERE la.user_id = $1 AND la.removed_at IS NULL AND la.total > 0 ORDER BY t.level_id, t.id",
        vec![main_id.into()],
    )
    .await?;
    for t in licensed {
        let slug = format!("{ANALYTIC_CASES_PREFIX}{}", t.slug);
        if own.contains(&slug) {
            out.push(PermissionOption {
                slug,
                label: t.name,
                group: "Analytics".into(),
            });
        }
    }
    Ok(out)
}

/// Locks the main user's row for the rest of the write transaction `db`
/// (PostgreSQL `SELECT … FOR UPDATE`), so that what it may grant cannot
/// shrink between the check and the write: a concurrent Access save or
/// licence change updates that row (or waits for it) first. On SQLite the
/// transaction already holds the single writer lock (`AppState::write`),
/// which serialises every write, so reads inside it are current.
async fn lock_main<C: ConnectionTrait>(db: &C, main_id: i64) -> Result<(), AppError> {
    if db.get_database_backend() == DbBackend::Postgres {
        sql::exec(db, "SELECT id FROM users WHERE id = $1 FOR UPDATE", vec![main_id.into()]).await?;
    }
    Ok(())
}

/// Checks a requested permission set against what the main user may grant
/// ([`grantable`]); 422 naming `permissions` (and the offending slugs)
/// otherwise. Call it inside the write transaction after [`lock_main`].
async fn checked_permissions<C: ConnectionTrait>(db: &C, main_id: i64, requested: &[String]) -> Result<BTreeSet<String>, AppError> {
    let allowed: BTreeSet<String> = grantable(db, main_id).await?.into_iter().map(|p| p.slug).collect();
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

pub async fn sub_users<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientSubUser>, AppError> {
    require_manager(client, UserPermission::UsersIndex.slug())?;
    let plan = Plan::new(super::users::USER_SORTS, "u.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT u.id, u.name, u.login, u.created_at, {} FROM users u WHERE u.parent_id = $1",
        plan.select_sql()
    );
    let mut page = plan
        .fetch(db, &sql, vec![client.id.into()], |r: super::users::UserBasics| ClientSubUser {
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

fn valid_login(login: &str) -> Result<(), AppError> {
    let ok_chars = login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if login.len() < 3 || login.len() > 64 || !ok_chars {
        return Err(AppError::invalid("login", "use 3 to 64 letters, digits or . _ - @ (no spaces)"));
    }
    Ok(())
}

fn valid_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 || password.len() > 200 {
        return Err(AppError::invalid("password", "use at least 8 characters"));
    }
    Ok(())
}

pub struct NewSubUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub permissions: &'a [String],
}

pub async fn create_sub_user(state: &AppState, client: &ClientUser, new: NewSubUser<'_>) -> Result<i64, AppError> {
    refuse_impersonated(client)?;
    require_manager(client, UserPermission::UsersStore.slug())?;
    let login = new.login.trim();
    valid_login(login)?;
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "enter a name of 1 to 100 characters"));
    }
    valid_password(new.password)?;
    let hash = password::hash_async(new.password.to_string()).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    // Checked inside the transaction, after locking the main user: checked
    // before it, a concurrent Access save could take a permission away (and
    // trim the existing sub users) between the check and this insert.
    lock_main(&*txn, client.id).await?;
    let perms = checked_permissions(&*txn, client.id, new.permissions).await?;
    let taken = users::Entity::find()
        .filter(users::Column::Login.eq(login))
        .one(&*txn)
        .await?
        .is_some();
    if taken {
        return Err(AppError::invalid("login", "this login is already taken"));
    }
    let id = users::Entity::insert(users::ActiveModel {
        kind: Set("sub".into()),
        status: Set("active".into()),
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
    audit_client(
        &*txn,
        client,
        "client.sub_user.create",
        serde_json::json!({ "sub_user_id": id, "login": login, "permissions": perms }),
        now,
    )
    .await?;
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

async fn own_sub_user<C: ConnectionTrait>(db: &C, client: &ClientUser, sub_id: i64) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(sub_id)
        .one(db)
        .await?
        .filter(|u| u.parent_id == Some(client.id))
        .ok_or_else(|| AppError::not_found("Sub user"))
}

pub async fn set_sub_user_permissions(state: &AppState, client: &ClientUser, sub_id: i64, permissions: &[String]) -> Result<(), AppError> {
    refuse_impersonated(client)?;
    require_manager(client, UserPermission::UsersUpdate.slug())?;
    let now = state.clock.now();
    let txn = state.write().await?;
    lock_main(&*txn, client.id).await?;
    let sub = own_sub_user(&*txn, client, sub_id).await?;
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
    audit_client(
        &*txn,
        client,
        "client.sub_user.permissions",
        serde_json::json!({ "sub_user_id": sub.id, "permissions": perms }),
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

pub async fn delete_sub_user(state: &AppState, client: &ClientUser, sub_id: i64) -> Result<(), AppError> {
    require_manager(client, UserPermission::UsersDestroy.slug())?;
    let now = state.clock.now();
    let txn = state.write().await?;
    let sub = own_sub_user(&*txn, client, sub_id).await?;
    users::Entity::delete_by_id(sub.id).exec(&*txn).await?;
    audit_client(
        &*txn,
        client,
        "client.sub_user.delete",
        serde_json::json!({ "sub_user_id": sub.id, "login": sub.login }),
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Sets a sub user's password and ends its open sessions.
pub async fn set_sub_user_password(state: &AppState, client: &ClientUser, sub_id: i64, new_password: &str) -> Result<(), AppError> {
    refuse_impersonated(client)?;
    require_manager(client, UserPermission::UsersChangePassword.slug())?;
    valid_password(new_password)?;
    let hash = password::hash_async(new_password.to_string()).await;
    let now = state.clock.now();
    let txn = state.write().await?;
    let sub = own_sub_user(&*txn, client, sub_id).await?;
    let mut row: users::ActiveModel = sub.clone().into();
    row.password_hash = Set(hash);
    row.updated_at = Set(now);
    users::Entity::update(row).exec(&*txn).await?;
    crate::server::entities::client_sessions::Entity::delete_many()
        .filter(crate::server::entities::client_sessions::Column::UserId.eq(sub.id))
        .exec(&*txn)
        .await?;
    audit_client(
        &*txn,
        client,
        "client.sub_user.password",
        serde_json::json!({ "sub_user_id": sub.id }),
        now,
    )
    .await?;
    Ok(txn.commit().await?)
}
