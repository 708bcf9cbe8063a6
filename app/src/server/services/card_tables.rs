//! The table tabs of the user card: Cameras (limited to the administrator's
//! camera scope), Intercoms, Sub users and Billing Events. Each is keyset
//! paginated through [`Plan`], so a page costs the same for a user with ten
//! rows and for one with hundreds of thousands.

use super::card::has_sub_users_tab;
use super::users::UserBasics;
use super::{scope, users};
use crate::error::AppError;
use crate::server::auth::Admin;
use crate::server::keyset::{Plan, SortKey, SortKind, PAGE_SIZE};
use crate::server::{fmt, sql};
use crate::types::card::{BillingEventRow, CardCameraRow, CardIntercomRow, SubUserRow};
use crate::types::{billing_event_label, Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use std::collections::HashMap;

// The camera id comes from `user_cameras` so that the default order walks
// its primary key (user_id, camera_id) instead of sorting every camera.
const CAMERA_SORTS: &[SortKey] = &[
    SortKey {
        name: "id",
        expr: "uc.camera_id",
        kind: SortKind::Int,
        default_desc: false,
    },
    SortKey {
        name: "name",
        expr: "c.name",
        kind: SortKind::Text,
        default_desc: false,
    },
    SortKey {
        name: "status",
        expr: "c.status",
        kind: SortKind::Text,
        default_desc: false,
    },
];

const INTERCOM_SORTS: &[SortKey] = &[
    SortKey {
        name: "name",
        expr: "i.name",
        kind: SortKind::Text,
        default_desc: false,
    },
    SortKey {
        name: "created",
        expr: "i.created_at",
        kind: SortKind::Ts,
        default_desc: true,
    },
];

// Newest first only: `(user_id, received_at, id)` is the index that keeps a
// page of a 200,000-event history a short index range scan.
const BILLING_EVENT_SORTS: &[SortKey] = &[SortKey {
    name: "created",
    expr: "be.received_at",
    kind: SortKind::Ts,
    default_desc: true,
}];

/// The Cameras tab: the user's cameras that lie in the administrator's scope.
pub async fn cameras<C: ConnectionTrait>(
    db: &C,
    names: &LocationNames,
    admin: &Admin,
    user_id: i64,
    query: &TableQuery,
) -> Result<Page<CardCameraRow>, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let plan = Plan::new(CAMERA_SORTS, "uc.camera_id", query, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![u.id.into()];
    let (cond, scope_values) = scope::camera_condition(admin, "c", values.len());
    values.extend(scope_values);
    let sql = format!(
        "SELECT c.id, c.name, c.status, l.path AS location_path, {} FROM user_cameras uc \
         JOIN cameras c ON c.id = uc.camera_id LEFT JOIN locations l ON l.id = c.location_id \
         WHERE uc.user_id = $1 AND {cond}",
        plan.select_sql()
    );
    #[derive(FromQueryResult)]
    struct Camera {
        id: i64,
        name: String,
        status: String,
        location_path: Option<String>,
    }
    let page = plan.fetch(db, &sql, values, |r: Camera| r).await?;
    let names = location_names(db, names, page.rows.iter().filter_map(|r| r.location_path.as_deref())).await?;
    Ok(Page {
        rows: page
            .rows
            .into_iter()
            .map(|c| CardCameraRow {
                id: c.id,
                name: c.name,
                status: c.status,
                location: c.location_path.map(|p| address_of(&p, &names)),
            })
            .collect(),
        next: page.next,
        prev: page.prev,
        sort: page.sort,
        dir: page.dir,
    })
}

fn path_ids(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|s| s.parse().ok())
}

/// Location names already read, shared by every request on one database.
/// Safe across instances: a location's name never changes after it is
/// created and ids are never reused (AUTOINCREMENT / sequences), so an entry
/// can only be missing, never wrong. Bounded: cleared when it grows past
/// [`NAME_CACHE_MAX`].
pub type LocationNames = std::sync::Arc<std::sync::RwLock<HashMap<i64, String>>>;
const NAME_CACHE_MAX: usize = 200_000;

/// Names of every location on the given materialised paths: from the
/// process cache, the missing ones in one query (a page has at most 25 paths
/// of a few levels each).
async fn location_names<'a, C: ConnectionTrait>(
    db: &C,
    cache: &LocationNames,
    paths: impl Iterator<Item = &'a str>,
) -> Result<HashMap<i64, String>, AppError> {
    let mut ids: Vec<i64> = paths.flat_map(path_ids).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = HashMap::with_capacity(ids.len());
    {
        let cache = cache.read().unwrap_or_else(|e| e.into_inner());
        ids.retain(|id| match cache.get(id) {
            Some(n) => {
                names.insert(*id, n.clone());
                false
            }
            None => true,
        });
    }
    if ids.is_empty() {
        return Ok(names);
    }
    let fresh = query_location_names(db, ids).await?;
    let mut cache = cache.write().unwrap_or_else(|e| e.into_inner());
    if cache.len() + fresh.len() > NAME_CACHE_MAX {
        cache.clear();
    }
    for (id, name) in fresh {
        cache.insert(id, name.clone());
        names.insert(id, name);
    }
    Ok(names)
}

