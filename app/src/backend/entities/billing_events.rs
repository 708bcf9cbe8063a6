//! Every request received from billing, keyed by its request id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: String,
    pub event_type: String,
    pub user_id: Option<i64>,
    pub account: Option<String>,
    pub payload: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub http_status: i32,
    pub occurred_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    pub processed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
