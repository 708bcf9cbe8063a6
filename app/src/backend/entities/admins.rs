//! Console administrators; `password_hash` is Argon2id and never leaves the server.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub login: String,
    pub name: String,
    pub password_hash: String,
    pub is_super: bool,
    pub time_zone: String,
    pub disabled: bool,
    /// Moves on every change from the console (save precondition).
    pub version: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
