//! The audit log: [`record`] writes one row for every audited action (the
//! administrator, the user it was taken on behalf of in an impersonated
//! session, the target, the changed values before and after); [`list`]
//! reads it for `/audit`, filtered, keyset-paginated and limited to the
//! reader's scope: actions on users outside it are not shown, and actions
//! on administrators only to readers who manage administrators.

use super::scope;
use crate::backend::auth::Admin;
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::{fmt, sql};
use crate::error::AppError;
use crate::permissions::admin::ADMINS_MANAGE;
use crate::types::admins::{AuditFilters, AuditQuery, AuditRow, AuditTarget};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

/// One audited action.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub admin_id: Option<i64>,
    /// The user whose impersonated session the action was taken in.
    pub on_behalf_of: Option<i64>,
    pub action: &'a str,
    pub user_id: Option<i64>,
    pub target_admin_id: Option<i64>,
    pub detail: serde_json::Value,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Entry<'a> {
    /// An administrator's action on a user.
    pub fn on_user(admin_id: i64, action: &'a str, user_id: i64, detail: serde_json::Value) -> Self {
        Self {
            admin_id: Some(admin_id),
            action,
            user_id: Some(user_id),
            detail,
            ..Default::default()
        }
    }
}

/// Writes one audit row, in the caller's transaction (so an action and its
/// audit row commit or roll back together).
pub async fn record<C: ConnectionTrait>(db: &C, entry: Entry<'_>, now: DateTime<Utc>) -> Result<(), AppError> {
    let detail = if entry.detail.is_null() {
        serde_json::json!({})
    } else {
        entry.detail
    };
    sql::exec(
        db,
        "INSERT INTO audit_log (admin_id, user_id, on_behalf_of_user, target_admin_id, action, detail, before_value, after_value, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            entry.admin_id.into(),
            entry.user_id.into(),
            entry.on_behalf_of.into(),
            entry.target_admin_id.into(),
            entry.action.into(),
            detail.to_string().into(),
            entry.before.map(|v| v.to_string()).into(),
            entry.after.map(|v| v.to_string()).into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

const SORTS: &[SortKey] = &[SortKey::ts("created", "al.created_at").desc()];

/// An id filter of the query string: empty is none, anything else must be a
/// positive number (422 naming the field).
fn id_filter(field: &str, raw: &Option<String>) -> Result<Option<i64>, AppError> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "must be an id")),
    }
}

/// The start of a date (YYYY-MM-DD) in `tz`, in UTC.
fn day_start(field: &str, raw: &str, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, AppError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| AppError::invalid(field, "must be a date (YYYY-MM-DD)"))?;
    let local = d.and_hms_opt(0, 0, 0).ok_or_else(|| AppError::invalid(field, "must be a date"))?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::invalid(field, "not a time in your time zone"))
}

#[derive(FromQueryResult)]
struct Raw {
    id: i64,
    created_at: DateTime<Utc>,
    admin_id: Option<i64>,
    admin_name: Option<String>,
    action: String,
    user_id: Option<i64>,
    user_name: Option<String>,
    target_admin_id: Option<i64>,
    target_admin_name: Option<String>,
    on_behalf_of_user: Option<i64>,
    behalf_name: Option<String>,
    detail: String,
    before_value: Option<String>,
    after_value: Option<String>,
}

fn target_of(r: &Raw) -> AuditTarget {
    if let Some(id) = r.user_id {
        return AuditTarget::User {
            id,
            name: r.user_name.clone().unwrap_or_default(),
        };
    }
    if let Some(id) = r.target_admin_id {
        return AuditTarget::Admin {
            id,
            name: r.target_admin_name.clone().unwrap_or_default(),
        };
    }
    let detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
    if let Some(id) = detail.get("camera_id").and_then(|v| v.as_i64()) {
        return AuditTarget::Camera { id };
    }
    if let Some(id) = detail.get("intercom_id").and_then(|v| v.as_i64()) {
        return AuditTarget::Intercom { id };
    }
    AuditTarget::None
}

