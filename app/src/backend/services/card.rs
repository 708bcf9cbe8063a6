//! The user card: its header, which conditional tabs exist, and the
//! non-table tabs (User, Access settings, Analytics). The table tabs are in
//! [`super::card_tables`]. Every function here expects the caller to have
//! checked the session and `users.view`; the user itself is loaded through
//! [`card_user`], which applies the administrator's scope, so that an
//! out-of-scope user is a 404.

use super::{access, licences, scope};
use crate::backend::auth::Admin;
use crate::backend::entities::users::Model as UserModel;
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::permissions::admin::{LICENSES_EDIT, USERS_ACCESS_EDIT};
use crate::types::card::{AccessSettings, LicenceRow, UserCardHeader, UserDetails};
use crate::types::catalogue::UserPermission;
use crate::types::{UserKind, UserStatus};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use std::collections::{BTreeSet, HashSet};

fn kind_of(u: &UserModel) -> UserKind {
    UserKind::parse(&u.kind).unwrap_or(UserKind::Billing)
}

fn status_of(u: &UserModel) -> UserStatus {
    UserStatus::parse(&u.status).unwrap_or(UserStatus::Active)
}

/// A user as the card opens it, with everything its header needs, from one
/// statement: the row, whether the administrator may see it, its main user
/// (named only when also visible), the permissions it holds (the Sub users
/// tab exists with `users-index`; the Access settings tab checks them) and
/// whether the Analytics tab exists. The card's server functions load it
/// once per request and the tabs reuse it, so a tab neither repeats the
/// visibility check nor the header's lookups.
#[derive(Debug, Clone)]
pub struct CardUser {
    pub user: UserModel,
    pub main_user: Option<(i64, String)>,
    pub permissions: HashSet<String>,
    pub has_analytics: bool,
}

impl CardUser {
    /// Whether the Sub users tab exists.
    pub fn has_sub_users(&self) -> bool {
        self.permissions.contains(UserPermission::UsersIndex.slug())
    }
}

/// Loads a [`CardUser`]; 404 when the user is unknown or out of scope.
pub async fn card_user<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64) -> Result<CardUser, AppError> {
    let mut values: Vec<Value> = vec![user_id.into()];
    let (visible, v) = scope::user_condition(admin, "COALESCE(u.parent_id, u.id)", values.len());
    values.extend(v);
    let (main_visible, v) = scope::user_condition(admin, "COALESCE(m.parent_id, m.id)", values.len());
    values.extend(v);
    let agg = match db.get_database_backend() {
        DbBackend::Postgres => "string_agg",
        _ => "group_concat",
    };
    #[derive(FromQueryResult)]
    struct Row {
        #[sea_orm(nested)]
        user: UserModel,
        visible: bool,
        main_id: Option<i64>,
        main_name: Option<String>,
        main_visible: bool,
        held: Option<String>,
        has_analytics: bool,
    }
    let sql = format!(
        "SELECT u.*, ({visible}) AS visible, m.id AS main_id, m.name AS main_name, \
         (m.id IS NOT NULL AND ({main_visible})) AS main_visible, \
         (SELECT {agg}(up.slug, ',') FROM user_permissions up WHERE up.user_id = u.id) AS held, \
         EXISTS (SELECT 1 FROM licence_allocations la WHERE la.user_id = u.id AND (la.total > 0 OR la.removed_at IS NOT NULL)) AS has_analytics \
         FROM users u LEFT JOIN users m ON m.id = u.parent_id WHERE u.id = $1"
    );
    let row = sql::row::<Row, _>(db, sql, values)
        .await?
        .filter(|r| r.visible)
        .ok_or_else(|| AppError::not_found("User"))?;
    Ok(CardUser {
        main_user: match (row.main_id, row.main_name) {
            // A main user outside the scope stays unnamed (a 404 would say the same).
            (Some(id), Some(name)) if row.main_visible => Some((id, name)),
            _ => None,
        },
        // Slugs have no commas (see the permission catalogue).
        permissions: row
            .held
            .map(|h| h.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
        has_analytics: row.has_analytics,
        user: row.user,
    })
}

/// The header of the card.
pub fn header(admin: &Admin, card: &CardUser) -> UserCardHeader {
    let u = &card.user;
    UserCardHeader {
        main_user: card.main_user.clone(),
        can_allocate: can_allocate(admin, u),
        id: u.id,
        name: u.name.clone(),
        login: u.login.clone(),
        kind: kind_of(u),
        status: status_of(u),
        created_at: fmt::datetime(u.created_at, admin.time_zone),
        has_sub_users: card.has_sub_users(),
        has_analytics: card.has_analytics,
    }
}

/// The User tab: the billing data, read-only.
pub fn details(admin: &Admin, card: &CardUser) -> UserDetails {
    let u = card.user.clone();
    let kind = kind_of(&u);
    UserDetails {
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
    }
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
/// [`access::sub_user_groups`]). Checked as the user holds them, from the
/// card's one load of the user ([`card_user`]).
pub async fn access<C: ConnectionTrait>(db: &C, admin: &Admin, card: &CardUser) -> Result<AccessSettings, AppError> {
    let u = &card.user;
    let catalogue = access::Catalogue::load(db).await?;
    let held: BTreeSet<String> = card.permissions.iter().cloned().collect();
    let groups = match u.parent_id {
        Some(main_id) => access::sub_user_groups(db, &catalogue, main_id, &held).await?,
        None => catalogue.groups(|_| true, &held, false),
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

/// The Analytics tab: licences per level with their use, from the levels
/// the card loaded once for the request ([`licences::levels`], shared with
/// the licence form). Used counts the cameras in the analytics cases of the
/// user and of its sub users (cases carry `main_user_id`). A user without
/// licences has no such tab (404), except for an administrator who may
/// allocate the first ones (empty list).
pub fn licences(admin: &Admin, card: &CardUser, levels: &[licences::Level]) -> Result<Vec<LicenceRow>, AppError> {
    let found: Vec<LicenceRow> = levels
        .iter()
        .filter(|l| l.allocated && (l.total > 0 || l.removed_at.is_some()))
        .map(|l| LicenceRow {
            level_id: l.level_id,
            level: l.level.clone(),
            total: l.total,
            used: l.used_all,
            free: (l.total - l.used_all).max(0),
            deleted_on: licences::deleted_on(l.removed_at, admin),
        })
        .collect();
    if found.is_empty() && !can_allocate(admin, &card.user) {
        return Err(AppError::not_found("Tab"));
    }
    Ok(found)
}
