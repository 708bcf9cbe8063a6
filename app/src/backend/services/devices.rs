//! Cameras and intercoms as the console opens them: the camera profile, the
//! intercom card with its apartments, and linking users to flats. Everything
//! goes through the administrator's camera scope; a device outside it is a
//! 404 exactly like an unknown one, so its existence is not revealed.

use super::audit::{self, Entry};
use super::{scope, users as user_service};
use crate::backend::auth::Admin;
use crate::backend::entities::{cameras, intercoms, locations, users};
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::permissions::admin::INTERCOMS_EDIT;
use crate::types::devices::{ApartmentRow, CameraProfile, CameraStatus, FlatUser, IntercomCard, LinkOutcome, UserRef};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Value};
use std::collections::HashMap;

/// Path ids in the URL arrive as text; anything but a positive number is a
/// thing that does not exist.
pub fn parse_id(raw: &str, what: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found(what))
}

/// Whether the device row `table` (`cameras` or `intercoms`) with `id` lies
/// in the administrator's scope (by its `location_id`).
async fn device_in_scope<C: ConnectionTrait>(db: &C, admin: &Admin, table: &str, id: i64) -> Result<bool, AppError> {
    if admin.is_super {
        return Ok(true);
    }
    let (cond, mut values) = scope::camera_condition(admin, "d", 1);
    values.insert(0, Value::from(id));
    let row = sql::row::<sql::Id, _>(db, format!("SELECT d.id FROM {table} d WHERE d.id = $1 AND {cond}"), values).await?;
    Ok(row.is_some())
}

/// The location tree names from the root down to `location_id`, read from
/// the materialised `path` ("/1/7/42/").
async fn location_names<C: ConnectionTrait>(db: &C, location_id: Option<i64>) -> Result<Vec<String>, AppError> {
    let Some(location_id) = location_id else {
        return Ok(vec![]);
    };
    let Some(loc) = locations::Entity::find_by_id(location_id).one(db).await? else {
        return Ok(vec![]);
    };
    let ids: Vec<i64> = loc.path.split('/').filter_map(|s| s.parse().ok()).collect();
    let by_id: HashMap<i64, String> = locations::Entity::find()
        .filter(locations::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.get(id).cloned()).collect())
}

/// The camera profile, or 404 when unknown or outside the scope.
pub async fn camera_profile<C: ConnectionTrait>(db: &C, admin: &Admin, camera_id: i64) -> Result<CameraProfile, AppError> {
    let not_found = || AppError::not_found("Camera");
    let cam = cameras::Entity::find_by_id(camera_id).one(db).await?.ok_or_else(not_found)?;
    if !device_in_scope(db, admin, "cameras", cam.id).await? {
        return Err(not_found());
    }
    let location = location_names(db, cam.location_id).await?;
    let (cond, scope_values) = scope::user_condition(admin, "COALESCE(u.parent_id, u.id)", 1);
    let mut values = vec![Value::from(cam.id)];
    values.extend(scope_values);
    let from = format!("FROM user_cameras uc JOIN users u ON u.id = uc.user_id WHERE uc.camera_id = $1 AND {cond}");
    let viewers: Vec<UserRef> = sql::rows::<Person, _>(
        db,
        format!(
            "SELECT u.id, u.name, u.login {from} ORDER BY u.name, u.id LIMIT {}",
            CameraProfile::VIEWERS_SHOWN
        ),
        values.clone(),
    )
    .await?
    .into_iter()
    .map(UserRef::from)
    .collect();
    let viewers_total = if (viewers.len() as u64) < CameraProfile::VIEWERS_SHOWN {
        viewers.len() as i64
    } else {
        sql::count(db, format!("SELECT COUNT(*) AS n {from}"), values).await?
    };
    Ok(CameraProfile {
        id: cam.id,
        name: cam.name,
        mac: cam.mac,
        serial_number: cam.serial_number,
        model: cam.model,
        status: CameraStatus::from_stored(&cam.status),
        location,
        source: cam.source,
        archive_days: cam.archive_days,
        created_at: fmt::datetime(cam.created_at, admin.time_zone),
        viewers,
        viewers_total,
    })
}

/// A user as the device pages name it.
#[derive(FromQueryResult)]
struct Person {
    id: i64,
    name: String,
    login: String,
}

impl From<Person> for UserRef {
    fn from(p: Person) -> Self {
        UserRef {
            id: p.id,
            name: p.name,
            login: p.login,
        }
    }
}

