//! The table tabs of the user card: Cameras (limited to the administrator's
//! camera scope), Intercoms, Sub users and Billing Events. Each is keyset
//! paginated through [`Plan`], so a page costs the same for a user with ten
//! rows and for one with hundreds of thousands. Each takes the user the
//! card already loaded through the administrator's scope
//! ([`super::card::card_user`]) and runs one statement (Cameras: a second
//! one only for location names not yet in the process cache).

use super::card::CardUser;
use super::scope;
use super::users::UserBasics;
use crate::backend::auth::Admin;
use crate::backend::entities::users::Model as UserModel;
use crate::backend::fmt;
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::error::AppError;
use crate::types::card::{BillingEventRow, CardCameraRow, CardIntercomRow, SubUserRow};
use crate::types::catalogue::{BillingEventType, CameraStatus};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

// The camera id comes from `user_cameras` so that the default order walks
// its primary key (user_id, camera_id) instead of sorting every camera.
const CAMERA_SORTS: &[SortKey] = &[
    SortKey::int("id", "uc.camera_id"),
    SortKey::text("name", "c.name"),
    SortKey::text("status", "c.status"),
];

const INTERCOM_SORTS: &[SortKey] = &[SortKey::text("name", "i.name"), SortKey::ts("created", "i.created_at").desc()];

// Newest first only: `(user_id, received_at, id)` is the index that keeps a
// page of a 200,000-event history a short index range scan.
const BILLING_EVENT_SORTS: &[SortKey] = &[SortKey::ts("created", "be.received_at").desc()];

/// The Cameras tab: the user's cameras that lie in the administrator's
/// scope, each with its location's address ("City, Street, House,
/// Entrance", kept on the location: `locations.address`).
pub async fn cameras<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    u: &UserModel,
    query: &TableQuery,
) -> Result<Page<CardCameraRow>, AppError> {
    let plan = Plan::new(CAMERA_SORTS, "uc.camera_id", query, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![u.id.into()];
    let (cond, scope_values) = scope::camera_condition(admin, "c", values.len());
    values.extend(scope_values);
    let sql = format!(
        "SELECT c.id, c.name, c.status, l.address AS location, {} FROM user_cameras uc \
         JOIN cameras c ON c.id = uc.camera_id LEFT JOIN locations l ON l.id = c.location_id \
         WHERE uc.user_id = $1 AND {cond}",
        plan.select_sql()
    );
    #[derive(FromQueryResult)]
    struct Camera {
        id: i64,
        name: String,
        status: String,
        location: Option<String>,
    }
    Ok(plan
        .fetch(db, &sql, values, |c: Camera| CardCameraRow {
            id: c.id,
            name: c.name,
            status: CameraStatus::from_stored(&c.status),
            location: c.location,
        })
        .await?)
}

/// The Intercoms tab: intercoms of the apartments the user is linked to,
/// with the user's own keys on each (aggregated in the same statement),
/// limited like the Cameras tab by the administrator's scope: an intercom is
/// listed when its location lies in the scope (the same rule as the intercom
/// card; one without a location only for the super-administrator).
pub async fn intercoms<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    u: &UserModel,
    query: &TableQuery,
) -> Result<Page<CardIntercomRow>, AppError> {
    let plan = Plan::new(INTERCOM_SORTS, "i.id", query, PAGE_SIZE)?;
    let agg = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "string_agg",
        _ => "group_concat",
    };
    let mut values: Vec<Value> = vec![u.id.into(), KEY_SEPARATOR.into()];
    let (cond, scope_values) = scope::camera_condition(admin, "i", values.len());
    values.extend(scope_values);
    // The codes joined by a control character no key code contains; sorted
    // after splitting (neither backend orders an aggregate's input the same).
    let sql = format!(
        "SELECT i.id, i.name, i.address, i.department, i.created_at, \
         (SELECT {agg}(k.code, $2) FROM intercom_keys k WHERE k.user_id = $1 AND k.intercom_id = i.id) AS keys, {} \
         FROM intercoms i \
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
        keys: Option<String>,
    }
    let tz = admin.time_zone;
    Ok(plan
        .fetch(db, &sql, values, |r: Intercom| CardIntercomRow {
            id: r.id,
            keys: {
                let mut keys: Vec<String> = r
                    .keys
                    .map(|k| k.split(KEY_SEPARATOR).map(str::to_string).collect())
                    .unwrap_or_default();
                keys.sort();
                keys
            },
            name: r.name,
            address: r.address,
            department: r.department,
            created_at: fmt::datetime(r.created_at, tz),
        })
        .await?)
}

/// Joins a row's key codes in [`intercoms`] (ASCII unit separator).
const KEY_SEPARATOR: &str = "\u{1f}";

/// The Sub users tab: users created by this user in the web client. The tab
/// (and so this list) exists only while the user holds `users-index`.
pub async fn sub_users<C: ConnectionTrait>(
    db: &C,
    admin: &Admin,
    card: &CardUser,
    query: &TableQuery,
) -> Result<Page<SubUserRow>, AppError> {
    if !card.has_sub_users() {
        return Err(AppError::not_found("Tab"));
    }
    let u = &card.user;
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
    u: &UserModel,
    query: &TableQuery,
) -> Result<Page<BillingEventRow>, AppError> {
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
            event_type: BillingEventType::from_stored(&r.event_type),
            created_at: fmt::datetime(r.received_at, tz),
        })
        .await?)
}
