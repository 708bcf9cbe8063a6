//! Administrators and the audit log in the console: the administrators'
//! version (save precondition) and the audit log's target administrator and
//! before/after values.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, include_str!("../sql/m20261129_000003_admins_audit.sql")).await
    }
}
