//! Subscribers of all three kinds; billing data is read-only in the console.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub parent_id: Option<i64>,
    pub login: String,
    pub password_hash: String,
    pub name: String,
    pub account: Option<String>,
    pub contract_number: Option<String>,
    pub tariff: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub properties: String,
    pub expires_at: Option<DateTimeUtc>,
    pub sync_version: i64,
    pub permissions_version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
