//! Console pages, one per file.

pub mod card;
pub mod billing_log;
pub mod camera;
pub mod home;
pub mod intercom;
pub mod login;
pub mod not_found;
pub mod users;