/// Loads an intercom the administrator may see, or 404.
pub async fn find_intercom<C: ConnectionTrait>(db: &C, admin: &Admin, intercom_id: i64) -> Result<intercoms::Model, AppError> {
    let not_found = || AppError::not_found("Intercom");
    let ic = intercoms::Entity::find_by_id(intercom_id).one(db).await?.ok_or_else(not_found)?;
    if device_in_scope(db, admin, "intercoms", ic.id).await? {
        Ok(ic)
    } else {
        Err(not_found())
    }
}

/// The intercom card's header and General data.
pub async fn intercom_card<C: ConnectionTrait>(db: &C, admin: &Admin, intercom_id: i64) -> Result<IntercomCard, AppError> {
    let ic = find_intercom(db, admin, intercom_id).await?;
    let location = location_names(db, ic.location_id).await?;
    Ok(IntercomCard {
        id: ic.id,
        name: ic.name,
        address: ic.address,
        department: ic.department,
        online: ic.status == "online",
        flat_from: ic.flat_from,
        flat_to: ic.flat_to,
        location,
        created_at: fmt::datetime(ic.created_at, admin.time_zone),
        can_edit: admin.can(INTERCOMS_EDIT),
    })
}

// `number` is an INTEGER column and keyset cursors are read as 64-bit, which
// PostgreSQL will not decode from int4; an intercom has at most a few
// hundred flats, so sorting on the cast costs nothing.
const APARTMENT_SORTS: &[SortKey] = &[SortKey::int("number", "CAST(a.number AS BIGINT)")];

/// "$2, $3, …" for `n` values after `params` existing ones.
fn placeholders(params: usize, n: usize) -> String {
    (1..=n).map(|i| format!("${}", params + i)).collect::<Vec<_>>().join(", ")
}

/// The Apartments tab: one keyset page of the intercom's flats by number,
/// each with its linked users (out-of-scope ones anonymised) and keys.
pub async fn apartments<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    intercom_id: i64,
    query: &TableQuery,
) -> Result<Page<ApartmentRow>, AppError> {
    let ic = find_intercom(db, admin, intercom_id).await?;
    let plan = Plan::new(APARTMENT_SORTS, "a.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT a.id, a.number, {} FROM apartments a WHERE a.intercom_id = $1",
        plan.select_sql()
    );
    #[derive(FromQueryResult)]
    struct Apartment {
        id: i64,
        number: i32,
    }
    let mut page = plan
        .fetch(db, &sql, vec![Value::from(ic.id)], |r: Apartment| ApartmentRow {
            id: r.id,
            number: r.number,
            users: vec![],
            keys: vec![],
        })
        .await?;
    if page.rows.is_empty() {
        return Ok(page);
    }
    let ids: Vec<Value> = page.rows.iter().map(|a| Value::from(a.id)).collect();
    let n = ids.len();
    let (cond, scope_values) = scope::user_condition(admin, "COALESCE(u.parent_id, u.id)", n);
    let mut values = ids.clone();
    values.extend(scope_values);
    #[derive(FromQueryResult)]
    struct Linked {
        apartment_id: i64,
        visible: i32,
        #[sea_orm(nested)]
        user: Person,
    }
    let linked = sql::rows::<Linked, _>(
        db,
        format!(
            "SELECT ua.apartment_id, u.id, u.name, u.login, CASE WHEN {cond} THEN 1 ELSE 0 END AS visible \
             FROM user_apartments ua JOIN users u ON u.id = ua.user_id \
             WHERE ua.apartment_id IN ({}) ORDER BY u.name, u.id",
            placeholders(0, n)
        ),
        values,
    )
    .await?;
    let mut users_of: HashMap<i64, Vec<FlatUser>> = HashMap::new();
    for l in linked {
        let user = if l.visible == 1 {
            FlatUser::Visible(l.user.into())
        } else {
            FlatUser::Hidden
        };
        users_of.entry(l.apartment_id).or_default().push(user);
    }
    #[derive(FromQueryResult)]
    struct Key {
        apartment_id: i64,
        code: String,
    }
    let keys = sql::rows::<Key, _>(
        db,
        format!(
            "SELECT k.apartment_id, k.code FROM intercom_keys k WHERE k.apartment_id IN ({}) ORDER BY k.code",
            placeholders(0, n)
        ),
        ids,
    )
    .await?;
    let mut keys_of: HashMap<i64, Vec<String>> = HashMap::new();
    for k in keys {
        keys_of.entry(k.apartment_id).or_default().push(k.code);
    }
    for row in &mut page.rows {
        row.users = users_of.remove(&row.id).unwrap_or_default();
        row.keys = keys_of.remove(&row.id).unwrap_or_default();
    }
    Ok(page)
}

