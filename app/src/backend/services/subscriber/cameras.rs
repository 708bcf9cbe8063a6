//! The cameras of a subscriber's account (a sub user sees its main user's),
//! shown as blocked while the account is paused. The caller checked
//! `cameras-view`.

use super::account_cameras;
use crate::backend::entities::users;
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::sql;
use crate::backend::subscriber_auth::ClientUser;
use crate::error::AppError;
use crate::types::catalogue::CameraStatus;
use crate::types::subscriber::ClientCamera;
use crate::types::{Page, TableQuery};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};

const CAMERA_SORTS: &[SortKey] = &[
    SortKey::text("name", "c.name"),
    SortKey::int("id", "c.id"),
    SortKey::text("status", "c.status"),
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
        let status = CameraStatus::from_stored(&self.status);
        ClientCamera {
            id: self.id,
            name: self.name,
            status_label: if blocked { "Blocked" } else { status.label() }.to_string(),
            status,
            blocked,
            archive_days: i64::from(self.archive_days),
            location: self.location,
        }
    }
}

/// The cameras of the client's account, one keyset page.
pub async fn page<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientCamera>, AppError> {
    let plan = Plan::new(CAMERA_SORTS, "c.id", query, PAGE_SIZE)?;
    let (scope, values) = account_cameras(client);
    let sql = format!("{CAMERA_SELECT}, {}{CAMERA_FROM} AND {scope}", plan.select_sql());
    let blocked = client.blocked;
    Ok(plan.fetch(db, &sql, values, |r: Camera| r.shown(blocked)).await?)
}

/// Every camera of the account (the apps' full picture after a sync).
pub async fn all<C: ConnectionTrait>(db: &C, client: &ClientUser) -> Result<Vec<ClientCamera>, AppError> {
    let (scope, values) = account_cameras(client);
    let sql = format!("{CAMERA_SELECT}{CAMERA_FROM} AND {scope} ORDER BY c.id");
    Ok(sql::rows::<Camera, _>(db, sql, values)
        .await?
        .into_iter()
        .map(|r| r.shown(client.blocked))
        .collect())
}

/// The user's `sync_version` (0 for an unknown user): what the apps compare
/// after a Synchronize cameras.
pub async fn sync_version<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<i64, AppError> {
    Ok(users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .map(|u| u.sync_version)
        .unwrap_or(0))
}
