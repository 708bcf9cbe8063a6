//! Key/tag codes written to an intercom for a flat and optionally a user.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "intercom_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub intercom_id: i64,
    pub apartment_id: i64,
    pub user_id: Option<i64>,
    pub code: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
