//! Wire types of the billing log pages (the user card's Billing Events tab
//! has its row in [`super::card`]).

use super::catalogue::BillingEventType;
use serde::{Deserialize, Serialize};

/// One row of the global billing log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalBillingRow {
    pub id: i64,
    pub request_id: String,
    pub event_type: BillingEventType,
    pub outcome: String,
    pub received_at: String,
}
