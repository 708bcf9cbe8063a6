//! A subscriber's analytics cases: a main user sees every case of its
//! account (sub users' included, since they use its licences), a sub user
//! its own; cases of a level whose licences were all taken away are hidden.
//! A case is created only within the free licences of its type's level. The
//! caller checked `analytic` (and, to create one, the type's
//! `analytic-cases-<type>`); deleting checks the case's own type here.

use super::account_cameras;
use crate::backend::entities::{analytics_case_cameras, analytics_cases, analytics_types};
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::backend::services::audit;
use crate::backend::services::licences;
use crate::backend::subscriber_auth::ClientUser;
use crate::backend::{fmt, sql, AppState};
use crate::error::AppError;
use crate::permissions::ANALYTIC_CASES_PREFIX;
use crate::types::catalogue::UserPermission;
use crate::types::subscriber::{CaseOptions, CaseTypeOption, ClientCase, NamedId};
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set};
use std::collections::BTreeSet;

/// Cases of a level whose licences were all taken away are hidden (kept for
/// the retention period, product spec §4): the licences service owns the rule.
fn case_visible() -> String {
    licences::visible_case_condition("ac")
}

const CASE_SORTS: &[SortKey] = &[
    SortKey::ts("created", "ac.created_at").desc(),
    SortKey::text("name", "ac.name"),
    SortKey::int("id", "ac.id"),
];

/// Which cases a client sees: a main user every case of its account (sub
/// users' included, since they use its licences); a sub user its own.
fn case_owner(client: &ClientUser) -> (&'static str, i64) {
    if client.is_sub {
        ("ac.user_id", client.id)
    } else {
        ("ac.main_user_id", client.main_id)
    }
}

/// The cases the client sees, one keyset page.
pub async fn page<C: ConnectionTrait>(db: &C, client: &ClientUser, query: &TableQuery) -> Result<Page<ClientCase>, AppError> {
    let plan = Plan::new(CASE_SORTS, "ac.id", query, PAGE_SIZE)?;
    let (owner_col, owner) = case_owner(client);
    let sql = format!(
        "SELECT ac.id, ac.name, ac.status, ac.created_at, t.name AS type_name, t.slug AS type_slug, lv.name AS level_name, \
         (SELECT COUNT(*) FROM analytics_case_cameras acc WHERE acc.case_id = ac.id) AS cameras, {} \
         FROM analytics_cases ac JOIN analytics_types t ON t.id = ac.type_id JOIN analytics_levels lv ON lv.id = ac.level_id \
         WHERE {owner_col} = $1 AND {}",
        plan.select_sql(),
        case_visible()
    );
    #[derive(FromQueryResult)]
    struct Case {
        id: i64,
        name: String,
        status: String,
        type_slug: String,
        type_name: String,
        level_name: String,
        cameras: i64,
        created_at: DateTime<Utc>,
    }
    Ok(plan
        .fetch(db, &sql, vec![owner.into()], |r: Case| ClientCase {
            id: r.id,
            name: r.name,
            status: r.status,
            type_slug: r.type_slug,
            type_name: r.type_name,
            level_name: r.level_name,
            cameras: r.cameras,
            created_at: fmt::datetime(r.created_at, chrono_tz::UTC),
        })
        .await?)
}

/// What the "new case" form offers: the types the client may use whose level
/// the account holds licences for (with the free count), and the cameras.
pub async fn options<C: ConnectionTrait>(db: &C, client: &ClientUser) -> Result<CaseOptions, AppError> {
    #[derive(FromQueryResult)]
    struct Type {
        slug: String,
        name: String,
        level_id: i64,
        level: String,
    }
    // Levels whose licences were removed are left out.
    let types = sql::rows::<Type, _>(
        db,
        "SELECT t.slug, t.name, t.level_id, lv.name AS level FROM analytics_types t \
         JOIN analytics_levels lv ON lv.id = t.level_id JOIN licence_allocations la ON la.level_id = t.level_id \
         WHERE la.user_id = $1 AND la.removed_at IS NULL AND la.total > 0 ORDER BY t.level_id, t.id",
        vec![client.main_id.into()],
    )
    .await?;
    let mut out = vec![];
    for t in types
        .into_iter()
        .filter(|t| client.can(&format!("{ANALYTIC_CASES_PREFIX}{}", t.slug)))
    {
        out.push(CaseTypeOption {
            free: licences::free_licences(db, client.main_id, t.level_id).await?,
            name: t.name,
            slug: t.slug,
            level: t.level,
        });
    }
    let cameras = if client.can(UserPermission::CamerasView.slug()) {
        #[derive(FromQueryResult)]
        struct Named {
            id: i64,
            name: String,
        }
        let (scope, values) = account_cameras(client);
        sql::rows::<Named, _>(
            db,
            format!(
                "SELECT c.id, c.name FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
                 WHERE uc.user_id = $1 AND {scope} ORDER BY c.name, c.id LIMIT 500"
            ),
            values,
        )
        .await?
        .into_iter()
        .map(|r| NamedId { id: r.id, name: r.name })
        .collect()
    } else {
        vec![]
    };
    Ok(CaseOptions { types: out, cameras })
}

