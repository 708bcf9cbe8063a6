//! Console pages, one per file.

pub mod card;
pub mod billing_log;
pub mod home;
pub mod login;
pub mod not_found;
pub mod users;
