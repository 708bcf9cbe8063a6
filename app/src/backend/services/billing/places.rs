//! Effects of the billing events on places and devices: the location tree
//! built from CSA codes, user ↔ location links, and cameras.
//!
//! The tree is city → street → house → (entrance), matched by
//! (parent, kind, name) so that billing's codes join the nodes already there;
//! the deepest node carries the code. `path` contains the node's own id, so
//! it is written right after the insert; `address` (the names along the
//! path) is its parent's plus its own name.

use super::event::{BillingEventType, Mac, Rejection};
use super::people::unknown_account;
use super::{Applied, Step};
use crate::backend::entities::{address_directory, cameras, locations, user_cameras, user_locations};
use crate::backend::sql::{self, exec};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set, TryInsertResult, Value};

/// A location for `csa`, which no node carries yet (the caller looked:
/// [`Refs`]), created (with any missing ancestors) from the address
/// directory; `None` when the directory does not know the code.
async fn location_from_directory<C: ConnectionTrait>(db: &C, csa: &str, now: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
    let Some(dir) = address_directory::Entity::find_by_id(csa).one(db).await? else {
        return Ok(None);
    };
    let mut chain = vec![("city", dir.city), ("street", dir.street), ("house", dir.house)];
    if let Some(e) = dir.entrance.filter(|e| !e.trim().is_empty()) {
        // The console names entrances "Entrance 3"; the directory may hold "3".
        let name = if e.starts_with("Entrance") { e } else { format!("Entrance {e}") };
        chain.push(("entrance", name));
    }
    let last = chain.len() - 1;
    // (id, path, address) of the node the next one hangs from.
    let mut parent: Option<(i64, String, String)> = None;
    for (i, (kind, name)) in chain.into_iter().enumerate() {
        let mut find = locations::Entity::find()
            .filter(locations::Column::Kind.eq(kind))
            .filter(locations::Column::Name.eq(name.as_str()));
        find = match &parent {
            Some((pid, _, _)) => find.filter(locations::Column::ParentId.eq(*pid)),
            None => find.filter(locations::Column::ParentId.is_null()),
        };
        let node = match find.one(db).await? {
            Some(node) => {
                if i == last && node.csa.is_none() {
                    exec(db, "UPDATE locations SET csa = $1 WHERE id = $2", vec![csa.into(), node.id.into()]).await?;
                }
                (node.id, node.path, node.address)
            }
            None => {
                let address = match &parent {
                    Some((_, _, above)) => format!("{above}, {name}"),
                    None => name.clone(),
                };
                let id = locations::Entity::insert(locations::ActiveModel {
                    parent_id: Set(parent.as_ref().map(|p| p.0)),
                    csa: Set((i == last).then(|| csa.to_string())),
                    kind: Set(kind.into()),
                    name: Set(name),
                    path: Set(String::new()),
                    created_at: Set(now),
                    address: Set(address.clone()),
                    ..Default::default()
                })
                .exec(db)
                .await?
                .last_insert_id;
                let path = format!("{}{id}/", parent.as_ref().map(|p| p.1.as_str()).unwrap_or("/"));
                exec(
                    db,
                    "UPDATE locations SET path = $1 WHERE id = $2",
                    vec![path.clone().into(), id.into()],
                )
                .await?;
                (id, path, address)
            }
        };
        parent = Some(node);
    }
    Ok(parent.map(|p| p.0))
}

/// The ids an event names, found with one statement instead of one per
/// lookup (each statement is a round trip to the database; on SQLite a
/// hand-off to the connection's thread and back): the subscriber of
/// `account`, the camera of `mac` and the location of `csa`. A lookup not
/// asked for is `None`.
#[derive(Debug, Default, FromQueryResult)]
struct Refs {
    user_id: Option<i64>,
    camera_id: Option<i64>,
    location_id: Option<i64>,
}

impl Refs {
    async fn find<C: ConnectionTrait>(db: &C, account: &str, mac: Option<&Mac>, csa: Option<&str>) -> Result<Self, DbErr> {
        // A SELECT without FROM: always exactly one row.
        let found = sql::row::<Refs, _>(
            db,
            "SELECT (SELECT id FROM users WHERE account = $1) AS user_id, \
             (SELECT id FROM cameras WHERE mac = $2) AS camera_id, \
             (SELECT id FROM locations WHERE csa = $3) AS location_id",
            vec![
                account.into(),
                mac.map(|m| m.as_str().to_string()).into(),
                csa.map(str::to_string).into(),
            ],
        )
        .await?;
        Ok(found.unwrap_or_default())
    }

