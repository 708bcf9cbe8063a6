//! Analytics licences: allocations per user and level, their use, setting a
//! total (Analytics tab), and the rules every client view follows to hide the
//! cases of a level whose licences were all taken away (product spec §4).
//!
//! For the web client and the client API:
//! - [`visible_case_condition`] is the SQL condition a case row must meet to
//!   be shown anywhere a subscriber looks (hidden level, or claimed by the
//!   purge, means invisible);
//! - [`hidden_levels`] lists the levels hidden for a main user;
//! - [`free_licences`] is what a new case (or an added camera) may still use.

use super::{retention, users};
use crate::backend::auth::Admin;
use crate::backend::entities::analytics_levels;
use crate::backend::state::AppState;
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::permissions::admin::LICENSES_EDIT;
use crate::permissions::ANALYTIC_CASES_PREFIX;
use crate::types::access::{LicenceAllocation, LicenceForm};
use crate::types::UserKind;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Statement, Value};

/// Days between taking all licences of a level away and deleting its cases.
pub const RETENTION_DAYS: i64 = 7;

/// Upper bound of a total, well inside the column's INTEGER.
pub const MAX_TOTAL: i64 = 1_000_000;

/// A case row aliased `alias` is visible to subscribers when its level is not
/// in retention for the case's main user and the purge has not claimed it.
/// Has no placeholders, so it drops into any query.
pub fn visible_case_condition(alias: &str) -> String {
    format!(
        "({alias}.status <> '{claimed}' AND NOT EXISTS (SELECT 1 FROM licence_allocations hla \
         WHERE hla.user_id = {alias}.main_user_id AND hla.level_id = {alias}.level_id AND hla.removed_at IS NOT NULL))",
        claimed = retention::CLAIMED_STATUS
    )
}

/// A list of level ids, selected `AS level_id`.
async fn level_ids<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<Vec<i64>, AppError> {
    #[derive(FromQueryResult)]
    struct Level {
        level_id: i64,
    }
    Ok(sql::rows::<Level, _>(db, sql, values)
        .await?
        .into_iter()
        .map(|l| l.level_id)
        .collect())
}

/// Levels whose cases are hidden for `main_user_id` (all licences taken
/// away, within or past the 7 days).
pub async fn hidden_levels<C: ConnectionTrait>(db: &C, main_user_id: i64) -> Result<Vec<i64>, AppError> {
    level_ids(
        db,
        "SELECT level_id FROM licence_allocations WHERE user_id = $1 AND removed_at IS NOT NULL ORDER BY level_id",
        vec![main_user_id.into()],
    )
    .await
}

/// Licences of a level in use: cameras in the analytics cases of the main
/// user and of its sub users (cases carry `main_user_id`).
pub async fn used<C: ConnectionTrait>(db: &C, main_user_id: i64, level_id: i64) -> Result<i64, AppError> {
    Ok(sql::count(
        db,
        format!(
            "SELECT COUNT(*) AS n FROM analytics_case_cameras acc JOIN analytics_cases ac ON ac.id = acc.case_id \
             WHERE ac.main_user_id = $1 AND ac.level_id = $2 AND ac.status <> '{}'",
            retention::CLAIMED_STATUS
        ),
        vec![main_user_id.into(), level_id.into()],
    )
    .await?)
}

/// Licences of a level a new case (or camera) may still use; 0 for a level
/// without licences or in retention.
pub async fn free_licences<C: ConnectionTrait>(db: &C, main_user_id: i64, level_id: i64) -> Result<i64, AppError> {
    let total = sql::count(
        db,
        "SELECT CAST(total AS BIGINT) AS n FROM licence_allocations WHERE user_id = $1 AND level_id = $2 AND removed_at IS NULL",
        vec![main_user_id.into(), level_id.into()],
    )
    .await?;
    Ok((total - used(db, main_user_id, level_id).await?).max(0))
}

/// Levels the main user holds licences for (total > 0).
pub async fn licensed_levels<C: ConnectionTrait>(db: &C, main_user_id: i64) -> Result<Vec<i64>, AppError> {
    level_ids(
        db,
        "SELECT level_id FROM licence_allocations WHERE user_id = $1 AND total > 0 ORDER BY level_id",
        vec![main_user_id.into()],
    )
    .await
}

