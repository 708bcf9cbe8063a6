//! The one integration-test binary: every suite runs against a fresh SQLite
//! file and a fresh PostgreSQL database (see `support`).

mod support;

mod access;
mod admins;
mod assets;
mod billing;
mod billing_crash;
mod card;
mod client;
mod connections;
mod consistency;
mod demo;
mod devices;
mod foundation;
mod retention;
mod security;
mod sessions;
mod stalls;
mod sync_cluster;
