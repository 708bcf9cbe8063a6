//! Nodes of the location tree; `path` is the materialised id chain and
//! `address` the names along it (written with the node: names and parents
//! never change).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "locations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub csa: Option<String>,
    pub kind: String,
    pub name: String,
    pub path: String,
    pub created_at: DateTimeUtc,
    pub address: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