/// The day a removed level's data is purged, in the administrator's zone.
pub fn deleted_on(removed_at: Option<DateTime<Utc>>, admin: &Admin) -> Option<String> {
    removed_at.map(|t| fmt::date(t + Duration::days(RETENTION_DAYS), admin.time_zone))
}

/// One analytics level with the user's allocation, as the Analytics tab
/// and the licence form both read it (one statement for both: a tab page
/// shows the two). Total and version are 0 where the user never had the
/// level.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Level {
    pub level_id: i64,
    pub level: String,
    pub allocated: bool,
    pub total: i64,
    pub removed_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Cameras in every analytics case of the level (the tab).
    pub used_all: i64,
    /// The same without claimed cases (the form, which checks a new total).
    pub used: i64,
}

/// Every analytics level with the user's allocation (see [`Level`]).
pub async fn levels<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Vec<Level>, AppError> {
    Ok(sql::rows::<Level, _>(
        db,
        format!(
            "SELECT lv.id AS level_id, lv.name AS level, la.user_id IS NOT NULL AS allocated, \
             CAST(COALESCE(la.total, 0) AS BIGINT) AS total, la.removed_at, COALESCE(la.version, 0) AS version, \
             (SELECT COUNT(*) FROM analytics_case_cameras acc JOIN analytics_cases ac ON ac.id = acc.case_id \
              WHERE ac.main_user_id = $1 AND ac.level_id = lv.id) AS used_all, \
             (SELECT COUNT(*) FROM analytics_case_cameras acc JOIN analytics_cases ac ON ac.id = acc.case_id \
              WHERE ac.main_user_id = $1 AND ac.level_id = lv.id AND ac.status <> '{}') AS used \
             FROM analytics_levels lv LEFT JOIN licence_allocations la ON la.level_id = lv.id AND la.user_id = $1 \
             ORDER BY lv.position, lv.id",
            retention::CLAIMED_STATUS
        ),
        vec![user_id.into()],
    )
    .await?)
}

/// Every analytics level with the user's allocation (total 0, version 0
/// where it never had one), for the licence form.
pub async fn form<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<LicenceForm, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let levels = levels(db, u.id).await?;
    Ok(form_of(admin, &u, &levels))
}

/// The licence form of a visible user from its [`levels`].
pub fn form_of(admin: &Admin, u: &crate::backend::entities::users::Model, levels: &[Level]) -> LicenceForm {
    let levels = levels
        .iter()
        .map(|r| LicenceAllocation {
            level_id: r.level_id,
            level: r.level.clone(),
            total: r.total,
            used: r.used,
            free: (r.total - r.used).max(0),
            version: r.version,
            deleted_on: deleted_on(r.removed_at, admin),
        })
        .collect();
    LicenceForm {
        can_edit: admin.can(LICENSES_EDIT) && UserKind::parse(&u.kind) != Some(UserKind::Sub),
        levels,
    }
}

