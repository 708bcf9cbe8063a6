//! Each location's address kept as a column: the names along its path from
//! the root, joined with ", " ("Samara, Lenina St, 4, Entrance 2"). A table
//! of cameras showed it by looking up every id of every row's path (on
//! PostgreSQL four index lookups and an aggregate per row); names and
//! parents never change once a node exists, so the address is written once,
//! with the node (billing's places, the demo generator).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, include_str!("../sql/m20261201_000004_location_address.sql")).await?;
        // The existing nodes, one level of the tree per statement (a node's
        // depth is the number of ids in its path), roots first, in the same
        // SQL on both backends.
        let conn = manager.get_connection();
        let depth = "(LENGTH(path) - LENGTH(REPLACE(path, '/', '')) - 1)";
        let deepest = conn
            .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                manager.get_database_backend(),
                format!("SELECT CAST(COALESCE(MAX({depth}), 0) AS BIGINT) AS d FROM locations"),
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "d"))
            .transpose()?
            .unwrap_or(0);
        for level in 1..=deepest {
            conn.execute_unprepared(&format!(
                "UPDATE locations SET address = COALESCE((SELECT p.address || ', ' FROM locations p WHERE p.id = locations.parent_id), '') || name \
                 WHERE {depth} = {level}"
            ))
            .await?;
        }
        Ok(())
    }
}
