//! Vigil's server: configuration, the HTTP router (pages, server functions,
//! the billing webhook, health), and the background jobs.

pub mod apps_api;
pub mod assets;
pub mod billing;
pub mod config;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod memory;
pub mod net;
pub mod notify;
pub mod router;
pub mod sse;

pub use app::backend::AppState;
