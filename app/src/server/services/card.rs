//! The user card: its header, which conditional tabs exist, and the
//! non-table tabs (User, Access settings, Analytics). The table tabs are in
//! [`super::card_tables`]. Every function here expects the caller to have
//! checked the session and `users.view`; the user itself is always loaded
//! through [`users::find_visible`] so that an out-of-scope user is a 404.

use super::{access, users};
use crate::error::AppError;
use crate::permissions::{
    admin::{LICENSES_EDIT, USERS_ACCESS_EDIT},
    SUB_USERS_INDEX,
};
use crate::server::auth::Admin;
use crate::server::entities::users::Model as UserModel;
use crate::server::{fmt, sql};
use crate::types::card::{AccessSettings, LicenceRow, UserCardHeader, UserDetails};
use crate::types::{UserKind, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

fn kind_of(u: &UserModel) -> UserKind {
    UserKind::parse(&u.kind).unwrap_or(UserKind::Billing)
}

fn status_of(u: &UserModel) -> UserStatus {
    UserStatus::parse(&u.status).unwrap_or(UserStatus::Active)
}

/// Whether the user holds `users-index` (the Sub users tab exists).
pub async fn has_sub_users_tab<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<bool, AppError> {
    let n = sql::count(
        db,
        "SELECT COUNT(*) AS n FROM user_permissions WHERE user_id = $1 AND slug = $2",
        vec![user_id.into(), SUB_USERS_INDEX.into()],
    )
    .await?;
    Ok(n > 0)
}

/// The header of the card (404 when the user is unknown or out of scope).
pub async fn header<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<UserCardHeader, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    // A main user outside the scope stays unnamed (a 404 would say the same).
    let main_user = match u.parent_id {
        Some(pid) => match users::find_visible(db, admin, pid).await {
            Ok(m) => Some((m.id, m.name)),
            Err(AppError::NotFound(_)) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let (has_sub_users, has_analytics) = conditional_tabs(db, u.id).await?;
    Ok(UserCardHeader {
        main_user,
        can_allocate: can_allocate(admin, &u),
        id: u.id,
        name: u.name.clone(),
        login: u.login.clone(),
        kind: kind_of(&u),
        status: status_of(&u),
        created_at: fmt::datetime(u.created_at, admin.time_zone),
        has_sub_users,
        has_analytics,
    })
}

/// Whether the Sub users tab (the user holds `users-index`) and the
/// Analytics tab (licences, or a level in retention) exist, in one round
/// trip: the header is on every page.
async fn conditional_tabs<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<(bool, bool), AppError> {
    #[derive(FromQueryResult)]
    struct Tabs {
        sub_users: i64,
        analytics: i64,
    }
    let tabs = sql::row::<Tabs, _>(
        db,
        "SELECT \
           (SELECT COUNT(*) FROM user_permissions WHERE user_id = $1 AND slug = $2) AS sub_users, \
           (SELECT COUNT(*) FROM licence_allocations WHERE user_id = $1 AND (total > 0 OR removed_at IS NOT NULL)) AS analytics",
        vec![user_id.into(), SUB_USERS_INDEX.into()],
    )
    .await?;
    Ok(tabs.map(|t| (t.sub_users > 0, t.analytics > 0)).unwrap_or_default())
}

/// The User tab: the billing data, read-only.
pub async fn details<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<UserDetails, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let kind = kind_of(&u);
    Ok(UserDetails {
        properties: properties(&u),
        expires_at: if kind == UserKind::Admin {
            u.expires_at.map(|t| fmt::datetime(t, admin.time_zone))
        } else {
            None
        },
        status: status_of(&u),
        account: u.account,
        contract_number: u.contract_number,
        name: u.name,
        login: u.login,
        phone: u.phone,
        email: u.email,
        address: u.address,
        tariff: u.tariff,
    })
}

/// Billing's extra properties as key/value rows. Billing sends a string map;
/// other JSON values are shown as JSON rather than dropped.
fn properties(u: &UserModel) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&u.properties) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        Err(e) => {
            tracing::warn!(user_id = u.id, error = %e, "user properties are not a JSON object");
            vec![]
        }
    }
}

/// The Access settings tab: for a main user every permission of the
/// catalogue plus one per analytics type; for a sub user exactly what may be
/// granted to it (the rule of its main user's Sub users tab, one function:
/// [`access::sub_user_groups`]). Checked as the user holds them.
pub async fn access<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<AccessSettings, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let catalogue = access::Catalogue::load(db).await?;
    let held = access::held(db, u.id).await?;
    let groups = match u.parent_id {
        Some(main_id) => access::sub_user_groups(db, &catalogue, main_id, &held).await?,
        None => catalogue.groups(|_| true, &held),
    };
    Ok(AccessSettings {
        permissions_version: u.permissions_version,
        can_edit: admin.can(USERS_ACCESS_EDIT),
        groups,
    })
}

/// Licences are allocated to main users, by administrators with `licenses.edit`.
fn can_allocate(admin: &Admin, u: &UserModel) -> bool {
    u.parent_id.is_none() && admin.can(LICENSES_EDIT)
}

/// The Analytics tab: licences per level with their use. Used counts the
/// cameras in the analytics cases of the user and of its sub users (cases
/// carry `main_user_id`). A user without licences has no such tab (404),
/// except for an administrator who may allocate the first ones (empty list).
pub async fn licences<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<Vec<LicenceRow>, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    #[derive(FromQueryResult)]
    struct Licence {
        level_id: i64,
        level: String,
        total: i32,
        removed_at: Option<DateTime<Utc>>,
        used: i64,
    }
    let found = sql::rows::<Licence, _>(
        db,
        "SELECT lv.id AS level_id, lv.name AS level, la.total, la.removed_at, \
         (SELECT COUNT(*) FROM analytics_case_cameras acc JOIN analytics_cases ac ON ac.id = acc.case_id \
          WHERE ac.main_user_id = la.user_id AND ac.level_id = la.level_id) AS used \
         FROM licence_allocations la JOIN analytics_levels lv ON lv.id = la.level_id \
         WHERE la.user_id = $1 AND (la.total > 0 OR la.removed_at IS NOT NULL) ORDER BY lv.position, lv.id",
        vec![u.id.into()],
    )
    .await?;
    if found.is_empty() && !can_allocate(admin, &u) {
        return Err(AppError::not_found("Tab"));
    }
    Ok(found
        .into_iter()
        .map(|r| {
            let total = i64::from(r.total);
            LicenceRow {
                level_id: r.level_id,
                level: r.level,
                total,
                used: r.used,
                free: (total - r.used).max(0),
                deleted_on: super::licences::deleted_on(r.removed_at, admin),
            }
        })
        .collect())
}