async fn query_location_names<C: ConnectionTrait>(db: &C, ids: Vec<i64>) -> Result<HashMap<i64, String>, AppError> {
    #[derive(FromQueryResult)]
    struct Name {
        id: i64,
        name: String,
    }
    let marks = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let found = sql::rows::<Name, _>(
        db,
        format!("SELECT id, name FROM locations WHERE id IN ({marks})"),
        ids.into_iter().map(Value::from).collect(),
    )
    .await?;
    Ok(found.into_iter().map(|n| (n.id, n.name)).collect())
}

/// "City, Street, House, Entrance" from a path like `/1/7/42/43/`.
fn address_of(path: &str, names: &HashMap<i64, String>) -> String {
    path_ids(path)
        .filter_map(|id| names.get(&id).cloned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Intercoms tab: intercoms of the apartments the user is linked to,
/// with the user's own keys on each, limited like the Cameras tab by the
/// administrator's scope: an intercom is listed when its location lies in
/// the scope (the same rule as the intercom card; one without a location
/// only for the super-administrator).
pub async fn intercoms<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    user_id: i64,
    query: &TableQuery,
) -> Result<Page<CardIntercomRow>, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let plan = Plan::new(INTERCOM_SORTS, "i.id", query, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![u.id.into()];
    let (cond, scope_values) = scope::camera_condition(admin, "i", values.len());
    values.extend(scope_values);
    let sql = format!(
        "SELECT i.id, i.name, i.address, i.department, i.created_at, {} FROM intercoms i \
         WHERE i.id IN (SELECT a.intercom_id FROM user_apartments ua JOIN apartments a ON a.id = ua.apartment_id WHERE ua.user_id = $1) \
         AND {cond}",
        plan.select_sql()
    );
    #[derive(FromQueryResult)]
    struct Intercom {
        id: i64,
        name: String,
        address: String,
        department: String,
        created_at: DateTime<Utc>,
    }
    let tz = admin.time_zone;
    let page = plan
        .fetch(db, &sql, values, |r: Intercom| CardIntercomRow {
            id: r.id,
            keys: vec![],
            name: r.name,
            address: r.address,
            department: r.department,
            created_at: fmt::datetime(r.created_at, tz),
        })
        .await?;
    if page.rows.is_empty() {
        return Ok(page);
    }
    let marks = (0..page.rows.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
    let mut values: Vec<Value> = vec![u.id.into()];
    values.extend(page.rows.iter().map(|r| Value::from(r.id)));
    #[derive(FromQueryResult)]
    struct Key {
        intercom_id: i64,
        code: String,
    }
    let keys = sql::rows::<Key, _>(
        db,
        format!("SELECT intercom_id, code FROM intercom_keys WHERE user_id = $1 AND intercom_id IN ({marks}) ORDER BY code"),
        values,
    )
    .await?;
    let mut by_intercom: HashMap<i64, Vec<String>> = HashMap::new();
    for k in keys {
        by_intercom.entry(k.intercom_id).or_default().push(k.code);
    }
    let mut page = page;
    for row in &mut page.rows {
        row.keys = by_intercom.remove(&row.id).unwrap_or_default();
    }
    Ok(page)
}

/// The Sub users tab: users created by this user in the web client. The tab
/// (and so this list) exists only while the user holds `users-index`.
pub async fn sub_users<C: ConnectionTrait>(db: &C, admin: &Admin, user_id: i64, query: &TableQuery) -> Result<Page<SubUserRow>, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    if !has_sub_users_tab(db, u.id).await? {
        return Err(AppError::not_found("Tab"));
    }
    let plan = Plan::new(super::users::USER_SORTS, "u.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT u.id, u.name, u.login, u.created_at, {} FROM users u WHERE u.parent_id = $1",
        plan.select_sql()
    );
    let tz = admin.time_zone;
    Ok(plan
        .fetch(db, &sql, vec![u.id.into()], |r: UserBasics| SubUserRow {
            id: r.id,
            name: r.name,
            login: r.login,
            created_at: fmt::datetime(r.created_at, tz),
        })
        .await?)
}

/// The page plan and base statement of the Billing Events tab, apart so the
/// tests can `EXPLAIN` exactly what [`billing_events`] runs.
pub fn billing_events_plan(user_id: i64, query: &TableQuery) -> Result<(Plan, String, Vec<Value>), AppError> {
    let plan = Plan::new(BILLING_EVENT_SORTS, "be.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT be.id, be.request_id, be.event_type, be.received_at, {} FROM billing_events be WHERE be.user_id = $1",
        plan.select_sql()
    );
    Ok((plan, sql, vec![user_id.into()]))
}

/// The Billing Events tab, newest first.
pub async fn billing_events<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    user_id: i64,
    query: &TableQuery,
) -> Result<Page<BillingEventRow>, AppError> {
    let u = users::find_visible(db, admin, user_id).await?;
    let (plan, sql, values) = billing_events_plan(u.id, query)?;
    #[derive(FromQueryResult)]
    struct Event {
        id: i64,
        request_id: String,
        event_type: String,
        received_at: DateTime<Utc>,
    }
    let tz = admin.time_zone;
    Ok(plan
        .fetch(db, &sql, values, |r: Event| BillingEventRow {
            id: r.id,
            request_id: r.request_id,
            label: billing_event_label(&r.event_type).to_string(),
            event_type: r.event_type,
            created_at: fmt::datetime(r.received_at, tz),
        })
        .await?)
}