/// `/audit`: newest first, filtered by administrator, action, target user
/// (a user's own rows and its sub users') and a date range.
pub async fn list<C: ConnectionTrait>(db: &C, reader: &Admin, q: &AuditQuery) -> Result<Page<AuditRow>, AppError> {
    let table = TableQuery {
        after: q.after.clone(),
        before: q.before.clone(),
        last: q.last,
        ..Default::default()
    };
    let plan = Plan::new(SORTS, "al.id", &table, PAGE_SIZE)?;
    let mut values: Vec<Value> = vec![];
    let mut sql = format!(
        "SELECT al.id, al.created_at, al.admin_id, ad.name AS admin_name, al.action, al.user_id, tu.name AS user_name, \
         al.target_admin_id, ta.name AS target_admin_name, al.on_behalf_of_user, bu.name AS behalf_name, \
         al.detail, al.before_value, al.after_value, {} \
         FROM audit_log al LEFT JOIN admins ad ON ad.id = al.admin_id LEFT JOIN users tu ON tu.id = al.user_id \
         LEFT JOIN admins ta ON ta.id = al.target_admin_id LEFT JOIN users bu ON bu.id = al.on_behalf_of_user WHERE 1=1",
        plan.select_sql()
    );
    if let Some(admin) = id_filter("admin", &q.admin)? {
        values.push(admin.into());
        sql.push_str(&format!(" AND al.admin_id = ${}", values.len()));
    }
    if let Some(action) = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if action.len() > 100 {
            return Err(AppError::invalid("action", "too long"));
        }
        values.push(action.into());
        sql.push_str(&format!(" AND al.action = ${}", values.len()));
    }
    if let Some(user) = id_filter("user", &q.user)? {
        values.push(user.into());
        let n = values.len();
        sql.push_str(&format!(" AND (al.user_id = ${n} OR tu.parent_id = ${n})"));
    }
    let tz = reader.time_zone;
    if let Some(from) = q.from.as_deref().filter(|s| !s.trim().is_empty()) {
        values.push(day_start("from", from, tz)?.into());
        sql.push_str(&format!(" AND al.created_at >= ${}", values.len()));
    }
    if let Some(to) = q.to.as_deref().filter(|s| !s.trim().is_empty()) {
        let end = day_start("to", to, tz)? + chrono::Duration::days(1);
        values.push(end.into());
        sql.push_str(&format!(" AND al.created_at < ${}", values.len()));
    }
    if !reader.is_super {
        // Actions on users: only within the reader's scope (a sub user
        // counts as its main user). Actions on nobody or on administrators:
        // only to those who manage administrators.
        let (cond, scope_values) = scope::user_condition(reader, "COALESCE(tu.parent_id, tu.id)", values.len());
        values.extend(scope_values);
        let others = if reader.can(ADMINS_MANAGE) { "1=1" } else { "1=0" };
        sql.push_str(&format!(
            " AND ((al.user_id IS NOT NULL AND {cond}) OR (al.user_id IS NULL AND {others}))"
        ));
    }
    Ok(plan
        .fetch(db, &sql, values, |r: Raw| AuditRow {
            id: r.id,
            at: fmt::datetime(r.created_at, tz),
            admin: r.admin_id.map(|id| (id, r.admin_name.clone().unwrap_or_default())),
            action: r.action.clone(),
            target: target_of(&r),
            on_behalf_of: r.on_behalf_of_user.map(|id| (id, r.behalf_name.clone().unwrap_or_default())),
            before: r.before_value,
            after: r.after_value,
            detail: r.detail,
        })
        .await?)
}

/// The filter choices: every administrator and every action in the log.
pub async fn filters<C: ConnectionTrait>(db: &C) -> Result<AuditFilters, AppError> {
    #[derive(FromQueryResult)]
    struct Named {
        id: i64,
        name: String,
    }
    #[derive(FromQueryResult)]
    struct Action {
        action: String,
    }
    let admins = sql::rows::<Named, _>(db, "SELECT id, name FROM admins ORDER BY name, id", vec![])
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let actions = sql::rows::<Action, _>(db, "SELECT DISTINCT action FROM audit_log ORDER BY action", vec![])
        .await?
        .into_iter()
        .map(|a| a.action)
        .collect();
    Ok(AuditFilters { admins, actions })
}
