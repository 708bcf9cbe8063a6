//! Vigil's server: configuration, the HTTP router (pages, server functions,
//! the billing webhook, health), and the background jobs.

pub mod config;
pub mod jobs;
pub mod router;

pub use app::server::AppState;
