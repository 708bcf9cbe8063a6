//! The global billing log: stored events that concern no user (camera
//! registrations, events for accounts not known yet), newest first.

use crate::api::billing::GlobalBillingRow;
use crate::error::AppError;
use crate::server::auth::{db_err, Admin};
use crate::server::fmt;
use crate::server::keyset::{Plan, SortKey, SortKind, PAGE_SIZE};
use crate::types::{billing_event_label, Page, TableQuery};
use sea_orm::ConnectionTrait;

// Received time only: `(user_id, received_at, id)` serves `user_id IS NULL`
// as one index range, whatever the page.
const SORTS: &[SortKey] = &[SortKey {
    name: "received",
    expr: "be.received_at",
    kind: SortKind::Ts,
    default_desc: true,
}];

/// The SQL the log runs, apart so tests can `EXPLAIN` it.
pub fn plan(query: &TableQuery) -> Result<(Plan, String), AppError> {
    let plan = Plan::new(SORTS, "be.id", query, PAGE_SIZE)?;
    let sql = format!(
        "SELECT be.id, be.request_id, be.event_type, be.outcome, be.received_at, {} FROM billing_events be WHERE be.user_id IS NULL",
        plan.select_sql()
    );
    Ok((plan, sql))
}

pub async fn global<C: ConnectionTrait>(db: &C, admin: &Admin, query: &TableQuery) -> Result<Page<GlobalBillingRow>, AppError> {
    let (plan, sql) = plan(query)?;
    let tz = admin.time_zone;
    plan.fetch(db, &sql, vec![], |r| {
        let event_type: String = r.try_get("", "event_type")?;
        Ok(GlobalBillingRow {
            id: r.try_get("", "id")?,
            request_id: r.try_get("", "request_id")?,
            label: billing_event_label(&event_type).to_string(),
            event_type,
            outcome: r.try_get("", "outcome")?,
            received_at: fmt::datetime(r.try_get("", "received_at")?, tz),
        })
    })
    .await
    .map_err(db_err)
}
