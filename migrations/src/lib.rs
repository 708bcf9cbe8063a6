//! Schema migrations for Vigil, run automatically at start on SQLite and
//! PostgreSQL alike. Append-only: a shipped migration is never edited; a change
//! to the schema is a new migration, and the entities in `app` follow it.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_initial;
mod m20261126_000002_retention;
mod m20261129_000003_admins_audit;
mod m20261201_000004_location_address;
mod sql;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_initial::Migration),
            Box::new(m20261126_000002_retention::Migration),
            Box::new(m20261129_000003_admins_audit::Migration),
            Box::new(m20261201_000004_location_address::Migration),
        ]
    }
}
