//! Console pages, one per file.

pub mod admin;
pub mod admin_new;
pub mod admins;
pub mod audit;
pub mod billing_log;
pub mod camera;
pub mod card;
pub mod client;
pub mod home;
pub mod intercom;
pub mod login;
pub mod not_found;
pub mod users;