/// A flat number typed into the form, checked against the intercom's range.
fn flat_number(raw: &str, ic: &intercoms::Model) -> Result<i32, AppError> {
    let range = || format!("enter a flat number from {} to {}", ic.flat_from, ic.flat_to);
    let number: i32 = raw.trim().parse().map_err(|_| AppError::invalid("number", range()))?;
    if number < ic.flat_from || number > ic.flat_to {
        return Err(AppError::invalid("number", range()));
    }
    Ok(number)
}

/// The user typed into the form: an ID, or else a login. Out of scope is
/// the same 404 as unknown.
async fn find_user_by_id_or_login<C: ConnectionTrait>(db: &C, admin: &Admin, raw: &str) -> Result<users::Model, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AppError::invalid("user", "enter a user ID or login"));
    }
    if raw.len() > 200 {
        return Err(AppError::invalid("user", "too long for a user ID or login"));
    }
    let mut found = None;
    if let Ok(id) = raw.parse::<i64>() {
        found = users::Entity::find_by_id(id).one(db).await?;
    }
    if found.is_none() {
        found = users::Entity::find().filter(users::Column::Login.eq(raw)).one(db).await?;
    }
    let user = found.ok_or_else(|| AppError::not_found("User"))?;
    user_service::find_visible(db, admin, user.id).await
}

/// The id of an intercom's flat row, if it has one.
async fn apartment_of<C: ConnectionTrait>(db: &C, intercom_id: i64, number: i32) -> Result<Option<i64>, AppError> {
    let found = sql::row::<sql::Id, _>(
        db,
        "SELECT id FROM apartments WHERE intercom_id = $1 AND number = $2",
        vec![intercom_id.into(), number.into()],
    )
    .await?;
    Ok(found.map(|r| r.id))
}

/// Links a user (ID or login) to a flat of the intercom, creating the flat
/// row when it is the first link. Run inside a write transaction; the
/// caller has checked `intercoms.edit`.
pub async fn link_user<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    intercom_id: i64,
    number: &str,
    user: &str,
    now: DateTime<Utc>,
) -> Result<LinkOutcome, AppError> {
    let ic = find_intercom(db, admin, intercom_id).await?;
    let number = flat_number(number, &ic)?;
    let user = find_user_by_id_or_login(db, admin, user).await?;
    // ON CONFLICT keeps concurrent first links of a flat from failing.
    sql::exec(
        db,
        "INSERT INTO apartments (intercom_id, number) VALUES ($1, $2) ON CONFLICT (intercom_id, number) DO NOTHING",
        vec![ic.id.into(), number.into()],
    )
    .await?;
    let apartment_id = apartment_of(db, ic.id, number).await?.ok_or(AppError::Internal)?;
    let inserted = sql::exec(
        db,
        "INSERT INTO user_apartments (user_id, apartment_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, apartment_id) DO NOTHING",
        vec![user.id.into(), apartment_id.into(), now.into()],
    )
    .await?;
    if inserted == 0 {
        return Err(AppError::conflict(format!("{} is already linked to flat {number}.", user.name)));
    }
    let detail = serde_json::json!({ "intercom_id": ic.id, "flat": number, "apartment_id": apartment_id });
    audit::record(db, Entry::on_user(admin.id, "intercom.link", user.id, detail), now).await?;
    Ok(LinkOutcome {
        user_id: user.id,
        number,
        message: format!("Linked {} to flat {number}.", user.name),
    })
}

/// Removes a user's link to a flat of the intercom (the flat row and its
/// keys stay). Run inside a write transaction; the caller has checked
/// `intercoms.edit`.
pub async fn unlink_user<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    intercom_id: i64,
    number: i32,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<LinkOutcome, AppError> {
    let ic = find_intercom(db, admin, intercom_id).await?;
    let user = user_service::find_visible(db, admin, user_id).await?;
    let not_linked = || AppError::conflict(format!("{} is not linked to flat {number}.", user.name));
    let Some(apartment_id) = apartment_of(db, ic.id, number).await? else {
        return Err(not_linked());
    };
    let deleted = sql::exec(
        db,
        "DELETE FROM user_apartments WHERE user_id = $1 AND apartment_id = $2",
        vec![user.id.into(), apartment_id.into()],
    )
    .await?;
    if deleted == 0 {
        return Err(not_linked());
    }
    let detail = serde_json::json!({ "intercom_id": ic.id, "flat": number, "apartment_id": apartment_id });
    audit::record(db, Entry::on_user(admin.id, "intercom.unlink", user.id, detail), now).await?;
    Ok(LinkOutcome {
        user_id: user.id,
        number,
        message: format!("Unlinked {} from flat {number}.", user.name),
    })
}
