//! SeaORM entities, one per table of `migrations`; they follow the migrations.

pub mod address_directory;
pub mod admin_permissions;
pub mod admin_scopes;
pub mod admin_sessions;
pub mod admins;
pub mod analytics_case_cameras;
pub mod analytics_cases;
pub mod analytics_levels;
pub mod analytics_types;
pub mod apartments;
pub mod audit_log;
pub mod billing_events;
pub mod cameras;
pub mod case_events;
pub mod client_sessions;
pub mod impersonation_tickets;
pub mod intercom_keys;
pub mod intercoms;
pub mod licence_allocations;
pub mod locations;
pub mod login_attempts;
pub mod user_apartments;
pub mod user_cameras;
pub mod user_locations;
pub mod user_permissions;
pub mod users;
