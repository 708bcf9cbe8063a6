//! Server-only code: entities, services, sessions and the demo data generator.
//! Compiled with the `ssr` feature only, never into the WASM bundle.

pub mod auth;
pub mod bulk;
pub mod clock;
pub mod cpu;
pub mod db;
pub mod demo;
pub mod entities;
pub mod fmt;
pub mod keyset;
pub mod password;
pub mod request_db;
pub mod seed;
pub mod services;
pub mod sql;
pub mod sqlite_lib;
pub mod state;
pub mod subscriber_auth;
pub mod throttle;

pub use state::AppState;