    /// The subscriber, or a 422 naming `account`.
    fn user(&self, account: &str) -> Result<i64, Step> {
        self.user_id.ok_or_else(|| unknown_account(account))
    }

    /// The location of `csa`, created from the address directory when the
    /// tree has no node for it yet; `None` when the directory does not know
    /// the code.
    async fn location<C: ConnectionTrait>(&self, db: &C, csa: &str, now: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
        match self.location_id {
            Some(id) => Ok(Some(id)),
            None => location_from_directory(db, csa, now).await,
        }
    }

    /// The camera, or a 422 naming `mac`.
    fn camera(&self, mac: &Mac) -> Result<i64, Step> {
        self.camera_id.ok_or_else(|| unknown_camera(mac))
    }
}

/// What an event naming an unknown CSA code is stored as: applied, with
/// nothing changed.
fn unknown_csa(event_type: BillingEventType, user_id: i64, csa: &str) -> Applied {
    Applied::user(
        event_type,
        user_id,
        format!("CSA code “{csa}” is not in the address directory; nothing changed"),
    )
}

/// Removes `location_id` and then its ancestors, as long as nothing uses
/// them (users, cameras, intercoms, administrators' scopes, child nodes).
async fn prune<C: ConnectionTrait>(db: &C, location_id: i64) -> Result<u64, DbErr> {
    let mut removed = 0;
    let mut current = Some(location_id);
    #[derive(FromQueryResult)]
    struct Node {
        parent_id: Option<i64>,
        used: i64,
    }
    while let Some(id) = current {
        let row = sql::row::<Node, _>(
            db,
            "SELECT l.parent_id, CAST(CASE WHEN EXISTS (SELECT 1 FROM user_locations WHERE location_id = $1) \
             OR EXISTS (SELECT 1 FROM cameras WHERE location_id = $1) \
             OR EXISTS (SELECT 1 FROM intercoms WHERE location_id = $1) \
             OR EXISTS (SELECT 1 FROM admin_scopes WHERE location_id = $1) \
             OR EXISTS (SELECT 1 FROM locations c WHERE c.parent_id = $1) THEN 1 ELSE 0 END AS BIGINT) AS used \
             FROM locations l WHERE l.id = $1",
            vec![id.into()],
        )
        .await?;
        let Some(row) = row else { break };
        if row.used != 0 {
            break;
        }
        exec(db, "DELETE FROM locations WHERE id = $1", vec![id.into()]).await?;
        removed += 1;
        current = row.parent_id;
    }
    Ok(removed)
}

