//! Administrator actions, including those taken on a user's behalf.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub admin_id: Option<i64>,
    pub user_id: Option<i64>,
    pub on_behalf_of_user: Option<i64>,
    /// The administrator an administrator change was made to.
    pub target_admin_id: Option<i64>,
    pub action: String,
    pub detail: String,
    /// The changed values (JSON) before and after, where they apply.
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
