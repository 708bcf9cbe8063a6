//! The provider's central address system (CSA codes billing may use).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "address_directory")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub csa: String,
    pub city: String,
    pub street: String,
    pub house: String,
    pub entrance: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