pub async fn create_location<C: ConnectionTrait>(
    db: &C,
    account: &str,
    csa: &str,
    contract_number: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    let refs = Refs::find(db, account, None, Some(csa)).await?;
    let user_id = refs.user(account)?;
    let Some(location_id) = refs.location(db, csa, now).await? else {
        return Ok(unknown_csa(BillingEventType::CreateLocationUnknownCsa, user_id, csa));
    };
    // Linked already: the insert does nothing (one statement either way).
    let inserted = user_locations::Entity::insert(user_locations::ActiveModel {
        user_id: Set(user_id),
        location_id: Set(location_id),
        contract_number: Set(contract_number.map(str::to_string)),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    if matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        return Ok(Applied::user(
            BillingEventType::CreateLocation,
            user_id,
            format!("location {location_id} linked"),
        ));
    }
    if let Some(n) = contract_number {
        exec(
            db,
            "UPDATE user_locations SET contract_number = $1 WHERE user_id = $2 AND location_id = $3",
            vec![n.into(), user_id.into(), location_id.into()],
        )
        .await?;
    }
    Ok(Applied::user(
        BillingEventType::CreateLocation,
        user_id,
        format!("location {location_id} was already linked"),
    ))
}

pub async fn delete_location<C: ConnectionTrait>(db: &C, account: &str, csa: &str) -> Result<Applied, Step> {
    let refs = Refs::find(db, account, None, Some(csa)).await?;
    let user_id = refs.user(account)?;
    let Some(location_id) = refs.location_id else {
        return Ok(Applied::user(
            BillingEventType::DeleteLocation,
            user_id,
            format!("no location has CSA code “{csa}”; nothing to unlink"),
        ));
    };
    let unlinked = exec(
        db,
        "DELETE FROM user_locations WHERE user_id = $1 AND location_id = $2",
        vec![user_id.into(), location_id.into()],
    )
    .await?;
    if unlinked == 0 {
        return Ok(Applied::user(
            BillingEventType::DeleteLocation,
            user_id,
            format!("location {location_id} was not linked; nothing changed"),
        ));
    }
    let removed = prune(db, location_id).await?;
    Ok(Applied::user(
        BillingEventType::DeleteLocation,
        user_id,
        format!("location {location_id} unlinked; {removed} unused location node(s) removed"),
    ))
}

fn unknown_camera(mac: &Mac) -> Step {
    Step::Rejected(Rejection::new("mac", format!("no camera with MAC {} is registered", mac.as_str())))
}

pub async fn new_camera<C: ConnectionTrait>(
    db: &C,
    mac: &Mac,
    serial_number: &str,
    model: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    // The MAC's unique index decides: no lookup before the insert.
    let inserted = cameras::Entity::insert(cameras::ActiveModel {
        name: Set(format!("{} {}", model.unwrap_or("Camera"), mac.as_str())),
        mac: Set(mac.as_str().to_string()),
        serial_number: Set(serial_number.to_string()),
        model: Set(model.map(str::to_string)),
        status: Set("empty".into()),
        location_id: Set(None),
        source: Set("billing".into()),
        archive_days: Set(7),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([cameras::Column::Mac])
    .exec(db)
    .await?;
    let TryInsertResult::Inserted(camera) = inserted else {
        return Err(Step::Rejected(Rejection::new(
            "mac",
            format!("a camera with MAC {} is already registered", mac.as_str()),
        )));
    };
    Ok(Applied::global(
        BillingEventType::NewCamera,
        format!("camera {} registered", camera.last_insert_id),
    ))
}

/// Gives the user the camera and places the camera at the CSA's location.
/// `replace`: the camera replaces an older one at that place, so the user's
/// other cameras at the same location are taken away from the user (the
/// cameras themselves stay registered).
pub async fn attach_camera<C: ConnectionTrait>(
    db: &C,
    account: &str,
    mac: &Mac,
    csa: &str,
    archive_days: Option<i32>,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<Applied, Step> {
    let refs = Refs::find(db, account, Some(mac), Some(csa)).await?;
    let user_id = refs.user(account)?;
    let camera_id = refs.camera(mac)?;
    let Some(location_id) = refs.location(db, csa, now).await? else {
        return Ok(unknown_csa(BillingEventType::AttachCameraUnknownCsa, user_id, csa));
    };
    let mut values: Vec<Value> = vec![location_id.into(), camera_id.into()];
    let mut sql = "UPDATE cameras SET location_id = $1".to_string();
    if let Some(days) = archive_days {
        values.push(days.into());
        sql.push_str(", archive_days = $3");
    }
    sql.push_str(" WHERE id = $2");
    exec(db, &sql, values).await?;
    let mut detail = format!("camera {camera_id} attached at location {location_id}");
    if replace {
        let n = exec(
            db,
            "DELETE FROM user_cameras WHERE user_id = $1 AND camera_id <> $2 \
             AND camera_id IN (SELECT id FROM cameras WHERE location_id = $3)",
            vec![user_id.into(), camera_id.into(), location_id.into()],
        )
        .await?;
        detail.push_str(&format!("; replaced {n} older camera(s)"));
    }
    // Already the user's: nothing to add (one statement either way).
    user_cameras::Entity::insert(user_cameras::ActiveModel {
        user_id: Set(user_id),
        camera_id: Set(camera_id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(Applied::user(BillingEventType::AttachCamera, user_id, detail))
}

pub async fn detach_camera<C: ConnectionTrait>(db: &C, account: &str, mac: &Mac) -> Result<Applied, Step> {
    let refs = Refs::find(db, account, Some(mac), None).await?;
    let user_id = refs.user(account)?;
    let camera_id = refs.camera(mac)?;
    let n = exec(
        db,
        "DELETE FROM user_cameras WHERE user_id = $1 AND camera_id = $2",
        vec![user_id.into(), camera_id.into()],
    )
    .await?;
    let detail = if n == 0 {
        format!("camera {camera_id} was not attached; nothing changed")
    } else {
        format!("camera {camera_id} detached")
    };
    Ok(Applied::user(BillingEventType::DetachCamera, user_id, detail))
}
