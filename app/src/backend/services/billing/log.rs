//! The global billing log: stored events that concern no user (camera
//! registrations, events for accounts not known yet), newest first.

use crate::backend::auth::Admin;
use crate::backend::fmt;
use crate::backend::keyset::{Plan, SortKey, PAGE_SIZE};
use crate::error::AppError;
use crate::types::billing::GlobalBillingRow;
use crate::types::catalogue::BillingEventType;
use crate::types::{Page, TableQuery};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

// Received time only: `(user_id, received_at, id)` serves `user_id IS NULL`
// as one index range, whatever the page.
const SORTS: &[SortKey] = &[SortKey::ts("received", "be.received_at").desc()];

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
    #[derive(FromQueryResult)]
    struct Event {
        id: i64,
        request_id: String,
        event_type: String,
        outcome: String,
        received_at: DateTime<Utc>,
    }
    let tz = admin.time_zone;
    Ok(plan
        .fetch(db, &sql, vec![], |r: Event| GlobalBillingRow {
            id: r.id,
            request_id: r.request_id,
            event_type: BillingEventType::from_stored(&r.event_type),
            outcome: r.outcome,
            received_at: fmt::datetime(r.received_at, tz),
        })
        .await?)
}
