//! SeaORM entities, one per table of `migrations`; they follow the migrations.

pub mod admins;
pub mod admin_permissions;
pub mod admin_sessions;
pub mod login_attempts;
pub mod address_directory;
pub mod locations;
pub mod admin_scopes;
pub mod users;
pub mod user_permissions;
pub mod user_locations;
pub mod cameras;
pub mod user_cameras;
pub mod intercoms;
pub mod apartments;
pub mod user_apartments;
pub mod intercom_keys;
pub mod billing_events;
pub mod analytics_levels;
pub mod analytics_types;
pub mod licence_allocations;
pub mod analytics_cases;
pub mod analytics_case_cameras;
pub mod case_events;
pub mod audit_log;
pub mod client_sessions;
pub mod impersonation_tickets;
