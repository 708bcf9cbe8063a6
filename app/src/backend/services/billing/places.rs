//! Effects of the billing events on places and devices: the location tree
//! built from CSA codes, user ↔ location links, and cameras.
//!
//! The tree is city → street → house → (entrance), matched by
//! (parent, kind, name) so that billing's codes join the nodes already there;
//! the deepest node carries the code. `path` contains the node's own id, so
//! it is written right after the insert.

use super::event::{BillingEventType, Mac, Rejection};
use super::people::require_account;
use super::{Applied, Step};
use crate::backend::entities::{address_directory, cameras, locations, user_cameras, user_locations};
use crate::backend::sql::{self, exec};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set, Value};

/// The location of `csa`, created (with any missing ancestors) from the
/// address directory; `None` when the directory does not know the code.
pub async fn ensure_location<C: ConnectionTrait>(db: &C, csa: &str, now: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
    if let Some(loc) = locations::Entity::find().filter(locations::Column::Csa.eq(csa)).one(db).await? {
        return Ok(Some(loc.id));
    }
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
    let mut parent: Option<(i64, String)> = None;
    for (i, (kind, name)) in chain.into_iter().enumerate() {
        let mut find = locations::Entity::find()
            .filter(locations::Column::Kind.eq(kind))
            .filter(locations::Column::Name.eq(name.as_str()));
        find = match &parent {
            Some((pid, _)) => find.filter(locations::Column::ParentId.eq(*pid)),
            None => find.filter(locations::Column::ParentId.is_null()),
        };
        let node = match find.one(db).await? {
            Some(node) => {
                if i == last && node.csa.is_none() {
                    exec(db, "UPDATE locations SET csa = $1 WHERE id = $2", vec![csa.into(), node.id.into()]).await?;
                }
                (node.id, node.path)
            }
            None => {
                let id = locations::Entity::insert(locations::ActiveModel {
                    parent_id: Set(parent.as_ref().map(|p| p.0)),
                    csa: Set((i == last).then(|| csa.to_string())),
                    kind: Set(kind.into()),
                    name: Set(name),
                    path: Set(String::new()),
                    created_at: Set(now),
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
                (id, path)
            }
        };
        parent = Some(node);
    }
    Ok(parent.map(|p| p.0))
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
    let user = require_account(db, account).await?;
    let Some(location_id) = ensure_location(db, csa, now).await? else {
        return Ok(Applied::user(
            BillingEventType::CreateLocationUnknownCsa,
            user.id,
            format!("CSA code “{csa}” is not in the address directory; nothing changed"),
        ));
    };
    let linked = user_locations::Entity::find_by_id((user.id, location_id)).one(db).await?;
    if linked.is_some() {
        if let Some(n) = contract_number {
            exec(
                db,
                "UPDATE user_locations SET contract_number = $1 WHERE user_id = $2 AND location_id = $3",
                vec![n.into(), user.id.into(), location_id.into()],
            )
            .await?;
        }
        return Ok(Applied::user(
            BillingEventType::CreateLocation,
            user.id,
            format!("location {location_id} was already linked"),
        ));
    }
    user_locations::Entity::insert(user_locations::ActiveModel {
        user_id: Set(user.id),
        location_id: Set(location_id),
        contract_number: Set(contract_number.map(str::to_string)),
        created_at: Set(now),
    })
    .exec(db)
    .await?;
    Ok(Applied::user(
        BillingEventType::CreateLocation,
        user.id,
        format!("location {location_id} linked"),
    ))
}

pub async fn delete_location<C: ConnectionTrait>(db: &C, account: &str, csa: &str) -> Result<Applied, Step> {
    let user = require_account(db, account).await?;
    let loc = locations::Entity::find().filter(locations::Column::Csa.eq(csa)).one(db).await?;
    let Some(loc) = loc else {
        return Ok(Applied::user(
            BillingEventType::DeleteLocation,
            user.id,
            format!("no location has CSA code “{csa}”; nothing to unlink"),
        ));
    };
    let unlinked = exec(
        db,
        "DELETE FROM user_locations WHERE user_id = $1 AND location_id = $2",
        vec![user.id.into(), loc.id.into()],
    )
    .await?;
    if unlinked == 0 {
        return Ok(Applied::user(
            BillingEventType::DeleteLocation,
            user.id,
            format!("location {} was not linked; nothing changed", loc.id),
        ));
    }
    let removed = prune(db, loc.id).await?;
    Ok(Applied::user(
        BillingEventType::DeleteLocation,
        user.id,
        format!("location {} unlinked; {removed} unused location node(s) removed", loc.id),
    ))
}

async fn camera_by_mac<C: ConnectionTrait>(db: &C, mac: &Mac) -> Result<Option<cameras::Model>, DbErr> {
    cameras::Entity::find().filter(cameras::Column::Mac.eq(mac.as_str())).one(db).await
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
    if camera_by_mac(db, mac).await?.is_some() {
        return Err(Step::Rejected(Rejection::new(
            "mac",
            format!("a camera with MAC {} is already registered", mac.as_str()),
        )));
    }
    let id = cameras::Entity::insert(cameras::ActiveModel {
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
    .exec(db)
    .await?
    .last_insert_id;
    Ok(Applied::global(BillingEventType::NewCamera, format!("camera {id} registered")))
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
    let user = require_account(db, account).await?;
    let camera = camera_by_mac(db, mac).await?.ok_or_else(|| unknown_camera(mac))?;
    let Some(location_id) = ensure_location(db, csa, now).await? else {
        return Ok(Applied::user(
            BillingEventType::AttachCameraUnknownCsa,
            user.id,
            format!("CSA code “{csa}” is not in the address directory; nothing changed"),
        ));
    };
    let mut values: Vec<Value> = vec![location_id.into(), camera.id.into()];
    let mut sql = "UPDATE cameras SET location_id = $1".to_string();
    if let Some(days) = archive_days {
        values.push(days.into());
        sql.push_str(", archive_days = $3");
    }
    sql.push_str(" WHERE id = $2");
    exec(db, &sql, values).await?;
    let mut detail = format!("camera {} attached at location {location_id}", camera.id);
    if replace {
        let n = exec(
            db,
            "DELETE FROM user_cameras WHERE user_id = $1 AND camera_id <> $2 \
             AND camera_id IN (SELECT id FROM cameras WHERE location_id = $3)",
            vec![user.id.into(), camera.id.into(), location_id.into()],
        )
        .await?;
        detail.push_str(&format!("; replaced {n} older camera(s)"));
    }
    // Already the user's: nothing to add (one statement either way).
    user_cameras::Entity::insert(user_cameras::ActiveModel {
        user_id: Set(user.id),
        camera_id: Set(camera.id),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(Applied::user(BillingEventType::AttachCamera, user.id, detail))
}

pub async fn detach_camera<C: ConnectionTrait>(db: &C, account: &str, mac: &Mac) -> Result<Applied, Step> {
    let user = require_account(db, account).await?;
    let camera = camera_by_mac(db, mac).await?.ok_or_else(|| unknown_camera(mac))?;
    let n = exec(
        db,
        "DELETE FROM user_cameras WHERE user_id = $1 AND camera_id = $2",
        vec![user.id.into(), camera.id.into()],
    )
    .await?;
    let detail = if n == 0 {
        format!("camera {} was not attached; nothing changed", camera.id)
    } else {
        format!("camera {} detached", camera.id)
    };
    Ok(Applied::user(BillingEventType::DetachCamera, user.id, detail))
}
