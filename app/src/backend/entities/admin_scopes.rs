//! Location subtrees an administrator administers (its camera scope).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_scopes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub admin_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub location_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