/// Creates a case if its cameras fit in the free licences of the type's
/// level. The count and the insert share one write transaction (on
/// PostgreSQL the allocation row is locked), so two concurrent creations
/// cannot both take the last licence.
pub async fn create(state: &AppState, client: &ClientUser, type_slug: &str, name: &str, camera_ids: &[i64]) -> Result<i64, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "give the case a name of 1 to 100 characters"));
    }
    let cams: BTreeSet<i64> = camera_ids.iter().copied().collect();
    if cams.is_empty() {
        return Err(AppError::invalid("cameras", "choose at least one camera"));
    }
    if cams.len() > 10_000 {
        return Err(AppError::invalid("cameras", "too many cameras"));
    }
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    let t = analytics_types::Entity::find()
        .filter(analytics_types::Column::Slug.eq(type_slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("type", "unknown analytics type"))?;
    let (type_id, level_id) = (t.id, t.level_id);
    let total = match licences::allocation(db, client.main_id, level_id).await? {
        Some(a) if a.removed_at.is_none() => a.total,
        _ => 0,
    };
    if total <= 0 {
        return Err(AppError::invalid("type", "your account holds no licences for this type's level"));
    }
    let free = licences::free_licences(db, client.main_id, level_id).await?;
    if cams.len() as i64 > free {
        return Err(AppError::invalid(
            "cameras",
            format!(
                "{} cameras need {} licences of this level, but only {free} of {total} are free",
                cams.len(),
                cams.len()
            ),
        ));
    }
    // Every camera must be the account's own (and one this session sees).
    let list = cams.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
    let (scope, values) = account_cameras(client);
    let owned = sql::count(
        db,
        format!(
            "SELECT COUNT(*) AS n FROM user_cameras uc JOIN cameras c ON c.id = uc.camera_id \
             WHERE uc.user_id = $1 AND uc.camera_id IN ({list}) AND {scope}"
        ),
        values,
    )
    .await?;
    if owned != cams.len() as i64 {
        return Err(AppError::invalid("cameras", "some of the chosen cameras are not available to you"));
    }
    let id = analytics_cases::Entity::insert(analytics_cases::ActiveModel {
        user_id: Set(client.id),
        main_user_id: Set(client.main_id),
        type_id: Set(type_id),
        level_id: Set(level_id),
        name: Set(name.to_string()),
        status: Set("active".into()),
        created_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?
    .last_insert_id;
    analytics_case_cameras::Entity::insert_many(cams.iter().map(|c| analytics_case_cameras::ActiveModel {
        case_id: Set(id),
        camera_id: Set(*c),
    }))
    .exec(db)
    .await?;
    let detail = serde_json::json!({ "case_id": id, "type": type_slug, "cameras": cams.len() });
    audit::record(db, client.audit_entry("client.case.create", detail), now).await?;
    txn.commit().await?;
    Ok(id)
}

/// Deletes a case the client sees (its events and camera links with it),
/// if the client holds the case type's `analytic-cases-<type>`.
pub async fn delete(state: &AppState, client: &ClientUser, case_id: i64) -> Result<(), AppError> {
    let (owner_col, owner) = case_owner(client);
    let now = state.clock.now();
    let txn = state.write().await?;
    let db = &*txn;
    #[derive(FromQueryResult)]
    struct Slug {
        slug: String,
    }
    let found = sql::row::<Slug, _>(
        db,
        format!(
            "SELECT t.slug FROM analytics_cases ac JOIN analytics_types t ON t.id = ac.type_id \
             WHERE ac.id = $1 AND {owner_col} = $2 AND {}",
            case_visible()
        ),
        vec![case_id.into(), owner.into()],
    )
    .await?;
    let slug = found.ok_or_else(|| AppError::not_found("Case"))?.slug;
    client.require(&format!("{ANALYTIC_CASES_PREFIX}{slug}"))?;
    for sql in [
        "DELETE FROM case_events WHERE case_id = $1",
        "DELETE FROM analytics_case_cameras WHERE case_id = $1",
        "DELETE FROM analytics_cases WHERE id = $1",
    ] {
        sql::exec(db, sql, vec![case_id.into()]).await?;
    }
    let detail = serde_json::json!({ "case_id": case_id });
    audit::record(db, client.audit_entry("client.case.delete", detail), now).await?;
    Ok(txn.commit().await?)
}