/// An allocation row as stored.
#[derive(FromQueryResult)]
pub struct Allocation {
    pub total: i64,
    pub removed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A user's allocation of a level, its row locked for the rest of the
/// write transaction `db` on PostgreSQL (SQLite's writer lock serialises
/// every write already), so a count taken from it stays true until commit.
pub async fn allocation<C: ConnectionTrait>(db: &C, user_id: i64, level_id: i64) -> Result<Option<Allocation>, AppError> {
    let lock = if db.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    Ok(sql::row(
        db,
        format!(
            "SELECT CAST(total AS BIGINT) AS total, removed_at, version FROM licence_allocations \
             WHERE user_id = $1 AND level_id = $2{lock}"
        ),
        vec![user_id.into(), level_id.into()],
    )
    .await?)
}

/// Sets a main user's licence total of a level (the caller checked
/// `licenses.edit`). The total may not drop below the licences in use,
/// except to 0: taking every licence away hides the level's cases and starts
/// the 7-day retention; giving licences back within it shows them again.
/// `version` is the allocation's version the administrator loaded (0 when
/// the user never had the level).
pub async fn set_total(
    state: &AppState,
    admin: &Admin,
    user_id: i64,
    level_id: i64,
    total: i64,
    version: i64,
) -> Result<LicenceAllocation, AppError> {
    let u = users::find_visible(&state.db, admin, user_id).await?;
    if UserKind::parse(&u.kind) == Some(UserKind::Sub) {
        return Err(AppError::invalid("user", "a sub user draws on its main user's licences"));
    }
    if total < 0 {
        return Err(AppError::invalid("total", "the number of licences cannot be negative"));
    }
    if total > MAX_TOTAL {
        return Err(AppError::invalid("total", format!("at most {MAX_TOTAL} licences")));
    }
    let level_name = analytics_levels::Entity::find_by_id(level_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::invalid("level", "unknown analytics level"))?
        .name;
    let now = state.clock.now();
    let txn = state.write().await?;
    // The user's row first, so a grant to a sub user cannot slip in between
    // this change and the trim below.
    super::users::lock_main(&*txn, u.id).await?;
    let current = allocation(&*txn, u.id, level_id).await?;
    let exists = current.is_some();
    let (old_total, old_removed) = match current {
        Some(a) if a.version == version => (a.total, a.removed_at),
        None if version == 0 => (0, None),
        _ => {
            return Err(AppError::conflict(
                "Another administrator changed these licences meanwhile; the current numbers are shown.",
            ))
        }
    };
    let in_use = used(&*txn, u.id, level_id).await?;
    if !exists && total == 0 {
        // Nothing to take away from a level the user never had.
        return Ok(LicenceAllocation {
            level_id,
            level: level_name,
            total: 0,
            used: in_use,
            free: 0,
            version: 0,
            deleted_on: None,
        });
    }
    if total > 0 && total < in_use {
        return Err(AppError::invalid(
            "total",
            format!("{in_use} licences are in use; the total cannot be lower (or set 0 to take all of them away)"),
        ));
    }
    // Past its 7 days the hidden data is gone for good even if the purge has
    // not run yet: claim it now so that new licences do not bring it back.
    if total > 0 {
        if let Some(removed) = old_removed {
            if removed <= now - Duration::days(RETENTION_DAYS) {
                retention::claim(&*txn, u.id, level_id).await?;
            }
        }
    }
    let removed_at = if total == 0 {
        // Keep the first removal date; start one only when licences existed.
        old_removed.or((old_total > 0).then_some(now))
    } else {
        None
    };
    let new_version = version + 1;
    if exists {
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE licence_allocations SET total = $1, removed_at = $2, version = $3, updated_at = $4 \
             WHERE user_id = $5 AND level_id = $6 AND version = $7",
            vec![
                (total as i32).into(),
                removed_at.into(),
                new_version.into(),
                now.into(),
                u.id.into(),
                level_id.into(),
                version.into(),
            ],
        ))
        .await?;
    } else if total > 0 {
        // A concurrent first allocation makes this insert fail on the key.
        let res = txn
            .execute_raw(Statement::from_sql_and_values(
                txn.get_database_backend(),
                "INSERT INTO licence_allocations (user_id, level_id, total, removed_at, version, updated_at) \
                 VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT (user_id, level_id) DO NOTHING",
                vec![u.id.into(), level_id.into(), (total as i32).into(), new_version.into(), now.into()],
            ))
            .await?;
        if res.rows_affected() == 0 {
            return Err(AppError::conflict(
                "Another administrator changed these licences meanwhile; the current numbers are shown.",
            ));
        }
    }
    // permissions.md: a sub user holds analytics types only of levels its
    // main user holds licences for.
    let sub_users_trimmed = if total == 0 {
        // The level's `analytic-cases-<type>` go from the sub users.
        let lost = format!("slug IN (SELECT '{ANALYTIC_CASES_PREFIX}' || t.slug FROM analytics_types t WHERE t.level_id = $2)");
        super::access::trim_sub_users(&*txn, &lost, vec![u.id.into(), level_id.into()]).await?
    } else {
        0
    };
    let detail = serde_json::json!({
        "level_id": level_id,
        "level": level_name,
        "from": old_total,
        "to": total,
        "removed_at": removed_at.map(|t| t.to_rfc3339()),
        "sub_users_trimmed": sub_users_trimmed,
    });
    super::audit::record(&*txn, super::audit::Entry::on_user(admin.id, "licences.set", u.id, detail), now).await?;
    txn.commit().await?;
    Ok(LicenceAllocation {
        level_id,
        level: level_name,
        total,
        used: in_use,
        free: (total - in_use).max(0),
        version: new_version,
        deleted_on: deleted_on(removed_at, admin),
    })
}
